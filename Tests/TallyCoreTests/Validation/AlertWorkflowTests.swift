import Foundation
import XCTest
@testable import TallyCore

/// Alert numbering, acknowledgement, resolution, the seal rule and custody transfers.
final class AlertWorkflowTests: XCTestCase {
    private var h = Harness()

    private func rejection(_ payload: EventPayload) -> String? {
        do {
            try h.engine.check(payload)
            return nil
        } catch {
            return error.reason
        }
    }

    func testAlertsAreNumberedInOrderAndStartOpen() {
        h.assign("L1")
        let first = h.scan("ZZZ-1").alerts
        let second = h.scan("ZZZ-2").alerts
        XCTAssertEqual(first.map(\.id), [1])
        XCTAssertEqual(second.map(\.id), [2])
        XCTAssertEqual(h.engine.alerts.map(\.state), [.open, .open])
    }

    func testAcknowledgeThenResolveRecordsWhoWhenAndWhy() {
        h.assign("L1")
        h.scan("ZZZ-1")
        let ack = h.apply(.acknowledge(alert: 1, user: "sup", note: "looking"))
        XCTAssertEqual(ack.effect, .acknowledged(alert: 1))
        XCTAssertEqual(ack.changedAlerts.map(\.state), [.acknowledged])
        XCTAssertEqual(h.engine.alerts[0].acknowledgement, AlertAction(seq: h.seq, at: h.now, user: "sup", note: "looking"))
        XCTAssertEqual(rejection(.acknowledge(alert: 1, user: "sup", note: nil)), "alert #1 is already acknowledged")

        let resolved = h.apply(.resolve(alert: 1, user: "sup", reason: .removedFromLoad, note: nil))
        XCTAssertEqual(resolved.effect, .resolved(alert: 1, reason: .removedFromLoad))
        XCTAssertEqual(h.engine.alerts[0].state, .resolved)
        XCTAssertEqual(h.engine.alerts[0].resolution?.reason, .removedFromLoad)
        XCTAssertEqual(h.engine.alerts[0].resolution?.seq, h.seq)
        XCTAssertEqual(rejection(.resolve(alert: 1, user: "sup", reason: .found, note: nil)), "alert #1 is already resolved")
    }

    func testResolveRulesAreChecked() {
        h.assign("L1")
        h.scan("ZZZ-1")
        XCTAssertEqual(rejection(.acknowledge(alert: 9, user: "sup", note: nil)), "there is no alert #9")
        XCTAssertEqual(rejection(.acknowledge(alert: 0, user: "sup", note: nil)), "there is no alert #0")
        XCTAssertEqual(rejection(.resolve(alert: 1, user: " ", reason: .found, note: nil)), "resolving alert #1 needs a user")
        XCTAssertEqual(rejection(.resolve(alert: 1, user: "sup", reason: .other, note: nil)), "resolving alert #1 as 'other' needs a note")
        XCTAssertEqual(rejection(.resolve(alert: 1, user: "sup", reason: .accepted, note: "  ")), "resolving alert #1 as 'accepted' needs a note")
        XCTAssertNil(rejection(.resolve(alert: 1, user: "sup", reason: .accepted, note: "customer agreed")))
        // Resolving straight from open is allowed.
        XCTAssertNil(rejection(.resolve(alert: 1, user: "sup", reason: .falseAlarm, note: nil)))
    }

    func testSealIsRefusedOverUnresolvedCriticalAlertsUnlessOverridden() {
        h.assign("L1")
        h.scan("ZZZ-1")                 // #1 unexpected-asset (critical)
        h.pallet(Dock.PA)
        h.scan("A2", after: 10)
        h.scan("A2", after: 10)         // #2 duplicate-scan (warning: does not block)
        let plain = EventPayload.seal(load: "L1", seal: "S-1", user: "bo")
        XCTAssertEqual(rejection(plain),
                       "load L1 has 1 open critical alert(s) (#1 unexpected-asset ZZZ-1): acknowledge or resolve them, or seal with a supervisor's override reason")
        h.apply(.acknowledge(alert: 9, user: "sup", note: nil)) // no such alert: a no-op
        XCTAssertEqual(rejection(.seal(SealOrder(load: "L1", seal: "S-1", user: nil, override: "ok"))),
                       "an override seal of load L1 must name the supervisor who gives it")

        // A refused seal applied anyway (e.g. by a replay of a bad log) changes nothing.
        XCTAssertEqual(h.apply(plain), Outcome(effect: .recorded, alerts: []))
        XCTAssertNil(h.engine.seals["L1"])

        let order = SealOrder(load: "L1", seal: "S-1", carrier: "Northline", driver: "J. O.", user: "sup", override: "stray laptop left at dock")
        let sealed = h.apply(.seal(order))
        XCTAssertEqual(sealed.effect, .sealed(load: "L1", seal: "S-1"))
        XCTAssertEqual(h.engine.seals["L1"]?.override, "stray laptop left at dock")
        XCTAssertEqual(h.engine.seals["L1"]?.overriddenAlerts, [1])
        XCTAssertEqual(h.engine.seals["L1"]?.carrier, "Northline")
        XCTAssertEqual(h.engine.seals["L1"]?.driver, "J. O.")
    }

    func testAnAcknowledgedCriticalAlertNoLongerBlocksTheSeal() {
        h.assign("L1")
        h.scan("ZZZ-1")
        XCTAssertNotNil(rejection(.seal(load: "L1", seal: "S-1", user: "bo")))
        h.apply(.acknowledge(alert: 1, user: "sup", note: "stray laptop, will be returned"))
        XCTAssertNil(rejection(.seal(load: "L1", seal: "S-1", user: "bo")))
        XCTAssertEqual(h.apply(.seal(load: "L1", seal: "S-1", user: "bo")).effect, .sealed(load: "L1", seal: "S-1"))
        XCTAssertEqual(h.engine.seals["L1"]?.overriddenAlerts, [], "no override was needed")
    }

    func testResolvedCriticalAlertsDoNotBlockTheSeal() {
        h.assign("L1")
        h.scan("ZZZ-1")
        h.apply(.resolve(alert: 1, user: "sup", reason: .removedFromLoad, note: nil))
        XCTAssertNil(rejection(.seal(load: "L1", seal: "S-1", user: "bo")))
        // Critical alerts of another load do not block either.
        h.assign("L2", station: "dock-2")
        h.scan("ZZZ-2", station: "dock-2")
        XCTAssertNil(rejection(.seal(load: "L1", seal: "S-1", user: "bo")))
        XCTAssertNotNil(rejection(.seal(load: "L2", seal: "S-2", user: "bo")))
    }

    func testCustodyTransfersFormTheLoadsChain() {
        let first = CustodyTransfer(load: "L1", from: "Warehouse A", to: "Northline Freight", place: "dock-1", signature: "J. Okafor", user: "sup")
        let second = CustodyTransfer(load: "L1", from: "Northline Freight", to: "Processor B", signature: "K. Lee")
        XCTAssertEqual(h.apply(.transfer(first)).effect, .transferred(load: "L1", from: "Warehouse A", to: "Northline Freight"))
        h.apply(.transfer(second))
        XCTAssertEqual(h.engine.custody["L1"]?.map(\.transfer), [first, second])
        XCTAssertEqual(h.engine.custody["L1"]?.map(\.seq), [1, 2])
        XCTAssertEqual(rejection(.transfer(CustodyTransfer(load: "NOPE", from: "a", to: "b", signature: "s"))),
                       "cannot transfer load NOPE: no such load in the manifest")
        XCTAssertEqual(rejection(.transfer(CustodyTransfer(load: "L1", from: "a", to: "b", signature: " "))),
                       "a custody transfer of load L1 needs 'signature'")
        XCTAssertEqual(rejection(.transfer(CustodyTransfer(load: "L1", from: "a", to: "a", signature: "s"))),
                       "a custody transfer needs two different parties (both are 'a')")
    }
}

/// The candidate an unexpected scan names.
final class CandidateFinderTests: XCTestCase {
    private let manifest: Manifest = {
        var m = Manifest()
        for (serial, pallet, load) in [("PF3K9XZ1", "P1", "L1"), ("5CD1382VKT", "P1", "L1"), ("JX4K2M1", "P2", "L1"),
                                       ("JX4K2M7", "P2", "L1"), ("OTHERLOAD1", "P9", "L2")] {
            try! m.add(ExpectedAsset(serial: serial, pallet: pallet, load: load))
        }
        return m
    }()

    private func candidate(_ scanned: String, load: String = "L1", scanned already: Set<String> = []) -> CandidateFinder.Candidate? {
        CandidateFinder.candidate(for: scanned, in: manifest, load: load, isScanned: { already.contains($0) })
    }

    func testLookAlikeSubstitutionsComeFirst() {
        XCTAssertEqual(candidate("PF3K9XZI")?.serial, "PF3K9XZ1")
        XCTAssertEqual(candidate("PF3K9XZI")?.why, "look-alike I/1 at character 8")
        XCTAssertEqual(candidate("5CD1382VKT".replacingOccurrences(of: "5", with: "S"))?.serial, "5CD1382VKT")
        XCTAssertEqual(candidate("PF3K9X21")?.serial, "PF3K9XZ1")
    }

    func testOneEditAway() {
        XCTAssertEqual(candidate("PF3K9XZ")?.serial, "PF3K9XZ1")        // deletion
        XCTAssertEqual(candidate("PF3K9XZ11")?.serial, "PF3K9XZ1")      // insertion
        XCTAssertEqual(candidate("PF3K9ZX1")?.serial, "PF3K9XZ1")       // swapped neighbours
        XCTAssertEqual(candidate("PF3K9XQ1")?.why, "one edit away")
        // Two serials one edit away: the first in manifest order wins, every time.
        XCTAssertEqual(candidate("JX4K2M4")?.serial, "JX4K2M1")
    }

    func testOnlyUnscannedSerialsOfTheSameLoad() {
        XCTAssertNil(candidate("PF3K9XZI", scanned: ["PF3K9XZ1"]))
        XCTAssertEqual(candidate("JX4K2M4", scanned: ["JX4K2M1"])?.serial, "JX4K2M7")
        XCTAssertNil(candidate("OTHERL0AD1"), "a serial of another load is not a candidate")
        XCTAssertEqual(candidate("OTHERL0AD1", load: "L2")?.serial, "OTHERLOAD1")
        XCTAssertNil(candidate("COMPLETELY-DIFFERENT"))
        XCTAssertNil(candidate(""))
    }

    func testTheEngineNamesTheCandidateInTheAlert() {
        var engine = CustodyEngine(manifest: manifest)
        _ = engine.apply(RecordedEvent(seq: 1, event: CustodyEvent(at: Date(), .assign(station: "d", load: "L1", user: nil))))
        let outcome = engine.apply(RecordedEvent(seq: 2, event: CustodyEvent(at: Date(), .scan(station: "d", device: nil, data: "PF3K9XZI"))))
        XCTAssertEqual(outcome.alerts.first?.code, .unexpectedAsset)
        XCTAssertEqual(outcome.alerts.first?.candidate, "PF3K9XZ1")
        XCTAssertEqual(outcome.alerts.first?.message,
                       "PF3K9XZI is not in the manifest; did you mean PF3K9XZ1 (look-alike I/1 at character 8, pallet P1, not yet scanned)?")
    }
}
