import Foundation
import Logging
import TallyCore
import TallyDevices

/// Carries a keyboard-wedge scanner's HID reports to the custody recorder.
///
/// Reports come from a transport (libusb interrupt transfers, or the demo's simulated scanner) as
/// 8-byte boot reports; the real ``KeyboardWedgeDecoder`` turns them into scans, and each scan is
/// recorded as a `scan` event at the bound station, stamped by `clock`.
public struct ScannerPipeline: Sendable {
    public let binding: DeviceBinding
    public let recorder: CustodyRecorder
    public let decoder: KeyboardWedgeDecoder.Configuration
    let clock: @Sendable () -> Date
    let logger: Logger

    /// Creates a pipeline.
    public init(
        binding: DeviceBinding, recorder: CustodyRecorder,
        decoder: KeyboardWedgeDecoder.Configuration = .init(),
        clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "tally.scanner")
    ) {
        self.binding = binding
        self.recorder = recorder
        self.decoder = decoder
        self.clock = clock
        self.logger = logger
    }

    /// Reads reports until the stream ends; then drops any partial scan as a disconnect.
    ///
    /// - Parameter onRecorded: called after each scan is recorded (and its alerts published).
    /// - Returns: the decoder's counters, for reporting.
    @discardableResult
    public func run(
        reports: AsyncStream<[UInt8]>,
        onRecorded: @Sendable (RecordedOutcome) async -> Void = { _ in }
    ) async -> KeyboardWedgeDecoder.Counters {
        var decoder = KeyboardWedgeDecoder(configuration: self.decoder)
        let monotonic = MonotonicMilliseconds()
        for await report in reports {
            for event in decoder.feed(report, atMilliseconds: UInt64(monotonic.now())) {
                await handle(event, onRecorded: onRecorded)
            }
        }
        if let event = decoder.dropPartial(reason: .deviceDisconnected) {
            await handle(event, onRecorded: onRecorded)
        }
        return decoder.counters
    }

    /// Records the events of a USB scanner read by a ``ScannerConnection`` (or ``ScannerHub``, one
    /// pipeline per bound device) until the stream ends: each scan as a `scan` event at the bound
    /// station, and a disconnect as `device-disconnected`; dropped partial scans and warnings are logged.
    ///
    /// The scan's data is what the scanner sent: an AIM symbology identifier the decoder separated
    /// (`]C1`, from a HID POS report or a wedge scanner that sends one) is put back in front, so that
    /// the core's normalizer reads the data by its symbology.
    ///
    /// - Parameter onRecorded: called after each event is recorded.
    public func run(events: AsyncStream<ScannerEvent>, onRecorded: @Sendable (RecordedOutcome) async -> Void = { _ in }) async {
        for await event in events {
            switch event {
            case .scan(let scan, _):
                await record(.scan(station: binding.station, device: binding.device, data: scan.rawText), onRecorded: onRecorded)
            case .disconnected(let reason):
                await record(.deviceDisconnected(station: binding.station, device: binding.device, reason: reason), onRecorded: onRecorded)
            case .dropped(let partial, let reason):
                logger.warning("\(binding.device): partial scan '\(LiveFeedFormatter.visible(partial))' dropped: \(reason)")
            case .warning(let text):
                logger.warning("\(binding.device): \(text)")
            case .connected(let mode, let interface, _):
                logger.info("\(binding.device) at \(binding.station): reading \(mode) on interface \(interface)")
            }
        }
    }

    private func record(_ payload: EventPayload, onRecorded: @Sendable (RecordedOutcome) async -> Void) async {
        do {
            await onRecorded(try await recorder.record(CustodyEvent(at: clock(), payload)))
        } catch {
            logger.error("\(payload.type) from \(binding.device) at \(binding.station) not recorded: \(error)")
        }
    }

    private func handle(_ event: WedgeEvent, onRecorded: @Sendable (RecordedOutcome) async -> Void) async {
        switch event {
        case .scan(let text):
            do {
                let recorded = try await recorder.record(CustodyEvent(
                    at: clock(), .scan(station: binding.station, device: binding.device, data: text)))
                await onRecorded(recorded)
            } catch {
                logger.error("scan from \(binding.device) at \(binding.station) not recorded: \(error)")
            }
        case .dropped(let partial, let reason):
            logger.warning("\(binding.device): partial scan '\(LiveFeedFormatter.visible(partial))' dropped: \(reason)")
        }
    }
}
