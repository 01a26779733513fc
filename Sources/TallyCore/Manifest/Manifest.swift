/// Sanitization status of a data-bearing asset (NIST SP 800-88 outcomes as the manifest records them).
public enum Sanitization: String, Sendable, Hashable, Codable, CaseIterable {
    /// Media erased (clear or purge) with evidence.
    case erased
    /// Media physically destroyed.
    case destroyed
    /// Sanitization scheduled but not done.
    case pending
    /// No sanitization recorded.
    case none

    /// True when a data-bearing asset with this status must not leave: `pending` or `none`.
    public var blocksShipment: Bool { self == .pending || self == .none }
}

/// How far a measured pallet weight may be from the expected weight.
public enum WeightTolerance: Sendable, Hashable, Codable, CustomStringConvertible {
    /// An absolute allowance, e.g. 5 kg.
    case absolute(ExactDecimal, WeightUnit)
    /// A percentage of the expected weight, e.g. 2 %.
    case percent(ExactDecimal)

    /// Parses `2%`, `5`, `5 kg` or `5kg`; a bare number is in `defaultUnit`.
    public init?(parsing text: some StringProtocol, defaultUnit: WeightUnit) {
        let trimmed = text.trimmingSpaces()
        if trimmed.hasSuffix("%") {
            guard let value = ExactDecimal(parsing: trimmed.dropLast()), value.significand >= 0 else { return nil }
            self = .percent(value)
            return
        }
        let numberEnd = trimmed.firstIndex { !($0.isASCIIDigit || $0 == ".") } ?? trimmed.endIndex
        guard let value = ExactDecimal(parsing: trimmed[..<numberEnd]), value.significand >= 0 else { return nil }
        let unitText = trimmed[numberEnd...].trimmingSpaces()
        if unitText.isEmpty {
            self = .absolute(value, defaultUnit)
        } else if let unit = WeightUnit(symbol: unitText) {
            self = .absolute(value, unit)
        } else {
            return nil
        }
    }

    /// The allowance around `expected`, in kilograms, exactly.
    public func allowanceInKilograms(around expected: Weight) -> ExactDecimal? {
        switch self {
        case .absolute(let value, let unit):
            return value.multiplied(by: unit.kilograms)
        case .percent(let percent):
            guard let kg = expected.kilograms, let product = kg.multiplied(by: percent), product.scale + 2 <= 18 else { return nil }
            return ExactDecimal(significand: product.significand, scale: product.scale + 2)
        }
    }

    /// The form ``init(parsing:defaultUnit:)`` reads back: `2%` or `5 kg`.
    public var text: String {
        switch self {
        case .absolute(let value, let unit): "\(value) \(unit.rawValue)"
        case .percent(let value): "\(value)%"
        }
    }

    public var description: String {
        switch self {
        case .absolute(let value, let unit): "±\(value) \(unit.rawValue)"
        case .percent(let value): "±\(value)%"
        }
    }
}

/// One serialized asset the manifest expects on a pallet.
public struct ExpectedAsset: Sendable, Hashable, Codable {
    /// The manufacturer serial number (the match key).
    public var serial: String
    /// The owner's asset tag, when known.
    public var assetTag: String?
    public var make: String?
    public var model: String?
    public var category: String?
    /// True when the asset holds data (drive, laptop, server): it needs sanitization evidence.
    public var dataBearing: Bool
    public var sanitization: Sanitization
    /// Evidence reference, e.g. an erasure report id.
    public var evidence: String?
    /// The pallet it is expected on.
    public var pallet: String
    /// The load it is expected in.
    public var load: String

    /// Creates an expected asset.
    public init(
        serial: String, assetTag: String? = nil, make: String? = nil, model: String? = nil, category: String? = nil,
        dataBearing: Bool = false, sanitization: Sanitization = .none, evidence: String? = nil,
        pallet: String, load: String
    ) {
        self.serial = serial
        self.assetTag = assetTag
        self.make = make
        self.model = model
        self.category = category
        self.dataBearing = dataBearing
        self.sanitization = sanitization
        self.evidence = evidence
        self.pallet = pallet
        self.load = load
    }
}

/// A pallet the manifest expects, identified by its label (an SSCC or another pallet label).
public struct ExpectedPallet: Sendable, Hashable, Codable {
    /// The pallet label: 18 SSCC digits, or the text of another label.
    public var id: String
    public var load: String
    /// Expected gross weight, when the manifest gives one.
    public var expectedWeight: Weight?
    public var tolerance: WeightTolerance?
    /// The asset count the shipper declared for the pallet, when it gives one (else the listed assets count).
    public var declaredCount: Int?
    /// Serials expected on this pallet, in manifest order.
    public var assets: [String]

    /// Creates an expected pallet.
    public init(
        id: String, load: String, expectedWeight: Weight? = nil, tolerance: WeightTolerance? = nil,
        declaredCount: Int? = nil, assets: [String] = []
    ) {
        self.id = id
        self.load = load
        self.expectedWeight = expectedWeight
        self.tolerance = tolerance
        self.declaredCount = declaredCount
        self.assets = assets
    }

    /// How many assets the pallet should carry: the declared count, else the number listed.
    public var expectedCount: Int { declaredCount ?? assets.count }
}

/// A load (a truck or shipment) with its pallets, in manifest order.
public struct ExpectedLoad: Sendable, Hashable, Codable {
    public var id: String
    /// The site (warehouse) the load leaves from, when given.
    public var site: String?
    /// The carrier (trucking company), when given.
    public var carrier: String?
    /// The dock door it is planned at, when given.
    public var dockDoor: String?
    public var pallets: [String]

    /// Creates a load.
    public init(id: String, site: String? = nil, carrier: String? = nil, dockDoor: String? = nil, pallets: [String] = []) {
        self.id = id
        self.site = site
        self.carrier = carrier
        self.dockDoor = dockDoor
        self.pallets = pallets
    }
}

/// The expected manifest: loads, pallets and assets, indexed for matching.
public struct Manifest: Sendable, Hashable, Codable {
    /// Loads in the order they first appear.
    public private(set) var loads: [ExpectedLoad] = []
    /// Pallets by id.
    public private(set) var pallets: [String: ExpectedPallet] = [:]
    /// Assets by serial.
    public private(set) var assets: [String: ExpectedAsset] = [:]
    private var loadIndex: [String: Int] = [:]
    /// The UTF-8 lengths of the serials, so look-up work for near misses can be skipped when no serial is near in length.
    public private(set) var serialLengths: Set<Int> = []

    /// An empty manifest.
    public init() {}

    /// Why an entry cannot be added.
    public enum Conflict: Error, Sendable, Hashable, CustomStringConvertible {
        case duplicateSerial(String)
        case palletInTwoLoads(pallet: String, first: String, second: String)

        public var description: String {
            switch self {
            case .duplicateSerial(let serial): "serial \(serial) appears twice"
            case .palletInTwoLoads(let pallet, let first, let second): "pallet \(pallet) is in load \(first) and load \(second)"
            }
        }
    }

    /// The load with this id.
    public func load(_ id: String) -> ExpectedLoad? { loadIndex[id].map { loads[$0] } }

    /// Adds an asset (and its pallet and load when new).
    public mutating func add(_ asset: ExpectedAsset) throws(Conflict) {
        guard assets[asset.serial] == nil else { throw .duplicateSerial(asset.serial) }
        try addPallet(id: asset.pallet, load: asset.load)
        assets[asset.serial] = asset
        serialLengths.insert(asset.serial.utf8.count)
        pallets[asset.pallet]!.assets.append(asset.serial)
    }

    /// Adds a pallet to a load (idempotent), creating the load when new.
    public mutating func addPallet(id: String, load: String) throws(Conflict) {
        if let existing = pallets[id] {
            guard existing.load == load else { throw .palletInTwoLoads(pallet: id, first: existing.load, second: load) }
            return
        }
        pallets[id] = ExpectedPallet(id: id, load: load)
        if let index = loadIndex[load] {
            loads[index].pallets.append(id)
        } else {
            loadIndex[load] = loads.count
            loads.append(ExpectedLoad(id: load, pallets: [id]))
        }
    }

    /// Sets a load's site, carrier and dock door (nil leaves a field as it is).
    public mutating func setLoadDetails(load: String, site: String?, carrier: String?, dockDoor: String?) {
        guard let index = loadIndex[load] else { return }
        if let site { loads[index].site = site }
        if let carrier { loads[index].carrier = carrier }
        if let dockDoor { loads[index].dockDoor = dockDoor }
    }

    /// Sets the asset count the shipper declared for a pallet.
    public mutating func setDeclaredCount(pallet: String, count: Int?) {
        pallets[pallet]?.declaredCount = count
    }

    /// Sets a pallet's expected weight and tolerance.
    public mutating func setExpectedWeight(pallet: String, weight: Weight?, tolerance: WeightTolerance?) {
        pallets[pallet]?.expectedWeight = weight
        pallets[pallet]?.tolerance = tolerance
    }

    /// Makes room for `count` assets in all, so that a large import does not grow the index step by step.
    /// Changes nothing else.
    public mutating func reserveCapacity(assets count: Int) {
        assets.reserveCapacity(count)
    }
}
