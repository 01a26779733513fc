import Foundation
import XCTest
@testable import TallyCore

/// The manifest every engine test runs against.
///
/// Load L1:
/// - pallet `PA` (SSCC 106141412345678908), 412.5 kg ± 5 kg: A1 (data-bearing, erased, ER-1), A2 (not data-bearing),
///   A3 (data-bearing, destroyed)
/// - pallet `PAL-B`, 1000 lb ± 2 %: B1 (data-bearing, pending, TICKET-9), B2 (data-bearing, none, no evidence)
/// - pallet `PAL-N`, no expected weight: N1
/// Load L2:
/// - pallet `PC` (SSCC 106141411234567897), 300 kg, no tolerance (exact): C1
/// - pallet `PAL-X`, 45.359237 kg, no tolerance (exactly 100 lb): X1
/// - pallet `PAL-Y`, 100 lb ± 1 kg: Y1
enum Dock {
    static let PA = "106141412345678908"
    static let PC = "106141411234567897"
    static let PB = "PAL-B"
    static let PN = "PAL-N"
    static let PX = "PAL-X"
    static let PY = "PAL-Y"
    /// A valid SSCC that is not in the manifest.
    static let strangerSSCC = "106141419999999991"
    static let gtin = "10614141000415"

    static let manifest: Manifest = {
        var m = Manifest()
        func add(_ serial: String, _ pallet: String, _ load: String, data: Bool = false, _ status: Sanitization = .none, evidence: String? = nil) {
            try! m.add(ExpectedAsset(serial: serial, dataBearing: data, sanitization: status, evidence: evidence, pallet: pallet, load: load))
        }
        add("A1", PA, "L1", data: true, .erased, evidence: "ER-1")
        add("A2", PA, "L1")
        add("A3", PA, "L1", data: true, .destroyed)
        add("B1", PB, "L1", data: true, .pending, evidence: "TICKET-9")
        add("B2", PB, "L1", data: true, .none)
        add("N1", PN, "L1")
        add("C1", PC, "L2")
        add("X1", PX, "L2")
        add("Y1", PY, "L2")
        m.setExpectedWeight(pallet: PA, weight: Fixture.weight("412.5"), tolerance: .absolute(Fixture.decimal("5"), .kilogram))
        m.setExpectedWeight(pallet: PB, weight: Fixture.weight("1000", .pound), tolerance: .percent(Fixture.decimal("2")))
        m.setExpectedWeight(pallet: PC, weight: Fixture.weight("300"), tolerance: nil)
        m.setExpectedWeight(pallet: PX, weight: Fixture.weight("45.359237"), tolerance: nil)
        m.setExpectedWeight(pallet: PY, weight: Fixture.weight("100", .pound), tolerance: .absolute(Fixture.decimal("1"), .kilogram))
        return m
    }()
}

/// Drives a ``CustodyEngine`` with consecutive sequence numbers and a synthetic clock (no wall-clock time).
struct Harness {
    var engine = CustodyEngine(manifest: Dock.manifest)
    var seq: Int64 = 0
    /// The time of the last applied event.
    var now = Date(timeIntervalSince1970: 1_800_000_000)
    /// Every event applied, as the custody log would hold it, and what each did.
    var log: [RecordedEvent] = []
    var outcomes: [Outcome] = []

    /// Applies `payload` `after` seconds after the previous event (10 s by default: outside the double-read window).
    @discardableResult
    mutating func apply(_ payload: EventPayload, after: TimeInterval = 10) -> Outcome {
        seq += 1
        now = now.addingTimeInterval(after)
        let event = RecordedEvent(seq: seq, event: CustodyEvent(at: now, payload))
        log.append(event)
        let outcome = engine.apply(event)
        outcomes.append(outcome)
        return outcome
    }

    @discardableResult
    mutating func assign(_ load: String, station: String = "dock-1") -> Outcome {
        apply(.assign(station: station, load: load, user: "ana"))
    }

    @discardableResult
    mutating func scan(_ data: String, station: String = "dock-1", device: String? = "scanner-1", after: TimeInterval = 10) -> Outcome {
        apply(.scan(station: station, device: device, data: data), after: after)
    }

    /// Scans a pallet label: SSCCs as `]C1` + AI 00, other labels as plain text.
    @discardableResult
    mutating func pallet(_ id: String, station: String = "dock-1") -> Outcome {
        scan(id.count == 18 && SSCC(id) != nil ? "]C100" + id : id, station: station)
    }

    @discardableResult
    mutating func weigh(
        _ text: String?, _ unit: WeightUnit = .kilogram, station: String = "dock-1", device: String? = "scale-1",
        kind: ScaleReading.Kind = .gross, tare: String? = nil, stable: Bool = true, status: ScaleReading.Status = .ok
    ) -> Outcome {
        let reading = ScaleReading(
            protocolName: "test", kind: kind, weight: text.map { Fixture.weight($0, unit) }, tare: tare.map { Fixture.weight($0, unit) },
            stable: stable, status: status, raw: Array("frame".utf8))
        return apply(.weight(station: station, device: device, reading: reading))
    }

    @discardableResult
    mutating func seal(_ load: String, _ seal: String = "SEAL-1") -> Outcome {
        // Seal over open critical alerts with an override, as a supervisor would; the refusal itself
        // is tested in AlertWorkflowTests.
        let override = engine.openCritical(load: load).isEmpty ? nil : "harness override"
        return apply(.seal(SealOrder(load: load, seal: seal, user: "bo", override: override)))
    }
}

/// The parts of an alert the tests pin down (everything except the message, which tests check separately).
struct AlertKey: Hashable, CustomStringConvertible {
    var code: AlertCode
    var load: String?
    var pallet: String?
    var subject: String
    var station: String?

    init(_ code: AlertCode, load: String?, pallet: String?, subject: String, station: String? = "dock-1") {
        self.code = code
        self.load = load
        self.pallet = pallet
        self.subject = subject
        self.station = station
    }

    init(_ alert: Alert) {
        self.init(alert.code, load: alert.load, pallet: alert.pallet, subject: alert.subject, station: alert.station)
    }

    var description: String { "\(code.rawValue) load=\(load ?? "-") pallet=\(pallet ?? "-") subject=\(subject) station=\(station ?? "-")" }
}

extension Outcome {
    var alertKeys: [AlertKey] { alerts.map(AlertKey.init) }
}
