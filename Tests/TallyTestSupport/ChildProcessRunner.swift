import Foundation
import XCTest

/// What a child process left when it ended: its exit status and its two outputs.
public struct ProcessOutcome: Sendable {
    /// The exit status (or the signal that ended it).
    public var status: Int32
    /// Standard output (with standard error too when the run merged them).
    public var stdout: String
    /// Standard error (empty when the run merged it into standard output).
    public var stderr: String

    /// Everything, for an assertion message.
    public var output: String { "status \(status)\n--- stdout\n\(stdout)\n--- stderr\n\(stderr)" }
    /// The lines of standard output.
    public var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}

/// Runs a child process to completion, with its outputs captured in files (no pipe to fill up and block it).
public enum ChildProcessRunner {
    /// Runs `executable arguments` and waits for it to end, killing it (and failing the test) after `timeout`
    /// seconds.
    ///
    /// - `stdin`: its standard input, read from a file (end of file after the bytes); nil inherits the runner's.
    /// - `environment`: set over the runner's environment, in which TMPDIR is /tmp (umockdev socket paths must
    ///   stay under 108 bytes) and LD_PRELOAD and UMOCKDEV_DIR are unset (the child is never under an umockdev
    ///   testbed unless it starts one itself).
    /// - `directory`: its working directory; nil is a fresh directory under /tmp, removed afterwards.
    /// - `mergingStandardError`: both outputs into one file, read as `stdout` (their lines interleaved as written).
    public static func run(
        _ executable: String, _ arguments: [String], stdin: [UInt8]? = nil, environment extra: [String: String] = [:],
        in directory: URL? = nil, mergingStandardError: Bool = false, timeout: TimeInterval = 120,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> ProcessOutcome {
        let scratch = try ScratchDirectory.make("process")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let stdoutURL = scratch.appendingPathComponent("stdout")
        let stderrURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stdoutHandle = try FileHandle(forWritingTo: stdoutURL)
        let stderrHandle = mergingStandardError ? stdoutHandle : try FileHandle(forWritingTo: stderrURL)
        var stdinHandle: FileHandle?
        if let stdin {
            let stdinURL = scratch.appendingPathComponent("stdin")
            try Data(stdin).write(to: stdinURL)
            stdinHandle = try FileHandle(forReadingFrom: stdinURL)
        }

        var environment = ProcessInfo.processInfo.environment
        environment["TMPDIR"] = "/tmp"
        environment["LD_PRELOAD"] = nil
        environment["UMOCKDEV_DIR"] = nil
        for (key, value) in extra { environment[key] = value }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = environment
        process.currentDirectoryURL = directory ?? scratch
        if let stdinHandle { process.standardInput = stdinHandle }
        process.standardOutput = stdoutHandle
        process.standardError = stderrHandle
        try process.run()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            process.terminate()
            XCTFail("\(executable) \(arguments.joined(separator: " ")) did not finish within \(timeout) s", file: file, line: line)
        }
        process.waitUntilExit()
        try stdinHandle?.close()
        try stdoutHandle.close()
        if !mergingStandardError { try stderrHandle.close() }
        return ProcessOutcome(
            status: process.terminationStatus,
            stdout: String(decoding: (try? Data(contentsOf: stdoutURL)) ?? Data(), as: UTF8.self),
            stderr: String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self))
    }

    /// The path of the executable `tool` on PATH (or, when PATH lacks them, in /usr/sbin, /sbin, /usr/bin, /bin).
    public static func which(_ tool: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in (path + ":/usr/sbin:/sbin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(tool)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
