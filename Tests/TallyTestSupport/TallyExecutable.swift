import Foundation
import XCTest

/// The executables the package builds (`tally`, `tally-testbed`), found next to the running test binary.
public enum TallyExecutable {
    /// The running test binary (the xctest executable on Linux).
    public static var testRunner: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// The path of the built executable `name` in the build products directory, or an `XCTSkip` when it
    /// was not built (run `swift build --build-tests` before `swift test --skip-build`).
    public static func path(_ name: String = "tally") throws -> String {
        let runnerDirectory = URL(fileURLWithPath: testRunner).deletingLastPathComponent()
        let bundle = Bundle.main.bundleURL
        let candidates = [runnerDirectory, bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent(name).path }
        if let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return found }
        throw XCTSkip("no \(name) executable next to the test binary (\(runnerDirectory.path)); run `swift build --build-tests` first")
    }
}
