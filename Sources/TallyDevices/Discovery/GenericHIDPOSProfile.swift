/// The built-in profile of a HID Point of Sale barcode scanner that no hardware profile names.
///
/// Discovery gives it to an unmatched USB device with a HID interface whose report descriptor has a
/// top-level collection on usage page 0x8C (``HIDDeviceClass/barcodeScanner``): such a device says
/// what it is, so it can be read without a profile. Its identity follows the usual rules with
/// ``id`` as the profile part (`generic-hid-pos:<serial>`, else `generic-hid-pos@<port>`), and it
/// carries a warning asking for a profile.
///
/// Defaults: no prefix, no suffix, no AIM identifiers expected in the data (the symbology comes
/// from the scanned data report's symbology identifier bytes when the scanner fills them; data that
/// starts with an AIM identifier is passed on intact for the normalizer). The interface to claim is
/// the one whose descriptor declares page 0x8C, so a composite device's keyboard interface is left
/// to the kernel.
public enum GenericHIDPOSProfile {
    /// `generic-hid-pos`: the profile id in identities, `tally devices` and `tally listen`.
    public static let id = "generic-hid-pos"

    /// The profile's name.
    public static let name = "Generic HID POS barcode scanner (usage page 0x8C, no profile)"

    /// The scanner options: no prefix or suffix, AIM identifiers not expected.
    public static let scannerOptions = HardwareProfile.ScannerOptions(
        layout: nil, terminator: .enter, aimIdentifiers: false, prefix: "", suffix: "")

    /// The profile for a USB device `vendorID`:`productID` read through HID interface `interface`
    /// (nil: the first HID interface with an interrupt IN endpoint).
    public static func profile(
        vendorID: HardwareProfile.USBID, productID: HardwareProfile.USBID, interface: Int?
    ) -> HardwareProfile {
        HardwareProfile(
            id: id, name: name, kind: .scanner, transport: .usbHIDPOS,
            match: HardwareProfile.Match(vendorID: vendorID, productID: productID, interface: interface),
            scanner: scannerOptions,
            sources: [HardwareProfile.Source(
                title: "USB HID Point of Sale Usage Tables, version 1.02 (USB-IF)",
                location: "usage page 0x8C Bar Code Scanner; Scanned Data Report 0x12, Decoded Data 0xFE",
                note: "built in: used for devices no profile names that declare usage page 0x8C")])
    }

    /// The profile for a device discovery matched by its HID class (``DiscoveredDevice/matchedBy`` is
    /// ``DiscoveredDevice/MatchKind/hidClass``), claiming its barcode scanner interface; nil for
    /// any other device.
    public static func profile(for device: DiscoveredDevice) -> HardwareProfile? {
        guard device.matchedBy == .hidClass else { return nil }
        return profile(
            vendorID: device.usb.vendorID, productID: device.usb.productID,
            interface: scannerInterface(of: device.usb))
    }

    /// The number of the first interface whose report descriptor declares page 0x8C, or nil.
    public static func scannerInterface(of usb: DiscoveredDevice.USB) -> Int? {
        usb.interfaces.first { $0.hidClass == .barcodeScanner }?.number
    }

    /// The warning a device read with this profile carries.
    public static func warning(vendorID: HardwareProfile.USBID, productID: HardwareProfile.USBID, interface: Int?) -> String {
        let at = interface.map { " (interface \($0))" } ?? ""
        return "no profile names \(vendorID):\(productID); reading it as a HID POS barcode scanner (\(id)) because "
            + "its HID report descriptor\(at) declares usage page 0x8C (bar code scanner); add a profile for "
            + "\(vendorID):\(productID) to hardware-profiles/ to name it and set its options"
    }
}
