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

    /// Appends `event` with the next sequence number and the `alerts` it raised, in one transaction.
    ///
    /// The alerts are produced by the caller from the sequence number the log will give the event, so
    /// the caller passes the number it expects; the append fails if another writer took it.
    /// - Returns: the recorded event.
    @discardableResult
    public func append(_ event: CustodyEvent, expectedSeq: Int64, alerts: [Alert]) throws(StoreError) -> RecordedEvent {
        do {
            let payload = String(decoding: try Self.encoder.encode(event.payload), as: UTF8.self)
            return try pool.write { db in
                let last = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM events") ?? 0
                guard last + 1 == expectedSeq else {
                    throw StoreError(path: path, operation: "append event",
                                     reason: "sequence conflict: the log ends at \(last), the event expected \(expectedSeq - 1)")
                }
                try db.execute(
                    sql: "INSERT INTO events (seq, at, type, station, device, payload, raw) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    arguments: [expectedSeq, UTCTimestamp.format(event.at), event.payload.type, event.payload.station,
                                event.payload.device, payload, event.payload.raw.map { Data($0) }])
                for alert in alerts {
                    try Self.insert(alert, db)
                }
                return RecordedEvent(seq: expectedSeq, event: event)
            }
        } catch {
            throw StoreError.wrap(error, path: path, operation: "append event")
        }
    }

    private static func insert(_ alert: Alert, _ db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO alerts (seq, code, severity, load, pallet, subject, station, device, candidate, message)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [alert.seq, alert.code.rawValue, alert.severity.rawValue, alert.load, alert.pallet, alert.subject,
                        alert.station, alert.device, alert.candidate, alert.message])
    }

    /// The sequence number of the last event (0 for an empty log).
    public func lastSeq() throws(StoreError) -> Int64 {
        do {
            return try pool.read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(seq), 0) FROM events") ?? 0 }
        } catch {
            throw StoreError.wrap(error, path: path, operation: "read the log")
        }
    }

    /// Every event with a sequence number above `after`, in order.
    public func events(after: Int64 = 0) throws(StoreError) -> [RecordedEvent] {
        do {
            let decoder = JSONDecoder()
            return try pool.read { db in
                let rows = try Row.fetchCursor(db, sql: "SELECT seq, at, payload FROM events WHERE seq > ? ORDER BY seq", arguments: [after])
                var events: [RecordedEvent] = []
                while let row = try rows.next() {
                    let seq: Int64 = row["seq"]
                    let atText: String = row["at"]
                    guard let at = UTCTimestamp.parse(atText) else {
                        throw StoreError(path: path, operation: "read the log", reason: "event \(seq): bad timestamp '\(atText)'")
                    }
                    let payloadText: String = row["payload"]
                    let payload: EventPayload
                    do {
                        payload = try decoder.decode(EventPayload.self, from: Data(payloadText.utf8))
                    } catch {
                        throw StoreError(path: path, operation: "read the log", reason: "event \(seq): unreadable payload: \(error)")
                    }
                    events.append(RecordedEvent(seq: seq, event: CustodyEvent(at: at, payload)))
                }
                return events
            }
        } catch {
            throw StoreError.wrap(error, path: path, operation: "read the log")
        }
    }

    /// Every alert in the projection, in the order raised.
    public func alerts() throws(StoreError) -> [Alert] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM alerts ORDER BY id").compactMap { row -> Alert? in
                    guard let code = AlertCode(rawValue: row["code"]) else { return nil }
                    return Alert(seq: row["seq"], code: code, load: row["load"], pallet: row["pallet"], subject: row["subject"],
                                 station: row["station"], device: row["device"], candidate: row["candidate"], message: row["message"])
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
    public func importManifest(_ manifest: Manifest, source: String, at: Date = Date()) throws(StoreError) -> Int {
        do {
            return try pool.write { db in
                try db.execute(sql: "INSERT INTO manifest_imports (at, source, assets) VALUES (?, ?, ?)",
                               arguments: [UTCTimestamp.format(at), source, manifest.assets.count])
                let importID = db.lastInsertedRowID
                var palletOrdinal = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(ordinal), 0) FROM pallets") ?? 0
                var assetOrdinal = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(ordinal), 0) FROM assets") ?? 0
                let insertPallet = try db.makeStatement(sql: """
                    INSERT INTO pallets (id, load, ordinal, expected_weight, weight_unit, tolerance, import_id) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """)
                let insertAsset = try db.makeStatement(sql: """
                    INSERT INTO assets (serial, load, pallet, ordinal, asset_tag, make, model, category, data_bearing, sanitization, evidence, import_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
                for load in manifest.loads {
                    for palletID in load.pallets {
                        guard let pallet = manifest.pallets[palletID] else { continue }
                        if try Bool.fetchOne(db, sql: "SELECT 1 FROM pallets WHERE id = ?", arguments: [palletID]) == true {
                            throw StoreError(path: path, operation: "import manifest \(source)", reason: "pallet \(palletID) was already imported")
                        }
                        palletOrdinal += 1
                        try insertPallet.execute(arguments: [
                            palletID, load.id, palletOrdinal, pallet.expectedWeight?.value.description,
                            pallet.expectedWeight?.unit.rawValue, pallet.tolerance?.text, importID])
                        for serial in pallet.assets {
                            guard let asset = manifest.assets[serial] else { continue }
                            assetOrdinal += 1
                            do {
                                try insertAsset.execute(arguments: [
                                    serial, asset.load, asset.pallet, assetOrdinal, asset.assetTag, asset.make, asset.model,
                                    asset.category, asset.dataBearing, asset.sanitization.rawValue, asset.evidence, importID])
                            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                                throw StoreError(path: path, operation: "import manifest \(source)", reason: "serial \(serial) was already imported")
                            }
                        }
                    }
                }
                return manifest.assets.count
            }
        } catch {
            throw StoreError.wrap(error, path: path, operation: "import manifest \(source)")
        }
    }

    /// The manifest as imported so far (every import, in import order).
    public func manifest() throws(StoreError) -> Manifest {
        do {
            return try pool.read { db in
                var manifest = Manifest()
                let pallets = try Row.fetchAll(db, sql: "SELECT * FROM pallets ORDER BY ordinal")
                for row in pallets {
                    try manifest.addPallet(id: row["id"], load: row["load"])
                }
                let assets = try Row.fetchCursor(db, sql: "SELECT * FROM assets ORDER BY ordinal")
                while let row = try assets.next() {
                    guard let sanitization = Sanitization(rawValue: row["sanitization"]) else {
                        throw StoreError(path: path, operation: "read manifest", reason: "asset \(row["serial"] as String): bad sanitization")
                    }
                    try manifest.add(ExpectedAsset(
                        serial: row["serial"], assetTag: row["asset_tag"], make: row["make"], model: row["model"],
                        category: row["category"], dataBearing: row["data_bearing"], sanitization: sanitization,
                        evidence: row["evidence"], pallet: row["pallet"], load: row["load"]))
                }
                for row in pallets {
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
