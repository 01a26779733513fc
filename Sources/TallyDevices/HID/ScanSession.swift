import Synchronization

/// What a connected USB scanner reports.
public enum ScannerEvent: Sendable, Hashable {
    /// The scanner was opened and is being read, in `mode` (`keyboard-wedge` or `hid-pos`).
    case connected(mode: String, interface: Int, detachedKernelDriver: Bool)
    /// A complete scan, with its arrival time (monotonic milliseconds).
    case scan(DecodedScan, atMilliseconds: UInt64)
    /// A partial scan was thrown away (timeout, unplug, stop), with what had arrived.
    case dropped(partial: String, reason: WedgeDropReason)
    /// The scanner went away (unplugged, USB error); `reason` says how it was noticed.
    case disconnected(reason: String)
    /// Something worth logging that did not stop reading.
    case warning(String)
}

/// The decoding half of a connected scanner: a ``ScanDecoder`` behind a lock, fed reports as they
/// arrive, ending partial scans when told the time, and handing every result to `handler`.
///
/// ``ScannerConnection`` drives one from the USB event thread; the scanner benchmark drives one from
/// its own thread the same way, so the benchmark measures the code the scanners run.
public final class ScanSession: Sendable {
    private struct State {
        var decoder: ScanDecoder
        var ended = false
    }
    private let state: Mutex<State>
    private let handler: @Sendable (ScannerEvent) -> Void
    /// The decoding mode.
    public let mode: ScanDecoder.Mode

    /// Creates a session decoding in `mode` with the profile's `options`; events go to `handler`.
    public init(mode: ScanDecoder.Mode, options: HardwareProfile.ScannerOptions?, handler: @escaping @Sendable (ScannerEvent) -> Void) {
        self.mode = mode
        self.handler = handler
        self.state = Mutex(State(decoder: ScanDecoder(mode: mode, options: options)))
    }

    /// The decoder's running totals.
    public var counters: ScanDecoder.Counters { state.withLock { $0.decoder.counters } }

    /// True once ``end(dropReason:final:)`` ran.
    public var hasEnded: Bool { state.withLock { $0.ended } }

    /// Decodes one report; scans and dropped partial scans go to the handler at once.
    ///
    /// - Returns: when the pending partial scan (if any) must be ended by ``tick(_:)``.
    @discardableResult
    public func receive(_ report: [UInt8], atMilliseconds now: UInt64) -> UInt64? {
        var decoded: [ScanDecoderEvent] = []
        let deadline = state.withLock { state -> UInt64? in
            guard !state.ended else { return nil }
            state.decoder.feed(report, atMilliseconds: now, into: &decoded)
            return state.decoder.partialScanDeadline
        }
        for item in decoded { emit(item, at: now) }
        return deadline
    }

    /// Ends an overdue partial scan; returns when it next needs to be called (nil: nothing pending).
    public func tick(_ now: UInt64) -> UInt64? {
        let (event, deadline) = state.withLock { state -> (ScanDecoderEvent?, UInt64?) in
            guard !state.ended else { return (nil, nil) }
            let event = state.decoder.flush(atMilliseconds: now)
            return (event, state.decoder.partialScanDeadline)
        }
        if let event { emit(event, at: now) }
        return deadline
    }

    /// Ends the session once: drops the partial scan for `dropReason`, then emits `final` (if any).
    ///
    /// - Returns: false when the session had already ended (nothing emitted).
    @discardableResult
    public func end(dropReason: WedgeDropReason, final: ScannerEvent?, atMilliseconds now: UInt64) -> Bool {
        let (dropped, first) = state.withLock { state -> (ScanDecoderEvent?, Bool) in
            guard !state.ended else { return (nil, false) }
            state.ended = true
            return (state.decoder.dropPartial(reason: dropReason), true)
        }
        guard first else { return false }
        if let dropped { emit(dropped, at: now) }
        if let final { handler(final) }
        return true
    }

    /// Passes an event that is not a decoding result (connected, warning) to the handler.
    public func send(_ event: ScannerEvent) {
        handler(event)
    }

    private func emit(_ event: ScanDecoderEvent, at now: UInt64) {
        switch event {
        case .scan(let scan): handler(.scan(scan, atMilliseconds: now))
        case .dropped(let partial, let reason): handler(.dropped(partial: partial, reason: reason))
        }
    }
}
