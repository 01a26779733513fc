import Foundation
import TallyDevices

/// Writes pcapng captures of a USB HID scanner as Linux usbmon records them (link type 220,
/// `LINKTYPE_USB_LINUX_MMAPPED`: a 64-byte header before each packet's data), for umockdev to
/// replay to the program under test.
///
/// A capture holds, in order, what the program will ask: the GET_DESCRIPTOR control transfer for
/// the interface's report descriptor, then one interrupt IN transfer per report. Every transfer is a
/// submission (`S`) and its completion (`C`) with the same URB id. umockdev matches a submission to
/// the program's URB by transfer type, endpoint and length (for control transfers: the data length
/// and the setup bytes), then completes it with the completion's data; replay is strictly in order.
struct UsbmonCapture {
    let bus: UInt16
    let device: UInt8
    private var blocks: [UInt8] = []
    private var urbID: UInt64 = 0x1000
    private var microseconds: UInt64 = 1_700_000_000_000_000

    /// Starts a capture of the device at `bus`/`device` (usbfs numbering, as in the testbed).
    init(bus: Int, device: Int) {
        self.bus = UInt16(bus)
        self.device = UInt8(device)
        // Section header block: byte-order magic, version 1.0, unknown section length.
        var body: [UInt8] = []
        body += le32(0x1A2B_3C4D) + le16(1) + le16(0) + le64(UInt64.max)
        blocks += block(type: 0x0A0D_0D0A, body: body)
        // Interface description block: link type 220, snap length.
        blocks += block(type: 1, body: le16(220) + le16(0) + le32(65_535))
    }

    /// The standard GET_DESCRIPTOR request for the HID report descriptor of interface 0, answered with `descriptor`.
    mutating func reportDescriptor(_ descriptor: [UInt8], interface: UInt16 = 0) {
        let length = UInt16(descriptor.count)
        let setup: [UInt8] = [0x81, 0x06, 0x00, 0x22] + le16(interface) + le16(length)
        let id = nextID()
        packet(id: id, event: "S", transferType: 2, endpoint: 0x80, setup: setup, status: -115, urbLength: UInt32(length), data: [])
        packet(id: id, event: "C", transferType: 2, endpoint: 0x80, setup: nil, status: 0, urbLength: UInt32(length), data: descriptor)
    }

    /// One interrupt IN transfer on endpoint `endpoint` of `bufferLength` bytes, completing with `report`.
    mutating func interruptIn(_ report: [UInt8], bufferLength: Int, endpoint: UInt8 = 0x81) {
        let id = nextID()
        packet(id: id, event: "S", transferType: 1, endpoint: endpoint, setup: nil, status: -115, urbLength: UInt32(bufferLength), data: [])
        packet(id: id, event: "C", transferType: 1, endpoint: endpoint, setup: nil, status: 0, urbLength: UInt32(report.count), data: report)
    }

    /// The file's bytes.
    var bytes: [UInt8] { blocks }

    /// Writes the capture to `url`.
    func write(to url: URL) throws {
        try Data(blocks).write(to: url)
    }

    // MARK: - Records

    private mutating func nextID() -> UInt64 {
        urbID += 0x40
        return urbID
    }

    private mutating func packet(
        id: UInt64, event: Character, transferType: UInt8, endpoint: UInt8, setup: [UInt8]?, status: Int32,
        urbLength: UInt32, data: [UInt8]
    ) {
        microseconds += 125
        var header: [UInt8] = []
        header += le64(id)
        header.append(UInt8(ascii: event.unicodeScalars.first!))
        header += [transferType, endpoint, device]
        header += le16(bus)
        header.append(setup == nil ? UInt8(ascii: "-") : 0)              // setup flag: 0 = setup present
        header.append(data.isEmpty ? UInt8(ascii: "<") : 0)              // data flag: 0 = data present
        header += le64(microseconds / 1_000_000)
        header += le32(UInt32(microseconds % 1_000_000))
        header += le32(UInt32(bitPattern: status))
        header += le32(urbLength)
        header += le32(UInt32(data.count))
        header += setup ?? [UInt8](repeating: 0, count: 8)
        header += le32(0) + le32(0) + le32(0) + le32(0)                   // interval, start frame, flags, ndesc
        precondition(header.count == 64, "usbmon header must be 64 bytes")
        let captured = header + data
        var body: [UInt8] = []
        body += le32(0)                                                   // interface 0
        body += le32(UInt32(microseconds >> 32)) + le32(UInt32(microseconds & 0xFFFF_FFFF))
        body += le32(UInt32(captured.count)) + le32(UInt32(captured.count))
        body += captured
        body += [UInt8](repeating: 0, count: (4 - captured.count % 4) % 4)
        blocks += block(type: 6, body: body)                              // enhanced packet block
    }

    private func block(type: UInt32, body: [UInt8]) -> [UInt8] {
        let length = UInt32(12 + body.count)
        return le32(type) + le32(length) + body + le32(length)
    }
}

private func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }
private func le32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8((value >> (8 * $0)) & 0xFF) } }
private func le64(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8((value >> (8 * UInt64($0))) & 0xFF) } }
