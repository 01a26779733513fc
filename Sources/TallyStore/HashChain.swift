/// One stored row of the custody log: the columns of `events` that the hash chain covers.
///
/// `prev_hash` and `hash` are not part of the row; they are what the chain computes from it.
public struct EventRow: Sendable, Hashable {
    /// The sequence number (`events.seq`), 1 for the first event.
    public var seq: Int64
    /// The timestamp text exactly as stored (`events.at`).
    public var at: String
    /// The event type (`events.type`).
    public var type: String
    /// The station, or nil when the column is NULL.
    public var station: String?
    /// The device, or nil when the column is NULL.
    public var device: String?
    /// The payload text exactly as stored (`events.payload`, JSON).
    public var payload: String
    /// The raw device bytes, or nil when the column is NULL.
    public var raw: [UInt8]?

    /// Creates a row from its column values.
    public init(seq: Int64, at: String, type: String, station: String?, device: String?, payload: String, raw: [UInt8]?) {
        self.seq = seq
        self.at = at
        self.type = type
        self.station = station
        self.device = device
        self.payload = payload
        self.raw = raw
    }
}

/// The custody log's hash chain: every event is linked to the one before it by SHA-256, so editing, deleting,
/// inserting or reordering any stored event breaks the chain from that event on.
///
/// For event `n`:
///
///     prev_hash(n) = hash(n - 1)                (prev_hash(1) = genesis = 32 zero bytes)
///     hash(n)      = SHA-256( prev_hash(n) || canonicalBytes(row n) )
///
/// where `||` is byte concatenation and both hashes are the raw 32-byte digests (not hex).
/// See `canonicalBytes(_:)` for the exact encoding of a row.
///
/// The chain proves the log is internally consistent; it cannot by itself detect the newest events being
/// removed from the end (the shortened log is still a valid chain). Record `ChainReport.lastSeq` and
/// `ChainReport.lastHash` somewhere else (a printed receipt, a second system) and compare them to detect that.
public enum HashChain {
    /// The `prev_hash` of the first event: 32 zero bytes.
    public static let genesis: [UInt8] = [UInt8](repeating: 0, count: 32)

    /// The version tag that opens every canonical encoding.
    public static let tag = "tally-event-v1"

    /// The length word written for an absent (NULL) field: 0xFFFFFFFF.
    public static let absentLength: UInt32 = 0xFFFF_FFFF

    /// The canonical byte encoding of `row`, the input (after `prev_hash`) of the row's hash.
    ///
    /// The encoding is a sequence of exactly eight fields. Each field is written as a 4-byte big-endian
    /// unsigned length `L` followed by `L` bytes; an absent (SQL NULL) field is written as the four bytes
    /// `FF FF FF FF` followed by nothing, so absent and empty (`00 00 00 00`) never encode alike.
    /// The fields, in order:
    ///
    /// 1. the tag: the 14 ASCII bytes `tally-event-v1` (so the encoding starts `00 00 00 0E 74 61 6C 6C ...`);
    /// 2. `seq`: the sequence number in decimal ASCII, no sign for positive numbers, no leading zeros (`1`, `42`);
    /// 3. `at`: the UTF-8 bytes of the stored text;
    /// 4. `type`: the UTF-8 bytes of the stored text;
    /// 5. `station`: the UTF-8 bytes of the stored text, or absent;
    /// 6. `device`: the UTF-8 bytes of the stored text, or absent;
    /// 7. `payload`: the UTF-8 bytes of the stored text (the JSON exactly as stored, not re-serialized);
    /// 8. `raw`: the stored bytes, or absent.
    ///
    /// Text is taken byte for byte as stored (no Unicode normalization, no trimming). Nothing follows the
    /// eighth field. Example: seq 7, at `2024-05-01T10:00:00Z`, type `scan`, station `S1`, device NULL,
    /// payload `{}`, raw empty encodes as
    ///
    ///     00 00 00 0E "tally-event-v1"  00 00 00 01 "7"  00 00 00 14 "2024-05-01T10:00:00Z"
    ///     00 00 00 04 "scan"  00 00 00 02 "S1"  FF FF FF FF  00 00 00 02 "{}"  00 00 00 00
    ///
    /// and an auditor can recompute a hash with standard tools, e.g. by writing `prev_hash` (32 raw bytes)
    /// followed by these bytes to a file and running `sha256sum` on it.
    ///
    /// - Precondition: every field is shorter than 0xFFFFFFFF bytes (SQLite limits values to under 2^31 bytes).
    public static func canonicalBytes(_ row: EventRow) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(
            8 * 4 + tag.utf8.count + 20 + row.at.utf8.count + row.type.utf8.count + (row.station?.utf8.count ?? 0)
                + (row.device?.utf8.count ?? 0) + row.payload.utf8.count + (row.raw?.count ?? 0))
        encode(row, into: &bytes)
        return bytes
    }

    /// The hash of `row` when it follows a row whose hash is `previous`:
    /// `SHA-256(previous || canonicalBytes(row))`, 32 bytes.
    ///
    /// `previous` is `genesis` for the first event. The row is streamed into the hasher, not copied.
    public static func link(previous: [UInt8], row: EventRow) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(previous)
        encode(row, into: &hasher)
        return hasher.finalize()
    }

    /// Walks `rows` in the order given and reports the first break in the chain, if any.
    ///
    /// The first row must have seq 1 and `prevHash` equal to `genesis`; each later row must have the next
    /// sequence number and the previous row's hash as its `prevHash`, and every row's `hash` must equal
    /// `link(previous: prevHash, row: row)`. Rows are consumed one at a time and not retained, and the walk
    /// stops at the first failure. To check only the rows after a known-good point, use `ChainVerifier`.
    public static func verify(rows: some Sequence<(row: EventRow, prevHash: [UInt8], hash: [UInt8])>) -> ChainReport {
        var verifier = ChainVerifier()
        for entry in rows {
            guard verifier.check(entry.row, prevHash: entry.prevHash, hash: entry.hash) else { break }
        }
        return verifier.report
    }

    // MARK: - Encoding

    /// Writes the canonical encoding of `row` into `sink` (an array or a hasher).
    private static func encode(_ row: EventRow, into sink: inout some CanonicalSink) {
        sink.field(tag.utf8)
        sink.field(String(row.seq).utf8)
        sink.field(row.at.utf8)
        sink.field(row.type.utf8)
        sink.optionalField(row.station?.utf8)
        sink.optionalField(row.device?.utf8)
        sink.field(row.payload.utf8)
        sink.optionalField(row.raw)
    }
}

/// Where the canonical encoding is written: a byte array (`canonicalBytes`) or straight into a hasher (`link`).
private protocol CanonicalSink {
    mutating func append(_ bytes: some Collection<UInt8>)
}

extension CanonicalSink {
    /// A present field: its length as 4 bytes big-endian, then its bytes.
    mutating func field(_ bytes: some Collection<UInt8>) {
        let count = bytes.count
        precondition(count < Int(HashChain.absentLength), "an event field of \(count) bytes is too long for the hash chain")
        lengthWord(UInt32(count))
        append(bytes)
    }

    /// A field that may be absent: absent is the length word 0xFFFFFFFF and no bytes.
    mutating func optionalField(_ bytes: (some Collection<UInt8>)?) {
        if let bytes { field(bytes) } else { lengthWord(HashChain.absentLength) }
    }

    private mutating func lengthWord(_ value: UInt32) {
        let word = value.bigEndian
        withUnsafeBytes(of: word) { append($0) }
    }
}

extension Array: CanonicalSink where Element == UInt8 {
    fileprivate mutating func append(_ bytes: some Collection<UInt8>) { append(contentsOf: bytes) }
}

extension SHA256: CanonicalSink {
    fileprivate mutating func append(_ bytes: some Collection<UInt8>) { update(bytes) }
}

/// The outcome of verifying (part of) the custody log's hash chain.
public struct ChainReport: Sendable, CustomStringConvertible {
    /// True when every row given was in sequence and correctly linked and hashed.
    public var isValid: Bool { failure == nil }
    /// The number of rows that verified (all rows when valid; the rows before the failing one otherwise).
    public var checked: Int
    /// The seq of the last row that verified: where a valid log ends, or the last good row before a failure
    /// (0 when no row verified and the walk began at genesis).
    public var lastSeq: Int64
    /// The hash of the last row that verified, as lowercase hex (the genesis hash, 64 zeros, when none did).
    /// Together with `lastSeq` this is the anchor to record outside the database.
    public var lastHash: String
    /// The first failure: the seq of the offending row as stored, and why it failed. Nil when valid.
    public var failure: (seq: Int64, reason: String)?

    /// Creates a report.
    public init(checked: Int, lastSeq: Int64, lastHash: String, failure: (seq: Int64, reason: String)?) {
        self.checked = checked
        self.lastSeq = lastSeq
        self.lastHash = lastHash
        self.failure = failure
    }

    /// One line for people: `chain intact: 1000 events, last seq 1000, hash 9f…` or
    /// `chain broken at seq 42: … (41 events verified before it)`.
    public var description: String {
        if let failure {
            return "chain broken at seq \(failure.seq): \(failure.reason) (\(checked) events verified before it)"
        }
        return "chain intact: \(checked) events, last seq \(lastSeq), hash \(lastHash)"
    }
}

/// Verifies the hash chain one row at a time, so rows can come from a database cursor (which may throw)
/// without being held in memory. `HashChain.verify(rows:)` is this verifier run over a sequence.
///
/// ```swift
/// var verifier = ChainVerifier()
/// while let row = try cursor.next() {
///     guard verifier.check(eventRow(row), prevHash: row["prev_hash"], hash: row["hash"]) else { break }
/// }
/// print(verifier.report)
/// ```
///
/// Rows are checked in the order given, in this order of tests, and the first failure is kept:
/// 1. sequence: the row's seq must be exactly one more than the previous row's (deleted, inserted or
///    reordered rows show up here, at the row where the gap is found);
/// 2. link: its `prevHash` must equal the previous row's hash (genesis for the first row);
/// 3. content: its `hash` must equal `HashChain.link(previous: prevHash, row: row)` (an edited row).
public struct ChainVerifier: Sendable {
    private var expectedSeq: Int64
    private var previousHash: [UInt8]
    private var checked = 0
    private var failure: (seq: Int64, reason: String)?

    /// A verifier for a log checked from its start (first seq 1, previous hash genesis), or from a known-good
    /// point: the rows after `seq` whose hash was `hash` (for example a previous report's `lastSeq` and
    /// `lastHash` decoded with `SHA256.bytes(hex:)`).
    public init(after seq: Int64 = 0, hash: [UInt8] = HashChain.genesis) {
        expectedSeq = seq + 1
        previousHash = hash
    }

    /// Checks the next row with its stored `prevHash` and `hash`.
    ///
    /// - Returns: true while the chain is intact; false once a failure has been found (this row or an earlier
    ///   one). Rows given after a failure are ignored.
    @discardableResult
    public mutating func check(_ row: EventRow, prevHash: [UInt8], hash: [UInt8]) -> Bool {
        guard failure == nil else { return false }
        guard row.seq == expectedSeq else {
            let what = row.seq > expectedSeq
                ? "\(row.seq - expectedSeq) row(s) missing before it, or rows reordered"
                : "a repeated or out-of-order row"
            failure = (row.seq, "sequence gap or reordering: expected seq \(expectedSeq), found \(row.seq) (\(what))")
            return false
        }
        guard prevHash == previousHash else {
            let previous = expectedSeq == 1 && previousHash == HashChain.genesis ? "the genesis hash" : "the hash of seq \(expectedSeq - 1)"
            failure = (row.seq, "broken link: prev_hash \(Self.describe(prevHash)) does not equal \(previous) \(SHA256.hex(previousHash))")
            return false
        }
        let recomputed = HashChain.link(previous: prevHash, row: row)
        guard hash == recomputed else {
            failure = (row.seq, "hash mismatch: stored \(Self.describe(hash)), recomputed \(SHA256.hex(recomputed)) (the row's contents were changed)")
            return false
        }
        previousHash = recomputed
        expectedSeq += 1
        checked += 1
        return true
    }

    /// The report so far: the rows verified, the last good row, and the first failure if one was found.
    public var report: ChainReport {
        ChainReport(checked: checked, lastSeq: expectedSeq - 1, lastHash: SHA256.hex(previousHash), failure: failure)
    }

    /// A stored hash for a message: its hex, noting a wrong length.
    private static func describe(_ hash: [UInt8]) -> String {
        hash.count == SHA256.digestByteCount ? SHA256.hex(hash) : "\(SHA256.hex(hash)) (\(hash.count) bytes, not 32)"
    }
}
