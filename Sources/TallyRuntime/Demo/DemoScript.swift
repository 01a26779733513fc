import TallyCore

/// One step of the demo scenario. `after` is the time, in seconds of scenario time, since the step before.
enum DemoStep: Sendable {
    /// A line of narration.
    case say(String)
    /// A supervisor assigns the dock door to the load.
    case assign(load: String, user: String, after: Double)
    /// The dock worker scans a barcode (raw scanner text, AIM identifier included).
    case scan(String, after: Double)
    /// A pallet is put on the dock scale; the scale settles on `weight`.
    case place(Weight, after: Double)
    /// The pallet is taken off the scale onto the truck.
    case remove(after: Double)
    /// The supervisor acknowledges the alert of `code` about `subject`.
    case acknowledge(AlertCode, subject: String, after: Double)
    /// The supervisor resolves the alert of `code` about `subject`.
    case resolve(AlertCode, subject: String, reason: ResolutionReason, note: String, after: Double)
    /// Custody of the load passes to the carrier.
    case transfer(CustodyTransfer, after: Double)
    /// The supervisor seals the load (with an override reason when alerts are still unresolved).
    case seal(load: String, seal: String, user: String, override: String?, after: Double)

    var after: Double {
        switch self {
        case .say: 0
        case .assign(_, _, let after), .scan(_, let after), .place(_, let after), .remove(let after),
             .acknowledge(_, _, let after), .transfer(_, let after), .resolve(_, _, _, _, let after), .seal(_, _, _, _, let after): after
        }
    }
}

/// The demo scenario: loading truck L-2611-A at dock door 1, pallet by pallet, with the mistakes a dock
/// really sees (a double read, an unexpected laptop, an asset on the wrong pallet, a repeat scan, an
/// overweight pallet, assets left behind).
enum DemoScript {
    static let station = "dock-1"
    static let sealNumber = "SL-88412"
    static let supervisor = "supervisor"
    /// A laptop that is not on the manifest.
    static let strayLaptop = "5CG2041XKT"
    /// Assets of pallet 3 left behind in the warehouse.
    static let leftBehind = ["7TDX0K5", "CN0J1X7R", "R58N123ABC"]
    /// Pallet 3's asset that is put on pallet 2 by mistake.
    static let misplaced = "MJ0BZQ8M"
    /// The asset scanned twice in a row (a double read) and again later (a duplicate).
    static let doubleRead = "PF3K9XZ1"
    static let repeated = "JX4K2M1"

    /// Weights the dock scale settles on, with a 0.5 kg division: pallets 1 and 2 in tolerance, pallet 3 not.
    static let division = Division(multiplier: 5, exponent: -1)!
    static let weights: [Int64] = [819, 782, 563] // 409.5 kg, 391.0 kg, 281.5 kg

    /// Pallet label as a GS1-128 scanner with AIM identifiers sends it.
    static func palletLabel(_ sscc: String) -> String { "]C100" + sscc }

    static func steps(manifest: Manifest) -> [DemoStep] {
        let load = SampleManifest.load
        var steps: [DemoStep] = [
            .say("Truck \(load) at \(station): 3 pallets, \(manifest.assets.count) assets expected."),
            .assign(load: load, user: supervisor, after: 0),
        ]
        for (index, pallet) in SampleManifest.pallets.enumerated() {
            let serials = manifest.pallets[pallet]?.assets ?? []
            steps.append(.say("Pallet \(index + 1) (SSCC \(pallet)) onto the dock scale."))
            steps.append(.scan(palletLabel(pallet), after: 20))
            steps.append(.place(Weight(divisions: weights[index], division: division, unit: .kilogram), after: 5))
            for serial in serials where serial != misplaced && !leftBehind.contains(serial) {
                steps.append(.scan(serial, after: 4))
                if serial == doubleRead { steps.append(.scan(serial, after: 0.4)) }
                if index == 0, serial == serials[5] { steps.append(.scan(strayLaptop, after: 4)) }
                if index == 1, serial == serials[6] { steps.append(.scan(misplaced, after: 4)) }
            }
            if index == 1 { steps.append(.scan(repeated, after: 6)) }
            steps.append(.remove(after: 10))
        }
        steps.append(.say("The supervisor works the exceptions before sealing."))
        steps.append(.acknowledge(.unexpectedAsset, subject: strayLaptop, after: 20))
        steps.append(.resolve(.unexpectedAsset, subject: strayLaptop, reason: .removedFromLoad,
                              note: "HP laptop taken off pallet 1 and returned to receiving", after: 40))
        steps.append(.resolve(.notSanitized, subject: "PF3KA11M", reason: .sanitizationVerified,
                              note: "erasure report BL-26-004517 found in the erasure console", after: 30))
        steps.append(.say("Sealing the truck; \(leftBehind.count) assets of pallet 3 are still in the warehouse."))
        steps.append(.seal(load: load, seal: sealNumber, user: supervisor, override: nil, after: 30))
        steps.append(.seal(load: load, seal: sealNumber, user: supervisor,
                           override: "pallet 3 re-wrapped with extra packing; contents checked against the manifest", after: 30))
        steps.append(.transfer(CustodyTransfer(
            load: load, from: "Tally demo warehouse, dock-1", to: "Northline Freight (driver J. Okafor)", place: station,
            signature: "J. Okafor, CDL D4417-2213, signed on the dock tablet", user: supervisor), after: 120))
        return steps
    }
}
