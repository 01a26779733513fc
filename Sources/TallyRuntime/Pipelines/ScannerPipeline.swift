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
