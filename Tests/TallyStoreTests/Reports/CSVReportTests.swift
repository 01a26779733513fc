import Foundation
import TallyCore
import XCTest
@testable import TallyStore

/// The CSV form: sections, headers and rows read back with TallyCore's RFC 4180 reader.
final class CSVReportTests: XCTestCase {
    private let scenario = ReportScenario()

    /// One section of a parsed report.
    private struct Section {
        var name: String
        var header: [String]
        var rows: [[String]]

        /// The rows as dictionaries keyed by the header.
        var records: [[String: String]] {
            rows.map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
        }
    }

    /// Reads a CSV report back: a one-field record beginning with `#` opens a section, the next record is its header.
    private func parse(_ text: String, file: StaticString = #filePath, line: UInt = #line) throws -> [Section] {
        var reader = CSVReader(bytes: Array(text.utf8))
        var sections: [Section] = []
        var expectHeader = false
        while let record = try reader.next() {
            let fields = record.fields
            if fields.count == 1, fields[0].hasPrefix("# ") {
                sections.append(Section(name: String(fields[0].dropFirst(2)), header: [], rows: []))
                expectHeader = true
                continue
            }
            guard !sections.isEmpty else {
                XCTFail("data before the first section at line \(record.line)", file: file, line: line)
                continue
            }
            if expectHeader {
                sections[sections.count - 1].header = fields
                expectHeader = false
            } else {
                XCTAssertEqual(fields.count, sections[sections.count - 1].header.count,
                               "line \(record.line) of \(sections[sections.count - 1].name)", file: file, line: line)
                sections[sections.count - 1].rows.append(fields)
            }
        }
        return sections
    }

    private func section(_ name: String, in sections: [Section]) throws -> Section {
        try XCTUnwrap(sections.first { $0.name == name }, "no section \(name)")
    }

    func testSectionsAppearInOrderWithHeaders() throws {
        let sections = try parse(CSVReport.render(scenario.report()))
        XCTAssertEqual(sections.map(\.name), CSVReport.sections)
        XCTAssertEqual(sections.map(\.name), [
            "report", "load", "seal", "reconciliation-load", "reconciliation-pallets", "inventory",
            "unexpected-scans", "pallet-weights", "exceptions", "custody-chain",
        ])
        XCTAssertEqual(sections.map(\.rows.count), [1, 1, 1, 1, 3, 7, 2, 2, 8, 1])
        XCTAssertEqual(try section("inventory", in: sections).header, [
            "serial", "asset_tag", "make", "model", "category", "data_bearing", "sanitization", "evidence", "expected_pallet",
            "status", "scanned_pallet", "misplaced", "scanned_at", "station", "device", "seq",
        ])
        XCTAssertEqual(try section("pallet-weights", in: sections).header, [
            "pallet", "seq", "weighed_at", "station", "device", "protocol", "kind", "stable", "status", "gross", "gross_kg",
            "tare", "net", "unit", "division", "divisions", "raw_hex", "within_tolerance",
        ])
    }

    func testRowsCarryTheReportValues() throws {
        let sections = try parse(CSVReport.render(scenario.report()))
        let report = try section("report", in: sections).records[0]
        XCTAssertEqual(report["log_last_hash"], String(repeating: "ab", count: 32))
        XCTAssertEqual(report["log_last_seq"], "19")
        XCTAssertEqual(report["log_intact"], "true")
        XCTAssertEqual(report["log_failure"], "")

        XCTAssertEqual(try section("load", in: sections).rows, [["L1", "Reno DC", "Northline", "door-4", "sealed"]])
        XCTAssertEqual(try section("seal", in: sections).rows, [[
            "SEAL-9", "18", "2027-01-15T08:03:00.000Z", "sup", "Northline", "J. Doe", "weights checked by hand", "4 5",
        ]])
        XCTAssertEqual(try section("reconciliation-load", in: sections).rows, [[
            "3", "7", "5", "2", "2", "1", "discrepancies", "2", "2", "1", "1", "866.09237", "879.716915388", "", "out-of-tolerance",
        ]])
        XCTAssertEqual(try section("reconciliation-pallets", in: sections).rows, [
            ["PAL-1", "3", "", "3", "0", "0", "0", "1", "412.5", "kg", "412.5", "5 kg", "5", "420.5", "kg", "420.5", "8", "out-of-tolerance"],
            ["PAL-2", "3", "", "1", "2", "0", "1", "1", "1000", "lb", "453.59237", "2%", "9.0718474", "1012.4", "lb", "459.216915388",
             "5.624545388", "within-tolerance"],
            ["PAL-3", "1", "", "1", "0", "1", "0", "0", "", "", "", "", "", "", "", "", "", "not-weighed"],
        ])
        let inventory = try section("inventory", in: sections)
        XCTAssertEqual(inventory.rows[5], [ReportScenario.evilSerial, "", "", "", "", "false", "none", "", "PAL-2", "missing",
                                           "", "false", "", "", "", ""])
        XCTAssertEqual(inventory.rows[6], ["C1", "", "", "", "", "false", "none", "", "PAL-3", "scanned", "PAL-2", "true",
                                           "2027-01-15T08:01:30.000Z", "dock-1", ReportScenario.scanner, "9"])
        XCTAssertEqual(try section("pallet-weights", in: sections).rows, [
            ["PAL-1", "13", "2027-01-15T08:02:10.000Z", "dock-1", ReportScenario.scale, "mt-sics", "net", "true", "ok", "420.5", "420.5",
             "18.5", "402.0", "kg", "0.5", "841", "5320532020202020203430322e30206b670d0a", "false"],
            ["PAL-2", "11", "2027-01-15T08:01:50.000Z", "dock-1", ReportScenario.scale, "mt-sics", "gross", "true", "ok", "1012.4",
             "459.216915388", "", "", "lb", "0.2", "5062", "5320532020202020313031322e34206c620d0a", "true"],
        ])
        XCTAssertEqual(try section("unexpected-scans", in: sections).rows.map { $0[2] }, ["ZZZ-9", ReportScenario.evilScan])
        let first = try section("exceptions", in: sections).records[0]
        XCTAssertEqual(first["code"], "unexpected-asset")
        XCTAssertEqual(first["acknowledged_by"], "sup")
        XCTAssertEqual(first["acknowledgement_note"], "checking,\nwith \"driver\"", "a note with a comma, a quote and a newline reads back")
        XCTAssertEqual(first["resolved_at"], "2027-01-15T08:02:30.000Z")
        XCTAssertEqual(first["resolution_reason"], "removed-from-load")
        XCTAssertEqual(first["overridden_at_seal"], "false")
        XCTAssertEqual(try section("exceptions", in: sections).records.map { $0["overridden_at_seal"] },
                       ["false", "false", "false", "true", "true", "false", "false", "false"])
        XCTAssertEqual(try section("custody-chain", in: sections).rows, [[
            "19", "2027-01-15T08:03:10.000Z", "Reno DC", "Northline, \"J. Doe\"", "#door-4", "J. Doe (signed)", "sup",
        ]])
    }

    func testTextLayoutIsRFC4180WithMarkedSections() {
        let text = CSVReport.render(scenario.report())
        XCTAssertTrue(text.hasPrefix("# report\r\nformat,generated_at,load,"), String(text.prefix(60)))
        XCTAssertTrue(text.hasSuffix("\r\n"))
        XCTAssertFalse(text.hasSuffix("\r\n\r\n"))
        for name in CSVReport.sections.dropFirst() {
            XCTAssertTrue(text.contains("\r\n\r\n# \(name)\r\n"), "section \(name) follows a blank line")
        }
        // Quoted as RFC 4180 says, and a field beginning with # is quoted so it is never a marker.
        XCTAssertTrue(text.contains(",\"Northline, \"\"J. Doe\"\"\",\"#door-4\","), "custody row quoting")
        XCTAssertTrue(text.contains(",\"checking,\nwith \"\"driver\"\"\","))
        XCTAssertEqual(CSVReport.field("plain"), "plain")
        XCTAssertEqual(CSVReport.field("a\"\u{301}b"), "\"a\"\"\u{301}b\"", "a quote followed by a combining mark is still doubled")
        XCTAssertEqual(CSVReport.field("#1"), "\"#1\"")
        XCTAssertEqual(CSVReport.field("a\rb"), "\"a\rb\"")
    }

    func testEmptySectionsKeepTheirHeader() throws {
        let early = ReportScenario(upTo: 2)
        let report = try XCTUnwrap(LoadReport(load: "L1", engine: early.engine, chain: early.chain, generatedAt: ReportScenario.start))
        let sections = try parse(CSVReport.render(report))
        XCTAssertEqual(sections.map(\.name), CSVReport.sections)
        XCTAssertEqual(sections.map(\.rows.count), [1, 1, 0, 1, 3, 7, 0, 0, 0, 0])
        XCTAssertEqual(try section("seal", in: sections).header.first, "seal")
        XCTAssertEqual(try section("custody-chain", in: sections).header, ["seq", "at", "from", "to", "place", "signature", "user"])
    }
}
