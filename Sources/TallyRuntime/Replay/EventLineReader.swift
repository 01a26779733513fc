import Foundation
import Synchronization

/// Reads an events file (or standard input) line by line on its own thread and hands the lines over in
/// batches: everything already read, up to `batchSize`, so a fast producer is grouped into few
/// transactions and a slow one is recorded as soon as each line arrives.
public enum EventLineReader {
    /// A line and its 1-based number.
    public struct Line: Sendable, Hashable {
        public let number: Int
        public let text: String
    }

    private struct Shared {
        var lines: [Line] = []
        var finished = false
    }

    /// The lines read so far, shared by the reading thread and the consumer.
    private final class Buffer: Sendable {
        let state = Mutex(Shared())
    }

    /// Streams the lines of `handle` in batches.
    public static func batches(from handle: FileHandle, batchSize: Int = 1024) -> AsyncStream<[Line]> {
        let buffer = Buffer()
        // Wakes the consumer; one pending wake-up is enough, since it drains everything it finds.
        let (wakeups, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let thread = Thread {
            var number = 0
            var pending = Data()
            func publish(_ line: Data) {
                number += 1
                var text = String(decoding: line, as: UTF8.self)
                if text.hasSuffix("\r") { text.removeLast() }
                buffer.state.withLock { $0.lines.append(Line(number: number, text: text)) }
                wake.yield()
            }
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    publish(pending[pending.startIndex..<newline])
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
            if !pending.isEmpty { publish(pending) }
            buffer.state.withLock { $0.finished = true }
            wake.yield()
            wake.finish()
        }
        thread.name = "tally.event-reader"
        thread.start()
        return AsyncStream { continuation in
            let task = Task {
                var signals = wakeups.makeAsyncIterator()
                while !Task.isCancelled {
                    let (batch, finished) = buffer.state.withLock { state -> ([Line], Bool) in
                        let count = min(batchSize, state.lines.count)
                        let batch = Array(state.lines.prefix(count))
                        state.lines.removeFirst(count)
                        return (batch, state.finished && state.lines.isEmpty)
                    }
                    if !batch.isEmpty { continuation.yield(batch) }
                    if finished { break }
                    if batch.isEmpty, await signals.next() == nil, buffer.state.withLock({ $0.lines.isEmpty }) { break }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
