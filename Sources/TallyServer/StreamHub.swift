import Foundation
import Synchronization
import TallyCore
import TallyRuntime

/// What a live-stream client receives: a recorded event (with its alerts) or a heartbeat.
public enum StreamItem: Sendable {
    case outcome(RecordedOutcome)
    case heartbeat
}

/// Fans the recorder's published events out to the live-stream clients.
///
/// Each client has a bounded buffer. Publishing never waits: when a client's buffer is full, the client is
/// dropped (its stream ends after what it already holds) and must resume with `Last-Event-ID`, so a slow
/// consumer never slows the recorder and never silently loses an event.
public final class StreamHub: Sendable {
    /// How many items a client may have waiting before it is dropped.
    public let bufferCapacity: Int
    private struct State {
        var clients: [UInt64: AsyncStream<StreamItem>.Continuation] = [:]
        var nextID: UInt64 = 0
        var closed = false
        var dropped = 0
        var eventsByType: [String: Int] = [:]
    }
    private let state = Mutex(State())

    /// Creates a hub whose clients buffer at most `bufferCapacity` items.
    public init(bufferCapacity: Int = 1024) {
        self.bufferCapacity = max(1, bufferCapacity)
    }

    /// A new client's stream, or nil once the hub is closed.
    public func subscribe() -> AsyncStream<StreamItem>? {
        let (stream, continuation) = AsyncStream<StreamItem>.makeStream(bufferingPolicy: .bufferingOldest(bufferCapacity))
        let id: UInt64? = state.withLock { state in
            guard !state.closed else { return nil }
            state.nextID += 1
            state.clients[state.nextID] = continuation
            return state.nextID
        }
        guard let id else { return nil }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.clients.removeValue(forKey: id) }
        }
        return stream
    }

    /// Sends `outcome` to every client without waiting; clients whose buffer is full are dropped.
    public func publish(_ outcome: RecordedOutcome) {
        state.withLock { $0.eventsByType[outcome.event.event.payload.type, default: 0] += 1 }
        send(.outcome(outcome))
    }

    /// Sends a heartbeat to every client.
    public func heartbeat() { send(.heartbeat) }

    private func send(_ item: StreamItem) {
        // Yield under the lock (never blocks); finish outside it, since finishing runs onTermination.
        let full: [AsyncStream<StreamItem>.Continuation] = state.withLock { state in
            var full: [AsyncStream<StreamItem>.Continuation] = []
            for (id, continuation) in state.clients {
                if case .dropped = continuation.yield(item) {
                    full.append(continuation)
                    state.clients[id] = nil
                    state.dropped += 1
                }
            }
            return full
        }
        for continuation in full { continuation.finish() }
    }

    /// Ends every client's stream and refuses new ones.
    public func close() {
        let all = state.withLock { state in
            state.closed = true
            defer { state.clients.removeAll() }
            return Array(state.clients.values)
        }
        for continuation in all { continuation.finish() }
    }

    /// Adds counts of events by type seen before the hub started (read from the log at start).
    public func seed(eventsByType: [String: Int]) {
        state.withLock { state in
            for (type, count) in eventsByType { state.eventsByType[type, default: 0] += count }
        }
    }

    /// Connected clients, clients dropped for being slow, and events seen by type.
    public func statistics() -> (clients: Int, dropped: Int, eventsByType: [String: Int]) {
        state.withLock { ($0.clients.count, $0.dropped, $0.eventsByType) }
    }
}
