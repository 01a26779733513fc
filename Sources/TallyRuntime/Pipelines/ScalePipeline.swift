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
        return await consume(reader: reader, events: events, path: port.path, capture: capture, onRecorded: onRecorded).frameErrors
    }

    /// How a profile-driven run ended one connection.
    enum ConnectionEnd { case disconnected, cancelled }

    /// What happened to the link of a profile-driven run, for status displays.
    public enum LinkChange: Sendable, Hashable {
        /// The port opened and is being read.
        case opened(path: String)
        /// The port went away or could not be opened; the run keeps trying.
        case lost(reason: String)
        /// A frame could not be decoded (garbage, a bad checksum).
        case frameError
    }

    /// Runs the scale a profile describes on the port at `path` for as long as the task lives.
    ///
    /// Opens the port with the profile's serial settings, reads with its protocol, division, unit, poll
    /// settings and stability window, and records captured weights. When the scale goes away (unplugged,
    /// adapter reset, port gone) it records one `device-disconnected`, then reopens the port with backoff
    /// (0.25 s, doubling to 5 s) until it is back, and carries on. Cancel the task to stop.
    ///
    /// - Parameter onLink: told when the port opens, is lost, or sends an undecodable frame.
    public func run(
        path: String, profile: HardwareProfile, onRecorded: @Sendable (RecordedOutcome) async -> Void = { _ in },
        onLink: @Sendable (LinkChange) -> Void = { _ in }
    ) async throws(ScaleProtocolRegistry.DecodeError) {
        guard let scale = profile.scale else { throw .unknownProtocol("none: profile \(profile.id) is not a scale") }
        let mode = try ScaleReader.Mode.forProfile(scale)
        let options = ScaleDriverOptions(profile: scale)
        var capture = WeightCapture.Configuration(profile: scale)
        capture.zeroBandDivisions = self.capture.zeroBandDivisions
        let settings = profile.serial ?? .default8N1
        var backoff: Duration = .milliseconds(250)
        var announcedLoss = false
        while !Task.isCancelled {
            let port: SerialPort
            do {
                port = try SerialPort.open(path: path, settings: settings)
            } catch {
                onLink(.lost(reason: error.description))
                if !announcedLoss {
                    announcedLoss = true
                    await record(.deviceDisconnected(station: binding.station, device: binding.device, reason: error.description),
                                 onRecorded: onRecorded)
                }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .seconds(5))
                continue
            }
            if announcedLoss { logger.notice("\(binding.device): \(path) is back; reading again") }
            announcedLoss = false
            backoff = .milliseconds(250)
            onLink(.opened(path: path))
            let (reader, events) = try ScaleProtocolRegistry.readerWithEventStream(
                protocol: scale.scaleProtocol.rawValue, port: port, options: options, mode: mode)
            let connection = await consume(reader: reader, events: events, path: path, capture: capture, onRecorded: onRecorded, onLink: onLink)
            // A disconnect was recorded by `consume`; do not record it again while the port stays away.
            if connection.end == .disconnected { announcedLoss = true }
        }
    }

    /// Reads one connection until it ends; records captures and the disconnect; counts frame errors.
    private func consume(
        reader: ScaleReader, events: AsyncStream<ScaleReader.Event>, path: String, capture configuration: WeightCapture.Configuration,
        onRecorded: @Sendable (RecordedOutcome) async -> Void, onLink: @Sendable (LinkChange) -> Void = { _ in }
    ) async -> (end: ConnectionEnd, frameErrors: Int) {
        var capture = WeightCapture(configuration: configuration)
        let monotonic = MonotonicMilliseconds()
        var end = ConnectionEnd.cancelled
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
                    onLink(.frameError)
                    logger.warning("\(binding.device) on \(path): \(error)")
                case .reply:
                    break
                case .disconnected(let error), .failed(let error):
                    end = .disconnected
                    onLink(.lost(reason: error.description))
                    await record(.deviceDisconnected(station: binding.station, device: binding.device, reason: error.description),
                                 onRecorded: onRecorded)
                }
            }
        } onCancel: {
            reader.stop()
        }
        reader.stop()
        return (end, frameErrors)
    }

    private func record(_ payload: EventPayload, onRecorded: @Sendable (RecordedOutcome) async -> Void) async {
        do {
            await onRecorded(try await recorder.record(CustodyEvent(at: clock(), payload)))
        } catch {
            logger.error("\(payload.type) from \(binding.device) at \(binding.station) not recorded: \(error)")
        }
    }
}
