import Foundation

/// Where Tally keeps its database when no `--db` is given.
///
/// `$TALLY_STATE` wins; an installed system uses `/var/lib/tally` (when it exists and is writable);
/// a checkout uses `./tally-state` beside the current directory.
public enum StateLocation {
    /// The directory that holds the database, created on first use.
    public static func directory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let explicit = environment["TALLY_STATE"], !explicit.isEmpty { return explicit }
        if FileManager.default.isWritableFile(atPath: "/var/lib/tally") { return "/var/lib/tally" }
        return FileManager.default.currentDirectoryPath + "/tally-state"
    }

    /// The database path: `path` when given, else `tally.sqlite` in ``directory(environment:)`` (created).
    public static func database(_ path: String?) throws -> String {
        if let path { return path }
        let directory = directory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        return directory + "/tally.sqlite"
    }
}
