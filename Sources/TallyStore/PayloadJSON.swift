import Foundation
import TallyCore

/// The JSON text of event payloads as the log stores them (flat objects, keys sorted).
///
/// Scans are most of the log, so they are written by hand here (the same text `JSONEncoder` with sorted
/// keys produces) and read back from the row's columns; the other types go through `Codable`.
enum PayloadJSON {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// The stored text of `payload`.
    static func encode(_ payload: EventPayload) throws -> String {
        if case .scan(let station, let device, let data) = payload {
            var text = #"{"data":"#
            text.reserveCapacity(64 + data.utf8.count + station.utf8.count)
            appendQuoted(data, to: &text)
            if let device {
                text += #","device":"#
                appendQuoted(device, to: &text)
            }
            text += #","station":"#
            appendQuoted(station, to: &text)
            text += #","type":"scan"}"#
            return text
        }
        return String(decoding: try encoder.encode(payload), as: UTF8.self)
    }

    /// Appends `value` as a JSON string literal (quotes, backslashes and control characters escaped).
    static func appendQuoted(_ value: String, to text: inout String) {
        text.append("\"")
        var plain = true
        for byte in value.utf8 where byte < 0x20 || byte == 0x22 || byte == 0x5C {
            plain = false
            break
        }
        if plain {
            text += value
        } else {
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": text += "\\\""
                case "\\": text += "\\\\"
                case "\n": text += "\\n"
                case "\r": text += "\\r"
                case "\t": text += "\\t"
                case "\u{08}": text += "\\b"
                case "\u{0C}": text += "\\f"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    text += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default:
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        text.append("\"")
    }

    /// The payload of a stored row: scans from their columns (the raw bytes are the scan text), the rest
    /// decoded from the JSON text.
    static func decode(type: String, station: String?, device: String?, raw: [UInt8]?, payload: () -> String, decoder: JSONDecoder) throws -> EventPayload {
        if type == "scan", let station, let raw, let data = String(validating: raw, as: UTF8.self) {
            return .scan(station: station, device: device, data: data)
        }
        return try decoder.decode(EventPayload.self, from: Data(payload().utf8))
    }
}
