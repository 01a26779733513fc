import XCTest
@testable import TallyDevices

/// The pure parts of the libusb wrapper: error naming and descriptor walking.
final class USBReaderUnitTests: XCTestCase {
    func testLibUSBErrorsNameTheCallTheDeviceAndTheLibUSBError() {
        let error = DeviceIOError(call: "libusb_claim_interface", device: "001/004 (zebra-ds2208:S1)", code: -6)
        XCTAssertEqual(error.description, "libusb_claim_interface on 001/004 (zebra-ds2208:S1) failed: LIBUSB_ERROR_BUSY (-6)")
        XCTAssertTrue(error.isLibUSB)
        XCTAssertFalse(error.isDisconnect)
        XCTAssertTrue(DeviceIOError(call: "libusb_submit_transfer", device: "x", code: -4).isDisconnect)
        XCTAssertEqual(DeviceIOError.libusbErrorName(-99), "LIBUSB_ERROR_OTHER")
        XCTAssertEqual(DeviceIOError.libusbErrorName(-42), "libusb error -42")
        // errno-based calls keep their wording.
        XCTAssertTrue(DeviceIOError(call: "open", device: "/dev/ttyUSB0", code: ENOENT).description.hasSuffix("(errno 2)"))
        XCTAssertTrue(DeviceIOError(call: "read", device: "/dev/ttyUSB0", code: ENODEV).isDisconnect)
    }

    func testReportDescriptorLengthFromTheHIDDescriptor() {
        // HID descriptor: 9 bytes, type 0x21, bcdHID 1.11, country 0, one descriptor: report (0x22), 63 bytes.
        XCTAssertEqual(USBInterruptReader.reportDescriptorLength(inClassDescriptors: [0x09, 0x21, 0x11, 0x01, 0x00, 0x01, 0x22, 0x3F, 0x00]), 63)
        // A vendor descriptor first, then a HID descriptor naming a physical descriptor before the report one.
        let bytes: [UInt8] = [0x04, 0x24, 0x01, 0x02] + [0x0C, 0x21, 0x11, 0x01, 0x00, 0x02, 0x23, 0x10, 0x00, 0x22, 0x2A, 0x01]
        XCTAssertEqual(USBInterruptReader.reportDescriptorLength(inClassDescriptors: bytes), 0x012A)
        XCTAssertEqual(USBInterruptReader.reportDescriptorLength(inClassDescriptors: []), 0)
        XCTAssertEqual(USBInterruptReader.reportDescriptorLength(inClassDescriptors: [0x09, 0x21, 0x11]), 0, "truncated")
        XCTAssertEqual(USBInterruptReader.reportDescriptorLength(inClassDescriptors: [0x00, 0x21]), 0, "zero length does not loop")
    }

    func testBusNames() {
        XCTAssertEqual(USBInterruptReader.busName(bus: 1, address: 4), "001/004")
        XCTAssertEqual(USBInterruptReader.busName(bus: 12, address: 127), "012/127")
    }
}
