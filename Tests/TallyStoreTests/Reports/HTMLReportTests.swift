import Foundation
import TallyCore
import XCTest
@testable import TallyStore

/// The HTML form: escaping, self-containment, the anchor in the header, print rules.
final class HTMLReportTests: XCTestCase {
    private let scenario = ReportScenario()

    /// The text of some HTML with its tags removed (entities left as they are).
    private func visibleText(_ html: String) -> String {
        var out = "", inTag = false
        for scalar in html.unicodeScalars {
            if scalar == "<" { inTag = true } else if scalar == ">" { inTag = false } else if !inTag { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    private func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }

    func testEveryTextValueIsEscaped() {
        let html = HTMLReport.render(scenario.report())
        let lower = html.lowercased()
        XCTAssertFalse(lower.contains("<script"), "a serial must never become markup")
        XCTAssertFalse(lower.contains("<img"), "an unexpected scan must never become markup")
        XCTAssertTrue(html.contains("X&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
        XCTAssertTrue(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        XCTAssertTrue(html.contains("Northline, &quot;J. Doe&quot;"))
        // Control characters are shown, not passed through (GS in a resolution note).
        XCTAssertTrue(html.contains("erasure report ER-77[GS]"))
        XCTAssertFalse(html.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" && $0 != "\t" })
    }

    func testEscapeWorksOnScalarsAndControls() {
        XCTAssertEqual(HTMLReport.escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&#39;")
        XCTAssertEqual(HTMLReport.escape("<\u{301}script>"), "&lt;\u{301}script&gt;", "a combining mark does not hide a <")
        XCTAssertEqual(HTMLReport.escape("A\u{1D}B\u{0}\r\n\u{7F}"), "A[GS]B[NUL][CR]\n[DEL]")
        XCTAssertEqual(HTMLReport.escape("\u{85}"), "&#x85;")
    }

    func testAValueCannotEscapeThePrintFooterStyle() {
        var report = scenario.report()
        report.load.id = "L\"</style><script>alert(1)</script>"
        let html = HTMLReport.render(report)
        XCTAssertFalse(html.lowercased().contains("<script"))
        XCTAssertEqual(occurrences(of: "</style>", in: html), 1, "only the real end of the stylesheet")
        let style = html.components(separatedBy: "<style>")[1].components(separatedBy: "</style>")[0]
        XCTAssertTrue(style.contains("@bottom-left { content: \"Load L\\22 \\3c /style\\3e "), "the load id is hex-escaped in CSS")
    }

    func testHeaderNamesLoadSealAndLogAnchor() throws {
        let html = HTMLReport.render(scenario.report())
        let hash = String(repeating: "ab", count: 32)
        let header = try XCTUnwrap(html.components(separatedBy: "</header>").first)
        XCTAssertTrue(header.contains("<span class=\"id\">L1</span>"))
        XCTAssertTrue(header.contains("SEAL-9"))
        XCTAssertTrue(header.contains(hash), "the log hash is in the header")
        XCTAssertTrue(header.contains("Reno DC"))
        XCTAssertTrue(visibleText(header).contains("Sealed at2027-01-15T08:03:00.000Z"), "seal time in UTC")
        XCTAssertTrue(header.contains("2027-01-15</span><wbr><span class=\"nobr\">T08:03:00.000Z"), "a time breaks only before T")
        XCTAssertTrue(header.contains("Sealed by override"))
        XCTAssertTrue(header.contains("weights checked by hand"))
        XCTAssertTrue(html.contains("<title>Custody report · load L1 · seal SEAL-9</title>"))
        // The footer of every printed page repeats the anchor.
        XCTAssertTrue(html.contains("@bottom-left { content: \"Load L1 · seal SEAL-9 · log seq 19 · hash \(hash)\""))
    }

    func testSelfContainedAndPrintable() {
        let html = HTMLReport.render(scenario.report())
        // (Escaped text may say `src=`; an attribute would be written ` src="`.)
        for forbidden in ["http://", "https://", " src=\"", " href=\"", "url(", "@import", "<link", "<script", "<iframe", "<object"] {
            XCTAssertFalse(html.lowercased().contains(forbidden), "external or active content: \(forbidden)")
        }
        XCTAssertTrue(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">"))
        XCTAssertTrue(html.contains("<meta charset=\"utf-8\">"))
        XCTAssertTrue(html.contains("@media print"))
        XCTAssertTrue(html.contains("break-before: page"))
        XCTAssertTrue(html.contains("break-inside: avoid"))
        XCTAssertTrue(html.contains("thead { display: table-header-group; }"))
        XCTAssertTrue(html.contains("@page"))
        // Balanced structure.
        for tag in ["section", "table", "thead", "tbody", "tr", "td", "header", "footer", "dl", "ul"] {
            XCTAssertEqual(occurrences(of: "<\(tag)>", in: html) + occurrences(of: "<\(tag) ", in: html),
                           occurrences(of: "</\(tag)>", in: html), "<\(tag)> balanced")
        }
        XCTAssertEqual(occurrences(of: "<section id=", in: html), 6)
    }

    func testWeightsKeepExactDigitsAndRawFrames() {
        let html = HTMLReport.render(scenario.report())
        XCTAssertTrue(html.contains("1012.4 lb"))
        XCTAssertTrue(html.contains("= 459.216915388 kg"))
        XCTAssertTrue(html.contains("= 453.59237 kg"))
        XCTAssertTrue(html.contains("±9.0718474 kg"))
        XCTAssertTrue(html.contains("402.0 kg"), "the net keeps its trailing zero")
        XCTAssertTrue(html.contains("53 20 53 20 20 20 20 20 31 30 31 32 2e 34 20 6c 62 0d 0a"), "raw frame in hex")
        XCTAssertTrue(html.contains(#"S S     1012.4 lb\r\n"#), "raw frame as visible text")
        XCTAssertTrue(html.contains(ReportScenario.scale))
    }

    func testEmptySectionsSaySo() throws {
        let early = ReportScenario(upTo: 1)
        let report = try XCTUnwrap(LoadReport(load: "L1", engine: early.engine, chain: early.chain, generatedAt: ReportScenario.start))
        let html = HTMLReport.render(report)
        XCTAssertTrue(html.contains("No custody transfer has been recorded for this load."))
        XCTAssertTrue(html.contains("No alert was raised for this load."))
        XCTAssertTrue(html.contains("not sealed"))
        XCTAssertEqual(occurrences(of: "<table>", in: html), 2, "only reconciliation and inventory have rows")
    }
}
