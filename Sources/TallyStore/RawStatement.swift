import GRDB
import GRDBSQLite

/// Direct binding and column reads on a GRDB statement, for the store's hot loops (bulk import, event
/// append, log replay), where building GRDB argument arrays and rows per record costs more than SQLite.
///
/// Only the store uses it, inside GRDB's own database access blocks, on statements GRDB prepared and
/// owns; every SQLite result code is checked and turned into a `DatabaseError` with SQLite's message.
struct RawStatement {
    private let statement: Statement
    private var handle: OpaquePointer { statement.sqliteStatement }

    /// SQLite copies bound text and blobs (the destructor value `SQLITE_TRANSIENT`).
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    init(_ statement: Statement) { self.statement = statement }

    private func check(_ code: Int32, _ what: @autoclosure () -> String) throws {
        guard code == SQLITE_OK else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: "\(what()): \(String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))))",
                                sql: statement.sql)
        }
    }

    func bind(_ value: String?, _ index: Int32) throws {
        guard let value else { return try check(sqlite3_bind_null(handle, index), "bind") }
        var copy = value
        try copy.withUTF8 { bytes in
            if let base = bytes.baseAddress {
                let text = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
                try check(sqlite3_bind_text(handle, index, text, Int32(bytes.count), Self.transient), "bind")
            } else {
                try check(sqlite3_bind_text(handle, index, "", 0, Self.transient), "bind")
            }
        }
    }

    func bind(_ value: Int64?, _ index: Int32) throws {
        guard let value else { return try check(sqlite3_bind_null(handle, index), "bind") }
        try check(sqlite3_bind_int64(handle, index, value), "bind")
    }

    func bind(_ value: [UInt8]?, _ index: Int32) throws {
        guard let value else { return try check(sqlite3_bind_null(handle, index), "bind") }
        try value.withUnsafeBytes { bytes in
            // A zero-length blob still needs a non-null pointer to be a blob rather than NULL.
            try check(sqlite3_bind_blob(handle, index, bytes.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(bytes.count), Self.transient), "bind")
        }
    }

    /// Binds text columns without copying them and runs the statement while they are bound: each value's
    /// UTF-8 stays valid for the nested closures, and the statement is reset (releasing the pointers)
    /// before they end.
    func execute(bindingTexts texts: ArraySlice<(index: Int32, value: String?)>) throws {
        guard let (index, value) = texts.first else { return try execute() }
        guard var value else {
            try check(sqlite3_bind_null(handle, index), "bind")
            return try execute(bindingTexts: texts.dropFirst())
        }
        try value.withUTF8 { bytes in
            let text = bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }
            // A nil destructor is SQLITE_STATIC: SQLite reads the caller's buffer until the statement is reset.
            try check(sqlite3_bind_text(handle, index, text ?? UnsafePointer(bitPattern: 1), Int32(bytes.count), nil), "bind")
            try execute(bindingTexts: texts.dropFirst())
        }
    }

    /// Runs an INSERT or UPDATE to completion and resets the statement for the next row.
    func execute() throws {
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        guard code == SQLITE_DONE else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))), sql: statement.sql)
        }
    }

    /// Steps a query: true with a row to read, false at the end.
    func step() throws -> Bool {
        let code = sqlite3_step(handle)
        switch code {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(sqlite3_db_handle(handle))), sql: statement.sql)
        }
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    func int64(_ column: Int32) -> Int64? { isNull(column) ? nil : sqlite3_column_int64(handle, column) }

    func blob(_ column: Int32) -> [UInt8]? {
        guard !isNull(column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
