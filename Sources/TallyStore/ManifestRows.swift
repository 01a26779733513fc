import Dispatch
import Foundation
import GRDB
import Synchronization
import TallyCore

/// Writes one manifest import inside a write transaction: the import record, the assets as they come
/// (in manifest order: the table's own order, no look-ups), then the loads and pallets.
///
/// A large import into a small table drops the serial index first and builds it again at the end
/// (sorting beats a random index insert per row); the transaction keeps it all or nothing.
struct ManifestRows {
    private let db: Database
    private let store: String
    private let source: String
    private let importID: Int64
    private let insertAsset: RawStatement
    private let rebuildIndex: Bool
    private var assetOrdinal: Int
    private let firstOrdinal: Int

    /// Assets written so far.
    var written: Int { assetOrdinal - firstOrdinal }

    init(_ db: Database, store: String, source: String, at: Date, expectedAssets: Int) throws {
        self.db = db
        self.store = store
        self.source = source
        try db.execute(sql: "INSERT INTO manifest_imports (at, source, assets) VALUES (?, ?, 0)", arguments: [UTCTimestamp.format(at), source])
        importID = db.lastInsertedRowID
        assetOrdinal = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(ordinal), 0) FROM assets") ?? 0
        firstOrdinal = assetOrdinal
        insertAsset = RawStatement(try db.makeStatement(sql: """
            INSERT INTO assets (serial, load, pallet, ordinal, asset_tag, make, model, category, data_bearing, sanitization, evidence, import_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """))
        let stored = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM assets") ?? 0
        rebuildIndex = expectedAssets >= Schema.indexRebuildThreshold && expectedAssets >= stored
        if rebuildIndex { try db.execute(sql: "DROP INDEX \(Schema.assetSerialIndex)") }
    }

    private func failure(_ reason: String) -> StoreError {
        StoreError(path: store, operation: "import manifest \(source)", reason: reason)
    }

    /// Appends assets; `progress` is told the count written every 10,000.
    mutating func insert(_ assets: some Sequence<ExpectedAsset>, progress: (Int) -> Void) throws {
        for asset in assets {
            assetOrdinal += 1
            do {
                try insertAsset.bind(Int64(assetOrdinal), 4)
                try insertAsset.bind(asset.dataBearing ? 1 : 0, 9)
                try insertAsset.bind(importID, 12)
                try insertAsset.execute(bindingTexts: [
                    (1, asset.serial), (2, asset.load), (3, asset.pallet), (5, asset.assetTag), (6, asset.make),
                    (7, asset.model), (8, asset.category), (10, asset.sanitization.rawValue), (11, asset.evidence),
                ][...])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                throw failure("serial \(asset.serial) was already imported")
            }
            if written % 10_000 == 0 { progress(written) }
        }
    }

    /// Writes the loads and pallets, records the count, and builds the serial index again if it was dropped.
    func finish(_ manifest: Manifest) throws {
        var loadOrdinal = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(ordinal), 0) FROM loads") ?? 0
        var palletOrdinal = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(ordinal), 0) FROM pallets") ?? 0
        let insertPallet = try db.makeStatement(sql: """
            INSERT INTO pallets (id, load, ordinal, declared_count, expected_weight, weight_unit, tolerance, import_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for load in manifest.loads {
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM loads WHERE id = ?", arguments: [load.id]) == true {
                throw failure("load \(load.id) was already imported")
            }
            loadOrdinal += 1
            try db.execute(sql: "INSERT INTO loads (id, ordinal, site, carrier, dock_door, import_id) VALUES (?, ?, ?, ?, ?, ?)",
                           arguments: [load.id, loadOrdinal, load.site, load.carrier, load.dockDoor, importID])
            for palletID in load.pallets {
                guard let pallet = manifest.pallets[palletID] else { continue }
                if try Bool.fetchOne(db, sql: "SELECT 1 FROM pallets WHERE id = ?", arguments: [palletID]) == true {
                    throw failure("pallet \(palletID) was already imported")
                }
                palletOrdinal += 1
                try insertPallet.execute(arguments: [
                    palletID, load.id, palletOrdinal, pallet.declaredCount, pallet.expectedWeight?.value.description,
                    pallet.expectedWeight?.unit.rawValue, pallet.tolerance?.text, importID])
            }
        }
        try db.execute(sql: "UPDATE manifest_imports SET assets = ? WHERE id = ?", arguments: [written, importID])
        if rebuildIndex {
            do {
                try db.execute(sql: "CREATE UNIQUE INDEX \(Schema.assetSerialIndex) ON assets(serial)")
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                // A serial of this manifest was imported before (the manifest itself has none twice): name one.
                let repeated = try String.fetchOne(db, sql: "SELECT serial FROM assets GROUP BY serial HAVING COUNT(*) > 1 LIMIT 1")
                throw failure("serial \(repeated ?? "?") was already imported")
            }
        }
    }
}

/// Hands batches of parsed assets from the parsing thread to the writer, a few batches at most in
/// flight (the parser waits when the writer is behind), then the parse's result.
final class AssetHandOver: Sendable {
    /// What the writer takes next.
    enum Item {
        case assets([ExpectedAsset])
        case done(Result<Manifest, any Error>)
    }

    private struct State {
        var batches: [[ExpectedAsset]] = []
        var result: Result<Manifest, any Error>?
        var abandoned = false
    }
    private let state = Mutex(State())
    /// Signalled once per batch or result put.
    private let available = DispatchSemaphore(value: 0)
    /// Free places for batches.
    private let room: DispatchSemaphore

    init(capacity: Int) {
        room = DispatchSemaphore(value: capacity)
    }

    /// Puts a batch, waiting while `capacity` batches wait for the writer; drops it once the writer gave up.
    func put(_ batch: [ExpectedAsset]) {
        guard !state.withLock({ $0.abandoned }) else { return }
        room.wait()
        let kept = state.withLock { state -> Bool in
            guard !state.abandoned else { return false }
            state.batches.append(batch)
            return true
        }
        if kept { available.signal() } else { room.signal() }
    }

    /// Puts the parse's result (after every batch).
    func finish(_ result: Result<Manifest, any Error>) {
        state.withLock { $0.result = result }
        available.signal()
    }

    /// The next batch, else the result once every batch is taken; waits for one.
    func take() -> Item {
        available.wait()
        return state.withLock { state -> Item in
            if !state.batches.isEmpty {
                room.signal()
                return .assets(state.batches.removeFirst())
            }
            return .done(state.result!)
        }
    }

    /// The writer stopped: later batches are dropped, and a parser waiting for room goes on.
    func abandon() {
        state.withLock {
            $0.abandoned = true
            $0.batches.removeAll()
        }
        room.signal()
    }
}
