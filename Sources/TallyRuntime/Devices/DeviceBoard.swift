import Foundation
import Synchronization
import TallyCore

/// One device as the service sees it now: what it is, where it serves, whether it is reading.
public struct DeviceStatus: Sendable, Hashable {
    /// Whether the device is being read.
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// Open and reading.
        case connected
        /// Configured or seen before, not reading now (unplugged, port gone, waiting to reopen).
        case disconnected
        /// Attached, but no station lists it and `unbound-devices` is `ignore`: not read.
        case unbound
    }

    /// The identity events carry (`zebra-ds2208:S123`, `floor-scale-1`).
    public var identity: String
    /// `scanner` or `scale`.
    public var kind: String
    /// The hardware profile it is read with, when known.
    public var profile: String?
    /// The station it serves (nil when unbound).
    public var station: String?
    /// Connected, disconnected or unbound.
    public var state: State
    /// The device node or serial port.
    public var path: String?
    /// When `state` last changed (UTC).
    public var since: Date
    /// When its last scan or weight was recorded.
    public var lastEvent: Date?
    /// Scans recorded from it since the service started.
    public var scans: Int
    /// Weights recorded from it since the service started.
    public var weights: Int
    /// Frames or reports it sent that could not be decoded (garbage, short reports).
    public var errors: Int
    /// Why it last disconnected, or the warning it carries (no profile, unbound).
    public var detail: String?

    /// Creates a status.
    public init(
        identity: String, kind: String, profile: String? = nil, station: String? = nil, state: State, path: String? = nil,
        since: Date, lastEvent: Date? = nil, scans: Int = 0, weights: Int = 0, errors: Int = 0, detail: String? = nil
    ) {
        self.identity = identity
        self.kind = kind
        self.profile = profile
        self.station = station
        self.state = state
        self.path = path
        self.since = since
        self.lastEvent = lastEvent
        self.scans = scans
        self.weights = weights
        self.errors = errors
        self.detail = detail
    }
}

/// The devices the service knows and their status, shared by the device pipelines (writers) and the
/// API (`GET /api/v1/devices`, `/metrics`) as a reader. Updates are cheap and never block for long.
public final class DeviceBoard: Sendable {
    private let devices = Mutex<[String: DeviceStatus]>([:])
    private let clock: @Sendable () -> Date

    /// Creates an empty board stamping changes with `clock`.
    public init(clock: @escaping @Sendable () -> Date = { Date() }) {
        self.clock = clock
    }

    /// Every device, ordered by station then identity (unbound last).
    public func snapshot() -> [DeviceStatus] {
        devices.withLock { Array($0.values) }.sorted {
            ($0.station ?? "\u{10FFFF}", $0.identity) < ($1.station ?? "\u{10FFFF}", $1.identity)
        }
    }

    /// One device, by identity.
    public func status(of identity: String) -> DeviceStatus? {
        devices.withLock { $0[identity] }
    }

    /// Adds a device, or updates what it is (kind, profile, station, path) keeping its counters.
    public func register(identity: String, kind: String, profile: String?, station: String?, path: String?, state: DeviceStatus.State, detail: String? = nil) {
        let now = UTCTimestamp.truncated(clock())
        devices.withLock { devices in
            var status = devices[identity] ?? DeviceStatus(identity: identity, kind: kind, state: state, since: now)
            if status.state != state { status.since = now }
            status.kind = kind
            status.profile = profile
            status.station = station
            status.path = path ?? status.path
            status.state = state
            status.detail = detail
            devices[identity] = status
        }
    }

    /// Marks a device connected or disconnected (with why).
    public func set(_ identity: String, state: DeviceStatus.State, detail: String? = nil) {
        let now = UTCTimestamp.truncated(clock())
        devices.withLock { devices in
            guard var status = devices[identity] else { return }
            if status.state != state { status.since = now }
            status.state = state
            status.detail = detail
            devices[identity] = status
        }
    }

    /// Counts a recorded scan or weight.
    public func counted(_ identity: String, scan: Bool = false, weight: Bool = false, at: Date) {
        devices.withLock { devices in
            guard var status = devices[identity] else { return }
            if scan { status.scans += 1 }
            if weight { status.weights += 1 }
            status.lastEvent = UTCTimestamp.truncated(at)
            devices[identity] = status
        }
    }

    /// Counts undecodable input (garbage frames, short reports).
    public func countedErrors(_ identity: String, _ count: Int = 1) {
        devices.withLock { devices in
            devices[identity]?.errors += count
        }
    }
}
