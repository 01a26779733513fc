/// Reads the JSON manifest format (documented in docs/manifest-format.md):
///
/// ```json
/// {"loads": [{"id": "L1", "site": "Reno", "carrier": "Acme", "dock_door": "dock-1",
///   "pallets": [{"id": "306141410004510006", "expected_weight": "412.0", "weight_unit": "kg",
///     "tolerance": "2%", "expected_count": 14,
///     "assets": [{"serial": "JX4K2M1", "asset_tag": "AT-1", "make": "Dell", "model": "Latitude 5420",
///       "category": "laptop", "data_bearing": true, "sanitization": "erased", "evidence": "BL-1"}]}]}]}
/// ```
///
/// The rules are the CSV format's: a serial appears once, a pallet belongs to one load, weights are exact
/// decimals with a unit, statuses are `erased | destroyed | pending | none`, required values are not empty.
/// On top of them: unknown and duplicate keys are errors, and a load or pallet is listed once. Every error
/// names the line, the column and the JSON path of the offending value; nothing of a bad file is kept.
public enum ManifestJSON {
    /// The keys of the top-level object.
    public static let rootKeys = ["loads"]
    /// The keys of a load object.
    public static let loadKeys = ["id", "site", "carrier", "dock_door", "pallets"]
    /// The keys of a pallet object.
    public static let palletKeys = ["id", "expected_weight", "weight_unit", "tolerance", "expected_count", "assets"]
    /// The keys of an asset object.
    public static let assetKeys = ["serial", "asset_tag", "make", "model", "category", "data_bearing", "sanitization", "evidence"]

    /// Parses a whole JSON manifest. Any fault rejects the whole file.
    ///
    /// Errors carry the 1-based line in ``ManifestError/line`` and `"COLUMN at PATH"` in
    /// ``ManifestError/column`` (`"17 at $.loads[0].pallets[1].assets[3].serial"`); the column counts
    /// Unicode scalars from 1.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents (UTF-8).
    ///   - file: the name errors use for the input.
    ///   - progress: when given, called with the bytes read so far and the total, at most 100 times, in
    ///     increasing order, the last time with `bytesRead == totalBytes` (unless the file is rejected).
    public static func parse(
        _ bytes: [UInt8], file: String, progress: ((_ bytesRead: Int, _ totalBytes: Int) -> Void)? = nil
    ) throws(ManifestError) -> Manifest {
        var parser = JSONManifestParser(bytes: bytes, progress: progress)
        do {
            return try parser.parse()
        } catch {
            throw manifestError(error, file: file)
        }
    }

    /// The manifest error for a JSON fault: line, then `"COLUMN at PATH"`.
    public static func manifestError(_ error: JSONError, file: String) -> ManifestError {
        ManifestError(file: file, line: error.position.line, column: "\(error.position.column) at \(error.path)", reason: error.reason)
    }
}

/// Reads a manifest file in either format.
public enum ManifestImport {
    /// A manifest file format.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        case csv, json
    }

    /// The format of a file: by its extension (`.json`, `.csv`, any case), else JSON when the first byte
    /// that is not whitespace (after a byte-order mark) is `{`, else CSV.
    public static func format(of bytes: [UInt8], file: String) -> Format {
        let name = file.lowercased()
        if name.hasSuffix(".json") { return .json }
        if name.hasSuffix(".csv") { return .csv }
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 }
        return i < bytes.count && bytes[i] == 0x7B ? .json : .csv
    }

    /// Parses a manifest file with ``ManifestCSV`` or ``ManifestJSON`` as ``format(of:file:)`` chooses.
    public static func parse(
        bytes: [UInt8], file: String, progress: ((_ bytesRead: Int, _ totalBytes: Int) -> Void)? = nil
    ) throws(ManifestError) -> Manifest {
        switch format(of: bytes, file: file) {
        case .csv: try ManifestCSV.parse(bytes, file: file, progress: progress)
        case .json: try ManifestJSON.parse(bytes, file: file, progress: progress)
        }
    }
}

/// The JSON manifest parser: a single pass over a ``JSONReader``, no document tree. A pallet's assets are
/// held until the pallet object ends (its id may come after them), then added to the manifest.
private struct JSONManifestParser {
    typealias Mark = JSONReader.Mark

    struct PendingAsset {
        var asset: ExpectedAsset
        /// Where its serial is.
        var serialMark: Mark
    }

    struct PendingPallet {
        var id: String
        var idMark: Mark
        var index: Int
        var weight: Weight?
        var tolerance: WeightTolerance?
        var count: Int?
        var assets: [PendingAsset]
    }

    var reader: JSONReader
    var progress: ProgressReporter
    var manifest = Manifest()
    /// The first place of each load id and pallet id, for "listed twice".
    var loadMarks: [String: Mark] = [:]
    var palletMarks: [String: Mark] = [:]
    /// Shares repeated long makes, models and categories.
    var interner = StringInterner()

    init(bytes: [UInt8], progress: ((_ bytesRead: Int, _ totalBytes: Int) -> Void)?) {
        reader = JSONReader(bytes: bytes)
        self.progress = ProgressReporter(total: bytes.count, callback: progress)
    }

    // MARK: Errors and paths

    mutating func error(at mark: Mark, _ path: JSONPath, _ reason: String) -> JSONError {
        JSONError(position: reader.position(of: mark), path: path, reason: reason)
    }

    /// An error at `mark` in the reader's current path.
    mutating func error(at mark: Mark, _ reason: String) -> JSONError { reader.error(at: mark, reason) }

    static func loadPath(_ l: Int) -> JSONPath { JSONPath([.key("loads"), .index(l)]) }
    static func palletPath(_ l: Int, _ p: Int) -> JSONPath { loadPath(l).appending(key: "pallets").appending(index: p) }
    static func assetPath(_ l: Int, _ p: Int, _ a: Int) -> JSONPath { palletPath(l, p).appending(key: "assets").appending(index: a) }

    /// Reads the next key of an object with the known `keys`: its index, or an error for an unknown or
    /// repeated key. Nil at the end of the object.
    mutating func nextKey(_ keys: [String], seen: inout UInt32) throws(JSONError) -> Int? {
        guard let key = try reader.nextKey() else { return nil }
        let length = key.utf8.count
        guard let index = keys.firstIndex(where: { $0.utf8.count == length && $0 == key }) else {
            throw error(at: reader.keyMark, "unknown key \(JSONPath.quoted(key)) (known: \(keys.joined(separator: ", ")))")
        }
        let bit = UInt32(1) << UInt32(index)
        guard seen & bit == 0 else { throw error(at: reader.keyMark, "duplicate key \(JSONPath.quoted(key))") }
        seen |= bit
        return index
    }

    /// A value of the wrong kind.
    mutating func wrongKind(_ expected: String, _ found: JSONKind) -> JSONError {
        error(at: reader.mark, "expected \(expected), found \(found)")
    }

    /// Checks that the next value is an object and enters it; returns where it starts.
    mutating func beginObject(_ what: String) throws(JSONError) -> Mark {
        let kind = try reader.peek()
        guard kind == .object else { throw wrongKind(what, kind) }
        let mark = reader.mark
        try reader.beginObject()
        return mark
    }

    /// Checks that the next value is an array and enters it; returns where it starts.
    mutating func beginArray(_ what: String) throws(JSONError) -> Mark {
        let kind = try reader.peek()
        guard kind == .array else { throw wrongKind(what, kind) }
        let mark = reader.mark
        try reader.beginArray()
        return mark
    }

    // MARK: Values

    static func trimmed(_ text: String) -> String {
        guard let first = text.utf8.first, let last = text.utf8.last else { return text }
        if first != 0x20, first != 0x09, last != 0x20, last != 0x09 { return text }
        return String(text.trimmingSpaces())
    }

    /// A string value that must not be empty; returns it with its mark.
    mutating func requiredString() throws(JSONError) -> (String, Mark) {
        let kind = try reader.peek()
        guard kind == .string else { throw wrongKind("a string", kind) }
        let mark = reader.mark
        let text = Self.trimmed(try reader.readString())
        guard !text.isEmpty else { throw error(at: mark, "empty value") }
        return (text, mark)
    }

    /// A string value or null; empty means not given.
    mutating func optionalString() throws(JSONError) -> String? {
        let kind = try reader.peek()
        if kind == .null {
            try reader.readNull()
            return nil
        }
        guard kind == .string else { throw wrongKind("a string or null", kind) }
        let text = Self.trimmed(try reader.readString())
        return text.isEmpty ? nil : text
    }

    /// A decimal written as a string or a number (its literal digits kept), or null; empty means not given.
    mutating func optionalDecimalText(_ what: String) throws(JSONError) -> String? {
        let kind = try reader.peek()
        switch kind {
        case .null:
            try reader.readNull()
            return nil
        case .number:
            return try reader.readNumber()
        case .string:
            let text = Self.trimmed(try reader.readString())
            return text.isEmpty ? nil : text
        default:
            throw wrongKind("\(what) (a string or a number)", kind)
        }
    }

    /// About how many assets the text lists: its `{`, counted in the first 256 KiB and scaled up with a
    /// margin (an estimate too low costs one more growth of the index, never a wrong result).
    func estimatedAssets() -> Int {
        reader.withBytes { bytes in
            let sample = min(bytes.count, 1 << 18)
            var count = 0
            for i in 0..<sample where bytes[i] == 0x7B { count += 1 }
            guard sample < bytes.count else { return count }
            return Int(Double(count) * Double(bytes.count) / Double(sample) * 1.05) + 16
        }
    }

    // MARK: The document

    mutating func parse() throws(JSONError) -> Manifest {
        let kind = try reader.peek()
        guard kind == .object else { throw wrongKind("a manifest object {\"loads\": [...]}", kind) }
        let rootMark = reader.mark
        manifest.reserveCapacity(assets: estimatedAssets())
        try reader.beginObject()
        var seen: UInt32 = 0
        var loadsMark: Mark?
        while try nextKey(ManifestJSON.rootKeys, seen: &seen) != nil {
            let mark = try beginArray("an array of loads")
            loadsMark = mark
            var l = 0
            while try reader.nextElement() {
                try parseLoad(l)
                l += 1
            }
            if l == 0 { throw error(at: mark, "the manifest lists no loads") }
        }
        guard let loadsMark else { throw error(at: rootMark, JSONPath(), "missing required key \"loads\"") }
        try reader.finish()
        if manifest.assets.isEmpty {
            throw error(at: loadsMark, JSONPath([.key("loads")]), "the manifest lists no assets")
        }
        progress.finish()
        return manifest
    }

    mutating func parseLoad(_ l: Int) throws(JSONError) {
        let objectMark = try beginObject("a load object")
        var seen: UInt32 = 0
        var id: String?
        var site: String?, carrier: String?, dockDoor: String?
        var waiting: [PendingPallet] = []
        while let key = try nextKey(ManifestJSON.loadKeys, seen: &seen) {
            switch key {
            case 0:
                let (text, mark) = try requiredString()
                if let first = loadMarks[text] {
                    throw error(at: mark, "load \(text) is listed twice (first at line \(first.line))")
                }
                loadMarks[text] = mark
                id = text
                // Pallets read before the id can be added now.
                for pallet in waiting { try commit(pallet, load: text, l) }
                waiting = []
            case 1: site = try optionalString()
            case 2: carrier = try optionalString()
            case 3: dockDoor = try optionalString()
            default:
                let mark = try beginArray("an array of pallets")
                var p = 0
                while try reader.nextElement() {
                    let pallet = try parsePallet(l, p)
                    if let id {
                        try commit(pallet, load: id, l)
                    } else {
                        waiting.append(pallet)
                    }
                    p += 1
                }
                if p == 0 { throw error(at: mark, "a load lists no pallets") }
            }
        }
        guard let id else { throw error(at: objectMark, "missing required key \"id\"") }
        guard seen & (1 << 4) != 0 else { throw error(at: objectMark, "missing required key \"pallets\"") }
        manifest.setLoadDetails(load: id, site: site, carrier: carrier, dockDoor: dockDoor)
    }

    mutating func parsePallet(_ l: Int, _ p: Int) throws(JSONError) -> PendingPallet {
        let objectMark = try beginObject("a pallet object")
        var seen: UInt32 = 0
        var id: (String, Mark)?
        var weightText: String?, weightMark = objectMark
        var unit: WeightUnit?
        var toleranceText: String?, toleranceMark = objectMark
        var count: Int?
        var assets: [PendingAsset] = []
        while let key = try nextKey(ManifestJSON.palletKeys, seen: &seen) {
            switch key {
            case 0:
                id = try requiredString()
            case 1:
                _ = try reader.peek()
                weightMark = reader.mark
                weightText = try optionalDecimalText("a decimal weight")
                if let weightText {
                    // The unit does not change whether the text is a weight; it is applied at the end.
                    guard let weight = Weight(displayed: weightText, unit: .kilogram), weight.divisions > 0 else {
                        throw error(at: weightMark, "'\(weightText)' is not a positive decimal weight")
                    }
                }
            case 2:
                _ = try reader.peek()
                let mark = reader.mark
                if let text = try optionalString() {
                    guard let parsed = WeightUnit(symbol: text) else { throw error(at: mark, "unknown unit '\(text)'") }
                    unit = parsed
                }
            case 3:
                _ = try reader.peek()
                toleranceMark = reader.mark
                toleranceText = try optionalDecimalText("a tolerance")
                if let toleranceText, WeightTolerance(parsing: toleranceText, defaultUnit: .kilogram) == nil {
                    throw error(at: toleranceMark, "'\(toleranceText)' is not a tolerance (2%, 5, 5 kg)")
                }
            case 4:
                let kind = try reader.peek()
                let mark = reader.mark
                if kind == .null {
                    try reader.readNull()
                } else {
                    guard kind == .number else { throw wrongKind("a whole number", kind) }
                    let text = try reader.readNumber()
                    guard let value = ManifestCSV.assetCount(text) else { throw error(at: mark, ManifestCSV.badCountReason(text)) }
                    count = value
                }
            default:
                _ = try beginArray("an array of assets")
                var a = 0
                while try reader.nextElement() {
                    assets.append(try parseAsset())
                    a += 1
                    progress.update(reader.offset)
                }
            }
        }
        guard let id else { throw error(at: objectMark, "missing required key \"id\"") }
        guard seen & (1 << 5) != 0 else { throw error(at: objectMark, "missing required key \"assets\"") }
        var weight: Weight?
        var tolerance: WeightTolerance?
        if let weightText {
            guard let unit else {
                throw error(at: weightMark, Self.palletPath(l, p).appending(key: "expected_weight"),
                            "a pallet weight needs a unit (kg, lb, ...)")
            }
            weight = Weight(displayed: weightText, unit: unit)
            if let toleranceText { tolerance = WeightTolerance(parsing: toleranceText, defaultUnit: unit) }
        } else if toleranceText != nil {
            throw error(at: toleranceMark, Self.palletPath(l, p).appending(key: "tolerance"), "a tolerance needs an expected_weight")
        }
        return PendingPallet(id: id.0, idMark: id.1, index: p, weight: weight, tolerance: tolerance, count: count, assets: assets)
    }

    mutating func parseAsset() throws(JSONError) -> PendingAsset {
        let objectMark = try beginObject("an asset object")
        var seen: UInt32 = 0
        var serial: (String, Mark)?
        var assetTag: String?, make: String?, model: String?, category: String?, evidence: String?
        var dataBearing = false
        var sanitization = Sanitization.none
        while let key = try nextKey(ManifestJSON.assetKeys, seen: &seen) {
            switch key {
            case 0: serial = try requiredString()
            case 1: assetTag = try optionalString()
            case 2: make = try optionalString().map { interner.intern($0) }
            case 3: model = try optionalString().map { interner.intern($0) }
            case 4: category = try optionalString().map { interner.intern($0) }
            case 5:
                let kind = try reader.peek()
                if kind == .null {
                    try reader.readNull()
                } else {
                    guard kind == .bool else { throw wrongKind("true or false", kind) }
                    dataBearing = try reader.readBool()
                }
            case 6:
                _ = try reader.peek()
                let mark = reader.mark
                if let text = try optionalString() {
                    guard let status = Sanitization(rawValue: text.lowercased()) else {
                        throw error(at: mark, "unknown status '\(text)' (erased, destroyed, pending, none)")
                    }
                    sanitization = status
                }
            default: evidence = try optionalString()
            }
        }
        guard let serial else { throw error(at: objectMark, "missing required key \"serial\"") }
        let asset = ExpectedAsset(
            serial: serial.0, assetTag: assetTag, make: make, model: model, category: category,
            dataBearing: dataBearing, sanitization: sanitization, evidence: evidence, pallet: "", load: "")
        return PendingAsset(asset: asset, serialMark: serial.1)
    }

    /// Adds a finished pallet of load `load` (index `l`) to the manifest.
    mutating func commit(_ pallet: PendingPallet, load: String, _ l: Int) throws(JSONError) {
        let idPath = Self.palletPath(l, pallet.index).appending(key: "id")
        if let first = palletMarks[pallet.id] {
            let firstLoad = manifest.pallets[pallet.id]?.load ?? load
            if firstLoad == load {
                throw error(at: pallet.idMark, idPath, "pallet \(pallet.id) is listed twice in load \(load) (first at line \(first.line))")
            }
            throw error(at: pallet.idMark, idPath,
                        Manifest.Conflict.palletInTwoLoads(pallet: pallet.id, first: firstLoad, second: load).description)
        }
        palletMarks[pallet.id] = pallet.idMark
        do {
            try manifest.addPallet(id: pallet.id, load: load)
        } catch {
            throw self.error(at: pallet.idMark, idPath, error.description)
        }
        for (a, pending) in pallet.assets.enumerated() {
            var asset = pending.asset
            asset.pallet = pallet.id
            asset.load = load
            do {
                try manifest.add(asset)
            } catch {
                throw self.error(at: pending.serialMark, Self.assetPath(l, pallet.index, a).appending(key: "serial"), error.description)
            }
        }
        if pallet.weight != nil { manifest.setExpectedWeight(pallet: pallet.id, weight: pallet.weight, tolerance: pallet.tolerance) }
        if let count = pallet.count { manifest.setDeclaredCount(pallet: pallet.id, count: count) }
    }
}
