import TallyCore

// The uniform shape of a scale protocol driver.
//
// A protocol is one file: a value type conforming to `ScaleProtocolDriver` that names itself, makes a
// framer (usually a `DelimitedFramer` with its own `DelimitedFramer.Rule`), parses one frame into a
// `ScaleReading`, and says which command, if any, polls the indicator or starts its continuous output.
// Nothing else in the device layer switches on protocol names: `ScaleReader` runs any driver.

/// One complete frame cut from a scale's byte stream.
public struct ScaleFrame: Sendable, Hashable, CustomStringConvertible {
    /// The frame exactly as received: start byte, body, terminator and trailer (checksum) included.
    public var bytes: [UInt8]
    /// The offset of the frame's first byte in the stream (0 = first byte read from the port).
    public var offset: Int

    /// Creates a frame.
    public init(bytes: [UInt8], offset: Int) {
        self.bytes = bytes
        self.offset = offset
    }

    /// The bytes written printable: ASCII as is, controls as `<CR>`, `<LF>`, `<STX>`, others as `<xx>` hex.
    public var printable: String { ScaleFrame.printable(bytes) }

    /// `@<offset> <printable bytes>`.
    public var description: String { "@\(offset) \(printable)" }

    /// Writes bytes printable: ASCII 0x20–0x7E as is, common controls by name, others as hex.
    public static func printable(_ bytes: some Sequence<UInt8>) -> String {
        var text = ""
        for byte in bytes {
            switch byte {
            case 0x20...0x7E: text.unicodeScalars.append(Unicode.Scalar(byte))
            case 0x02: text += "<STX>"
            case 0x03: text += "<ETX>"
            case 0x0A: text += "<LF>"
            case 0x0D: text += "<CR>"
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                text += "<" + (hex.count == 1 ? "0" + hex : hex) + ">"
            }
        }
        return text
    }
}

/// Why bytes from a scale did not become a reading, and where in the stream they were.
public struct FrameError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What was wrong.
    public enum Reason: Sendable, Hashable, CustomStringConvertible {
        /// Bytes that belong to no valid frame were discarded (noise, a cut or overlong frame, a byte
        /// the protocol never sends). The framer resumed at the next frame boundary.
        case garbage(byteCount: Int)
        /// The frame has the right boundaries but not the protocol's layout.
        case malformed(String)
        /// The weight field is not a number, or not a whole number of the configured division.
        case badWeight(String)
        /// The unit field names no known unit.
        case unknownUnit(String)
        /// The frame's check byte does not match its contents.
        case badChecksum(expected: UInt8, received: UInt8)
        /// A well-formed reply that carries no reading (`Z A`, `I4 A "…"`): not a fault.
        case reply(String)

        /// A short English explanation.
        public var description: String {
            switch self {
            case .garbage(let count): "\(count) byte\(count == 1 ? "" : "s") of garbage discarded"
            case .malformed(let why): "malformed frame: \(why)"
            case .badWeight(let why): "bad weight field: \(why)"
            case .unknownUnit(let unit): "unknown unit \"\(unit)\""
            case .badChecksum(let expected, let received):
                "checksum mismatch: expected 0x\(String(expected, radix: 16)), received 0x\(String(received, radix: 16))"
            case .reply(let text): "reply without a reading: \(text)"
            }
        }
    }

    /// The stream offset of the first byte concerned (the frame's offset for parse errors).
    public var offset: Int
    /// What was wrong.
    public var reason: Reason

    /// Creates an error at `offset`.
    public init(offset: Int, reason: Reason) {
        self.offset = offset
        self.reason = reason
    }

    /// False for ``Reason/reply(_:)``, which reports a normal acknowledgement; true otherwise.
    public var isFault: Bool {
        if case .reply = reason { return false }
        return true
    }

    /// `at byte <offset>: <reason>`.
    public var description: String { "at byte \(offset): \(reason)" }
}

/// What a framer produced from the bytes it was given.
public enum FramerOutput: Sendable, Hashable {
    /// A complete frame.
    case frame(ScaleFrame)
    /// A run of discarded bytes (``FrameError/Reason/garbage(byteCount:)``), reported once the next
    /// frame completes, the run reaches the framer's report threshold, or the stream finishes.
    case discarded(FrameError)
}

/// Cuts a byte stream into frames, whatever the chunking: feeding the same bytes in any split must
/// produce the same outputs. Implementations never trap on any input and keep bounded memory.
public protocol ScaleFramer: Sendable {
    /// Consumes the next chunk of the stream and returns the frames (and discarded runs) it completes.
    mutating func append<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [FramerOutput]
    /// Ends the stream: reports the pending discarded run and the incomplete frame as garbage.
    mutating func finish() -> [FramerOutput]
    /// How many bytes have been consumed (the offset of the next byte).
    var streamOffset: Int { get }
    /// How many bytes have been discarded so far (reported or still pending).
    var discardedByteCount: Int { get }
}

/// A set of byte values, for describing which bytes a frame body may contain.
public struct ByteSet: Sendable, Hashable {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// The empty set.
    public init() {}

    /// The bytes in `ranges`.
    public init(_ ranges: ClosedRange<UInt8>...) {
        for range in ranges { for byte in range { insert(byte) } }
    }

    /// Adds `byte`.
    public mutating func insert(_ byte: UInt8) {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    /// True when `byte` is in the set.
    public func contains(_ byte: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(byte & 63)
        switch byte >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    /// Printable ASCII, space to tilde (0x20–0x7E).
    public static let printableASCII = ByteSet(0x20...0x7E)

    /// Same members.
    public static func == (lhs: ByteSet, rhs: ByteSet) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    /// Hashes the members.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}

/// The framer most scale protocols need: optional start byte, body bytes from a set, a terminator
/// sequence, an optional fixed-length trailer (a check byte), and a maximum length.
///
/// Resynchronization rules (every byte ends up either in an emitted frame or in a discarded run):
/// - Outside a frame, bytes that cannot begin one are discarded one by one. A frame begins at the
///   rule's start byte, or, for rules without one, at any body byte.
/// - Inside a frame, a byte that is neither body nor the expected terminator byte, or growth beyond
///   ``Rule/maximumLength``, abandons the frame. With a start byte, the framer resumes at the next
///   start byte (a start byte that is not a body byte also abandons the frame in progress and begins
///   a new one); without one, it discards through the next terminator and resumes after it.
/// - Discarded bytes between two frames are reported as one ``FrameError`` at the offset of the first
///   discarded byte, when the next frame completes (or after ``Rule/garbageReportThreshold`` bytes, or
///   at ``finish()``), so the outputs do not depend on how the stream was chunked.
public struct DelimitedFramer: ScaleFramer {
    /// How frames are delimited.
    public struct Rule: Sendable, Hashable {
        /// The byte that begins every frame (`STX`), or nil when a frame begins at any body byte.
        public var start: UInt8?
        /// The bytes that end every frame (`CR LF`, `CR`, `ETX`); at least one byte.
        public var terminator: [UInt8]
        /// Bytes that follow the terminator and belong to the frame (e.g. 1 for a checksum byte).
        public var trailerLength: Int
        /// Bytes allowed between the start and the terminator.
        public var body: ByteSet
        /// The longest acceptable frame, everything included.
        public var maximumLength: Int
        /// A discarded run is reported when it reaches this many bytes even without a following frame.
        public var garbageReportThreshold: Int

        /// Creates a rule. A `terminator` must not be empty; lengths are clamped to at least 1.
        public init(
            start: UInt8? = nil, terminator: [UInt8], trailerLength: Int = 0, body: ByteSet = .printableASCII,
            maximumLength: Int = 128, garbageReportThreshold: Int = 1024
        ) {
            precondition(!terminator.isEmpty, "a frame terminator needs at least one byte")
            self.start = start
            self.terminator = terminator
            self.trailerLength = max(0, trailerLength)
            self.body = body
            self.maximumLength = max(1, maximumLength)
            self.garbageReportThreshold = max(1, garbageReportThreshold)
        }

        /// Printable ASCII lines ending in CR LF, at most 128 bytes (MT-SICS and many others).
        public static let crlfLines = Rule(terminator: [0x0D, 0x0A])
    }

    /// The rule in force.
    public let rule: Rule
    /// How many bytes have been consumed (the offset of the next byte).
    public private(set) var streamOffset = 0
    /// How many bytes have been discarded so far (reported or still pending).
    public private(set) var discardedByteCount = 0

    private var frame: [UInt8] = []
    private var frameOffset = 0
    /// How many bytes of the terminator the end of `frame` (or the skipped bytes) matches.
    private var matched = 0
    /// Trailer bytes still expected after a complete terminator.
    private var trailerRemaining = 0
    /// True while discarding through the next terminator (rules without a start byte).
    private var skipping = false
    private var garbageOffset = 0
    private var garbageCount = 0

    /// Creates a framer for `rule`, at stream offset 0.
    public init(rule: Rule) {
        self.rule = rule
        frame.reserveCapacity(rule.maximumLength + rule.trailerLength)
    }

    /// Consumes the next chunk of the stream and returns the frames (and discarded runs) it completes.
    public mutating func append<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> [FramerOutput] {
        var outputs: [FramerOutput] = []
        for byte in bytes {
            consume(byte, into: &outputs)
            streamOffset += 1
        }
        return outputs
    }

    /// Ends the stream: the incomplete frame joins the pending discarded run, which is reported.
    public mutating func finish() -> [FramerOutput] {
        var outputs: [FramerOutput] = []
        if !frame.isEmpty { abandonFrame() }
        skipping = false
        matched = 0
        trailerRemaining = 0
        flushGarbage(into: &outputs)
        return outputs
    }

    private func canBegin(_ byte: UInt8) -> Bool {
        if let start = rule.start { return byte == start }
        return rule.body.contains(byte)
    }

    private mutating func consume(_ byte: UInt8, into outputs: inout [FramerOutput]) {
        if trailerRemaining > 0 {
            frame.append(byte)
            trailerRemaining -= 1
            if trailerRemaining == 0 { complete(into: &outputs) }
            return
        }
        if skipping {
            discard(byteCount: 1, at: streamOffset, into: &outputs)
            if byte == rule.terminator[matched] {
                matched += 1
                if matched == rule.terminator.count { skipping = false; matched = 0 }
            } else {
                matched = byte == rule.terminator[0] ? 1 : 0
                if matched == rule.terminator.count { skipping = false; matched = 0 }
            }
            return
        }
        if frame.isEmpty {
            if canBegin(byte) { begin(byte) } else { discard(byteCount: 1, at: streamOffset, into: &outputs) }
            return
        }
        if let start = rule.start, byte == start, !rule.body.contains(byte) {
            abandonFrame()
            begin(byte)
            return
        }
        frame.append(byte)
        var valid = true
        if byte == rule.terminator[matched] {
            matched += 1
        } else {
            // The terminator prefix matched so far turns out to be body: it must be allowed there.
            if matched > 0, !rule.terminator[0..<matched].allSatisfy(rule.body.contains) { valid = false }
            matched = 0
            if byte == rule.terminator[0] {
                matched = 1
            } else if !rule.body.contains(byte) {
                valid = false
            }
        }
        if valid && matched == rule.terminator.count {
            matched = 0
            if rule.trailerLength > 0 { trailerRemaining = rule.trailerLength } else { complete(into: &outputs) }
            return
        }
        if !valid || frame.count >= rule.maximumLength {
            let endsTerminatorPrefix = matched
            abandonFrame()
            if rule.start == nil {
                skipping = true
                matched = endsTerminatorPrefix
            } else {
                matched = 0
            }
        }
    }

    private mutating func begin(_ byte: UInt8) {
        frame = [byte]
        frameOffset = streamOffset
        matched = 0
        if byte == rule.terminator[0], rule.start != nil { matched = 1 }
    }

    /// Moves the frame in progress to the discarded run.
    private mutating func abandonFrame() {
        if garbageCount == 0 { garbageOffset = frameOffset }
        garbageCount += frame.count
        discardedByteCount += frame.count
        frame.removeAll(keepingCapacity: true)
        trailerRemaining = 0
    }

    private mutating func discard(byteCount: Int, at offset: Int, into outputs: inout [FramerOutput]) {
        if garbageCount == 0 { garbageOffset = offset }
        garbageCount += byteCount
        discardedByteCount += byteCount
        if garbageCount >= rule.garbageReportThreshold { flushGarbage(into: &outputs) }
    }

    private mutating func flushGarbage(into outputs: inout [FramerOutput]) {
        guard garbageCount > 0 else { return }
        outputs.append(.discarded(FrameError(offset: garbageOffset, reason: .garbage(byteCount: garbageCount))))
        garbageCount = 0
    }

    private mutating func complete(into outputs: inout [FramerOutput]) {
        flushGarbage(into: &outputs)
        outputs.append(.frame(ScaleFrame(bytes: frame, offset: frameOffset)))
        frame.removeAll(keepingCapacity: true)
        matched = 0
    }
}

/// Settings a driver takes from the hardware profile.
public struct ScaleDriverOptions: Sendable, Hashable, Codable {
    /// The scale's division `d`. When nil, a driver infers it from the displayed decimals (one unit
    /// of the last digit). When set, every weight must be a whole number of it.
    public var division: Division?
    /// The unit, for protocols whose frames do not carry one.
    public var unit: WeightUnit?

    /// Creates options.
    public init(division: Division? = nil, unit: WeightUnit? = nil) {
        self.division = division
        self.unit = unit
    }
}

/// A scale indicator protocol: framing, parsing and the commands a host sends.
///
/// Conforming types are small value types, one per file (`MTSICS.swift`, ...). A driver may keep
/// state between frames (MT-SICS remembers the tare it has seen), so ``parse(_:)`` is `mutating`;
/// ``ScaleReader`` owns one copy per port and calls it from one thread.
public protocol ScaleProtocolDriver: Sendable {
    /// The framer type this protocol uses (usually ``DelimitedFramer``).
    associatedtype Framer: ScaleFramer

    /// The protocol's identifier in profiles and readings (`"mt-sics"`).
    static var name: String { get }

    /// Creates a driver configured from a hardware profile.
    init(options: ScaleDriverOptions)

    /// A new framer at stream offset 0.
    func makeFramer() -> Framer

    /// Decodes one frame. Readings keep `frame.bytes` as their raw evidence.
    ///
    /// - Throws: ``FrameError`` at `frame.offset`; ``FrameError/Reason/reply(_:)`` for well-formed
    ///   replies that carry no reading.
    mutating func parse(_ frame: ScaleFrame) throws(FrameError) -> ScaleReading

    /// The command that asks for one reading, for indicators that must be polled (nil if none).
    var pollCommand: [UInt8]? { get }
    /// The command that starts continuous output (nil if the indicator streams by itself or cannot).
    var startContinuousCommand: [UInt8]? { get }
    /// The command that stops continuous output (nil if none).
    var stopContinuousCommand: [UInt8]? { get }
}

extension ScaleProtocolDriver {
    /// No poll command by default.
    public var pollCommand: [UInt8]? { nil }
    /// No start command by default.
    public var startContinuousCommand: [UInt8]? { nil }
    /// No stop command by default.
    public var stopContinuousCommand: [UInt8]? { nil }
    /// The protocol's name, from an instance.
    public var name: String { Self.name }
}
