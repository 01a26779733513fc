import Foundation

/// The validation core: a pure fold of custody events over the expected manifest.
///
/// `apply` is the only way state changes; the live service and a replay of the log call it with the same
/// events in the same order and so reach the same state and the same alerts.
public struct CustodyEngine: Sendable, Equatable {
    /// Tunables of the matching rules.
    public struct Configuration: Sendable, Hashable {
        /// A re-read of the same barcode at the same station within this many seconds is a double read.
        public var doubleReadWindow: TimeInterval
        /// Creates a configuration.
        public init(doubleReadWindow: TimeInterval = 2) {
            self.doubleReadWindow = doubleReadWindow
        }
    }

    public let manifest: Manifest
    public let configuration: Configuration
    let normalizer = ScanNormalizer()

    public private(set) var stations: [String: StationContext] = [:]
    /// Accepted scans of expected assets, by serial.
    public private(set) var scans: ScanTable
    /// Scans of things the manifest does not list, by load ("" when no load was active).
    public private(set) var unexpected: [String: [UnexpectedScan]] = [:]
    public private(set) var palletWeights: [String: PalletWeight] = [:]
    public private(set) var seals: [String: SealRecord] = [:]
    /// Each load's custody transfers, in order.
    public private(set) var custody: [String: [CustodyLink]] = [:]
    /// Every alert raised so far, in order; alert `id` is its position + 1.
    public private(set) var alerts: [Alert] = []
    /// The last sequence number applied.
    public private(set) var lastSeq: Int64 = 0
    /// Per station, the barcodes read within the double-read window (a handful at most).
    private var recentReads: [String: [RecentRead]] = [:]

    /// A barcode read at a station, for the double-read window.
    private struct RecentRead: Hashable, Sendable {
        let key: String
        var at: Date
    }

    /// Creates an engine over `manifest`.
    public init(manifest: Manifest, configuration: Configuration = Configuration()) {
        self.manifest = manifest
        self.configuration = configuration
        scans = ScanTable(assets: manifest.assets)
    }

    /// Refuses commands that cannot make sense, before they are recorded.
    public func check(_ payload: EventPayload) throws(CustodyRejection) {
        switch payload {
        case .assign(let station, let load, _):
            guard manifest.load(load) != nil else { throw CustodyRejection("cannot assign \(station) to load \(load): no such load in the manifest") }
            guard seals[load] == nil else { throw CustodyRejection("cannot assign \(station) to load \(load): it is sealed") }
        case .seal(let order):
            let load = order.load
            guard manifest.load(load) != nil else { throw CustodyRejection("cannot seal load \(load): no such load in the manifest") }
            guard seals[load] == nil else { throw CustodyRejection("load \(load) is already sealed (seal \(seals[load]!.seal))") }
            guard !order.seal.trimmingSpaces().isEmpty else { throw CustodyRejection("sealing load \(load) needs a seal number") }
            let blocking = openCritical(load: load)
            if !blocking.isEmpty {
                guard let reason = order.override, !reason.trimmingSpaces().isEmpty else {
                    let list = blocking.prefix(5).map { "#\($0.id) \($0.code.rawValue) \($0.subject)" }.joined(separator: ", ")
                    throw CustodyRejection("load \(load) has \(blocking.count) open critical alert(s) (\(list)\(blocking.count > 5 ? ", …" : "")): acknowledge or resolve them, or seal with a supervisor's override reason")
                }
                guard let user = order.user, !user.trimmingSpaces().isEmpty else {
                    throw CustodyRejection("an override seal of load \(load) must name the supervisor who gives it")
                }
            }
        case .transfer(let transfer):
            guard manifest.load(transfer.load) != nil else { throw CustodyRejection("cannot transfer load \(transfer.load): no such load in the manifest") }
            for (name, value) in [("from", transfer.from), ("to", transfer.to), ("signature", transfer.signature)]
            where value.trimmingSpaces().isEmpty {
                throw CustodyRejection("a custody transfer of load \(transfer.load) needs '\(name)'")
            }
            guard transfer.from != transfer.to else { throw CustodyRejection("a custody transfer needs two different parties (both are '\(transfer.from)')") }
        case .acknowledge(let id, let user, _):
            let alert = try existingAlert(id)
            guard !user.trimmingSpaces().isEmpty else { throw CustodyRejection("acknowledging alert #\(id) needs a user") }
            guard alert.state == .open else { throw CustodyRejection("alert #\(id) is already \(alert.state.rawValue)") }
        case .resolve(let id, let user, let reason, let note):
            let alert = try existingAlert(id)
            guard !user.trimmingSpaces().isEmpty else { throw CustodyRejection("resolving alert #\(id) needs a user") }
            guard alert.state != .resolved else { throw CustodyRejection("alert #\(id) is already resolved") }
            if reason.needsNote, (note ?? "").trimmingSpaces().isEmpty {
                throw CustodyRejection("resolving alert #\(id) as '\(reason.rawValue)' needs a note")
            }
        case .scan, .weight, .deviceDisconnected:
            break
        }
    }

    private func existingAlert(_ id: Int64) throws(CustodyRejection) -> Alert {
        guard id >= 1, id <= alerts.count else { throw CustodyRejection("there is no alert #\(id)") }
        return alerts[Int(id - 1)]
    }

    /// The critical alerts of `load` still open (neither acknowledged nor resolved), oldest first.
    ///
    /// These block the seal: a supervisor must at least acknowledge each one (taking responsibility for
    /// it), resolve it, or seal with an override reason.
    public func openCritical(load: String) -> [Alert] {
        alerts.filter { $0.load == load && $0.severity == .critical && $0.state == .open }
    }

    /// Applies one recorded event and returns what it did and the alerts it raised.
    ///
    /// Events must arrive in sequence order. A command that ``check(_:)`` refuses is applied as a no-op.
    public mutating func apply(_ recorded: RecordedEvent) -> Outcome {
        precondition(recorded.seq > lastSeq, "events must be applied in sequence order")
        lastSeq = recorded.seq
        let outcome: Outcome
        switch recorded.event.payload {
        case .assign(let station, let load, _):
            if (try? check(recorded.event.payload)) == nil { return Outcome(effect: .recorded, alerts: []) }
            stations[station] = StationContext(activeLoad: load, currentPallet: nil)
            outcome = Outcome(effect: .assigned(station: station, load: load), alerts: [])
        case .scan(let station, let device, let data):
            outcome = scan(data, station: station, device: device, seq: recorded.seq, at: recorded.event.at)
        case .weight(let station, let device, let reading):
            outcome = weight(reading, station: station, device: device, seq: recorded.seq, at: recorded.event.at)
        case .seal(let order):
            if (try? check(recorded.event.payload)) == nil { return Outcome(effect: .recorded, alerts: []) }
            outcome = seal(order, seq: recorded.seq, at: recorded.event.at)
        case .transfer(let transfer):
            if (try? check(recorded.event.payload)) == nil { return Outcome(effect: .recorded, alerts: []) }
            custody[transfer.load, default: []].append(CustodyLink(seq: recorded.seq, at: recorded.event.at, transfer: transfer))
            outcome = Outcome(effect: .transferred(load: transfer.load, from: transfer.from, to: transfer.to), alerts: [])
        case .acknowledge(let id, let user, let note):
            if (try? check(recorded.event.payload)) == nil { return Outcome(effect: .recorded, alerts: []) }
            let index = Int(id - 1)
            alerts[index].state = .acknowledged
            alerts[index].acknowledgement = AlertAction(seq: recorded.seq, at: recorded.event.at, user: user, note: note)
            return Outcome(effect: .acknowledged(alert: id), alerts: [], changedAlerts: [alerts[index]])
        case .resolve(let id, let user, let reason, let note):
            if (try? check(recorded.event.payload)) == nil { return Outcome(effect: .recorded, alerts: []) }
            let index = Int(id - 1)
            alerts[index].state = .resolved
            alerts[index].resolution = AlertAction(seq: recorded.seq, at: recorded.event.at, user: user, note: note, reason: reason)
            return Outcome(effect: .resolved(alert: id, reason: reason), alerts: [], changedAlerts: [alerts[index]])
        case .deviceDisconnected(let station, let device, let reason):
            let load = station.flatMap { stations[$0]?.activeLoad }
            outcome = Outcome(effect: .recorded, alerts: [Alert(
                seq: recorded.seq, code: .deviceDisconnected, load: load, pallet: nil, subject: device,
                station: station, device: device, message: "device \(device) disconnected: \(reason)")])
        }
        var numbered = outcome
        for index in numbered.alerts.indices {
            numbered.alerts[index].id = Int64(alerts.count + 1)
            alerts.append(numbered.alerts[index])
        }
        return numbered
    }

    // MARK: - Scans

    private mutating func scan(_ data: String, station: String, device: String?, seq: Int64, at: Date) -> Outcome {
        let normalized = normalizer.normalize(data)
        var context = stations[station] ?? StationContext()
        func alert(_ code: AlertCode, load: String?, pallet: String?, subject: String, _ message: String) -> Alert {
            Alert(seq: seq, code: code, load: load, pallet: pallet, subject: subject, station: station, device: device, message: message)
        }
        guard let key = normalized.matchKey else {
            guard case .unreadable(let reason, let position) = normalized.content else { fatalError("unreachable") }
            return Outcome(effect: .recorded, alerts: [alert(
                .unreadableBarcode, load: context.activeLoad, pallet: context.currentPallet, subject: data,
                "unreadable barcode at character \(position): \(reason)")])
        }

        // Double read: the same barcode at the same station within the window.
        if Self.noteRead(&recentReads[station, default: []], key: key, at: at, window: configuration.doubleReadWindow) {
            return Outcome(effect: .doubleRead(subject: key), alerts: [])
        }

        // A pallet label.
        if let pallet = manifest.pallets[key] {
            if seals[pallet.load] != nil {
                return Outcome(effect: .recorded, alerts: [alert(
                    .scanAfterSeal, load: pallet.load, pallet: pallet.id, subject: key,
                    "pallet \(key) scanned after load \(pallet.load) was sealed")])
            }
            // A door whose load is sealed moves on to the next load's first pallet label without an alert.
            if let active = context.activeLoad, active != pallet.load, seals[active] == nil {
                return Outcome(effect: .recorded, alerts: [alert(
                    .wrongLoad, load: active, pallet: pallet.id, subject: key,
                    "pallet \(key) belongs to load \(pallet.load), not to load \(active) at \(station)")])
            }
            context.activeLoad = pallet.load
            context.currentPallet = pallet.id
            stations[station] = context
            return Outcome(effect: .palletCurrent(station: station, pallet: pallet.id, load: pallet.load), alerts: [])
        }
        if case .sscc = normalized.content {
            context.currentPallet = nil
            stations[station] = context
            return Outcome(effect: .recorded, alerts: [alert(
                .unexpectedPallet, load: context.activeLoad, pallet: nil, subject: key,
                "pallet SSCC \(key) is not in the manifest")])
        }

        // An asset.
        guard let position = manifest.assets.position(of: key) else {
            guard let load = context.activeLoad else {
                return Outcome(effect: .recorded, alerts: [alert(
                    .noActiveLoad, load: nil, pallet: nil, subject: key,
                    "\(key) scanned at \(station), which has no active load")])
            }
            if seals[load] != nil {
                return Outcome(effect: .recorded, alerts: [alert(
                    .scanAfterSeal, load: load, pallet: context.currentPallet, subject: key,
                    "\(key) (not in the manifest) scanned at \(station) after load \(load) was sealed")])
            }
            unexpected[load, default: []].append(UnexpectedScan(seq: seq, subject: key, pallet: context.currentPallet, station: station))
            var raised = alert(.unexpectedAsset, load: load, pallet: context.currentPallet, subject: key, "\(key) is not in the manifest")
            if let candidate = CandidateFinder.candidate(for: key, in: manifest, load: load, isScanned: { scans[$0] != nil }) {
                raised.candidate = candidate.serial
                raised.message += "; did you mean \(candidate.serial) (\(candidate.why), pallet \(manifest.assets[candidate.serial]!.pallet), not yet scanned)?"
            }
            return Outcome(effect: .recorded, alerts: [raised])
        }
        let asset = manifest.assets.asset(at: position)
        if seals[asset.load] != nil {
            return Outcome(effect: .recorded, alerts: [alert(
                .scanAfterSeal, load: asset.load, pallet: asset.pallet, subject: key,
                "\(key) scanned after load \(asset.load) was sealed")])
        }
        guard let load = context.activeLoad else {
            return Outcome(effect: .recorded, alerts: [alert(
                .noActiveLoad, load: asset.load, pallet: asset.pallet, subject: key,
                "\(key) scanned at \(station), which has no active load: scan a pallet label or assign a load first")])
        }
        if load != asset.load {
            return Outcome(effect: .recorded, alerts: [alert(
                .wrongLoad, load: load, pallet: context.currentPallet, subject: key,
                "\(key) belongs to load \(asset.load) (pallet \(asset.pallet)), not to load \(load)")])
        }
        if let earlier = scans[position: position] {
            return Outcome(effect: .recorded, alerts: [alert(
                .duplicateScan, load: load, pallet: context.currentPallet, subject: key,
                "\(key) was already scanned (event \(earlier.seq) at \(earlier.station))")])
        }
        var raised: [Alert] = []
        scans.record(AssetScan(seq: seq, at: at, station: station, device: device, pallet: context.currentPallet), position: position)
        if let current = context.currentPallet, current != asset.pallet {
            raised.append(alert(
                .wrongPallet, load: load, pallet: current, subject: key,
                "\(key) belongs on pallet \(asset.pallet), but was scanned onto pallet \(current)"))
        }
        if asset.dataBearing, asset.sanitization.blocksShipment {
            raised.append(alert(
                .notSanitized, load: load, pallet: asset.pallet, subject: key,
                "\(key) is data-bearing and its sanitization is \(asset.sanitization.rawValue)"
                    + (asset.evidence.map { " (evidence \($0))" } ?? ": no evidence")))
        }
        return Outcome(effect: .assetAccepted(serial: key, pallet: context.currentPallet, load: load), alerts: raised)
    }

    /// Remembers a read at a station (in place) and tells whether it is a double read: the same barcode
    /// read there within the window. Older reads are forgotten; a re-read within the window slides it on.
    private static func noteRead(_ recent: inout [RecentRead], key: String, at: Date, window: TimeInterval) -> Bool {
        recent.removeAll { at.timeIntervalSince($0.at) > window }
        if let index = recent.firstIndex(where: { $0.key == key }) {
            let previous = recent[index].at
            recent[index].at = at
            return at >= previous
        }
        recent.append(RecentRead(key: key, at: at))
        return false
    }

    // MARK: - Weights

    private mutating func weight(_ reading: ScaleReading, station: String, device: String?, seq: Int64, at: Date) -> Outcome {
        let context = stations[station] ?? StationContext()
        let subject = reading.weight?.description ?? "no weight"
        func alert(_ code: AlertCode, pallet: String?, _ message: String) -> Alert {
            Alert(seq: seq, code: code, load: context.activeLoad, pallet: pallet, subject: pallet ?? subject,
                  station: station, device: device, message: message)
        }
        if let reason = reading.rejectionReason {
            return Outcome(effect: .recorded, alerts: [alert(
                .weightRejected, pallet: context.currentPallet, "\(reading.weight.map { "weight \($0)" } ?? "scale reading") not captured: \(reason)")])
        }
        guard let palletID = context.currentPallet, let pallet = manifest.pallets[palletID], let measured = reading.weight else {
            return Outcome(effect: .recorded, alerts: [alert(
                .noActiveLoad, pallet: nil, "weight \(subject) at \(station) with no pallet scanned: scan the pallet label first")])
        }
        if seals[pallet.load] != nil {
            return Outcome(effect: .recorded, alerts: [alert(
                .scanAfterSeal, pallet: palletID, "pallet \(palletID) weighed after load \(pallet.load) was sealed")])
        }
        // The manifest expects a gross weight: a net reading with its tare is turned back into gross.
        var gross = measured
        if reading.kind == .net, let tare = reading.tare, let sum = Self.gross(net: measured, tare: tare) {
            gross = sum
        }
        var within: Bool?
        var raised: [Alert] = []
        if let expected = pallet.expectedWeight {
            let tolerance = pallet.tolerance ?? .absolute(ExactDecimal(significand: 0, scale: 0), expected.unit)
            if let measuredKg = gross.kilograms, let expectedKg = expected.kilograms,
               let allowance = tolerance.allowanceInKilograms(around: expected),
               let difference = measuredKg.subtracting(expectedKg) {
                within = difference.magnitude <= allowance
            } else {
                within = false
            }
            if within == false {
                raised.append(alert(
                    .weightOutOfTolerance, pallet: palletID,
                    "pallet \(palletID) weighs \(gross), expected \(expected) \(tolerance)"))
            }
        }
        palletWeights[palletID] = PalletWeight(seq: seq, at: at, station: station, device: device, reading: reading,
                                               gross: gross, withinTolerance: within)
        return Outcome(effect: .weightCaptured(pallet: palletID, weight: gross, expected: pallet.expectedWeight, withinTolerance: within),
                       alerts: raised)
    }

    /// Net + tare, exactly, in the net's unit, on the finer of the two divisions (nil if the units differ).
    static func gross(net: Weight, tare: Weight) -> Weight? {
        guard net.unit == tare.unit, let sum = net.value.adding(tare.value) else { return nil }
        let finer = net.division.value <= tare.division.value ? net.division : tare.division
        if let weight = Weight(value: sum, division: finer, unit: net.unit) { return weight }
        guard let digit = Division(multiplier: 1, exponent: -sum.scale) else { return nil }
        return Weight(value: sum, division: digit, unit: net.unit)
    }

    // MARK: - Seal

    private mutating func seal(_ order: SealOrder, seq: Int64, at: Date) -> Outcome {
        let load = order.load, seal = order.seal
        let overridden = order.override == nil ? [] : openCritical(load: load).map(\.id)
        var raised: [Alert] = []
        for palletID in manifest.load(load)?.pallets ?? [] {
            guard let pallet = manifest.pallets[palletID] else { continue }
            for serial in pallet.assets where scans[serial] == nil {
                raised.append(Alert(seq: seq, code: .missingAsset, load: load, pallet: palletID, subject: serial,
                                    station: nil, device: nil, message: "\(serial) (pallet \(palletID)) was not scanned before seal \(seal)"))
            }
            if palletWeights[palletID] == nil {
                raised.append(Alert(seq: seq, code: .missingWeight, load: load, pallet: palletID, subject: palletID,
                                    station: nil, device: nil, message: "pallet \(palletID) was never weighed before seal \(seal)"))
            }
        }
        seals[load] = SealRecord(seq: seq, at: at, seal: seal, user: order.user, carrier: order.carrier, driver: order.driver,
                                 override: order.override, overriddenAlerts: overridden)
        return Outcome(effect: .sealed(load: load, seal: seal), alerts: raised)
    }
}
