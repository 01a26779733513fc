import TallyCore
import XCTest
@testable import TallyDevices

/// What a driver made of one frame or discarded run, with the stream offset.
enum DecodedOutcome: Equatable, CustomStringConvertible {
    case reading(ScaleReading, offset: Int)
    case error(FrameError)

    var description: String {
        switch self {
        case .reading(let reading, let offset): "@\(offset) \(reading.kind) \(reading.weight?.description ?? "-") \(reading.status) stable=\(reading.stable)"
        case .error(let error): "\(error)"
        }
    }

    var reading: ScaleReading? { if case .reading(let reading, _) = self { reading } else { nil } }
    var error: FrameError? { if case .error(let error) = self { error } else { nil } }
}

/// Feeds `bytes` to a fresh framer of `driver` in chunks of the given sizes (cycling), finishes the
/// stream, and parses every frame with one driver copy, as ``ScaleReader`` does.
func decodeChunked<Driver: ScaleProtocolDriver>(_ driver: Driver, _ bytes: [UInt8], chunkSizes: [Int] = [Int.max]) -> [DecodedOutcome] {
    var driver = driver
    var framer = driver.makeFramer()
    var outputs: [FramerOutput] = []
    var index = 0
    var chunk = 0
    while index < bytes.count {
        let size = max(1, min(chunkSizes[chunk % chunkSizes.count], bytes.count - index))
        outputs += framer.append(bytes[index..<(index + size)])
        index += size
        chunk += 1
    }
    outputs += framer.finish()
    return outputs.map { output in
        switch output {
        case .discarded(let error): return .error(error)
        case .frame(let frame):
            do throws(FrameError) {
                return .reading(try driver.parse(frame), offset: frame.offset)
            } catch {
                return .error(error)
            }
        }
    }
}

/// Asserts that `bytes` decode to the same outcomes whole, byte by byte, and in odd chunk sizes, and
/// returns them.
@discardableResult
func assertChunkingInvariant<Driver: ScaleProtocolDriver>(
    _ driver: Driver, _ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line
) -> [DecodedOutcome] {
    let whole = decodeChunked(driver, bytes)
    for sizes in [[1], [2], [3, 1, 7], [5, 11, 2], [13]] {
        XCTAssertEqual(decodeChunked(driver, bytes, chunkSizes: sizes), whole, "chunk sizes \(sizes)", file: file, line: line)
    }
    return whole
}

/// Pseudo-random bytes from a fixed seed (reproducible noise).
func noise(count: Int, seed: UInt64 = 0x5EED) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// `Division(parsing:)` that must succeed.
func scaleDivision(_ text: String) -> Division { Division(parsing: text)! }

/// An exact weight from its displayed text (in one unit of its last digit unless `division` is given).
func exactWeight(_ text: String, _ unit: WeightUnit, division d: String? = nil) -> Weight {
    Weight(displayed: text, unit: unit, division: d.map(scaleDivision))!
}

/// The parse of one frame (bytes at offset 0) by a fresh driver.
func parseOne<Driver: ScaleProtocolDriver>(_ driver: Driver, _ bytes: [UInt8], offset: Int = 0) throws(FrameError) -> ScaleReading {
    var driver = driver
    return try driver.parse(ScaleFrame(bytes: bytes, offset: offset))
}

/// Asserts that parsing `bytes` throws a frame error with `reason` at `offset`.
func assertFrameError<Driver: ScaleProtocolDriver>(
    _ driver: Driver, _ bytes: [UInt8], _ reason: (FrameError.Reason) -> Bool, offset: Int = 5,
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        let reading = try parseOne(driver, bytes, offset: offset)
        XCTFail("expected a frame error for \(ScaleFrame.printable(bytes)), got \(reading)", file: file, line: line)
    } catch {
        XCTAssertEqual(error.offset, offset, file: file, line: line)
        XCTAssertTrue(reason(error.reason), "\(error.reason)", file: file, line: line)
    }
}

extension FrameError.Reason {
    var isMalformed: Bool { if case .malformed = self { true } else { false } }
    var isBadWeight: Bool { if case .badWeight = self { true } else { false } }
    var isUnknownUnit: Bool { if case .unknownUnit = self { true } else { false } }
    var isReply: Bool { if case .reply = self { true } else { false } }
    var isGarbage: Bool { if case .garbage = self { true } else { false } }
    var isBadChecksum: Bool { if case .badChecksum = self { true } else { false } }
}

/// One expected row of a parse table.
struct ExpectedReading {
    var kind: ScaleReading.Kind = .gross
    var weight: Weight?
    var tare: Weight?
    var stable: Bool
    var status: ScaleReading.Status

    static func ok(_ weight: Weight, kind: ScaleReading.Kind = .gross, tare: Weight? = nil) -> ExpectedReading {
        ExpectedReading(kind: kind, weight: weight, tare: tare, stable: true, status: .ok)
    }
    static func motion(_ weight: Weight?, kind: ScaleReading.Kind = .gross) -> ExpectedReading {
        ExpectedReading(kind: kind, weight: weight, stable: false, status: .motion)
    }
    static func abnormal(_ status: ScaleReading.Status, weight: Weight? = nil, stable: Bool = false, kind: ScaleReading.Kind = .gross) -> ExpectedReading {
        ExpectedReading(kind: kind, weight: weight, stable: stable, status: status)
    }
}

/// Asserts a parse table: every frame decodes to its expected reading, keeps its raw bytes, names the
/// protocol, and is capturable exactly when stable and ok.
func assertParseTable<Driver: ScaleProtocolDriver>(
    _ driver: Driver, _ table: [([UInt8], ExpectedReading)], file: StaticString = #filePath, line: UInt = #line
) {
    for (bytes, expected) in table {
        let label = ScaleFrame.printable(bytes)
        do {
            let reading = try parseOne(driver, bytes, offset: 42)
            XCTAssertEqual(reading.protocolName, Driver.name, label, file: file, line: line)
            XCTAssertEqual(reading.raw, bytes, "raw frame kept: \(label)", file: file, line: line)
            XCTAssertEqual(reading.kind, expected.kind, label, file: file, line: line)
            XCTAssertEqual(reading.weight, expected.weight, label, file: file, line: line)
            XCTAssertEqual(reading.tare, expected.tare, label, file: file, line: line)
            XCTAssertEqual(reading.stable, expected.stable, label, file: file, line: line)
            XCTAssertEqual(reading.status, expected.status, label, file: file, line: line)
            XCTAssertEqual(reading.isCapturable, expected.stable && expected.status == .ok && expected.weight != nil, label, file: file, line: line)
        } catch {
            XCTFail("\(label): \(error)", file: file, line: line)
        }
    }
}
