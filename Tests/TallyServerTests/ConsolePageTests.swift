import Foundation
import TallyServer
import TallyRuntime
import XCTest

/// The web console in a real headless Chromium (Debian's `chromium`), against a real server.
final class ConsolePageTests: XCTestCase {
    /// The browser, installed with apt when missing; skips only when that fails.
    func chromium() throws -> String {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] where FileManager.default.isExecutableFile(atPath: path) { return path }
        let apt = Process()
        apt.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        apt.arguments = ["apt-get", "install", "-y", "chromium"]
        apt.environment = ProcessInfo.processInfo.environment.merging(["DEBIAN_FRONTEND": "noninteractive"]) { $1 }
        apt.standardOutput = FileHandle.nullDevice
        apt.standardError = FileHandle.nullDevice
        do { try apt.run(); apt.waitUntilExit() } catch {}
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") { return "/usr/bin/chromium" }
        throw XCTSkip("headless Chromium is not installed and `apt-get install -y chromium` failed (run it as root, then rerun the test)")
    }

    func testConsoleShowsANewAlertWithinOneSecondOfTheEvent() async throws {
        let browser = try chromium()
        let devices = DeviceBoard()
        devices.register(identity: "zebra-ds2208:WEB1", kind: "scanner", profile: "zebra-ds2208", station: "dock-1", path: nil, state: .connected)
        devices.register(identity: "floor-scale-9", kind: "scale", profile: "mettler-toledo-ind570", station: "dock-1", path: "/dev/ttyS0",
                         state: .disconnected, detail: "unplugged")
        let fixture = try await ServerFixture.start(devices: devices)
        defer { Task { await fixture.stop() } }
        try await fixture.post(#"{"type":"assign","station":"dock-1","load":"L-2611-A"}"#)
        try await fixture.post(#"{"type":"scan","station":"dock-1","data":"306141410004510006"}"#)
        try await fixture.post(#"{"type":"weight","station":"dock-1","value":"500.0","unit":"kg"}"#)

        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("tally-chromium-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: profile) }
        let url = "http://127.0.0.1:\(fixture.port)/#token=\(ServerFixture.supervisor)"
        let child = try ChildProcess(browser, [
            "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
            "--virtual-time-budget=3000", "--dump-dom", url,
        ])
        // The event happens once the page has connected to the live stream.
        var connected = false
        for _ in 0..<3000 where !connected {
            connected = fixture.server.hub.statistics().clients > 0
            if !connected { try await Task.sleep(for: .milliseconds(10)) }
        }
        XCTAssertTrue(connected, "the page never opened the live stream: \(child.stderr)")
        try await fixture.post(#"{"type":"scan","station":"dock-1","device":"s1","data":"STRAY-WEB-1"}"#)
        // Chromium's virtual time only runs out once no request is pending, and a live stream always is:
        // once the hub has the event, end the streams (each still delivers what it holds; the page's
        // reconnect is refused), so the browser goes idle and dumps the DOM.
        for _ in 0..<1000 where (fixture.server.hub.statistics().eventsByType["scan"] ?? 0) < 2 {
            try await Task.sleep(for: .milliseconds(5))
        }
        fixture.server.hub.close()
        let status = try await child.waitForExit(seconds: 60)
        XCTAssertEqual(status, 0, child.stderr)
        let dom = child.stdout

        // The live alert is in the feed, coloured as critical, shown within 1 s (browser time) of the stream opening.
        let item = try XCTUnwrap(dom.range(of: #"<li data-alert="(\d+)"[^>]*>.*?STRAY-WEB-1.*?</li>"#, options: .regularExpression).map { String(dom[$0]) },
                                 "no live alert in the page:\n\(dom)")
        XCTAssertTrue(item.contains("class=\"alert critical open\""), item)
        XCTAssertTrue(item.contains("unexpected-asset"), item)
        let since = item.range(of: #"data-since-open="(\d+)""#, options: .regularExpression).map { item[$0].filter(\.isNumber) }
        let milliseconds = try XCTUnwrap(since.flatMap { Int($0) }, item)
        XCTAssertLessThan(milliseconds, 1000, item)
        // Supervisors get the buttons; progress and the weight chart are drawn.
        XCTAssertTrue(item.contains("Acknowledge"), item)
        XCTAssertTrue(dom.contains("supervisor"), "the page shows who is signed in")
        XCTAssertTrue(dom.contains("0 / 40 assets, 1 / 3 pallets weighed"), dom)
        XCTAssertTrue(dom.contains(#"<svg id="weights""#), dom)
        XCTAssertTrue(dom.contains(#"<tr data-device="zebra-ds2208:WEB1" data-state="connected">"#), "the devices table: \(dom)")
        XCTAssertTrue(dom.contains(#"<tr data-device="floor-scale-9" data-state="disconnected">"#), dom)
        XCTAssertTrue(dom.contains("unplugged"), dom)
        XCTAssertTrue(dom.contains(#"class="measured" data-pallet="306141410004510006""#), dom)
        XCTAssertFalse(dom.contains("supervisor-token"), "the token is taken out of the URL")
    }
}
