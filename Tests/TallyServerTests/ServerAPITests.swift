import Foundation
import TallyCore
import TallyRuntime
import TallyServer
import TallyStore
import XCTest

/// A running server over a new database holding the sample manifest, with one user per role.
struct ServerFixture {
    let server: TallyHTTPServer
    let recorder: CustodyRecorder
    let port: Int
    let directory: URL
    var client: HTTPTestClient { HTTPTestClient(port: port) }
    static let viewer = "viewer-token"
    static let operatorToken = "operator-token"
    static let supervisor = "supervisor-token"

    static func start(configuration: ServerConfiguration = .init(port: 0), devices: DeviceBoard = DeviceBoard()) async throws -> ServerFixture {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tally-server-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try CustodyStore(path: directory.appendingPathComponent("tally.sqlite").path)
        let recorder = try CustodyRecorder(store: store)
        try await recorder.importManifest(try ManifestCSV.parse(Array(SampleManifest.csv.utf8), file: "sample.csv"), source: "test")
        var users = UserDirectory()
        users.add(User(name: "vera", role: .viewer), token: viewer)
        users.add(User(name: "otto", role: .operator), token: operatorToken)
        users.add(User(name: "sam", role: .supervisor), token: supervisor)
        let server = TallyHTTPServer(recorder: recorder, users: users, configuration: configuration, devices: devices)
        let port = try await server.start()
        return ServerFixture(server: server, recorder: recorder, port: port, directory: directory)
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Posts events as the operator and returns the reply.
    @discardableResult
    func post(_ lines: String, token: String = ServerFixture.operatorToken) async throws -> HTTPTestClient.Reply {
        try await client.request("POST", "/api/v1/events", token: token, body: lines)
    }
}

final class ServerAPITests: XCTestCase {
    let load = SampleManifest.load
    let pallet = SampleManifest.pallets[0]

    func testHealthIsOpenAndEverythingElseNeedsAToken() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.stop() } }
        let health = try await fixture.client.request("GET", "/api/v1/health")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.json["status"] as? String, "ok")

        let anonymous = try await fixture.client.request("GET", "/api/v1/loads")
        XCTAssertEqual(anonymous.status, 401)
        XCTAssertNotNil(anonymous.json["error"] as? String, anonymous.text)
        XCTAssertEqual(anonymous.headers["content-type"]?.hasPrefix("application/json"), true)
        let wrong = try await fixture.client.request("GET", "/api/v1/loads", token: "nope")
        XCTAssertEqual(wrong.status, 401)

        let missing = try await fixture.client.request("GET", "/api/v1/nothing-here", token: ServerFixture.viewer)
        XCTAssertEqual(missing.status, 404)
        XCTAssertNotNil(missing.json["error"] as? String, missing.text)
    }

    func testRolesAreEnforced() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.stop() } }
        let assign = #"{"type":"assign","station":"dock-1","load":"L-2611-A"}"#
        let byViewer = try await fixture.post(assign, token: ServerFixture.viewer)
        XCTAssertEqual(byViewer.status, 403, byViewer.text)
        XCTAssertTrue((byViewer.json["error"] as? String ?? "").contains("operator"), byViewer.text)

        let byOperator = try await fixture.post(assign)
        XCTAssertEqual(byOperator.status, 201, byOperator.text)

        // A seal inside /events needs a supervisor too.
        let seal = #"{"type":"seal","load":"L-2611-A","seal":"S1"}"#
        let reply1 = try await fixture.post(seal)
        XCTAssertEqual(reply1.status, 403, reply1.text)
        let sealByOperator = try await fixture.client.request("POST", "/api/v1/loads/\(load)/seal", token: ServerFixture.operatorToken,
                                                              body: #"{"seal":"S1"}"#)
        XCTAssertEqual(sealByOperator.status, 403)
        let manifest = try await fixture.client.request("POST", "/api/v1/manifests", token: ServerFixture.operatorToken, body: "x")
        XCTAssertEqual(manifest.status, 403)
    }

    func testWritesRecordTheAuthenticatedUser() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.stop() } }
        // The body names someone else: the log records who holds the token.
        try await fixture.post(#"{"type":"assign","station":"dock-1","load":"L-2611-A","user":"mallory"}"#)
        try await fixture.post(#"{"type":"scan","station":"dock-1","device":"s1","data":"NOT-ON-MANIFEST-1"}"#)
        let alerts = try await fixture.client.request("GET", "/api/v1/alerts?load=L-2611-A&state=open", token: ServerFixture.viewer)
        let list = try XCTUnwrap(alerts.json["alerts"] as? [[String: Any]])
        XCTAssertFalse(list.isEmpty, alerts.text)
        let id = try XCTUnwrap(list.first?["id"] as? Int)

        let ack = try await fixture.client.request("POST", "/api/v1/alerts/\(id)/acknowledge", token: ServerFixture.supervisor, body: "")
        XCTAssertEqual(ack.status, 201, ack.text)
        let noReason = try await fixture.client.request("POST", "/api/v1/alerts/\(id)/resolve", token: ServerFixture.supervisor, body: "{}")
        XCTAssertEqual(noReason.status, 400)
        let resolve = try await fixture.client.request("POST", "/api/v1/alerts/\(id)/resolve", token: ServerFixture.supervisor,
                                                       body: #"{"reason":"removed-from-load","note":"taken off"}"#)
        XCTAssertEqual(resolve.status, 201, resolve.text)
        let unknown = try await fixture.client.request("POST", "/api/v1/alerts/9999/acknowledge", token: ServerFixture.supervisor)
        XCTAssertEqual(unknown.status, 404)

        let events = try fixture.recorder.store.events()
        XCTAssertEqual(events.map(\.event.payload.user), ["otto", nil, "sam", "sam"])
        let resolved = try XCTUnwrap(try fixture.recorder.store.alerts().first { $0.id == Int64(id) })
        XCTAssertEqual(resolved.state, .resolved)
        XCTAssertEqual(resolved.resolution?.user, "sam")
        XCTAssertEqual(resolved.acknowledgement?.user, "sam")
    }

    func testLoadsProgressWeightsAndFilters() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.stop() } }
        try await fixture.post("""
            {"type":"assign","station":"dock-1","load":"L-2611-A"}
            {"type":"scan","station":"dock-1","data":"\(pallet)"}
            {"type":"scan","station":"dock-1","data":"JX4K2M1"}
            {"type":"weight","station":"dock-1","value":"500.0","unit":"kg"}
            """)
        let loads = try await fixture.client.request("GET", "/api/v1/loads", token: ServerFixture.viewer)
        let first = try XCTUnwrap((loads.json["loads"] as? [[String: Any]])?.first, loads.text)
        XCTAssertEqual(first["id"] as? String, load)
        XCTAssertEqual(first["expected"] as? Int, 40)
        XCTAssertEqual(first["scanned"] as? Int, 1)
        XCTAssertEqual(first["palletsWeighed"] as? Int, 1)

        let detail = try await fixture.client.request("GET", "/api/v1/loads/\(load)", token: ServerFixture.viewer)
        let pallets = try XCTUnwrap(detail.json["pallets"] as? [[String: Any]], detail.text)
        let weighed = try XCTUnwrap(pallets.first { $0["id"] as? String == pallet })
        XCTAssertEqual((weighed["measuredWeight"] as? [String: Any])?["kilograms"] as? Double, 500)
        XCTAssertEqual((weighed["expectedWeight"] as? [String: Any])?["kilograms"] as? Double, 412)
        XCTAssertEqual(weighed["withinTolerance"] as? Bool, false)
        let reply2 = try await fixture.client.request("GET", "/api/v1/loads/NOPE", token: ServerFixture.viewer)
        XCTAssertEqual(reply2.status, 404, reply2.text)

        let critical = try await fixture.client.request("GET", "/api/v1/alerts?severity=critical", token: ServerFixture.viewer)
        let codes = (critical.json["alerts"] as? [[String: Any]] ?? []).compactMap { $0["code"] as? String }
        XCTAssertEqual(codes, ["weight-out-of-tolerance"])
        let reply3 = try await fixture.client.request("GET", "/api/v1/alerts?state=bogus", token: ServerFixture.viewer)
        XCTAssertEqual(reply3.status, 400, reply3.text)

        let metrics = try await fixture.client.request("GET", "/api/v1/metrics", token: ServerFixture.viewer)
        XCTAssertTrue(metrics.text.contains("tally_events_total 4"), metrics.text)
        XCTAssertTrue(metrics.text.contains("tally_scans_total 2"), metrics.text)
        XCTAssertTrue(metrics.text.contains("tally_alerts_total{code=\"weight-out-of-tolerance\"} 1"), metrics.text)
        XCTAssertTrue(metrics.text.contains("tally_open_alerts{severity=\"critical\"} 1"), metrics.text)
    }

    func testSealTransferReportAndRefusals() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.stop() } }
        try await fixture.post(#"{"type":"assign","station":"dock-1","load":"L-2611-A"}"#)
        try await fixture.post(#"{"type":"scan","station":"dock-1","data":"STRAY-LAPTOP-1"}"#)
        // An open critical alert (the unexpected asset): a plain seal is refused (409) and nothing is written.
        let before = try fixture.recorder.store.lastSeq()
        let refused = try await fixture.client.request("POST", "/api/v1/loads/\(load)/seal", token: ServerFixture.supervisor,
                                                       body: #"{"seal":"SL-1"}"#)
        XCTAssertEqual(refused.status, 409, refused.text)
        XCTAssertTrue((refused.json["error"] as? String ?? "").contains("refused"), refused.text)
        XCTAssertEqual(try fixture.recorder.store.lastSeq(), before)
        let sealed = try await fixture.client.request("POST", "/api/v1/loads/\(load)/seal", token: ServerFixture.supervisor,
                                                      body: #"{"seal":"SL-1","carrier":"Northline","driver":"J","override":"test run"}"#)
        XCTAssertEqual(sealed.status, 201, "refused: \(refused.status) \(refused.text); sealed: \(sealed.text)")
        XCTAssertEqual(try fixture.recorder.store.lastSeq(), before + 1)
        let transfer = try await fixture.client.request("POST", "/api/v1/loads/\(load)/transfer", token: ServerFixture.supervisor,
                                                        body: #"{"from":"Dock","to":"Northline","signature":"J. Okafor"}"#)
        XCTAssertEqual(transfer.status, 201, transfer.text)
        let twice = try await fixture.client.request("POST", "/api/v1/loads/\(load)/seal", token: ServerFixture.supervisor,
                                                     body: #"{"seal":"SL-2","override":"again"}"#)
        XCTAssertEqual(twice.status, 409, twice.text)
        XCTAssertNotNil(twice.json["error"] as? String)

        let csv = try await fixture.client.request("GET", "/api/v1/loads/\(load)/report?format=csv", token: ServerFixture.viewer)
        XCTAssertEqual(csv.status, 200)
        XCTAssertTrue(csv.text.contains("SL-1"), csv.text)
        let html = try await fixture.client.request("GET", "/api/v1/loads/\(load)/report?format=html", token: ServerFixture.viewer)
        XCTAssertTrue(html.headers["content-type"]?.contains("html") ?? false)
        let json = try await fixture.client.request("GET", "/api/v1/loads/\(load)/report", token: ServerFixture.viewer)
        XCTAssertNotNil(json.json["load"], json.text)
        let reply4 = try await fixture.client.request("GET", "/api/v1/loads/\(load)/report?format=pdf", token: ServerFixture.viewer)
        XCTAssertEqual(reply4.status, 400, reply4.text)
    }

    func testManifestUploadAndBadEvents() async throws {
        let fixture = try await ServerFixture.start()
        defer { Task { await fixture.stop() } }
        let csv = """
            load,pallet,serial,data_bearing,sanitization
            L-NEW,PAL-NEW-1,SN-NEW-1,false,
            """
        let upload = try await fixture.client.request("POST", "/api/v1/manifests?file=new.csv", token: ServerFixture.supervisor, body: csv)
        XCTAssertEqual(upload.status, 201, upload.text)
        XCTAssertEqual(upload.json["imported"] as? Int, 1)
        let again = try await fixture.client.request("POST", "/api/v1/manifests?file=new.csv", token: ServerFixture.supervisor, body: csv)
        XCTAssertEqual(again.status, 409, again.text)
        let bad = try await fixture.client.request("POST", "/api/v1/manifests?file=bad.csv", token: ServerFixture.supervisor, body: "nonsense\n1,2")
        XCTAssertEqual(bad.status, 400, bad.text)

        let unknownField = try await fixture.post(#"{"type":"scan","station":"dock-1","data":"X","colour":"red"}"#)
        XCTAssertEqual(unknownField.status, 400)
        XCTAssertTrue((unknownField.json["error"] as? String ?? "").contains("colour"), unknownField.text)
        let unknownLoad = try await fixture.post(#"{"type":"assign","station":"dock-1","load":"NOPE"}"#)
        XCTAssertEqual(unknownLoad.status, 409, unknownLoad.text)
    }
}
