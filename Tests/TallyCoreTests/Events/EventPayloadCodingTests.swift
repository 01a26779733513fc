import Foundation
import XCTest
@testable import TallyCore

final class EventPayloadCodingTests: XCTestCase {
    private let reading = ScaleReading(
        protocolName: "mt-sics", kind: .net,
        weight: Weight(divisions: 4125, division: Division(multiplier: 1, exponent: -1)!, unit: .kilogram),
        tare: Weight(divisions: 250, division: Division(multiplier: 1, exponent: -1)!, unit: .kilogram),
        stable: true, status: .ok, raw: Array("S S     412.5 kg\r\n".utf8))

    private var allCases: [EventPayload] {
        [
            .assign(station: "dock-1", load: "L1", user: "ana"),
            .assign(station: "dock-1", load: "L1", user: nil),
            .scan(station: "dock-1", device: "scanner-1", data: "]C100106141412345678908"),
            .scan(station: "dock-1", device: nil, data: "SN \"quoted\" \u{1D} ü"),
            .weight(station: "scale-1", device: "scale-1", reading: reading),
            .weight(station: "scale-1", device: nil, reading: ScaleReading(
                protocolName: "and", kind: .gross, weight: nil, stable: false, status: .overload, raw: [0x4F, 0x4C, 0x0D, 0x0A])),
            .seal(load: "L1", seal: "SEAL-778", user: "bo"),
            .seal(load: "L1", seal: "SEAL-778", user: nil),
            .deviceDisconnected(station: "dock-1", device: "scanner-1", reason: "unplugged"),
            .deviceDisconnected(station: nil, device: "scale-9", reason: "no answer"),
        ]
    }

    private func object(_ payload: EventPayload) throws -> [String: Any] {
        let data = try JSONEncoder().encode(payload)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    private func decode(_ json: String) throws -> EventPayload {
        try JSONDecoder().decode(EventPayload.self, from: Data(json.utf8))
    }

    func testEveryCaseRoundTrips() throws {
        for payload in allCases {
            let data = try JSONEncoder().encode(payload)
            XCTAssertEqual(try JSONDecoder().decode(EventPayload.self, from: data), payload, String(decoding: data, as: UTF8.self))
        }
    }

    func testTypeNames() {
        XCTAssertEqual(allCases.map(\.type), ["assign", "assign", "scan", "scan", "weight", "weight", "seal", "seal",
                                              "device-disconnected", "device-disconnected"])
    }

    func testAssignIsAFlatObject() throws {
        let json = try object(.assign(station: "dock-1", load: "L1", user: "ana"))
        XCTAssertEqual(json as NSDictionary, ["type": "assign", "station": "dock-1", "load": "L1", "user": "ana"] as NSDictionary)
        XCTAssertEqual(try object(.assign(station: "dock-1", load: "L1", user: nil)) as NSDictionary,
                       ["type": "assign", "station": "dock-1", "load": "L1"] as NSDictionary, "no user key when nil")
    }

    func testScanIsAFlatObject() throws {
        XCTAssertEqual(try object(.scan(station: "dock-1", device: "scanner-1", data: "ABC")) as NSDictionary,
                       ["type": "scan", "station": "dock-1", "device": "scanner-1", "data": "ABC"] as NSDictionary)
        XCTAssertEqual(try object(.scan(station: "dock-1", device: nil, data: "ABC")) as NSDictionary,
                       ["type": "scan", "station": "dock-1", "data": "ABC"] as NSDictionary)
    }

    func testSealAndDisconnectAreFlatObjects() throws {
        XCTAssertEqual(try object(.seal(load: "L1", seal: "S-1", user: "bo")) as NSDictionary,
                       ["type": "seal", "load": "L1", "seal": "S-1", "user": "bo"] as NSDictionary)
        XCTAssertEqual(try object(.deviceDisconnected(station: nil, device: "scale-9", reason: "gone")) as NSDictionary,
                       ["type": "device-disconnected", "device": "scale-9", "reason": "gone"] as NSDictionary)
        XCTAssertEqual(try object(.deviceDisconnected(station: "dock-2", device: "scale-9", reason: "gone")) as NSDictionary,
                       ["type": "device-disconnected", "station": "dock-2", "device": "scale-9", "reason": "gone"] as NSDictionary)
    }

    func testWeightNestsTheReadingWithExactWeights() throws {
        let json = try object(.weight(station: "scale-1", device: "scale-1", reading: reading))
        XCTAssertEqual(Set(json.keys), ["type", "station", "device", "reading"])
        XCTAssertEqual(json["type"] as? String, "weight")
        let nested = try XCTUnwrap(json["reading"] as? [String: Any])
        XCTAssertEqual(nested["protocolName"] as? String, "mt-sics")
        XCTAssertEqual(nested["kind"] as? String, "net")
        XCTAssertEqual(nested["status"] as? String, "ok")
        XCTAssertEqual(nested["stable"] as? Bool, true)
        XCTAssertEqual((nested["raw"] as? [Int])?.count, 18)
        let weight = try XCTUnwrap(nested["weight"] as? [String: Any])
        XCTAssertEqual(weight["divisions"] as? Int, 4125)
        XCTAssertEqual(weight["unit"] as? String, "kg")
    }

    func testDecodesTheReplayFormat() throws {
        XCTAssertEqual(try decode(#"{"type":"scan","station":"dock-1","device":"scanner-1","data":"]C100106141412345678908"}"#),
                       .scan(station: "dock-1", device: "scanner-1", data: "]C100106141412345678908"))
        XCTAssertEqual(try decode(#"{"data":"X","type":"scan","station":"dock-1"}"#), .scan(station: "dock-1", device: nil, data: "X"))
        XCTAssertEqual(try decode(#"{"type":"assign","station":"dock-1","load":"L1"}"#), .assign(station: "dock-1", load: "L1", user: nil))
        XCTAssertEqual(try decode(#"{"type":"seal","load":"L1","seal":"S-1","user":"bo"}"#), .seal(load: "L1", seal: "S-1", user: "bo"))
        XCTAssertEqual(try decode(#"{"type":"device-disconnected","device":"d","reason":"r"}"#),
                       .deviceDisconnected(station: nil, device: "d", reason: "r"))
        XCTAssertEqual(try decode(#"{"type":"assign","station":"dock-1","load":"L1","user":null}"#), .assign(station: "dock-1", load: "L1", user: nil))
    }

    func testDecodingRejectsUnknownTypesAndMissingFields() {
        XCTAssertThrowsError(try decode(#"{"type":"teleport","station":"dock-1"}"#))
        XCTAssertThrowsError(try decode(#"{"station":"dock-1","data":"X"}"#), "no type")
        XCTAssertThrowsError(try decode(#"{"type":"scan","station":"dock-1"}"#), "scan without data")
        XCTAssertThrowsError(try decode(#"{"type":"assign","load":"L1"}"#), "assign without station")
        XCTAssertThrowsError(try decode(#"{"type":"seal","load":"L1"}"#), "seal without seal number")
        XCTAssertThrowsError(try decode(#"{"type":"weight","station":"s"}"#), "weight without reading")
        XCTAssertThrowsError(try decode(#"{"type":"device-disconnected","device":"d"}"#), "disconnect without reason")
        XCTAssertThrowsError(try decode(#"{"type":"Scan","station":"dock-1","data":"X"}"#), "type names are exact")
    }

    func testDerivedProperties() {
        let scan = EventPayload.scan(station: "dock-1", device: "scanner-1", data: "ü1")
        XCTAssertEqual(scan.station, "dock-1")
        XCTAssertEqual(scan.device, "scanner-1")
        XCTAssertEqual(scan.raw, [0xC3, 0xBC, 0x31])

        let weight = EventPayload.weight(station: "scale-1", device: "scale-dev", reading: reading)
        XCTAssertEqual(weight.station, "scale-1")
        XCTAssertEqual(weight.device, "scale-dev")
        XCTAssertEqual(weight.raw, reading.raw)

        let assign = EventPayload.assign(station: "dock-1", load: "L1", user: "ana")
        XCTAssertEqual(assign.station, "dock-1")
        XCTAssertNil(assign.device)
        XCTAssertNil(assign.raw)

        let seal = EventPayload.seal(load: "L1", seal: "S", user: nil)
        XCTAssertNil(seal.station)
        XCTAssertNil(seal.device)
        XCTAssertNil(seal.raw)

        let gone = EventPayload.deviceDisconnected(station: nil, device: "d", reason: "r")
        XCTAssertNil(gone.station)
        XCTAssertEqual(gone.device, "d")
        XCTAssertNil(gone.raw)
    }

    func testEventWrappers() {
        let at = Date(timeIntervalSince1970: 1_800_000_000)
        let recorded = RecordedEvent(seq: 7, event: CustodyEvent(at: at, .seal(load: "L1", seal: "S", user: nil)))
        XCTAssertEqual(recorded.seq, 7)
        XCTAssertEqual(recorded.event.at, at)
        XCTAssertEqual(recorded.event.payload, .seal(load: "L1", seal: "S", user: nil))
    }
}

final class AlertTests: XCTestCase {
    func testRawCodesAreStable() {
        XCTAssertEqual(AlertCode.allCases.map(\.rawValue), [
            "unexpected-asset", "unexpected-pallet", "duplicate-scan", "wrong-pallet", "wrong-load", "missing-asset",
            "missing-weight", "weight-out-of-tolerance", "weight-rejected", "not-sanitized", "unreadable-barcode",
            "scan-after-seal", "no-active-load", "device-disconnected",
        ])
    }

    func testSeverities() {
        let critical: Set<AlertCode> = [.unexpectedAsset, .wrongLoad, .missingAsset, .weightOutOfTolerance, .notSanitized, .scanAfterSeal]
        for code in AlertCode.allCases {
            XCTAssertEqual(code.severity, critical.contains(code) ? .critical : .warning, code.rawValue)
        }
        XCTAssertEqual(AlertCode.unexpectedPallet.severity, .warning)
        XCTAssertEqual(AlertCode.duplicateScan.severity, .warning)
        XCTAssertEqual(AlertCode.deviceDisconnected.severity, .warning)
    }

    func testSeverityOrder() {
        XCTAssertLessThan(AlertSeverity.info, .warning)
        XCTAssertLessThan(AlertSeverity.warning, .critical)
        XCTAssertFalse(AlertSeverity.critical < .critical)
        XCTAssertEqual([AlertSeverity.critical, .info, .warning].sorted(), [.info, .warning, .critical])
    }

    func testAlertTakesItsSeverityFromTheCode() throws {
        let alert = Alert(seq: 3, code: .notSanitized, load: "L1", pallet: "P1", subject: "S1", station: "dock-1", device: nil,
                          candidate: "S7", message: "m")
        XCTAssertEqual(alert.severity, .critical)
        XCTAssertEqual(alert.candidate, "S7")
        let decoded = try JSONDecoder().decode(Alert.self, from: JSONEncoder().encode(alert))
        XCTAssertEqual(decoded, alert)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: JSONEncoder().encode(alert)) as? [String: Any])
        XCTAssertEqual(json["code"] as? String, "not-sanitized")
        XCTAssertEqual(json["severity"] as? String, "critical")
    }
}
