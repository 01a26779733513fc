import Foundation
import XCTest

/// Runs the built `tally` executable (beside the test binary) as a child process, with output captured in
/// files (no pipe to fill up), standard input from bytes, and a generous timeout.
enum TallyBinary {
    struct Outcome {
        var status: Int32
        var stdout: String
        var stderr: String
        var output: String { "status \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    /// The running test binary.
    static var testRunner: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The `tally` executable next to the test binary, or a skip when it was not built.
    static func executable() throws -> String {
        let path = URL(fileURLWithPath: testRunner).deletingLastPathComponent().appendingPathComponent("tally").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw XCTSkip("no tally executable next to the test binary (\(path)); run `swift build` before `swift test`")
        }
        return path
    }

    /// A fresh directory under /tmp, removed by the caller.
    static func temporaryDirectory(_ name: String) throws -> URL {
        let url = URL(fileURLWithPath: "/tmp", isDirectory: true).appendingPathComponent("tally-\(name)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs `executable arguments` with `stdin`, killing it after `timeout` seconds.
    static func run(
        _ executable: String, _ arguments: [String], stdin: [UInt8] = [], environment extra: [String: String] = [:],
        timeout: TimeInterval = 120
    ) throws -> Outcome {
        let directory = try temporaryDirectory("process")
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputURL = directory.appendingPathComponent("stdin")
        let stdoutURL = directory.appendingPathComponent("stdout")
        let stderrURL = directory.appendingPathComponent("stderr")
        try Data(stdin).write(to: inputURL)
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let input = try FileHandle(forReadingFrom: inputURL)
        let stdout = try FileHandle(forWritingTo: stdoutURL)
        let stderr = try FileHandle(forWritingTo: stderrURL)

        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = "/tmp"
        environment["LD_PRELOAD"] = nil
        environment["UMOCKDEV_DIR"] = nil
        for (key, value) in extra { environment[key] = value }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory
        process.standardInput = input
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            XCTFail("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout) s")
        }
        process.waitUntilExit()
        try input.close()
        try stdout.close()
        try stderr.close()
        return Outcome(
            status: process.terminationStatus,
            stdout: (try? String(contentsOf: stdoutURL, encoding: .utf8)) ?? "",
            stderr: (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "")
    }

    /// Runs `tally arguments`; fails (rather than skips) when the binary exists but has no `scale` command.
    static func tally(_ arguments: [String], stdin: [UInt8] = [], timeout: TimeInterval = 120) throws -> Outcome {
        let outcome = try run(try executable(), arguments, stdin: stdin, timeout: timeout)
        if outcome.status != 0, outcome.stderr.contains("Unexpected argument 'scale'") || outcome.stderr.contains("unknown subcommand") {
            XCTFail("the tally binary has no `scale` command: register ScaleCommand in Sources/tally/Tally.swift\n\(outcome.output)")
        }
        return outcome
    }

    /// One JSON object per line.
    static func objects(_ outcome: Outcome, file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]] {
        outcome.lines.compactMap { text in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                XCTFail("not a JSON object: \(text)", file: file, line: line)
                return nil
            }
            return object
        }
    }
}
