import Foundation

/// RFC 3339 timestamps in UTC with milliseconds (`2026-11-29T05:31:02.120Z`), as the log and the APIs write them.
public enum UTCTimestamp {
    private static let style = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)
    private static let plain = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!)

    /// Formats `date` in UTC with milliseconds.
    public static func format(_ date: Date) -> String { style.format(date) }

    /// Parses an RFC 3339 timestamp with or without fractional seconds; nil if it is not one.
    public static func parse(_ text: String) -> Date? {
        (try? style.parse(text)) ?? (try? plain.parse(text))
    }
}
