import Synchronization

/// One USB scanner being read: a ``USBInterruptReader`` feeding a ``ScanDecoder``.
///
/// Reports are decoded as they arrive, on the ``USBEventLoop``'s thread, so a scan is handed on the
/// moment its last report (the Enter key, the last HID POS report) completes; a ticker on the same
/// thread ends partial scans at their inter-key timeout. The handler gets every ``ScannerEvent`` on
/// that thread and must return quickly (hand the event to a stream).
///
/// Unplugging is noticed either by libusb (the transfer completes with "no device") or by the udev
/// monitor (``disconnect(reason:)``); either way a partial scan is reported as dropped and exactly
/// one ``ScannerEvent/disconnected(reason:)`` follows.
public final class ScannerConnection: Sendable {
    /// The device, as discovery found it.
    public let device: DiscoveredDevice
    /// The decoding mode chosen from the report descriptor and the profile.
    public let mode: ScanDecoder.Mode
    /// What was opened (interface, endpoint, whether the kernel driver was detached).
    public let info: USBInterruptReader.Info

    private let reader: USBInterruptReader
    private let loop: USBEventLoop
    private let session: ScanSession
    private let tickerID = Mutex<UInt64?>(nil)

    private init(device: DiscoveredDevice, session: ScanSession, reader: USBInterruptReader, loop: USBEventLoop) {
        self.device = device
        self.mode = session.mode
        self.info = reader.info
        self.reader = reader
        self.loop = loop
        self.session = session
    }

    /// Opens `device` (a USB node from ``DeviceDiscovery``), chooses its decoder and starts reading.
    ///
    /// - Parameters:
    ///   - profile: the matched profile (layout, terminator, interface to claim); nil reads a boot
    ///     keyboard with US defaults.
    ///   - handler: gets every event, on the event loop's thread;
    ///     ``ScannerEvent/connected(mode:interface:detachedKernelDriver:)`` comes first.
    /// - Throws: ``DeviceIOError`` naming the libusb call that failed.
    public static func open(
        _ device: DiscoveredDevice, profile: HardwareProfile?, on loop: USBEventLoop,
        handler: @escaping @Sendable (ScannerEvent) -> Void
    ) async throws(DeviceIOError) -> ScannerConnection {
        guard let bus = device.usb.busNumber, let address = device.usb.deviceNumber else {
            throw DeviceIOError(call: "libusb_get_device_list", device: device.identity, code: -5)
        }
        let name = "\(USBInterruptReader.busName(bus: bus, address: address)) (\(device.identity))"
        let reader = try await USBInterruptReader.open(
            on: loop, bus: bus, address: address, interface: profile?.match?.interface, name: name,
            warnings: { handler(.warning($0)) })
        let (mode, note) = ScanDecoder.Mode.choose(profile: profile, descriptor: reader.descriptor)
        if let note { handler(.warning(note)) }
        let session = ScanSession(mode: mode, options: profile?.scanner, handler: handler)
        let connection = ScannerConnection(device: device, session: session, reader: reader, loop: loop)
        session.send(.connected(mode: mode.name, interface: reader.info.interfaceNumber, detachedKernelDriver: reader.info.detachedKernelDriver))
        let tickerID = loop.addTicker { [weak session] now in session?.tick(now) }
        connection.tickerID.withLock { $0 = tickerID }
        do throws(DeviceIOError) {
            try await reader.start { [weak connection] event in connection?.received(event) }
        } catch {
            loop.removeTicker(tickerID)
            await reader.stop()
            throw error
        }
        return connection
    }

    /// The decoder's running totals.
    public var counters: ScanDecoder.Counters { session.counters }

    /// True once the scanner was disconnected or stopped.
    public var hasEnded: Bool { session.hasEnded }

    // MARK: - On the event loop's thread

    private func received(_ event: USBInterruptReader.Event) {
        switch event {
        case .report(let bytes, let now):
            // Decoded here, on the event thread; the loop re-reads the ticker's deadline (the
            // inter-key timeout of a partial scan) as soon as this round of events returns.
            session.receive(bytes, atMilliseconds: now)
        case .disconnected(let error):
            end(dropReason: .deviceDisconnected, final: .disconnected(reason: error.description))
        case .warning(let text):
            session.send(.warning(text))
        }
    }

    private func end(dropReason: WedgeDropReason, final: ScannerEvent?) {
        if let id = tickerID.withLock({ $0 }) { loop.removeTicker(id) }
        session.end(dropReason: dropReason, final: final, atMilliseconds: USBEventLoop.monotonicMilliseconds())
    }

    // MARK: - Stopping

    /// The scanner was unplugged (the udev monitor saw it go): drops the partial scan, reports
    /// ``ScannerEvent/disconnected(reason:)`` (unless libusb already did) and closes the device.
    public func disconnect(reason: String) async {
        end(dropReason: .deviceDisconnected, final: .disconnected(reason: reason))
        await reader.stop()
    }

    /// Stops reading (the program is ending): a partial scan is reported dropped as `stopped`, the
    /// interface is released (the kernel driver re-attached) and the device closed.
    public func stop() async {
        end(dropReason: .stopped, final: nil)
        await reader.stop()
    }
}
