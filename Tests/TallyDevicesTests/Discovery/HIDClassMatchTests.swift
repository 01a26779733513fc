import Foundation
import XCTest
@testable import TallyDevices

/// Devices no profile names: the HID class from the report descriptor (pure), the built-in
/// `generic-hid-pos` profile and its warning, and what the watcher keeps while usbhid is detached.
final class HIDClassMatchTests: XCTestCase {
    private typealias USBID = HardwareProfile.USBID

    // MARK: - The classifier

    func testAUsagePage8CApplicationCollectionIsABarcodeScanner() {
        XCTAssertEqual(HIDDeviceClass.classify(reportDescriptor: SimulatedHIDDescriptors.hidPOSScanner), .barcodeScanner)
        // The smallest such descriptor: Usage Page 0x8C, Usage Bar Code Scanner, Collection (Application), End.
        XCTAssertEqual(HIDDeviceClass.classify(reportDescriptor: [0x05, 0x8C, 0x09, 0x02, 0xA1, 0x01, 0xC0]), .barcodeScanner)
        // Another usage on the page (a vendor's scanner collection) and a 4-byte extended usage count too.
        XCTAssertEqual(HIDDeviceClass.classify(reportDescriptor: [0x05, 0x8C, 0x09, 0x01, 0xA1, 0x01, 0xC0]), .barcodeScanner)
        XCTAssertEqual(HIDDeviceClass.classify(reportDescriptor: [0x0B, 0x02, 0x00, 0x8C, 0x00, 0xA1, 0x01, 0xC0]), .barcodeScanner)
    }

    func testAScannerThatAlsoDeclaresAKeyboardIsStillAScanner() {
        let both = SimulatedHIDDescriptors.bootKeyboard + SimulatedHIDDescriptors.hidPOSScanner
        XCTAssertEqual(HIDDeviceClass.classify(reportDescriptor: both), .barcodeScanner)
    }

    func testABootKeyboardIsAKeyboardNotAScanner() {
        XCTAssertEqual(HIDDeviceClass.classify(reportDescriptor: SimulatedHIDDescriptors.bootKeyboard), .keyboard)
    }

    func testPage8CUsedOnlyInsideAnotherApplicationDoesNotCount() {
        // A keyboard application with a nested collection on page 0x8C: the top level decides.
        let nested: [UInt8] = [0x05, 0x01, 0x09, 0x06, 0xA1, 0x01, 0x05, 0x8C, 0x09, 0x02, 0xA1, 0x02, 0xC0, 0xC0]
        XCTAssertEqual(HIDDeviceClass.classify(reportDescriptor: nested), .keyboard)
        // A mouse.
        let mouse: [UInt8] = [0x05, 0x01, 0x09, 0x02, 0xA1, 0x01, 0x09, 0x01, 0xA1, 0x00, 0xC0, 0xC0]
        XCTAssertEqual(HIDDeviceClass.classify(reportDescriptor: mouse), .other)
    }

    func testGarbageAndTruncatedDescriptorsAreNotScannersAndNeverCrash() {
        XCTAssertEqual(HIDDeviceClass.classify(reportDescriptor: []), .unreadable)
        // Truncated inside the Usage Page item: the page never arrives.
        XCTAssertEqual(HIDDeviceClass.classify(reportDescriptor: [0x05]), .unreadable)
        XCTAssertEqual(HIDDeviceClass.classify(reportDescriptor: Array(SimulatedHIDDescriptors.hidPOSScanner.prefix(1))), .unreadable)
        // An End Collection with nothing open.
        XCTAssertEqual(HIDDeviceClass.classify(reportDescriptor: [0xC0, 0x05, 0x8C, 0x09, 0x02, 0xA1, 0x01]), .unreadable)
        // A corrupt HID POS descriptor cut in the middle of an item is unreadable, not a scanner.
        let cut = Array(SimulatedHIDDescriptors.hidPOSScanner.prefix(16))
        XCTAssertEqual(HIDDeviceClass.classify(reportDescriptor: cut), .unreadable)

        // Every prefix of both simulated descriptors, and pseudo-random bytes: some class, no trap.
        for descriptor in [SimulatedHIDDescriptors.hidPOSScanner, SimulatedHIDDescriptors.bootKeyboard] {
            for length in 0...descriptor.count {
                _ = HIDDeviceClass.classify(reportDescriptor: Array(descriptor.prefix(length)))
            }
        }
        var state: UInt32 = 0x1234_5678
        for _ in 0..<2_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(state % 96) {
                state = state &* 1_664_525 &+ 1_013_904_223
                bytes.append(UInt8(truncatingIfNeeded: state >> 24))
            }
            state = state &* 1_664_525 &+ 1_013_904_223
            _ = HIDDeviceClass.classify(reportDescriptor: bytes)
        }
    }

    // MARK: - Resolving unmatched devices

    private func usb(
        _ port: String, vid: UInt16, pid: UInt16, serial: String? = nil, classes: [HIDDeviceClass?]
    ) -> DeviceDiscovery.Found {
        let device = DiscoveredDevice.USB(
            vendorID: USBID(vid), productID: USBID(pid), serial: serial, busNumber: 1, deviceNumber: 2, portPath: port,
            devpath: "/devices/pci0000:00/0000:00:14.0/usb1/\(port)", devnode: "/dev/bus/usb/001/002",
            interfaces: classes.enumerated().map { DiscoveredDevice.Interface(number: $0.offset, interfaceClass: 3, hidClass: $0.element) })
        return DeviceDiscovery.Found(node: .usb, devpath: device.devpath, devnode: device.devnode, usb: device)
    }

    private let wedgeProfile = HardwareProfile(
        id: "zebra-ds2208", name: "Zebra", kind: .scanner, transport: .usbHIDKeyboard,
        match: .init(vendorID: USBID(0x05E0), productID: USBID(0x1200)),
        scanner: .init(layout: .us), sources: [.init(title: "t", location: "w")])

    func testAnUnprofiledHIDPOSScannerGetsTheGenericProfileAndAWarning() throws {
        let discovery = DeviceDiscovery(profiles: [wedgeProfile])
        let devices = discovery.resolve([
            usb("1-1", vid: 0x0C2E, pid: 0x0B61, serial: "HP 900", classes: [.barcodeScanner]),
            usb("1-2", vid: 0x0C2E, pid: 0x0B62, classes: [.barcodeScanner]),
        ])
        XCTAssertEqual(devices.map(\.identity), ["generic-hid-pos:HP_900", "generic-hid-pos@1-2"])
        for device in devices {
            XCTAssertEqual(device.profileID, GenericHIDPOSProfile.id)
            XCTAssertEqual(device.matchedBy, .hidClass)
            XCTAssertEqual(device.kind, .scanner)
            XCTAssertEqual(device.transport, .usbHIDPOS)
            XCTAssertTrue(device.isMatched)
            XCTAssertTrue(ScannerHub.isScanner(device))
        }
        let warning = try XCTUnwrap(devices[0].warning)
        XCTAssertTrue(warning.contains("no profile names 0c2e:0b61"), warning)
        XCTAssertTrue(warning.contains("HID POS"), warning)
        XCTAssertTrue(warning.contains("usage page 0x8C"), warning)
        XCTAssertTrue(warning.contains("add a profile"), warning)

        let profile = try XCTUnwrap(discovery.profile(for: devices[0]))
        XCTAssertEqual(profile.id, "generic-hid-pos")
        XCTAssertEqual(profile.transport, .usbHIDPOS)
        XCTAssertEqual(profile.match?.interface, 0)
        XCTAssertEqual(profile.scanner?.prefix, "")
        XCTAssertEqual(profile.scanner?.suffix, "")
        XCTAssertEqual(profile.scanner?.aimIdentifiers, false)

        // The profile decodes HID POS from the descriptor the reader gets, AIM identifier from the report.
        let (mode, note) = ScanDecoder.Mode.choose(
            profile: profile, descriptor: try HIDReportDescriptor(bytes: SimulatedHIDDescriptors.hidPOSScanner))
        XCTAssertEqual(mode.name, "hid-pos")
        XCTAssertNil(note)
        var decoder = ScanDecoder(mode: mode, options: profile.scanner)
        var events: [ScanDecoderEvent] = []
        for report in HIDPOSScan.reports(symbology: "]C1", data: Array("0104012345678901".utf8)) {
            decoder.feed(report, atMilliseconds: 1, into: &events)
        }
        XCTAssertEqual(events, [.scan(DecodedScan(text: "0104012345678901", symbology: "]C1"))])
    }

    func testTheScannerInterfaceOfACompositeDeviceIsTheOneClaimed() throws {
        let discovery = DeviceDiscovery(profiles: [])
        let device = try XCTUnwrap(discovery.resolve([usb("1-1", vid: 0x1234, pid: 0x5678, classes: [.keyboard, .barcodeScanner])]).first)
        XCTAssertEqual(device.matchedBy, .hidClass)
        XCTAssertEqual(discovery.profile(for: device)?.match?.interface, 1, "the keyboard interface is left alone")
        XCTAssertTrue(try XCTUnwrap(device.warning).contains("interface 1"))
    }

    func testUnmatchedKeyboardsAndUnreadableDescriptorsStayUnmatched() {
        let discovery = DeviceDiscovery(profiles: [wedgeProfile])
        let devices = discovery.resolve([
            usb("1-1", vid: 0x046D, pid: 0xC52B, classes: [.keyboard]),
            usb("1-2", vid: 0x1111, pid: 0x2222, classes: [.unreadable]),
            usb("1-3", vid: 0x3333, pid: 0x4444, classes: [.other]),
            usb("1-4", vid: 0x5555, pid: 0x6666, classes: [nil]),
        ])
        XCTAssertEqual(devices.map(\.identity), ["usb-046d-c52b@1-1", "usb-1111-2222@1-2", "usb-3333-4444@1-3", "usb-5555-6666@1-4"])
        for device in devices {
            XCTAssertNil(device.profileID)
            XCTAssertNil(device.matchedBy)
            XCTAssertNil(device.warning)
            XCTAssertNil(device.kind)
            XCTAssertFalse(ScannerHub.isScanner(device), "\(device.identity) must not be opened")
            XCTAssertNil(discovery.profile(for: device))
        }
    }

    func testAProfileByUSBIDsWinsOverTheHIDClass() {
        let pos = HardwareProfile(
            id: "acme-pos", name: "Acme", kind: .scanner, transport: .usbHIDPOS,
            match: .init(vendorID: USBID(0x0C2E), productID: USBID(0x0B61)), scanner: nil, sources: [.init(title: "t", location: "w")])
        let discovery = DeviceDiscovery(profiles: [pos])
        let device = discovery.resolve([usb("1-1", vid: 0x0C2E, pid: 0x0B61, serial: "A1", classes: [.barcodeScanner])])[0]
        XCTAssertEqual(device.identity, "acme-pos:A1")
        XCTAssertEqual(device.matchedBy, .usbID)
        XCTAssertNil(device.warning)
        XCTAssertEqual(discovery.profile(for: device)?.id, "acme-pos")
    }

    func testIdenticalGenericScannersSharingASerialFallBackToTheirPorts() {
        let devices = DeviceDiscovery(profiles: []).resolve([
            usb("1-1", vid: 0x0C2E, pid: 0x0B61, serial: "000", classes: [.barcodeScanner]),
            usb("1-2", vid: 0x0C2E, pid: 0x0B61, serial: "000", classes: [.barcodeScanner]),
        ])
        XCTAssertEqual(devices.map(\.identity), ["generic-hid-pos@1-1", "generic-hid-pos@1-2"])
    }

    func testTheReportCarriesMatchKindWarningAndHIDClassInJSON() throws {
        let devices = DeviceDiscovery(profiles: []).resolve([usb("1-1", vid: 0x0C2E, pid: 0x0B61, serial: "S", classes: [.barcodeScanner])])
        let report = DiscoveryReport(profileDirectory: "/p", profileCount: 0, devices: devices)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: report.jsonData()) as? [String: Any])
        let device = try XCTUnwrap((json["devices"] as? [[String: Any]])?.first)
        XCTAssertEqual(device["profileID"] as? String, "generic-hid-pos")
        XCTAssertEqual(device["matchedBy"] as? String, "hid-class")
        XCTAssertEqual(device["transport"] as? String, "usb-hid-pos")
        XCTAssertNotNil(device["warning"] as? String)
        let interface = try XCTUnwrap(((device["usb"] as? [String: Any])?["interfaces"] as? [[String: Any]])?.first)
        XCTAssertEqual(interface["hidClass"] as? String, "barcode-scanner")
        XCTAssertEqual(try JSONDecoder().decode(DiscoveryReport.self, from: report.jsonData()).devices, devices, "round trip")
    }

    // MARK: - While Tally reads it

    func testTheWatcherKeepsTheClassMatchWhileUsbhidIsDetached() {
        let discovery = DeviceDiscovery(profiles: [])
        let read = discovery.resolve([usb("1-1", vid: 0x0C2E, pid: 0x0B61, serial: "S", classes: [.barcodeScanner])])[0]
        let detached = discovery.resolve([usb("1-1", vid: 0x0C2E, pid: 0x0B61, serial: "S", classes: [nil])])[0]
        XCTAssertNil(detached.matchedBy, "without its hid device the descriptor cannot be read")
        XCTAssertTrue(DeviceWatcher.keepsClassMatch(read, detached))

        // A keyboard descriptor now, or another device at the same port: a real change.
        let keyboard = discovery.resolve([usb("1-1", vid: 0x0C2E, pid: 0x0B61, serial: "S", classes: [.keyboard])])[0]
        XCTAssertFalse(DeviceWatcher.keepsClassMatch(read, keyboard))
        let other = discovery.resolve([usb("1-1", vid: 0x1111, pid: 0x2222, classes: [nil])])[0]
        XCTAssertFalse(DeviceWatcher.keepsClassMatch(read, other))
        var replugged = detached
        replugged.devnode = "/dev/bus/usb/001/009"
        XCTAssertFalse(DeviceWatcher.keepsClassMatch(read, replugged), "a new plug-in is classified afresh")
    }
}
