import Foundation
import GRDB
import TallyCore
import TallyTestSupport
import XCTest
@testable import TallyStore

/// Importing a CSV manifest while it is parsed: the same rows as a parse-then-import, and all or nothing
/// when a late row is bad or a serial was imported before.
final class StreamingImportTests: XCTestCase {
    /// `rows` assets over pallets of 50, with weights on each pallet's first row.
    private func csv(rows: Int, load: String = "L1", serialPrefix: String = "SN", badLine: Int? = nil) -> [UInt8] {
        var text = "load,pallet,serial,make,data_bearing,sanitization,pallet_expected_weight,pallet_weight_unit,pallet_tolerance\n"
        for index in 0..<rows {
            let line = index + 2
            let pallet = "\(load)-P\(index / 50)"
            let weight = index % 50 == 0 ? "\(400 + index % 7).5,kg,2%" : ",,"
            let dataBearing = line == badLine ? "maybe" : (index % 3 == 0 ? "true" : "false")
            text += "\(load),\(pallet),\(serialPrefix)\(index),Dell,\(dataBearing),none,\(weight)\n"
        }
        return Array(text.utf8)
    }

    private func streamingImport(_ bytes: [UInt8], into store: CustodyStore, file: String = "big.csv") throws -> Manifest {
        try store.importManifest(source: file, expectedAssets: bytes.count / 80) { deliver in
            try ManifestCSV.parse(bytes, file: file, assets: deliver)
        }
    }

    private func counts(_ path: String) throws -> [Int] {
        try DatabaseQueue(path: path).read { db in
            try ["assets", "pallets", "loads", "manifest_imports"].map { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \($0)") ?? -1 }
        }
    }

    func testStoresExactlyWhatParseThenImportStores() throws {
        let directory = try ScratchDirectory.make("tally-streaming", removedAfter: self)
        let bytes = csv(rows: 3 * ManifestCSV.assetBatchSize + 17)
        let streamed = try CustodyStore(path: directory.appendingPathComponent("streamed.sqlite").path)
        let manifest = try streamingImport(bytes, into: streamed)
        let whole = try CustodyStore(path: directory.appendingPathComponent("whole.sqlite").path)
        try whole.importManifest(try ManifestCSV.parse(bytes, file: "big.csv"), source: "big.csv")

        let a = try streamed.manifest(), b = try whole.manifest()
        XCTAssertEqual(a.assets, b.assets)
        XCTAssertEqual(a.pallets, b.pallets)
        XCTAssertEqual(a.loads, b.loads)
        XCTAssertEqual(a.assets, manifest.assets)
        XCTAssertEqual(try counts(streamed.path), [3 * ManifestCSV.assetBatchSize + 17, 492, 1, 1])
        let recorded = try DatabaseQueue(path: streamed.path).read { try Int.fetchOne($0, sql: "SELECT assets FROM manifest_imports") }
        XCTAssertEqual(recorded, 3 * ManifestCSV.assetBatchSize + 17, "the import record holds the final count")
    }

    func testABadLateRowRollsBackTheRowsAlreadyWritten() throws {
        let directory = try ScratchDirectory.make("tally-streaming", removedAfter: self)
        let store = try CustodyStore(path: directory.appendingPathComponent("t.sqlite").path)
        let badLine = 2 * ManifestCSV.assetBatchSize + 100
        XCTAssertThrowsError(try streamingImport(csv(rows: 3 * ManifestCSV.assetBatchSize, badLine: badLine), into: store)) { error in
            let failure = error as? ManifestError
            XCTAssertEqual(failure?.line, badLine, "\(error)")
            XCTAssertEqual(failure?.column, "data_bearing")
        }
        XCTAssertEqual(try counts(store.path), [0, 0, 0, 0], "two batches were written, then rolled back")
        // The store is usable afterwards.
        XCTAssertEqual(try streamingImport(csv(rows: 10), into: store).assets.count, 10)
    }

    func testASerialImportedBeforeIsRefusedWholeWhileTheParserIsStillDelivering() throws {
        let directory = try ScratchDirectory.make("tally-streaming", removedAfter: self)
        let store = try CustodyStore(path: directory.appendingPathComponent("t.sqlite").path)
        XCTAssertEqual(try streamingImport(csv(rows: 3, load: "L0", serialPrefix: "SN"), into: store).assets.count, 3)
        // 20 batches: the writer fails on the first (SN0..SN2 repeat), far ahead of the parser.
        XCTAssertThrowsError(try streamingImport(csv(rows: 20 * ManifestCSV.assetBatchSize, load: "L1"), into: store)) { error in
            XCTAssertTrue("\(error)".contains("serial SN0 was already imported"), "\(error)")
        }
        XCTAssertEqual(try counts(store.path), [3, 1, 1, 1])
    }

    func testAManifestThatDoesNotMatchWhatWasDeliveredIsRefused() throws {
        let directory = try ScratchDirectory.make("tally-streaming", removedAfter: self)
        let store = try CustodyStore(path: directory.appendingPathComponent("t.sqlite").path)
        let bytes = csv(rows: 5)
        XCTAssertThrowsError(try store.importManifest(source: "odd.csv", expectedAssets: 5) { _ in
            try ManifestCSV.parse(bytes, file: "odd.csv")  // delivers nothing
        }) { error in
            XCTAssertTrue("\(error)".contains("delivered 0 assets but its manifest holds 5"), "\(error)")
        }
        XCTAssertEqual(try counts(store.path), [0, 0, 0, 0])
    }
}
