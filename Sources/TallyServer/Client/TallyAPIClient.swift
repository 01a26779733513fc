import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a request to the Tally API failed.
public enum HTTPClientError: Error, CustomStringConvertible, Sendable {
    case badURL(String)
    case connect(String)
    case malformed(String)
    case status(Int, String)

    public var description: String {
        switch self {
        case .badURL(let text): return "bad URL: \(text)"
        case .connect(let text): return "cannot connect: \(text)"
        case .malformed(let text): return "malformed response: \(text)"
        case .status(let code, let message): return "HTTP \(code): \(message)"
        }
    }
}

/// A small blocking HTTP/1.1 client for the Tally API over plain TCP (`http://` only, one request per
/// connection). Every call blocks its thread: call it from a thread or a dispatch queue, never from the
/// cooperative pool. `Sendable`: it holds only immutable values.
public struct TallyAPIClient: Sendable {
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]
        public var text: String { String(decoding: body, as: UTF8.self) }
        /// The `error` field of a JSON error body, else the body text.
        public var errorMessage: String {
            if let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any], let error = object["error"] as? String {
                return error
            }
            return text.isEmpty ? "HTTP \(status)" : text
        }
    }

    public let host: String
    public let port: Int
    /// The path prefix before `/api/v1` (usually empty).
    public let basePath: String
    public let token: String?
    /// Seconds a blocking receive may wait before the request fails.
    public let timeoutSeconds: Int

    /// A client for `url` (`http://host[:port][/prefix]`).
    public init(url: String, token: String?, timeoutSeconds: Int = 10) throws {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "http", let host = components.host, !host.isEmpty else {
            throw HTTPClientError.badURL("\(url) (expected http://HOST[:PORT])")
        }
        self.host = host
        port = components.port ?? 80
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        basePath = path
        self.token = token
        self.timeoutSeconds = timeoutSeconds
    }

    // MARK: - Requests

    /// Sends one request and reads the whole reply.
    public func request(_ method: String, _ path: String, body: [UInt8] = [], headers: [String: String] = [:]) throws -> Reply {
        let fd = try connect(receiveTimeout: timeoutSeconds)
        defer { Glibc.close(fd) }
        try send(fd, head(method: method, path: path, headers: headers, bodyCount: body.count) + body)
        var reader = ResponseReader(fd: fd)
        let (status, replyHeaders) = try reader.readHead()
        var content: [UInt8] = []
        while let chunk = try reader.readBody() { content += chunk }
        return Reply(status: status, headers: replyHeaders, body: content)
    }

    /// `GET path` decoded as `T`; throws ``HTTPClientError/status(_:_:)`` unless 200.
    public func get<T: Decodable>(_ path: String, as type: T.Type) throws -> T {
        let reply = try request("GET", path)
        guard reply.status == 200 else { throw HTTPClientError.status(reply.status, reply.errorMessage) }
        do { return try JSONDecoder().decode(T.self, from: Data(reply.body)) } catch {
            throw HTTPClientError.malformed("\(path): \(error)")
        }
    }

    /// Follows the live stream (`GET /api/v1/stream`), resuming after `lastEventID` if given, calling
    /// `onMessage` for each message until the connection ends (then returns) or fails (then throws).
    /// `onOpen` runs once the server answered 200. A silent connection fails after `idleSeconds`
    /// (the server sends heartbeats every 15 s).
    public func stream(lastEventID: String?, idleSeconds: Int = 45, onOpen: () -> Void = {},
                       onMessage: (SSEMessage) -> Void) throws {
        let fd = try connect(receiveTimeout: idleSeconds)
        defer { Glibc.close(fd) }
        var headers = ["Accept": "text/event-stream"]
        if let lastEventID { headers["Last-Event-ID"] = lastEventID }
        try send(fd, head(method: "GET", path: "/api/v1/stream", headers: headers, bodyCount: 0))
        var reader = ResponseReader(fd: fd)
        let (status, _) = try reader.readHead()
        guard status == 200 else {
            var content: [UInt8] = []
            while let chunk = try? reader.readBody() { content += chunk }
            throw HTTPClientError.status(status, Reply(status: status, headers: [:], body: content).errorMessage)
        }
        onOpen()
        var parser = SSEParser()
        while let chunk = try reader.readBody() {
            for message in parser.feed(chunk) { onMessage(message) }
        }
    }

    // MARK: - Sockets

    private func head(method: String, path: String, headers: [String: String], bodyCount: Int) -> [UInt8] {
        var text = "\(method) \(basePath)\(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\nUser-Agent: tally-console\r\n"
        if let token { text += "Authorization: Bearer \(token)\r\n" }
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        if bodyCount > 0 || method != "GET" { text += "Content-Length: \(bodyCount)\r\n" }
        text += "\r\n"
        return Array(text.utf8)
    }

    private func connect(receiveTimeout: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw HTTPClientError.connect("\(host):\(port): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = ECONNREFUSED
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let info = entry {
            entry = info.pointee.ai_next
            let fd = socket(info.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { lastError = errno; continue }
            var timeout = timeval(tv_sec: receiveTimeout, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var sendTimeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &sendTimeout, socklen_t(MemoryLayout<timeval>.size))
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 { return fd }
            lastError = errno
            Glibc.close(fd)
        }
        throw HTTPClientError.connect("\(host):\(port): \(String(cString: strerror(lastError)))")
    }

    private func send(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { throw HTTPClientError.connect("send: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }
}

/// Reads one HTTP/1.1 response from a socket: the head, then the body as it arrives (chunked, sized or to close).
struct ResponseReader {
    let fd: Int32
    private var pending: [UInt8] = []
    private var chunked: ChunkedDecoder?
    private var remaining: Int?
    private var ended = false

    init(fd: Int32) { self.fd = fd }

    /// Bytes from the socket; empty at end of stream.
    private func receive() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count > 0 { return Array(buffer[0..<count]) }
            if count == 0 { return [] }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { throw HTTPClientError.connect("timed out waiting for the server") }
            throw HTTPClientError.connect("recv: \(String(cString: strerror(errno)))")
        }
    }

    mutating func readHead() throws -> (Int, [String: String]) {
        let separator: [UInt8] = [13, 10, 13, 10]
        while true {
            if pending.count >= 4, let end = (0...(pending.count - 4)).first(where: { pending[$0..<($0 + 4)].elementsEqual(separator) }) {
                let lines = String(decoding: pending[..<end], as: UTF8.self).components(separatedBy: "\r\n")
                pending.removeFirst(end + 4)
                let parts = lines[0].split(separator: " ")
                guard parts.count >= 2, let status = Int(parts[1]) else { throw HTTPClientError.malformed("status line \"\(lines[0])\"") }
                var headers: [String: String] = [:]
                for line in lines.dropFirst() {
                    guard let colon = line.firstIndex(of: ":") else { continue }
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
                    chunked = ChunkedDecoder()
                } else if let length = headers["content-length"].flatMap({ Int($0) }) {
                    remaining = length
                }
                return (status, headers)
            }
            let more = try receive()
            guard !more.isEmpty else { throw HTTPClientError.malformed("the connection closed before the response head") }
            pending += more
        }
    }

    /// The next body bytes, or nil at the end of the body.
    mutating func readBody() throws -> [UInt8]? {
        while !ended {
            if let remainingCount = remaining, remainingCount == 0 { ended = true; break }
            var input = pending
            pending = []
            if input.isEmpty {
                input = try receive()
                if input.isEmpty { ended = true; break }
            }
            if var decoder = chunked {
                let out = try decoder.feed(input)
                chunked = decoder
                if decoder.isFinished { ended = true }
                if !out.isEmpty { return out }
            } else if let remainingCount = remaining {
                let take = min(remainingCount, input.count)
                remaining = remainingCount - take
                if take > 0 { return Array(input[0..<take]) }
            } else {
                return input
            }
        }
        return nil
    }
}
