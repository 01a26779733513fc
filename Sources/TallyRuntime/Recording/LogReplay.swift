import Dispatch
import Foundation
import Synchronization
import TallyCore
import TallyStore

/// Rebuilds the core's state from the log: the manifest, then every event folded through the core.
///
/// Reading the log and applying events are pipelined on the two sides of a small bounded queue: a reader
/// thread decodes events (starting while the manifest is still being read) and the caller applies them,
/// so a start-up replay uses two cores and never holds more than a few thousand decoded events.
enum LogReplay {
    /// A bounded, blocking hand-over of event chunks from the reader thread to the applier.
    private final class ChunkQueue: Sendable {
        private struct State {
            var chunks: [[RecordedEvent]] = []
            var finished = false
            var cancelled = false
            var failure: StoreError?
        }
        private let state = Mutex(State())
        private let items = DispatchSemaphore(value: 0)
        private let space: DispatchSemaphore

        init(capacity: Int) { space = DispatchSemaphore(value: capacity) }

        /// Hands over a chunk, waiting for room; false once the consumer has cancelled.
        func put(_ chunk: [RecordedEvent]) -> Bool {
            space.wait()
            let accepted = state.withLock { state -> Bool in
                guard !state.cancelled else { return false }
                state.chunks.append(chunk)
                return true
            }
            if accepted { items.signal() }
            return accepted
        }

        /// Marks the end of the log (or the reader's failure).
        func finish(_ failure: StoreError?) {
            state.withLock { $0.finished = true; $0.failure = failure }
            items.signal()
        }

        /// The next chunk, or nil at the end; throws the reader's failure.
        func take() throws(StoreError) -> [RecordedEvent]? {
            while true {
                items.wait()
                let (chunk, done, failure) = state.withLock { state -> ([RecordedEvent]?, Bool, StoreError?) in
                    if !state.chunks.isEmpty { return (state.chunks.removeFirst(), false, nil) }
                    return (nil, state.finished, state.failure)
                }
                if let chunk {
                    space.signal()
                    return chunk
                }
                if let failure { throw failure }
                if done { return nil }
            }
        }

        /// Stops the reader (it sees `put` fail) and lets it through if it is waiting for room.
        func cancel() {
            state.withLock { $0.cancelled = true }
            space.signal()
        }
    }

    private struct Cancelled: Error {}

    /// The state after applying every logged event to a fresh core over the stored manifest.
    static func rebuild(store: CustodyStore, configuration: CustodyEngine.Configuration) throws(StoreError) -> CustodyEngine {
        let queue = ChunkQueue(capacity: 8)
        let reader = Thread {
            var chunk: [RecordedEvent] = []
            chunk.reserveCapacity(4096)
            do {
                try store.forEachEvent { event in
                    chunk.append(event)
                    if chunk.count == 4096 {
                        guard queue.put(chunk) else { throw Cancelled() }
                        chunk.removeAll(keepingCapacity: true)
                    }
                }
                if !chunk.isEmpty { _ = queue.put(chunk) }
                queue.finish(nil)
            } catch let error as StoreError {
                queue.finish(error)
            } catch {
                queue.finish(nil) // cancelled by the consumer
            }
        }
        reader.name = "tally.log-replay"
        reader.start()
        let manifest: Manifest
        do {
            manifest = try store.manifest()
        } catch {
            queue.cancel()
            throw error
        }
        var engine = CustodyEngine(manifest: manifest, configuration: configuration)
        do {
            while let chunk = try queue.take() {
                for event in chunk { _ = engine.apply(event) }
            }
        } catch {
            queue.cancel()
            throw error
        }
        return engine
    }
}
