#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A pseudo-terminal pair from `openpty`, for playing a serial device in simulations and tests.
///
/// The simulated device reads and writes the **master** side; the product opens ``slavePath`` with
/// ``SerialPort/open(path:settings:)`` exactly as it would open `/dev/ttyUSB0`. Both sides are put
/// in raw mode (no echo, no line editing, no CR/LF translation), both descriptors are close-on-exec,
/// and the master is non-blocking.
///
/// The pair keeps its own slave descriptor open until ``close()``, as the hardware-testing guide
/// asks: otherwise the master reads EIO whenever the product has the slave closed (before it opens
/// it, or between reconnects).
///
/// `Sendable` without `@unchecked`: the descriptors are immutable and the open/closed state is in a
/// `Mutex`; master reads and writes hold that mutex, so ``close()`` cannot race them.
public final class PseudoTerminal: Sendable {
    /// The master descriptor (the device's end). Invalid after ``close()``.
    public let masterDescriptor: Int32
    /// The slave descriptor this object keeps open. Invalid after ``close()``.
    public let slaveDescriptor: Int32
    /// The slave device path (`/dev/pts/N`) for the product to open.
    public let slavePath: String
    private let closed: Mutex<Bool>

    /// Opens a new pseudo-terminal pair in raw mode.
    ///
    /// - Throws: ``DeviceIOError`` for `openpty`, `ttyname_r`, `fcntl`, `tcgetattr` or `tcsetattr`.
    public init() throws(DeviceIOError) {
        var master: Int32 = -1
        var slave: Int32 = -1
        try systemCall("openpty", device: "pseudo-terminal") { openpty(&master, &slave, nil, nil, nil) }
        do throws(DeviceIOError) {
            var name = [CChar](repeating: 0, count: 128)
            let status = name.withUnsafeMutableBufferPointer { ttyname_r(slave, $0.baseAddress!, $0.count) }
            if status != 0 { throw DeviceIOError(call: "ttyname_r", device: "pseudo-terminal", code: status) }
            let path = name.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            for (fd, label) in [(master, "\(path) (master)"), (slave, path)] {
                let flags = try systemCall("fcntl", device: label) { fcntl(fd, F_GETFD) }
                try systemCall("fcntl", device: label) { fcntl(fd, F_SETFD, flags | FD_CLOEXEC) }
                try Self.makeRaw(fd, device: label)
            }
            let status2 = try systemCall("fcntl", device: "\(path) (master)") { fcntl(master, F_GETFL) }
            try systemCall("fcntl", device: "\(path) (master)") { fcntl(master, F_SETFL, status2 | O_NONBLOCK) }
            self.slavePath = path
        } catch {
            _ = Glibc.close(master)
            _ = Glibc.close(slave)
            throw error
        }
        self.masterDescriptor = master
        self.slaveDescriptor = slave
        self.closed = Mutex(false)
    }

    deinit {
        close()
    }

    /// Raw mode with `cfmakeraw`, 8 bits, receiver on, non-blocking read semantics.
    static func makeRaw(_ fd: Int32, device: String) throws(DeviceIOError) {
        var options = termios()
        try systemCall("tcgetattr", device: device) { tcgetattr(fd, &options) }
        cfmakeraw(&options)
        options.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)
        withUnsafeMutableBytes(of: &options.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
        try systemCall("tcsetattr", device: device) { tcsetattr(fd, TCSANOW, &options) }
    }

    /// The device label used in errors about the master side.
    private var masterLabel: String { "\(slavePath) (master)" }

    /// Writes all of `bytes` to the master (the product reads them from the slave).
    ///
    /// - Throws: ``DeviceIOError`` for `write`/`poll` on the master; EBADF once closed.
    public func writeToMaster(_ bytes: [UInt8], timeoutMilliseconds: Int = 2000) throws(DeviceIOError) {
        let label = masterLabel
        let fd = masterDescriptor
        try closed.withLock { (isClosed: inout Bool) throws(DeviceIOError) -> Void in
            guard !isClosed else { throw DeviceIOError(call: "write", device: label, code: EBADF) }
            try writeAll(bytes, to: fd, device: label, timeoutMilliseconds: timeoutMilliseconds)
        }
    }

    /// Waits up to `timeoutMilliseconds` for bytes the product wrote to the slave and returns them
    /// (empty on timeout).
    ///
    /// - Throws: ``DeviceIOError`` for `poll`/`read` on the master; EBADF once closed. On Linux the
    ///   master reads EIO while no slave descriptor is open, which cannot happen while this object
    ///   keeps its own slave descriptor.
    public func readFromMaster(maximumCount: Int = 4096, timeoutMilliseconds: Int) throws(DeviceIOError) -> [UInt8] {
        let label = masterLabel
        let fd = masterDescriptor
        return try closed.withLock { (isClosed: inout Bool) throws(DeviceIOError) -> [UInt8] in
            guard !isClosed else { throw DeviceIOError(call: "read", device: label, code: EBADF) }
            var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let timeout = Int32(clamping: max(0, timeoutMilliseconds))
            let ready = try systemCall("poll", device: label) { poll(&request, 1, timeout) }
            if ready == 0 { return [] }
            var chunk = [UInt8](repeating: 0, count: max(1, maximumCount))
            let count: Int
            do throws(DeviceIOError) {
                count = try systemCall("read", device: label) {
                    chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                }
            } catch where error.code == EAGAIN || error.code == EWOULDBLOCK {
                return []
            }
            return Array(chunk[0..<count])
        }
    }

    /// True until ``close()``.
    public var isOpen: Bool { closed.withLock { !$0 } }

    /// Closes both descriptors. Idempotent. A product port open on ``slavePath`` then reads EIO
    /// (a disconnect) once it has drained its input.
    public func close() {
        let master = masterDescriptor
        let slave = slaveDescriptor
        closed.withLock { isClosed in
            if !isClosed {
                _ = Glibc.close(master)
                _ = Glibc.close(slave)
                isClosed = true
            }
        }
    }
}
