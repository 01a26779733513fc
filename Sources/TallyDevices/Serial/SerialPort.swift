#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// An open serial port (a tty device), configured with glibc's termios calls only.
///
/// The port is opened `O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC` and put in raw mode with
/// `cfmakeraw`; no raw `ioctl` is used, so it also works on umockdev's emulated ttys and on
/// pseudo-terminals. Every failure is a ``DeviceIOError`` naming the C call and the port path;
/// ``DeviceIOError/isDisconnect`` is true when the device went away (EIO, ENODEV, ENXIO; an end of
/// file on read is reported as EIO).
///
/// ## Sendable
/// The class is `Sendable` without `@unchecked`: its only mutable state, the file descriptor, lives
/// in a `Mutex`, and every call that uses the descriptor (read, write, close) holds that mutex for
/// its whole duration. A descriptor can therefore never be closed (and its number reused) while
/// another thread is reading from it. The price is that ``close()`` called from another thread
/// waits for a read in progress to finish, at most that read's timeout: readers that must stop
/// promptly (``ScaleReader``) use short timeouts.
public final class SerialPort: Sendable {
    /// The device path the port was opened by (`/dev/ttyUSB0`, a pty slave path).
    public let path: String
    /// The settings applied at open.
    public let settings: SerialSettings
    /// The descriptor, or -1 once closed.
    private let descriptor: Mutex<Int32>

    private init(path: String, settings: SerialSettings, descriptor: Int32) {
        self.path = path
        self.settings = settings
        self.descriptor = Mutex(descriptor)
    }

    deinit {
        close()
    }

    /// Opens `path` and applies `settings`: raw mode, character format, baud rate, flow control;
    /// `CLOCAL | CREAD` so that a missing carrier never blocks; pending input and output are flushed.
    ///
    /// With parity enabled, input parity checking (`INPCK`) is on: a byte received with a parity
    /// error reads as NUL, which no protocol frame accepts, so the framer discards it.
    ///
    /// - Throws: ``DeviceIOError`` for `open`, `tcgetattr`, `cfsetispeed`, `cfsetospeed`,
    ///   `tcsetattr` or `tcflush` on `path`.
    public static func open(path: String, settings: SerialSettings) throws(DeviceIOError) -> SerialPort {
        let fd = try systemCall("open", device: path) {
            Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
        }
        do throws(DeviceIOError) {
            try configure(descriptor: fd, path: path, settings: settings)
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
        return SerialPort(path: path, settings: settings, descriptor: fd)
    }

    /// The termios speed constant for a supported baud rate.
    static func speed(for baudRate: Int) -> speed_t {
        switch baudRate {
        case 1200: speed_t(B1200)
        case 2400: speed_t(B2400)
        case 4800: speed_t(B4800)
        case 9600: speed_t(B9600)
        case 19200: speed_t(B19200)
        case 38400: speed_t(B38400)
        case 57600: speed_t(B57600)
        case 115200: speed_t(B115200)
        default: speed_t(B9600) // unreachable: SerialSettings validates the rate
        }
    }

    /// Applies `settings` to an open tty descriptor.
    static func configure(descriptor fd: Int32, path: String, settings: SerialSettings) throws(DeviceIOError) {
        var options = termios()
        try systemCall("tcgetattr", device: path) { tcgetattr(fd, &options) }
        apply(settings, to: &options)
        let speed = speed(for: settings.baudRate)
        try systemCall("cfsetispeed", device: path) { cfsetispeed(&options, speed) }
        try systemCall("cfsetospeed", device: path) { cfsetospeed(&options, speed) }
        try systemCall("tcsetattr", device: path) { tcsetattr(fd, TCSANOW, &options) }
        try systemCall("tcflush", device: path) { tcflush(fd, TCIOFLUSH) }
    }

    /// Sets raw mode and the character format, flow control and read semantics of `settings` in
    /// `options` (the baud rate is set by the caller with `cfsetispeed`/`cfsetospeed`).
    ///
    /// Note: the Linux pty driver forces 8 data bits without parity whatever is asked, so on a
    /// pseudo-terminal only stop bits, speed, flow control and raw mode read back as set.
    static func apply(_ settings: SerialSettings, to options: inout termios) {
        cfmakeraw(&options)

        options.c_cflag &= ~tcflag_t(CSIZE)
        options.c_cflag |= settings.dataBits == 7 ? tcflag_t(CS7) : tcflag_t(CS8)
        options.c_cflag |= tcflag_t(CLOCAL) | tcflag_t(CREAD)

        switch settings.parity {
        case .none:
            options.c_cflag &= ~(tcflag_t(PARENB) | tcflag_t(PARODD))
        case .even:
            options.c_cflag |= tcflag_t(PARENB)
            options.c_cflag &= ~tcflag_t(PARODD)
            options.c_iflag |= tcflag_t(INPCK)
        case .odd:
            options.c_cflag |= tcflag_t(PARENB) | tcflag_t(PARODD)
            options.c_iflag |= tcflag_t(INPCK)
        }

        if settings.stopBits == 2 {
            options.c_cflag |= tcflag_t(CSTOPB)
        } else {
            options.c_cflag &= ~tcflag_t(CSTOPB)
        }

        options.c_cflag &= ~tcflag_t(CRTSCTS)
        options.c_iflag &= ~(tcflag_t(IXON) | tcflag_t(IXOFF) | tcflag_t(IXANY))
        switch settings.flowControl {
        case .none: break
        case .rtscts: options.c_cflag |= tcflag_t(CRTSCTS)
        case .xonxoff: options.c_iflag |= tcflag_t(IXON) | tcflag_t(IXOFF)
        }

        // Non-blocking reads return what is there; poll() does the waiting.
        withUnsafeMutableBytes(of: &options.c_cc) { cc in
            cc[Int(VMIN)] = 0
            cc[Int(VTIME)] = 0
        }
    }

    /// True until ``close()``.
    public var isOpen: Bool { descriptor.withLock { $0 >= 0 } }

    /// Waits up to `timeoutMilliseconds` for input and appends what is available (at most
    /// `maximumCount` bytes) to `buffer`.
    ///
    /// - Returns: the number of bytes appended; 0 when the timeout passed with no input.
    /// - Throws: ``DeviceIOError`` for `poll` or `read` on the port. A disconnect (EIO, ENODEV,
    ///   ENXIO, or end of file, reported as EIO) has ``DeviceIOError/isDisconnect`` set; reading a
    ///   closed port throws EBADF.
    @discardableResult
    public func read(into buffer: inout [UInt8], maximumCount: Int = 4096, timeoutMilliseconds: Int) throws(DeviceIOError) -> Int {
        let path = self.path
        return try descriptor.withLock { (fd: inout Int32) throws(DeviceIOError) -> Int in
            guard fd >= 0 else { throw DeviceIOError(call: "read", device: path, code: EBADF) }
            var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let timeout = Int32(clamping: max(0, timeoutMilliseconds))
            let ready = try systemCall("poll", device: path) { poll(&request, 1, timeout) }
            if ready == 0 { return 0 }
            if request.revents & Int16(POLLNVAL) != 0 {
                throw DeviceIOError(call: "poll", device: path, code: EBADF)
            }
            // POLLIN, POLLHUP or POLLERR: read() tells which (data, EIO or end of file).
            var chunk = [UInt8](repeating: 0, count: max(1, maximumCount))
            let count: Int
            do throws(DeviceIOError) {
                count = try systemCall("read", device: path) {
                    chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                }
            } catch where error.code == EAGAIN || error.code == EWOULDBLOCK {
                return 0
            }
            if count == 0 { throw DeviceIOError(call: "read", device: path, code: EIO) }
            buffer.append(contentsOf: chunk[0..<count])
            return count
        }
    }

    /// Writes all of `bytes`, continuing after partial writes and waiting (with `poll`) while the
    /// output queue is full, for at most `timeoutMilliseconds` in all.
    ///
    /// - Throws: ``DeviceIOError`` for `write` or `poll` on the port; ETIMEDOUT when the bytes could
    ///   not all be written in time; EBADF on a closed port.
    public func write(_ bytes: [UInt8], timeoutMilliseconds: Int = 2000) throws(DeviceIOError) {
        let path = self.path
        try descriptor.withLock { (fd: inout Int32) throws(DeviceIOError) -> Void in
            guard fd >= 0 else { throw DeviceIOError(call: "write", device: path, code: EBADF) }
            try writeAll(bytes, to: fd, device: path, timeoutMilliseconds: timeoutMilliseconds)
        }
    }

    /// Closes the port. Idempotent; waits for a read or write in progress on another thread.
    ///
    /// The result of `close(2)` is ignored: on Linux the descriptor is released even when it reports
    /// an error, and retrying on EINTR could close a descriptor another thread just opened.
    public func close() {
        descriptor.withLock { fd in
            if fd >= 0 {
                _ = Glibc.close(fd)
                fd = -1
            }
        }
    }
}

/// Writes all of `bytes` to a non-blocking descriptor: partial writes continue, EAGAIN waits with
/// `poll(POLLOUT)`, and the whole write gives up with ETIMEDOUT after `timeoutMilliseconds`.
func writeAll(_ bytes: [UInt8], to fd: Int32, device: String, timeoutMilliseconds: Int) throws(DeviceIOError) {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: .milliseconds(max(0, timeoutMilliseconds)))
    var written = 0
    while written < bytes.count {
        let start = written
        let result: Int
        do throws(DeviceIOError) {
            result = try systemCall("write", device: device) {
                bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + start, $0.count - start) }
            }
        } catch where error.code == EAGAIN || error.code == EWOULDBLOCK {
            let remaining = clock.now.duration(to: deadline)
            guard remaining > .zero else { throw DeviceIOError(call: "write", device: device, code: ETIMEDOUT) }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var request = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            try systemCall("poll", device: device) { poll(&request, 1, milliseconds) }
            continue
        }
        written += result
    }
}
