import CLibUSB
#if canImport(Glibc)
import Glibc
#endif

/// One HID interface of a USB device, opened and claimed with libusb, read with asynchronous
/// interrupt IN transfers.
///
/// ``open(on:bus:address:interface:name:)`` finds the device by bus number and address (as
/// ``DeviceDiscovery`` reports them), opens it, detaches the kernel driver (usbhid) from the
/// interface, claims the interface and reads its HID report descriptor with GET_DESCRIPTOR.
/// ``start(_:)`` then keeps one interrupt IN transfer in flight; each completed transfer is one
/// report, handed to the handler on the ``USBEventLoop``'s thread. ``stop()`` cancels the transfer,
/// releases the interface (libusb gives the interface back to the kernel driver it detached) and
/// closes the device.
///
/// Every libusb call's failure becomes a ``DeviceIOError`` naming the call and the device. A failed
/// kernel-driver detach is reported as a ``Event/warning(_:)`` and the claim is retried without
/// detaching: some environments (umockdev's capture replay) cannot detach, and a device whose driver
/// really is bound then fails the claim with a clear error instead.
///
/// When the device goes away, the transfer completes with `LIBUSB_TRANSFER_NO_DEVICE` (or
/// resubmitting fails): the reader reports ``Event/disconnected(_:)`` once and closes itself.
public final class USBInterruptReader: @unchecked Sendable {
    // @unchecked Sendable: the `private var` state below is only touched on the event loop's thread
    // (jobs sent with `loop.enqueue`/`perform`, and libusb transfer callbacks, which libusb runs
    // inside libusb_handle_events on that same thread). The public properties are immutable.

    /// What the reader reports, on the event loop's thread.
    public enum Event: Sendable {
        /// One input report: the bytes of a completed interrupt transfer and when it completed
        /// (``USBEventLoop/monotonicMilliseconds()``).
        case report([UInt8], atMilliseconds: UInt64)
        /// The device went away or failed for good; the reader has closed itself.
        case disconnected(DeviceIOError)
        /// Something worth logging that did not stop the reader (a failed detach, a transfer error).
        case warning(String)
    }

    /// What was opened.
    public struct Info: Sendable, Hashable {
        /// The device as named in errors (`001/004`, or an identity).
        public var name: String
        /// USB bus number.
        public var bus: Int
        /// Device address on the bus.
        public var address: Int
        /// The claimed interface (`bInterfaceNumber`).
        public var interfaceNumber: Int
        /// `bInterfaceSubClass` (1 = boot interface).
        public var interfaceSubclass: Int
        /// `bInterfaceProtocol` (1 = keyboard).
        public var interfaceProtocol: Int
        /// The interrupt IN endpoint address (`0x81`).
        public var endpoint: UInt8
        /// Its `wMaxPacketSize`: the transfer length asked for.
        public var packetSize: Int
        /// True when the kernel driver was detached from the interface (and is given back at stop).
        public var detachedKernelDriver: Bool
    }

    /// What was opened.
    public let info: Info
    /// The interface's report descriptor, when GET_DESCRIPTOR returned one that parses.
    public let descriptor: HIDReportDescriptor?
    /// The raw report descriptor bytes, when GET_DESCRIPTOR returned any.
    public let descriptorBytes: [UInt8]?

    private let loop: USBEventLoop
    private var device: OpaquePointer?
    private var handle: OpaquePointer?
    private var transfer: UnsafeMutablePointer<libusb_transfer>?
    private let buffer: UnsafeMutablePointer<UInt8>
    private var handler: (@Sendable (Event) -> Void)?
    private var inFlight = false
    private var started = false
    private var stopping = false
    private var closed = false
    private var consecutiveErrors = 0
    private var cancelDeadline: UInt64?
    private var tickerID: UInt64?
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []
    /// The retained self handed to libusb as the transfer's user data, released at close.
    private var retainedSelf: Unmanaged<USBInterruptReader>?

    /// Consecutive transfer errors (not cancellations) after which the device counts as gone.
    static let errorLimit = 20
    /// How long ``stop()`` waits for a cancelled transfer to come back before closing anyway.
    static let cancelGraceMilliseconds: UInt64 = 1_000
    /// How long the GET_DESCRIPTOR request for the report descriptor may take.
    static let controlTimeoutMilliseconds: UInt32 = 1_000

    private init(
        loop: USBEventLoop, info: Info, descriptorBytes: [UInt8]?, descriptor: HIDReportDescriptor?,
        device: OpaquePointer, handle: OpaquePointer
    ) {
        self.loop = loop
        self.info = info
        self.descriptorBytes = descriptorBytes
        self.descriptor = descriptor
        self.device = device
        self.handle = handle
        self.buffer = .allocate(capacity: max(info.packetSize, 1))
    }

    deinit {
        // Opened but never started nor stopped: give the device back on the event thread.
        if !closed, let handle, let device {
            let leftover = Leftover(handle: handle, device: device, interface: Int32(info.interfaceNumber))
            loop.enqueue { leftover.release() }
        }
        buffer.deallocate()
    }

    /// A handle nobody stopped, released on the event thread from `deinit`.
    private struct Leftover: @unchecked Sendable {
        // @unchecked Sendable: the pointers are handed from deinit to the event thread and used there
        // only, once.
        let handle: OpaquePointer
        let device: OpaquePointer
        let interface: Int32

        func release() {
            _ = libusb_release_interface(handle, interface)
            libusb_close(handle)
            libusb_unref_device(device)
        }
    }

    // MARK: - Opening

    /// Opens bus `bus`, address `address`, claims its HID interface and reads its report descriptor.
    ///
    /// - Parameters:
    ///   - interface: the interface number to claim (a profile's `match.interface`); nil takes the
    ///     first HID interface with an interrupt IN endpoint.
    ///   - name: how errors name the device (defaults to `BBB/DDD`).
    ///   - warnings: told about problems that did not stop the open (a failed detach, an unreadable
    ///     report descriptor); called on the event loop's thread.
    /// - Throws: ``DeviceIOError`` naming the libusb call that failed (`LIBUSB_ERROR_NO_DEVICE` from
    ///   `libusb_get_device_list` when libusb does not know the device yet).
    public static func open(
        on loop: USBEventLoop, bus: Int, address: Int, interface: Int? = nil, name: String? = nil,
        warnings: @escaping @Sendable (String) -> Void = { _ in }
    ) async throws(DeviceIOError) -> USBInterruptReader {
        let name = name ?? Self.busName(bus: bus, address: address)
        return try await loop.perform { () throws(DeviceIOError) -> USBInterruptReader in
            try openOnLoop(loop: loop, bus: bus, address: address, interface: interface, name: name, warnings: warnings)
        }
    }

    static func busName(bus: Int, address: Int) -> String {
        func three(_ value: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, 3 - digits.count)) + digits
        }
        return "\(three(bus))/\(three(address))"
    }

    private static func openOnLoop(
        loop: USBEventLoop, bus: Int, address: Int, interface wanted: Int?, name: String,
        warnings: @Sendable (String) -> Void
    ) throws(DeviceIOError) -> USBInterruptReader {
        func fail(_ call: String, _ code: Int32) -> DeviceIOError { DeviceIOError(call: call, device: name, code: code) }

        // Find the device.
        var list: UnsafeMutablePointer<OpaquePointer?>?
        let count = libusb_get_device_list(loop.context, &list)
        guard count >= 0, let list else { throw fail("libusb_get_device_list", Int32(truncatingIfNeeded: count)) }
        var found: OpaquePointer?
        for index in 0..<count {
            guard let candidate = list[index] else { continue }
            if Int(libusb_get_bus_number(candidate)) == bus, Int(libusb_get_device_address(candidate)) == address {
                found = libusb_ref_device(candidate)
                break
            }
        }
        libusb_free_device_list(list, 1)
        guard let device = found else { throw fail("libusb_get_device_list", LIBUSB_ERROR_NO_DEVICE.rawValue) }
        var keepDevice = false
        defer { if !keepDevice { libusb_unref_device(device) } }

        // Choose the interface and endpoint from the active configuration.
        var configuration: UnsafeMutablePointer<libusb_config_descriptor>?
        let configResult = libusb_get_active_config_descriptor(device, &configuration)
        guard configResult == 0, let configuration else { throw fail("libusb_get_active_config_descriptor", configResult) }
        defer { libusb_free_config_descriptor(configuration) }
        guard let choice = chooseInterface(configuration.pointee, wanted: wanted) else {
            throw fail("libusb_get_active_config_descriptor", LIBUSB_ERROR_NOT_FOUND.rawValue)
        }

        // Open and claim.
        var opened: OpaquePointer?
        let openResult = libusb_open(device, &opened)
        guard openResult == 0, let handle = opened else { throw fail("libusb_open", openResult) }
        var keepHandle = false
        defer { if !keepHandle { libusb_close(handle) } }

        let interface = Int32(choice.number)
        var detached = false
        let autoDetach = libusb_set_auto_detach_kernel_driver(handle, 1)
        if autoDetach != 0 {
            warnings("\(fail("libusb_set_auto_detach_kernel_driver", autoDetach)); claiming without detaching the kernel driver")
        }
        let driverActive = libusb_kernel_driver_active(handle, interface)
        var claim = libusb_claim_interface(handle, interface)
        if claim != 0, autoDetach == 0, claim != LIBUSB_ERROR_NO_DEVICE.rawValue, claim != LIBUSB_ERROR_ACCESS.rawValue {
            // The detach inside the claim failed (LIBUSB_ERROR_OTHER under umockdev replay):
            // logged, not fatal; claim without detaching.
            warnings("kernel driver detach on \(name) interface \(choice.number) failed "
                     + "(\(fail("libusb_claim_interface", claim))); claiming without detaching")
            _ = libusb_set_auto_detach_kernel_driver(handle, 0)
            claim = libusb_claim_interface(handle, interface)
        } else if claim == 0, autoDetach == 0, driverActive == 1 {
            detached = true
        }
        guard claim == 0 else { throw fail("libusb_claim_interface", claim) }
        var keepClaim = false
        defer { if !keepClaim { libusb_release_interface(handle, interface) } }

        // The report descriptor: GET_DESCRIPTOR (standard, to the interface) for descriptor type 0x22.
        var descriptorBytes: [UInt8]?
        var descriptor: HIDReportDescriptor?
        if choice.reportDescriptorLength > 0 {
            var bytes = [UInt8](repeating: 0, count: choice.reportDescriptorLength)
            let read = bytes.withUnsafeMutableBufferPointer { pointer in
                libusb_control_transfer(
                    handle, 0x81, 0x06, 0x2200, UInt16(choice.number), pointer.baseAddress,
                    UInt16(choice.reportDescriptorLength), controlTimeoutMilliseconds)
            }
            if read > 0 {
                descriptorBytes = Array(bytes.prefix(Int(read)))
                do throws(HIDDescriptorError) {
                    descriptor = try HIDReportDescriptor(bytes: descriptorBytes!)
                } catch {
                    warnings("\(name): \(error)")
                }
            } else if read == LIBUSB_ERROR_NO_DEVICE.rawValue {
                throw fail("libusb_control_transfer", read)
            } else {
                warnings("reading the HID report descriptor of \(name) failed: \(fail("libusb_control_transfer", read))")
            }
        } else {
            warnings("\(name) interface \(choice.number) has no HID descriptor naming a report descriptor")
        }

        let info = Info(
            name: name, bus: bus, address: address, interfaceNumber: choice.number,
            interfaceSubclass: choice.subclass, interfaceProtocol: choice.protocolCode,
            endpoint: choice.endpoint, packetSize: choice.packetSize, detachedKernelDriver: detached)
        let reader = USBInterruptReader(
            loop: loop, info: info, descriptorBytes: descriptorBytes, descriptor: descriptor, device: device, handle: handle)
        keepDevice = true
        keepHandle = true
        keepClaim = true
        return reader
    }

    /// The interface a reader claims.
    private struct InterfaceChoice {
        var number: Int
        var subclass: Int
        var protocolCode: Int
        var endpoint: UInt8
        var packetSize: Int
        var reportDescriptorLength: Int
    }

    private static func chooseInterface(_ configuration: libusb_config_descriptor, wanted: Int?) -> InterfaceChoice? {
        guard let interfaces = configuration.interface else { return nil }
        for index in 0..<Int(configuration.bNumInterfaces) {
            let interface = interfaces[index]
            guard interface.num_altsetting > 0, let settings = interface.altsetting else { continue }
            let setting = settings[0]
            guard setting.bInterfaceClass == 3 else { continue }  // HID
            if let wanted, Int(setting.bInterfaceNumber) != wanted { continue }
            guard let endpoints = setting.endpoint else { continue }
            for endpointIndex in 0..<Int(setting.bNumEndpoints) {
                let endpoint = endpoints[endpointIndex]
                let isIn = endpoint.bEndpointAddress & 0x80 != 0
                let isInterrupt = endpoint.bmAttributes & 0x03 == 3
                guard isIn, isInterrupt else { continue }
                let extra = setting.extra.map { Array(UnsafeBufferPointer(start: $0, count: Int(setting.extra_length))) } ?? []
                return InterfaceChoice(
                    number: Int(setting.bInterfaceNumber), subclass: Int(setting.bInterfaceSubClass),
                    protocolCode: Int(setting.bInterfaceProtocol), endpoint: endpoint.bEndpointAddress,
                    packetSize: Int(endpoint.wMaxPacketSize & 0x07FF),
                    reportDescriptorLength: reportDescriptorLength(inClassDescriptors: extra))
            }
        }
        return nil
    }

    /// The report descriptor length a HID descriptor (type 0x21, in the interface's class-specific
    /// descriptors) names, or 0.
    static func reportDescriptorLength(inClassDescriptors bytes: [UInt8]) -> Int {
        var index = 0
        while index + 1 < bytes.count {
            let length = Int(bytes[index])
            guard length >= 2, index + length <= bytes.count else { return 0 }
            if bytes[index + 1] == 0x21, length >= 9 {
                let count = Int(bytes[index + 5])
                for entry in 0..<count {
                    let at = index + 6 + 3 * entry
                    guard at + 2 < index + length else { break }
                    if bytes[at] == 0x22 { return Int(bytes[at + 1]) | Int(bytes[at + 2]) << 8 }
                }
            }
            index += length
        }
        return 0
    }

    // MARK: - Reading

    /// Starts reading: submits the interrupt IN transfer; every report goes to `handler` on the
    /// event loop's thread. A reader is started once.
    ///
    /// - Throws: ``DeviceIOError`` naming `libusb_submit_transfer` (or `libusb_alloc_transfer`).
    public func start(_ handler: @escaping @Sendable (Event) -> Void) async throws(DeviceIOError) {
        try await loop.perform { () throws(DeviceIOError) in
            try self.startOnLoop(handler)
        }
    }

    private func startOnLoop(_ handler: @escaping @Sendable (Event) -> Void) throws(DeviceIOError) {
        precondition(!started, "USBInterruptReader.start called twice on \(info.name)")
        guard !closed, let handle else {
            throw DeviceIOError(call: "libusb_submit_transfer", device: info.name, code: LIBUSB_ERROR_NO_DEVICE.rawValue)
        }
        started = true
        self.handler = handler
        guard let transfer = libusb_alloc_transfer(0) else {
            close()
            throw DeviceIOError(call: "libusb_alloc_transfer", device: info.name, code: LIBUSB_ERROR_NO_MEM.rawValue)
        }
        self.transfer = transfer
        retainedSelf = Unmanaged.passRetained(self)
        transfer.pointee.dev_handle = handle
        transfer.pointee.endpoint = info.endpoint
        transfer.pointee.type = UInt8(LIBUSB_TRANSFER_TYPE_INTERRUPT.rawValue)
        transfer.pointee.timeout = 0
        transfer.pointee.buffer = buffer
        transfer.pointee.length = Int32(info.packetSize)
        transfer.pointee.user_data = retainedSelf?.toOpaque()
        transfer.pointee.callback = USBInterruptReader.transferCallback
        tickerID = loop.addTicker { [weak self] now in self?.tick(now) }
        let result = libusb_submit_transfer(transfer)
        guard result == 0 else {
            close()
            throw DeviceIOError(call: "libusb_submit_transfer", device: info.name, code: result)
        }
        inFlight = true
    }

    /// libusb's completion callback: runs inside libusb_handle_events on the event loop's thread.
    private static let transferCallback: libusb_transfer_cb_fn = { transfer in
        guard let transfer, let userData = transfer.pointee.user_data else { return }
        Unmanaged<USBInterruptReader>.fromOpaque(userData).takeUnretainedValue().completed(transfer)
    }

    private func completed(_ transfer: UnsafeMutablePointer<libusb_transfer>) {
        inFlight = false
        let status = transfer.pointee.status
        switch status {
        case LIBUSB_TRANSFER_COMPLETED:
            consecutiveErrors = 0
            if !stopping {
                let length = min(Int(transfer.pointee.actual_length), info.packetSize)
                let report = Array(UnsafeBufferPointer(start: buffer, count: length))
                handler?(.report(report, atMilliseconds: USBEventLoop.monotonicMilliseconds()))
            }
        case LIBUSB_TRANSFER_CANCELLED, LIBUSB_TRANSFER_TIMED_OUT:
            break
        case LIBUSB_TRANSFER_NO_DEVICE:
            disconnect(DeviceIOError(call: "libusb_submit_transfer", device: info.name, code: LIBUSB_ERROR_NO_DEVICE.rawValue))
            return
        case LIBUSB_TRANSFER_STALL:
            consecutiveErrors += 1
            handler?(.warning("interrupt endpoint of \(info.name) stalled; clearing the halt"))
            // libusb_clear_halt is synchronous: not allowed inside a callback. Clear, then resubmit,
            // in a job right after this round of event handling.
            loop.enqueue { [self] in
                guard !closed, let handle, let transfer = self.transfer else { return }
                _ = libusb_clear_halt(handle, info.endpoint)
                resubmit(transfer)
            }
            return
        default:
            consecutiveErrors += 1
            let name = String(cString: libusb_error_name(Int32(status.rawValue)))
            handler?(.warning("interrupt transfer on \(info.name) failed: \(status == LIBUSB_TRANSFER_OVERFLOW ? "overflow (a report longer than the endpoint's packet)" : "status \(status.rawValue) \(name)")"))
        }
        resubmit(transfer)
    }

    /// Submits the transfer again, unless stopping (then closes) or the device is failing.
    private func resubmit(_ transfer: UnsafeMutablePointer<libusb_transfer>) {
        if stopping {
            closeSoon()
            return
        }
        if consecutiveErrors > Self.errorLimit {
            disconnect(DeviceIOError(call: "libusb_submit_transfer", device: info.name, code: LIBUSB_ERROR_IO.rawValue))
            return
        }
        let result = libusb_submit_transfer(transfer)
        if result != 0 {
            disconnect(DeviceIOError(call: "libusb_submit_transfer", device: info.name, code: result))
            return
        }
        inFlight = true
    }

    /// The device went away: tell the handler once, then close.
    private func disconnect(_ error: DeviceIOError) {
        guard !closed else { return }
        let wasStopping = stopping
        stopping = true
        if !wasStopping { handler?(.disconnected(error)) }
        closeSoon()
    }

    /// Closes in a job after the current round of event handling: libusb_close must not be called
    /// from a transfer callback (on Linux it takes a lock event handling holds).
    private func closeSoon() {
        loop.enqueue { [self] in close() }
    }

    // MARK: - Stopping

    /// Stops reading and closes the device: cancels the transfer and waits (at most one second) for
    /// it to come back, releases the interface (the kernel driver is re-attached) and closes.
    /// Returns once the device is closed; calling it again, or after a disconnect, returns at once.
    public func stop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let accepted = loop.enqueue { self.beginStop(continuation) }
            if !accepted { continuation.resume() }
        }
    }

    private func beginStop(_ continuation: CheckedContinuation<Void, Never>) {
        guard !closed else {
            continuation.resume()
            return
        }
        stopWaiters.append(continuation)
        guard !stopping else { return }
        stopping = true
        guard inFlight, let transfer else {
            close()
            return
        }
        let result = libusb_cancel_transfer(transfer)
        if result == LIBUSB_ERROR_NO_DEVICE.rawValue {
            close()  // gone: the transfer will never come back (not in a callback: safe to close here)
            return
        }
        // Cancelled (or already completing): the callback closes; the ticker closes after the grace.
        cancelDeadline = USBEventLoop.monotonicMilliseconds() + Self.cancelGraceMilliseconds
        loop.wake()
    }

    private func tick(_ now: UInt64) -> UInt64? {
        guard let deadline = cancelDeadline, !closed else { return nil }
        if now >= deadline {
            close()
            return nil
        }
        return deadline
    }

    /// Releases everything, on the event loop's thread. Safe to call more than once.
    private func close() {
        guard !closed else { return }
        closed = true
        stopping = true
        if let tickerID { loop.removeTicker(tickerID) }
        tickerID = nil
        if let handle {
            if inFlight, let transfer { _ = libusb_cancel_transfer(transfer) }
            _ = libusb_release_interface(handle, Int32(info.interfaceNumber))
            libusb_close(handle)  // also forgets a transfer still in flight
        }
        handle = nil
        if let transfer { libusb_free_transfer(transfer) }
        transfer = nil
        inFlight = false
        if let device { libusb_unref_device(device) }
        device = nil
        handler = nil
        let waiters = stopWaiters
        stopWaiters.removeAll()
        for waiter in waiters { waiter.resume() }
        retainedSelf?.release()
        retainedSelf = nil
    }
}
