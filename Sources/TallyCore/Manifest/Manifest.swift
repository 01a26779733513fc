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
/// The expected assets of a manifest: stored in manifest order in one array, with an index by serial.
///
/// It reads like a dictionary (`assets["SN1"]`, `count`, `keys`, `values`, iteration over
/// `(key, value)` pairs) but keeps about half the memory of one, which matters for million-line manifests.
public struct AssetTable: Sendable, Hashable, Codable, Sequence {
    private var list: ContiguousArray<ExpectedAsset> = []
    private var index: [String: Int32] = [:]

    /// An empty table.
    public init() {}

    /// The asset with this serial.
    public subscript(serial: String) -> ExpectedAsset? {
        guard let position = index[serial] else { return nil }
        return list[Int(position)]
    }

    /// The position of the asset with this serial, in manifest order.
    public func position(of serial: String) -> Int? { index[serial].map(Int.init) }

    /// The asset at `position` (manifest order).
    public func asset(at position: Int) -> ExpectedAsset { list[position] }

    public var count: Int { list.count }
    public var isEmpty: Bool { list.isEmpty }
    /// The serials, in manifest order.
    public var keys: [String] { list.map(\.serial) }
    /// The assets, in manifest order.
    public var values: ContiguousArray<ExpectedAsset> { list }

    /// Adds an asset whose serial is new. Returns false (and adds nothing) if the serial is already there.
    mutating func insert(_ asset: ExpectedAsset) -> Bool {
        guard reserve(asset.serial) else { return false }
        list.append(asset)
        return true
    }

    /// Claims the next position for `serial` with one hash look-up; false if the serial is already there.
    /// The caller must then append the asset (``insert(_:)`` does both).
    private mutating func reserve(_ serial: String) -> Bool {
        let next = Int32(list.count)
        return Self.claim(&index[serial, default: -1], next)
    }

    private static func claim(_ slot: inout Int32, _ position: Int32) -> Bool {
        guard slot < 0 else { return false }
        slot = position
        return true
    }

    mutating func reserveCapacity(_ count: Int) {
        list.reserveCapacity(count)
        index.reserveCapacity(count)
    }

    public func makeIterator() -> some IteratorProtocol<(key: String, value: ExpectedAsset)> {
        list.lazy.map { (key: $0.serial, value: $0) }.makeIterator()
    }

    /// Equal when they hold the same assets, whatever the order (like a dictionary).
    public static func == (lhs: AssetTable, rhs: AssetTable) -> Bool {
        lhs.count == rhs.count && lhs.list.allSatisfy { rhs[$0.serial] == $0 }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        // Order-independent: combine each asset's own hash.
        hasher.combine(list.reduce(0) { $0 ^ $1.hashValue })
    }

    public init(from decoder: any Decoder) throws {
        for asset in try [ExpectedAsset](from: decoder) where !insert(asset) {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "serial \(asset.serial) appears twice"))
        }
    }

    public func encode(to encoder: any Encoder) throws { try Array(list).encode(to: encoder) }
}

/// The expected manifest: loads, pallets and assets, indexed for matching.
///
/// Repeated text (pallet and load ids, makes, models, categories) is stored once and shared by every
/// asset that carries it, so a million-line manifest holds one copy of each.
public struct Manifest: Sendable, Hashable, Codable {
    /// Loads in the order they first appear.
    public private(set) var loads: [ExpectedLoad] = []
    /// Pallets by id.
    public private(set) var pallets: [String: ExpectedPallet] = [:]
    /// Assets by serial, in manifest order.
    public private(set) var assets = AssetTable()
    private var loadIndex: [String: Int] = [:]
    /// The UTF-8 lengths of the serials, so look-up work for near misses can be skipped when no serial is near in length.
    public private(set) var serialLengths: Set<Int> = []
    /// Shared copies of low-variety text (makes, models, categories); bounded, so unique text is not hoarded.
    private var interned: [String: String] = [:]
    private static let internLimit = 4096
    /// The pallet of the last asset added: consecutive rows of a manifest are nearly always on one pallet.
    private var lastPallet: (id: String, load: String)?

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

    private mutating func intern(_ text: String?) -> String? {
        guard let text else { return nil }
        if let shared = interned[text] { return shared }
        if interned.count < Self.internLimit { interned[text] = text }
        return text
    }

    /// Adds an asset (and its pallet and load when new).
    public mutating func add(_ asset: ExpectedAsset) throws(Conflict) {
        var stored = asset
        // Share the pallet's and load's id strings, and repeated descriptive text.
        if let last = lastPallet, last.id == asset.pallet {
            guard last.load == asset.load else { throw .palletInTwoLoads(pallet: last.id, first: last.load, second: asset.load) }
            stored.pallet = last.id
            stored.load = last.load
        } else {
            // Check before the pallet is created, so a refused add changes nothing.
            guard assets.position(of: asset.serial) == nil else { throw .duplicateSerial(asset.serial) }
            try addPallet(id: asset.pallet, load: asset.load)
            let pallet = pallets[asset.pallet]!
            stored.pallet = pallet.id
            stored.load = pallet.load
            lastPallet = (pallet.id, pallet.load)
        }
        stored.make = intern(asset.make)
        stored.model = intern(asset.model)
        stored.category = intern(asset.category)
        guard assets.insert(stored) else { throw .duplicateSerial(asset.serial) }
        serialLengths.insert(asset.serial.utf8.count)
        pallets[asset.pallet]!.assets.append(asset.serial)
    }

    /// Adds a pallet to a load (idempotent), creating the load when new.
    public mutating func addPallet(id: String, load: String) throws(Conflict) {
        if let existing = pallets[id] {
            guard existing.load == load else { throw .palletInTwoLoads(pallet: id, first: existing.load, second: load) }
            return
        }
        let loadID: String
        if let index = loadIndex[load] {
            loadID = loads[index].id
            loads[index].pallets.append(id)
        } else {
            loadID = load
            loadIndex[load] = loads.count
            loads.append(ExpectedLoad(id: load, pallets: [id]))
        }
        pallets[id] = ExpectedPallet(id: id, load: loadID)
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

    // Equality, hashing and coding cover the content (loads, pallets, assets), not the look-up aids.

    // `lastPallet` and `interned` are look-up aids only.
    public static func == (lhs: Manifest, rhs: Manifest) -> Bool {
        lhs.loads == rhs.loads && lhs.pallets == rhs.pallets && lhs.assets == rhs.assets
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(loads)
        hasher.combine(assets)
    }

    private enum CodingKeys: String, CodingKey { case loads, pallets, assets }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let decodedLoads = try c.decode([ExpectedLoad].self, forKey: .loads)
        let decodedPallets = try c.decode([String: ExpectedPallet].self, forKey: .pallets)
        for asset in try c.decode(AssetTable.self, forKey: .assets).values {
            do { try add(asset) } catch {
                throw DecodingError.dataCorruptedError(forKey: .assets, in: c, debugDescription: error.description)
            }
        }
        for load in decodedLoads {
            for pallet in load.pallets { try? addPallet(id: pallet, load: load.id) }
            setLoadDetails(load: load.id, site: load.site, carrier: load.carrier, dockDoor: load.dockDoor)
        }
        for (id, pallet) in decodedPallets {
            setExpectedWeight(pallet: id, weight: pallet.expectedWeight, tolerance: pallet.tolerance)
            setDeclaredCount(pallet: id, count: pallet.declaredCount)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(loads, forKey: .loads)
        try c.encode(pallets, forKey: .pallets)
        try c.encode(assets, forKey: .assets)
    }
}
