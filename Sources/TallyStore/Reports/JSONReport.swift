import Foundation

/// The JSON form of a ``LoadReport``: one object, pretty-printed with sorted keys, ending with a newline.
///
/// The object is the report's fields as named in ``LoadReport`` (camelCase); fields that do not apply are
/// `null`, never left out. Weights are strings (exact decimals), sequence numbers and counts are numbers.
/// `JSONDecoder().decode(LoadReport.self, from:)` reads it back to an equal report.
public enum JSONReport {
    /// The report as pretty JSON.
    public static func render(_ report: LoadReport) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(report), as: UTF8.self) + "\n"
        } catch {
            // Every field is a string, a number, a Bool, an array or an object of those: encoding cannot fail.
            preconditionFailure("a load report could not be encoded as JSON: \(error)")
        }
    }
}
