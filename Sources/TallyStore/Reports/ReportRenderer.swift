/// The formats a ``LoadReport`` can be written in.
public enum ReportFormat: String, Sendable, Hashable, CaseIterable {
    /// Pretty-printed JSON with sorted keys (``JSONReport``).
    case json
    /// RFC 4180 CSV, one section per table (``CSVReport``).
    case csv
    /// One self-contained HTML page that prints cleanly (``HTMLReport``).
    case html

    /// The usual file name extension.
    public var fileExtension: String { rawValue }

    /// The media type of the rendered text.
    public var mediaType: String {
        switch self {
        case .json: "application/json"
        case .csv: "text/csv; charset=utf-8; header=present"
        case .html: "text/html; charset=utf-8"
        }
    }
}

/// Writes a ``LoadReport`` in one of the ``ReportFormat``s.
///
/// Rendering is pure and deterministic: the same report gives the same bytes, so a rendered report can be
/// hashed, archived and compared.
public enum ReportRenderer {
    /// The report as text in `format` (UTF-8 when written to a file).
    public static func render(_ report: LoadReport, as format: ReportFormat) -> String {
        switch format {
        case .json: JSONReport.render(report)
        case .csv: CSVReport.render(report)
        case .html: HTMLReport.render(report)
        }
    }
}
