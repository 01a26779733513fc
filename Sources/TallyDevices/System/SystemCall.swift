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

    /// True when the device went away (unplugged): ENODEV, ENXIO, EIO or EBADF; for a libusb call,
    /// LIBUSB_ERROR_NO_DEVICE.
    public var isDisconnect: Bool {
        isLibUSB ? code == -4 : [ENODEV, ENXIO, EIO].contains(code)
    }

    /// True when the failed call is a libusb function: `code` is then a negative `LIBUSB_ERROR_*`.
    public var isLibUSB: Bool { call.hasPrefix("libusb_") }

    /// `open on /dev/ttyUSB0 failed: No such file or directory (errno 2)`, or for libusb calls
    /// `libusb_open on 001/004 failed: LIBUSB_ERROR_ACCESS (-3)`.
    public var description: String {
        if isLibUSB, code < 0 {
            return "\(call) on \(device) failed: \(Self.libusbErrorName(code)) (\(code))"
        }
        let reason = code > 0 ? String(cString: strerror(code)) : "error \(code)"
        return "\(call) on \(device) failed: \(reason) (errno \(code))"
    }

    /// The name of a libusb error code (values from libusb.h, `enum libusb_error`).
    public static func libusbErrorName(_ code: Int32) -> String {
        switch code {
        case -1: "LIBUSB_ERROR_IO"
        case -2: "LIBUSB_ERROR_INVALID_PARAM"
        case -3: "LIBUSB_ERROR_ACCESS"
        case -4: "LIBUSB_ERROR_NO_DEVICE"
        case -5: "LIBUSB_ERROR_NOT_FOUND"
        case -6: "LIBUSB_ERROR_BUSY"
        case -7: "LIBUSB_ERROR_TIMEOUT"
        case -8: "LIBUSB_ERROR_OVERFLOW"
        case -9: "LIBUSB_ERROR_PIPE"
        case -10: "LIBUSB_ERROR_INTERRUPTED"
        case -11: "LIBUSB_ERROR_NO_MEM"
        case -12: "LIBUSB_ERROR_NOT_SUPPORTED"
        case -99: "LIBUSB_ERROR_OTHER"
        default: "libusb error \(code)"
        }
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
