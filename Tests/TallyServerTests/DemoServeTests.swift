import Foundation
import TallyTestSupport
import XCTest

/// Runs `tally demo` as a process with its server, as a new user would.
final class DemoServeTests: XCTestCase {
    func tempDatabase() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-demo-serve-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        return directory.appendingPathComponent("demo.sqlite").path
    }

    /// The console URL and token the demo printed.
    func console(in output: String) -> (port: Int, token: String)? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("Console: http://127.0.0.1:") }) else { return nil }
        let rest = line.dropFirst("Console: http://127.0.0.1:".count)
        guard let slash = rest.firstIndex(of: "/"), let port = Int(rest[..<slash]),
              let range = rest.range(of: "#token=") else { return nil }
        return (port, String(rest[range.upperBound...]))
    }

    func testDemoWithExitPrintsTheConsoleAndEnds() async throws {
        let child = try ChildProcess(try TallyExecutable.path(), ["demo", "--duration", "0", "--db", try tempDatabase(), "--no-colour", "--port", "0", "--exit"])
        let status = try await child.waitForExit(seconds: 120)
        XCTAssertEqual(status, 0, child.stdout + child.stderr)
        XCTAssertNotNil(console(in: child.stdout), child.stdout)
        XCTAssertTrue(child.stdout.contains("Supervisor token for this run: "), child.stdout)
        XCTAssertFalse(child.stdout.contains("Serving the console until interrupted"))
    }

    func testDemoKeepsServingUntilSIGTERMThenExitsZeroWithAClientConnected() async throws {
        let child = try ChildProcess(try TallyExecutable.path(), ["demo", "--duration", "0", "--db", try tempDatabase(), "--no-colour", "--port", "0"])
        let serving = try await child.waitForOutput(seconds: 120) { $0.contains("Serving the console until interrupted") }
        XCTAssertTrue(serving, child.stdout + child.stderr)
        let found = console(in: child.stdout)
        let (port, token) = try XCTUnwrap(found, child.stdout)
        XCTAssertTrue(child.process.isRunning, "the demo keeps serving after the scenario")

        // The API answers with the printed supervisor token, and the stream replays the whole scenario.
        let alerts = try await HTTPTestClient(port: port).request("GET", "/api/v1/alerts", token: token)
        XCTAssertEqual(alerts.status, 200)
        XCTAssertFalse((alerts.json["alerts"] as? [[String: Any]] ?? []).isEmpty, alerts.text)
        let stream = try SSETestClient(port: port, token: token, lastEventID: 0)
        let first = await stream.next()
        XCTAssertEqual(first?.id, 1)

        kill(child.process.processIdentifier, SIGTERM)
        let status = try await child.waitForExit(seconds: 10)
        XCTAssertEqual(status, 0, "SIGTERM with a stream client connected ends the demo with status 0: \(child.stderr)")
        XCTAssertEqual(child.process.terminationReason, .exit)
    }
}
