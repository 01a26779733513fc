import Foundation
import Synchronization
import TallyCore
import TallyDevices
import TallyServer
import TallyRuntime
import TallyTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `tally console` run in a pseudo-terminal against an in-process server, as a supervisor would use it.
final class TerminalConsoleTests: XCTestCase {
    /// Everything the console drew, read from the pseudo-terminal's master on a dispatch thread.
    final class Screen: Sendable {
        let terminal: PseudoTerminal
        private let bytes = Mutex([UInt8]())

        init(_ terminal: PseudoTerminal) {
            self.terminal = terminal
            DispatchQueue.global().async { [self] in
                while terminal.isOpen {
                    guard let chunk = try? terminal.readFromMaster(maximumCount: 65536, timeoutMilliseconds: 50) else { return }
                    if !chunk.isEmpty { bytes.withLock { $0 += chunk } }
                }
            }
        }

        var raw: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }

        /// The output with escape sequences removed (what a reader sees, give or take layout).
        var text: String { raw.replacingOccurrences(of: "\u{1B}\\[[0-9;?]*[A-Za-z]", with: " ", options: .regularExpression) }

        func waitFor(seconds: Double = 30, _ condition: (String) -> Bool) async throws -> Bool {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if condition(text) { return true }
                try await Task.sleep(for: .milliseconds(20))
            }
            return condition(text)
        }
    }

    func testConsoleShowsANewAlertAcknowledgesItAndQuits() async throws {
        let tally = try TallyExecutable.path()
        let help = try ChildProcess(tally, ["console", "--help"])
        let helpStatus = try await help.waitForExit(seconds: 60)
        XCTAssertEqual(helpStatus, 0, "`tally console` is not a command: register ConsoleCommand in Sources/tally/Tally.swift (\(help.stderr))")
        guard helpStatus == 0 else { return }

        let devices = DeviceBoard()
        devices.register(identity: "zebra-ds2208:TTY1", kind: "scanner", profile: "zebra-ds2208", station: "dock-1", path: nil, state: .connected)
        let fixture = try await ServerFixture.start(devices: devices)
        defer { Task { await fixture.stop() } }
        try await fixture.post(#"{"type":"assign","station":"dock-1","load":"L-2611-A"}"#)

        let pty = try PseudoTerminal()
        defer { pty.close() }
        var window = winsize(ws_row: 40, ws_col: 160, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(pty.masterDescriptor, UInt(TIOCSWINSZ), &window)
        let screen = Screen(pty)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tally)
        process.arguments = ["console", "--url", "http://127.0.0.1:\(fixture.port)", "--token", ServerFixture.supervisor]
        var environment = ProcessInfo.processInfo.environment
        environment["TERM"] = "xterm-256color"
        process.environment = environment
        let slave = FileHandle(fileDescriptor: pty.slaveDescriptor, closeOnDealloc: false)
        process.standardInput = slave
        process.standardOutput = slave
        process.standardError = slave
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        let connected = try await screen.waitFor { $0.contains("Loads (") && $0.contains("[live]") }
        let listed = try await screen.waitFor { $0.contains("Devices (1)") && $0.contains("zebra-ds2208:TTY1  scanner  dock-1  CONNECTED  0 scans") }
        XCTAssertTrue(listed, "the devices panel: \(screen.text.suffix(2000))")
        XCTAssertTrue(connected, "the console never showed its live view: \(screen.text.suffix(2000))")
        XCTAssertTrue(screen.raw.contains("\u{1B}[?1049h"), "the console should use the alternate screen")
        XCTAssertTrue(screen.raw.contains("\u{1B}[?25l"), "the console should hide the cursor")

        let reply = try await fixture.post(#"{"type":"scan","station":"dock-1","device":"s1","data":"STRAY-CONSOLE-7"}"#)
        XCTAssertEqual(reply.status, 201, reply.text)
        let shown = try await screen.waitFor { $0.contains("STRAY-CONSOLE-7") }
        XCTAssertTrue(shown, "the new alert's subject never appeared: \(screen.text.suffix(2000))")
        let alerts = await fixture.recorder.alerts()
        let alert = try XCTUnwrap(alerts.first { $0.subject == "STRAY-CONSOLE-7" })
        XCTAssertEqual(alert.state, .open)

        try pty.writeToMaster(Array("a".utf8))
        var acknowledged = false
        for _ in 0..<1500 {
            if let now = await fixture.recorder.alerts().first(where: { $0.id == alert.id }), now.state == .acknowledged {
                acknowledged = true
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTAssertTrue(acknowledged, "the alert was not acknowledged: \(screen.text.suffix(2000))")
        let said = try await screen.waitFor { $0.contains("alert #\(alert.id) acknowledged") }
        XCTAssertTrue(said, "the status line should confirm the acknowledgement: \(screen.text.suffix(2000))")

        try pty.writeToMaster(Array("q".utf8))
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        XCTAssertFalse(process.isRunning, "the console did not quit on q")
        guard !process.isRunning else { return }
        XCTAssertEqual(process.terminationStatus, 0, screen.text.suffix(2000).description)
        let restored = try await screen.waitFor(seconds: 5) { _ in screen.raw.contains("\u{1B}[?1049l") }
        XCTAssertTrue(restored, "the console should leave the alternate screen on quit")
        XCTAssertTrue(screen.raw.contains("\u{1B}[?25h"), "the console should show the cursor again on quit")
    }

    func testSSEParserHandlesSplitsCommentsAndMultilineData() {
        var parser = SSEParser()
        let text = ": connected at seq 0\n\nid: 4\nevent: custody\ndata: {\"a\":\r\ndata: 1}\r\n\r\nid: 5\ndata: x\n"
        var messages: [SSEMessage] = []
        for byte in Array(text.utf8) { messages += parser.feed([byte]) }
        XCTAssertEqual(messages, [SSEMessage(id: "4", event: "custody", data: "{\"a\":\n1}")])
        messages = parser.feed(Array("\n".utf8))
        XCTAssertEqual(messages, [SSEMessage(id: "5", event: nil, data: "x")])
        XCTAssertEqual(parser.lastEventID, "5")
        XCTAssertEqual(parser.comments, ["connected at seq 0"])
    }

    func testChunkedDecoderAcrossSplits() throws {
        let body = Array("5\r\nhello\r\n7;x=y\r\n, world\r\n0\r\n\r\n".utf8)
        for split in 1..<body.count {
            var decoder = ChunkedDecoder()
            let out = try decoder.feed(body[..<split]) + decoder.feed(body[split...])
            XCTAssertEqual(String(decoding: out, as: UTF8.self), "hello, world", "split at \(split)")
            XCTAssertTrue(decoder.isFinished)
        }
    }
}
