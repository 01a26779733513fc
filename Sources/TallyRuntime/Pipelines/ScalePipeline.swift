import Foundation
import Logging
import TallyCore
import TallyDevices

/// Carries a serial scale's readings to the custody recorder.
///
/// A ``ScaleReader`` runs the protocol driver on its own thread over a real termios port; each reading
/// goes through ``WeightCapture``, and a reading offered for capture is recorded as a `weight` event at
/// the bound station (the core then accepts it or raises `weight-rejected`). A disconnect is recorded as
/// `device-disconnected`.
public struct ScalePipeline: Sendable {
    public let binding: DeviceBinding
    public let recorder: CustodyRecorder
    public let capture: WeightCapture.Configuration
    let clock: @Sendable () -> Date
    let logger: Logger

    /// Creates a pipeline.
    public init(
        binding: DeviceBinding, recorder: CustodyRecorder, capture: WeightCapture.Configuration = .init(),
        clock: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "tally.scale")
    ) {
        self.binding = binding
        self.recorder = recorder
        self.capture = capture
        self.clock = clock
        self.logger = logger
    }

    /// Opens nothing itself: runs over an open port with `driver` until the reader ends or the task is
    /// cancelled, and stops the reader (closing the port) on the way out.
    ///
    /// - Returns: how many frame errors (garbage, undecodable frames) were counted.
    @discardableResult
    public func run<Driver: ScaleProtocolDriver>(
        port: SerialPort, driver: Driver, mode: ScaleReader.Mode? = nil,
        onRecorded: @Sendable (RecordedOutcome) async -> Void = { _ in }
    ) async -> Int {
        let (reader, events) = ScaleReader.withEventStream(port: port, driver: driver, mode: mode ?? .preferred(for: driver))
        var capture = WeightCapture(configuration: self.capture)
        let monotonic = MonotonicMilliseconds()
        var frameErrors = 0
        reader.start()
        await withTaskCancellationHandler {
            for await event in events {
                switch event {
                case .reading(let reading, _):
                    guard case .capture(let offered) = capture.offer(reading, atMilliseconds: monotonic.now()) else { continue }
                    await record(.weight(station: binding.station, device: binding.device, reading: offered), onRecorded: onRecorded)
                case .frameError(let error):
                    frameErrors += 1
                    logger.warning("\(binding.device) on \(port.path): \(error)")
                case .reply:
                    break
                case .disconnected(let error), .failed(let error):
                    await record(.deviceDisconnected(station: binding.station, device: binding.device, reason: error.description),
                                 onRecorded: onRecorded)
                }
            }
        } onCancel: {
            reader.stop()
        }
        reader.stop()
        return frameErrors
    }

    private func record(_ payload: EventPayload, onRecorded: @Sendable (RecordedOutcome) async -> Void) async {
        do {
            await onRecorded(try await recorder.record(CustodyEvent(at: clock(), payload)))
        } catch {
            logger.error("\(payload.type) from \(binding.device) at \(binding.station) not recorded: \(error)")
        }
    }
}
