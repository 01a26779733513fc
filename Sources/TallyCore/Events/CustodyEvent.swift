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
    case seal(SealOrder)
    /// Custody of a sealed or loading load passed from one party to another.
    case transfer(CustodyTransfer)
    /// A supervisor saw an alert.
    case acknowledge(alert: Int64, user: String, note: String?)
    /// A supervisor closed an alert with a reason.
    case resolve(alert: Int64, user: String, reason: ResolutionReason, note: String?)
    /// A device stopped answering or was unplugged.
    case deviceDisconnected(station: String?, device: String, reason: String)

    /// A seal with only a load, seal number and user.
    public static func seal(load: String, seal: String, user: String?) -> EventPayload {
        .seal(SealOrder(load: load, seal: seal, user: user))
    }

    /// The event type as the log and the replay format name it.
    public var type: String {
        switch self {
        case .assign: "assign"
        case .scan: "scan"
        case .weight: "weight"
        case .seal: "seal"
        case .transfer: "transfer"
        case .acknowledge: "acknowledge"
        case .resolve: "resolve"
        case .deviceDisconnected: "device-disconnected"
        }
    }

    /// The load the event names directly, if any.
    public var load: String? {
        switch self {
        case .assign(_, let load, _): load
        case .seal(let order): order.load
        case .transfer(let transfer): transfer.load
        default: nil
        }
    }

    /// The user who gave the command, if any.
    public var user: String? {
        switch self {
        case .assign(_, _, let user): user
        case .seal(let order): order.user
        case .transfer(let transfer): transfer.user
        case .acknowledge(_, let user, _), .resolve(_, let user, _, _): user
        default: nil
        }
    }

    /// The station the event happened at, if any.
    public var station: String? {
        switch self {
        case .assign(let station, _, _), .scan(let station, _, _), .weight(let station, _, _): station
        case .deviceDisconnected(let station, _, _): station
        case .seal, .transfer, .acknowledge, .resolve: nil
        }
    }

    /// The device that produced the event, if any.
    public var device: String? {
        switch self {
        case .scan(_, let device, _), .weight(_, let device, _): device
        case .deviceDisconnected(_, let device, _): device
        case .assign, .seal, .transfer, .acknowledge, .resolve: nil
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

/// The order to seal a load: the seal number, who sealed it, and the supervisor's override reason when
/// the load still has open critical alerts.
public struct SealOrder: Sendable, Hashable, Codable {
    public var load: String
    /// The number printed on the truck's seal.
    public var seal: String
    public var carrier: String?
    public var driver: String?
    public var user: String?
    /// Why the load is sealed despite open critical alerts (a supervisor's decision).
    public var override: String?

    /// Creates a seal order.
    public init(load: String, seal: String, carrier: String? = nil, driver: String? = nil, user: String? = nil, override: String? = nil) {
        self.load = load
        self.seal = seal
        self.carrier = carrier
        self.driver = driver
        self.user = user
        self.override = override
    }
}

/// A hand-over of a load from one party to another (warehouse to carrier, carrier to processor).
public struct CustodyTransfer: Sendable, Hashable, Codable {
    public var load: String
    /// Who hands the load over.
    public var from: String
    /// Who takes it.
    public var to: String
    /// Where it happens (site, dock door), when given.
    public var place: String?
    /// The signature as captured (a typed name, a signature pad's text, a reference to a signed document).
    public var signature: String
    /// The user who recorded the transfer.
    public var user: String?

    /// Creates a transfer.
    public init(load: String, from: String, to: String, place: String? = nil, signature: String, user: String? = nil) {
        self.load = load
        self.from = from
        self.to = to
        self.place = place
        self.signature = signature
        self.user = user
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
        case type, station, device, load, user, data, reading, seal, reason, carrier, driver, override
        case from, to, place, signature, alert, note
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
            self = .seal(SealOrder(
                load: try c.decode(String.self, forKey: .load), seal: try c.decode(String.self, forKey: .seal),
                carrier: try c.decodeIfPresent(String.self, forKey: .carrier), driver: try c.decodeIfPresent(String.self, forKey: .driver),
                user: try c.decodeIfPresent(String.self, forKey: .user), override: try c.decodeIfPresent(String.self, forKey: .override)))
        case "transfer":
            self = .transfer(CustodyTransfer(
                load: try c.decode(String.self, forKey: .load), from: try c.decode(String.self, forKey: .from),
                to: try c.decode(String.self, forKey: .to), place: try c.decodeIfPresent(String.self, forKey: .place),
                signature: try c.decode(String.self, forKey: .signature), user: try c.decodeIfPresent(String.self, forKey: .user)))
        case "acknowledge":
            self = .acknowledge(alert: try c.decode(Int64.self, forKey: .alert), user: try c.decode(String.self, forKey: .user),
                                note: try c.decodeIfPresent(String.self, forKey: .note))
        case "resolve":
            let reasonText = try c.decode(String.self, forKey: .reason)
            guard let reason = ResolutionReason(rawValue: reasonText) else {
                throw DecodingError.dataCorruptedError(forKey: .reason, in: c, debugDescription: "unknown resolution reason '\(reasonText)' (\(ResolutionReason.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            self = .resolve(alert: try c.decode(Int64.self, forKey: .alert), user: try c.decode(String.self, forKey: .user),
                            reason: reason, note: try c.decodeIfPresent(String.self, forKey: .note))
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
        case .seal(let order):
            try c.encode(order.load, forKey: .load)
            try c.encode(order.seal, forKey: .seal)
            try c.encodeIfPresent(order.carrier, forKey: .carrier)
            try c.encodeIfPresent(order.driver, forKey: .driver)
            try c.encodeIfPresent(order.user, forKey: .user)
            try c.encodeIfPresent(order.override, forKey: .override)
        case .transfer(let transfer):
            try c.encode(transfer.load, forKey: .load)
            try c.encode(transfer.from, forKey: .from)
            try c.encode(transfer.to, forKey: .to)
            try c.encodeIfPresent(transfer.place, forKey: .place)
            try c.encode(transfer.signature, forKey: .signature)
            try c.encodeIfPresent(transfer.user, forKey: .user)
        case .acknowledge(let alert, let user, let note):
            try c.encode(alert, forKey: .alert)
            try c.encode(user, forKey: .user)
            try c.encodeIfPresent(note, forKey: .note)
        case .resolve(let alert, let user, let reason, let note):
            try c.encode(alert, forKey: .alert)
            try c.encode(user, forKey: .user)
            try c.encode(reason.rawValue, forKey: .reason)
            try c.encodeIfPresent(note, forKey: .note)
        case .deviceDisconnected(let station, let device, let reason):
            try c.encodeIfPresent(station, forKey: .station)
            try c.encode(device, forKey: .device)
            try c.encode(reason, forKey: .reason)
        }
    }
}
