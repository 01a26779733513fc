import Foundation
import TallyTestSupport
import XCTest
@testable import TallyStore

final class HashChainTests: XCTestCase {
    private typealias Entry = (row: EventRow, prevHash: [UInt8], hash: [UInt8])

    private func row(_ seq: Int64, payload: String? = nil) -> EventRow {
        EventRow(
            seq: seq, at: "2024-05-01T10:\(String(format: "%02d", seq % 60)):00Z", type: seq % 3 == 0 ? "weight" : "scan",
            station: seq % 5 == 0 ? nil : "DOCK-\(seq % 4)", device: seq % 7 == 0 ? nil : "scanner-1",
            payload: payload ?? #"{"serial":"SN\#(seq)","note":"é ✓"}"#,
            raw: seq % 2 == 0 ? nil : [UInt8(truncatingIfNeeded: seq), 0x0d, 0x0a])
    }

    /// A correctly linked chain of `count` rows starting at seq 1.
    private func chain(_ count: Int) -> [Entry] {
        var entries: [Entry] = []
        var previous = HashChain.genesis
        for seq in 1...Int64(count) {
            let event = row(seq)
            let hash = HashChain.link(previous: previous, row: event)
            entries.append((event, previous, hash))
            previous = hash
        }
        return entries
    }

    private func failure(_ entries: [Entry], file: StaticString = #filePath, line: UInt = #line) -> (seq: Int64, reason: String)? {
        let report = HashChain.verify(rows: entries)
        XCTAssertFalse(report.isValid, "expected a broken chain", file: file, line: line)
        return report.failure
    }

    // MARK: - Encoding

    func testGenesisIs32ZeroBytes() {
        XCTAssertEqual(HashChain.genesis, [UInt8](repeating: 0, count: 32))
    }

    func testCanonicalBytesMatchTheDocumentedLayout() {
        let row = EventRow(seq: 7, at: "2024-05-01T10:00:00Z", type: "scan", station: "S1", device: nil, payload: "{}", raw: [])
        var expected: [UInt8] = []
        func field(_ bytes: [UInt8]) {
            expected += [UInt8(bytes.count >> 24), UInt8(bytes.count >> 16 & 0xff), UInt8(bytes.count >> 8 & 0xff), UInt8(bytes.count & 0xff)]
            expected += bytes
        }
        field(Array("tally-event-v1".utf8))
        field(Array("7".utf8))
        field(Array("2024-05-01T10:00:00Z".utf8))
        field(Array("scan".utf8))
        field(Array("S1".utf8))
        expected += [0xff, 0xff, 0xff, 0xff]
        field(Array("{}".utf8))
        expected += [0, 0, 0, 0]
        XCTAssertEqual(HashChain.canonicalBytes(row), expected)
        XCTAssertEqual(Array(HashChain.canonicalBytes(row).prefix(8)), [0x00, 0x00, 0x00, 0x0e, 0x74, 0x61, 0x6c, 0x6c])
    }

    func testAbsentAndEmptyEncodeDifferently() {
        let base = EventRow(seq: 1, at: "t", type: "scan", station: nil, device: nil, payload: "{}", raw: nil)
        var emptyStation = base
        emptyStation.station = ""
        XCTAssertNotEqual(HashChain.canonicalBytes(base), HashChain.canonicalBytes(emptyStation))
        XCTAssertNotEqual(HashChain.link(previous: HashChain.genesis, row: base),
                          HashChain.link(previous: HashChain.genesis, row: emptyStation))
        var emptyDevice = base
        emptyDevice.device = ""
        XCTAssertNotEqual(HashChain.canonicalBytes(base), HashChain.canonicalBytes(emptyDevice))
        var emptyRaw = base
        emptyRaw.raw = []
        XCTAssertNotEqual(HashChain.canonicalBytes(base), HashChain.canonicalBytes(emptyRaw))
        // The station/device boundary cannot slide either.
        var stationOnly = base
        stationOnly.station = ""
        var deviceOnly = base
        deviceOnly.device = ""
        XCTAssertNotEqual(HashChain.canonicalBytes(stationOnly), HashChain.canonicalBytes(deviceOnly))
    }

    func testFieldBoundariesAreUnambiguous() {
        let a = EventRow(seq: 1, at: "ab", type: "c", station: "x", device: "y", payload: "{}", raw: nil)
        let b = EventRow(seq: 1, at: "a", type: "bc", station: "x", device: "y", payload: "{}", raw: nil)
        XCTAssertNotEqual(HashChain.canonicalBytes(a), HashChain.canonicalBytes(b))
        let c = EventRow(seq: 11, at: "t", type: "scan", station: nil, device: nil, payload: "{}", raw: nil)
        let d = EventRow(seq: 1, at: "1t", type: "scan", station: nil, device: nil, payload: "{}", raw: nil)
        XCTAssertNotEqual(HashChain.canonicalBytes(c), HashChain.canonicalBytes(d))
    }

    func testLinkIsSHA256OfPreviousHashAndCanonicalBytes() {
        let previous = SHA256.hash(Array("previous".utf8))
        let event = row(42)
        XCTAssertEqual(HashChain.link(previous: previous, row: event), SHA256.hash(previous + HashChain.canonicalBytes(event)))
        XCTAssertEqual(HashChain.link(previous: previous, row: event).count, 32)
    }

    /// An auditor's recomputation with a standard tool: `cat prev_hash canonical | sha256sum`.
    func testLinkMatchesSystemSha256sum() throws {
        let tool = "/usr/bin/sha256sum"
        guard FileManager.default.isExecutableFile(atPath: tool) else { throw XCTSkip("\(tool) is not installed") }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tally-link-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: file) }
        let event = row(3)
        try Data(HashChain.genesis + HashChain.canonicalBytes(event)).write(to: file)
        let text = try ChildProcessRunner.run(tool, [file.path]).stdout
        XCTAssertEqual(String(text.prefix(64)), SHA256.hex(HashChain.link(previous: HashChain.genesis, row: event)))
    }

    // MARK: - Verification

    func testIntactChainOf1000RowsVerifies() {
        let entries = chain(1000)
        let report = HashChain.verify(rows: entries)
        XCTAssertTrue(report.isValid, report.description)
        XCTAssertNil(report.failure)
        XCTAssertEqual(report.checked, 1000)
        XCTAssertEqual(report.lastSeq, 1000)
        XCTAssertEqual(report.lastHash, SHA256.hex(entries[999].hash))
        XCTAssertTrue(report.description.hasPrefix("chain intact: 1000 events"), report.description)
    }

    func testStreamingVerificationFromALazySequence() {
        // Rows produced on demand, never held together.
        var previous = HashChain.genesis
        let rows = (Int64(1)...1000).lazy.map { seq -> Entry in
            let event = self.row(seq)
            let hash = HashChain.link(previous: previous, row: event)
            defer { previous = hash }
            return (event, previous, hash)
        }
        let report = HashChain.verify(rows: rows)
        XCTAssertTrue(report.isValid, report.description)
        XCTAssertEqual(report.checked, 1000)
    }

    func testEmptyLogIsValid() {
        let report = HashChain.verify(rows: [Entry]())
        XCTAssertTrue(report.isValid)
        XCTAssertEqual(report.checked, 0)
        XCTAssertEqual(report.lastSeq, 0)
        XCTAssertEqual(report.lastHash, String(repeating: "0", count: 64))
    }

    func testEditedPayloadIsNamed() throws {
        var entries = chain(1000)
        entries[499].row.payload = #"{"serial":"SN-FORGED"}"#
        let failure = try XCTUnwrap(failure(entries))
        XCTAssertEqual(failure.seq, 500)
        XCTAssertTrue(failure.reason.contains("hash mismatch"), failure.reason)
        let report = HashChain.verify(rows: entries)
        XCTAssertEqual(report.checked, 499)
        XCTAssertEqual(report.lastSeq, 499)
        XCTAssertEqual(report.lastHash, SHA256.hex(entries[498].hash))
    }

    func testEditedStationToAbsentIsDetected() throws {
        var entries = chain(20)
        XCTAssertNotNil(entries[11].row.station)
        entries[11].row.station = nil
        XCTAssertEqual(try XCTUnwrap(failure(entries)).seq, 12)
    }

    func testEditedRowWithRecomputedHashBreaksTheNextLink() throws {
        // A forger who rewrites row 10 and its hash still cannot make row 11 point at it.
        var entries = chain(30)
        entries[9].row.payload = "{}"
        entries[9].hash = HashChain.link(previous: entries[9].prevHash, row: entries[9].row)
        let failure = try XCTUnwrap(failure(entries))
        XCTAssertEqual(failure.seq, 11)
        XCTAssertTrue(failure.reason.contains("prev_hash"), failure.reason)
    }

    func testDeletedRowIsNamedWhereTheGapIsFound() throws {
        var entries = chain(1000)
        entries.remove(at: 299)  // seq 300
        let failure = try XCTUnwrap(failure(entries))
        XCTAssertEqual(failure.seq, 301)
        XCTAssertTrue(failure.reason.contains("expected seq 300, found 301"), failure.reason)
    }

    func testDeletedFirstRowIsDetected() throws {
        var entries = chain(10)
        entries.removeFirst()
        let failure = try XCTUnwrap(failure(entries))
        XCTAssertEqual(failure.seq, 2)
        XCTAssertTrue(failure.reason.contains("expected seq 1, found 2"), failure.reason)
    }

    func testSwappedRowsAreDetected() throws {
        var entries = chain(100)
        entries.swapAt(40, 41)  // seq 42 now comes before seq 41
        let failure = try XCTUnwrap(failure(entries))
        XCTAssertEqual(failure.seq, 42)
        XCTAssertTrue(failure.reason.contains("expected seq 41, found 42"), failure.reason)
    }

    func testSwappedContentsUnderTheSameSeqsAreDetected() throws {
        // Rows 41 and 42 exchange everything but their seq (as an UPDATE of the columns would).
        var entries = chain(100)
        let (first, second) = (entries[40], entries[41])
        entries[40] = (EventRow(seq: 41, at: second.row.at, type: second.row.type, station: second.row.station,
                                device: second.row.device, payload: second.row.payload, raw: second.row.raw),
                       second.prevHash, second.hash)
        entries[41] = (EventRow(seq: 42, at: first.row.at, type: first.row.type, station: first.row.station,
                                device: first.row.device, payload: first.row.payload, raw: first.row.raw),
                       first.prevHash, first.hash)
        let failure = try XCTUnwrap(failure(entries))
        XCTAssertEqual(failure.seq, 41)
        XCTAssertTrue(failure.reason.contains("prev_hash"), failure.reason)
    }

    func testBrokenPrevHashLinkIsNamed() throws {
        var entries = chain(50)
        // Row 20 claims a different predecessor, and its own hash is consistent with that claim,
        // so only the link is wrong.
        entries[19].prevHash = SHA256.hash(Array("someone else".utf8))
        entries[19].hash = HashChain.link(previous: entries[19].prevHash, row: entries[19].row)
        let failure = try XCTUnwrap(failure(entries))
        XCTAssertEqual(failure.seq, 20)
        XCTAssertTrue(failure.reason.contains("broken link"), failure.reason)
        XCTAssertTrue(failure.reason.contains("seq 19"), failure.reason)
    }

    func testFirstRowMustStartFromGenesis() throws {
        var entries = chain(5)
        entries[0].prevHash = [UInt8](repeating: 1, count: 32)
        entries[0].hash = HashChain.link(previous: entries[0].prevHash, row: entries[0].row)
        let failure = try XCTUnwrap(failure(entries))
        XCTAssertEqual(failure.seq, 1)
        XCTAssertTrue(failure.reason.contains("genesis"), failure.reason)
    }

    func testWrongLengthHashIsReported() throws {
        var entries = chain(5)
        entries[2].hash = Array(entries[2].hash.prefix(16))
        let failure = try XCTUnwrap(failure(entries))
        XCTAssertEqual(failure.seq, 3)
        XCTAssertTrue(failure.reason.contains("16 bytes, not 32"), failure.reason)
    }

    func testOnlyTheFirstFailureIsReported() throws {
        var entries = chain(100)
        entries[69].row.type = "forged"
        entries.remove(at: 19)
        XCTAssertEqual(try XCTUnwrap(failure(entries)).seq, 21)
    }

    func testVerifierResumesFromACheckpoint() throws {
        let entries = chain(200)
        var first = ChainVerifier()
        for entry in entries[..<120] { XCTAssertTrue(first.check(entry.row, prevHash: entry.prevHash, hash: entry.hash)) }
        let checkpoint = first.report
        XCTAssertEqual(checkpoint.lastSeq, 120)

        var resumed = ChainVerifier(after: checkpoint.lastSeq, hash: try XCTUnwrap(SHA256.bytes(hex: checkpoint.lastHash)))
        for entry in entries[120...] { resumed.check(entry.row, prevHash: entry.prevHash, hash: entry.hash) }
        XCTAssertTrue(resumed.report.isValid, resumed.report.description)
        XCTAssertEqual(resumed.report.checked, 80)
        XCTAssertEqual(resumed.report.lastSeq, 200)
        XCTAssertEqual(resumed.report.lastHash, SHA256.hex(entries[199].hash))

        // A verifier stops at its first failure and ignores later rows.
        var broken = ChainVerifier(after: 120, hash: HashChain.genesis)
        XCTAssertFalse(broken.check(entries[120].row, prevHash: entries[120].prevHash, hash: entries[120].hash))
        XCTAssertFalse(broken.check(entries[121].row, prevHash: entries[121].prevHash, hash: entries[121].hash))
        XCTAssertEqual(broken.report.failure?.seq, 121)
        XCTAssertEqual(broken.report.checked, 0)
        XCTAssertEqual(broken.report.lastSeq, 120)
    }
}
