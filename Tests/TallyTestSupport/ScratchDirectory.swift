import Foundation
import XCTest

/// Fresh directories for one test.
public enum ScratchDirectory {
    /// A new directory `/tmp/tally-<name>-<8 random characters>`, removed by the caller. It is under /tmp,
    /// not TMPDIR, because umockdev socket paths below it must stay under 108 bytes.
    public static func make(_ name: String) throws -> URL {
        let url = URL(fileURLWithPath: "/tmp", isDirectory: true)
            .appendingPathComponent("tally-\(name)-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A new directory as `make(_:)` does, removed with everything in it when `test` ends (a teardown block).
    public static func make(_ name: String, removedAfter test: XCTestCase) throws -> URL {
        let url = try make(name)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
