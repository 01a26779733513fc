import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a real loopback TCP socket, for testing the server as a browser would
/// reach it. Blocking socket calls run on a dispatch queue, never on the test's cooperative threads.
struct HTTPTestClient {
    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
    }

    let port: Int

    /// A connected socket to 127.0.0.1:`port`; `receiveBuffer` (set before connecting) keeps the window it
    /// advertises that small.
    static func connect(port: Int, timeoutSeconds: Int = 10, receiveBuffer: Int32? = nil) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        return fd
    }

    static func send(_ fd: Int32, _ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written <= 0 { return }
            offset += written
        }
    }

    static func head(method: String, path: String, token: String?, headers: [String: String], bodyCount: Int) -> String {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let token { text += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers { text += "\(name): \(value)\r\n" }
        text += "Content-Length: \(bodyCount)\r\n\r\n"
        return text
    }

    /// Sends one request and reads the whole response (the server closes the connection).
    func request(_ method: String, _ path: String, token: String? = nil, body: String? = nil,
                 headers: [String: String] = [:]) async throws -> Reply {
        let port = self.port
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    let fd = try Self.connect(port: port)
                    defer { close(fd) }
                    let bodyBytes = Array((body ?? "").utf8)
                    Self.send(fd, Array(Self.head(method: method, path: path, token: token, headers: headers, bodyCount: bodyBytes.count).utf8) + bodyBytes)
                    var data = Data()
                    var buffer = [UInt8](repeating: 0, count: 65536)
                    while true {
                        let count = recv(fd, &buffer, buffer.count, 0)
                        if count <= 0 { break }
                        data.append(contentsOf: buffer[0..<count])
                    }
                    continuation.resume(returning: try Self.parse(data))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    static func parse(_ data: Data) throws -> Reply {
        guard let split = data.range(of: Data("\r\n\r\n".utf8)) else { throw POSIXError(.EBADMSG) }
        let head = String(decoding: data[..<split.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let status = Int(head[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(data[split.upperBound...])
        if headers["transfer-encoding"] == "chunked" { body = dechunk(body) }
        return Reply(status: status, headers: headers, body: body)
    }

    static func dechunk(_ data: Data) -> Data {
        var out = Data()
        var rest = Data(data)
        while let lineEnd = rest.range(of: Data("\r\n".utf8)) {
            let sizeText = String(decoding: rest[..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            guard rest.count >= start - rest.startIndex + size else { break }
            out.append(rest[start..<(start + size)])
            rest = Data(rest[(start + size)...].dropFirst(2))
        }
        return out
    }
}

/// A Server-Sent Events client on a raw socket: reads messages as they arrive.
final class SSETestClient: @unchecked Sendable {
    // @unchecked: the socket and buffer are only used by the one test that owns the client, one call at a time.
    struct Message {
        var id: Int64?
        var event: String?
        var data: String
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(data.utf8))) as? [String: Any]) ?? [:] }
    }

    let fd: Int32
    private var pending: [UInt8] = []
    private(set) var comments: [String] = []
    private(set) var status = 0
    /// Everything received, for failure messages.
    private(set) var raw = ""

    /// Connects and sends the request; `lastEventID` goes in the `Last-Event-ID` header.
    init(port: Int, path: String = "/api/v1/stream", token: String?, lastEventID: Int64? = nil, receiveBuffer: Int32? = nil) throws {
        fd = try HTTPTestClient.connect(port: port)
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var headers = ["Accept": "text/event-stream"]
        if let lastEventID { headers["Last-Event-ID"] = "\(lastEventID)" }
        HTTPTestClient.send(fd, Array(HTTPTestClient.head(method: "GET", path: path, token: token, headers: headers, bodyCount: 0).utf8))
    }

    deinit { close(fd) }

    /// Reads more bytes (blocking, up to the socket timeout); false at end of stream.
    private func fill() -> Bool {
        var buffer = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return false }
        pending += buffer[0..<count]
        raw += String(decoding: buffer[0..<count], as: UTF8.self)
        return true
    }

    /// The next message (comments are collected in ``comments``); nil at end of stream or on timeout.
    func next() async -> Message? {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: self.nextBlocking()) }
        }
    }

    /// Works on bytes: a Swift String would merge the chunk framing's "\r\n" with SSE's "\n" into one Character.
    private func nextBlocking() -> Message? {
        func find(_ needle: [UInt8]) -> Int? {
            guard pending.count >= needle.count else { return nil }
            for index in 0...(pending.count - needle.count) where Array(pending[index..<(index + needle.count)]) == needle { return index }
            return nil
        }
        while true {
            if status == 0 {
                guard let end = find(Array("\r\n\r\n".utf8)) else {
                    if !fill() { return nil }
                    continue
                }
                status = Int(String(decoding: pending[..<end], as: UTF8.self).split(separator: " ")[1]) ?? -1
                pending.removeFirst(end + 4)
            }
            // SSE blocks end with a blank line; chunk-size lines between them are not SSE fields and are skipped.
            if let end = find([10, 10]) {
                let block = Array(pending[..<end])
                pending.removeFirst(end + 2)
                var message = Message(id: nil, event: nil, data: "")
                var isMessage = false
                for rawLine in block.split(separator: 10, omittingEmptySubsequences: false) {
                    var bytes = Array(rawLine)
                    if bytes.last == 13 { bytes.removeLast() }
                    let line = String(decoding: bytes, as: UTF8.self)
                    if line.hasPrefix(":") { comments.append(String(line.dropFirst()).trimmingCharacters(in: .whitespaces)) }
                    else if line.hasPrefix("id: ") { message.id = Int64(line.dropFirst(4)); isMessage = true }
                    else if line.hasPrefix("event: ") { message.event = String(line.dropFirst(7)) }
                    else if line.hasPrefix("data: ") { message.data += String(line.dropFirst(6)); isMessage = true }
                }
                if isMessage { return message }
                continue
            }
            if !fill() { return nil }
        }
    }
}
