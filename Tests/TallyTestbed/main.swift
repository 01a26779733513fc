// tally-testbed: owns one umockdev testbed and runs a program under it, for Tally's device tests.
//
// The XCTest process is not preloaded and owns no testbed (a bad fixture would abort it): it starts
// this helper and drives it with one command per line on stdin; every command answers one line on
// stdout, `ok ...` or `error ...`. The helper keeps the testbed for its whole life and removes it
// (its /tmp/umockdev.* directory) on `quit` or end of input.
//
//   root                                  → ok <testbed root directory>
//   add <file>                            add the devices of an umockdev description file
//   pcap <sysfs path> <file>              replay a usbmon pcapng capture for a USB device
//   fake <devnode> <report descriptor hex> attach an interactive fake HID device to a usbfs node
//   reports <devnode> <hex> [<hex> ...]   queue input reports on a fake device
//   wait-drained <devnode> <seconds>      wait until the program has read and handled every queued report
//   unplug <devnode>                      the fake device answers every request with ENODEV
//   counts <devnode>                      → ok key=value ... (capabilities: opened; detach, attach, claim, release, ...)
//   spawn <stdout> <stderr> <program> [args...]  → ok <pid>; program runs with the preload
//   wait-sockets <count> <seconds>        wait until the program has that many udev monitors
//   uevent <action> <devpath>             send a udev event for a testbed device to every monitor
//   remove <devpath>                      remove a device (and its children) from the testbed
//   signal <pid> <number>, wait <pid> <seconds> → ok <exit status>
//   quit
//
// The fake device implements the usbdevfs ioctls libusb uses: capabilities, get-driver,
// detach/attach (IOCTL DISCONNECT/CONNECT), disconnect-claim, claim/release, submit, discard and
// reap of URBs. The kernel driver starts bound ("usbhid"), so claiming without detaching fails with
// EBUSY as on a real machine. GET_DESCRIPTOR for the report descriptor is answered from the given
// bytes; interrupt IN URBs complete with the queued reports, one report per URB.

import CUMockdev
import Foundation
import Synchronization

// MARK: - Output

func reply(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

func hexBytes(_ text: some StringProtocol) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
        guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else { return nil }
        bytes.append(byte)
        index += 2
    }
    return bytes
}

func gerrorText(_ error: UnsafeMutablePointer<GError>?) -> String {
    guard let error else { return "unknown error" }
    defer { g_error_free(error) }
    return error.pointee.message.map { String(cString: $0) } ?? "unknown error"
}

// MARK: - The fake USB HID device

/// A URB the program submitted, kept (with a GLib reference) until it is reaped.
final class PendingURB {
    let urb: UnsafeMutablePointer<UMockdevIoctlData>
    let buffer: UnsafeMutablePointer<UMockdevIoctlData>?
    let bufferLength: Int

    init(urb: UnsafeMutablePointer<UMockdevIoctlData>, buffer: UnsafeMutablePointer<UMockdevIoctlData>?, bufferLength: Int) {
        self.urb = umockdev_ioctl_data_ref(urb)
        self.buffer = buffer.map { umockdev_ioctl_data_ref($0) }
        self.bufferLength = bufferLength
    }

    deinit {
        umockdev_ioctl_data_unref(urb)
        if let buffer { umockdev_ioctl_data_unref(buffer) }
    }

    /// The URB's address in the program (what DISCARDURB names and REAPURB returns).
    var clientAddress: UInt { UInt(urb.pointee.client_addr) }

    /// Byte 0 type, byte 1 endpoint (struct usbdevfs_urb).
    var type: UInt8 { urb.pointee.data[0] }
    var endpoint: UInt8 { urb.pointee.data[1] }

    /// Sets the URB's status and actual length and copies `data` to its buffer at `offset`.
    func complete(status: Int32, data: [UInt8], offset: Int = 0) {
        var status = status
        withUnsafeBytes(of: &status) { raw in
            umockdev_ioctl_data_update(urb, 4, UnsafeMutablePointer(mutating: raw.bindMemory(to: UInt8.self).baseAddress), 4)
        }
        let count = max(0, min(data.count, bufferLength - offset))
        var actual = Int32(count)
        withUnsafeBytes(of: &actual) { raw in
            umockdev_ioctl_data_update(urb, 28, UnsafeMutablePointer(mutating: raw.bindMemory(to: UInt8.self).baseAddress), 4)
        }
        if count > 0, let buffer {
            var bytes = Array(data.prefix(count))
            bytes.withUnsafeMutableBufferPointer { pointer in
                umockdev_ioctl_data_update(buffer, gsize(offset), pointer.baseAddress, Int32(count))
            }
        }
    }
}

/// One interactive fake device: its state is guarded by a mutex because ioctls arrive on the
/// testbed's worker thread while commands arrive on the main thread.
final class FakeDevice: Sendable {
    struct State {
        var driverBound = true
        var claimed = false
        var unplugged = false
        var pending: [PendingURB] = []
        var reapable: [PendingURB] = []
        var reports: [[UInt8]] = []
        var counts: [String: Int] = [:]
        /// Reaps that found nothing to complete: the program asks again only after it has handled
        /// (decoded) every URB it reaped before.
        var idleReaps = 0
    }

    let devnode: String
    let descriptor: [UInt8]
    // PendingURB holds GLib references; they are only used under this mutex.
    nonisolated(unsafe) private var unsafeState = State()
    private let lock = Mutex(())

    init(devnode: String, descriptor: [UInt8]) {
        self.devnode = devnode
        self.descriptor = descriptor
    }

    func withState<T>(_ body: (inout State) -> T) -> T {
        lock.withLock { _ in body(&unsafeState) }
    }

    // MARK: ioctl handling (worker thread)

    func handle(_ client: UnsafeMutablePointer<UMockdevIoctlClient>) {
        let request = UInt(umockdev_ioctl_client_get_request(client))
        let arg = umockdev_ioctl_client_get_arg(client)!
        let size = Int((request >> 16) & 0x3FFF)
        var error: UnsafeMutablePointer<GError>?
        let data = size > 0 ? umockdev_ioctl_data_resolve(arg, 0, gsize(size), &error) : nil
        if size > 0, data == nil {
            _ = gerrorText(error)
            umockdev_ioctl_client_complete(client, -1, EFAULT)
            return
        }
        let (result, code) = withState { state in answer(request, arg: arg, data: data, state: &state) }
        umockdev_ioctl_client_complete(client, result, code)
    }

    private func answer(
        _ request: UInt, arg: UnsafeMutablePointer<UMockdevIoctlData>, data: UnsafeMutablePointer<UMockdevIoctlData>?,
        state: inout State
    ) -> (Int, Int32) {
        if state.unplugged { return (-1, ENODEV) }
        switch request {
        case tally_usbdevfs_get_capabilities():
            // libusb asks this first when it opens the device: counted, so tests can tell that a
            // device was never opened.
            state.counts["capabilities", default: 0] += 1
            var capabilities: UInt32 = 0
            withUnsafeMutableBytes(of: &capabilities) { raw in
                umockdev_ioctl_data_update(data, 0, raw.bindMemory(to: UInt8.self).baseAddress, 4)
            }
            return (0, 0)
        case tally_usbdevfs_getdriver():
            guard state.driverBound else { return (-1, ENODATA) }
            var name = Array("usbhid".utf8) + [0]
            name.withUnsafeMutableBufferPointer { pointer in
                umockdev_ioctl_data_update(data, 4, pointer.baseAddress, Int32(pointer.count))
            }
            return (0, 0)
        case tally_usbdevfs_ioctl():
            guard let bytes = data?.pointee.data else { return (-1, EINVAL) }
            let code = UInt(UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24)
            if code == tally_usbdevfs_disconnect() {
                guard state.driverBound else { return (-1, ENODATA) }
                state.driverBound = false
                state.counts["detach", default: 0] += 1
                return (0, 0)
            }
            if code == tally_usbdevfs_connect() {
                guard !state.claimed else { return (-1, EBUSY) }
                if !state.driverBound { state.counts["attach", default: 0] += 1 }
                state.driverBound = true
                return (0, 0)
            }
            return (-1, ENOTTY)
        case tally_usbdevfs_disconnect_claim():
            if state.driverBound {
                state.driverBound = false
                state.counts["detach", default: 0] += 1
            }
            state.claimed = true
            state.counts["claim", default: 0] += 1
            return (0, 0)
        case tally_usbdevfs_claiminterface():
            guard !state.driverBound else {
                state.counts["claim-busy", default: 0] += 1
                return (-1, EBUSY)
            }
            state.claimed = true
            state.counts["claim", default: 0] += 1
            return (0, 0)
        case tally_usbdevfs_releaseinterface():
            state.claimed = false
            state.counts["release", default: 0] += 1
            return (0, 0)
        case tally_usbdevfs_clear_halt():
            return (0, 0)
        case tally_usbdevfs_submiturb():
            return submit(data, state: &state)
        case tally_usbdevfs_discardurb():
            let address = arg.pointee.data.withMemoryRebound(to: UInt.self, capacity: 1) { $0.pointee }
            guard let index = state.pending.firstIndex(where: { $0.clientAddress == address }) else { return (-1, EINVAL) }
            let urb = state.pending.remove(at: index)
            urb.complete(status: -ENOENT, data: [])
            state.reapable.append(urb)
            state.counts["discard", default: 0] += 1
            return (0, 0)
        case tally_usbdevfs_reapurb(), tally_usbdevfs_reapurbndelay():
            var urb: PendingURB?
            if !state.reapable.isEmpty {
                urb = state.reapable.removeFirst()
            } else if !state.reports.isEmpty, let index = state.pending.firstIndex(where: { $0.type == 1 && $0.endpoint & 0x80 != 0 }) {
                urb = state.pending.remove(at: index)
                urb?.complete(status: 0, data: state.reports.removeFirst())
                state.counts["report", default: 0] += 1
            }
            guard let urb, let data else {
                state.idleReaps += 1
                return (-1, EAGAIN)
            }
            guard umockdev_ioctl_data_set_ptr(data, 0, urb.urb) != 0 else { return (-1, EFAULT) }
            return (0, 0)
        default:
            state.counts["unknown", default: 0] += 1
            return (-1, ENOTTY)
        }
    }

    private func submit(_ data: UnsafeMutablePointer<UMockdevIoctlData>?, state: inout State) -> (Int, Int32) {
        guard let data else { return (-1, EINVAL) }
        let raw = data.pointee.data!
        let type = raw[0]
        let length = Int(raw.advanced(by: 24).withMemoryRebound(to: Int32.self, capacity: 1) { $0.pointee })
        var error: UnsafeMutablePointer<GError>?
        let buffer = length > 0 ? umockdev_ioctl_data_resolve(data, 16, gsize(length), &error) : nil
        if length > 0, buffer == nil {
            _ = gerrorText(error)
            return (-1, EFAULT)
        }
        let urb = PendingURB(urb: data, buffer: buffer, bufferLength: length)
        if let buffer { umockdev_ioctl_data_unref(buffer) }
        state.counts["submit", default: 0] += 1
        if type == 2 {  // control: answer GET_DESCRIPTOR (report) at once, stall anything else
            let setup = Array(UnsafeBufferPointer(start: buffer?.pointee.data, count: min(8, length)))
            if setup.count == 8, setup[0] == 0x81, setup[1] == 0x06, setup[3] == 0x22 {
                let wanted = Int(setup[6]) | Int(setup[7]) << 8
                urb.complete(status: 0, data: Array(descriptor.prefix(wanted)), offset: 8)
                state.counts["get-descriptor", default: 0] += 1
            } else {
                urb.complete(status: -EPIPE, data: [])
            }
            state.reapable.append(urb)
        } else {
            state.pending.append(urb)
        }
        return (0, 0)
    }
}

enum Callbacks {
    /// The C callback for "handle-ioctl"; `userData` is the FakeDevice, retained for the testbed's life.
    static let handleIoctl: tally_ioctl_handler = { _, client, userData in
        guard let client, let userData else { return 0 }
        Unmanaged<FakeDevice>.fromOpaque(userData).takeUnretainedValue().handle(client)
        return 1
    }
}

// MARK: - uevents

/// MurmurHash2 (seed 0) as libudev uses it for its monitor socket filters.
func murmurHash2(_ text: String) -> UInt32 {
    let data = Array(text.utf8)
    let m: UInt32 = 0x5bd1_e995
    var h = UInt32(truncatingIfNeeded: data.count)
    var index = 0
    while data.count - index >= 4 {
        var k = UInt32(data[index]) | UInt32(data[index + 1]) << 8 | UInt32(data[index + 2]) << 16 | UInt32(data[index + 3]) << 24
        k = k &* m
        k ^= k >> 24
        k = k &* m
        h = h &* m
        h ^= k
        index += 4
    }
    let rest = data.count - index
    if rest == 3 { h ^= UInt32(data[index + 2]) << 16 }
    if rest >= 2 { h ^= UInt32(data[index + 1]) << 8 }
    if rest >= 1 {
        h ^= UInt32(data[index])
        h = h &* m
    }
    h ^= h >> 13
    h = h &* m
    h ^= h >> 15
    return h
}

final class Testbed {
    let testbed: UnsafeMutablePointer<UMockdevTestbed>
    let root: String
    var devices: [String: FakeDevice] = [:]
    var processes: [Int32: Process] = [:]
    var sequence = 1

    init() {
        testbed = umockdev_testbed_new()
        let directory = umockdev_testbed_get_root_dir(testbed)!
        root = String(cString: directory)
        g_free(directory)
    }

    func eventSockets() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        return names.filter { $0.hasPrefix("event") && $0.dropFirst(5).allSatisfy(\.isNumber) && $0.count > 5 }
            .map { root + "/" + $0 }
    }

    /// Sends `action` for `devpath` (without /sys) to every monitor socket of the program.
    func uevent(action: String, devpath: String) -> String? {
        let ueventFile = root + "/sys" + devpath + "/uevent"
        guard let text = try? String(contentsOfFile: ueventFile, encoding: .utf8) else { return "no device \(devpath) in the testbed" }
        var properties: [String: String] = [:]
        var order: [String] = []
        for line in text.split(separator: "\n") {
            guard let equal = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equal])
            if properties[key] == nil { order.append(key) }
            properties[key] = String(line[line.index(after: equal)...])
        }
        guard let subsystem = properties["SUBSYSTEM"] ?? (try? FileManager.default.destinationOfSymbolicLink(
            atPath: root + "/sys" + devpath + "/subsystem")).map({ String($0.split(separator: "/").last ?? "") }) else {
            return "no SUBSYSTEM for \(devpath)"
        }
        var lines = ["ACTION=\(action)", "DEVPATH=\(devpath)", "SUBSYSTEM=\(subsystem)", "SEQNUM=\(sequence)"]
        sequence += 1
        for key in order where !["ACTION", "DEVPATH", "SUBSYSTEM", "SEQNUM"].contains(key) {
            lines.append("\(key)=\(properties[key]!)")
        }
        var payload: [UInt8] = []
        for line in lines { payload += Array(line.utf8) + [0] }
        var header = Array("libudev".utf8) + [0]
        func bigEndian(_ value: UInt32) { header += [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }
        func littleEndian(_ value: UInt32) { header += [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)] }
        bigEndian(0xfeed_cafe)
        littleEndian(40)
        littleEndian(40)
        littleEndian(UInt32(payload.count))
        bigEndian(murmurHash2(subsystem))
        bigEndian(properties["DEVTYPE"].map(murmurHash2) ?? 0)
        littleEndian(0)
        littleEndian(0)
        let message = header + payload
        for path in eventSockets() {
            let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            guard fd >= 0 else { return "socket: errno \(errno)" }
            defer { close(fd) }
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let capacity = MemoryLayout.size(ofValue: address.sun_path)
            guard path.utf8.count < capacity else { return "socket path too long: \(path)" }
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                for (index, byte) in path.utf8.enumerated() { raw[index] = byte }
                raw[path.utf8.count] = 0
            }
            let sent = message.withUnsafeBytes { bytes in
                withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
            }
            if sent < 0, errno != ECONNREFUSED { return "sendto \(path): errno \(errno)" }
        }
        return nil
    }

    /// Removes the `sys/bus/*/devices/*` and `sys/class/*/*` links left pointing at removed devices
    /// (umockdev 0.17 keeps them, and adding a device at the same path again would then abort).
    func pruneDanglingLinks() {
        let manager = FileManager.default
        var directories: [String] = []
        for kind in ["bus", "class"] {
            let base = root + "/sys/" + kind
            for name in (try? manager.contentsOfDirectory(atPath: base)) ?? [] {
                directories.append(kind == "bus" ? base + "/" + name + "/devices" : base + "/" + name)
            }
        }
        for directory in directories {
            for name in (try? manager.contentsOfDirectory(atPath: directory)) ?? [] {
                let path = directory + "/" + name
                guard (try? manager.destinationOfSymbolicLink(atPath: path)) != nil else { continue }
                if !manager.fileExists(atPath: path) { try? manager.removeItem(atPath: path) }
            }
        }
    }

    func run(_ words: [String]) -> String {
        guard let command = words.first else { return "error empty command" }
        let args = Array(words.dropFirst())
        switch command {
        case "root":
            return "ok \(root)"
        case "add":
            guard args.count == 1 else { return "error add <file>" }
            var error: UnsafeMutablePointer<GError>?
            return umockdev_testbed_add_from_file(testbed, args[0], &error) != 0 ? "ok" : "error \(gerrorText(error))"
        case "pcap":
            guard args.count == 2 else { return "error pcap <sysfs> <file>" }
            var error: UnsafeMutablePointer<GError>?
            return umockdev_testbed_load_pcap(testbed, args[0], args[1], &error) != 0 ? "ok" : "error \(gerrorText(error))"
        case "fake":
            guard args.count == 2, let descriptor = hexBytes(args[1]) else { return "error fake <devnode> <hex>" }
            let device = FakeDevice(devnode: args[0], descriptor: descriptor)
            let handler = umockdev_ioctl_base_new()!
            _ = tally_connect_handle_ioctl(handler, Callbacks.handleIoctl, Unmanaged.passRetained(device).toOpaque())
            var error: UnsafeMutablePointer<GError>?
            guard umockdev_testbed_attach_ioctl(testbed, args[0], handler, &error) != 0 else { return "error \(gerrorText(error))" }
            devices[args[0]] = device
            return "ok"
        case "reports":
            guard args.count >= 1, let device = devices[args[0]] else { return "error no fake device \(args.first ?? "")" }
            var reports: [[UInt8]] = []
            for text in args.dropFirst() {
                guard let bytes = hexBytes(text) else { return "error bad hex \(text)" }
                reports.append(bytes)
            }
            device.withState { $0.reports += reports }
            return "ok"
        case "wait-drained":
            guard args.count == 2, let device = devices[args[0]], let seconds = Double(args[1]) else { return "error wait-drained <devnode> <s>" }
            let deadline = Date().addingTimeInterval(seconds)
            while device.withState({ !$0.reports.isEmpty }) {
                if Date() > deadline { return "error \(device.withState { $0.reports.count }) reports still queued" }
                usleep(10_000)
            }
            // Two idle reaps after the last report: the program has handled it.
            let idle = device.withState { $0.idleReaps }
            while device.withState({ $0.idleReaps < idle + 2 }) {
                if Date() > deadline { return "error the program stopped reaping" }
                usleep(1_000)
            }
            return "ok"
        case "unplug":
            guard args.count == 1, let device = devices[args[0]] else { return "error no fake device" }
            device.withState { $0.unplugged = true }
            return "ok"
        case "counts":
            guard args.count == 1, let device = devices[args[0]] else { return "error no fake device" }
            let counts = device.withState { $0.counts }
            return "ok " + counts.keys.sorted().map { "\($0)=\(counts[$0]!)" }.joined(separator: " ")
        case "spawn":
            guard args.count >= 3 else { return "error spawn <stdout> <stderr> <program> [args]" }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: args[2])
            process.arguments = Array(args.dropFirst(3))
            var environment = ProcessInfo.processInfo.environment
            environment["LD_PRELOAD"] = "libumockdev-preload.so.0"
            environment["UMOCKDEV_DIR"] = root
            environment["TMPDIR"] = "/tmp"
            process.environment = environment
            _ = FileManager.default.createFile(atPath: args[0], contents: nil)
            _ = FileManager.default.createFile(atPath: args[1], contents: nil)
            guard let out = FileHandle(forWritingAtPath: args[0]), let err = FileHandle(forWritingAtPath: args[1]) else {
                return "error cannot write \(args[0]) or \(args[1])"
            }
            process.standardOutput = out
            process.standardError = err
            process.standardInput = FileHandle.nullDevice
            do { try process.run() } catch { return "error \(error)" }
            processes[process.processIdentifier] = process
            return "ok \(process.processIdentifier)"
        case "wait-sockets":
            guard args.count == 2, let count = Int(args[0]), let seconds = Double(args[1]) else { return "error wait-sockets <n> <s>" }
            let deadline = Date().addingTimeInterval(seconds)
            while eventSockets().count < count {
                if Date() > deadline { return "error \(eventSockets().count) monitor sockets" }
                usleep(10_000)
            }
            return "ok"
        case "uevent":
            guard args.count == 2 else { return "error uevent <action> <devpath>" }
            return uevent(action: args[0], devpath: args[1]).map { "error \($0)" } ?? "ok"
        case "remove":
            guard args.count == 1 else { return "error remove <devpath>" }
            umockdev_testbed_remove_device(testbed, "/sys" + args[0])
            pruneDanglingLinks()
            return "ok"
        case "signal":
            guard args.count == 2, let pid = Int32(args[0]), let number = Int32(args[1]) else { return "error signal <pid> <n>" }
            return kill(pid, number) == 0 ? "ok" : "error errno \(errno)"
        case "wait":
            guard args.count == 2, let pid = Int32(args[0]), let seconds = Double(args[1]), let process = processes[pid] else {
                return "error wait <pid> <s>"
            }
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning {
                if Date() > deadline { return "error still running" }
                usleep(10_000)
            }
            return "ok \(process.terminationStatus)"
        default:
            return "error unknown command \(command)"
        }
    }

    func finish() {
        for process in processes.values where process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
        g_object_unref(testbed)
        try? FileManager.default.removeItem(atPath: root)
    }
}

// MARK: - Main

let testbed = Testbed()
reply("ok \(testbed.root)")
while let line = readLine() {
    let words = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    if words.first == "quit" { break }
    reply(testbed.run(words))
}
testbed.finish()
reply("ok bye")
