import Foundation
import TallyCore
import TallyStore
import TallyTestSupport
import XCTest

/// Runs `tally demo` as a user would and checks what it printed and what the database holds.
final class DemoEndToEndTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try ScratchDirectory.make("e2e", removedAfter: self)
    }

    /// The alerts the demo scenario must raise, in order: code and subject.
    static let expectedAlerts: [(AlertCode, String)] = [
        (.unexpectedAsset, "5CG2041XKT"),
        (.notSanitized, "PF3KA11M"),
        (.wrongPallet, "MJ0BZQ8M"),
        (.duplicateScan, "JX4K2M1"),
        (.weightOutOfTolerance, "306141410004530004"),
        (.missingAsset, "7TDX0K5"),
        (.missingAsset, "CN0J1X7R"),
        (.missingAsset, "R58N123ABC"),
    ]

    func testDemoRaisesTheScenarioAlertsAndLogsEveryEvent() throws {
        let db = directory.appendingPathComponent("demo.sqlite").path
        let result = try TallyProcess.run(["demo", "--duration", "0", "--db", db, "--no-colour", "--no-serve"])
        XCTAssertEqual(result.status, 0, "stderr: \(result.stderr)\nstdout: \(result.stdout)")
        let output = result.stdout
        XCTAssertFalse(output.contains("\u{1B}["), "plain text when not a terminal")

        // Live feed: each alert line, the double read, the seal and the summary.
        for (index, (code, subject)) in Self.expectedAlerts.enumerated() {
            XCTAssertTrue(output.contains("ALERT #\(index + 1) \(code.rawValue) [\(code.severity.rawValue)] \(subject):"),
                          "missing \(code) \(subject) in:\n\(output)")
        }
        XCTAssertTrue(output.contains("seal of L-2611-A refused: load L-2611-A has 1 open critical alert(s) (#5 weight-out-of-tolerance"))
        XCTAssertTrue(output.contains("alert #1 resolved (removed-from-load)"))
        XCTAssertTrue(output.contains("double read of PF3K9XZ1, ignored"))
        XCTAssertTrue(output.contains("load L-2611-A sealed (SL-88412)"))
        XCTAssertTrue(output.contains("Reconciliation of load L-2611-A (sealed with SL-88412)"))
        XCTAssertTrue(output.contains("assets: 40 expected, 37 scanned, 3 missing, 1 unexpected"))
        XCTAssertTrue(output.contains("measured 281.5 kg, expected 265.0 kg ±5 kg: OUT OF TOLERANCE"))

        // The database holds every event the feed showed, and exactly the alerts above.
        let store = try CustodyStore(path: db)
        let events = try store.events()
        XCTAssertEqual(events.map(\.seq), Array(1...Int64(events.count)), "sequence numbers without gaps")
        XCTAssertTrue(output.contains("\(events.count) events in the custody log"), "the feed's count matches the log")
        for event in events {
            XCTAssertTrue(output.contains("#\(event.seq) "), "event \(event.seq) was not shown live")
        }
        let types = Dictionary(grouping: events, by: \.event.payload.type).mapValues(\.count)
        XCTAssertEqual(types["assign"], 1)
        XCTAssertEqual(types["seal"], 1, "the refused seal is not logged; the override seal is")
        XCTAssertEqual(types["weight"], 3, "one capture per pallet placed on the scale")
        XCTAssertEqual(types["acknowledge"], 1)
        XCTAssertEqual(types["resolve"], 2)
        XCTAssertEqual(types["transfer"], 1)
        XCTAssertEqual(types["scan"], events.count - 9)
        let alerts = try store.alerts()
        XCTAssertEqual(alerts.map(\.code), Self.expectedAlerts.map(\.0))
        XCTAssertEqual(alerts.map(\.subject), Self.expectedAlerts.map(\.1))
        XCTAssertEqual(alerts.map(\.id), Array(1...Int64(Self.expectedAlerts.count)))
        XCTAssertEqual(alerts.map(\.state), [.resolved, .resolved, .open, .open, .open, .open, .open, .open])
        XCTAssertEqual(alerts[0].resolution?.reason, .removedFromLoad)
        XCTAssertEqual(alerts[0].acknowledgement?.user, "supervisor")
        XCTAssertEqual(alerts[1].resolution?.reason, .sanitizationVerified)

        // Weights are the scale's exact stable frames, kept as evidence.
        let weights: [(String, [UInt8])] = events.compactMap {
            if case .weight(_, _, let reading) = $0.event.payload { return (reading.weight!.description, reading.raw) }
            return nil
        }
        XCTAssertEqual(weights.map(\.0), ["409.5 kg", "391.0 kg", "281.5 kg"])
        XCTAssertEqual(weights.map { String(decoding: $0.1, as: UTF8.self) },
                       ["S S      409.5 kg\r\n", "S S      391.0 kg\r\n", "S S      281.5 kg\r\n"])

        // The same events replayed through the core give the same alerts: the log is the truth.
        var engine = CustodyEngine(manifest: try store.manifest())
        for event in events { _ = engine.apply(event) }
        XCTAssertEqual(engine.alerts, alerts)
        XCTAssertEqual(engine.seals["L-2611-A"]?.overriddenAlerts, [5])
        XCTAssertEqual(engine.custody["L-2611-A"]?.map(\.transfer.to), ["Northline Freight (driver J. Okafor)"])

        // The CLI reads the same database back.
        let listed = try TallyProcess.run(["alerts", "--db", db, "--json"])
        XCTAssertEqual(listed.status, 0, listed.stderr)
        XCTAssertEqual(listed.stdout.split(separator: "\n").count, Self.expectedAlerts.count)
        let log = try TallyProcess.run(["log", "show", "--db", db, "--json"])
        XCTAssertEqual(log.status, 0, log.stderr)
        XCTAssertEqual(log.stdout.split(separator: "\n").count, events.count)
    }

    func testDemoRefusesADatabaseThatAlreadyHoldsTheDemoLoad() throws {
        let db = directory.appendingPathComponent("twice.sqlite").path
        XCTAssertEqual(try TallyProcess.run(["demo", "--duration", "0", "--db", db, "--no-serve"]).status, 0)
        let before = try CustodyStore(path: db).lastSeq()
        let second = try TallyProcess.run(["demo", "--duration", "0", "--db", db, "--no-serve"])
        XCTAssertNotEqual(second.status, 0)
        XCTAssertTrue(second.stderr.contains(db), second.stderr)
        XCTAssertEqual(try CustodyStore(path: db).lastSeq(), before, "a refused demo writes nothing")
    }

    func testManifestImportRejectsABadFileWholeAndNamesTheLine() throws {
        let db = directory.appendingPathComponent("import.sqlite").path
        let file = directory.appendingPathComponent("bad.csv").path
        try "load,pallet,serial,sanitization\nL1,P1,SN1,erased\nL1,P1,SN2,wiped\n".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try TallyProcess.run(["manifest", "import", "--db", db, file])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("\(file):3 column sanitization"), result.stderr)
        XCTAssertTrue(try CustodyStore(path: db).manifest().assets.isEmpty, "nothing of a rejected file is imported")

        try "load,pallet,serial,sanitization\nL1,P1,SN1,erased\nL1,P1,SN2,pending\n".write(toFile: file, atomically: true, encoding: .utf8)
        let good = try TallyProcess.run(["manifest", "import", "--db", db, file])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertEqual(try CustodyStore(path: db).manifest().assets.count, 2)
    }
}
