import CLibUSB
import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one owner of a libusb context, and the dedicated thread that handles its events.
///
/// libusb does no work by itself: completed transfers are only noticed, and their callbacks only
/// run, inside `libusb_handle_events*`. This loop calls `libusb_handle_events_timeout_completed`
/// on its own thread (a `Thread`, never a task of Swift's cooperative pool, which must not block),
/// so transfer callbacks always run there. Everything else that touches a device handle is sent to
/// the same thread as a job (``perform(_:)``): opening, claiming, submitting, cancelling and
/// closing happen on one thread, so a callback can never race with the code that frees its transfer.
///
/// Between event rounds the loop runs its *tickers*: closures that check deadlines (the inter-key
/// timeout of a partial scan) and say when they next need to run; the loop sleeps in libusb no
/// longer than that, and never longer than 100 ms.
///
/// Create one per process and ``shutdown()`` it when done (after stopping every reader).
public final class USBEventLoop: Sendable {
    /// The libusb context. `nonisolated(unsafe)`: the pointer never changes after `init`, and libusb
    /// documents its context as safe to use from several threads (events are handled on one).
    nonisolated(unsafe) let context: OpaquePointer

    private struct State {
        var jobs: [@Sendable () -> Void] = []
        var tickers: [UInt64: @Sendable (UInt64) -> UInt64?] = [:]
        var nextTickerID: UInt64 = 1
        var stopping = false
        var stopped = false
    }

    private let state = Mutex(State())
    private let finished = DispatchSemaphore(value: 0)
    private let loopThread = Mutex<pthread_t?>(nil)

    /// Starts libusb (`libusb_init`) and the event thread.
    ///
    /// - Parameter debugLevel: libusb's own log level (0 none ... 4 debug), for diagnosing devices.
    /// - Throws: ``DeviceIOError`` naming `libusb_init`.
    public init(debugLevel: Int32 = 0) throws(DeviceIOError) {
        var created: OpaquePointer?
        let result = libusb_init(&created)
        guard result == 0, let created else { throw DeviceIOError(call: "libusb_init", device: "usb", code: result) }
        context = created
        if debugLevel > 0 {
            _ = tally_libusb_set_log_level(created, debugLevel)
        }
        let thread = Thread { [self] in self.run() }
        thread.start()
    }

    /// Milliseconds on the monotonic clock: the time base of every report and deadline.
    public static func monotonicMilliseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000 + UInt64(now.tv_nsec) / 1_000_000
    }

    /// True when called on the event thread.
    var isLoopThread: Bool {
        guard let thread = loopThread.withLock({ $0 }) else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    /// Runs `job` on the event thread, waking it if it waits in libusb.
    ///
    /// - Returns: false when the loop has stopped (the job will never run).
    @discardableResult
    func enqueue(_ job: @escaping @Sendable () -> Void) -> Bool {
        let accepted = state.withLock { state -> Bool in
            guard !state.stopped else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted { libusb_interrupt_event_handler(context) }
        return accepted
    }

    /// Runs `body` on the event thread and returns its result.
    ///
    /// - Throws: what `body` throws, or ``DeviceIOError`` (`LIBUSB_ERROR_INTERRUPTED`) when the loop
    ///   has been shut down.
    func perform<T: Sendable>(_ body: @escaping @Sendable () throws(DeviceIOError) -> T) async throws(DeviceIOError) -> T {
        let result: Result<T, DeviceIOError> = await withCheckedContinuation { continuation in
            let accepted = enqueue {
                continuation.resume(returning: Result { () throws(DeviceIOError) -> T in try body() })
            }
            if !accepted {
                continuation.resume(returning: .failure(DeviceIOError(call: "libusb_handle_events", device: "usb", code: -10)))
            }
        }
        return try result.get()
    }

    /// Adds a ticker: `tick(now)` runs on the event thread between event rounds and returns the time
    /// (monotonic milliseconds) it next needs to run, or nil for "whenever".
    ///
    /// - Returns: the id for ``removeTicker(_:)``.
    func addTicker(_ tick: @escaping @Sendable (UInt64) -> UInt64?) -> UInt64 {
        let id = state.withLock { state -> UInt64 in
            let id = state.nextTickerID
            state.nextTickerID += 1
            state.tickers[id] = tick
            return id
        }
        libusb_interrupt_event_handler(context)
        return id
    }

    /// Removes a ticker.
    func removeTicker(_ id: UInt64) {
        _ = state.withLock { $0.tickers.removeValue(forKey: id) }
    }

    /// Wakes the event thread so that it re-reads its tickers' deadlines.
    func wake() {
        libusb_interrupt_event_handler(context)
    }

    /// Stops the event thread, runs the jobs already queued, and frees the libusb context
    /// (`libusb_exit`). Stop every reader first: their handles must be closed before the context goes.
    /// Must not be called on the event thread. Calling it twice does nothing more.
    public func shutdown() {
        precondition(!isLoopThread, "USBEventLoop.shutdown() called on its own event thread")
        let first = state.withLock { state -> Bool in
            guard !state.stopping else { return false }
            state.stopping = true
            return true
        }
        guard first else { return }
        libusb_interrupt_event_handler(context)
        finished.wait()
        libusb_exit(context)
    }

    // MARK: - The event thread

    private func run() {
        loopThread.withLock { $0 = pthread_self() }
        var timeout = timeval()
        while true {
            let (jobs, stopping) = state.withLock { state -> ([@Sendable () -> Void], Bool) in
                let jobs = state.jobs
                state.jobs.removeAll()
                if state.stopping, jobs.isEmpty { state.stopped = true }
                return (jobs, state.stopping)
            }
            for job in jobs { job() }
            if stopping, jobs.isEmpty { break }

            let now = Self.monotonicMilliseconds()
            var wakeAt = now + 100
            let tickers = state.withLock { Array($0.tickers.values) }
            for tick in tickers {
                if let deadline = tick(now) { wakeAt = min(wakeAt, max(deadline, now)) }
            }
            let wait = wakeAt - now
            timeout.tv_sec = Int(wait / 1_000)
            timeout.tv_usec = Int((wait % 1_000) * 1_000)
            let result = libusb_handle_events_timeout_completed(context, &timeout, nil)
            if result < 0, result != LIBUSB_ERROR_INTERRUPTED.rawValue {
                // A broken event source: do not spin; the readers notice their devices separately.
                usleep(10_000)
            }
        }
        finished.signal()
    }
}
