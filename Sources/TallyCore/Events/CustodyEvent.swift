import Foundation

/// Something that happened at the dock, as it is written to the custody log.
///
/// Events are facts: a scan or a weight is always recorded, and problems with it become alerts. Only
/// commands that cannot make sense (assigning an unknown load, sealing twice) are refused before they
/// are recorded.
public enum EventPayload: Sendable, Hashable {
    /// A dock door starts working on a load.
    case assign(station: String, load: String, user: String?)
    /// A scanner read a barcode; `data` is the raw text (terminator removed).
    case scan(station: String, device: String?, data: String)
    /// A scale offered a reading for capture.
    case weight(station: String, device: String?, reading: ScaleReading)
    /// A load was sealed on its truck.
    case seal(load: String, seal: String, user: String?)
    /// A device stopped answering or was unplugged.
    case deviceDisconnected(station: String?, device: String, reason: String)

    /// The event type as the log and the replay format name it.
    public var type: String {
        switch self {
        case .assign: "assign"
        case .scan: "scan"
        case .weight: "weight"
        case .seal: "seal"
        case .deviceDisconnected: "device-disconnected"
        }
    }

    /// The station the event happened at, if any.
    public var station: String? {
        switch self {
        case .assign(let station, _, _), .scan(let station, _, _), .weight(let station, _, _): station
        case .deviceDisconnected(let station, _, _): station
        case .seal: nil
        }
    }

    /// The device that produced the event, if any.
    public var device: String? {
        switch self {
        case .scan(_, let device, _), .weight(_, let device, _): device
        case .deviceDisconnected(_, let device, _): device
        case .assign, .seal: nil
        }
    }

    /// The raw bytes the device sent, kept as evidence (the scan text's UTF-8, or the scale frame).
    public var raw: [UInt8]? {
        switch self {
        case .scan(_, _, let data): Array(data.utf8)
        case .weight(_, _, let reading): reading.raw
        default: nil
        }
    }
}

/// An event with the UTC time it happened.
public struct CustodyEvent: Sendable, Hashable {
    /// When it happened (UTC).
    public var at: Date
    public var payload: EventPayload

    /// Creates an event.
    public init(at: Date, _ payload: EventPayload) {
        self.at = at
        self.payload = payload
    }
}

/// An event as the log holds it: with its sequence number.
public struct RecordedEvent: Sendable, Hashable {
    /// Position in the log, from 1, without gaps.
    public var seq: Int64
    public var event: CustodyEvent

    /// Creates a recorded event.
    public init(seq: Int64, event: CustodyEvent) {
        self.seq = seq
        self.event = event
    }
}

// MARK: - JSON form

/// The payload's JSON object is flat with a `type` field, the same shape as the replay format:
/// `{"type":"scan","station":"dock-1","device":"scanner-1","data":"…"}`.
extension EventPayload: Codable {
    private enum Key: String, CodingKey {
        case type, station, device, load, user, data, reading, seal, reason
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Key.self)
        let type = try c.decode(String.self, forKey: .type)
        switch type {
        case "assign":
            self = .assign(station: try c.decode(String.self, forKey: .station), load: try c.decode(String.self, forKey: .load),
                           user: try c.decodeIfPresent(String.self, forKey: .user))
        case "scan":
            self = .scan(station: try c.decode(String.self, forKey: .station), device: try c.decodeIfPresent(String.self, forKey: .device),
                         data: try c.decode(String.self, forKey: .data))
        case "weight":
            self = .weight(station: try c.decode(String.self, forKey: .station), device: try c.decodeIfPresent(String.self, forKey: .device),
                           reading: try c.decode(ScaleReading.self, forKey: .reading))
        case "seal":
            self = .seal(load: try c.decode(String.self, forKey: .load), seal: try c.decode(String.self, forKey: .seal),
                         user: try c.decodeIfPresent(String.self, forKey: .user))
        case "device-disconnected":
            self = .deviceDisconnected(station: try c.decodeIfPresent(String.self, forKey: .station),
                                       device: try c.decode(String.self, forKey: .device), reason: try c.decode(String.self, forKey: .reason))
        default:
            throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "unknown event type '\(type)'")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(type, forKey: .type)
        switch self {
        case .assign(let station, let load, let user):
            try c.encode(station, forKey: .station)
            try c.encode(load, forKey: .load)
            try c.encodeIfPresent(user, forKey: .user)
        case .scan(let station, let device, let data):
            try c.encode(station, forKey: .station)
            try c.encodeIfPresent(device, forKey: .device)
            try c.encode(data, forKey: .data)
        case .weight(let station, let device, let reading):
            try c.encode(station, forKey: .station)
            try c.encodeIfPresent(device, forKey: .device)
            try c.encode(reading, forKey: .reading)
        case .seal(let load, let seal, let user):
            try c.encode(load, forKey: .load)
            try c.encode(seal, forKey: .seal)
            try c.encodeIfPresent(user, forKey: .user)
        case .deviceDisconnected(let station, let device, let reason):
            try c.encodeIfPresent(station, forKey: .station)
            try c.encode(device, forKey: .device)
            try c.encode(reason, forKey: .reason)
        }
    }
}
