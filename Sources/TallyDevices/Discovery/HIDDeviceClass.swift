#if canImport(Glibc)
import Glibc
#endif

/// What a HID interface declares itself to be, judged from the report descriptor the kernel already
/// read (sysfs `report_descriptor` of the `hid` device under the USB interface), before anything
/// opens the device.
///
/// Discovery uses it to read a device that no hardware profile names, but only when its class is
/// unambiguous: a top-level collection on the HID Point of Sale bar code scanner page (0x8C) is a
/// scanner; a keyboard may be a keyboard-wedge scanner *or the operator's own keyboard*, so it is
/// never opened without a profile.
public enum HIDDeviceClass: String, Sendable, Hashable, Codable, CaseIterable {
    /// A top-level (application) collection on usage page 0x8C (HID POS Bar Code Scanner): a HID
    /// Point of Sale barcode scanner, whatever else the descriptor holds.
    case barcodeScanner = "barcode-scanner"
    /// A Generic Desktop / Keyboard application collection and nothing on page 0x8C: a keyboard or
    /// a keyboard-wedge scanner (ambiguous).
    case keyboard
    /// A descriptor that parses but is neither (a mouse, a vendor-defined interface).
    case other
    /// A descriptor that does not parse (empty, truncated, unbalanced, absurd sizes).
    case unreadable

    /// The usage page of HID Point of Sale bar code scanners (USB HID Point of Sale Usage Tables).
    public static let barcodeScannerUsagePage: UInt32 = 0x8C

    /// Classifies a HID report descriptor. Pure and total: any byte string gives a class, never a
    /// crash (a descriptor that does not parse is ``unreadable``).
    public static func classify(reportDescriptor bytes: [UInt8]) -> HIDDeviceClass {
        guard !bytes.isEmpty else { return .unreadable }
        let descriptor: HIDReportDescriptor
        do throws(HIDDescriptorError) {
            descriptor = try HIDReportDescriptor(bytes: bytes)
        } catch {
            return .unreadable
        }
        return classify(applications: descriptor.applications)
    }

    /// Classifies by the usages of the top-level collections (extended usages, page in the high
    /// 16 bits): any on page 0x8C makes a barcode scanner, else a Generic Desktop / Keyboard makes a
    /// keyboard, else other.
    public static func classify(applications: [UInt32]) -> HIDDeviceClass {
        if applications.contains(where: { $0 >> 16 == barcodeScannerUsagePage }) { return .barcodeScanner }
        if applications.contains(HIDUsage.keyboard) { return .keyboard }
        return .other
    }

    /// Combines the classes of several HID devices under one interface (rare, but allowed): a
    /// barcode scanner wins, then keyboard, then other, then unreadable.
    static func strongest(_ classes: some Sequence<HIDDeviceClass>) -> HIDDeviceClass? {
        let order: [HIDDeviceClass] = [.barcodeScanner, .keyboard, .other, .unreadable]
        let present = Set(classes)
        return order.first { present.contains($0) }
    }
}

/// Reads a binary sysfs attribute (`report_descriptor`) with plain `open`/`read`: libudev's
/// `udev_device_get_sysattr_value` returns C strings, which end at the first zero byte.
enum SysfsBinaryAttribute {
    /// The largest attribute read; HID report descriptors are at most 4096 bytes (the kernel's
    /// `HID_MAX_DESCRIPTOR_SIZE`).
    static let maximumLength = 65_536

    /// The contents of `<syspath>/<name>`.
    ///
    /// - Throws: ``DeviceIOError`` naming `open` or `read` and the file.
    static func read(syspath: String, name: String) throws(DeviceIOError) -> [UInt8] {
        let path = syspath + "/" + name
        let descriptor = try systemCall("open", device: path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(descriptor) }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 1)
        defer { chunk.deallocate() }
        var bytes: [UInt8] = []
        while bytes.count < maximumLength {
            let count = try systemCall("read", device: path) { Glibc.read(descriptor, chunk.baseAddress, chunk.count) }
            if count == 0 { break }
            bytes += chunk.prefix(count)
        }
        return bytes
    }
}
