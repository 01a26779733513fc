import GRDB
import TallyCore

/// A storage failure, naming the database file and what was being done.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    /// The database file.
    public let path: String
    /// What the store was doing (`open`, `append event`, `import manifest`, ...).
    public let operation: String
    public let reason: String

    /// Creates an error.
    public init(path: String, operation: String, reason: String) {
        self.path = path
        self.operation = operation
        self.reason = reason
    }

    /// Wraps any error thrown while doing `operation` on `path`.
    static func wrap(_ error: any Error, path: String, operation: String) -> StoreError {
        if let error = error as? StoreError { return error }
        if let error = error as? DatabaseError {
            return StoreError(path: path, operation: operation, reason: "\(error.message ?? "SQLite error") (SQLite code \(error.resultCode.rawValue))")
        }
        return StoreError(path: path, operation: operation, reason: "\(error)")
    }

    public var description: String { "\(path): \(operation) failed: \(reason)" }
}
