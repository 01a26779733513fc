import XCTest
@testable import TallyDevices

final class HIDPOSDecoderTests: XCTestCase {
    private let gs: UInt8 = 0x1D

    private func decode(_ reports: [[UInt8]], configuration: HIDPOSDecoder.Configuration = .init()) -> (events: [HIDPOSEvent], counters: HIDPOSDecoder.Counters) {
        var decoder = HIDPOSDecoder(configuration: configuration)
        var events: [HIDPOSEvent] = []
        for (offset, report) in reports.enumerated() {
            events += decoder.feed(report, atMilliseconds: 100 + UInt64(offset))
        }
        return (events, decoder.counters)
    }

    func testShortScanInOneReport() {
        let reports = HIDPOSScan.reports(symbology: "]E0", data: Array("4006381333931".utf8))
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(reports[0].count, 64)
        XCTAssertEqual(Array(reports[0][0...4]), [0x02, 13, 0x5D, 0x45, 0x30])
        XCTAssertEqual(reports[0][63], 0, "no continuation")
        let (events, counters) = decode(reports)
        XCTAssertEqual(events, [.scan(HIDPOSScan(symbology: "]E0", data: Array("4006381333931".utf8)))])
        if case .scan(let scan) = events.first { XCTAssertEqual(scan.text, "4006381333931") }
        XCTAssertEqual(counters.scans, 1)
    }

    func testLongScanContinuedOverSeveralReports() {
        // A GS1 DataMatrix of 150 bytes with GS separators: 56 + 56 + 38.
        var data = Array("0104012345678901".utf8) + [gs] + Array("21".utf8)
        while data.count < 150 { data.append(UInt8(ascii: "A") + UInt8(data.count % 26)) }
        let reports = HIDPOSScan.reports(symbology: "]d2", data: data)
        XCTAssertEqual(reports.count, 3)
        XCTAssertEqual(reports.map { $0[1] }, [56, 56, 38])
        XCTAssertEqual(reports.map { $0[63] & 1 }, [1, 1, 0])
        let (events, counters) = decode(reports)
        XCTAssertEqual(events, [.scan(HIDPOSScan(symbology: "]d2", data: data))])
        XCTAssertEqual(counters.reports, 3)
        XCTAssertEqual(counters.scans, 1)
    }

    func testExactlyOneFullReport() {
        let data = [UInt8](repeating: UInt8(ascii: "7"), count: 56)
        let reports = HIDPOSScan.reports(symbology: "]C0", data: data)
        XCTAssertEqual(reports.count, 1)
        XCTAssertEqual(decode(reports).events, [.scan(HIDPOSScan(symbology: "]C0", data: data))])
    }

    func testGarbageShortAndForeignReportsAreCountedAndIgnored() {
        let good = HIDPOSScan.reports(symbology: "]A0", data: Array("ABC123".utf8))[0]
        var badLength = good
        badLength[1] = 57  // more than the 56 data bytes a report holds
        var foreign = good
        foreign[0] = 0x04
        let reports: [[UInt8]] = [[], [0x02, 0x03], Array(good.prefix(40)), good + [0], badLength, foreign, good]
        let (events, counters) = decode(reports)
        XCTAssertEqual(events, [.scan(HIDPOSScan(symbology: "]A0", data: Array("ABC123".utf8)))])
        XCTAssertEqual(counters.malformedReports, 5)
        XCTAssertEqual(counters.otherReports, 1)
        XCTAssertEqual(counters.reports, 7)
    }

    func testEmptyReportIsCountedNotEmitted() {
        var empty = [UInt8](repeating: 0, count: 64)
        empty[0] = 2
        let (events, counters) = decode([empty])
        XCTAssertEqual(events, [])
        XCTAssertEqual(counters.emptyReports, 1)
    }

    func testMissingContinuationIsDroppedOnTimeoutAndOnDisconnect() {
        let data = [UInt8](repeating: UInt8(ascii: "X"), count: 80)
        let reports = HIDPOSScan.reports(symbology: nil, data: data)
        var decoder = HIDPOSDecoder(configuration: .init(continuationTimeoutMilliseconds: 200))
        XCTAssertEqual(decoder.feed(reports[0], atMilliseconds: 1_000), [])
        XCTAssertTrue(decoder.hasPartialScan)
        XCTAssertEqual(decoder.partialScanDeadline, 1_201)
        XCTAssertNil(decoder.flush(atMilliseconds: 1_150))
        XCTAssertEqual(decoder.flush(atMilliseconds: 1_300),
                       .dropped(partial: String(repeating: "X", count: 56), reason: .interKeyTimeout(gapMilliseconds: 300)))
        // A new scan after the drop decodes normally; a continued one cut by unplug is dropped.
        XCTAssertEqual(decoder.feed(HIDPOSScan.reports(symbology: nil, data: [0x31])[0], atMilliseconds: 1_400),
                       [.scan(HIDPOSScan(symbology: nil, data: [0x31]))])
        _ = decoder.feed(reports[0], atMilliseconds: 1_500)
        XCTAssertEqual(decoder.dropPartial(reason: .deviceDisconnected),
                       .dropped(partial: String(repeating: "X", count: 56), reason: .deviceDisconnected))
        XCTAssertEqual(decoder.counters.droppedScans, 2)
        XCTAssertNil(decoder.dropPartial(reason: .deviceDisconnected))
    }

    func testLayoutWithoutByteCountEndsDataAtNUL() {
        let layout = ScannedDataReportLayout(
            reportID: nil, reportLength: 36, lengthByte: nil, symbologyBytes: [0, 1, 2], dataOffset: 3,
            dataCapacity: 32, continuedFlag: (35, 0x01))
        let data = Array("HELLO-WORLD-0123456789-ABCDEFGHIJKLMNOP".utf8)
        let reports = HIDPOSScan.reports(symbology: "]Q1", data: data, layout: layout)
        XCTAssertEqual(reports.count, 2)
        XCTAssertEqual(decode(reports, configuration: .init(layout: layout)).events,
                       [.scan(HIDPOSScan(symbology: "]Q1", data: data))])
    }

    func testBinaryDataBecomesLatin1Text() {
        let scan = HIDPOSScan(symbology: nil, data: [0x41, 0xE9, 0x1D, 0xFF])
        XCTAssertEqual(scan.text.unicodeScalars.map(\.value), [0x41, 0xE9, 0x1D, 0xFF])
        XCTAssertEqual(HIDPOSScan(symbology: nil, data: Array("Grüße".utf8)).text, "Grüße")
    }
}
