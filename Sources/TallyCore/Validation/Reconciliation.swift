/// Expected against found, for one pallet.
public struct PalletReconciliation: Sendable, Hashable, Codable {
    public var pallet: String
    public var expected: Int
    /// Expected assets of this pallet that were scanned (onto any pallet of the load).
    public var scanned: Int
    public var missing: [String]
    /// Assets of this pallet that were scanned onto another pallet.
    public var misplaced: [String]
    /// Assets of other pallets of the load that were scanned onto this pallet.
    public var foreign: [String]
    /// Unexpected serials scanned while this pallet was current.
    public var unexpected: [String]
    public var expectedWeight: Weight?
    public var tolerance: WeightTolerance?
    public var measuredWeight: Weight?
    public var withinTolerance: Bool?
}

/// Expected against found, for one load: the summary printed at seal and in reports.
public struct Reconciliation: Sendable, Hashable, Codable {
    public var load: String
    public var seal: SealRecord?
    public var pallets: [PalletReconciliation]
    public var expected: Int
    public var scanned: Int
    public var missing: Int
    /// Every unexpected serial scanned into the load.
    public var unexpected: [String]

    /// Computes the reconciliation of `load` from the engine's state (nil for an unknown load).
    public init?(load: String, engine: CustodyEngine) {
        guard let expectedLoad = engine.manifest.load(load) else { return nil }
        self.load = load
        seal = engine.seals[load]
        var seen = Set<String>()
        let strays = (engine.unexpected[load] ?? []).filter { seen.insert($0.subject).inserted }
        pallets = expectedLoad.pallets.compactMap { id in
            guard let pallet = engine.manifest.pallets[id] else { return nil }
            let scanned = pallet.assets.filter { engine.scans[$0] != nil }
            let weight = engine.palletWeights[id]
            return PalletReconciliation(
                pallet: id, expected: pallet.assets.count, scanned: scanned.count,
                missing: pallet.assets.filter { engine.scans[$0] == nil },
                misplaced: scanned.filter { serial in engine.scans[serial]?.pallet.map { $0 != id } ?? false },
                foreign: engine.scans.filter { $0.value.pallet == id && engine.manifest.assets[$0.key]?.pallet != id }
                    .sorted { $0.value.seq < $1.value.seq }.map(\.key),
                unexpected: strays.filter { $0.pallet == id }.map(\.subject),
                expectedWeight: pallet.expectedWeight, tolerance: pallet.tolerance,
                measuredWeight: weight?.gross, withinTolerance: weight?.withinTolerance)
        }
        expected = pallets.reduce(0) { $0 + $1.expected }
        scanned = pallets.reduce(0) { $0 + $1.scanned }
        missing = pallets.reduce(0) { $0 + $1.missing.count }
        unexpected = strays.map(\.subject)
    }
}
