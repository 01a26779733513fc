/// A manifest file that cannot be imported, naming the file, line and column. Nothing of the file is kept.
public struct ManifestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file (or other source name) being read.
    public let file: String
    /// 1-based line number (0 when the fault is not on one line).
    public let line: Int
    /// The column name, or the field number when there is no header name.
    public let column: String?
    public let reason: String

    /// Creates an error.
    public init(file: String, line: Int, column: String?, reason: String) {
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
    }

    public var description: String {
        var place = file
        if line > 0 { place += ":\(line)" }
        if let column { place += " column \(column)" }
        return "\(place): \(reason)"
    }
}

/// Reads the CSV manifest format (documented in docs/manifest-format.md).
///
/// Required columns: `load`, `pallet`, `serial`. Optional: `asset_tag`, `make`, `model`, `category`,
/// `data_bearing`, `sanitization`, `evidence`, `pallet_expected_weight`, `pallet_weight_unit`,
/// `pallet_tolerance`, `pallet_expected_count`, `load_site`, `load_carrier`, `load_dock_door`. One row per
/// asset; pallet and load fields may repeat on every row of the pallet or load (they must then agree) or
/// appear on one row only.
public enum ManifestCSV {
    /// Every column the format knows.
    public static let columns = [
        "load", "pallet", "serial", "asset_tag", "make", "model", "category", "data_bearing",
        "sanitization", "evidence", "pallet_expected_weight", "pallet_weight_unit", "pallet_tolerance",
        "pallet_expected_count", "load_site", "load_carrier", "load_dock_door",
    ]
    static let required = ["load", "pallet", "serial"]

    /// Parses a whole manifest. Any bad row rejects the whole file.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents (UTF-8).
    ///   - file: the name errors use for the input.
    ///   - progress: when given, called with the bytes read so far and the total, at most 100 times, in
    ///     increasing order, the last time with `bytesRead == totalBytes` (unless the file is rejected).
    ///   - assets: when given, handed the assets in file order as they pass their row's checks, in batches
    ///     of up to ``assetBatchSize``, so that a writer can store them while the rest is read. Every asset of
    ///     a manifest that parses is handed over before it is returned; a later bad row still rejects the
    ///     whole file (the receiver must then discard what it got).
    public static func parse(
        _ bytes: [UInt8], file: String, progress: ((_ bytesRead: Int, _ totalBytes: Int) -> Void)? = nil,
        assets: (([ExpectedAsset]) -> Void)? = nil
    ) throws(ManifestError) -> Manifest {
        let scanner = CSVScanner(bytes: bytes)
        return try bytes.withUnsafeBufferPointer { (buffer) throws(ManifestError) -> Manifest in
            var parser = CSVManifestParser(buffer: buffer, scanner: scanner, file: file, progress: progress)
            parser.onAssets = assets
            return try parser.parse()
        }
    }

    /// How many assets ``parse(_:file:progress:assets:)`` hands over at a time.
    public static let assetBatchSize = 8192
}

/// Calls a progress callback at most once per percent of the input (so at most 100 times).
struct ProgressReporter {
    private let callback: ((_ bytesRead: Int, _ totalBytes: Int) -> Void)?
    private let total: Int
    private var next: Int
    private var last = -1

    init(total: Int, callback: ((_ bytesRead: Int, _ totalBytes: Int) -> Void)?) {
        self.callback = callback
        self.total = total
        next = callback == nil || total == 0 ? Int.max : max(1, (total + 99) / 100)
    }

    /// Notes that `position` bytes are read; calls back when a new percent is reached.
    @inline(__always)
    mutating func update(_ position: Int) {
        if position >= next { report(position) }
    }

    /// The final call, at the end of a successful parse.
    mutating func finish() {
        if callback != nil, last < total { report(total) }
    }

    private mutating func report(_ position: Int) {
        let position = min(position, total)
        callback?(position, total)
        last = position
        let percent = position * 100 / total + 1
        next = percent > 100 ? Int.max : max(position + 1, (percent * total + 99) / 100)
    }
}

/// Shares the storage of repeated long strings (make, model, category): a string of more than 15 UTF-8
/// bytes has its own heap buffer, so that a million rows naming the same model would keep a million copies.
/// Shorter strings are stored inline and pass through. At most `limit` distinct values are kept.
struct StringInterner {
    private var table: [String: String] = [:]
    private let limit: Int

    init(limit: Int = 4096) { self.limit = limit }

    mutating func intern(_ text: String) -> String {
        guard text.utf8.count > 15 else { return text }
        if let shared = table[text] { return shared }
        if table.count < limit { table[text] = text }
        return text
    }
}

/// The lean CSV manifest parser: fields stay byte ranges of the input until a value is kept, repeated
/// values (load, pallet, make, model, category) share one string, and repeated pallet and load fields
/// are compared as bytes before they are parsed.
private struct CSVManifestParser {
    typealias Field = CSVScanner.Field

    /// A column's text of the row before, so that a repeat costs a byte comparison, not a new string.
    struct CachedText {
        var field = Field(start: 0, end: 0, escaped: false)
        var text: String?
        var interner: StringInterner?

        init(interning: Bool = false) {
            interner = interning ? StringInterner() : nil
        }

        mutating func text(_ f: Field, in buffer: UnsafeBufferPointer<UInt8>) -> (text: String, repeated: Bool) {
            if let text, f.sameBytes(as: field, in: buffer) { return (text, true) }
            var new = f.text(in: buffer)
            if interner != nil { new = interner!.intern(new) }
            field = f
            text = new
            return (new, false)
        }
    }

    /// What the file said about a pallet so far.
    struct PalletState {
        var weightLine = 0
        var weight: Weight?
        var tolerance: WeightTolerance?
        var weightField = Field(start: 0, end: 0, escaped: false)
        var unitField = Field(start: 0, end: 0, escaped: false)
        var toleranceField = Field(start: 0, end: 0, escaped: false)
        var countLine = 0
        var count = 0
        var countField = Field(start: 0, end: 0, escaped: false)
    }

    /// The first line and bytes of each load field (site, carrier, dock door).
    struct LoadState {
        var lines = [0, 0, 0]
        var fields = [Field](repeating: Field(start: 0, end: 0, escaped: false), count: 3)
    }

    let buffer: UnsafeBufferPointer<UInt8>
    var scanner: CSVScanner
    let file: String
    var progress: ProgressReporter
    var fields: [Field] = []
    var header: [String] = []
    /// Receives the assets that passed their row's checks, in batches.
    var onAssets: (([ExpectedAsset]) -> Void)?
    var batch: [ExpectedAsset] = []

    // Column positions (-1 when the column is absent).
    var loadColumn = -1, palletColumn = -1, serialColumn = -1
    var assetTagColumn = -1, makeColumn = -1, modelColumn = -1, categoryColumn = -1
    var dataBearingColumn = -1, sanitizationColumn = -1, evidenceColumn = -1
    var weightColumn = -1, unitColumn = -1, toleranceColumn = -1, countColumn = -1
    var loadDetailColumns = [-1, -1, -1]
    static let loadDetailNames = ["load_site", "load_carrier", "load_dock_door"]
    static let loadDetailLabels = ["site", "carrier", "dock door"]

    init(buffer: UnsafeBufferPointer<UInt8>, scanner: CSVScanner, file: String,
         progress: ((_ bytesRead: Int, _ totalBytes: Int) -> Void)?) {
        self.buffer = buffer
        self.scanner = scanner
        self.file = file
        self.progress = ProgressReporter(total: buffer.count, callback: progress)
    }

    func error(_ line: Int, _ column: String?, _ reason: String) -> ManifestError {
        ManifestError(file: file, line: line, column: column, reason: reason)
    }

    /// The trimmed field of `column` in the current row (empty when the column is absent).
    @inline(__always)
    func field(_ column: Int) -> Field {
        column < 0 ? Field(start: 0, end: 0, escaped: false) : fields[column].trimmed(in: buffer)
    }

    func text(_ f: Field) -> String { f.text(in: buffer) }

    /// The field's text, or nil when it is empty.
    func optionalText(_ column: Int) -> String? {
        let f = field(column)
        return f.isEmpty ? nil : f.text(in: buffer)
    }

    /// True when the field is `word` in any ASCII case (`word` is lowercase ASCII).
    func matches(_ f: Field, _ word: StaticString) -> Bool {
        guard f.count == word.utf8CodeUnitCount else { return false }
        let w = word.utf8Start
        for i in 0..<f.count {
            var byte = buffer[f.start + i]
            if byte >= 0x41, byte <= 0x5A { byte |= 0x20 }
            if byte != w[i] { return false }
        }
        return true
    }

    mutating func readHeader() throws(ManifestError) {
        let line: Int?
        do {
            line = try scanner.next(buffer, into: &fields)
        } catch {
            throw self.error(error.line, "\(error.field)", error.reason)
        }
        guard let line else { throw error(0, nil, "the file is empty: expected a header row") }
        header = fields.map { String(text($0).trimmingSpaces()).lowercased() }
        var position: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            guard ManifestCSV.columns.contains(name) else {
                throw error(line, name, "unknown column (known: \(ManifestCSV.columns.joined(separator: ", ")))")
            }
            guard position[name] == nil else { throw error(line, name, "column appears twice") }
            position[name] = index
        }
        for name in ManifestCSV.required where position[name] == nil {
            throw error(line, name, "missing required column")
        }
        loadColumn = position["load"]!
        palletColumn = position["pallet"]!
        serialColumn = position["serial"]!
        assetTagColumn = position["asset_tag"] ?? -1
        makeColumn = position["make"] ?? -1
        modelColumn = position["model"] ?? -1
        categoryColumn = position["category"] ?? -1
        dataBearingColumn = position["data_bearing"] ?? -1
        sanitizationColumn = position["sanitization"] ?? -1
        evidenceColumn = position["evidence"] ?? -1
        weightColumn = position["pallet_expected_weight"] ?? -1
        unitColumn = position["pallet_weight_unit"] ?? -1
        toleranceColumn = position["pallet_tolerance"] ?? -1
        countColumn = position["pallet_expected_count"] ?? -1
        loadDetailColumns = Self.loadDetailNames.map { position[$0] ?? -1 }
    }

    /// About how many rows the file has: its line feeds, counted in the first 256 KiB and scaled up with
    /// a margin (an estimate too low costs one more growth of the index, never a wrong result).
    func estimatedRows() -> Int {
        let sample = min(buffer.count, 1 << 18)
        var count = 0
        for i in 0..<sample where buffer[i] == 0x0A { count += 1 }
        guard sample < buffer.count else { return count + 1 }
        return Int(Double(count) * Double(buffer.count) / Double(sample) * 1.05) + 16
    }

    mutating func parse() throws(ManifestError) -> Manifest {
        try readHeader()
        var manifest = Manifest()
        manifest.reserveCapacity(assets: estimatedRows())

        var loadText = CachedText(), palletText = CachedText()
        var makeText = CachedText(interning: true), modelText = CachedText(interning: true)
        var categoryText = CachedText(interning: true)
        var palletIndex: [String: Int] = [:]
        var pallets: [PalletState] = []
        var currentPallet = -1
        var loadIndex: [String: Int] = [:]
        var loads: [LoadState] = []
        var currentLoad = -1
        let hasPalletFields = weightColumn >= 0 || toleranceColumn >= 0 || countColumn >= 0
        let hasLoadFields = loadDetailColumns.contains { $0 >= 0 }

        while true {
            let next: Int?
            do {
                next = try scanner.next(buffer, into: &fields)
            } catch {
                let column = header.indices.contains(error.field - 1) ? header[error.field - 1] : "\(error.field)"
                throw self.error(error.line, column, error.reason)
            }
            guard let line = next else { break }
            guard fields.count == header.count else {
                // A short row names its first missing column, a long row its first extra field number.
                let column = fields.count < header.count ? header[fields.count] : "\(header.count + 1)"
                throw error(line, column, "expected \(header.count) fields, found \(fields.count)")
            }
            let loadField = field(loadColumn), palletField = field(palletColumn), serialField = field(serialColumn)
            if loadField.isEmpty { throw error(line, "load", "empty value") }
            if palletField.isEmpty { throw error(line, "pallet", "empty value") }
            if serialField.isEmpty { throw error(line, "serial", "empty value") }

            var dataBearing = false
            let dataBearingField = field(dataBearingColumn)
            if !dataBearingField.isEmpty {
                if matches(dataBearingField, "true") || matches(dataBearingField, "yes") || matches(dataBearingField, "y")
                    || matches(dataBearingField, "1") {
                    dataBearing = true
                } else if !(matches(dataBearingField, "false") || matches(dataBearingField, "no") || matches(dataBearingField, "n")
                    || matches(dataBearingField, "0")) {
                    throw error(line, "data_bearing", "'\(text(dataBearingField))' is not true/false/yes/no/1/0")
                }
            }
            var sanitization = Sanitization.none
            let sanitizationField = field(sanitizationColumn)
            if !sanitizationField.isEmpty {
                if matches(sanitizationField, "erased") { sanitization = .erased }
                else if matches(sanitizationField, "destroyed") { sanitization = .destroyed }
                else if matches(sanitizationField, "pending") { sanitization = .pending }
                else if matches(sanitizationField, "none") { sanitization = .none }
                else {
                    throw error(line, "sanitization", "unknown status '\(text(sanitizationField))' (erased, destroyed, pending, none)")
                }
            }

            let (load, sameLoad) = loadText.text(loadField, in: buffer)
            let (pallet, samePallet) = palletText.text(palletField, in: buffer)
            let asset = ExpectedAsset(
                serial: text(serialField), assetTag: optionalText(assetTagColumn),
                make: makeColumn < 0 ? nil : Self.nonEmpty(makeText.text(field(makeColumn), in: buffer).text),
                model: modelColumn < 0 ? nil : Self.nonEmpty(modelText.text(field(modelColumn), in: buffer).text),
                category: categoryColumn < 0 ? nil : Self.nonEmpty(categoryText.text(field(categoryColumn), in: buffer).text),
                dataBearing: dataBearing, sanitization: sanitization,
                evidence: optionalText(evidenceColumn), pallet: pallet, load: load)
            do {
                try manifest.add(asset)
            } catch {
                let column = if case .duplicateSerial = error { "serial" } else { "pallet" }
                throw self.error(line, column, error.description)
            }
            if let onAssets {
                batch.append(asset)
                if batch.count == ManifestCSV.assetBatchSize {
                    onAssets(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }

            if hasPalletFields {
                if !samePallet || currentPallet < 0 {
                    if let index = palletIndex[pallet] {
                        currentPallet = index
                    } else {
                        currentPallet = pallets.count
                        palletIndex[pallet] = currentPallet
                        pallets.append(PalletState())
                    }
                }
                try palletFields(line: line, pallet: pallet, state: &pallets[currentPallet], manifest: &manifest)
            }
            if hasLoadFields {
                if !sameLoad || currentLoad < 0 {
                    if let index = loadIndex[load] {
                        currentLoad = index
                    } else {
                        currentLoad = loads.count
                        loadIndex[load] = currentLoad
                        loads.append(LoadState())
                    }
                }
                try loadFields(line: line, load: load, state: &loads[currentLoad], manifest: &manifest)
            }
            progress.update(scanner.index)
        }
        if manifest.assets.isEmpty {
            throw error(0, nil, "the manifest has a header but no rows")
        }
        if let onAssets, !batch.isEmpty { onAssets(batch) }
        progress.finish()
        return manifest
    }

    static func nonEmpty(_ text: String) -> String? { text.isEmpty ? nil : text }

    /// The pallet's weight, tolerance and count on this row: kept the first time, compared after.
    func palletFields(line: Int, pallet: String, state: inout PalletState, manifest: inout Manifest) throws(ManifestError) {
        let weightField = field(weightColumn)
        let unitField = field(unitColumn), toleranceField = field(toleranceColumn)
        if !weightField.isEmpty {
            let repeated = state.weightLine > 0 && weightField.sameBytes(as: state.weightField, in: buffer)
                && unitField.sameBytes(as: state.unitField, in: buffer) && toleranceField.sameBytes(as: state.toleranceField, in: buffer)
            if !repeated {
                let weightText = text(weightField)
                guard !unitField.isEmpty else {
                    throw error(line, "pallet_weight_unit", "a pallet weight needs a unit (kg, lb, ...)")
                }
                let unitText = text(unitField)
                guard let unit = WeightUnit(symbol: unitText) else {
                    throw error(line, "pallet_weight_unit", "unknown unit '\(unitText)'")
                }
                guard let weight = Weight(displayed: weightText, unit: unit), weight.divisions > 0 else {
                    throw error(line, "pallet_expected_weight", "'\(weightText)' is not a positive decimal weight")
                }
                var tolerance: WeightTolerance?
                if !toleranceField.isEmpty {
                    let toleranceText = text(toleranceField)
                    guard let parsed = WeightTolerance(parsing: toleranceText, defaultUnit: unit) else {
                        throw error(line, "pallet_tolerance", "'\(toleranceText)' is not a tolerance (2%, 5, 5 kg)")
                    }
                    tolerance = parsed
                }
                if state.weightLine > 0 {
                    guard let earlier = state.weight, earlier.value == weight.value, earlier.unit == weight.unit,
                          state.tolerance == tolerance else {
                        throw error(line, "pallet_expected_weight", "pallet \(pallet) weight differs from line \(state.weightLine)")
                    }
                } else {
                    state.weightLine = line
                    state.weight = weight
                    state.tolerance = tolerance
                    state.weightField = weightField
                    state.unitField = unitField
                    state.toleranceField = toleranceField
                    manifest.setExpectedWeight(pallet: pallet, weight: weight, tolerance: tolerance)
                }
            }
        } else if !toleranceField.isEmpty {
            throw error(line, "pallet_tolerance", "a tolerance needs pallet_expected_weight on the same row")
        }

        let countField = field(countColumn)
        if !countField.isEmpty, !(state.countLine > 0 && countField.sameBytes(as: state.countField, in: buffer)) {
            let countText = text(countField)
            guard let count = ManifestCSV.assetCount(countText) else {
                throw error(line, "pallet_expected_count", ManifestCSV.badCountReason(countText))
            }
            if state.countLine > 0 {
                guard count == state.count else {
                    throw error(line, "pallet_expected_count",
                                "pallet \(pallet) expected count \(count) differs from \(state.count) on line \(state.countLine)")
                }
            } else {
                state.countLine = line
                state.count = count
                state.countField = countField
                manifest.setDeclaredCount(pallet: pallet, count: count)
            }
        }
    }

    /// The load's site, carrier and dock door on this row: kept the first time, compared after.
    func loadFields(line: Int, load: String, state: inout LoadState, manifest: inout Manifest) throws(ManifestError) {
        for k in 0..<3 where loadDetailColumns[k] >= 0 {
            let f = field(loadDetailColumns[k])
            if f.isEmpty { continue }
            if state.lines[k] > 0 {
                guard f.sameBytes(as: state.fields[k], in: buffer) else {
                    throw error(line, Self.loadDetailNames[k],
                                "load \(load) \(Self.loadDetailLabels[k]) '\(text(f))' differs from '\(text(state.fields[k]))' on line \(state.lines[k])")
                }
            } else {
                state.lines[k] = line
                state.fields[k] = f
                let value = text(f)
                manifest.setLoadDetails(load: load, site: k == 0 ? value : nil, carrier: k == 1 ? value : nil, dockDoor: k == 2 ? value : nil)
            }
        }
    }
}

extension ManifestCSV {
    /// A declared asset count: ASCII digits only (no sign, point or exponent), at most 18 of them.
    static func assetCount(_ text: some StringProtocol) -> Int? {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= 18 else { return nil }
        var value = 0
        for byte in utf8 {
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    static func badCountReason(_ text: String) -> String { "'\(text)' is not a whole number of assets (0 or more)" }
}
