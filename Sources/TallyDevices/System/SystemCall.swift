#if canImport(Glibc)
import Glibc
#endif

/// A failed operating-system or C-library call on a device, naming the call, the device and errno.
///
/// Every C call of the device layer goes through ``systemCall(_:device:_:)`` (or raises this error
/// itself), so that an error message always says what was attempted on which device.
public struct DeviceIOError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The C function that failed (`open`, `tcsetattr`, `udev_enumerate_scan_devices`, ...).
    public let call: String
    /// The device path or identity the call was made on.
    public let device: String
    /// The errno value (or the library's negative error code).
    public let code: Int32

    /// Creates an error for `call` on `device` with `code`.
    public init(call: String, device: String, code: Int32) {
        self.call = call
        self.device = device
        self.code = code
    }

    /// True when the device went away (unplugged): ENODEV, ENXIO, EIO or EBADF.
    public var isDisconnect: Bool { [ENODEV, ENXIO, EIO].contains(code) }

    public var description: String {
        let reason = code > 0 ? String(cString: strerror(code)) : "error \(code)"
        return "\(call) on \(device) failed: \(reason) (errno \(code))"
    }
}

/// Runs a C call that returns -1 and sets errno on failure, retrying on EINTR.
///
/// - Returns: the call's non-negative result.
/// - Throws: ``DeviceIOError`` naming `name` and `device`.
@discardableResult
public func systemCall<Result: FixedWidthInteger>(
    _ name: String, device: String, _ body: () -> Result
) throws(DeviceIOError) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw DeviceIOError(call: name, device: device, code: code)
    }
}
