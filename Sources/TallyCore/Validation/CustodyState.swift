import Foundation

/// What a station (a dock door or a scale station) is working on.
public struct StationContext: Sendable, Hashable, Codable {
    /// The load the station is loading, set by `assign` or by scanning a pallet label of one open load.
    public var activeLoad: String?
    /// The pallet the station's scans attach to (at a scale station: the pallet on the scale).
    public var currentPallet: String?
}

/// The accepted scan of an expected asset.
public struct AssetScan: Sendable, Hashable, Codable {
    public var seq: Int64
    public var at: Date
    public var station: String
    public var device: String?
    /// The pallet it was scanned onto (may differ from the manifest's pallet), if one was current.
    public var pallet: String?
}

/// A scan of something the manifest does not list.
public struct UnexpectedScan: Sendable, Hashable, Codable {
    public var seq: Int64
    public var subject: String
    public var pallet: String?
    public var station: String
}

/// The weight captured for a pallet.
public struct PalletWeight: Sendable, Hashable, Codable {
    public var seq: Int64
    public var at: Date
    public var station: String
    public var device: String?
    public var reading: ScaleReading
    /// The gross weight used for the tolerance check.
    public var gross: Weight
    /// True, false, or nil when the manifest gives no expected weight.
    public var withinTolerance: Bool?
}

/// A sealed load.
public struct SealRecord: Sendable, Hashable, Codable {
    public var seq: Int64
    public var at: Date
    public var seal: String
    public var user: String?
    public var carrier: String?
    public var driver: String?
    /// The supervisor's reason for sealing with open critical alerts, if that was needed.
    public var override: String?
    /// The ids of the critical alerts that were unresolved when an override sealed the load.
    public var overriddenAlerts: [Int64]

    /// Creates a seal record.
    public init(seq: Int64, at: Date, seal: String, user: String?, carrier: String? = nil, driver: String? = nil,
                override: String? = nil, overriddenAlerts: [Int64] = []) {
        self.seq = seq
        self.at = at
        self.seal = seal
        self.user = user
        self.carrier = carrier
        self.driver = driver
        self.override = override
        self.overriddenAlerts = overriddenAlerts
    }
}

/// One link of a load's custody chain.
public struct CustodyLink: Sendable, Hashable, Codable {
    public var seq: Int64
    public var at: Date
    public var transfer: CustodyTransfer
}

/// A command the core refuses to record because it cannot make sense.
public struct CustodyRejection: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String

    /// Creates a rejection.
    public init(_ reason: String) { self.reason = reason }

    public var description: String { reason }
}

/// What an event did, in words the live feed can print.
public enum EventEffect: Sendable, Hashable {
    case assigned(station: String, load: String)
    case palletCurrent(station: String, pallet: String, load: String)
    case assetAccepted(serial: String, pallet: String?, load: String)
    /// A re-read of the same barcode at the same station within the double-read window: no alert.
    case doubleRead(subject: String)
    case weightCaptured(pallet: String, weight: Weight, expected: Weight?, withinTolerance: Bool?)
    case sealed(load: String, seal: String)
    case transferred(load: String, from: String, to: String)
    case acknowledged(alert: Int64)
    case resolved(alert: Int64, reason: ResolutionReason)
    /// Recorded; what it means is in the alerts.
    case recorded
}

/// The result of applying one event: its effect, the alerts it raised and the earlier alerts it changed.
public struct Outcome: Sendable, Hashable {
    public var effect: EventEffect
    /// New alerts, numbered.
    public var alerts: [Alert]
    /// Earlier alerts whose state this event changed (acknowledged, resolved), as they now stand.
    public var changedAlerts: [Alert]

    /// Creates an outcome.
    public init(effect: EventEffect, alerts: [Alert], changedAlerts: [Alert] = []) {
        self.effect = effect
        self.alerts = alerts
        self.changedAlerts = changedAlerts
    }
}

/// The accepted scans of expected assets, read like a dictionary by serial (`scans["SN1"]`).
///
/// Stored by the asset's position in the manifest: a 4-byte slot per expected asset and one record per
/// scan, so recording a scan needs no second hash look-up and the table never rehashes.
public struct ScanTable: Sendable, Equatable, Sequence {
    private let assets: AssetTable
    /// Per manifest position: the index of its record, or -1.
    private var slots: ContiguousArray<Int32>
    private var records: ContiguousArray<AssetScan> = []
    private var positions: ContiguousArray<Int32> = []

    /// An empty table over `assets`.
    public init(assets: AssetTable) {
        self.assets = assets
        slots = ContiguousArray(repeating: -1, count: assets.count)
    }

    /// The scan of the asset with this serial.
    public subscript(serial: String) -> AssetScan? {
        guard let position = assets.position(of: serial) else { return nil }
        return self[position: position]
    }

    /// The scan of the asset at this manifest position.
    public subscript(position position: Int) -> AssetScan? {
        let slot = slots[position]
        return slot < 0 ? nil : records[Int(slot)]
    }

    /// Records the first accepted scan of the asset at `position`.
    mutating func record(_ scan: AssetScan, position: Int) {
        precondition(slots[position] < 0, "an asset's first scan is recorded once")
        slots[position] = Int32(records.count)
        records.append(scan)
        positions.append(Int32(position))
    }

    /// How many expected assets were scanned.
    public var count: Int { records.count }
    public var isEmpty: Bool { records.isEmpty }

    /// Serial and scan, in the order the assets were scanned.
    public func makeIterator() -> some IteratorProtocol<(key: String, value: AssetScan)> {
        zip(positions, records).lazy.map { (key: assets.asset(at: Int($0.0)).serial, value: $0.1) }.makeIterator()
    }

    public static func == (lhs: ScanTable, rhs: ScanTable) -> Bool {
        lhs.records == rhs.records && lhs.positions == rhs.positions && lhs.assets == rhs.assets
    }
}
