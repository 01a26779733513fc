import Foundation
import TallyTestSupport

/// Runs the built `tally` executable as a child process, as a user would.
enum TallyProcess {
    /// Runs `tally arguments…` with `stdin` as standard input (end of file after it), in the current directory,
    /// waiting at most `timeout` seconds.
    static func run(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], timeout: TimeInterval = 120) throws -> ProcessOutcome {
        try ChildProcessRunner.run(
            try TallyExecutable.path(), arguments, stdin: Array((stdin ?? "").utf8), environment: environment,
            in: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true), timeout: timeout)
    }
}
