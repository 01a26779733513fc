import Foundation
import GRDB
import TallyCore

/// The custody database: the append-only event log, the imported manifest and the alert projection,
/// in one SQLite file in WAL mode (system libsqlite3 through GRDB).
///
/// All methods are safe to call from any thread; writes are serialized by SQLite.
public final class CustodyStore: Sendable {
    /// The database file.
    public let path: String
    private let pool: DatabasePool

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    public init(path: String) throws(StoreError) {
        self.path = path
        do {
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            configuration.busyMode = .timeout(5)
            configuration.label = "tally"
            // A custody record must survive power loss: sync the WAL on every commit (group commits share it).
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // 64 MiB of page cache (the default is 2 MiB), so the serial index of a million-line
                // manifest import stays in memory instead of being written and re-read page by page.
                try db.execute(sql: "PRAGMA cache_size = -65536")
            }
            pool = try DatabasePool(path: path, configuration: configuration)
            try Schema.migrator().migrate(pool)
        } catch {
            throw StoreError.wrap(error, path: path, operation: "open")
        }
    }

    // MARK: - Events

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Appends `event` as number `expectedSeq`, with the alerts its `outcome` raised or changed, in one
    /// transaction.
    ///
    /// The caller (the recorder) applied the event to the core first, so it passes the number it expects
    /// the log to give; the append fails if another writer took it.
    /// - Returns: the recorded event.
    @discardableResult
    public func append(_ event: CustodyEvent, expectedSeq: Int64, outcome: Outcome) throws(StoreError) -> RecordedEvent {
        try append(batch: [(event, outcome)], firstSeq: expectedSeq)[0]
    }

    /// Appends several events in one transaction (a group commit), numbered from `firstSeq`.
    @discardableResult
    public func append(batch: [(event: CustodyEvent, outcome: Outcome)], firstSeq: Int64) throws(StoreError) -> [RecordedEvent] {
        do {
            return try pool.write { db in
                let last = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM events") ?? 0
                guard last + 1 == firstSeq else {
                    throw StoreError(path: path, operation: "append event",
                                     reason: "sequence conflict: the log ends at \(last), the event expected \(firstSeq - 1)")
                }
                let insertEvent = RawStatement(try db.cachedStatement(sql: """
                    INSERT INTO events (seq, at, type, station, device, payload, raw, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """))
                var previous = try Data.fetchOne(db, sql: "SELECT hash FROM events WHERE seq = ?", arguments: [last]).map { [UInt8]($0) }
                    ?? HashChain.genesis
                var recorded: [RecordedEvent] = []
                recorded.reserveCapacity(batch.count)
                for (offset, item) in batch.enumerated() {
                    let seq = firstSeq + Int64(offset)
                    let row = EventRow(
                        seq: seq, at: UTCTimestamp.format(item.event.at), type: item.event.payload.type,
                        station: item.event.payload.station, device: item.event.payload.device,
                        payload: try PayloadJSON.encode(item.event.payload),
                        raw: item.event.payload.raw)
                    let hash = HashChain.link(previous: previous, row: row)
                    try insertEvent.bind(seq, 1)
                    try insertEvent.bind(row.at, 2)
                    try insertEvent.bind(row.type, 3)
                    try insertEvent.bind(row.station, 4)
                    try insertEvent.bind(row.device, 5)
                    try insertEvent.bind(row.payload, 6)
                    try insertEvent.bind(row.raw, 7)
                    try insertEvent.bind(previous, 8)
                    try insertEvent.bind(hash, 9)
                    try insertEvent.execute()
                    previous = hash
                    for alert in item.outcome.alerts + item.outcome.changedAlerts {
                        try Self.save(alert, db)
                    }
                    recorded.append(RecordedEvent(seq: seq, event: item.event))
                }
                return recorded
            }
        } catch {
            throw StoreError.wrap(error, path: path, operation: "append event")
        }
    }

    private static func json(_ value: (some Encodable)?) throws -> String? {
        guard let value else { return nil }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Writes an alert into the projection (new, or as it now stands after an acknowledgement or resolution).
    private static func save(_ alert: Alert, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT OR REPLACE INTO alerts (id, seq, code, severity, load, pallet, subject, station, device, candidate, message,
                                           state, acknowledgement, resolution)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [
                alert.id, alert.seq, alert.code.rawValue, alert.severity.rawValue, alert.load, alert.pallet, alert.subject,
                alert.station, alert.device, alert.candidate, alert.message, alert.state.rawValue,
                try json(alert.acknowledgement), try json(alert.resolution)])
    }

    /// The sequence number of the last event (0 for an empty log).
    public func lastSeq() throws(StoreError) -> Int64 {
        do {
            return try pool.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM events") ?? 0 }
        } catch {
            throw StoreError.wrap(error, path: path, operation: "read the log")
        }
    }

    /// Walks the whole log in storage order and checks every event's hash link.
    ///
    /// - Returns: the report, naming the first bad sequence number when a row was edited, deleted, inserted
    ///   or reordered.
    public func verifyChain() throws(StoreError) -> ChainReport {
        do {
            return try pool.read { db in
                var verifier = ChainVerifier()
                let rows = try Row.fetchCursor(db, sql: "SELECT seq, at, type, station, device, payload, raw, prev_hash, hash FROM events ORDER BY rowid")
                while let row = try rows.next() {
                    let raw: Data? = row["raw"]
                    let event = EventRow(seq: row["seq"], at: row["at"], type: row["type"], station: row["station"], device: row["device"],
                                         payload: row["payload"], raw: raw.map { [UInt8]($0) })
                    let prevHash: Data? = row["prev_hash"], hash: Data? = row["hash"]
                    if !verifier.check(event, prevHash: [UInt8](prevHash ?? Data()), hash: [UInt8](hash ?? Data())) { break }
                }
                return verifier.report
            }
        } catch {
            throw StoreError.wrap(error, path: path, operation: "verify the log")
        }
    }

    /// Every event with a sequence number above `after`, in order.
    public func events(after: Int64 = 0) throws(StoreError) -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        try forEachEvent(after: after) { events.append($0) }
        return events
    }

    /// Calls `body` with every event above `after`, in order, without holding the whole log in memory.
    public func forEachEvent(after: Int64 = 0, _ body: (RecordedEvent) throws -> Void) throws(StoreError) {
        do {
            let decoder = JSONDecoder()
            try pool.read { db in
                let rows = RawStatement(try db.makeStatement(
                    sql: "SELECT seq, at, type, station, device, raw, payload FROM events WHERE seq > ? ORDER BY seq"))
                try rows.bind(after, 1)
                while try rows.step() {
                    let seq = rows.int64(0) ?? 0
                    let atText = rows.text(1) ?? ""
                    guard let at = UTCTimestamp.parse(atText) else {
                        throw StoreError(path: path, operation: "read the log", reason: "event \(seq): bad timestamp '\(atText)'")
                    }
                    let payload: EventPayload
                    do {
                        payload = try PayloadJSON.decode(type: rows.text(2) ?? "", station: rows.text(3), device: rows.text(4), raw: rows.blob(5),
                                                         payload: { rows.text(6) ?? "" }, decoder: decoder)
                    } catch {
                        throw StoreError(path: path, operation: "read the log", reason: "event \(seq): unreadable payload: \(error)")
                    }
                    try body(RecordedEvent(seq: seq, event: CustodyEvent(at: at, payload)))
                }
            }
        } catch {
            throw StoreError.wrap(error, path: path, operation: "read the log")
        }
    }

    /// Every alert in the projection, in the order raised.
    public func alerts() throws(StoreError) -> [Alert] {
        do {
            return try pool.read { db in
                let decoder = JSONDecoder()
                func action(_ text: String?, _ id: Int64) throws -> AlertAction? {
                    guard let text else { return nil }
                    do { return try decoder.decode(AlertAction.self, from: Data(text.utf8)) } catch {
                        throw StoreError(path: path, operation: "read alerts", reason: "alert #\(id): unreadable action: \(error)")
                    }
                }
                return try Row.fetchAll(db, sql: "SELECT * FROM alerts ORDER BY id").map { row -> Alert in
                    let id: Int64 = row["id"]
                    guard let code = AlertCode(rawValue: row["code"]), let state = AlertState(rawValue: row["state"]) else {
                        throw StoreError(path: path, operation: "read alerts", reason: "alert #\(id): unknown code or state")
                    }
                    return Alert(id: id, seq: row["seq"], code: code, load: row["load"], pallet: row["pallet"], subject: row["subject"],
                                 station: row["station"], device: row["device"], candidate: row["candidate"], message: row["message"],
                                 state: state, acknowledgement: try action(row["acknowledgement"], id),
                                 resolution: try action(row["resolution"], id))
                }
            }
        } catch {
            throw StoreError.wrap(error, path: path, operation: "read alerts")
        }
    }

    // MARK: - Manifest

    /// Imports a parsed manifest in one transaction: either every row is stored, or none is.
    ///
    /// A serial or pallet already imported from an earlier manifest rejects the whole import.
    /// - Returns: the number of assets imported.
    @discardableResult
    public func importManifest(
        _ manifest: Manifest, source: String, at: Date = Date(), progress: ((_ written: Int, _ total: Int) -> Void)? = nil
    ) throws(StoreError) -> Int {
        do {
            return try pool.write { db in
                var rows = try ManifestRows(db, store: path, source: source, at: at, expectedAssets: manifest.assets.count)
                try rows.insert(manifest.assets.values) { progress?($0, manifest.assets.count) }
                try rows.finish(manifest)
                progress?(manifest.assets.count, manifest.assets.count)
                return manifest.assets.count
            }
        } catch {
            throw StoreError.wrap(error, path: path, operation: "import manifest \(source)")
        }
    }

    /// Imports a manifest while it is being parsed, in one transaction: `parse` runs on its own thread and
    /// hands over assets in batches as their rows pass; they are written as they come, and the loads and
    /// pallets once the parse returns the whole manifest. A parse error or a serial, pallet or load imported
    /// before rolls everything back.
    ///
    /// - Parameters:
    ///   - expectedAssets: about how many assets the file holds (it decides how the serial index is kept).
    ///   - parse: parses the file, calling `deliver` with each batch of checked assets in file order, and
    ///     returns the manifest (which must hold exactly the delivered assets).
    /// - Returns: the manifest.
    /// - Throws: the parse's own error, or ``StoreError``.
    public func importManifest(
        source: String, at: Date = Date(), expectedAssets: Int,
        streaming parse: @escaping @Sendable (_ deliver: @escaping @Sendable ([ExpectedAsset]) -> Void) throws -> Manifest
    ) throws -> Manifest {
        let hand = AssetHandOver(capacity: 8)
        let parser = Thread {
            do {
                hand.finish(.success(try parse { hand.put($0) }))
            } catch {
                hand.finish(.failure(error))
            }
        }
        parser.name = "tally.manifest-parse"
        parser.start()
        do {
            return try pool.write { db in
                var rows = try ManifestRows(db, store: path, source: source, at: at, expectedAssets: expectedAssets)
                while true {
                    switch hand.take() {
                    case .assets(let batch):
                        try rows.insert(batch) { _ in }
                    case .done(.success(let manifest)):
                        guard manifest.assets.count == rows.written else {
                            throw StoreError(path: path, operation: "import manifest \(source)",
                                             reason: "the parse delivered \(rows.written) assets but its manifest holds \(manifest.assets.count)")
                        }
                        try rows.finish(manifest)
                        return manifest
                    case .done(.failure(let error)):
                        throw error
                    }
                }
            }
        } catch let error as StoreError {
            hand.abandon()
            throw error
        } catch let error as DatabaseError {
            hand.abandon()
            throw StoreError.wrap(error, path: path, operation: "import manifest \(source)")
        } catch {
            hand.abandon()
            throw error
        }
    }

    /// The manifest as imported so far (every import, in import order).
    public func manifest() throws(StoreError) -> Manifest {
        do {
            return try pool.read { db in
                var manifest = Manifest()
                let loads = try Row.fetchAll(db, sql: "SELECT * FROM loads ORDER BY ordinal")
                let pallets = try Row.fetchAll(db, sql: "SELECT * FROM pallets ORDER BY ordinal")
                for row in pallets {
                    try manifest.addPallet(id: row["id"], load: row["load"])
                }
                manifest.reserveCapacity(assets: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM assets") ?? 0)
                let assets = RawStatement(try db.makeStatement(sql: """
                    SELECT serial, asset_tag, make, model, category, data_bearing, sanitization, evidence, pallet, load
                    FROM assets ORDER BY ordinal
                    """))
                while try assets.step() {
                    let serial = assets.text(0) ?? ""
                    guard let sanitization = assets.text(6).flatMap(Sanitization.init(rawValue:)) else {
                        throw StoreError(path: path, operation: "read manifest", reason: "asset \(serial): bad sanitization")
                    }
                    try manifest.add(ExpectedAsset(
                        serial: serial, assetTag: assets.text(1), make: assets.text(2), model: assets.text(3),
                        category: assets.text(4), dataBearing: assets.int64(5) == 1, sanitization: sanitization,
                        evidence: assets.text(7), pallet: assets.text(8) ?? "", load: assets.text(9) ?? ""))
                }
                for row in loads {
                    manifest.setLoadDetails(load: row["id"], site: row["site"], carrier: row["carrier"], dockDoor: row["dock_door"])
                }
                for row in pallets {
                    manifest.setDeclaredCount(pallet: row["id"], count: row["declared_count"])
                    guard let text: String = row["expected_weight"], let unitText: String = row["weight_unit"] else { continue }
                    guard let unit = WeightUnit(symbol: unitText), let weight = Weight(displayed: text, unit: unit) else {
                        throw StoreError(path: path, operation: "read manifest", reason: "pallet \(row["id"] as String): bad weight '\(text) \(unitText)'")
                    }
                    let tolerance = (row["tolerance"] as String?).flatMap { WeightTolerance(parsing: $0, defaultUnit: unit) }
                    manifest.setExpectedWeight(pallet: row["id"], weight: weight, tolerance: tolerance)
                }
                return manifest
            }
        } catch {
            throw StoreError.wrap(error, path: path, operation: "read manifest")
        }
    }
}

extension CustodyStore {
    /// Runs raw SQL against the database. Only for tests that prove the log's protections hold.
    func executeForTesting(_ sql: String) throws {
        try pool.write { db in try db.execute(sql: sql) }
    }
}
