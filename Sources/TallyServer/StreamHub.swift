import Foundation
import Hummingbird
import Synchronization
import TallyCore
import TallyRuntime

/// What a live-stream client receives: a recorded event's message (with its alerts) or a heartbeat, each
/// already encoded as Server-Sent Events bytes.
///
/// An event is encoded once, when the hub publishes it; every client is handed the same bytes.
public enum StreamItem: Sendable {
    /// The message of the event with sequence number `seq` (`id: seq`), as SSE bytes.
    case event(seq: Int64, bytes: ByteBuffer)
    /// A heartbeat comment.
    case heartbeat

    /// The heartbeat comment's bytes.
    static let heartbeatBytes = ByteBuffer(string: ": heartbeat\n\n")

    /// The item's SSE bytes.
    public var bytes: ByteBuffer {
        switch self {
        case .event(_, let bytes): bytes
        case .heartbeat: Self.heartbeatBytes
        }
    }

    /// The bytes of `items` still owed to a client that already holds every event up to `sent`, as one
    /// buffer (so a batch goes out as one write); advances `sent`. Nil when nothing is left to send.
    public static func join(_ items: [StreamItem], after sent: inout Int64) -> ByteBuffer? {
        var kept = 0
        var size = 0
        var only: ByteBuffer?
        for item in items {
            if case .event(let seq, _) = item, seq <= sent { continue }
            let bytes = item.bytes
            kept += 1
            size += bytes.readableBytes
            only = bytes
        }
        guard kept > 1 else {
            // A single message goes out as the shared buffer itself, without a copy.
            for case .event(let seq, _) in items where seq > sent { sent = seq }
            return only
        }
        var joined = ByteBufferAllocator().buffer(capacity: size)
        for item in items {
            if case .event(let seq, _) = item {
                guard seq > sent else { continue }
                sent = seq
            }
            joined.writeImmutableBuffer(item.bytes)
        }
        return joined
    }
}

/// One client's view of the hub: a bounded queue of ``StreamItem``s with one reader.
///
/// The hub adds items without ever waiting. When the queue already holds ``capacity`` items the client
/// is dropped: the reader still gets what the queue holds, then the subscription ends and the client must
/// resume with `Last-Event-ID`. The reader takes everything queued at once with
/// ``nextBatch(into:)``, or one item at a time as an `AsyncSequence`. The hub does not keep a subscription
/// alive: once its reader lets go of it (or cancels it), the hub forgets the client.
public final class StreamSubscription: AsyncSequence, Sendable {
    public typealias Element = StreamItem

    /// Why a subscription ended.
    public enum Ending: Sendable, Equatable {
        /// Its queue was full: the client was too slow and must resume.
        case dropped
        /// The hub closed (the server is stopping).
        case closed
        /// The reader cancelled it (the connection ended).
        case cancelled
    }

    /// What became of an item offered to the subscription.
    enum Offer: Equatable {
        case queued
        /// The queue was full: the subscription has just ended as ``Ending/dropped``.
        case dropped
        /// The subscription had already ended; the item was ignored.
        case ended
    }

    /// How many items may wait before the client is dropped.
    public let capacity: Int
    private struct State {
        var queue: [StreamItem] = []
        var waiter: CheckedContinuation<Void, Never>?
        var ending: Ending?
    }
    private let state = Mutex(State())
    /// Removes the subscription from its hub (called once the reader cancels or lets go of it).
    private let detach: @Sendable () -> Void

    init(capacity: Int, detach: @escaping @Sendable () -> Void) {
        self.capacity = Swift.max(1, capacity)
        self.detach = detach
    }

    deinit { detach() }

    /// Why the subscription ended, or nil while it is live.
    public var ending: Ending? { state.withLock { $0.ending } }

    /// Queues `item` and returns the reader to wake, if one is waiting (resume it outside any lock).
    func offer(_ item: StreamItem) -> (Offer, CheckedContinuation<Void, Never>?) {
        state.withLock { state in
            guard state.ending == nil else { return (.ended, nil) }
            let waiter = state.waiter
            state.waiter = nil
            guard state.queue.count < capacity else {
                state.ending = .dropped
                return (.dropped, waiter)
            }
            state.queue.append(item)
            return (.queued, waiter)
        }
    }

    /// Ends the subscription (if it is live) with `ending`; the reader gets what is queued unless it cancelled.
    func end(_ ending: Ending) {
        let waiter = state.withLock { state in
            if state.ending == nil { state.ending = ending }
            if ending == .cancelled { state.queue.removeAll() }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Stops the subscription: the hub forgets it and a waiting reader returns.
    public func cancel() {
        end(.cancelled)
        detach()
    }

    /// Waits until items are queued, then moves all of them into `items` (replacing its contents, reusing its
    /// storage); returns false, with `items` empty, once the subscription ended and nothing is left.
    ///
    /// Only one reader may wait at a time. Cancelling the waiting task cancels the subscription.
    public func nextBatch(into items: inout [StreamItem]) async -> Bool {
        items.removeAll(keepingCapacity: true)
        await waitForItems()
        state.withLock { swap(&items, &$0.queue) }
        return !items.isEmpty
    }

    /// Waits until items are queued, then takes the first; nil once the subscription ended and nothing is left.
    public func next() async -> StreamItem? {
        await waitForItems()
        return state.withLock { $0.queue.isEmpty ? nil : $0.queue.removeFirst() }
    }

    private func waitForItems() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let ready = state.withLock { state in
                    guard state.queue.isEmpty, state.ending == nil else { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        } onCancel: {
            self.cancel()
        }
    }

    /// Reads the subscription one item at a time.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let subscription: StreamSubscription
        public mutating func next() async -> StreamItem? { await subscription.next() }
    }

    /// An iterator taking one item at a time (the iterators of one subscription share its queue).
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(subscription: self) }
}

/// Fans the recorder's published events out to the live-stream clients.
///
/// Each event is encoded as SSE bytes once, whatever the number of clients, and every client is handed
/// the same buffer. Each client has a bounded queue. Publishing never waits: when a client's queue is full,
/// the client is dropped (its stream ends after what it already holds) and must resume with
/// `Last-Event-ID`, so a slow consumer never slows the recorder and never silently loses an event.
public final class StreamHub: Sendable {
    /// How many items a client may have waiting before it is dropped.
    public let bufferCapacity: Int
    /// A client as the hub holds it: weakly, so that an abandoned subscription goes away.
    private struct Client {
        weak var subscription: StreamSubscription?
    }
    private struct State {
        var clients: [UInt64: Client] = [:]
        var nextID: UInt64 = 0
        var closed = false
        var dropped = 0
        var encoded = 0
        var eventsByType: [String: Int] = [:]
    }
    private let state = Mutex(State())

    /// Creates a hub whose clients buffer at most `bufferCapacity` items.
    public init(bufferCapacity: Int = 1024) {
        self.bufferCapacity = max(1, bufferCapacity)
    }

    /// A new client's subscription, or nil once the hub is closed.
    public func subscribe() -> StreamSubscription? {
        state.withLock { state in
            guard !state.closed else { return nil }
            state.nextID += 1
            let id = state.nextID
            let subscription = StreamSubscription(capacity: bufferCapacity) { [weak self] in
                self?.state.withLock { _ = $0.clients.removeValue(forKey: id) }
            }
            state.clients[id] = Client(subscription: subscription)
            return subscription
        }
    }

    /// Sends `outcome` to every client without waiting; clients whose buffer is full are dropped.
    ///
    /// The message is encoded once (and not at all while no client is connected).
    public func publish(_ outcome: RecordedOutcome) {
        let listening = state.withLock { state in
            state.eventsByType[outcome.event.event.payload.type, default: 0] += 1
            return !state.clients.isEmpty
        }
        guard listening else { return }
        let bytes = APIRoutes.message(OutcomeJSON(outcome))
        state.withLock { $0.encoded += 1 }
        send(.event(seq: outcome.event.seq, bytes: bytes))
    }

    /// Sends a heartbeat to every client.
    public func heartbeat() { send(.heartbeat) }

    private func send(_ item: StreamItem) {
        // Queue under the hub's lock (never blocks), so every client sees the same order; wake the readers
        // outside it. The subscriptions are held in `alive` until the lock is released: the last reference
        // to an abandoned one must not go (and detach, which takes this lock) while it is held.
        let (waiters, alive) = state.withLock { state in
            var waiters: [CheckedContinuation<Void, Never>] = []
            var alive: [StreamSubscription] = []
            waiters.reserveCapacity(state.clients.count)
            alive.reserveCapacity(state.clients.count)
            for (id, client) in state.clients {
                guard let subscription = client.subscription else {
                    state.clients[id] = nil
                    continue
                }
                alive.append(subscription)
                let (offer, waiter) = subscription.offer(item)
                if let waiter { waiters.append(waiter) }
                if offer != .queued {
                    state.clients[id] = nil
                    if offer == .dropped { state.dropped += 1 }
                }
            }
            return (waiters, alive)
        }
        for waiter in waiters { waiter.resume() }
        withExtendedLifetime(alive) {}
    }

    /// Ends every client's stream and refuses new ones.
    public func close() {
        let all = state.withLock { state in
            state.closed = true
            defer { state.clients.removeAll() }
            return state.clients.values.compactMap(\.subscription)
        }
        for client in all { client.end(.closed) }
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

    /// How many event messages the hub has encoded: one per event published while a client was connected.
    public var encodedMessages: Int { state.withLock { $0.encoded } }
}
