import Foundation
import TallyCore
import XCTest

final class UTCTimestampTests: XCTestCase {
    func testFormatsKnownInstants() {
        XCTAssertEqual(UTCTimestamp.format(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00.000Z")
        XCTAssertEqual(UTCTimestamp.format(Date(timeIntervalSince1970: 951_782_400.5)), "2000-02-29T00:00:00.500Z")
        XCTAssertEqual(UTCTimestamp.format(Date(timeIntervalSince1970: 1_795_931_462.12)), "2026-11-29T05:51:02.120Z")
        XCTAssertEqual(UTCTimestamp.format(Date(timeIntervalSince1970: -1)), "1969-12-31T23:59:59.000Z")
    }

    func testParsesOffsetsFractionsAndRejectsNonsense() {
        XCTAssertEqual(UTCTimestamp.parse("2026-11-29T05:51:02.12Z").map(UTCTimestamp.milliseconds), 1_795_931_462_120)
        XCTAssertEqual(UTCTimestamp.parse("2026-11-29T06:51:02+01:00").map(UTCTimestamp.milliseconds), 1_795_931_462_000)
        XCTAssertEqual(UTCTimestamp.parse("2026-11-29T05:51:02.123456Z").map(UTCTimestamp.milliseconds), 1_795_931_462_123)
        for bad in ["", "2026-11-29", "2026-02-30T00:00:00Z", "2026-11-29T24:00:00Z", "2026-11-29T05:51:02", "2026-11-29T05:51:02.Z", "2026-11-29T05:51:02Zjunk"] {
            XCTAssertNil(UTCTimestamp.parse(bad), bad)
        }
    }

    func testRoundTripIsExactForEveryMillisecondPattern() {
        var ms: Int64 = 1_795_931_462_000
        for step in 0..<5000 {
            ms += Int64(step % 997) + 1
            let date = UTCTimestamp.date(milliseconds: ms)
            let text = UTCTimestamp.format(date)
            XCTAssertEqual(UTCTimestamp.parse(text), date, text)
            XCTAssertEqual(UTCTimestamp.truncated(date), date)
        }
    }
}
