import TallyCore

// A framer for protocols whose frames a start byte and a terminator do not describe well enough:
// fixed-length frames with binary status bytes (Toledo continuous, CAS), an optional trailing byte
// (a Toledo checksum, an LF after CR), or two lines ending in ETX (NCI). The protocol supplies a
// `FrameMatcher` that looks at the bytes at the front of the stream; the framer does the buffering,
// the offsets and the garbage accounting, exactly as `DelimitedFramer` does.

/// What a ``FrameMatcher`` says about the bytes at the front of the framer's buffer.
public enum FrameMatch: Sendable, Hashable {
    /// A complete frame of `length` bytes (at least 1) begins at the front.
    case frame(length: Int)
    /// The bytes so far can still become a frame: wait for more.
    case incomplete
    /// No frame begins at the front: the first byte is garbage; look again from the next one.
    case noFrame
    /// The first `count` bytes (at least 1) are garbage (e.g. a broken line through its terminator).
    case discard(count: Int)
}

/// The protocol-specific half of a ``MatchingFramer``: recognizes a frame at the front of a buffer.
///
/// For the framer's output to be independent of how the stream is chunked, ``match(_:streamEnded:)``
/// must decide from the bytes alone: it answers ``FrameMatch/incomplete`` only when more bytes could
/// change its answer, and it may change its own state only when it answers ``FrameMatch/frame(length:)``.
public protocol FrameMatcher: Sendable {
    /// The longest frame, everything included. The framer gives up waiting beyond it.
    var maximumLength: Int { get }
    /// True when a frame may begin with `byte`; other bytes are discarded without calling ``match(_:streamEnded:)``.
    func canBegin(_ byte: UInt8) -> Bool
    /// Looks at `bytes` (the buffer from a byte ``canBegin(_:)`` accepted). `streamEnded` is true when
    /// no more bytes will come: the matcher then completes a frame whose optional tail is missing or
    /// answers something other than ``FrameMatch/incomplete``.
    mutating func match(_ bytes: ArraySlice<UInt8>, streamEnded: Bool) -> FrameMatch
}

/// A ``ScaleFramer`` driven by a ``FrameMatcher``.
///
/// Every byte ends up either in an emitted frame or in a discarded run; discarded bytes between two
/// frames are reported as one ``FrameError`` (``FrameError/Reason/garbage(byteCount:)``) at the offset
/// of the first one, when the next frame completes, when the run reaches ``garbageReportThreshold``
/// bytes, or at ``finish()``. Memory stays bounded by the matcher's maximum length.
public struct MatchingFramer<Matcher: FrameMatcher>: ScaleFramer {
    /// The matcher, with whatever it has learned about the stream (e.g. whether checksums are sent).
    public private(set) var matcher: Matcher
    /// A discarded run is reported when it reaches this many bytes even without a following frame.
    public let garbageReportThreshold: Int
    /// How many bytes have been consumed (the offset of the next byte).
    public private(set) var streamOffset = 0
    /// How many bytes have been discarded so far (reported or still pending).
    public private(set) var discardedByteCount = 0

    /// Bytes received but not yet emitted or discarded; `pending[0]` is at stream offset `pendingOffset`.
    private var pending: [UInt8] = []
    private var pendingOffset = 0
    private var garbageOffset = 0
    private var garbageCount = 0

    /// Creates a framer at stream offset 0.
    public init(matcher: Matcher, garbageReportThreshold: Int = 1024) {
        self.matcher = matcher
        self.garbageReportThreshold = max(1, garbageReportThreshold)
        pending.reserveCapacity(2 * max(1, matcher.maximumLength))
    }

    /// Consumes the next chunk of the stream and returns the frames (and discarded runs) it completes.
    public mutating func append<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [FramerOutput] {
        let before = pending.count
        pending.append(contentsOf: bytes)
        streamOffset += pending.count - before
        var outputs: [FramerOutput] = []
        scan(streamEnded: false, into: &outputs)
        return outputs
    }

    /// Ends the stream: completes a frame whose optional tail never came, discards the rest, and
    /// reports the pending discarded run.
    public mutating func finish() -> [FramerOutput] {
        var outputs: [FramerOutput] = []
        scan(streamEnded: true, into: &outputs)
        if !pending.isEmpty {
            discard(count: pending.count, at: pendingOffset, into: &outputs)
            pendingOffset += pending.count
            pending.removeAll(keepingCapacity: true)
        }
        flushGarbage(into: &outputs)
        return outputs
    }

    private mutating func scan(streamEnded: Bool, into outputs: inout [FramerOutput]) {
        var start = 0
        let limit = matcher.maximumLength + 1
        scanning: while start < pending.count {
            if !matcher.canBegin(pending[start]) {
                discard(count: 1, at: pendingOffset + start, into: &outputs)
                start += 1
                continue
            }
            let remaining = pending.count - start
            switch matcher.match(pending[start...], streamEnded: streamEnded) {
            case .frame(let length):
                let length = min(max(1, length), remaining)
                flushGarbage(into: &outputs)
                outputs.append(.frame(ScaleFrame(bytes: Array(pending[start..<(start + length)]), offset: pendingOffset + start)))
                start += length
            case .incomplete:
                // A matcher that keeps waiting beyond its own maximum is overruled: the byte is garbage.
                if streamEnded || remaining > limit {
                    discard(count: 1, at: pendingOffset + start, into: &outputs)
                    start += 1
                } else {
                    break scanning
                }
            case .noFrame:
                discard(count: 1, at: pendingOffset + start, into: &outputs)
                start += 1
            case .discard(let count):
                let count = min(max(1, count), remaining)
                discard(count: count, at: pendingOffset + start, into: &outputs)
                start += count
            }
        }
        if start > 0 {
            pending.removeFirst(start)
            pendingOffset += start
        }
    }

    private mutating func discard(count: Int, at offset: Int, into outputs: inout [FramerOutput]) {
        if garbageCount == 0 { garbageOffset = offset }
        garbageCount += count
        discardedByteCount += count
        if garbageCount >= garbageReportThreshold { flushGarbage(into: &outputs) }
    }

    private mutating func flushGarbage(into outputs: inout [FramerOutput]) {
        guard garbageCount > 0 else { return }
        outputs.append(.discarded(FrameError(offset: garbageOffset, reason: .garbage(byteCount: garbageCount))))
        garbageCount = 0
    }
}

/// Lines of a byte set ending in CR, with an optional start byte and an optional LF after the CR
/// that belongs to the line (indicators that can be set to end lines with CR or with CR LF).
///
/// A byte outside the set breaks the line: with a start byte the framer resumes at the next start
/// byte; without one, everything through the next CR (and its LF) is discarded, so that the next
/// frame begins at a line boundary. With the optional LF, a line is complete only when the byte
/// after its CR has arrived (or the stream has ended): on a stream, one frame of latency at most.
public struct LineMatcher: FrameMatcher {
    /// The byte every line begins with (STX, LF), or nil when a line begins at any body byte.
    public var start: UInt8?
    /// The bytes allowed between the start byte and the CR.
    public var body: ByteSet
    /// The longest line, start, CR and LF included.
    public var maximumLength: Int
    /// True when an LF right after the CR is part of the line.
    public var optionalLineFeed: Bool

    /// Creates a line matcher.
    public init(start: UInt8? = nil, body: ByteSet = .printableASCII, maximumLength: Int = 64, optionalLineFeed: Bool = true) {
        self.start = start
        self.body = body
        self.maximumLength = max(2, maximumLength)
        self.optionalLineFeed = optionalLineFeed
    }

    /// The start byte, or any body byte when there is none.
    public func canBegin(_ byte: UInt8) -> Bool {
        if let start { return byte == start }
        return body.contains(byte)
    }

    /// A line through its CR (and LF), or garbage.
    public mutating func match(_ bytes: ArraySlice<UInt8>, streamEnded: Bool) -> FrameMatch {
        var index = bytes.startIndex + (start == nil ? 0 : 1)
        while index < bytes.endIndex {
            let byte = bytes[index]
            let length = index - bytes.startIndex + 1
            if byte == 0x0D {
                guard optionalLineFeed else { return .frame(length: length) }
                if index + 1 < bytes.endIndex { return .frame(length: bytes[index + 1] == 0x0A ? length + 1 : length) }
                return streamEnded ? .frame(length: length) : .incomplete
            }
            if !body.contains(byte) || length >= maximumLength { return skipBrokenLine(bytes, streamEnded: streamEnded) }
            index += 1
        }
        return streamEnded ? skipBrokenLine(bytes, streamEnded: true) : .incomplete
    }

    /// With a start byte: drop one byte (the framer then looks for the next start byte). Without one:
    /// drop through the next CR (and LF), waiting for it if need be.
    private func skipBrokenLine(_ bytes: ArraySlice<UInt8>, streamEnded: Bool) -> FrameMatch {
        if start != nil { return .noFrame }
        guard let cr = bytes.firstIndex(of: 0x0D) else {
            return streamEnded || bytes.count >= maximumLength ? .discard(count: bytes.count) : .incomplete
        }
        let through = cr - bytes.startIndex + 1
        if cr + 1 < bytes.endIndex { return .discard(count: bytes[cr + 1] == 0x0A ? through + 1 : through) }
        return streamEnded || !optionalLineFeed ? .discard(count: through) : .incomplete
    }
}
