/// An alert as the API sends it (the fields a client shows).
public struct ClientAlert: Decodable, Sendable, Equatable {
    public var id: Int64
    public var seq: Int64?
    public var code: String
    public var severity: String
    public var state: String
    public var load: String?
    public var pallet: String?
    public var subject: String?
    public var station: String?
    public var message: String?
}

/// One load of `GET /api/v1/loads`.
public struct ClientLoad: Decodable, Sendable, Equatable {
    public var id: String
    public var site: String?
    public var carrier: String?
    public var dockDoor: String?
    public var pallets: Int
    public var palletsWeighed: Int
    public var expected: Int
    public var scanned: Int
    public var missing: Int
    public var unexpected: Int
    public var sealed: Bool
    public var openAlerts: Int
}

/// One live-stream message (an outcome): the event's seq and type with the alerts it raised and changed.
public struct ClientOutcome: Decodable, Sendable {
    public var seq: Int64
    public var type: String
    public var alerts: [ClientAlert]
    public var changedAlerts: [ClientAlert]
}

/// `{"loads": [...]}`.
public struct ClientLoadList: Decodable, Sendable { public var loads: [ClientLoad] }
/// `{"alerts": [...]}`.
public struct ClientAlertList: Decodable, Sendable { public var alerts: [ClientAlert] }
/// `GET /api/v1/health`.
public struct ClientHealth: Decodable, Sendable { public var status: String; public var lastSeq: Int64 }
/// One device of `GET /api/v1/devices`.
public struct ClientDevice: Decodable, Sendable, Equatable {
    public var identity: String
    public var kind: String
    public var profile: String?
    public var station: String?
    public var state: String
    public var scans: Int
    public var weights: Int
    public var errors: Int
    public var detail: String?
}
/// `{"devices": [...]}`.
public struct ClientDeviceList: Decodable, Sendable { public var devices: [ClientDevice] }
