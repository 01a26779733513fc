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
/// `pallet_tolerance`. One row per asset; pallet fields may repeat on every row of the pallet (they must
/// then agree) or appear on one row only.
public enum ManifestCSV {
    /// Every column the format knows.
    public static let columns = [
        "load", "pallet", "serial", "asset_tag", "make", "model", "category", "data_bearing",
        "sanitization", "evidence", "pallet_expected_weight", "pallet_weight_unit", "pallet_tolerance",
    ]
    static let required = ["load", "pallet", "serial"]

    /// Parses a whole manifest. Any bad row rejects the whole file.
    ///
    /// - Parameters:
    ///   - bytes: the file's contents (UTF-8).
    ///   - file: the name errors use for the input.
    public static func parse(_ bytes: [UInt8], file: String) throws(ManifestError) -> Manifest {
        var reader = CSVReader(bytes: bytes)
        let first: (line: Int, fields: [String])?
        do {
            first = try reader.next()
        } catch {
            throw ManifestError(file: file, line: error.line, column: "\(error.field)", reason: error.reason)
        }
        guard let first else {
            throw ManifestError(file: file, line: 0, column: nil, reason: "the file is empty: expected a header row")
        }
        let header = first.fields.map { $0.trimmingSpaces().lowercased() }
        var position: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            guard columns.contains(name) else {
                throw ManifestError(file: file, line: first.line, column: name, reason: "unknown column (known: \(columns.joined(separator: ", ")))")
            }
            guard position[name] == nil else { throw ManifestError(file: file, line: first.line, column: name, reason: "column appears twice") }
            position[name] = index
        }
        for name in required where position[name] == nil {
            throw ManifestError(file: file, line: first.line, column: name, reason: "missing required column")
        }

        var manifest = Manifest()
        var palletWeightLine: [String: (line: Int, weight: Weight, tolerance: WeightTolerance?)] = [:]
        while true {
            let record: (line: Int, fields: [String])
            do {
                guard let next = try reader.next() else { break }
                record = next
            } catch {
                throw ManifestError(file: file, line: error.line, column: header.indices.contains(error.field - 1) ? header[error.field - 1] : "\(error.field)", reason: error.reason)
            }
            let line = record.line
            guard record.fields.count == header.count else {
                // A short row names its first missing column, a long row its first extra field number.
                let column = record.fields.count < header.count ? header[record.fields.count] : "\(header.count + 1)"
                throw ManifestError(file: file, line: line, column: column, reason: "expected \(header.count) fields, found \(record.fields.count)")
            }
            func value(_ name: String) -> String? {
                guard let index = position[name] else { return nil }
                let text = record.fields[index].trimmingSpaces()
                return text.isEmpty ? nil : String(text)
            }
            func require(_ name: String) throws(ManifestError) -> String {
                guard let text = value(name) else { throw ManifestError(file: file, line: line, column: name, reason: "empty value") }
                return text
            }
            let load = try require("load")
            let pallet = try require("pallet")
            let serial = try require("serial")

            var dataBearing = false
            if let text = value("data_bearing") {
                switch text.lowercased() {
                case "true", "yes", "y", "1": dataBearing = true
                case "false", "no", "n", "0": dataBearing = false
                default: throw ManifestError(file: file, line: line, column: "data_bearing", reason: "'\(text)' is not true/false/yes/no/1/0")
                }
            }
            var sanitization = Sanitization.none
            if let text = value("sanitization") {
                guard let status = Sanitization(rawValue: text.lowercased()) else {
                    throw ManifestError(file: file, line: line, column: "sanitization", reason: "unknown status '\(text)' (erased, destroyed, pending, none)")
                }
                sanitization = status
            }
            let asset = ExpectedAsset(
                serial: serial, assetTag: value("asset_tag"), make: value("make"), model: value("model"),
                category: value("category"), dataBearing: dataBearing, sanitization: sanitization,
                evidence: value("evidence"), pallet: pallet, load: load)
            do {
                try manifest.add(asset)
            } catch {
                let column = if case .duplicateSerial = error { "serial" } else { "pallet" }
                throw ManifestError(file: file, line: line, column: column, reason: error.description)
            }

            if let weightText = value("pallet_expected_weight") {
                guard let unitText = value("pallet_weight_unit") else {
                    throw ManifestError(file: file, line: line, column: "pallet_weight_unit", reason: "a pallet weight needs a unit (kg, lb, ...)")
                }
                guard let unit = WeightUnit(symbol: unitText) else {
                    throw ManifestError(file: file, line: line, column: "pallet_weight_unit", reason: "unknown unit '\(unitText)'")
                }
                guard let weight = Weight(displayed: weightText, unit: unit), weight.divisions > 0 else {
                    throw ManifestError(file: file, line: line, column: "pallet_expected_weight", reason: "'\(weightText)' is not a positive decimal weight")
                }
                var tolerance: WeightTolerance?
                if let toleranceText = value("pallet_tolerance") {
                    guard let parsed = WeightTolerance(parsing: toleranceText, defaultUnit: unit) else {
                        throw ManifestError(file: file, line: line, column: "pallet_tolerance", reason: "'\(toleranceText)' is not a tolerance (2%, 5, 5 kg)")
                    }
                    tolerance = parsed
                }
                if let earlier = palletWeightLine[pallet] {
                    guard earlier.weight.value == weight.value, earlier.weight.unit == weight.unit, earlier.tolerance == tolerance else {
                        throw ManifestError(file: file, line: line, column: "pallet_expected_weight",
                                            reason: "pallet \(pallet) weight differs from line \(earlier.line)")
                    }
                } else {
                    palletWeightLine[pallet] = (line, weight, tolerance)
                    manifest.setExpectedWeight(pallet: pallet, weight: weight, tolerance: tolerance)
                }
            } else if value("pallet_tolerance") != nil {
                throw ManifestError(file: file, line: line, column: "pallet_tolerance", reason: "a tolerance needs pallet_expected_weight on the same row")
            }
        }
        if manifest.assets.isEmpty {
            throw ManifestError(file: file, line: 0, column: nil, reason: "the manifest has a header but no rows")
        }
        return manifest
    }
}
