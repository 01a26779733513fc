import Foundation
import TallyCore
@testable import TallyStore

/// A small loading scenario for the report tests, driven through the real ``CustodyEngine`` with a
/// synthetic clock (event n happens at 2027-01-15T08:00:00Z + 10 n seconds).
///
/// Manifest, load `L1` (site Reno DC, carrier Northline, door-4):
/// - `PAL-1`, 412.5 kg ± 5 kg: A1 (Dell Latitude 5420 laptop, data-bearing, erased, ER-1), A2, A3 (data-bearing, pending)
/// - `PAL-2`, 1000 lb ± 2 %: B1, B2, `X<script>alert("x")</script>`
/// - `PAL-3`, no expected weight: C1
///
/// Events (alert ids in brackets):
///  1 assign dock-1 → L1;  2 PAL-1;  3 A1;  4 A2;  5 ZZZ-9 [#1 unexpected-asset];  6 A3 [#2 not-sanitized];
///  7 PAL-2;  8 B1;  9 C1 [#3 wrong-pallet];  10 `<img src=x onerror=alert(1)>` [#4 unexpected-asset];
/// 11 weight 1012.4 lb gross (d 0.2), within;  12 PAL-1;  13 weight net 402.0 kg + tare 18.5 kg = 420.5 kg [#5 out of tolerance];
/// 14 ack #1;  15 resolve #1 removed-from-load;  16 resolve #2 sanitization-verified;  17 ack #3;
/// 18 seal SEAL-9 with override over #4 and #5 [#6 missing B2, #7 missing X<script>…, #8 missing-weight PAL-3];
/// 19 custody transfer Reno DC → Northline.
struct ReportScenario {
    static let evilSerial = "X<script>alert(\"x\")</script>"
    static let evilScan = "<img src=x onerror=alert(1)>"
    static let scale = "mettler-toledo-ind570:SIM0000001"
    static let scanner = "zebra-ds2208:DEMO0001"
    static let start = Date(timeIntervalSince1970: 1_800_000_000)

    var engine: CustodyEngine
    var log: [RecordedEvent] = []
    var outcomes: [Outcome] = []

    static let manifest: Manifest = {
        var m = Manifest()
        func add(_ asset: ExpectedAsset) { try! m.add(asset) }
        add(ExpectedAsset(serial: "A1", assetTag: "AT-1", make: "Dell", model: "Latitude 5420", category: "laptop",
                          dataBearing: true, sanitization: .erased, evidence: "ER-1", pallet: "PAL-1", load: "L1"))
        add(ExpectedAsset(serial: "A2", category: "monitor", pallet: "PAL-1", load: "L1"))
        add(ExpectedAsset(serial: "A3", category: "server", dataBearing: true, sanitization: .pending, pallet: "PAL-1", load: "L1"))
        add(ExpectedAsset(serial: "B1", pallet: "PAL-2", load: "L1"))
        add(ExpectedAsset(serial: "B2", pallet: "PAL-2", load: "L1"))
        add(ExpectedAsset(serial: evilSerial, pallet: "PAL-2", load: "L1"))
        add(ExpectedAsset(serial: "C1", pallet: "PAL-3", load: "L1"))
        m.setLoadDetails(load: "L1", site: "Reno DC", carrier: "Northline", dockDoor: "door-4")
        m.setExpectedWeight(pallet: "PAL-1", weight: Weight(displayed: "412.5", unit: .kilogram)!,
                            tolerance: .absolute(ExactDecimal(parsing: "5")!, .kilogram))
        m.setExpectedWeight(pallet: "PAL-2", weight: Weight(displayed: "1000", unit: .pound)!, tolerance: .percent(ExactDecimal(parsing: "2")!))
        return m
    }()

    /// The time of event `seq`.
    static func time(_ seq: Int64) -> Date { start.addingTimeInterval(10 * Double(seq)) }

    init(upTo last: Int = .max) {
        engine = CustodyEngine(manifest: Self.manifest)
        let lbReading = ScaleReading(
            protocolName: "mt-sics", kind: .gross,
            weight: Weight(displayed: "1012.4", unit: .pound, division: Division(parsing: "0.2")!)!,
            stable: true, status: .ok, raw: Array("S S     1012.4 lb\r\n".utf8))
        let netReading = ScaleReading(
            protocolName: "mt-sics", kind: .net,
            weight: Weight(displayed: "402.0", unit: .kilogram, division: Division(parsing: "0.5")!)!,
            tare: Weight(displayed: "18.5", unit: .kilogram, division: Division(parsing: "0.5")!)!,
            stable: true, status: .ok, raw: Array("S S      402.0 kg\r\n".utf8))
        func scan(_ data: String) -> EventPayload { .scan(station: "dock-1", device: Self.scanner, data: data) }
        let payloads: [EventPayload] = [
            .assign(station: "dock-1", load: "L1", user: "ana"),
            scan("PAL-1"), scan("A1"), scan("A2"), scan("ZZZ-9"), scan("A3"),
            scan("PAL-2"), scan("B1"), scan("C1"), scan(Self.evilScan),
            .weight(station: "dock-1", device: Self.scale, reading: lbReading),
            scan("PAL-1"),
            .weight(station: "dock-1", device: Self.scale, reading: netReading),
            .acknowledge(alert: 1, user: "sup", note: "checking,\nwith \"driver\""),
            .resolve(alert: 1, user: "sup", reason: .removedFromLoad, note: "taken off the truck"),
            .resolve(alert: 2, user: "sup", reason: .sanitizationVerified, note: "erasure report ER-77\u{1D}"),
            .acknowledge(alert: 3, user: "lead", note: nil),
            .seal(SealOrder(load: "L1", seal: "SEAL-9", carrier: "Northline", driver: "J. Doe", user: "sup",
                            override: "weights checked by hand")),
            .transfer(CustodyTransfer(load: "L1", from: "Reno DC", to: "Northline, \"J. Doe\"", place: "#door-4",
                                      signature: "J. Doe (signed)", user: "sup")),
        ]
        for (index, payload) in payloads.prefix(last).enumerated() {
            let seq = Int64(index + 1)
            let recorded = RecordedEvent(seq: seq, event: CustodyEvent(at: Self.time(seq), payload))
            log.append(recorded)
            outcomes.append(engine.apply(recorded))
        }
    }

    /// An intact chain anchor ending at the last event.
    var chain: ChainReport {
        ChainReport(checked: log.count, lastSeq: Int64(log.count), lastHash: String(repeating: "ab", count: 32), failure: nil)
    }

    /// The times the report asks for.
    var eventTimes: [Int64: Date] {
        let needed = LoadReport.eventsNeedingTimes(load: "L1", engine: engine)
        var times: [Int64: Date] = [:]
        for recorded in log where needed.contains(recorded.seq) { times[recorded.seq] = recorded.event.at }
        return times
    }

    /// The report of L1, generated at 2027-01-15T09:00:00.000Z.
    func report() -> LoadReport {
        LoadReport(load: "L1", engine: engine, chain: chain, generatedAt: Self.start.addingTimeInterval(3600), eventTimes: eventTimes)!
    }
}
