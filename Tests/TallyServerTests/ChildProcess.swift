import Foundation
import Synchronization

/// A child process whose standard output is collected as it runs (read on a dispatch thread).
final class ChildProcess: Sendable {
    let process: Process
    private let output = Mutex(Data())
    private let errors = Mutex(Data())
    private let finished = Mutex(false)

    init(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        self.process = process
        try process.run()
        let outHandle = out.fileHandleForReading, errHandle = err.fileHandleForReading
        DispatchQueue.global().async { [self] in
            while true {
                let chunk = outHandle.availableData
                if chunk.isEmpty { break }
                output.withLock { $0.append(chunk) }
            }
            finished.withLock { $0 = true }
        }
        DispatchQueue.global().async { [self] in
            while true {
                let chunk = errHandle.availableData
                if chunk.isEmpty { break }
                errors.withLock { $0.append(chunk) }
            }
        }
    }

    var stdout: String { String(decoding: output.withLock { $0 }, as: UTF8.self) }
    var stderr: String { String(decoding: errors.withLock { $0 }, as: UTF8.self) }

    /// Polls until `condition` holds on the output so far, or `seconds` pass (a hang detector, not a timing check).
    func waitForOutput(seconds: Double = 60, _ condition: (String) -> Bool) async throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition(stdout) { return true }
            if !process.isRunning, finished.withLock({ $0 }) { return condition(stdout) }
            try await Task.sleep(for: .milliseconds(20))
        }
        return condition(stdout)
    }

    /// Waits for the process to exit (killing it after `seconds`); its status, or nil if it had to be killed.
    func waitForExit(seconds: Double = 60) async throws -> Int32? {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning, Date() < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning {
            process.terminate()
            kill(process.processIdentifier, SIGKILL)
            return nil
        }
        // Let the reader drain the pipe.
        for _ in 0..<100 where !finished.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        return process.terminationStatus
    }
}
