import Foundation
import TallyCore
import TallyStore

/// One recorded event with what it did and the alerts it raised, as published to live subscribers.
public struct RecordedOutcome: Sendable {
    public let event: RecordedEvent
    public let outcome: Outcome
}

/// Why the recorder did not record an event.
public enum RecorderError: Error, Sendable, CustomStringConvertible {
    /// The validation core refused the command (nothing was written).
    case rejected(CustodyRejection)
    /// The store failed (nothing was written; the recorder's state was rebuilt from the log).
    case store(StoreError)

    public var description: String {
        switch self {
        case .rejected(let rejection): "refused: \(rejection)"
        case .store(let error): "\(error)"
        }
    }
}

/// Joins the validation core to the custody log: every event is checked, applied, written with its
/// alerts in one transaction, and only then published.
///
/// At start it rebuilds the core's state by replaying the whole log over the stored manifest, so the
/// live state and a replay can never disagree.
public actor CustodyRecorder {
    nonisolated public let store: CustodyStore
    private var engine: CustodyEngine
    private let configuration: CustodyEngine.Configuration
    private var subscribers: [UUID: AsyncStream<RecordedOutcome>.Continuation] = [:]

    /// Opens the recorder over `store`, replaying its log.
    public init(store: CustodyStore, configuration: CustodyEngine.Configuration = .init()) throws(StoreError) {
        self.store = store
        self.configuration = configuration
        engine = try Self.rebuild(store: store, configuration: configuration)
    }

    private static func rebuild(store: CustodyStore, configuration: CustodyEngine.Configuration) throws(StoreError) -> CustodyEngine {
        var engine = CustodyEngine(manifest: try store.manifest(), configuration: configuration)
        for event in try store.events() {
            _ = engine.apply(event)
        }
        return engine
    }

    /// Imports a manifest (atomically) and rebuilds the state over it.
    @discardableResult
    public func importManifest(_ manifest: Manifest, source: String) throws(StoreError) -> Int {
        let count = try store.importManifest(manifest, source: source)
        engine = try Self.rebuild(store: store, configuration: configuration)
        return count
    }

    /// Checks, applies, writes and publishes one event.
    @discardableResult
    public func record(_ event: CustodyEvent) throws(RecorderError) -> RecordedOutcome {
        // The log keeps milliseconds: apply the time exactly as a replay will read it back.
        var event = event
        event.at = UTCTimestamp.truncated(event.at)
        do {
            try engine.check(event.payload)
        } catch {
            throw .rejected(error)
        }
        let recorded = RecordedEvent(seq: engine.lastSeq + 1, event: event)
        let outcome = engine.apply(recorded)
        do {
            try store.append(event, expectedSeq: recorded.seq, alerts: outcome.alerts)
        } catch {
            // The core already applied an event the log does not hold: rebuild it from the log.
            if let rebuilt = try? Self.rebuild(store: store, configuration: configuration) { engine = rebuilt }
            throw .store(error)
        }
        let result = RecordedOutcome(event: recorded, outcome: outcome)
        for continuation in subscribers.values { continuation.yield(result) }
        return result
    }

    /// A live feed of every event recorded from now on.
    public func updates() -> AsyncStream<RecordedOutcome> {
        let (stream, continuation) = AsyncStream<RecordedOutcome>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        let id = UUID()
        subscribers[id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    private func unsubscribe(_ id: UUID) { subscribers[id] = nil }

    /// Ends every live feed.
    public func finishUpdates() {
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }

    /// The reconciliation of a load as of now.
    public func reconciliation(load: String) -> Reconciliation? { Reconciliation(load: load, engine: engine) }

    /// Every alert raised so far.
    public func alerts() -> [Alert] { engine.alerts }

    /// The current manifest.
    public func manifest() -> Manifest { engine.manifest }

    /// The number of events applied.
    public func eventCount() -> Int64 { engine.lastSeq }
}
