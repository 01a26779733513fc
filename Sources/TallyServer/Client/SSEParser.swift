/// One Server-Sent Events message: its `id:`, `event:` and the joined `data:` lines.
public struct SSEMessage: Sendable, Equatable {
    public var id: String?
    public var event: String?
    public var data: String

    public init(id: String? = nil, event: String? = nil, data: String) {
        self.id = id
        self.event = event
        self.data = data
    }
}

/// An incremental Server-Sent Events parser (the WHATWG event-stream grammar, minus `retry`).
///
/// Feed it bytes as they arrive, in any split; it returns each message once its blank line is seen.
/// Lines end in LF, CR LF or CR; comment lines (`:`) are counted in ``comments``; a message with no
/// `data:` line is not dispatched, as the standard says.
public struct SSEParser: Sendable {
    private var line: [UInt8] = []
    private var lastWasCR = false
    private var id: String?
    private var event: String?
    private var data: [String] = []
    private var hasData = false
    /// Comment lines seen (heartbeats and the server's connection note), without the colon.
    public private(set) var comments: [String] = []
    /// The last `id:` seen, kept across messages (what to send as `Last-Event-ID` on reconnect).
    public private(set) var lastEventID: String?

    public init() {}

    /// Parses `bytes` and returns the messages they complete.
    public mutating func feed(_ bytes: some Sequence<UInt8>) -> [SSEMessage] {
        var messages: [SSEMessage] = []
        for byte in bytes {
            if byte == 10, lastWasCR { lastWasCR = false; continue }
            lastWasCR = byte == 13
            if byte == 10 || byte == 13 {
                if let message = endLine() { messages.append(message) }
            } else {
                line.append(byte)
            }
        }
        return messages
    }

    private mutating func endLine() -> SSEMessage? {
        let text = String(decoding: line, as: UTF8.self)
        line.removeAll(keepingCapacity: true)
        if text.isEmpty {
            defer { data = []; hasData = false; event = nil; id = nil }
            guard hasData else { return nil }
            return SSEMessage(id: id ?? lastEventID, event: event, data: data.joined(separator: "\n"))
        }
        if text.hasPrefix(":") {
            comments.append(String(text.dropFirst()).trimmingCharacters(inSpaceSet: true))
            if comments.count > 64 { comments.removeFirst(comments.count - 64) }
            return nil
        }
        let field: Substring, value: Substring
        if let colon = text.firstIndex(of: ":") {
            field = text[..<colon]
            var rest = text[text.index(after: colon)...]
            if rest.first == " " { rest = rest.dropFirst() }
            value = rest
        } else {
            field = Substring(text)
            value = ""
        }
        switch field {
        case "id":
            if !value.contains("\0") { id = String(value); lastEventID = String(value) }
        case "event": event = String(value)
        case "data": data.append(String(value)); hasData = true
        default: break
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingCharacters(inSpaceSet: Bool) -> String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}

/// An incremental decoder of HTTP/1.1 `Transfer-Encoding: chunked` bodies.
public struct ChunkedDecoder: Sendable {
    private enum Phase: Sendable { case size, data(Int), dataEnd, trailer, done }
    private var phase = Phase.size
    private var sizeLine: [UInt8] = []
    /// True once the last (zero-size) chunk was read.
    public var isFinished: Bool { if case .done = phase { return true } else { return false } }

    public init() {}

    /// The body bytes carried by `bytes`. Throws on a malformed chunk size.
    public mutating func feed(_ bytes: some Collection<UInt8>) throws -> [UInt8] {
        var out: [UInt8] = []
        var index = bytes.startIndex
        while index != bytes.endIndex {
            switch phase {
            case .size:
                let byte = bytes[index]
                index = bytes.index(after: index)
                if byte == 10 {
                    let text = String(decoding: sizeLine, as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
                    sizeLine.removeAll()
                    guard let size = Int(text.trimmingCharacters(inSpaceSet: true).replacingCR(), radix: 16) else {
                        throw HTTPClientError.malformed("bad chunk size \"\(text)\"")
                    }
                    phase = size == 0 ? .trailer : .data(size)
                } else {
                    sizeLine.append(byte)
                }
            case .data(let remaining):
                let available = bytes.distance(from: index, to: bytes.endIndex)
                let take = min(available, remaining)
                let end = bytes.index(index, offsetBy: take)
                out += bytes[index..<end]
                index = end
                phase = remaining - take == 0 ? .dataEnd : .data(remaining - take)
            case .dataEnd:
                // The CR LF after a chunk's data.
                if bytes[index] == 10 { phase = .size }
                index = bytes.index(after: index)
            case .trailer:
                if bytes[index] == 10 { phase = .done }
                index = bytes.index(after: index)
            case .done:
                return out
            }
        }
        return out
    }
}

extension String {
    fileprivate func replacingCR() -> String { filter { $0 != "\r" } }
}
