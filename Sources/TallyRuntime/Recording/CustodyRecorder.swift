import Foundation
import Synchronization
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
        try LogReplay.rebuild(store: store, configuration: configuration)
    }

    /// Imports a manifest (atomically) and rebuilds the state over it.
    @discardableResult
    public func importManifest(_ manifest: Manifest, source: String) throws(StoreError) -> Int {
        let count = try store.importManifest(manifest, source: source)
        engine = try Self.rebuild(store: store, configuration: configuration)
        return count
    }

    /// An event applied to the core and waiting for its transaction.
    private struct Pending {
        let recorded: RecordedEvent
        let outcome: Outcome
        /// Called on the actor once the event's transaction committed or failed.
        let complete: @Sendable (Result<RecordedOutcome, RecorderError>) -> Void
    }
    private var pending: [Pending] = []
    private var flushing = false
    /// Where transactions are written (one at a time, as ``flush()`` awaits each).
    private let writer = DispatchQueue(label: "tally.recorder.writer")

    /// Checks, applies, writes and publishes one event; returns once its transaction has committed.
    ///
    /// Events recorded while an earlier transaction is being written are grouped into the next one
    /// (group commit), so many concurrent callers share each disk sync. If a transaction fails, every event
    /// in it and queued behind it fails, nothing of them is published, and the core is rebuilt from the log.
    @discardableResult
    public func record(_ event: CustodyEvent) async throws(RecorderError) -> RecordedOutcome {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<RecordedOutcome, RecorderError>, Never>) in
            submit(event) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    /// Records `events` in order, grouped into as few transactions as the writer allows; returns once all
    /// have committed or failed, with one result per event (a refused command fails alone).
    public func record(contentsOf events: [CustodyEvent]) async -> [Result<RecordedOutcome, RecorderError>] {
        guard !events.isEmpty else { return [] }
        let results = Mutex([Result<RecordedOutcome, RecorderError>?](repeating: nil, count: events.count))
        let remaining = Mutex(events.count)
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            for (index, event) in events.enumerated() {
                submit(event) { result in
                    results.withLock { $0[index] = result }
                    if remaining.withLock({ $0 -= 1; return $0 }) == 0 { done.resume() }
                }
            }
        }
        return results.withLock { $0.map { $0! } }
    }

    /// Checks and applies `event` now, and queues it for the next transaction; `complete` runs on the actor.
    private func submit(_ event: CustodyEvent, complete: @escaping @Sendable (Result<RecordedOutcome, RecorderError>) -> Void) {
        // The log keeps milliseconds: apply the time exactly as a replay will read it back.
        var event = event
        event.at = UTCTimestamp.truncated(event.at)
        do {
            try engine.check(event.payload)
        } catch {
            complete(.failure(.rejected(error)))
            return
        }
        let recorded = RecordedEvent(seq: engine.lastSeq + 1, event: event)
        let outcome = engine.apply(recorded)
        pending.append(Pending(recorded: recorded, outcome: outcome, complete: complete))
        if !flushing {
            flushing = true
            Task { await self.flush() }
        }
    }

    /// Writes queued events in batches until none is left.
    private func flush() async {
        while !pending.isEmpty {
            let batch = pending
            pending.removeAll(keepingCapacity: true)
            let store = self.store
            let rows = batch.map { (event: $0.recorded.event, outcome: $0.outcome) }
            let firstSeq = batch[0].recorded.seq
            // The write runs off the actor, so new events keep being applied and queued meanwhile, and on the
            // writer's own queue: its disk sync blocks that thread, not one of the few of the concurrency pool.
            let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[RecordedEvent], any Error>, Never>) in
                writer.async { continuation.resume(returning: Result { try store.append(batch: rows, firstSeq: firstSeq) }) }
            }
            switch result {
            case .success:
                for item in batch {
                    let published = RecordedOutcome(event: item.recorded, outcome: item.outcome)
                    for continuation in subscribers.values { continuation.yield(published) }
                    item.complete(.success(published))
                }
            case .failure(let error):
                // The core applied events the log does not hold: drop them all and rebuild from the log.
                let failed = batch + pending
                pending.removeAll()
                if let rebuilt = try? Self.rebuild(store: store, configuration: configuration) { engine = rebuilt }
                let storeError = (error as? StoreError)
                    ?? StoreError(path: store.path, operation: "append event", reason: "\(error)")
                for item in failed { item.complete(.failure(.store(storeError))) }
            }
        }
        flushing = false
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

    /// Every alert raised so far (including events still being written).
    public func alerts() -> [Alert] { engine.alerts }

    /// The core's state (including events still being written).
    public func state() -> CustodyEngine { engine }

    /// The current manifest.
    public func manifest() -> Manifest { engine.manifest }

    /// The number of events applied.
    public func eventCount() -> Int64 { engine.lastSeq }
}
