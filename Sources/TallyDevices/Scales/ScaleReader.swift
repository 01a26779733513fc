#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Synchronization
import TallyCore

/// Runs a scale protocol driver over an open ``SerialPort`` on a dedicated thread.
///
/// The thread (a Foundation `Thread`, never Swift's cooperative pool, since it blocks in `poll`)
/// optionally writes a start command or polls with a command at an interval, reads with short poll
/// timeouts, frames the bytes, parses the frames and delivers every ``Event`` to a `@Sendable`
/// callback, in stream order, on the reader thread. A scale sending garbage produces
/// ``Event/frameError(_:)`` events; nothing a scale sends can crash or stall the reader.
///
/// ``stop()`` returns once the thread has ended (within about one poll timeout, 50 ms by default)
/// and the port is closed; no event is delivered after it returns (except when it is called from
/// the event callback itself, where it cannot wait: the thread then ends right after the callback).
/// On a disconnect the reader delivers ``Event/disconnected(_:)``, closes the port and ends.
///
/// `Sendable` without `@unchecked`: the stored state is immutable, atomic, in a `Mutex`, or a
/// `Sendable` port, driver (inside a `@Sendable` closure) or callback.
public final class ScaleReader: Sendable {
    /// What the reader reports.
    public enum Event: Sendable, Hashable {
        /// A decoded reading and the stream offset of its frame.
        case reading(ScaleReading, offset: Int)
        /// Discarded garbage or a frame the driver could not decode (never a fault-free reply).
        case frameError(FrameError)
        /// A well-formed reply that carries no reading (`Z A`), with its stream offset.
        case reply(String, offset: Int)
        /// The device went away (EIO, ENODEV, ENXIO or end of file). The reader has ended.
        case disconnected(DeviceIOError)
        /// Another I/O error (e.g. a write timeout). The reader has ended.
        case failed(DeviceIOError)
    }

    /// How the reader talks to the indicator.
    public enum Mode: Sendable, Hashable {
        /// Only read: the indicator streams by itself.
        case listen
        /// Write `start` once (e.g. MT-SICS `SIR`), then read; write `stop`, if any, when stopping.
        case continuous(start: [UInt8], stop: [UInt8]?)
        /// Write `command` every `intervalMilliseconds` (at least 10) and read the replies in between.
        case poll(command: [UInt8], intervalMilliseconds: Int)

        /// The driver's continuous mode if it has one, else polling with its poll command every
        /// `pollIntervalMilliseconds`, else listening.
        public static func preferred(for driver: some ScaleProtocolDriver, pollIntervalMilliseconds: Int = 200) -> Mode {
            if let start = driver.startContinuousCommand { return .continuous(start: start, stop: driver.stopContinuousCommand) }
            if let poll = driver.pollCommand { return .poll(command: poll, intervalMilliseconds: pollIntervalMilliseconds) }
            return .listen
        }
    }

    /// The port being read. The reader closes it when it ends.
    public let port: SerialPort
    /// The mode in force.
    public let mode: Mode
    /// The longest single `poll` wait, which bounds how long ``stop()`` takes.
    public let pollTimeoutMilliseconds: Int

    private let onEvent: @Sendable (Event) -> Void
    private let onExit: (@Sendable () -> Void)?
    private let loop: @Sendable (ScaleReader) -> Void
    private let started = Mutex(false)
    private let stopRequested = Atomic(false)
    /// `pthread_self()` of the reader thread once it runs, else 0.
    private let threadIdentity = Atomic<UInt>(0)
    private let running = DispatchGroup()

    /// Creates a reader; call ``start()`` to begin.
    ///
    /// - Parameters:
    ///   - port: an open port; the reader owns it from now on and closes it when it ends.
    ///   - driver: the protocol driver (the reader keeps its own copy, state included).
    ///   - mode: what to write; ``Mode/preferred(for:pollIntervalMilliseconds:)`` picks the driver's.
    ///   - pollTimeoutMilliseconds: the longest single wait for input (1...1000, default 50).
    ///   - onEvent: called on the reader thread for every event, in stream order. Keep it short.
    public convenience init<Driver: ScaleProtocolDriver>(
        port: SerialPort, driver: Driver, mode: Mode, pollTimeoutMilliseconds: Int = 50,
        onEvent: @escaping @Sendable (Event) -> Void
    ) {
        self.init(port: port, driver: driver, mode: mode, pollTimeoutMilliseconds: pollTimeoutMilliseconds, onEvent: onEvent, onExit: nil)
    }

    private init<Driver: ScaleProtocolDriver>(
        port: SerialPort, driver: Driver, mode: Mode, pollTimeoutMilliseconds: Int,
        onEvent: @escaping @Sendable (Event) -> Void, onExit: (@Sendable () -> Void)?
    ) {
        self.port = port
        self.mode = mode
        self.pollTimeoutMilliseconds = min(1000, max(1, pollTimeoutMilliseconds))
        self.onEvent = onEvent
        self.onExit = onExit
        self.loop = { reader in reader.run(driver: driver) }
    }

    /// Creates a reader whose events arrive on an `AsyncStream`, which finishes when the reader ends.
    ///
    /// The stream keeps the newest `bufferLimit` events if the consumer falls behind. Cancelling the
    /// consuming task does not stop the reader: call ``stop()``.
    public static func withEventStream<Driver: ScaleProtocolDriver>(
        port: SerialPort, driver: Driver, mode: Mode, pollTimeoutMilliseconds: Int = 50, bufferLimit: Int = 1024
    ) -> (reader: ScaleReader, events: AsyncStream<Event>) {
        let (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(max(1, bufferLimit)))
        let reader = ScaleReader(
            port: port, driver: driver, mode: mode, pollTimeoutMilliseconds: pollTimeoutMilliseconds,
            onEvent: { continuation.yield($0) }, onExit: { continuation.finish() }
        )
        return (reader, stream)
    }

    /// Starts the reader thread. Calling it again, or after ``stop()``, does nothing.
    public func start() {
        let shouldStart = started.withLock { isStarted -> Bool in
            if isStarted || stopRequested.load(ordering: .acquiring) { return false }
            isStarted = true
            running.enter()
            return true
        }
        guard shouldStart else { return }
        let thread = Thread { [self] in
            threadIdentity.store(UInt(pthread_self()), ordering: .releasing)
            loop(self)
            onExit?()
            running.leave()
        }
        thread.name = "tally.scale-reader \(port.path)"
        thread.start()
    }

    /// True once ``stop()`` was called.
    public var isStopping: Bool { stopRequested.load(ordering: .acquiring) }

    /// Writes a command (zero, tare, ...) to the indicator while the reader runs; its reply arrives
    /// as an event. Waits for the reader's current poll (at most the poll timeout).
    ///
    /// - Throws: ``DeviceIOError`` from the port.
    public func send(_ command: [UInt8]) throws(DeviceIOError) {
        try port.write(command)
    }

    /// Ends the reader thread and closes the port; returns once the thread has ended (normally
    /// within one poll timeout; it gives up waiting after 5 s). Idempotent; safe from any thread,
    /// including the event callback.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        let isStarted = started.withLock { $0 }
        let identity = threadIdentity.load(ordering: .acquiring)
        let onReaderThread = identity != 0 && pthread_equal(pthread_self(), pthread_t(identity)) != 0
        if isStarted && !onReaderThread {
            _ = running.wait(timeout: .now() + .seconds(5))
        }
        if !onReaderThread { port.close() }
    }

    // MARK: The reader thread

    private func run<Driver: ScaleProtocolDriver>(driver initial: Driver) {
        var driver = initial
        var framer = driver.makeFramer()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(4096)
        let clock = ContinuousClock()
        var nextPoll = clock.now
        var ended = false

        do throws(DeviceIOError) {
            if case .continuous(let start, _) = mode {
                try port.write(start)
            }
            while !stopRequested.load(ordering: .acquiring) {
                var timeout = pollTimeoutMilliseconds
                if case .poll(let command, let interval) = mode {
                    if clock.now >= nextPoll {
                        try port.write(command)
                        nextPoll = clock.now.advanced(by: .milliseconds(max(10, interval)))
                    }
                    let untilPoll = clock.now.duration(to: nextPoll)
                    let (seconds, attoseconds) = untilPoll.components
                    let milliseconds = Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000) + 1
                    timeout = max(1, min(timeout, milliseconds))
                }
                buffer.removeAll(keepingCapacity: true)
                let count = try port.read(into: &buffer, timeoutMilliseconds: timeout)
                if count > 0 {
                    deliver(framer.append(buffer), driver: &driver)
                }
            }
        } catch {
            ended = true
            if !stopRequested.load(ordering: .acquiring) {
                if error.isDisconnect {
                    deliver(framer.finish(), driver: &driver)
                    onEvent(.disconnected(error))
                } else {
                    onEvent(.failed(error))
                }
            }
        }
        if !ended, case .continuous(_, let stop?) = mode {
            try? port.write(stop, timeoutMilliseconds: 100)
        }
        port.close()
    }

    private func deliver<Driver: ScaleProtocolDriver>(_ outputs: [FramerOutput], driver: inout Driver) {
        for output in outputs {
            // Once stop() was called (possibly by the callback itself), nothing more is delivered.
            if stopRequested.load(ordering: .acquiring) { return }
            switch output {
            case .discarded(let error):
                onEvent(.frameError(error))
            case .frame(let frame):
                do throws(FrameError) {
                    let reading = try driver.parse(frame)
                    onEvent(.reading(reading, offset: frame.offset))
                } catch {
                    if case .reply(let text) = error.reason {
                        onEvent(.reply(text, offset: error.offset))
                    } else {
                        onEvent(.frameError(error))
                    }
                }
            }
        }
    }
}
