import TallyCore
import XCTest
@testable import TallyDevices

/// Frames of exactly three bytes beginning with `#`, for testing the framer itself.
private struct TripleMatcher: FrameMatcher {
    var maximumLength: Int { 3 }
    func canBegin(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "#") }
    mutating func match(_ bytes: ArraySlice<UInt8>, streamEnded: Bool) -> FrameMatch {
        if bytes.count < 3 { return streamEnded ? .noFrame : .incomplete }
        return bytes[bytes.startIndex + 1] == UInt8(ascii: "#") ? .noFrame : .frame(length: 3)
    }
}

private func feed<M: FrameMatcher>(_ matcher: M, _ chunks: [[UInt8]], threshold: Int = 1024) -> (outputs: [FramerOutput], framer: MatchingFramer<M>) {
    var framer = MatchingFramer(matcher: matcher, garbageReportThreshold: threshold)
    var outputs: [FramerOutput] = []
    for chunk in chunks { outputs += framer.append(chunk) }
    outputs += framer.finish()
    return (outputs, framer)
}

private func frame(_ text: String, _ offset: Int) -> FramerOutput { .frame(ScaleFrame(bytes: Array(text.utf8), offset: offset)) }
private func garbage(_ offset: Int, _ count: Int) -> FramerOutput { .discarded(FrameError(offset: offset, reason: .garbage(byteCount: count))) }

final class MatchingFramerTests: XCTestCase {
    func testFramesGarbageAndOffsetsWhateverTheChunking() {
        let stream = Array("xx#ab##cd#e".utf8)
        let expected = [garbage(0, 2), frame("#ab", 2), garbage(5, 1), frame("#cd", 6), garbage(9, 2)]
        XCTAssertEqual(feed(TripleMatcher(), [stream]).outputs, expected)
        XCTAssertEqual(feed(TripleMatcher(), stream.map { [$0] }).outputs, expected)
        let (_, framer) = feed(TripleMatcher(), [Array(stream[0..<4]), Array(stream[4...])])
        XCTAssertEqual(framer.streamOffset, stream.count)
        XCTAssertEqual(framer.discardedByteCount, 5)
    }

    func testLongGarbageIsReportedAtTheThreshold() {
        let (outputs, framer) = feed(TripleMatcher(), [Array(repeating: 0x41, count: 25)], threshold: 10)
        XCTAssertEqual(outputs, [garbage(0, 10), garbage(10, 10), garbage(20, 5)])
        XCTAssertEqual(framer.discardedByteCount, 25)
    }

    func testLineMatcherWithStartByteAndOptionalLineFeed() {
        let matcher = LineMatcher(start: 0x02, body: .printableASCII, maximumLength: 8, optionalLineFeed: true)
        let stream: [UInt8] = [0x02, 0x41, 0x0D, 0x0A, 0x02, 0x42, 0x0D, 0x02, 0x43, 0x00, 0x02, 0x44, 0x0D]
        let expected: [FramerOutput] = [
            .frame(ScaleFrame(bytes: [0x02, 0x41, 0x0D, 0x0A], offset: 0)),
            .frame(ScaleFrame(bytes: [0x02, 0x42, 0x0D], offset: 4)),
            garbage(7, 3),
            .frame(ScaleFrame(bytes: [0x02, 0x44, 0x0D], offset: 10)),
        ]
        XCTAssertEqual(feed(matcher, [stream]).outputs, expected)
        XCTAssertEqual(feed(matcher, stream.map { [$0] }).outputs, expected, "the last frame completes at the end of the stream")
        // Overlong lines are garbage.
        XCTAssertEqual(feed(matcher, [[0x02] + Array("ABCDEFGHIJ".utf8) + [0x0D]]).outputs, [garbage(0, 12)])
    }

    func testLineMatcherWithoutStartByteDiscardsBrokenLinesThroughTheirEnd() {
        let matcher = LineMatcher(start: nil, body: .printableASCII, maximumLength: 16, optionalLineFeed: true)
        let stream = Array("AB".utf8) + [0x07] + Array("CD\r\nOK\r\n".utf8)
        let expected = [garbage(0, 7), frame("OK\r\n", 7)]
        XCTAssertEqual(feed(matcher, [stream]).outputs, expected)
        XCTAssertEqual(feed(matcher, stream.map { [$0] }).outputs, expected)
    }

    func testRegistryKnowsEveryProtocolOfTheIssue() throws {
        XCTAssertEqual(ScaleProtocolRegistry.names, ["and", "cardinal-sma", "cas", "mt-sics", "nci", "rice-lake", "toledo-8217", "toledo-continuous"])
        XCTAssertEqual(Set(ScaleProtocolRegistry.names), Set(HardwareProfile.ScaleProtocol.allCases.map(\.rawValue)),
                       "every protocol a profile may name has a driver")
        XCTAssertEqual(Set(ScaleProtocolRegistry.names), Set(SimulatedScale.protocolNames), "and a simulator")
        XCTAssertThrowsError(try ScaleProtocolRegistry.decodeAll(protocol: "nope", bytes: [])) { error in
            XCTAssertEqual(error as? ScaleProtocolRegistry.DecodeError, .unknownProtocol("nope"))
        }
        XCTAssertEqual(try ScaleProtocolRegistry.commands(protocol: "nci").poll, Array("W\r".utf8))
        XCTAssertEqual(try ScaleProtocolRegistry.commands(protocol: "mt-sics").startContinuous, Array("SIR\r\n".utf8))
        let decoded = try ScaleProtocolRegistry.decode(protocol: "and", bytes: Array("xx\u{7}\r\nST,GS,+0001.23kg\r\n".utf8))
        XCTAssertEqual(decoded.map(\.offset), [0, 5])
        XCTAssertEqual(try decoded[1].result.get().weight?.description, "1.23 kg")
    }

    /// The profile's poll command wins; else the driver's continuous mode; else listening.
    func testModeForProfile() throws {
        func options(_ scaleProtocol: HardwareProfile.ScaleProtocol, poll: String?) -> HardwareProfile.ScaleOptions {
            HardwareProfile.ScaleOptions(
                scaleProtocol: scaleProtocol, pollCommand: poll, pollIntervalMilliseconds: poll == nil ? nil : 250,
                division: scaleDivision("0.5"), unit: .kilogram, capacity: ExactDecimal(parsing: "1500")!,
                stability: HardwareProfile.StabilityWindow(readings: 3, milliseconds: 600))
        }
        XCTAssertEqual(try ScaleReader.Mode.forProfile(options(.nci, poll: "W\r")), .poll(command: Array("W\r".utf8), intervalMilliseconds: 250))
        XCTAssertEqual(try ScaleReader.Mode.forProfile(options(.mtSICS, poll: nil)), .continuous(start: Array("SIR\r\n".utf8), stop: Array("SI\r\n".utf8)))
        XCTAssertEqual(try ScaleReader.Mode.forProfile(options(.toledoContinuous, poll: nil)), .listen)
        XCTAssertEqual(try ScaleReader.Mode.forProfile(options(.riceLake, poll: nil)), .listen)

        // The profile's stability window reaches the capture rule, and the division and unit the driver.
        let scale = options(.and, poll: nil)
        XCTAssertEqual(WeightCapture.Configuration(profile: scale).stabilityWindow, WeightCapture.StabilityWindow(readings: 3, milliseconds: 600))
        XCTAssertEqual(ScaleDriverOptions(profile: scale), ScaleDriverOptions(division: scaleDivision("0.5"), unit: .kilogram))
    }
}
