import Foundation
import Hummingbird
import TallyCore
import TallyRuntime
import TallyStore

/// The routes of the API (`/api/v1/...`), the live stream and the console page.
struct APIRoutes: Sendable {
    let server: TallyHTTPServer
    typealias Context = BasicRequestContext

    static let maxBody = 64 * 1024 * 1024

    func router() -> Router<Context> {
        let router = Router(context: Context.self)
        router.add(middleware: JSONErrorMiddleware<Context>())
        router.get("/") { _, _ in
            var headers = HTTPFields()
            headers[.contentType] = "text/html; charset=utf-8"
            headers[.cacheControl] = "no-store"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: ConsolePage.html)))
        }
        let api = router.group("api/v1")
        api.get("health") { _, _ in
            let seq = await server.recorder.eventCount()
            return json(["status": AnyEncodable("ok"), "lastSeq": AnyEncodable(seq)])
        }
        api.get("me") { request, _ in
            let user = try authorize(request, .viewer)
            return json(user)
        }
        api.get("devices") { request, _ in
            _ = try authorize(request, .viewer)
            return json(["devices": server.devices.snapshot().map(DeviceJSON.init)])
        }
        api.get("loads") { request, _ in
            _ = try authorize(request, .viewer)
            let engine = await server.recorder.state()
            let loads = engine.manifest.loads.compactMap { load in
                Reconciliation(load: load.id, engine: engine).map { LoadSummaryJSON(load: load, reconciliation: $0, engine: engine) }
            }
            return json(["loads": loads])
        }
        api.get("loads/:id") { request, context in
            _ = try authorize(request, .viewer)
            let id = try context.parameters.require("id")
            let engine = await server.recorder.state()
            guard let load = engine.manifest.load(id), let reconciliation = Reconciliation(load: id, engine: engine) else {
                throw APIError(.notFound, "no load \(id)")
            }
            return json(LoadDetailJSON(load: LoadSummaryJSON(load: load, reconciliation: reconciliation, engine: engine),
                                       pallets: reconciliation.pallets.map(PalletJSON.init), seal: reconciliation.seal,
                                       custody: engine.custody[id] ?? []))
        }
        api.get("loads/:id/report") { request, context in
            _ = try authorize(request, .viewer)
            return try report(load: try context.parameters.require("id"), format: request.uri.queryParameters.get("format") ?? "json")
        }
        api.post("loads/:id/seal") { request, context in
            let user = try authorize(request, .supervisor)
            let id = try context.parameters.require("id")
            let body = try await object(request)
            guard let seal = body["seal"] as? String, !seal.isEmpty else { throw APIError(.badRequest, "missing \"seal\" (the seal number)") }
            let order = SealOrder(load: id, seal: seal, carrier: body["carrier"] as? String, driver: body["driver"] as? String,
                                  user: user.name, override: body["override"] as? String)
            try await requireLoad(id)
            return try await record(.seal(order))
        }
        api.post("loads/:id/transfer") { request, context in
            let user = try authorize(request, .supervisor)
            let id = try context.parameters.require("id")
            let body = try await object(request)
            func field(_ key: String) throws -> String {
                guard let text = body[key] as? String, !text.isEmpty else { throw APIError(.badRequest, "missing \"\(key)\"") }
                return text
            }
            let transfer = CustodyTransfer(load: id, from: try field("from"), to: try field("to"), place: body["place"] as? String,
                                           signature: try field("signature"), user: user.name)
            try await requireLoad(id)
            return try await record(.transfer(transfer))
        }
        api.get("alerts") { request, _ in
            _ = try authorize(request, .viewer)
            let query = request.uri.queryParameters
            var alerts = await server.recorder.alerts()
            if let load = query.get("load") { alerts = alerts.filter { $0.load == load } }
            if let text = query.get("state") {
                guard let state = AlertState(rawValue: text) else { throw APIError(.badRequest, "unknown state \"\(text)\" (open, acknowledged, resolved)") }
                alerts = alerts.filter { $0.state == state }
            }
            if let text = query.get("severity") {
                guard let severity = AlertSeverity(rawValue: text) else { throw APIError(.badRequest, "unknown severity \"\(text)\" (info, warning, critical)") }
                alerts = alerts.filter { $0.severity == severity }
            }
            return json(["alerts": alerts])
        }
        api.post("alerts/:id/acknowledge") { request, context in
            let user = try authorize(request, .supervisor)
            let id = try await requireAlert(context)
            let body = try await object(request, optional: true)
            return try await record(.acknowledge(alert: id, user: user.name, note: body["note"] as? String))
        }
        api.post("alerts/:id/resolve") { request, context in
            let user = try authorize(request, .supervisor)
            let id = try await requireAlert(context)
            let body = try await object(request)
            guard let text = body["reason"] as? String else {
                throw APIError(.badRequest, "missing \"reason\" (\(ResolutionReason.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let reason = ResolutionReason(rawValue: text) else {
                throw APIError(.badRequest, "unknown reason \"\(text)\" (\(ResolutionReason.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let note = body["note"] as? String
            if reason.needsNote, (note ?? "").isEmpty { throw APIError(.badRequest, "reason \(text) needs a \"note\"") }
            return try await record(.resolve(alert: id, user: user.name, reason: reason, note: note))
        }
        api.post("manifests") { request, _ in
            let user = try authorize(request, .supervisor)
            var request = request
            let buffer = try await request.collectBody(upTo: Self.maxBody)
            let bytes = Array(buffer.readableBytesView)
            let name = request.uri.queryParameters.get("file")
                ?? (request.headers[.contentType]?.contains("json") == true ? "upload.json" : "upload.csv")
            let manifest: Manifest
            do { manifest = try ManifestImport.parse(bytes: bytes, file: name) } catch {
                throw APIError(.badRequest, "\(error)")
            }
            do {
                let count = try await server.recorder.importManifest(manifest, source: "\(name) (uploaded by \(user.name))")
                return json(["imported": AnyEncodable(count), "loads": AnyEncodable(manifest.loads.map(\.id))], status: .created)
            } catch {
                throw APIError(.conflict, "\(error)")
            }
        }
        api.post("events") { request, _ in
            let user = try authorize(request, .operator)
            var request = request
            let buffer = try await request.collectBody(upTo: Self.maxBody)
            return try await postEvents(Data(buffer.readableBytesView), user: user)
        }
        api.get("metrics") { request, _ in
            _ = try authorize(request, .viewer)
            return try await metrics()
        }
        api.get("stream") { request, _ in
            _ = try authorize(request, .viewer, allowQueryToken: true)
            return try await stream(request)
        }
        return router
    }

    // MARK: - Auth

    /// The user behind the request's Bearer token (or `?token=` for the live stream, since EventSource
    /// cannot send headers); 401 without a valid token, 403 below `role`.
    func authorize(_ request: Request, _ role: Role, allowQueryToken: Bool = false) throws -> User {
        var token: String?
        if let header = request.headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" { token = String(parts[1]).trimmingCharacters(in: .whitespaces) }
        }
        if token == nil, allowQueryToken { token = request.uri.queryParameters.get("token") }
        guard let token, !token.isEmpty else { throw APIError(.unauthorized, "a Bearer token is required (Authorization: Bearer TOKEN)") }
        guard let user = server.users.user(token: token) else { throw APIError(.unauthorized, "unknown token") }
        guard user.role >= role else {
            throw APIError(.forbidden, "\(user.name) is a \(user.role.rawValue); this needs a \(role.rawValue)")
        }
        return user
    }

    // MARK: - Writes

    func object(_ request: Request, optional: Bool = false) async throws -> [String: Any] {
        var request = request
        let buffer = try await request.collectBody(upTo: 1024 * 1024)
        if buffer.readableBytes == 0, optional { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else {
            throw APIError(.badRequest, "the body must be a JSON object")
        }
        return object
    }

    func requireLoad(_ id: String) async throws {
        guard await server.recorder.manifest().load(id) != nil else { throw APIError(.notFound, "no load \(id)") }
    }

    func requireAlert(_ context: Context) async throws -> Int64 {
        let text = try context.parameters.require("id")
        guard let id = Int64(text), id > 0 else { throw APIError(.badRequest, "\"\(text)\" is not an alert number") }
        guard await server.recorder.alerts().contains(where: { $0.id == id }) else { throw APIError(.notFound, "no alert \(id)") }
        return id
    }

    func record(_ payload: EventPayload) async throws -> Response {
        do {
            let outcome = try await server.recorder.record(CustodyEvent(at: Date(), payload))
            return json(OutcomeJSON(outcome), status: .created)
        } catch {
            switch error {
            case .rejected(let rejection): throw APIError(.conflict, "refused: \(rejection)")
            case .store(let error): throw APIError(.internalServerError, "\(error)")
            }
        }
    }

    /// Event types only a supervisor may post.
    static let supervisorTypes: Set<String> = ["seal", "transfer", "acknowledge", "resolve"]
    /// Event types with a `user` field: the authenticated user is written into it.
    static let userTypes: Set<String> = ["assign", "seal", "transfer", "acknowledge", "resolve"]

    /// `POST /events`: one JSON object, a JSON array of objects, or JSON lines, in the replay format.
    func postEvents(_ data: Data, user: User) async throws -> Response {
        var objects: [[String: Any]] = []
        if let whole = try? JSONSerialization.jsonObject(with: data) {
            if let one = whole as? [String: Any] {
                objects = [one]
            } else if let many = whole as? [Any] {
                for (index, item) in many.enumerated() {
                    guard let object = item as? [String: Any] else { throw APIError(.badRequest, "request:\(index + 1): expected a JSON object") }
                    objects.append(object)
                }
            } else {
                throw APIError(.badRequest, "expected a JSON object, an array of objects or JSON lines")
            }
        } else {
            let text = String(decoding: data, as: UTF8.self)
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
                guard let object = (try? JSONSerialization.jsonObject(with: Data(trimmed.utf8))) as? [String: Any] else {
                    throw APIError(.badRequest, "request:\(index + 1): not a JSON object")
                }
                objects.append(object)
            }
        }
        guard !objects.isEmpty else { throw APIError(.badRequest, "no events in the request") }
        var events: [CustodyEvent] = []
        for (index, var object) in objects.enumerated() {
            let type = object["type"] as? String ?? ""
            if Self.supervisorTypes.contains(type), user.role < .supervisor {
                throw APIError(.forbidden, "request:\(index + 1): \(user.name) is a \(user.role.rawValue); a \(type) event needs a supervisor")
            }
            if Self.userTypes.contains(type) { object["user"] = user.name }
            let line = String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
            do {
                guard let parsed = try ReplayFormat.parse(Substring(line), line: index + 1, file: "request") else { continue }
                events.append(CustodyEvent(at: parsed.at ?? Date(), parsed.payload))
            } catch {
                throw APIError(.badRequest, "\(error)")
            }
        }
        let results = await server.recorder.record(contentsOf: events)
        struct Result: Encodable {
            var index: Int
            var outcome: OutcomeJSON?
            var error: String?
        }
        var failures = 0
        let rows = results.enumerated().map { index, result -> Result in
            switch result {
            case .success(let outcome): return Result(index: index + 1, outcome: OutcomeJSON(outcome))
            case .failure(let error):
                failures += 1
                return Result(index: index + 1, error: "\(error)")
            }
        }
        if failures > 0, events.count == 1, case .failure(let error) = results[0] {
            throw APIError(.conflict, "\(error)")
        }
        struct Body: Encodable {
            var results: [Result]
            var error: String?
        }
        return json(Body(results: rows, error: failures > 0 ? "\(failures) of \(events.count) events refused" : nil),
                    status: failures > 0 ? .unprocessableContent : .created)
    }

    // MARK: - Reads

    func report(load: String, format: String) throws -> Response {
        guard let reportFormat = ReportFormat(rawValue: format) else { throw APIError(.badRequest, "unknown format \"\(format)\" (json, csv, html)") }
        let store = server.recorder.store
        let chain = try store.verifyChain()
        let manifest = try store.manifest()
        guard manifest.load(load) != nil else { throw APIError(.notFound, "no load \(load)") }
        var engine = CustodyEngine(manifest: manifest)
        let events = try store.events()
        for recorded in events {
            if chain.isValid, recorded.seq > chain.lastSeq { break }
            _ = engine.apply(recorded)
        }
        let needed = LoadReport.eventsNeedingTimes(load: load, engine: engine)
        var times: [Int64: Date] = [:]
        for recorded in events where needed.contains(recorded.seq) { times[recorded.seq] = recorded.event.at }
        guard let report = LoadReport(load: load, engine: engine, chain: chain, generatedAt: Date(), eventTimes: times) else {
            throw APIError(.notFound, "no load \(load)")
        }
        var headers = HTTPFields()
        headers[.contentType] = reportFormat.mediaType
        headers[.contentDisposition] = "inline; filename=\"\(load).\(reportFormat.fileExtension)\""
        return Response(status: .ok, headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(string: ReportRenderer.render(report, as: reportFormat))))
    }

    func metrics() async throws -> Response {
        let engine = await server.recorder.state()
        let stats = server.hub.statistics()
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: Int64)]) {
            lines.append("# HELP \(name) \(help)")
            lines.append("# TYPE \(name) \(type)")
            for sample in samples { lines.append("\(name)\(sample.labels) \(sample.value)") }
        }
        metric("tally_events_total", "counter", "Events in the custody log.", [("", engine.lastSeq)])
        metric("tally_scans_total", "counter", "Scan events in the custody log (rate() gives scans per second).",
               [("", Int64(stats.eventsByType["scan"] ?? 0))])
        metric("tally_events_by_type_total", "counter", "Events in the custody log by type.",
               stats.eventsByType.sorted { $0.key < $1.key }.map { ("{type=\"\($0.key)\"}", Int64($0.value)) })
        var byCode: [AlertCode: Int64] = [:]
        var open: [AlertSeverity: Int64] = [:]
        for alert in engine.alerts {
            byCode[alert.code, default: 0] += 1
            if alert.state != .resolved { open[alert.severity, default: 0] += 1 }
        }
        metric("tally_alerts_total", "counter", "Alerts raised, by code.",
               AlertCode.allCases.map { ("{code=\"\($0.rawValue)\"}", byCode[$0] ?? 0) })
        metric("tally_open_alerts", "gauge", "Alerts not yet resolved, by severity.",
               AlertSeverity.allCases.map { ("{severity=\"\($0.rawValue)\"}", open[$0] ?? 0) })
        let devices = server.devices.snapshot()
        func deviceLabels(_ device: DeviceStatus) -> String {
            "{device=\"\(prometheusLabel(device.identity))\",kind=\"\(device.kind)\",station=\"\(prometheusLabel(device.station ?? ""))\"}"
        }
        metric("tally_device_up", "gauge", "1 while the device is connected and read, else 0 (disconnected or unbound).",
               devices.map { (deviceLabels($0), $0.state == .connected ? 1 : 0) })
        metric("tally_device_scans_total", "counter", "Scans recorded from the device since the service started.",
               devices.filter { $0.kind == "scanner" }.map { (deviceLabels($0), Int64($0.scans)) })
        metric("tally_device_weights_total", "counter", "Weights recorded from the device since the service started.",
               devices.filter { $0.kind == "scale" }.map { (deviceLabels($0), Int64($0.weights)) })
        metric("tally_device_errors_total", "counter", "Undecodable frames or reports from the device since the service started.",
               devices.map { (deviceLabels($0), Int64($0.errors)) })
        metric("tally_stream_clients", "gauge", "Connected live-stream clients.", [("", Int64(stats.clients))])
        metric("tally_stream_dropped_clients_total", "counter", "Live-stream clients dropped for a full buffer.", [("", Int64(stats.dropped))])
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: lines.joined(separator: "\n") + "\n")))
    }

    /// A Prometheus label value: backslash, double quote and newline escaped.
    func prometheusLabel(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    // MARK: - Live stream

    /// `GET /stream`: Server-Sent Events, one message per recorded event (`id:` = its seq), resumable.
    func stream(_ request: Request) async throws -> Response {
        let header = request.headers.first { $0.name.canonicalName == "last-event-id" }?.value
        let resumeText: String? = header ?? request.uri.queryParameters.get("lastEventId")
        var resumeValue: Int64?
        if let resumeText {
            guard let value = Int64(resumeText.trimmingCharacters(in: .whitespaces)), value >= 0 else {
                throw APIError(.badRequest, "Last-Event-ID must be an event seq, not \"\(resumeText)\"")
            }
            resumeValue = value
        }
        let resumeFrom = resumeValue
        // Subscribe first, then read the log: nothing committed in between can fall through the gap.
        guard let live = server.hub.subscribe() else { throw APIError(.serviceUnavailable, "the server is stopping") }
        let store = server.recorder.store
        let current = await server.recorder.eventCount()
        let startSeq = resumeFrom ?? current
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            // However the body ends (finished, dropped, or the connection failed), the hub forgets the client.
            defer { live.cancel() }
            var sent = startSeq
            try await writer.write(ByteBuffer(string: "retry: 1000\n: connected at seq \(startSeq)\n\n"))
            if resumeFrom != nil {
                // The backlog from the log, with each event's alerts as they stand now, in writes of about 64 KiB.
                let alerts = try store.alerts()
                let bySeq = Dictionary(grouping: alerts, by: \.seq)
                let byID = Dictionary(uniqueKeysWithValues: alerts.map { ($0.id, $0) })
                let backlog = try store.events(after: startSeq)
                var pending = ByteBuffer()
                for event in backlog {
                    var changed: [Alert] = []
                    switch event.event.payload {
                    case .acknowledge(let id, _, _), .resolve(let id, _, _, _): if let alert = byID[id] { changed = [alert] }
                    default: break
                    }
                    var message = Self.message(OutcomeJSON(event: event, alerts: bySeq[event.seq] ?? [], changedAlerts: changed))
                    pending.writeBuffer(&message)
                    sent = event.seq
                    if pending.readableBytes >= 64 * 1024 {
                        try await writer.write(pending)
                        pending = ByteBuffer()
                    }
                }
                if pending.readableBytes > 0 { try await writer.write(pending) }
            }
            // Live: everything queued since the last wakeup goes out as one write, from the hub's shared bytes.
            var batch: [StreamItem] = []
            while await live.nextBatch(into: &batch) {
                if let bytes = StreamItem.join(batch, after: &sent) { try await writer.write(bytes) }
            }
            try await writer.finish(nil)
        })
    }

    /// One event's SSE message (`id:` = its seq, `event: custody`, the outcome as one `data:` line).
    ///
    /// Live events are encoded once, by ``StreamHub/publish(_:)``, and shared by every client.
    static func message(_ outcome: OutcomeJSON) -> ByteBuffer {
        let data = APIJSON.data(outcome)
        let head = "id: \(outcome.seq)\nevent: custody\ndata: "
        var buffer = ByteBufferAllocator().buffer(capacity: head.utf8.count + data.count + 2)
        buffer.writeString(head)
        buffer.writeBytes(data)
        buffer.writeString("\n\n")
        return buffer
    }

    // MARK: - JSON

    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: APIJSON.data(value))))
    }
}

/// Any encodable value, for small mixed JSON objects.
struct AnyEncodable: Encodable, Sendable {
    private let encodeValue: @Sendable (any Encoder) throws -> Void
    init<T: Encodable & Sendable>(_ value: T) { encodeValue = { try value.encode(to: $0) } }
    func encode(to encoder: any Encoder) throws { try encodeValue(encoder) }
}
