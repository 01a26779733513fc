import XCTest
@testable import TallyDevices

final class HIDReportDescriptorTests: XCTestCase {
    func testBootKeyboardDescriptor() throws {
        let descriptor = try HIDReportDescriptor(bytes: SimulatedHIDDescriptors.bootKeyboard)
        XCTAssertEqual(SimulatedHIDDescriptors.bootKeyboard.count, 63)
        XCTAssertFalse(descriptor.usesReportIDs)
        XCTAssertEqual(descriptor.applications, [HIDUsage.keyboard])
        XCTAssertEqual(descriptor.reportIDs(.input), [0])
        XCTAssertEqual(descriptor.reportByteCount(.input, id: 0), 8)
        XCTAssertEqual(descriptor.wireByteCount(.input, id: 0), 8)
        XCTAssertEqual(descriptor.reportByteCount(.output, id: 0), 1)
        XCTAssertEqual(descriptor.interfaceKind, .keyboard(reportID: nil))

        let inputs = descriptor.fields.filter { $0.kind == .input }
        XCTAssertEqual(inputs.map(\.bitOffset), [0, 8, 16])
        XCTAssertEqual(inputs[0].usages.first, 0x0007_00E0)
        XCTAssertEqual(inputs[0].usages.last, 0x0007_00E7)
        XCTAssertTrue(inputs[0].isVariable)
        XCTAssertTrue(inputs[1].isConstant)
        XCTAssertFalse(inputs[2].isVariable, "key slots are an array")
        XCTAssertEqual(inputs[2].count, 6)
        XCTAssertEqual(inputs[2].logicalMaximum, 101)
    }

    func testHIDPOSScannerDescriptor() throws {
        let descriptor = try HIDReportDescriptor(bytes: SimulatedHIDDescriptors.hidPOSScanner)
        XCTAssertTrue(descriptor.usesReportIDs)
        XCTAssertEqual(descriptor.applications, [HIDUsage.barCodeScanner])
        XCTAssertEqual(descriptor.reportIDs(.input), [2])
        XCTAssertEqual(descriptor.wireByteCount(.input, id: 2), 64)
        guard case .barcodeScanner(let layout) = descriptor.interfaceKind else {
            return XCTFail("not recognised as a HID POS scanner: \(descriptor.interfaceKind)")
        }
        XCTAssertEqual(layout, .common)
        let data = try XCTUnwrap(descriptor.fields.first { $0.usages == [HIDUsage.decodedData] })
        XCTAssertTrue(data.isBufferedBytes)
        XCTAssertEqual(data.collections, [HIDUsage.barCodeScanner, HIDUsage.scannedDataReport])
        XCTAssertEqual(data.logicalMaximum, 255, "a 2-byte 0x00FF maximum is unsigned")
    }

    func testAScannerWithoutByteCountOrReportIDs() throws {
        // Symbology identifiers 1-3, 32 bytes of data, the continued flag in its own byte; no ids.
        let bytes: [UInt8] = [
            0x05, 0x8C, 0x09, 0x02, 0xA1, 0x01, 0x09, 0x12, 0xA1, 0x02,
            0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08,
            0x19, 0xFB, 0x29, 0xFD, 0x95, 0x03, 0x81, 0x02,
            0x09, 0xFE, 0x95, 0x20, 0x82, 0x02, 0x01,
            0x09, 0xFF, 0x25, 0x01, 0x75, 0x01, 0x95, 0x01, 0x81, 0x02, 0x75, 0x07, 0x81, 0x01,
            0xC0, 0xC0,
        ]
        let descriptor = try HIDReportDescriptor(bytes: bytes)
        guard case .barcodeScanner(let layout) = descriptor.interfaceKind else { return XCTFail() }
        XCTAssertNil(layout.reportID)
        XCTAssertEqual(layout.reportLength, 36)
        XCTAssertNil(layout.lengthByte)
        XCTAssertEqual(layout.symbologyBytes, [0, 1, 2])
        XCTAssertEqual(layout.dataOffset, 3)
        XCTAssertEqual(layout.dataCapacity, 32)
        XCTAssertEqual(layout.continuedFlag?.byte, 35)
        XCTAssertEqual(layout.continuedFlag?.mask, 0x01)
    }

    func testKeyboardWithReportIDAndAMouseCollection() throws {
        let bytes: [UInt8] = [
            0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x85, 0x01, 0x09, 0x01, 0xA1, 0x00,  // mouse, id 1
            0x05, 0x09, 0x19, 0x01, 0x29, 0x03, 0x15, 0x00, 0x25, 0x01, 0x95, 0x03, 0x75, 0x01, 0x81, 0x02,
            0x95, 0x01, 0x75, 0x05, 0x81, 0x01, 0xC0, 0xC0,
            0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x85, 0x04,  // keyboard, id 4
            0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7, 0x95, 0x08, 0x75, 0x01, 0x81, 0x02,
            0x95, 0x01, 0x75, 0x08, 0x81, 0x01, 0x95, 0x06, 0x19, 0x00, 0x29, 0x65, 0x25, 0x65, 0x81, 0x00, 0xC0,
        ]
        let descriptor = try HIDReportDescriptor(bytes: bytes)
        XCTAssertEqual(descriptor.applications, [0x0001_0002, HIDUsage.keyboard])
        XCTAssertEqual(descriptor.reportIDs(.input), [1, 4])
        XCTAssertEqual(descriptor.wireByteCount(.input, id: 4), 9)
        XCTAssertEqual(descriptor.wireByteCount(.input, id: 1), 2)
        XCTAssertEqual(descriptor.interfaceKind, .keyboard(reportID: 4))
    }

    func testPushPopExtendedUsagesAndLongItems() throws {
        let bytes: [UInt8] = [
            0x05, 0x01, 0x09, 0x06, 0xA1, 0x01,
            0xA4,                                   // push
            0x05, 0x0C, 0x75, 0x10, 0x95, 0x01,     // consumer page, 16 bits
            0x0B, 0xFE, 0x00, 0x8C, 0x00,           // 4-byte usage: 0x008C_00FE whatever the page
            0x81, 0x02,
            0xB4,                                   // pop: report size and count back to unset
            0xFE, 0x02, 0x10, 0xAA, 0xBB,           // a long item, skipped
            0x75, 0x08, 0x95, 0x01, 0x09, 0x30, 0x81, 0x02,
            0xC0,
        ]
        let descriptor = try HIDReportDescriptor(bytes: bytes)
        XCTAssertEqual(descriptor.fields.map(\.usages), [[HIDUsage.decodedData], [0x0001_0030]])
        XCTAssertEqual(descriptor.fields.map(\.bitOffset), [0, 16])
        XCTAssertEqual(descriptor.interfaceKind, .other, "decoded data outside a bar code scanner collection is not a scanner")
    }

    func testMalformedDescriptorsNameTheOffset() {
        XCTAssertThrowsError(try HIDReportDescriptor(bytes: [0x05, 0x01, 0x26, 0xFF])) { error in
            XCTAssertEqual(error as? HIDDescriptorError, HIDDescriptorError(offset: 2, reason: .truncated))
        }
        XCTAssertThrowsError(try HIDReportDescriptor(bytes: [0x05, 0x01, 0xC0])) { error in
            XCTAssertEqual(error as? HIDDescriptorError, HIDDescriptorError(offset: 2, reason: .unbalanced))
            XCTAssertEqual("\(error)", "HID report descriptor: item at byte 2 closes a collection or pops a state that was never opened")
        }
        XCTAssertThrowsError(try HIDReportDescriptor(bytes: [0xB4])) { error in
            XCTAssertEqual((error as? HIDDescriptorError)?.reason, .unbalanced)
        }
        XCTAssertThrowsError(try HIDReportDescriptor(bytes: [0x75, 0x08, 0x96, 0xFF, 0xFF, 0x81, 0x02])) { error in
            XCTAssertEqual((error as? HIDDescriptorError)?.reason, .tooLarge)
        }
        XCTAssertThrowsError(try HIDReportDescriptor(bytes: [0xFE, 0x05, 0x00, 0x01])) { error in
            XCTAssertEqual((error as? HIDDescriptorError)?.reason, .truncated)
        }
        XCTAssertEqual(try HIDReportDescriptor(bytes: []).interfaceKind, .other)
    }

    func testUSBDescriptorsCarryTheReportDescriptorLength() {
        let bytes = SimulatedHIDDescriptors.usbDescriptors(
            vendorID: 0x05E0, productID: 0x1200, bootKeyboard: true, reportDescriptorLength: 63, packetSize: 8)
        XCTAssertEqual(SimulatedHIDDescriptors.hex(bytes),
                       "1201000200000040E0050012000101020301090222000101008032090400000103010100092111010001223F0007058103080001")
    }
}
