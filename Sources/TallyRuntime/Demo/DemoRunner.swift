import Foundation
import Logging
import Synchronization
import TallyCore
import TallyDevices
import TallyStore

/// Options of `tally demo`.
public struct DemoOptions: Sendable {
    /// How many times faster than real life the scenario plays (scenario time ÷ speed = wall time).
    public var speed: Double
    /// When set, the speed is chosen so the whole scenario takes about this many seconds (0: no pauses).
    public var duration: Double?
    /// ANSI colours in the live feed.
    public var colour: Bool

    /// Creates options.
    public init(speed: Double = 10, duration: Double? = nil, colour: Bool = false) {
        self.speed = speed
        self.duration = duration
        self.colour = colour
    }
}

/// What a demo run produced.
public struct DemoResult: Sendable {
    public let databasePath: String
    public let events: Int64
    public let alerts: [Alert]
    public let reconciliation: Reconciliation
}

/// Why the demo stopped.
public struct DemoError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// Scenario time: starts at the wall-clock time of the run and advances by each step's nominal gap, so
/// event timestamps look like a real shift whatever the playback speed.
final class ScenarioClock: Sendable {
    private let current: Mutex<Date>
    init(start: Date) { current = Mutex(start) }
    func now() -> Date { current.withLock { $0 } }
    func advance(by seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Collects recorded outcomes from the device pipelines so the scenario can wait for each one.
actor OutcomeMailbox {
    private var buffer: [RecordedOutcome] = []
    private var waiter: CheckedContinuation<RecordedOutcome?, Never>?

    func put(_ outcome: RecordedOutcome) {
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: outcome)
        } else {
            buffer.append(outcome)
        }
    }

    /// The next outcome, or nil when none arrives within `seconds`.
    func next(within seconds: Double) async -> RecordedOutcome? {
        if !buffer.isEmpty { return buffer.removeFirst() }
        let timer = Task { [weak self] in
            try await Task.sleep(for: .seconds(seconds))
            await self?.expire()
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { waiter = $0 }
    }

    private func expire() {
        waiter?.resume(returning: nil)
        waiter = nil
    }
}

/// Runs the demo: the sample manifest, a simulated keyboard-wedge scanner whose HID reports go through
/// the real decoder, and a simulated MT-SICS scale on a pseudo-terminal read through the real termios
/// port and protocol driver; every event goes through the real core into the SQLite log.
public enum DemoRunner {
    /// The demo devices' identities (profile id + serial number).
    public static let scannerIdentity = "zebra-ds2208:DEMO0001"
    public static let scaleIdentity = "mettler-toledo-ind570:SIM0000001"

    /// Runs the scenario against the database at `databasePath`, printing the live feed with `output`.
    /// - Parameter onReady: called once the manifest is imported and before the scenario starts, with the
    ///   recorder the scenario writes through (`tally demo` starts its HTTP server here).
    /// - Parameter devices: where the simulated scanner and scale show their status (the server's board).
    public static func run(
        databasePath: String, options: DemoOptions, output: @escaping @Sendable (String) -> Void,
        devices: DeviceBoard = DeviceBoard(),
        onReady: (@Sendable (CustodyRecorder) async throws -> Void)? = nil
    ) async throws -> DemoResult {
        let logger = Logger(label: "tally.demo")
        let formatter = LiveFeedFormatter(colour: options.colour)
        let manifest = try ManifestCSV.parse(Array(SampleManifest.csv.utf8), file: "sample-manifest.csv")
        let store = try CustodyStore(path: databasePath)
        guard try store.manifest().load(SampleManifest.load) == nil else {
            throw DemoError(description: "\(databasePath) already holds the demo load \(SampleManifest.load): give a new --db path")
        }
        let recorder = try CustodyRecorder(store: store)
        try await recorder.importManifest(manifest, source: "sample-manifest.csv (built in)")
        try await onReady?(recorder)

        let steps = DemoScript.steps(manifest: manifest)
        let scenarioSeconds = steps.reduce(0) { $0 + $1.after }
        let speed: Double? = if let duration = options.duration {
            duration > 0 ? scenarioSeconds / duration : nil
        } else {
            options.speed > 0 ? options.speed : nil
        }
        let clock = ScenarioClock(start: Date())
        let binding = DeviceBinding(station: DemoScript.station, device: scannerIdentity)
        let scaleBinding = DeviceBinding(station: DemoScript.station, device: scaleIdentity)
        let mailbox = OutcomeMailbox()
        let onRecorded: @Sendable (RecordedOutcome) async -> Void = { outcome in
            switch outcome.event.event.payload {
            case .scan(_, let device?, _): devices.counted(device, scan: true, at: outcome.event.event.at)
            case .weight(_, let device?, _): devices.counted(device, weight: true, at: outcome.event.event.at)
            default: break
            }
            for line in formatter.lines(for: outcome) { output(line) }
            await mailbox.put(outcome)
        }

        output("Database: \(databasePath)")
        output("Imported \(manifest.assets.count) assets on \(manifest.pallets.count) pallets for load \(SampleManifest.load).")

        // The scale: a simulated MT-SICS indicator on a pty, read through the real termios port.
        let scale = try SimulatedScale(protocol: MTSICS.name, transmission: .continuous(intervalMilliseconds: 40),
                                       division: DemoScript.division, unit: .kilogram)
        defer { scale.stop() }
        let port = try SerialPort.open(path: scale.slavePath, settings: .default8N1)
        output("Scale \(scaleIdentity): MT-SICS on \(scale.slavePath) (9600 8N1), bound to \(DemoScript.station).")
        devices.register(identity: scaleIdentity, kind: "scale", profile: "mettler-toledo-ind570", station: DemoScript.station,
                         path: scale.slavePath, state: .connected, detail: "simulated MT-SICS indicator on a pseudo-terminal")
        devices.register(identity: scannerIdentity, kind: "scanner", profile: "zebra-ds2208", station: DemoScript.station,
                         path: nil, state: .connected, detail: "simulated keyboard-wedge scanner")
        let scalePipeline = ScalePipeline(binding: scaleBinding, recorder: recorder, clock: { clock.now() }, logger: logger)
        let scaleTask = Task {
            await scalePipeline.run(port: port, driver: MTSICS(options: ScaleDriverOptions(division: DemoScript.division, unit: .kilogram)),
                                    onRecorded: onRecorded)
        }

        // The scanner: a simulated keyboard-wedge scanner whose 8-byte boot reports go to the real decoder.
        let scanner = SimulatedWedgeScanner(layout: .us, controlCharacters: .controlKey, terminator: .enter)
        let (reports, reportSink) = AsyncStream<[UInt8]>.makeStream()
        let scannerPipeline = ScannerPipeline(binding: binding, recorder: recorder, clock: { clock.now() }, logger: logger)
        let scannerTask = Task { await scannerPipeline.run(reports: reports, onRecorded: onRecorded) }
        output("Scanner \(scannerIdentity): USB HID keyboard wedge (US layout), bound to \(DemoScript.station).")
        output("")

        func pause(_ seconds: Double) async throws {
            clock.advance(by: seconds)
            if let speed, seconds > 0 { try await Task.sleep(for: .seconds(seconds / speed)) }
        }
        func awaitEvent(_ what: String) async throws {
            guard await mailbox.next(within: 15) != nil else {
                throw DemoError(description: "no event was recorded for \(what) within 15 s")
            }
        }

        func alertID(_ code: AlertCode, _ subject: String) async throws -> Int64 {
            guard let alert = await recorder.alerts().first(where: { $0.code == code && $0.subject == subject }) else {
                throw DemoError(description: "the scenario expected a \(code.rawValue) alert about \(subject)")
            }
            return alert.id
        }

        for step in steps {
            try await pause(step.after)
            switch step {
            case .say(let text):
                output(formatter.narration(text))
            case .assign(let load, let user, _):
                let outcome = try await recorder.record(CustodyEvent(at: clock.now(), .assign(station: DemoScript.station, load: load, user: user)))
                for line in formatter.lines(for: outcome) { output(line) }
            case .scan(let text, _):
                for report in try scanner.reports(for: text) { reportSink.yield(report) }
                try await awaitEvent("scan \(text)")
            case .place(let weight, _):
                scale.place(weight: weight, settleReadings: 5)
                try await awaitEvent("weighing \(weight)")
            case .remove:
                scale.remove()
            case .transfer(let transfer, _):
                let outcome = try await recorder.record(CustodyEvent(at: clock.now(), .transfer(transfer)))
                for line in formatter.lines(for: outcome) { output(line) }
            case .acknowledge(let code, let subject, _):
                let id = try await alertID(code, subject)
                let outcome = try await recorder.record(CustodyEvent(at: clock.now(), .acknowledge(alert: id, user: DemoScript.supervisor, note: nil)))
                for line in formatter.lines(for: outcome) { output(line) }
            case .resolve(let code, let subject, let reason, let note, _):
                let id = try await alertID(code, subject)
                let outcome = try await recorder.record(CustodyEvent(
                    at: clock.now(), .resolve(alert: id, user: DemoScript.supervisor, reason: reason, note: note)))
                for line in formatter.lines(for: outcome) { output(line) }
            case .seal(let load, let seal, let user, let override, _):
                let order = SealOrder(load: load, seal: seal, carrier: "Northline Freight", driver: "J. Okafor", user: user, override: override)
                let result: Result<RecordedOutcome, RecorderError>
                do {
                    result = .success(try await recorder.record(CustodyEvent(at: clock.now(), .seal(order))))
                } catch {
                    result = .failure(error)
                }
                switch result {
                case .success(let outcome):
                    for line in formatter.lines(for: outcome) { output(line) }
                case .failure(.rejected(let rejection)) where override == nil:
                    // The first attempt shows the rule: no seal over open critical alerts.
                    output(formatter.refusal("seal of \(load) refused: \(rejection)"))
                case .failure(let error):
                    throw error
                }
            }
        }

        reportSink.finish()
        let counters = await scannerTask.value
        scaleTask.cancel()
        let frameErrors = await scaleTask.value
        if counters.malformedReports + counters.errorReports > 0 || frameErrors > 0 {
            output("devices: \(counters.malformedReports + counters.errorReports) bad scanner reports, \(frameErrors) scale frame errors")
        }

        guard let reconciliation = await recorder.reconciliation(load: SampleManifest.load) else {
            throw DemoError(description: "the demo load vanished from the manifest")
        }
        let alerts = await recorder.alerts()
        output("")
        for line in formatter.summary(reconciliation, alerts: alerts) { output(line) }
        let events = await recorder.eventCount()
        output("")
        output("\(events) events in the custody log at \(databasePath)")
        return DemoResult(databasePath: databasePath, events: events, alerts: alerts, reconciliation: reconciliation)
    }
}
