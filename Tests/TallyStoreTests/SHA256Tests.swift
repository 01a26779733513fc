import Foundation
import TallyTestSupport
import XCTest
@testable import TallyStore

final class SHA256Tests: XCTestCase {
    private func digest(_ text: String) -> String { SHA256.hex(SHA256.hash(Array(text.utf8))) }

    // MARK: - FIPS 180-4 / NIST CAVP example vectors

    func testEmptyMessage() {
        XCTAssertEqual(digest(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testABC() {
        XCTAssertEqual(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func test448BitMessage() {
        XCTAssertEqual(
            digest("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func test896BitMessage() {
        XCTAssertEqual(
            digest("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    func testOneMillionAs() {
        let expected = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        let message = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        XCTAssertEqual(SHA256.hex(SHA256.hash(message)), expected)

        // The same message fed in uneven pieces that straddle block boundaries.
        var hasher = SHA256()
        var offset = 0
        var size = 1
        while offset < message.count {
            let end = min(offset + size, message.count)
            hasher.update(message[offset..<end])
            offset = end
            size = size % 997 + 13
        }
        XCTAssertEqual(SHA256.hex(hasher.finalize()), expected)
    }

    // MARK: - Incremental hashing

    func testEverySplitOfA200ByteMessageMatchesTheOneShotHash() {
        let message = (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let expected = SHA256.hash(message)
        for split in 0...message.count {
            var hasher = SHA256()
            hasher.update(message[..<split])
            hasher.update(message[split...])
            XCTAssertEqual(hasher.finalize(), expected, "split at \(split)")
        }
        // Three pieces, every pair of cut points.
        for first in stride(from: 0, through: message.count, by: 7) {
            for second in first...message.count {
                var hasher = SHA256()
                hasher.update(message[..<first])
                hasher.update(message[first..<second])
                hasher.update(message[second...])
                XCTAssertEqual(hasher.finalize(), expected, "split at \(first) and \(second)")
            }
        }
    }

    func testByteAtATime() {
        let message = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        var hasher = SHA256()
        for byte in message { hasher.update(CollectionOfOne(byte)) }
        XCTAssertEqual(SHA256.hex(hasher.finalize()), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    func testNonContiguousCollectionsTakeTheSlowPathToTheSameDigest() {
        for count in [0, 1, 55, 56, 63, 64, 65, 1023, 1024, 1025, 5000] {
            let lazy = (0..<count).lazy.map { UInt8(truncatingIfNeeded: $0 &* 13) }
            XCTAssertEqual(SHA256.hash(lazy), SHA256.hash(Array(lazy)), "\(count) bytes")
        }
        XCTAssertEqual(SHA256.hex(SHA256.hash("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hex(SHA256.hash(Data("abc".utf8))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testFinalizeLeavesTheHasherUsable() {
        var hasher = SHA256()
        hasher.update(Array("ab".utf8))
        let running = hasher.finalize()
        XCTAssertEqual(running, hasher.finalize())
        XCTAssertEqual(running, SHA256.hash(Array("ab".utf8)))
        hasher.update(Array("c".utf8))
        XCTAssertEqual(SHA256.hex(hasher.finalize()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(hasher.finalize().count, 32)
    }

    func testRawBufferUpdate() {
        let message = Array("abc".utf8)
        var hasher = SHA256()
        message.withUnsafeBytes { hasher.update($0) }
        XCTAssertEqual(hasher.finalize(), SHA256.hash(message))
    }

    // MARK: - Hex

    func testHexRoundTrip() {
        let bytes: [UInt8] = [0x00, 0x01, 0x7f, 0x80, 0xab, 0xff]
        XCTAssertEqual(SHA256.hex(bytes), "00017f80abff")
        XCTAssertEqual(SHA256.hex([UInt8]()), "")
        XCTAssertEqual(SHA256.bytes(hex: "00017f80abff"), bytes)
        XCTAssertEqual(SHA256.bytes(hex: "00017F80ABFF"), bytes)
        XCTAssertEqual(SHA256.bytes(hex: ""), [])
        XCTAssertNil(SHA256.bytes(hex: "abc"))
        XCTAssertNil(SHA256.bytes(hex: "zz"))
        XCTAssertNil(SHA256.bytes(hex: "0x00"))
    }

    // MARK: - Against the system sha256sum

    func testMatchesSystemSha256sumOnRandomBuffers() throws {
        let tool = "/usr/bin/sha256sum"
        guard FileManager.default.isExecutableFile(atPath: tool) else { throw XCTSkip("\(tool) is not installed") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-sha256-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        var generator = SystemRandomNumberGenerator()
        // Padding boundaries (55/56/63/64/119/120) and some larger odd sizes.
        for count in [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 1000, 4097, 65_537, 1_048_583] {
            let buffer = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            let file = directory.appendingPathComponent("buffer-\(count).bin")
            try Data(buffer).write(to: file)

            let outcome = try ChildProcessRunner.run(tool, [file.path])
            XCTAssertEqual(outcome.status, 0, outcome.output)
            let expected = String(outcome.stdout.prefix(while: { !$0.isWhitespace }))

            XCTAssertEqual(SHA256.hex(SHA256.hash(buffer)), expected, "\(count) random bytes")
            var hasher = SHA256()
            let middle = count / 3
            hasher.update(buffer[..<middle])
            hasher.update(buffer[middle...])
            XCTAssertEqual(SHA256.hex(hasher.finalize()), expected, "\(count) random bytes in two pieces")
        }
    }
}
