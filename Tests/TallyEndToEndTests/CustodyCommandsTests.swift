import Foundation
import TallyCore
import TallyTestSupport
import XCTest
@testable import TallyStore

#if canImport(Glibc)
import Glibc
#endif

/// The custody commands as a user runs them: replay, ingest (with a writer killed mid-stream), log verify
/// on a tampered log, and the supervisor's load / alert workflow.
final class CustodyCommandsTests: XCTestCase {
    private var directory: URL!
    private let repository = Checkout.root

    override func setUpWithError() throws {
        directory = try ScratchDirectory.make("cli", removedAfter: self)
    }

    private var sampleManifest: String { repository.appendingPathComponent("docs/sample-manifest.csv").path }

    func testReplayPrintsOneJSONLinePerAlertAndReportsBadLines() throws {
        let events = repository.appendingPathComponent("Tests/TallyEndToEndTests/Fixtures/replay-events.jsonl").path
        let result = try TallyProcess.run(["replay", "--manifest", sampleManifest, "--events", events, "--json"])
        XCTAssertEqual(result.status, 65, "a bad line and a refused seal make the exit status 65")
        XCTAssertTrue(result.stderr.contains("replay-events.jsonl:12: unknown type \"bogus\""), result.stderr)
        XCTAssertTrue(result.stderr.contains("replay-events.jsonl:11: refused: load L-2611-A has 2 open critical alert(s)"), result.stderr)
        let lines = result.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        let codes = lines.map { $0["code"] as! String }
        XCTAssertEqual(Array(codes.prefix(4)), ["duplicate-scan", "unexpected-asset", "weight-rejected", "weight-out-of-tolerance"])
        XCTAssertEqual(codes.dropFirst(4).filter { $0 == "missing-asset" }.count, 39, "40 expected, only JX4K2M1 scanned")
        XCTAssertEqual(lines[1]["candidate"] as? String, "PF3K9XZ1")
        XCTAssertEqual(lines[1]["subject"] as? String, "PF3K9XZI")
        XCTAssertTrue(lines[0]["candidate"] is NSNull, "absent fields are null, not missing")
        XCTAssertEqual(Set(lines[0].keys), ["id", "seq", "code", "severity", "state", "load", "pallet", "subject", "station", "device", "candidate", "message"])
        XCTAssertEqual(lines[2]["message"] as? String, "weight 410.0 kg not captured: unstable (motion)")
    }

    func testIngestKilledMidStreamLosesNoAcknowledgedEventAndLeavesAnIntactChain() throws {
        let db = directory.appendingPathComponent("ingest.sqlite").path
        XCTAssertEqual(try TallyProcess.run(["manifest", "import", "--db", db, sampleManifest]).status, 0)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try TallyExecutable.path())
        process.arguments = ["ingest", "--db", db, "-"]
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()

        // Feed events from a writer thread; read acknowledgements as they come.
        let total = 200_000
        let writer = Thread {
            var chunk = ""
            for index in 0..<total {
                chunk += #"{"type":"scan","station":"dock-\#(index % 4)","data":"SN-\#(index)"}"# + "\n"
                if index % 500 == 499 {
                    guard (try? input.fileHandleForWriting.write(contentsOf: Data(chunk.utf8))) != nil else { return }
                    chunk = ""
                }
            }
        }
        signal(SIGPIPE, SIG_IGN)
        writer.start()
        var acknowledged: [Int64] = []
        var buffer = Data()
        let reader = output.fileHandleForReading
        while acknowledged.count < 3000 {
            let data = reader.availableData
            if data.isEmpty { break }
            buffer.append(data)
            while let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...newline)
                let fields = line.split(separator: " ")
                if fields.count == 3, fields[0] == "ok", let seq = Int64(fields[1]) { acknowledged.append(seq) }
            }
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? input.fileHandleForWriting.close()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertGreaterThanOrEqual(acknowledged.count, 3000, "the writer was killed mid-stream, after acknowledging events")
        XCTAssertEqual(acknowledged, Array(1...Int64(acknowledged.count)), "acknowledged in order, without gaps")

        let store = try CustodyStore(path: db)
        let events = try store.events()
        XCTAssertGreaterThanOrEqual(events.count, acknowledged.count, "every acknowledged event is in the log")
        XCTAssertLessThan(events.count, total, "the writer did not finish")
        XCTAssertEqual(events.map(\.seq), Array(1...Int64(events.count)), "no partial or missing event")
        for (index, event) in events.enumerated() {
            guard case .scan(_, _, let data) = event.event.payload, data == "SN-\(index)" else {
                return XCTFail("event \(event.seq) is not the line that was sent: \(event.event.payload)")
            }
        }
        let verified = try TallyProcess.run(["log", "verify", "--db", db])
        XCTAssertEqual(verified.status, 0, verified.stderr)
        XCTAssertTrue(verified.stdout.contains("\(events.count) events, hash chain intact"), verified.stdout)
        // The log is still writable and the recorder carries on after the crash.
        let more = try TallyProcess.run(["ingest", "--db", db, "-"], stdin: #"{"type":"scan","station":"dock-1","data":"AFTER"}"# + "\n")
        XCTAssertEqual(more.stdout, "ok \(events.count + 1) 1\n", more.stderr)
    }

    func testLogVerifyNamesTheFirstTamperedEvent() throws {
        let db = directory.appendingPathComponent("tamper.sqlite").path
        XCTAssertEqual(try TallyProcess.run(["demo", "--duration", "0", "--db", db, "--no-serve"]).status, 0)
        XCTAssertEqual(try TallyProcess.run(["log", "verify", "--db", db]).status, 0)
        let store = try CustodyStore(path: db)
        // An attacker with write access drops the append-only triggers and edits event 20.
        try store.executeForTesting("DROP TRIGGER events_append_only_update; DROP TRIGGER events_append_only_delete")
        try store.executeForTesting("UPDATE events SET payload = replace(payload, 'dock-1', 'dock-2') WHERE seq = 20")
        var result = try TallyProcess.run(["log", "verify", "--db", db])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("log verification FAILED at seq 20"), result.stderr)
        XCTAssertTrue(result.stderr.contains("19 events verified before it"), result.stderr)

        // Put it back, then delete event 30: the gap is named.
        try store.executeForTesting("UPDATE events SET payload = replace(payload, 'dock-2', 'dock-1') WHERE seq = 20")
        XCTAssertEqual(try TallyProcess.run(["log", "verify", "--db", db]).status, 0)
        try store.executeForTesting("DELETE FROM events WHERE seq = 30")
        result = try TallyProcess.run(["log", "verify", "--db", db])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("FAILED at seq 31"), result.stderr)
        XCTAssertTrue(result.stderr.contains("expected seq 30, found 31"), result.stderr)
    }

    func testSupervisorWorkflowThroughTheCommandLine() throws {
        let db = directory.appendingPathComponent("workflow.sqlite").path
        func tally(_ arguments: [String], stdin: String? = nil) throws -> ProcessOutcome {
            try TallyProcess.run(arguments + ["--db", db], stdin: stdin)
        }
        XCTAssertEqual(try tally(["manifest", "import", sampleManifest]).status, 0)
        XCTAssertEqual(try tally(["load", "assign", "L-2611-A", "--station", "dock-4", "--user", "ana"]).status, 0)
        let scans = ["]C100306141410004510006", "JX4K2M1", "NOT-ON-MANIFEST"].map { #"{"type":"scan","station":"dock-4","data":"\#($0)"}"# }
        XCTAssertEqual(try tally(["ingest", "-"], stdin: scans.joined(separator: "\n") + "\n").stdout, "ok 2 1\nok 3 2\nok 4 3\n")

        let open = try tally(["alerts", "--open"])
        XCTAssertTrue(open.stdout.contains("#1 open unexpected-asset [critical] NOT-ON-MANIFEST"), open.stdout)

        var seal = try tally(["load", "seal", "L-2611-A", "--seal", "S-77", "--user", "sup"])
        XCTAssertNotEqual(seal.status, 0)
        XCTAssertTrue(seal.stderr.contains("open critical alert(s) (#1 unexpected-asset NOT-ON-MANIFEST)"), seal.stderr)

        XCTAssertEqual(try tally(["ack", "1", "--user", "sup"]).status, 0)
        let badReason = try tally(["resolve", "1", "--reason", "other", "--user", "sup"])
        XCTAssertNotEqual(badReason.status, 0)
        XCTAssertTrue(badReason.stderr.contains("needs a note"), badReason.stderr)
        XCTAssertEqual(try tally(["resolve", "1", "--reason", "removed-from-load", "--user", "sup", "--note", "left at dock"]).status, 0)

        seal = try tally(["load", "seal", "L-2611-A", "--seal", "S-77", "--user", "sup", "--carrier", "Northline"])
        XCTAssertEqual(seal.status, 0, seal.stderr)
        XCTAssertTrue(seal.stdout.contains("assets: 40 expected, 1 scanned, 39 missing, 1 unexpected"), seal.stdout)
        XCTAssertEqual(try tally(["load", "transfer", "L-2611-A", "--from", "dock", "--to", "Northline", "--signature", "J. O."]).status, 0)

        let show = try tally(["load", "show", "L-2611-A"])
        XCTAssertTrue(show.stdout.contains("Reconciliation of load L-2611-A (sealed with S-77)"), show.stdout)
        XCTAssertTrue(show.stdout.contains("custody") && show.stdout.contains("dock → Northline"), show.stdout)
        let list = try tally(["load", "list", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(object["status"] as? String, "sealed")
        XCTAssertEqual(object["scanned"] as? Int, 1)

        let resolved = try tally(["alerts", "--state", "resolved", "--json"])
        let alert = try JSONSerialization.jsonObject(with: Data(resolved.stdout.utf8)) as! [String: Any]
        XCTAssertEqual(alert["id"] as? Int, 1)
        let verify = try tally(["log", "verify"])
        XCTAssertEqual(verify.status, 0)

        // The report carries the same log anchor that log verify prints.
        let report = try tally(["report", "L-2611-A", "--format", "json"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as! [String: Any]
        let log = json["log"] as! [String: Any]
        let hash = log["lastHash"] as! String
        XCTAssertTrue(verify.stdout.contains("hash \(hash)"), "report hash \(hash) vs \(verify.stdout)")
        XCTAssertEqual((json["seal"] as? [String: Any])?["number"] as? String, "S-77")
        let html = try tally(["report", "L-2611-A", "--format", "html"])
        XCTAssertTrue(html.stdout.contains(hash) && html.stdout.contains("S-77"))
        let csv = try tally(["report", "L-2611-A", "--format", "csv"])
        XCTAssertTrue(csv.stdout.contains("# inventory"), csv.stdout)
        let unknown = try tally(["report", "NOPE"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("NOPE"), unknown.stderr)
    }

    func testManifestImportReadsJSONAndNamesTheLineAndColumnOfABadValue() throws {
        let db = directory.appendingPathComponent("json.sqlite").path
        let file = directory.appendingPathComponent("manifest.json").path
        try """
            {"loads": [{"id": "J1", "site": "Reno", "pallets": [
              {"id": "P-J", "expected_weight": "100.50", "weight_unit": "kg", "tolerance": "2%",
               "assets": [{"serial": "JS1", "data_bearing": true, "sanitization": "erased", "evidence": "E1"},
                          {"serial": "JS2", "sanitization": "wiped"}]}]}]}
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let bad = try TallyProcess.run(["manifest", "import", "--db", db, file])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("\(file):4 column"), bad.stderr)
        XCTAssertTrue(bad.stderr.contains("assets[1].sanitization"), bad.stderr)
        XCTAssertTrue(try CustodyStore(path: db).manifest().assets.isEmpty, "nothing of a rejected file is imported")

        try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "wiped", with: "pending")
            .write(toFile: file, atomically: true, encoding: .utf8)
        let good = try TallyProcess.run(["manifest", "import", "--db", db, file])
        XCTAssertEqual(good.status, 0, good.stderr)
        XCTAssertFalse(good.stderr.contains("["), "no progress bar when standard error is not a terminal")
        let manifest = try CustodyStore(path: db).manifest()
        XCTAssertEqual(manifest.load("J1")?.site, "Reno")
        XCTAssertEqual(manifest.pallets["P-J"]?.expectedWeight?.description, "100.50 kg")
        XCTAssertEqual(manifest.assets["JS2"]?.sanitization, .pending)
    }
}
