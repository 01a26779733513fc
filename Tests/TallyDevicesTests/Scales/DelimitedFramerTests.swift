import TallyTestSupport
import XCTest
@testable import TallyDevices

private func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }

/// Feeds `chunks` one after the other and finishes the stream.
private func feed(_ rule: DelimitedFramer.Rule, _ chunks: [[UInt8]], finish: Bool = true) -> (outputs: [FramerOutput], framer: DelimitedFramer) {
    var framer = DelimitedFramer(rule: rule)
    var outputs: [FramerOutput] = []
    for chunk in chunks { outputs += framer.append(chunk) }
    if finish { outputs += framer.finish() }
    return (outputs, framer)
}

private func frame(_ bytes: [UInt8], _ offset: Int) -> FramerOutput { .frame(ScaleFrame(bytes: bytes, offset: offset)) }
private func garbage(_ offset: Int, _ count: Int) -> FramerOutput { .discarded(FrameError(offset: offset, reason: .garbage(byteCount: count))) }

final class DelimitedFramerTests: XCTestCase {
    let first = ascii("S S      1.0 kg\r\n")
    let noise: [UInt8] = [0x00, 0xFF, 0x13]
    let second = ascii("S D      2.0 kg\r\n")
    let badLine = ascii("xx") + [0x01] + ascii("yy\r\n")
    let third = ascii("S S      3.0 kg\r\n")

    var stream: [UInt8] { first + noise + second + badLine + third }

    var expected: [FramerOutput] {
        let o2 = first.count + noise.count
        let o3 = o2 + second.count
        let o4 = o3 + badLine.count
        return [
            frame(first, 0),
            garbage(first.count, noise.count),
            frame(second, o2),
            garbage(o3, badLine.count),
            frame(third, o4),
        ]
    }

    func testResynchronizesAtTheNextFrameBoundary() {
        let (outputs, framer) = feed(.crlfLines, [stream])
        XCTAssertEqual(outputs, expected)
        XCTAssertEqual(framer.discardedByteCount, noise.count + badLine.count)
        XCTAssertEqual(framer.streamOffset, stream.count)
    }

    func testSplitAtEveryBytePositionGivesTheSameFramesAndOffsets() {
        let bytes = stream
        for split in 0...bytes.count {
            let (outputs, _) = feed(.crlfLines, [Array(bytes[..<split]), Array(bytes[split...])])
            XCTAssertEqual(outputs, expected, "split at \(split)")
        }
        for first in stride(from: 0, through: bytes.count, by: 3) {
            for second in stride(from: first, through: bytes.count, by: 5) {
                let chunks = [Array(bytes[..<first]), Array(bytes[first..<second]), Array(bytes[second...])]
                XCTAssertEqual(feed(.crlfLines, chunks).outputs, expected, "splits at \(first), \(second)")
            }
        }
        XCTAssertEqual(feed(.crlfLines, bytes.map { [$0] }).outputs, expected, "byte by byte")
    }

    func testPartialFrameWaitsForTheRest() {
        var framer = DelimitedFramer(rule: .crlfLines)
        XCTAssertEqual(framer.append(ascii("S S    41")), [])
        XCTAssertEqual(framer.append(ascii("2.5 kg\r")), [])
        XCTAssertEqual(framer.append([0x0A]), [frame(ascii("S S    412.5 kg\r\n"), 0)])
        XCTAssertEqual(framer.discardedByteCount, 0)
    }

    func testIncompleteFrameAtFinishIsGarbage() {
        let (outputs, framer) = feed(.crlfLines, [first + ascii("S S   4")])
        XCTAssertEqual(outputs, [frame(first, 0), garbage(first.count, 7)])
        XCTAssertEqual(framer.discardedByteCount, 7)
    }

    func testOverlongLineIsDiscardedThroughItsTerminator() {
        let long = [UInt8](repeating: UInt8(ascii: "A"), count: 300) + ascii("\r\n")
        let (outputs, _) = feed(.crlfLines, [long + first])
        XCTAssertEqual(outputs, [garbage(0, long.count), frame(first, long.count)])
    }

    func testStrayLineEndsAndBareCarriageReturns() {
        // An empty line, a lone LF, a CR inside a line and a doubled CR all resynchronize.
        let input = ascii("\r\n\n") + ascii("S S 1\rX\r\n") + ascii("S S 2 kg\r\r\n") + first
        let (outputs, framer) = feed(.crlfLines, [input])
        XCTAssertEqual(outputs, [garbage(0, input.count - first.count), frame(first, input.count - first.count)])
        XCTAssertEqual(framer.discardedByteCount, input.count - first.count)
    }

    func testGarbageRunsAreReportedAtTheThreshold() {
        let rule = DelimitedFramer.Rule(terminator: [0x0D, 0x0A], garbageReportThreshold: 100)
        let junk = [UInt8](repeating: 0x00, count: 250)
        var framer = DelimitedFramer(rule: rule)
        XCTAssertEqual(framer.append(junk), [garbage(0, 100), garbage(100, 100)])
        XCTAssertEqual(framer.finish(), [garbage(200, 50)])
        XCTAssertEqual(framer.discardedByteCount, 250)
    }

    func testStartByteAndChecksumTrailer() {
        let rule = DelimitedFramer.Rule(start: 0x02, terminator: [0x0D], trailerLength: 1, maximumLength: 18)
        let good: [UInt8] = [0x02] + ascii("ABC") + [0x0D, 0x7F]
        let cut: [UInt8] = [0x02] + ascii("AB")
        // Junk before, a frame cut by a new STX, then a good frame; the trailer may be any byte.
        let input = ascii("zz") + cut + good + good
        let (outputs, _) = feed(rule, [input])
        XCTAssertEqual(outputs, [garbage(0, 2 + cut.count), frame(good, 2 + cut.count), frame(good, 2 + cut.count + good.count)])
        for split in 0...input.count {
            XCTAssertEqual(feed(rule, [Array(input[..<split]), Array(input[split...])]).outputs, outputs, "split at \(split)")
        }
        // A frame longer than the maximum is dropped up to the next STX.
        let long: [UInt8] = [0x02] + [UInt8](repeating: 0x41, count: 40) + [0x0D, 0x00]
        XCTAssertEqual(feed(rule, [long + good]).outputs, [garbage(0, long.count), frame(good, long.count)])
    }

    func testBodyMayContainTheStartByteAndInnerLineEnds() {
        // NCI-style: LF starts a frame, CR and LF also occur inside it, ETX ends it.
        var body = ByteSet.printableASCII
        body.insert(0x0A)
        body.insert(0x0D)
        let rule = DelimitedFramer.Rule(start: 0x0A, terminator: [0x03], body: body)
        let nci: [UInt8] = [0x0A] + ascii("  12.5lb") + [0x0D, 0x0A] + ascii("00") + [0x0D, 0x03]
        XCTAssertEqual(feed(rule, [ascii("?") + nci]).outputs, [garbage(0, 1), frame(nci, 1)])
    }

    func testArbitraryBytesNeverTrapAndEveryByteIsAccounted() {
        var generator = SplitMix64(seed: 0x7A11_7A11)
        var input: [UInt8] = []
        while input.count < 200_000 {
            let roll = generator.next() % 10
            if roll < 3 {
                input += first
            } else if roll < 5 {
                input += [0x0D, 0x0A]
            } else {
                for _ in 0..<(generator.next() % 40) { input.append(UInt8(truncatingIfNeeded: generator.next())) }
            }
        }
        var framer = DelimitedFramer(rule: .crlfLines)
        var outputs: [FramerOutput] = []
        var position = 0
        while position < input.count {
            let size = Int(generator.next() % 700)
            let end = min(input.count, position + size)
            outputs += framer.append(input[position..<end])
            position = end
        }
        outputs += framer.finish()
        var framed = 0
        var discarded = 0
        var lastEnd = 0
        for output in outputs {
            switch output {
            case .frame(let frame):
                XCTAssertLessThanOrEqual(frame.bytes.count, DelimitedFramer.Rule.crlfLines.maximumLength)
                XCTAssertEqual(Array(input[frame.offset..<(frame.offset + frame.bytes.count)]), frame.bytes)
                XCTAssertEqual(Array(frame.bytes.suffix(2)), [0x0D, 0x0A])
                XCTAssertGreaterThanOrEqual(frame.offset, lastEnd, "frames and runs are in stream order")
                lastEnd = frame.offset + frame.bytes.count
                framed += frame.bytes.count
            case .discarded(let error):
                guard case .garbage(let count) = error.reason else { return XCTFail("\(error)") }
                XCTAssertEqual(error.offset, lastEnd, "a discarded run starts where the previous output ended")
                lastEnd = error.offset + count
                discarded += count
            }
        }
        XCTAssertEqual(framed + discarded, input.count)
        XCTAssertEqual(framer.discardedByteCount, discarded)
        XCTAssertEqual(framer.streamOffset, input.count)
        XCTAssertGreaterThan(framed, 0)
    }

    func testByteSet() {
        var set = ByteSet(0x30...0x39)
        XCTAssertTrue(set.contains(0x35))
        XCTAssertFalse(set.contains(0x41))
        set.insert(0xFF)
        set.insert(0x80)
        set.insert(0x40)
        XCTAssertTrue(set.contains(0xFF) && set.contains(0x80) && set.contains(0x40))
        XCTAssertFalse(set.contains(0xFE))
        XCTAssertEqual(ByteSet.printableASCII, ByteSet(0x20...0x7E))
        XCTAssertNotEqual(set, ByteSet(0x30...0x39))
    }

    func testPrintableFrame() {
        XCTAssertEqual(ScaleFrame(bytes: [0x02, 0x41, 0x00, 0x0D, 0x0A], offset: 3).description, "@3 <STX>A<00><CR><LF>")
        XCTAssertEqual(FrameError(offset: 7, reason: .garbage(byteCount: 2)).description, "at byte 7: 2 bytes of garbage discarded")
    }
}
