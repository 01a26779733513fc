import Foundation
import TallyCore
import TallyDevices

/// A line of an events file that cannot be read, naming the file, the line and the field.
public struct ReplayFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    public let file: String
    public let line: Int
    public let reason: String

    public var description: String { "\(file):\(line): \(reason)" }
}

/// One event of an events file, with its optional time.
public struct ReplayEvent: Sendable, Hashable {
    /// 1-based line in the file.
    public let line: Int
    /// The `at` field (RFC 3339), when given.
    public let at: Date?
    public let payload: EventPayload
}

/// The events JSONL format of `tally replay` and `tally ingest` (documented in docs/replay-format.md).
///
/// One JSON object per line with a `type`: `assign`, `scan`, `weight`, `seal`, `transfer`, `acknowledge`,
/// `resolve`, `device-disconnected`. Blank lines and lines starting with `#` are skipped. Unknown fields
/// are errors, so a typo never goes unnoticed.
public enum ReplayFormat {
    static let fields: [String: Set<String>] = [
        "assign": ["station", "load", "user"],
        "scan": ["station", "device", "data"],
        "weight": ["station", "device", "value", "unit", "stable", "status", "kind", "tare", "protocol", "frame", "division"],
        "seal": ["load", "seal", "user", "carrier", "driver", "override"],
        "transfer": ["load", "from", "to", "place", "signature", "user"],
        "acknowledge": ["alert", "user", "note"],
        "resolve": ["alert", "user", "reason", "note"],
        "device-disconnected": ["station", "device", "reason"],
    ]

    /// Parses one line; nil for a blank or comment line.
    public static func parse(_ text: Substring, line: Int, file: String) throws(ReplayFormatError) -> ReplayEvent? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty || trimmed.hasPrefix("#") { return nil }
        func fail(_ reason: String) -> ReplayFormatError { ReplayFormatError(file: file, line: line, reason: reason) }
        let object: [String: Any]
        do {
            guard let parsed = try JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [String: Any] else {
                throw fail("expected a JSON object")
            }
            object = parsed
        } catch let error as ReplayFormatError {
            throw error
        } catch {
            throw fail("not valid JSON: \((error as NSError).localizedDescription)")
        }
        guard let type = object["type"] as? String else { throw fail("missing \"type\"") }
        guard let known = fields[type] else {
            throw fail("unknown type \"\(type)\" (\(fields.keys.sorted().joined(separator: ", ")))")
        }
        for key in object.keys where key != "type" && key != "at" && !known.contains(key) {
            throw fail("unknown field \"\(key)\" for a \(type) event")
        }
        func string(_ key: String) throws(ReplayFormatError) -> String? {
            guard let value = object[key], !(value is NSNull) else { return nil }
            guard let text = value as? String else { throw fail("\"\(key)\" must be a string") }
            return text
        }
        func required(_ key: String) throws(ReplayFormatError) -> String {
            guard let text = try string(key), !text.isEmpty else { throw fail("missing \"\(key)\"") }
            return text
        }
        var at: Date?
        if let text = try string("at") {
            guard let parsed = UTCTimestamp.parse(text) else { throw fail("\"at\" is not an RFC 3339 time: \(text)") }
            at = parsed
        }
        let payload: EventPayload
        switch type {
        case "assign":
            payload = .assign(station: try required("station"), load: try required("load"), user: try string("user"))
        case "scan":
            guard let data = try string("data") else { throw fail("missing \"data\"") }
            payload = .scan(station: try required("station"), device: try string("device"), data: data)
        case "weight":
            payload = .weight(station: try required("station"), device: try string("device"), reading: try weight(object, string: string, fail: fail))
        case "seal":
            payload = .seal(SealOrder(load: try required("load"), seal: try required("seal"), carrier: try string("carrier"),
                                      driver: try string("driver"), user: try string("user"), override: try string("override")))
        case "transfer":
            payload = .transfer(CustodyTransfer(load: try required("load"), from: try required("from"), to: try required("to"),
                                                place: try string("place"), signature: try required("signature"), user: try string("user")))
        case "acknowledge", "resolve":
            guard let number = object["alert"] as? NSNumber, let id = Int64(exactly: number.doubleValue), id > 0 else {
                throw fail("\"alert\" must be an alert number (1, 2, ...)")
            }
            let user = try required("user")
            if type == "acknowledge" {
                payload = .acknowledge(alert: id, user: user, note: try string("note"))
            } else {
                let text = try required("reason")
                guard let reason = ResolutionReason(rawValue: text) else {
                    throw fail("unknown reason \"\(text)\" (\(ResolutionReason.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                payload = .resolve(alert: id, user: user, reason: reason, note: try string("note"))
            }
        default: // device-disconnected
            payload = .deviceDisconnected(station: try string("station"), device: try required("device"), reason: try string("reason") ?? "disconnected")
        }
        return ReplayEvent(line: line, at: at, payload: payload)
    }

    /// A weight event's reading: from `value` + `unit` (+ `stable`, `status`, `kind`, `tare`, `division`) as
    /// an operator or another system reports it, or from a `protocol` + `frame` decoded by the real driver.
    static func weight(
        _ object: [String: Any], string: (String) throws(ReplayFormatError) -> String?, fail: (String) -> ReplayFormatError
    ) throws(ReplayFormatError) -> ScaleReading {
        var division: Division?
        if let text = try string("division") {
            guard let parsed = Division(parsing: text) else { throw fail("\"division\" must be 1, 2 or 5 × 10^n, not \(text)") }
            division = parsed
        }
        if let name = try string("protocol") {
            guard let frame = try string("frame") else { throw fail("a weight with \"protocol\" needs \"frame\"") }
            var bytes: [UInt8] = []
            for scalar in frame.unicodeScalars {
                guard scalar.value <= 0xFF else { throw fail("\"frame\" has a character above U+00FF; frames are bytes") }
                bytes.append(UInt8(scalar.value))
            }
            do {
                return try ScaleProtocolRegistry.reading(protocol: name, frame: bytes, options: ScaleDriverOptions(division: division))
            } catch {
                throw fail("frame: \(error)")
            }
        }
        guard let unitText = try string("unit") else { throw fail("a weight needs \"unit\" (or \"protocol\" and \"frame\")") }
        guard let unit = WeightUnit(symbol: unitText) else { throw fail("unknown unit \"\(unitText)\"") }
        let valueText: String
        if let text = try string("value") {
            valueText = text
        } else if let number = object["value"] as? NSNumber {
            valueText = number.stringValue
        } else {
            throw fail("missing \"value\"")
        }
        guard let weight = Weight(displayed: valueText, unit: unit, division: division) else {
            throw fail("\"value\" \(valueText) is not a decimal weight\(division.map { " in divisions of \($0)" } ?? "")")
        }
        var tare: Weight?
        if let text = try string("tare") {
            guard let parsed = Weight(displayed: text, unit: unit, division: division) else { throw fail("\"tare\" \(text) is not a decimal weight") }
            tare = parsed
        }
        let stable = (object["stable"] as? Bool) ?? true
        var status: ScaleReading.Status = stable ? .ok : .motion
        if let text = try string("status") {
            guard let parsed = ScaleReading.Status(rawValue: text) else { throw fail("unknown status \"\(text)\"") }
            status = parsed
        }
        var kind = ScaleReading.Kind.gross
        if let text = try string("kind") {
            guard let parsed = ScaleReading.Kind(rawValue: text) else { throw fail("\"kind\" must be gross, net or tare") }
            kind = parsed
        }
        let raw = Array("\(valueText) \(unit.rawValue)".utf8)
        return ScaleReading(protocolName: "reported", kind: kind, weight: status == .overload || status == .underload ? nil : weight,
                            tare: tare, stable: stable, status: status, raw: raw)
    }
}
