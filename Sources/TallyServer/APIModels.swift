import Foundation
import TallyCore
import TallyRuntime

/// JSON encoding shared by the API and the live stream: sorted keys, times as RFC 3339 UTC with milliseconds.
enum APIJSON {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(UTCTimestamp.format(date))
        }
        return encoder
    }

    static func data(_ value: some Encodable) -> Data {
        (try? encoder().encode(value)) ?? Data("null".utf8)
    }
}

/// A weight as the API shows it: the displayed text and kilograms as a number (for charts).
struct WeightJSON: Encodable {
    var text: String
    var kilograms: Double?

    init?(_ weight: Weight?) {
        guard let weight else { return nil }
        text = weight.description
        kilograms = weight.kilograms.flatMap { Double($0.description) }
    }
}

/// One load in `GET /loads`.
struct LoadSummaryJSON: Encodable {
    var id: String
    var site: String?
    var carrier: String?
    var dockDoor: String?
    var pallets: Int
    var palletsWeighed: Int
    var expected: Int
    var scanned: Int
    var missing: Int
    var unexpected: Int
    var sealed: Bool
    var openAlerts: Int

    init(load: ExpectedLoad, reconciliation: Reconciliation, engine: CustodyEngine) {
        id = load.id
        site = load.site
        carrier = load.carrier
        dockDoor = load.dockDoor
        pallets = reconciliation.pallets.count
        palletsWeighed = reconciliation.pallets.filter { $0.measuredWeight != nil }.count
        expected = reconciliation.expected
        scanned = reconciliation.scanned
        missing = reconciliation.missing
        unexpected = reconciliation.unexpected.count
        sealed = reconciliation.seal != nil
        openAlerts = engine.alerts.filter { $0.load == load.id && $0.state != .resolved }.count
    }
}

/// One pallet in `GET /loads/{id}`.
struct PalletJSON: Encodable {
    var id: String
    var expected: Int
    var scanned: Int
    var missing: [String]
    var misplaced: [String]
    var foreign: [String]
    var unexpected: [String]
    var expectedWeight: WeightJSON?
    var tolerance: String?
    var measuredWeight: WeightJSON?
    var withinTolerance: Bool?

    init(_ pallet: PalletReconciliation) {
        id = pallet.pallet
        expected = pallet.expected
        scanned = pallet.scanned
        missing = pallet.missing
        misplaced = pallet.misplaced
        foreign = pallet.foreign
        unexpected = pallet.unexpected
        expectedWeight = WeightJSON(pallet.expectedWeight)
        tolerance = pallet.tolerance?.text
        measuredWeight = WeightJSON(pallet.measuredWeight)
        withinTolerance = pallet.withinTolerance
    }
}

/// `GET /loads/{id}`: the summary, the pallets with progress and weights, the seal and the custody chain.
struct LoadDetailJSON: Encodable {
    var load: LoadSummaryJSON
    var pallets: [PalletJSON]
    var seal: SealRecord?
    var custody: [CustodyLink]
}

/// One live-stream message (and one `POST /events` result): the event with the alerts it raised and changed.
struct OutcomeJSON: Encodable {
    var seq: Int64
    var at: Date
    var type: String
    var event: EventPayload
    var alerts: [Alert]
    var changedAlerts: [Alert]

    init(_ outcome: RecordedOutcome) {
        seq = outcome.event.seq
        at = outcome.event.event.at
        type = outcome.event.event.payload.type
        event = outcome.event.event.payload
        alerts = outcome.outcome.alerts
        changedAlerts = outcome.outcome.changedAlerts
    }

    init(event: RecordedEvent, alerts: [Alert], changedAlerts: [Alert]) {
        seq = event.seq
        at = event.event.at
        type = event.event.payload.type
        self.event = event.event.payload
        self.alerts = alerts
        self.changedAlerts = changedAlerts
    }
}

/// One device in `GET /devices`: every key always present (null when unknown).
struct DeviceJSON: Encodable {
    var status: DeviceStatus

    init(_ status: DeviceStatus) { self.status = status }

    enum CodingKeys: String, CodingKey { case identity, kind, profile, station, state, path, since, lastEvent, scans, weights, errors, detail }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(status.identity, forKey: .identity)
        try container.encode(status.kind, forKey: .kind)
        try container.encode(status.profile, forKey: .profile)
        try container.encode(status.station, forKey: .station)
        try container.encode(status.state.rawValue, forKey: .state)
        try container.encode(status.path, forKey: .path)
        try container.encode(status.since, forKey: .since)
        try container.encode(status.lastEvent, forKey: .lastEvent)
        try container.encode(status.scans, forKey: .scans)
        try container.encode(status.weights, forKey: .weights)
        try container.encode(status.errors, forKey: .errors)
        try container.encode(status.detail, forKey: .detail)
    }
}
