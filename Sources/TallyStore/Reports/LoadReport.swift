import Foundation
import TallyCore

/// Everything a custody report says about one load, as plain values: built once from the validation
/// core's state and the log's hash-chain anchor, then rendered as JSON, CSV or HTML by ``ReportRenderer``.
///
/// Building a report is pure: ``init(load:engine:chain:generatedAt:eventTimes:)`` reads a
/// ``CustodyEngine`` (the fold of the log up to ``LogAnchor/stateSeq``) and the ``ChainReport`` of the
/// log at report time, and nothing else. The same inputs always give the same report.
///
/// Conventions, in every format:
/// - every time is UTC RFC 3339 with milliseconds (``UTCTimestamp/format(_:)``);
/// - every weight is an exact decimal string, digit for digit as the scale showed it (never a `Double`),
///   with its exact conversion to kilograms when its unit is not kg (1 lb = 0.45359237 kg);
/// - lists are in a fixed order: pallets and assets in manifest order, scans and alerts in log order.
///
/// JSON fields that do not apply are `null` (never left out), so every report has the same shape.
public struct LoadReport: Sendable, Hashable, Codable {
    /// The value of ``format`` for this version of the report layout.
    public static let formatName = "tally-load-report/1"

    /// The report layout version: ``formatName``.
    public var format: String
    /// When the report was made (UTC RFC 3339).
    public var generatedAt: String
    /// The load: id, site, carrier, dock door and whether it is sealed.
    public var load: Load
    /// The seal, or nil while the load is open.
    public var seal: Seal?
    /// Where the log stood when the report was made: check it against `tally log verify`.
    public var log: LogAnchor
    /// Expected against found, per load and per pallet.
    public var reconciliation: ReconciliationSection
    /// Every expected asset of the load, in manifest order, with where and when it was scanned.
    public var inventory: [InventoryItem]
    /// Every scan of something the manifest does not list, made while this load was active, in log order.
    public var unexpectedScans: [UnexpectedScan]
    /// The captured weight of every weighed pallet, in manifest order.
    public var palletWeights: [PalletWeighing]
    /// Every alert of the load, in the order raised, with its acknowledgement and resolution.
    public var exceptions: [Exception]
    /// The load's custody transfers, in order.
    public var custodyChain: [Transfer]

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(format, forKey: .format)
        try c.encode(generatedAt, forKey: .generatedAt)
        try c.encode(load, forKey: .load)
        try c.encode(seal, forKey: .seal)
        try c.encode(log, forKey: .log)
        try c.encode(reconciliation, forKey: .reconciliation)
        try c.encode(inventory, forKey: .inventory)
        try c.encode(unexpectedScans, forKey: .unexpectedScans)
        try c.encode(palletWeights, forKey: .palletWeights)
        try c.encode(exceptions, forKey: .exceptions)
        try c.encode(custodyChain, forKey: .custodyChain)
    }

    // MARK: - Parts

    /// The load as the manifest describes it.
    public struct Load: Sendable, Hashable, Codable {
        /// The load id.
        public var id: String
        public var site: String?
        public var carrier: String?
        public var dockDoor: String?
        /// `open` or `sealed`.
        public var status: String

        /// Creates a load summary.
        public init(id: String, site: String?, carrier: String?, dockDoor: String?, status: String) {
            self.id = id
            self.site = site
            self.carrier = carrier
            self.dockDoor = dockDoor
            self.status = status
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(site, forKey: .site)
            try c.encode(carrier, forKey: .carrier)
            try c.encode(dockDoor, forKey: .dockDoor)
            try c.encode(status, forKey: .status)
        }
    }

    /// The seal as recorded.
    public struct Seal: Sendable, Hashable, Codable {
        /// The seal number printed on the truck's seal.
        public var number: String
        /// The log sequence number of the seal event.
        public var seq: Int64
        /// When the load was sealed.
        public var at: String
        /// Who sealed it.
        public var user: String?
        public var carrier: String?
        public var driver: String?
        /// The supervisor's reason for sealing over open critical alerts, if one was needed.
        public var overrideReason: String?
        /// The ids of the critical alerts that were unresolved when the override sealed the load.
        public var overriddenAlerts: [Int64]

        /// Creates a seal summary.
        public init(number: String, seq: Int64, at: String, user: String?, carrier: String?, driver: String?,
                    overrideReason: String?, overriddenAlerts: [Int64]) {
            self.number = number
            self.seq = seq
            self.at = at
            self.user = user
            self.carrier = carrier
            self.driver = driver
            self.overrideReason = overrideReason
            self.overriddenAlerts = overriddenAlerts
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(number, forKey: .number)
            try c.encode(seq, forKey: .seq)
            try c.encode(at, forKey: .at)
            try c.encode(user, forKey: .user)
            try c.encode(carrier, forKey: .carrier)
            try c.encode(driver, forKey: .driver)
            try c.encode(overrideReason, forKey: .overrideReason)
            try c.encode(overriddenAlerts, forKey: .overriddenAlerts)
        }
    }

    /// The custody log's hash-chain anchor at report time.
    ///
    /// `tally log verify` on the same database prints the same `lastSeq` and `lastHash` as long as nothing
    /// was appended since; if events were appended, the event numbered `lastSeq` must still carry `lastHash`.
    public struct LogAnchor: Sendable, Hashable, Codable {
        /// The last event that verified (the end of the log when it is intact).
        public var lastSeq: Int64
        /// That event's SHA-256 chain hash, lowercase hex.
        public var lastHash: String
        /// True when the whole chain verified.
        public var intact: Bool
        /// How many events verified.
        public var eventsVerified: Int
        /// Where and why the chain broke, when it did.
        public var failure: String?
        /// The last event the report's state includes (equal to `lastSeq` for a report of an intact log).
        public var stateSeq: Int64

        /// Creates an anchor.
        public init(lastSeq: Int64, lastHash: String, intact: Bool, eventsVerified: Int, failure: String?, stateSeq: Int64) {
            self.lastSeq = lastSeq
            self.lastHash = lastHash
            self.intact = intact
            self.eventsVerified = eventsVerified
            self.failure = failure
            self.stateSeq = stateSeq
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(lastSeq, forKey: .lastSeq)
            try c.encode(lastHash, forKey: .lastHash)
            try c.encode(intact, forKey: .intact)
            try c.encode(eventsVerified, forKey: .eventsVerified)
            try c.encode(failure, forKey: .failure)
            try c.encode(stateSeq, forKey: .stateSeq)
        }
    }

    /// An exact weight as the report writes it.
    public struct ReportedWeight: Sendable, Hashable, Codable {
        /// The value in its own unit, with the division's decimals (`412.5`).
        public var value: String
        /// `kg`, `lb`, `g`, `t` or `oz`.
        public var unit: String
        /// The scale division (`0.1`).
        public var division: String
        /// The weight as a whole number of divisions (`4125`).
        public var divisions: Int64
        /// The exact value in kilograms, when the unit is not kg (nil for kg, or if it cannot be held exactly).
        public var kilograms: String?

        /// The report form of `weight`.
        public init(_ weight: Weight) {
            value = weight.value.description
            unit = weight.unit.rawValue
            division = weight.division.description
            divisions = weight.divisions
            kilograms = weight.unit == .kilogram ? nil : weight.kilograms.map(LoadReport.plain)
        }

        /// `412.5 kg`.
        public var text: String { "\(value) \(unit)" }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(value, forKey: .value)
            try c.encode(unit, forKey: .unit)
            try c.encode(division, forKey: .division)
            try c.encode(divisions, forKey: .divisions)
            try c.encode(kilograms, forKey: .kilograms)
        }
    }

    /// Verdicts of a weight comparison (raw values appear in every format).
    public enum WeightVerdict: String, Sendable, Hashable, Codable, CaseIterable {
        /// Weighed, and within the tolerance (all weighed and within, for a load).
        case withinTolerance = "within-tolerance"
        /// Weighed, and outside the tolerance (any pallet outside, for a load).
        case outOfTolerance = "out-of-tolerance"
        /// Never weighed.
        case notWeighed = "not-weighed"
        /// Weighed, but the manifest gives no expected weight to compare with.
        case noExpectedWeight = "no-expected-weight"
        /// For a load: some pallets with an expected weight were not weighed, and none is out of tolerance.
        case incomplete
    }

    /// The reconciliation section: the load's totals and one line per pallet.
    public struct ReconciliationSection: Sendable, Hashable, Codable {
        /// The load's totals.
        public var load: LoadTotals
        /// One line per pallet, in manifest order.
        public var pallets: [PalletLine]

        /// Creates a section.
        public init(load: LoadTotals, pallets: [PalletLine]) {
            self.load = load
            self.pallets = pallets
        }
    }

    /// Expected against found for the whole load.
    public struct LoadTotals: Sendable, Hashable, Codable {
        /// How many pallets the manifest lists.
        public var pallets: Int
        /// How many assets the manifest lists.
        public var expected: Int
        /// How many of them were scanned.
        public var scanned: Int
        /// How many were not.
        public var missing: Int
        /// How many distinct unexpected serials were scanned into the load.
        public var unexpected: Int
        /// How many expected assets were scanned onto a pallet other than their own.
        public var misplaced: Int
        /// `all-present` when nothing is missing, unexpected or misplaced, else `discrepancies`.
        public var assetVerdict: String
        /// How many pallets have an expected weight.
        public var palletsWithExpectedWeight: Int
        /// How many pallets were weighed.
        public var palletsWeighed: Int
        /// How many pallets were weighed within their tolerance.
        public var palletsWithinTolerance: Int
        /// How many pallets were weighed outside their tolerance.
        public var palletsOutOfTolerance: Int
        /// The sum of the expected gross weights, exactly, in kg (nil when no pallet has one).
        public var expectedKilograms: String?
        /// The sum of the measured gross weights of the weighed pallets, exactly, in kg (nil when none was weighed).
        public var measuredKilograms: String?
        /// Measured minus expected, in kg, when every pallet has both.
        public var differenceKilograms: String?
        /// The load's weight verdict.
        public var weightVerdict: WeightVerdict

        /// Creates load totals.
        public init(pallets: Int, expected: Int, scanned: Int, missing: Int, unexpected: Int, misplaced: Int, assetVerdict: String,
                    palletsWithExpectedWeight: Int, palletsWeighed: Int, palletsWithinTolerance: Int, palletsOutOfTolerance: Int,
                    expectedKilograms: String?, measuredKilograms: String?, differenceKilograms: String?, weightVerdict: WeightVerdict) {
            self.pallets = pallets
            self.expected = expected
            self.scanned = scanned
            self.missing = missing
            self.unexpected = unexpected
            self.misplaced = misplaced
            self.assetVerdict = assetVerdict
            self.palletsWithExpectedWeight = palletsWithExpectedWeight
            self.palletsWeighed = palletsWeighed
            self.palletsWithinTolerance = palletsWithinTolerance
            self.palletsOutOfTolerance = palletsOutOfTolerance
            self.expectedKilograms = expectedKilograms
            self.measuredKilograms = measuredKilograms
            self.differenceKilograms = differenceKilograms
            self.weightVerdict = weightVerdict
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(pallets, forKey: .pallets)
            try c.encode(expected, forKey: .expected)
            try c.encode(scanned, forKey: .scanned)
            try c.encode(missing, forKey: .missing)
            try c.encode(unexpected, forKey: .unexpected)
            try c.encode(misplaced, forKey: .misplaced)
            try c.encode(assetVerdict, forKey: .assetVerdict)
            try c.encode(palletsWithExpectedWeight, forKey: .palletsWithExpectedWeight)
            try c.encode(palletsWeighed, forKey: .palletsWeighed)
            try c.encode(palletsWithinTolerance, forKey: .palletsWithinTolerance)
            try c.encode(palletsOutOfTolerance, forKey: .palletsOutOfTolerance)
            try c.encode(expectedKilograms, forKey: .expectedKilograms)
            try c.encode(measuredKilograms, forKey: .measuredKilograms)
            try c.encode(differenceKilograms, forKey: .differenceKilograms)
            try c.encode(weightVerdict, forKey: .weightVerdict)
        }
    }

    /// Expected against found for one pallet.
    public struct PalletLine: Sendable, Hashable, Codable {
        /// The pallet label.
        public var pallet: String
        /// How many assets the manifest lists on it.
        public var expected: Int
        /// The count the shipper declared, when the manifest gives one.
        public var declared: Int?
        /// How many of its assets were scanned (onto any pallet of the load).
        public var scanned: Int
        /// Its assets that were not scanned.
        public var missing: [String]
        /// Its assets that were scanned onto another pallet.
        public var misplaced: [String]
        /// Assets of other pallets that were scanned onto it.
        public var foreign: [String]
        /// Unexpected serials scanned while it was the current pallet.
        public var unexpected: [String]
        /// The expected gross weight.
        public var expectedWeight: ReportedWeight?
        /// The tolerance as the manifest gives it (`5 kg`, `2%`); nil means none (an exact match is expected).
        public var tolerance: String?
        /// The allowed difference, exactly, in kg.
        public var allowanceKilograms: String?
        /// The measured gross weight.
        public var measuredWeight: ReportedWeight?
        /// Measured minus expected, exactly, in kg.
        public var differenceKilograms: String?
        /// The weight verdict.
        public var verdict: WeightVerdict

        /// Creates a pallet line.
        public init(pallet: String, expected: Int, declared: Int?, scanned: Int, missing: [String], misplaced: [String],
                    foreign: [String], unexpected: [String], expectedWeight: ReportedWeight?, tolerance: String?,
                    allowanceKilograms: String?, measuredWeight: ReportedWeight?, differenceKilograms: String?, verdict: WeightVerdict) {
            self.pallet = pallet
            self.expected = expected
            self.declared = declared
            self.scanned = scanned
            self.missing = missing
            self.misplaced = misplaced
            self.foreign = foreign
            self.unexpected = unexpected
            self.expectedWeight = expectedWeight
            self.tolerance = tolerance
            self.allowanceKilograms = allowanceKilograms
            self.measuredWeight = measuredWeight
            self.differenceKilograms = differenceKilograms
            self.verdict = verdict
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(pallet, forKey: .pallet)
            try c.encode(expected, forKey: .expected)
            try c.encode(declared, forKey: .declared)
            try c.encode(scanned, forKey: .scanned)
            try c.encode(missing, forKey: .missing)
            try c.encode(misplaced, forKey: .misplaced)
            try c.encode(foreign, forKey: .foreign)
            try c.encode(unexpected, forKey: .unexpected)
            try c.encode(expectedWeight, forKey: .expectedWeight)
            try c.encode(tolerance, forKey: .tolerance)
            try c.encode(allowanceKilograms, forKey: .allowanceKilograms)
            try c.encode(measuredWeight, forKey: .measuredWeight)
            try c.encode(differenceKilograms, forKey: .differenceKilograms)
            try c.encode(verdict, forKey: .verdict)
        }
    }

    /// One expected asset and what happened to it.
    public struct InventoryItem: Sendable, Hashable, Codable {
        public var serial: String
        public var assetTag: String?
        public var make: String?
        public var model: String?
        public var category: String?
        /// True when the asset holds data.
        public var dataBearing: Bool
        /// `erased`, `destroyed`, `pending` or `none`.
        public var sanitization: String
        /// The sanitization evidence reference (an erasure report id).
        public var evidence: String?
        /// The pallet the manifest puts it on.
        public var expectedPallet: String
        /// `scanned` or `missing`.
        public var status: String
        /// The pallet it was scanned onto (nil when missing, or scanned with no current pallet).
        public var scannedPallet: String?
        /// True when it was scanned onto a pallet other than `expectedPallet`.
        public var misplaced: Bool
        /// When it was scanned.
        public var scannedAt: String?
        /// The station that scanned it.
        public var station: String?
        /// The scanner's identity.
        public var device: String?
        /// The log sequence number of the scan.
        public var seq: Int64?

        /// Creates an inventory line.
        public init(serial: String, assetTag: String?, make: String?, model: String?, category: String?, dataBearing: Bool,
                    sanitization: String, evidence: String?, expectedPallet: String, status: String, scannedPallet: String?,
                    misplaced: Bool, scannedAt: String?, station: String?, device: String?, seq: Int64?) {
            self.serial = serial
            self.assetTag = assetTag
            self.make = make
            self.model = model
            self.category = category
            self.dataBearing = dataBearing
            self.sanitization = sanitization
            self.evidence = evidence
            self.expectedPallet = expectedPallet
            self.status = status
            self.scannedPallet = scannedPallet
            self.misplaced = misplaced
            self.scannedAt = scannedAt
            self.station = station
            self.device = device
            self.seq = seq
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(serial, forKey: .serial)
            try c.encode(assetTag, forKey: .assetTag)
            try c.encode(make, forKey: .make)
            try c.encode(model, forKey: .model)
            try c.encode(category, forKey: .category)
            try c.encode(dataBearing, forKey: .dataBearing)
            try c.encode(sanitization, forKey: .sanitization)
            try c.encode(evidence, forKey: .evidence)
            try c.encode(expectedPallet, forKey: .expectedPallet)
            try c.encode(status, forKey: .status)
            try c.encode(scannedPallet, forKey: .scannedPallet)
            try c.encode(misplaced, forKey: .misplaced)
            try c.encode(scannedAt, forKey: .scannedAt)
            try c.encode(station, forKey: .station)
            try c.encode(device, forKey: .device)
            try c.encode(seq, forKey: .seq)
        }
    }

    /// A scan of something the manifest does not list.
    public struct UnexpectedScan: Sendable, Hashable, Codable {
        /// The log sequence number of the scan.
        public var seq: Int64
        /// When it was scanned (nil if the caller gave no event times).
        public var at: String?
        /// What was scanned (the normalized serial).
        public var subject: String
        /// The pallet that was current.
        public var pallet: String?
        public var station: String
        /// The scanner's identity.
        public var device: String?
        /// The expected serial it may have been meant as.
        public var candidate: String?
        /// The id of the `unexpected-asset` alert it raised.
        public var alert: Int64?

        /// Creates an unexpected-scan line.
        public init(seq: Int64, at: String?, subject: String, pallet: String?, station: String, device: String?,
                    candidate: String?, alert: Int64?) {
            self.seq = seq
            self.at = at
            self.subject = subject
            self.pallet = pallet
            self.station = station
            self.device = device
            self.candidate = candidate
            self.alert = alert
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(seq, forKey: .seq)
            try c.encode(at, forKey: .at)
            try c.encode(subject, forKey: .subject)
            try c.encode(pallet, forKey: .pallet)
            try c.encode(station, forKey: .station)
            try c.encode(device, forKey: .device)
            try c.encode(candidate, forKey: .candidate)
            try c.encode(alert, forKey: .alert)
        }
    }

    /// The weight captured for one pallet, with the scale's raw frame as evidence.
    public struct PalletWeighing: Sendable, Hashable, Codable {
        public var pallet: String
        /// The log sequence number of the weight event.
        public var seq: Int64
        /// When it was captured.
        public var at: String
        public var station: String
        /// The scale's identity (`mettler-toledo-ind570:SIM0000001`).
        public var device: String?
        /// The scale protocol that decoded the frame (`mt-sics`).
        public var `protocol`: String
        /// What the indicator's weight field held: `gross`, `net` or `tare`.
        public var kind: String
        /// The indicator's stability flag.
        public var stable: Bool
        /// The indicator's status (`ok`).
        public var status: String
        /// The gross weight (net + tare for a net reading).
        public var gross: ReportedWeight
        /// The tare, when the frame carried one.
        public var tare: ReportedWeight?
        /// The net weight: the reading itself when it was net, gross − tare when a tare is known, else nil.
        public var net: ReportedWeight?
        /// The frame exactly as received, terminator included, as lowercase hex.
        public var rawHex: String
        /// True, false, or nil when the manifest gives no expected weight.
        public var withinTolerance: Bool?

        /// Creates a weighing line.
        public init(pallet: String, seq: Int64, at: String, station: String, device: String?, protocol: String, kind: String,
                    stable: Bool, status: String, gross: ReportedWeight, tare: ReportedWeight?, net: ReportedWeight?,
                    rawHex: String, withinTolerance: Bool?) {
            self.pallet = pallet
            self.seq = seq
            self.at = at
            self.station = station
            self.device = device
            self.protocol = `protocol`
            self.kind = kind
            self.stable = stable
            self.status = status
            self.gross = gross
            self.tare = tare
            self.net = net
            self.rawHex = rawHex
            self.withinTolerance = withinTolerance
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(pallet, forKey: .pallet)
            try c.encode(seq, forKey: .seq)
            try c.encode(at, forKey: .at)
            try c.encode(station, forKey: .station)
            try c.encode(device, forKey: .device)
            try c.encode(`protocol`, forKey: .protocol)
            try c.encode(kind, forKey: .kind)
            try c.encode(stable, forKey: .stable)
            try c.encode(status, forKey: .status)
            try c.encode(gross, forKey: .gross)
            try c.encode(tare, forKey: .tare)
            try c.encode(net, forKey: .net)
            try c.encode(rawHex, forKey: .rawHex)
            try c.encode(withinTolerance, forKey: .withinTolerance)
        }
    }

    /// Who acted on an alert, when, and why.
    public struct Action: Sendable, Hashable, Codable {
        /// The log sequence number of the acknowledge or resolve event.
        public var seq: Int64
        public var at: String
        public var user: String
        /// For a resolution: the reason code (`removed-from-load`).
        public var reason: String?
        public var note: String?

        /// The report form of an alert action.
        public init(_ action: AlertAction) {
            seq = action.seq
            at = UTCTimestamp.format(action.at)
            user = action.user
            reason = action.reason?.rawValue
            note = action.note
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(seq, forKey: .seq)
            try c.encode(at, forKey: .at)
            try c.encode(user, forKey: .user)
            try c.encode(reason, forKey: .reason)
            try c.encode(note, forKey: .note)
        }
    }

    /// One alert of the load and how it was handled.
    public struct Exception: Sendable, Hashable, Codable {
        /// The alert number.
        public var id: Int64
        /// The log sequence number of the event that raised it.
        public var seq: Int64
        /// When it was raised (nil if the caller gave no event times).
        public var raisedAt: String?
        /// The alert code (`unexpected-asset`).
        public var code: String
        /// `critical`, `warning` or `info`.
        public var severity: String
        public var pallet: String?
        /// What it is about: a serial, a pallet label, a device.
        public var subject: String
        public var station: String?
        public var device: String?
        /// The expected serial an unexpected scan may have been meant as.
        public var candidate: String?
        public var message: String
        /// `open`, `acknowledged` or `resolved`.
        public var state: String
        public var acknowledgement: Action?
        public var resolution: Action?
        /// True when the alert was still unresolved and critical when an override sealed the load.
        public var overriddenAtSeal: Bool

        /// The report form of `alert`.
        public init(_ alert: Alert, raisedAt: Date?, overriddenAtSeal: Bool) {
            id = alert.id
            seq = alert.seq
            self.raisedAt = raisedAt.map(UTCTimestamp.format)
            code = alert.code.rawValue
            severity = alert.severity.rawValue
            pallet = alert.pallet
            subject = alert.subject
            station = alert.station
            device = alert.device
            candidate = alert.candidate
            message = alert.message
            state = alert.state.rawValue
            acknowledgement = alert.acknowledgement.map(Action.init)
            resolution = alert.resolution.map(Action.init)
            self.overriddenAtSeal = overriddenAtSeal
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(seq, forKey: .seq)
            try c.encode(raisedAt, forKey: .raisedAt)
            try c.encode(code, forKey: .code)
            try c.encode(severity, forKey: .severity)
            try c.encode(pallet, forKey: .pallet)
            try c.encode(subject, forKey: .subject)
            try c.encode(station, forKey: .station)
            try c.encode(device, forKey: .device)
            try c.encode(candidate, forKey: .candidate)
            try c.encode(message, forKey: .message)
            try c.encode(state, forKey: .state)
            try c.encode(acknowledgement, forKey: .acknowledgement)
            try c.encode(resolution, forKey: .resolution)
            try c.encode(overriddenAtSeal, forKey: .overriddenAtSeal)
        }
    }

    /// One link of the custody chain.
    public struct Transfer: Sendable, Hashable, Codable {
        /// The log sequence number of the transfer event.
        public var seq: Int64
        public var at: String
        /// Who handed the load over.
        public var from: String
        /// Who took it.
        public var to: String
        public var place: String?
        /// The signature as captured.
        public var signature: String
        /// Who recorded the transfer.
        public var user: String?

        /// The report form of a custody link.
        public init(_ link: CustodyLink) {
            seq = link.seq
            at = UTCTimestamp.format(link.at)
            from = link.transfer.from
            to = link.transfer.to
            place = link.transfer.place
            signature = link.transfer.signature
            user = link.transfer.user
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(seq, forKey: .seq)
            try c.encode(at, forKey: .at)
            try c.encode(from, forKey: .from)
            try c.encode(to, forKey: .to)
            try c.encode(place, forKey: .place)
            try c.encode(signature, forKey: .signature)
            try c.encode(user, forKey: .user)
        }
    }

    // MARK: - Building

    /// The sequence numbers whose event times the report shows and the engine does not keep: the events that
    /// raised the load's alerts and its unexpected scans. Pass their times as `eventTimes`.
    public static func eventsNeedingTimes(load: String, engine: CustodyEngine) -> Set<Int64> {
        var seqs = Set(engine.alerts.lazy.filter { $0.load == load }.map(\.seq))
        for scan in engine.unexpected[load] ?? [] { seqs.insert(scan.seq) }
        return seqs
    }

    /// Builds the report of `load`, or nil when the manifest has no such load.
    ///
    /// - Parameters:
    ///   - engine: the state to report: the fold of the log up to the events the report covers.
    ///   - chain: the log's hash-chain verification at report time (its anchor is written into the report).
    ///   - generatedAt: the report's own time.
    ///   - eventTimes: the times of the events in ``eventsNeedingTimes(load:engine:)``; missing ones are shown
    ///     as unknown (nil).
    public init?(load loadID: String, engine: CustodyEngine, chain: ChainReport, generatedAt: Date,
                 eventTimes: [Int64: Date] = [:]) {
        guard let expectedLoad = engine.manifest.load(loadID),
              let reconciliation = Reconciliation(load: loadID, engine: engine) else { return nil }
        let manifest = engine.manifest
        let sealRecord = engine.seals[loadID]
        let loadAlerts = engine.alerts.filter { $0.load == loadID }

        format = Self.formatName
        self.generatedAt = UTCTimestamp.format(generatedAt)
        load = Load(id: loadID, site: expectedLoad.site, carrier: expectedLoad.carrier, dockDoor: expectedLoad.dockDoor,
                    status: sealRecord == nil ? "open" : "sealed")
        seal = sealRecord.map {
            Seal(number: $0.seal, seq: $0.seq, at: UTCTimestamp.format($0.at), user: $0.user, carrier: $0.carrier, driver: $0.driver,
                 overrideReason: $0.override, overriddenAlerts: $0.overriddenAlerts)
        }
        log = LogAnchor(lastSeq: chain.lastSeq, lastHash: chain.lastHash, intact: chain.isValid, eventsVerified: chain.checked,
                        failure: chain.failure.map { "seq \($0.seq): \($0.reason)" }, stateSeq: engine.lastSeq)

        // Reconciliation, per pallet then per load.
        var lines: [PalletLine] = []
        var expectedSum: ExactDecimal? = nil, measuredSum: ExactDecimal? = nil
        var sumsExact = true
        for palletLine in reconciliation.pallets {
            let expectedPallet = manifest.pallets[palletLine.pallet]
            let expected = palletLine.expectedWeight, measured = palletLine.measuredWeight
            var allowance: String?
            if let expected {
                let tolerance = palletLine.tolerance ?? .absolute(ExactDecimal(significand: 0, scale: 0), expected.unit)
                allowance = tolerance.allowanceInKilograms(around: expected).map(Self.plain)
            }
            var difference: String?
            if let expected, let measured, let e = expected.kilograms, let m = measured.kilograms {
                difference = m.subtracting(e).map(Self.plain)
            }
            let verdict: WeightVerdict
            switch (measured, palletLine.withinTolerance) {
            case (nil, _): verdict = .notWeighed
            case (_, nil): verdict = .noExpectedWeight
            case (_, true?): verdict = .withinTolerance
            case (_, false?): verdict = .outOfTolerance
            }
            if let expected {
                if let kg = expected.kilograms, let sum = (expectedSum ?? ExactDecimal(significand: 0, scale: 0)).adding(kg) {
                    expectedSum = sum
                } else {
                    sumsExact = false
                }
            }
            if let measured {
                if let kg = measured.kilograms, let sum = (measuredSum ?? ExactDecimal(significand: 0, scale: 0)).adding(kg) {
                    measuredSum = sum
                } else {
                    sumsExact = false
                }
            }
            lines.append(PalletLine(
                pallet: palletLine.pallet, expected: palletLine.expected, declared: expectedPallet?.declaredCount,
                scanned: palletLine.scanned, missing: palletLine.missing, misplaced: palletLine.misplaced,
                foreign: palletLine.foreign, unexpected: palletLine.unexpected,
                expectedWeight: expected.map(ReportedWeight.init), tolerance: palletLine.tolerance?.text,
                allowanceKilograms: allowance, measuredWeight: measured.map(ReportedWeight.init),
                differenceKilograms: difference, verdict: verdict))
        }
        let withExpected = lines.filter { $0.expectedWeight != nil }
        let weighed = lines.filter { $0.measuredWeight != nil }
        let within = lines.filter { $0.verdict == .withinTolerance }.count
        let outside = lines.filter { $0.verdict == .outOfTolerance }.count
        let loadVerdict: WeightVerdict
        if outside > 0 {
            loadVerdict = .outOfTolerance
        } else if withExpected.isEmpty {
            loadVerdict = weighed.isEmpty ? .notWeighed : .noExpectedWeight
        } else if withExpected.contains(where: { $0.measuredWeight == nil }) {
            loadVerdict = weighed.isEmpty ? .notWeighed : .incomplete
        } else {
            loadVerdict = .withinTolerance
        }
        var loadDifference: String?
        if sumsExact, !lines.isEmpty, lines.allSatisfy({ $0.expectedWeight != nil && $0.measuredWeight != nil }),
           let e = expectedSum, let m = measuredSum {
            loadDifference = m.subtracting(e).map(Self.plain)
        }
        let misplaced = lines.reduce(0) { $0 + $1.misplaced.count }
        let totals = LoadTotals(
            pallets: lines.count, expected: reconciliation.expected, scanned: reconciliation.scanned,
            missing: reconciliation.missing, unexpected: reconciliation.unexpected.count, misplaced: misplaced,
            assetVerdict: reconciliation.missing == 0 && reconciliation.unexpected.isEmpty && misplaced == 0 ? "all-present" : "discrepancies",
            palletsWithExpectedWeight: withExpected.count, palletsWeighed: weighed.count,
            palletsWithinTolerance: within, palletsOutOfTolerance: outside,
            expectedKilograms: sumsExact ? expectedSum.map(Self.plain) : nil,
            measuredKilograms: sumsExact ? measuredSum.map(Self.plain) : nil,
            differenceKilograms: loadDifference, weightVerdict: loadVerdict)
        self.reconciliation = ReconciliationSection(load: totals, pallets: lines)

        // Serialized inventory, in manifest order.
        var items: [InventoryItem] = []
        for palletID in expectedLoad.pallets {
            for serial in manifest.pallets[palletID]?.assets ?? [] {
                guard let asset = manifest.assets[serial] else { continue }
                let scan = engine.scans[serial]
                items.append(InventoryItem(
                    serial: serial, assetTag: asset.assetTag, make: asset.make, model: asset.model, category: asset.category,
                    dataBearing: asset.dataBearing, sanitization: asset.sanitization.rawValue, evidence: asset.evidence,
                    expectedPallet: asset.pallet, status: scan == nil ? "missing" : "scanned", scannedPallet: scan?.pallet,
                    misplaced: scan?.pallet.map { $0 != asset.pallet } ?? false,
                    scannedAt: scan.map { UTCTimestamp.format($0.at) }, station: scan?.station, device: scan?.device, seq: scan?.seq))
            }
        }
        inventory = items

        // Unexpected scans, with the device and candidate of the alert each raised.
        var unexpectedAlerts: [Int64: Alert] = [:]
        for alert in loadAlerts where alert.code == .unexpectedAsset { unexpectedAlerts[alert.seq] = alert }
        unexpectedScans = (engine.unexpected[loadID] ?? []).map { scan in
            let alert = unexpectedAlerts[scan.seq]
            return UnexpectedScan(seq: scan.seq, at: eventTimes[scan.seq].map(UTCTimestamp.format), subject: scan.subject,
                                  pallet: scan.pallet, station: scan.station, device: alert?.device,
                                  candidate: alert?.candidate, alert: alert?.id)
        }

        // Pallet weights, in manifest order.
        palletWeights = expectedLoad.pallets.compactMap { palletID in
            guard let captured = engine.palletWeights[palletID] else { return nil }
            let reading = captured.reading
            let net: Weight?
            switch reading.kind {
            case .net: net = reading.weight
            case .gross, .tare: net = reading.tare.flatMap { Self.difference(captured.gross, $0) }
            }
            return PalletWeighing(
                pallet: palletID, seq: captured.seq, at: UTCTimestamp.format(captured.at), station: captured.station,
                device: captured.device, protocol: reading.protocolName, kind: reading.kind.rawValue, stable: reading.stable,
                status: reading.status.rawValue, gross: ReportedWeight(captured.gross), tare: reading.tare.map(ReportedWeight.init),
                net: net.map(ReportedWeight.init), rawHex: Self.hex(reading.raw), withinTolerance: captured.withinTolerance)
        }

        let overridden = Set(sealRecord?.overriddenAlerts ?? [])
        exceptions = loadAlerts.map { Exception($0, raisedAt: eventTimes[$0.seq], overriddenAtSeal: overridden.contains($0.id)) }
        custodyChain = (engine.custody[loadID] ?? []).map(Transfer.init)
    }

    /// `gross − tare`, exactly, on the finer division (nil if the units differ or the result cannot be held).
    static func difference(_ gross: Weight, _ tare: Weight) -> Weight? {
        guard gross.unit == tare.unit, let value = gross.value.subtracting(tare.value) else { return nil }
        let finer = gross.division.value <= tare.division.value ? gross.division : tare.division
        if let weight = Weight(value: value, division: finer, unit: gross.unit) { return weight }
        guard let digit = Division(multiplier: 1, exponent: -value.scale) else { return nil }
        return Weight(value: value, division: digit, unit: gross.unit)
    }

    /// An exact decimal without trailing zeros after the point (`453.59237`, `412.5`, `0`).
    static func plain(_ value: ExactDecimal) -> String {
        var significand = value.significand, scale = value.scale
        while scale > 0, significand % 10 == 0 {
            significand /= 10
            scale -= 1
        }
        return ExactDecimal(significand: significand, scale: scale).description
    }

    /// Bytes as lowercase hex, two digits each, no separators.
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
