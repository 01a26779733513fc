import Foundation
import TallyTestSupport
import XCTest

/// Runs the built `tally` executable's `scale` commands and reads their JSON lines.
enum TallyBinary {
    /// Runs `tally arguments`; fails (rather than skips) when the binary exists but has no `scale` command.
    static func tally(_ arguments: [String], stdin: [UInt8] = [], timeout: TimeInterval = 120) throws -> ProcessOutcome {
        let outcome = try ChildProcessRunner.run(try TallyExecutable.path(), arguments, stdin: stdin, timeout: timeout)
        if outcome.status != 0, outcome.stderr.contains("Unexpected argument 'scale'") || outcome.stderr.contains("unknown subcommand") {
            XCTFail("the tally binary has no `scale` command: register ScaleCommand in Sources/tally/Tally.swift\n\(outcome.output)")
        }
        return outcome
    }

    /// One JSON object per line.
    static func objects(_ outcome: ProcessOutcome, file: StaticString = #filePath, line: UInt = #line) -> [[String: Any]] {
        outcome.lines.compactMap { text in
            guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
                XCTFail("not a JSON object: \(text)", file: file, line: line)
                return nil
            }
            return object
        }
    }
}
