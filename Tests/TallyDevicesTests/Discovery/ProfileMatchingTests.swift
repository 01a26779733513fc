import Foundation
import XCTest
@testable import TallyDevices

/// Profile matching and identities, on hand-made enumeration results (no libudev).
final class ProfileMatchingTests: XCTestCase {
    private typealias USBID = HardwareProfile.USBID

    private func scannerProfile(_ id: String, vid: UInt16 = 0x05e0, pid: UInt16 = 0x1200, serial: String? = nil, interface: Int? = nil) -> HardwareProfile {
        HardwareProfile(
            id: id, name: id, kind: .scanner, transport: .usbHIDKeyboard,
            match: .init(vendorID: USBID(vid), productID: USBID(pid), serial: serial, interface: interface),
            scanner: .init(layout: .us), sources: [.init(title: "t", location: "w")])
    }

    private func scaleProfile(_ id: String, vid: UInt16 = 0x0403, pid: UInt16 = 0x6001, serial: String?) -> HardwareProfile {
        HardwareProfile(
            id: id, name: id, kind: .scale, transport: .serial,
            match: .init(vendorID: USBID(vid), productID: USBID(pid), serial: serial),
            serial: .default8N1, scale: nil, sources: [.init(title: "t", location: "w")])
    }

    private func usb(_ port: String, vid: UInt16 = 0x05e0, pid: UInt16 = 0x1200, serial: String? = nil, interfaces: [Int] = [0]) -> DeviceDiscovery.Found {
        let device = DiscoveredDevice.USB(
            vendorID: USBID(vid), productID: USBID(pid), serial: serial, portPath: port,
            devpath: "/devices/pci0000:00/0000:00:14.0/usb1/\(port)", devnode: "/dev/bus/usb/001/0\(port.count)",
            interfaces: interfaces.map { DiscoveredDevice.Interface(number: $0, interfaceClass: 3) })
        return DeviceDiscovery.Found(node: .usb, devpath: device.devpath, devnode: device.devnode, usb: device)
    }

    private func tty(_ name: String, port: String, interface: Int = 0, vid: UInt16 = 0x0403, pid: UInt16 = 0x6001, serial: String?) -> DeviceDiscovery.Found {
        let device = DiscoveredDevice.USB(
            vendorID: USBID(vid), productID: USBID(pid), serial: serial, portPath: port,
            devpath: "/devices/usb1/\(port)", interfaces: [.init(number: interface, interfaceClass: 255)])
        let interfacePath = "\(port):1.\(interface)"
        return DeviceDiscovery.Found(
            node: .tty, devpath: "/devices/usb1/\(port)/\(interfacePath)/\(name)/tty/\(name)", devnode: "/dev/\(name)",
            usb: device, tty: .init(name: name, interfaceNumber: interface, interfacePath: interfacePath, driver: "ftdi_sio"))
    }

    func testIdenticalScannersWithoutSerialAreToldApartByPort() {
        let discovery = DeviceDiscovery(profiles: [scannerProfile("zebra-ds2208")])
        let devices = discovery.resolve([usb("1-2"), usb("1-1.4")])
        XCTAssertEqual(devices.map(\.identity), ["zebra-ds2208@1-1.4", "zebra-ds2208@1-2"])
        XCTAssertTrue(devices.allSatisfy { $0.profileID == "zebra-ds2208" && $0.kind == .scanner })
    }

    func testSerialNumbersMakeTheIdentity() {
        let discovery = DeviceDiscovery(profiles: [scannerProfile("zebra-ds2208")])
        let devices = discovery.resolve([usb("1-1", serial: "S2012 34/5"), usb("1-2", serial: "S99")])
        XCTAssertEqual(devices.map(\.identity), ["zebra-ds2208:S2012_34_5", "zebra-ds2208:S99"])
        XCTAssertEqual(devices.first?.usb.serial, "S2012 34/5", "the raw serial is kept")
    }

    func testSharedSerialFallsBackToPort() {
        let discovery = DeviceDiscovery(profiles: [scannerProfile("zebra-ds2208")])
        let devices = discovery.resolve([usb("1-1", serial: "000000"), usb("1-2", serial: "000000"), usb("1-3", serial: "123")])
        XCTAssertEqual(devices.map(\.identity), ["zebra-ds2208@1-1", "zebra-ds2208@1-2", "zebra-ds2208:123"])
    }

    func testMostSpecificProfileWinsAndTiesAreReported() {
        let discovery = DeviceDiscovery(profiles: [
            scannerProfile("zebra-ds4608"), scannerProfile("zebra-ds2208"),
            scannerProfile("dock-1-scanner", serial: "S1"),
            scannerProfile("zebra-composite", interface: 2),
        ])
        let devices = discovery.resolve([usb("1-1", serial: "S1"), usb("1-2", serial: "S2"), usb("1-3", serial: "S3", interfaces: [0, 2])])
        XCTAssertEqual(devices[0].profileID, "dock-1-scanner")
        XCTAssertEqual(devices[0].ambiguousWith, [], "less specific matches are not ambiguity")
        XCTAssertEqual(devices[1].profileID, "zebra-ds2208", "ties go to the lowest id")
        XCTAssertEqual(devices[1].ambiguousWith, ["zebra-ds4608"])
        XCTAssertEqual(devices[2].profileID, "zebra-composite", "an interface rule beats a bare vid:pid")
    }

    func testInterfaceRuleNeedsThatInterface() {
        let discovery = DeviceDiscovery(profiles: [scannerProfile("composite", interface: 1)])
        XCTAssertNil(discovery.resolve([usb("1-1", interfaces: [0])]).first?.profileID)
        XCTAssertEqual(discovery.resolve([usb("1-1", interfaces: [0, 1])]).first?.profileID, "composite")
    }

    func testTransportDecidesWhichNodeAProfileCanMatch() {
        let hid = scannerProfile("ftdi-wedge", vid: 0x0403, pid: 0x6001)
        let scale = scaleProfile("dock-3-scale", serial: "A10K3Z9Q")
        let discovery = DeviceDiscovery(profiles: [hid, scale])
        let devices = discovery.resolve([
            tty("ttyUSB0", port: "1-3", serial: "A10K3Z9Q"),
            tty("ttyUSB1", port: "1-4", serial: "OTHER"),
        ])
        XCTAssertEqual(devices[0].profileID, "dock-3-scale")
        XCTAssertEqual(devices[0].identity, "dock-3-scale:A10K3Z9Q")
        XCTAssertEqual(devices[0].kind, .scale)
        XCTAssertNil(devices[1].profileID, "a HID profile never matches a tty; the serial rule names another adapter")
        XCTAssertEqual(devices[1].identity, "usb-0403-6001:OTHER")
    }

    func testMultiPortAdapterPortsGetDistinctIdentities() {
        let discovery = DeviceDiscovery(profiles: [])
        let devices = discovery.resolve([
            tty("ttyUSB1", port: "1-5", interface: 1, vid: 0x0403, pid: 0x6010, serial: "FT2232"),
            tty("ttyUSB0", port: "1-5", interface: 0, vid: 0x0403, pid: 0x6010, serial: "FT2232"),
        ])
        XCTAssertEqual(devices.map(\.identity), ["usb-0403-6010@1-5:1.0", "usb-0403-6010@1-5:1.1"])
    }

    func testUnmatchedDevicesAreListed() {
        let discovery = DeviceDiscovery(profiles: [scannerProfile("zebra-ds2208")])
        let devices = discovery.resolve([usb("1-5", vid: 0x046d, pid: 0xc52b), usb("1-1")])
        XCTAssertEqual(devices.map(\.identity), ["zebra-ds2208@1-1", "usb-046d-c52b@1-5"])
        XCTAssertEqual(devices.map(\.isMatched), [true, false])
    }

    func testProfilesWithoutMatchNeverMatch() throws {
        let shipped = try ProfileLoader.load(directory: ProfileFixtures.shippedDirectory)
        let discovery = DeviceDiscovery(profiles: shipped)
        let devices = discovery.resolve([tty("ttyUSB0", port: "1-3", serial: "A1"), usb("1-1", serial: "S1")])
        XCTAssertNil(devices.first { $0.node == .tty }?.profileID, "the IND570 profile has no match: a tty needs a site profile")
        XCTAssertEqual(devices.first { $0.node == .usb }?.identity, "zebra-ds2208:S1")
    }

    func testPortOrderIsNumeric() {
        XCTAssertTrue(DeviceDiscovery.portOrder("1-2", "1-10"))
        XCTAssertTrue(DeviceDiscovery.portOrder("1-1", "1-1.4"))
        XCTAssertTrue(DeviceDiscovery.portOrder("1-9.2", "2-1"))
        XCTAssertFalse(DeviceDiscovery.portOrder("1-10", "1-2"))
    }
}
