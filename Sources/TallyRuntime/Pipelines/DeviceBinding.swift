import Foundation

/// Which station a device serves, and the identity its events carry.
public struct DeviceBinding: Sendable, Hashable {
    /// The station (dock door or scale station) the device is bound to.
    public var station: String
    /// The device's stable identity (`<profile>:<usb serial>`, or `<profile>@<port path>`).
    public var device: String

    /// Creates a binding.
    public init(station: String, device: String) {
        self.station = station
        self.device = device
    }
}

/// Milliseconds on a monotonic clock, for the device decoders' timing rules (never for timestamps).
struct MonotonicMilliseconds: Sendable {
    private let origin = ContinuousClock.now

    func now() -> Int64 {
        let elapsed = origin.duration(to: .now).components
        return elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000
    }
}
