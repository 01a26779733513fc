import Foundation
import GRDB
import TallyCore
import TallyTestSupport
import XCTest
@testable import TallyStore

/// A large import rebuilds the serial index by sorting; whichever way it goes, a serial is unique across
/// every import, a repeat names the serial and writes nothing, and older databases are migrated.
final class ManifestImportIndexTests: XCTestCase {
    private func csv(_ serials: some Sequence<String>, load: String) -> String {
        "load,pallet,serial,data_bearing,sanitization\n" + serials.enumerated().map { "\(load),\(load)-P\($0.offset / 100),\($0.element),false,none" }.joined(separator: "\n")
    }

    private func manifest(_ text: String) throws -> Manifest { try ManifestCSV.parse(Array(text.utf8), file: "big.csv") }

    private func indexes(_ path: String) throws -> [String] {
        try DatabaseQueue(path: path).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'assets' ORDER BY name")
        }
    }

    private func assetCount(_ path: String) throws -> Int {
        try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM assets") ?? -1 }
    }

    func testALargeImportRebuildsTheIndexAndARepeatedSerialIsRefusedWhole() throws {
        let path = try ScratchDirectory.make("tally-index", removedAfter: self).appendingPathComponent("big.sqlite").path
        let count = Schema.indexRebuildThreshold
        do {
            let store = try CustodyStore(path: path)
            XCTAssertEqual(try store.importManifest(try manifest(csv(["EARLY-1", "EARLY-2"], load: "L0")), source: "small.csv"), 2)
            // A large import (the index is dropped and rebuilt) that repeats a serial of the small one near its end.
            var serials = (0..<count).map { "NEW\($0)" }
            serials[count - 3] = "EARLY-2"
            XCTAssertThrowsError(try store.importManifest(try manifest(csv(serials, load: "L2")), source: "again.csv")) { error in
                XCTAssertTrue("\(error)".contains("serial EARLY-2 was already imported"), "\(error)")
            }
            XCTAssertEqual(try store.manifest().assets.count, 2, "nothing of the refused import is kept")
            XCTAssertEqual(try store.importManifest(try manifest(csv((0..<count).map { "SN\($0)" }, load: "L1")), source: "big.csv"), count)
            XCTAssertEqual(try store.manifest().assets.count, count + 2, "nothing of the refused import is kept")
        }
        XCTAssertEqual(try indexes(path), [Schema.assetSerialIndex], "the index is back after the rebuild and after the rollback")
        XCTAssertEqual(try assetCount(path), count + 2)
        XCTAssertThrowsError(try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "INSERT INTO assets (ordinal, serial, load, pallet, data_bearing, sanitization, import_id) VALUES (999999, 'SN7', 'L1', 'L1-P0', 0, 'none', 1)")
        }, "the rebuilt index still enforces one asset per serial")
    }

    /// A database made before the serial index was named is migrated with its assets intact.
    func testAVersionOneDatabaseIsMigrated() throws {
        let path = try ScratchDirectory.make("tally-index", removedAfter: self).appendingPathComponent("v1.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try Schema.migrator().migrate(queue, upTo: "v1: custody log, manifest, alerts")
        try queue.write { db in
            try db.execute(sql: "INSERT INTO manifest_imports (at, source, assets) VALUES ('2026-01-01T00:00:00.000Z', 'old.csv', 1)")
            try db.execute(sql: "INSERT INTO loads (id, ordinal, import_id) VALUES ('L9', 1, 1)")
            try db.execute(sql: "INSERT INTO pallets (id, load, ordinal, import_id) VALUES ('P9', 'L9', 1, 1)")
            try db.execute(sql: "INSERT INTO assets (ordinal, serial, load, pallet, data_bearing, sanitization, import_id) VALUES (1, 'OLD-1', 'L9', 'P9', 1, 'erased', 1)")
        }
        XCTAssertEqual(try indexes(path), ["sqlite_autoindex_assets_1"])
        try queue.close()
        let store = try CustodyStore(path: path)
        XCTAssertEqual(try store.manifest().assets.values.map(\.serial), ["OLD-1"])
        XCTAssertEqual(try indexes(path), [Schema.assetSerialIndex])
        XCTAssertThrowsError(try store.importManifest(try manifest(csv(["OLD-1"], load: "L8")), source: "again.csv")) { error in
            XCTAssertTrue("\(error)".contains("OLD-1"), "\(error)")
        }
    }
}
