import XCTest
@testable import TallyDevices

final class ScanDecoderTests: XCTestCase {
    private func profile(_ transport: HardwareProfile.Transport, _ options: HardwareProfile.ScannerOptions) -> HardwareProfile {
        HardwareProfile(
            id: "test-scanner", name: "Test", kind: .scanner, transport: transport,
            match: .init(vendorID: .init(0x1234), productID: .init(0x5678)), scanner: options,
            sources: [.init(title: "test", location: "here")])
    }

    func testDescriptorChoosesTheDecoder() throws {
        let keyboard = try HIDReportDescriptor(bytes: SimulatedHIDDescriptors.bootKeyboard)
        let pos = try HIDReportDescriptor(bytes: SimulatedHIDDescriptors.hidPOSScanner)
        let wedgeProfile = profile(.usbHIDKeyboard, .init(layout: .fr))
        let posProfile = profile(.usbHIDPOS, .init(layout: nil))

        let (fromKeyboard, keyboardNote) = ScanDecoder.Mode.choose(profile: wedgeProfile, descriptor: keyboard)
        XCTAssertEqual(fromKeyboard.name, "keyboard-wedge")
        XCTAssertNil(keyboardNote)
        if case .keyboardWedge(let configuration, let reportID) = fromKeyboard {
            XCTAssertEqual(configuration.layout, .fr)
            XCTAssertNil(reportID)
        }
        let (fromPOS, posNote) = ScanDecoder.Mode.choose(profile: posProfile, descriptor: pos)
        XCTAssertEqual(fromPOS, .hidPOS(.init(layout: .common)))
        XCTAssertNil(posNote)

        // The descriptor wins over a wrong profile, with a note to log.
        let (contradicted, note) = ScanDecoder.Mode.choose(profile: wedgeProfile, descriptor: pos)
        XCTAssertEqual(contradicted.name, "hid-pos")
        XCTAssertNotNil(note)
        // No descriptor (the GET_DESCRIPTOR request failed): the profile decides.
        XCTAssertEqual(ScanDecoder.Mode.choose(profile: posProfile, descriptor: nil).mode.name, "hid-pos")
        XCTAssertEqual(ScanDecoder.Mode.choose(profile: nil, descriptor: nil).mode.name, "keyboard-wedge")
    }

    func testWedgeWithPrefixSuffixAndAIMIdentifier() throws {
        let options = HardwareProfile.ScannerOptions(layout: .de, terminator: .enter, aimIdentifiers: true, prefix: "<", suffix: ">")
        let mode = ScanDecoder.Mode.choose(profile: profile(.usbHIDKeyboard, options), descriptor: nil).mode
        var decoder = ScanDecoder(mode: mode, options: options)
        let reports = try SimulatedWedgeScanner(layout: .de).reports(for: "<]C1010401234567890\u{1D}21XY>")
        var events: [ScanDecoderEvent] = []
        for (offset, report) in reports.enumerated() { decoder.feed(report, atMilliseconds: UInt64(offset), into: &events) }
        XCTAssertEqual(events, [.scan(DecodedScan(text: "010401234567890\u{1D}21XY", symbology: "]C1"))])
        XCTAssertEqual(decoder.counters.scans, 1)
    }

    func testWedgeWithoutTerminatorEndsAtTheTimeout() throws {
        let options = HardwareProfile.ScannerOptions(layout: .us, terminator: .none, interKeyTimeoutMilliseconds: 50)
        var decoder = ScanDecoder(mode: .choose(profile: profile(.usbHIDKeyboard, options), descriptor: nil).mode, options: options)
        let reports = try SimulatedWedgeScanner(terminator: .none).reports(for: "ABC")
        var events: [ScanDecoderEvent] = []
        for (offset, report) in reports.enumerated() { decoder.feed(report, atMilliseconds: 10 + UInt64(offset), into: &events) }
        XCTAssertEqual(events, [])
        let deadline = try XCTUnwrap(decoder.partialScanDeadline)
        XCTAssertNil(decoder.flush(atMilliseconds: deadline - 1))
        XCTAssertEqual(decoder.flush(atMilliseconds: deadline), .scan(DecodedScan(text: "ABC", symbology: nil)))
    }

    func testKeyboardReportsWithAReportIDAreStripped() {
        var decoder = ScanDecoder(mode: .keyboardWedge(.init(), reportID: 4))
        let reports: [[UInt8]] = [
            [4, 0x02, 0, 0x04, 0, 0, 0, 0, 0], [4, 0, 0, 0, 0, 0, 0, 0, 0],
            [1, 0x05, 0x00],  // a mouse report of the same device: ignored and counted
            [4, 0, 0, 0x28, 0, 0, 0, 0, 0],
        ]
        var events: [ScanDecoderEvent] = []
        for report in reports { decoder.feed(report, atMilliseconds: 1, into: &events) }
        XCTAssertEqual(events, [.scan(DecodedScan(text: "A", symbology: nil))])
        XCTAssertEqual(decoder.counters.ignoredReports, 1)
        XCTAssertEqual(decoder.counters.reports, 4)
    }

    func testHIDPOSThroughTheCommonDecoderAndUnplugDropsAContinuedScan() {
        var decoder = ScanDecoder(mode: .hidPOS(.init()))
        let data = [UInt8](repeating: UInt8(ascii: "9"), count: 70)
        let reports = HIDPOSScan.reports(symbology: "]C0", data: data)
        XCTAssertEqual(decoder.feed(reports[0], atMilliseconds: 0), [])
        XCTAssertTrue(decoder.hasPartialScan)
        XCTAssertEqual(decoder.dropPartial(reason: .deviceDisconnected),
                       .dropped(partial: String(repeating: "9", count: 56), reason: .deviceDisconnected))
        XCTAssertEqual(decoder.feed(reports[0], atMilliseconds: 10) + decoder.feed(reports[1], atMilliseconds: 11),
                       [.scan(DecodedScan(text: String(repeating: "9", count: 70), symbology: "]C0"))])
        XCTAssertEqual(decoder.counters.droppedScans, 1)
    }
}
