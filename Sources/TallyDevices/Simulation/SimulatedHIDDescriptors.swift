/// Report descriptors and USB descriptors of the two kinds of USB scanner, for simulators, capture
/// generators and tests.
///
/// The keyboard descriptor is the boot keyboard of the USB HID specification (HID 1.11, appendix
/// B.1): 8-byte input reports, a 1-byte LED output report. The HID POS descriptor describes the
/// 64-byte scanned data report common to HID POS scanners (see ``ScannedDataReportLayout/common``)
/// with the usages of the USB-IF HID Point of Sale Usage Tables (page 0x8C).
public enum SimulatedHIDDescriptors {
    /// The boot keyboard report descriptor (63 bytes).
    public static let bootKeyboard: [UInt8] = [
        0x05, 0x01, 0x09, 0x06, 0xA1, 0x01,              // Generic Desktop / Keyboard, application
        0x05, 0x07, 0x19, 0xE0, 0x29, 0xE7,              //   Keyboard page, Left Control ... Right GUI
        0x15, 0x00, 0x25, 0x01, 0x75, 0x01, 0x95, 0x08,  //   0-1, 8 × 1 bit
        0x81, 0x02,                                      //   Input (Data, Variable): modifier byte
        0x95, 0x01, 0x75, 0x08, 0x81, 0x01,              //   Input (Constant): reserved byte
        0x95, 0x05, 0x75, 0x01, 0x05, 0x08,              //   5 × 1 bit, LED page
        0x19, 0x01, 0x29, 0x05, 0x91, 0x02,              //   Num Lock ... Kana: Output (Data, Variable)
        0x95, 0x01, 0x75, 0x03, 0x91, 0x01,              //   Output (Constant): padding
        0x95, 0x06, 0x75, 0x08, 0x15, 0x00, 0x25, 0x65,  //   6 × 8 bits, 0-101
        0x05, 0x07, 0x19, 0x00, 0x29, 0x65,              //   Keyboard page, usages 0-101
        0x81, 0x00,                                      //   Input (Data, Array): key slots
        0xC0,                                            // End Collection
    ]

    /// A HID POS barcode scanner report descriptor: report id 2, 64 bytes on the wire.
    public static let hidPOSScanner: [UInt8] = [
        0x05, 0x8C, 0x09, 0x02, 0xA1, 0x01,              // Bar Code Scanner page / Bar Code Scanner, application
        0x09, 0x12, 0xA1, 0x02,                          //   Scanned Data Report, logical collection
        0x85, 0x02,                                      //     Report ID 2
        0x15, 0x00, 0x26, 0xFF, 0x00, 0x75, 0x08, 0x95, 0x01,
        0x05, 0x01, 0x09, 0x3B, 0x81, 0x02,              //     Generic Desktop / Byte Count
        0x05, 0x8C, 0x09, 0xFB, 0x09, 0xFC, 0x09, 0xFD,  //     Symbology Identifier 1, 2, 3
        0x95, 0x03, 0x81, 0x02,
        0x09, 0xFE, 0x95, 0x38, 0x82, 0x02, 0x01,        //     Decoded Data: 56 buffered bytes
        0x06, 0x66, 0xFF, 0x09, 0x01, 0x95, 0x02, 0x81, 0x02,  // two vendor bytes
        0x05, 0x8C, 0x09, 0xFF, 0x25, 0x01, 0x75, 0x01, 0x95, 0x01, 0x81, 0x02,  // Decode Data Continued
        0x75, 0x07, 0x81, 0x03,                          //     padding to the byte
        0xC0,                                            //   End Collection
        0xC0,                                            // End Collection
    ]

    /// The USB descriptors of a one-interface HID device, in the order sysfs `descriptors` holds them:
    /// the 18-byte device descriptor, then the configuration descriptor with one HID interface
    /// (its HID descriptor naming a report descriptor of `reportDescriptorLength` bytes) and one
    /// interrupt IN endpoint 0x81.
    ///
    /// - Parameters:
    ///   - bootKeyboard: interface subclass 1 / protocol 1 (boot keyboard) rather than 0 / 0.
    ///   - packetSize: the endpoint's wMaxPacketSize (8 for a keyboard, 64 for HID POS).
    public static func usbDescriptors(
        vendorID: UInt16, productID: UInt16, bootKeyboard: Bool, reportDescriptorLength: Int, packetSize: Int
    ) -> [UInt8] {
        func le(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF)] }
        let device: [UInt8] = [0x12, 0x01] + le(0x0200) + [0x00, 0x00, 0x00, 0x40]
            + le(Int(vendorID)) + le(Int(productID)) + le(0x0100) + [0x01, 0x02, 0x03, 0x01]
        let interface: [UInt8] = [0x09, 0x04, 0x00, 0x00, 0x01, 0x03, bootKeyboard ? 1 : 0, bootKeyboard ? 1 : 0, 0x00]
        let hid: [UInt8] = [0x09, 0x21] + le(0x0111) + [0x00, 0x01, 0x22] + le(reportDescriptorLength)
        let endpoint: [UInt8] = [0x07, 0x05, 0x81, 0x03] + le(packetSize) + [0x01]
        let total = 9 + interface.count + hid.count + endpoint.count
        let configuration: [UInt8] = [0x09, 0x02] + le(total) + [0x01, 0x01, 0x00, 0x80, 0x32]
        return device + configuration + interface + hid + endpoint
    }

    /// Bytes as uppercase hex without separators (the `umockdev` `H:` and `N:` line format).
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF")
        var text = ""
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }
}
