#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Synchronization
import TallyCore

/// A simulated scale indicator of any supported protocol on a pseudo-terminal, for demos and tests.
///
/// The simulator plays the indicator on the pty master, on its own thread; the product opens
/// ``slavePath`` with the real ``SerialPort``, exactly as it would open `/dev/ttyUSB0`. It either
/// streams frames every interval (``Transmission/continuous(intervalMilliseconds:)``) or answers the
/// protocol's request commands (``Transmission/polled``); in both cases it answers commands.
///
/// | protocol | streams by itself | answers |
/// |---|---|---|
/// | `mt-sics` | no (`SIR` starts a stream) | `S`, `SI`, `SIR`, `Z`, `T`, `TAC`; else `ES` |
/// | `toledo-continuous` | yes | nothing (polled: silent) |
/// | `toledo-8217` | no (polled only) | `W`, `Z`, `T` CR, `C`; else the status |
/// | `nci` | no (polled only) | `W`, `S`, `Z`, `T`; else `?` |
/// | `and` | yes | `RW`, `Q`, `MZ`, `MT`, `CT` (echoed); else `?` |
/// | `cas` | yes | `D dd KW`, `D dd KZ`, `D dd KT` |
/// | `rice-lake` | yes (`SX`/`EX` start and stop it) | `S`, `SX`, `EX`; else `??` |
/// | `cardinal-sma` | yes | `LF W CR`, `LF Z CR`, `LF T CR`; else `LF ? CR` |
///
/// The platform is driven from outside, from any thread: ``place(weight:settleReadings:)``,
/// ``remove(settleReadings:)``, ``tare()``, ``clearTare()``, ``overload()``, ``underload()``,
/// ``zeroError()``, ``sendGarbage(_:)``. Each frame sent while a load settles is one step of the
/// approach (in motion); then the load reads stable. Weights are shown in the division and unit of the
/// last weight placed (the initial ones at start). Conditions a protocol cannot express (a zero error
/// in A&D or CAS frames) are simply not shown.
///
/// `Sendable` without `@unchecked`: mutable state is in a `Mutex`, flags are atomic, the
/// pseudo-terminal is itself `Sendable`.
public final class SimulatedScale: Sendable {
    /// How the simulated indicator sends readings.
    public enum Transmission: Sendable, Hashable {
        /// Streams a frame every `intervalMilliseconds` (at least 5), when the protocol streams.
        case continuous(intervalMilliseconds: Int)
        /// Sends frames only in answer to requests.
        case polled
    }

    /// Why a simulator could not start.
    public enum SetupError: Error, Sendable, Hashable, CustomStringConvertible {
        /// No simulation for this protocol name.
        case unknownProtocol(String)
        /// The pseudo-terminal could not be opened.
        case device(DeviceIOError)

        /// A short English explanation.
        public var description: String {
            switch self {
            case .unknownProtocol(let name): "no simulated indicator for protocol '\(name)'"
            case .device(let error): "\(error)"
            }
        }
    }

    /// The protocol played (`nci`).
    public let protocolName: String
    /// The pty slave path the product opens.
    public let slavePath: String
    /// How readings are sent.
    public let transmission: Transmission

    private let terminal: PseudoTerminal
    private let emulation: any ScaleEmulation
    private let state: Mutex<SimulatedPlatform>
    private let stopRequested = Atomic(false)
    private let running = DispatchGroup()

    /// The protocols that can be simulated, sorted.
    public static var protocolNames: [String] { emulations.keys.sorted() }

    static let emulations: [String: any ScaleEmulation] = [
        MTSICS.name: MTSICSEmulation(),
        ToledoContinuous.name: ToledoContinuousEmulation(checksum: true),
        Toledo8217.name: Toledo8217Emulation(),
        NCI.name: NCIEmulation(),
        AandD.name: AandDEmulation(),
        CAS.name: CASEmulation(),
        RiceLake.name: RiceLakeEmulation(),
        CardinalSMA.name: CardinalSMAEmulation(),
    ]

    /// Opens a pseudo-terminal and starts the simulator thread with an empty platform. The thread runs
    /// (and keeps the simulator alive) until ``stop()``.
    ///
    /// - Parameters:
    ///   - name: the protocol to play (see ``protocolNames``).
    ///   - transmission: streaming or polled.
    ///   - division: the initial display division (default 0.1).
    ///   - unit: the initial unit (default kg).
    ///   - toledoChecksum: whether Toledo continuous frames end with a checksum (default true).
    /// - Throws: ``SetupError``.
    public init(
        protocol name: String, transmission: Transmission = .continuous(intervalMilliseconds: 50),
        division: Division = Division(multiplier: 1, exponent: -1)!, unit: WeightUnit = .kilogram,
        toledoChecksum: Bool = true
    ) throws(SetupError) {
        guard var emulation = Self.emulations[name] else { throw .unknownProtocol(name) }
        if name == ToledoContinuous.name { emulation = ToledoContinuousEmulation(checksum: toledoChecksum) }
        do {
            terminal = try PseudoTerminal()
        } catch {
            throw .device(error)
        }
        self.emulation = emulation
        protocolName = name
        slavePath = terminal.slavePath
        self.transmission = transmission
        var platform = SimulatedPlatform(division: division, unit: unit, nextEmission: ContinuousClock.now)
        if case .continuous = transmission { platform.streaming = emulation.streamsByItself }
        state = Mutex(platform)
        running.enter()
        let thread = Thread { [self] in
            run()
            running.leave()
        }
        thread.name = "tally.simulated-\(name) \(slavePath)"
        thread.start()
    }

    // The thread holds the simulator until stop(): call stop() when done.

    // MARK: Driving the platform

    /// Puts `weight` on the platform (replacing what was there). The next `settleReadings` frames are in
    /// motion, converging on it; then it reads stable. A weight in another division or unit than the
    /// current one re-zeroes the display in the new division and clears the tare. Clears any condition.
    public func place(weight: Weight, settleReadings: Int) {
        state.withLock { state in
            if weight.division != state.division || weight.unit != state.unit {
                state.division = weight.division
                state.unit = weight.unit
                state.load = 0
                state.zeroOffset = 0
                state.tare = 0
            }
            state.condition = .normal
            state.move(to: weight.divisions + state.zeroOffset, steps: settleReadings)
        }
    }

    /// Clears the platform: `settleReadings` moving frames, then stable at zero gross.
    public func remove(settleReadings: Int = 2) {
        state.withLock { state in
            state.condition = .normal
            state.move(to: state.zeroOffset, steps: settleReadings)
        }
    }

    /// Tares the load on the platform (the settled weight it is converging on): readings become net.
    public func tare() {
        state.withLock { $0.tare = $0.target - $0.zeroOffset }
    }

    /// Clears the tare: readings become gross again.
    public func clearTare() {
        state.withLock { $0.tare = 0 }
    }

    /// Frames report overload until the next ``place(weight:settleReadings:)`` or ``remove(settleReadings:)``.
    public func overload() {
        state.withLock { $0.condition = .overload }
    }

    /// Frames report underload until the next ``place(weight:settleReadings:)`` or ``remove(settleReadings:)``.
    public func underload() {
        state.withLock { $0.condition = .underload }
    }

    /// Frames report a zero error (Toledo: power-up not zeroed; 8217: outside the zero capture range;
    /// NCI: `------`; SMA: `E`; Rice Lake: invalid) until the next placement or removal.
    public func zeroError() {
        state.withLock { $0.condition = .zeroError }
    }

    /// Sends `bytes` as they are, before the next reply or frame.
    public func sendGarbage(_ bytes: [UInt8]) {
        state.withLock { $0.outgoing.append(contentsOf: bytes) }
    }

    /// The commands received so far, in order, as printable text (controls written as `<CR>`, `<LF>`...).
    public var receivedCommands: [String] { state.withLock { $0.commands } }

    /// True while the indicator streams.
    public var isStreaming: Bool { state.withLock { $0.streaming } }

    /// Stops the simulator thread and closes the pseudo-terminal (a port open on ``slavePath`` then
    /// reads a disconnect). Idempotent.
    public func stop() {
        stopRequested.store(true, ordering: .releasing)
        _ = running.wait(timeout: .now() + .seconds(5))
        terminal.close()
    }

    // MARK: The simulator thread

    private func run() {
        var pending: [UInt8] = []
        let clock = ContinuousClock()
        let interval: Int
        if case .continuous(let milliseconds) = transmission { interval = max(5, milliseconds) } else { interval = 50 }
        while !stopRequested.load(ordering: .acquiring) {
            let input: [UInt8]
            do {
                input = try terminal.readFromMaster(timeoutMilliseconds: 5)
            } catch {
                return
            }
            pending.append(contentsOf: input)
            var output = state.withLock { state -> [UInt8] in
                let garbage = state.outgoing
                state.outgoing.removeAll()
                return garbage
            }
            while let command = emulation.nextCommand(from: &pending) {
                output += state.withLock { state -> [UInt8] in
                    state.commands.append(ScaleFrame.printable(command))
                    return emulation.respond(to: command, platform: &state)
                }
            }
            if pending.count > 256 { pending.removeAll() }
            output += state.withLock { state -> [UInt8] in
                guard state.streaming, clock.now >= state.nextEmission else { return [] }
                state.nextEmission = clock.now.advanced(by: .milliseconds(interval))
                return emulation.frame(state.advance())
            }
            if !output.isEmpty {
                do {
                    try terminal.writeToMaster(output)
                } catch {
                    return
                }
            }
        }
    }
}

// MARK: - The platform model

/// What a simulated indicator displays at one moment.
struct SimulatedIndication: Sendable, Hashable {
    /// Overload, underload and zero error, as the simulator sets them.
    enum Condition: Sendable, Hashable { case normal, overload, underload, zeroError }

    /// Gross weight above zero, in divisions.
    var grossDivisions: Int64
    /// The active tare in divisions (0: none, readings are gross).
    var tareDivisions: Int64
    var division: Division
    var unit: WeightUnit
    var motion: Bool
    var condition: Condition

    /// True when a tare is active.
    var isNet: Bool { tareDivisions != 0 }
    /// Net or gross, as displayed.
    var displayedDivisions: Int64 { isNet ? grossDivisions - tareDivisions : grossDivisions }
    /// The displayed weight.
    var displayed: Weight { Weight(divisions: displayedDivisions, division: division, unit: unit) }
    /// The tare weight.
    var tareWeight: Weight { Weight(divisions: tareDivisions, division: division, unit: unit) }
    /// The displayed value without sign, with the division's decimals (`412.5`).
    var magnitudeText: String { Weight(divisions: abs(displayedDivisions), division: division, unit: unit).value.description }
    /// Stable and normal at gross zero.
    var atZero: Bool { grossDivisions == 0 && !motion && condition == .normal }
}

/// The simulated platform: load, motion, zero, tare and conditions.
struct SimulatedPlatform: Sendable {
    var division: Division
    var unit: WeightUnit
    /// Gross load in divisions, before zeroing.
    var load: Int64 = 0
    var start: Int64 = 0
    var target: Int64 = 0
    var steps = 0
    var stepsRemaining = 0
    var zeroOffset: Int64 = 0
    var tare: Int64 = 0
    var condition = SimulatedIndication.Condition.normal
    var streaming = false
    var nextEmission: ContinuousClock.Instant
    var outgoing: [UInt8] = []
    var commands: [String] = []

    init(division: Division, unit: WeightUnit, nextEmission: ContinuousClock.Instant) {
        self.division = division
        self.unit = unit
        self.nextEmission = nextEmission
    }

    var isMoving: Bool { stepsRemaining > 0 }

    mutating func move(to newTarget: Int64, steps newSteps: Int) {
        start = load
        target = newTarget
        steps = max(0, newSteps)
        stepsRemaining = steps
        if steps == 0 { load = target }
    }

    /// The current indication, without advancing the motion.
    var indication: SimulatedIndication {
        SimulatedIndication(grossDivisions: load - zeroOffset, tareDivisions: tare, division: division, unit: unit,
                            motion: isMoving, condition: condition)
    }

    /// Advances a settling load by one step and returns the indication of that step.
    mutating func advance() -> SimulatedIndication {
        var moving = false
        if stepsRemaining > 0 {
            let step = Int64(steps - stepsRemaining + 1)
            load = start + (target - start) * step / Int64(steps + 1)
            stepsRemaining -= 1
            moving = true
        } else {
            load = target
        }
        return SimulatedIndication(grossDivisions: load - zeroOffset, tareDivisions: tare, division: division, unit: unit,
                                   motion: moving, condition: condition)
    }

    /// Zeroes at the current load (clears the tare). False while moving or in a condition.
    mutating func zero() -> Bool {
        guard !isMoving, condition == .normal else { return false }
        zeroOffset = load
        target = load
        tare = 0
        return true
    }

    /// Tares the current load. False while moving or in a condition.
    mutating func tareNow() -> Bool {
        guard !isMoving, condition == .normal else { return false }
        tare = load - zeroOffset
        return true
    }
}

// MARK: - Emulations

/// How a simulated indicator speaks one protocol: its frames and its answers to commands.
protocol ScaleEmulation: Sendable {
    /// True when the indicator streams by itself in continuous transmission.
    var streamsByItself: Bool { get }
    /// The frame showing `indication`.
    func frame(_ indication: SimulatedIndication) -> [UInt8]
    /// Removes and returns the next complete command at the front of `buffer`, or nil.
    func nextCommand(from buffer: inout [UInt8]) -> [UInt8]?
    /// The answer to `command`, which may change the platform.
    func respond(to command: [UInt8], platform: inout SimulatedPlatform) -> [UInt8]
}

extension ScaleEmulation {
    /// Commands are lines ending in CR, LF or CR LF (empty lines skipped).
    func nextCommand(from buffer: inout [UInt8]) -> [UInt8]? {
        while let end = buffer.firstIndex(where: { $0 == 0x0D || $0 == 0x0A }) {
            let line = Array(buffer[..<end])
            buffer.removeSubrange(...end)
            if !line.isEmpty { return line }
        }
        return nil
    }

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
}

/// `text` right-aligned in `width` characters, padded with `pad`.
private func padded(_ text: String, _ width: Int, with pad: Character = " ") -> String {
    String(repeating: pad, count: max(0, width - text.count)) + text
}

/// `text` left-aligned in `width` characters, padded with spaces.
private func leftAligned(_ text: String, _ width: Int) -> String {
    text + String(repeating: " ", count: max(0, width - text.count))
}

struct MTSICSEmulation: ScaleEmulation {
    var streamsByItself: Bool { false }

    func frame(_ indication: SimulatedIndication) -> [UInt8] {
        switch indication.condition {
        case .overload: return Array("S +\r\n".utf8)
        case .underload: return Array("S -\r\n".utf8)
        case .zeroError: return Array("S I\r\n".utf8)
        case .normal: break
        }
        let value = indication.displayed.value.description
        return Array("S \(indication.motion ? "D" : "S") \(padded(value, 10)) \(indication.unit.rawValue)\r\n".utf8)
    }

    func respond(to command: [UInt8], platform: inout SimulatedPlatform) -> [UInt8] {
        let name = text(command)
        if name != "SIR" { platform.streaming = false }
        switch name {
        case "SI": return frame(platform.advance())
        case "S":
            let indication = platform.advance()
            return indication.motion && indication.condition == .normal ? Array("S I\r\n".utf8) : frame(indication)
        case "SIR":
            platform.streaming = true
            return frame(platform.advance())
        case "Z": return Array((platform.zero() ? "Z A\r\n" : "Z I\r\n").utf8)
        case "T":
            guard platform.tareNow() else { return Array("T I\r\n".utf8) }
            return Array("T S \(padded(platform.indication.tareWeight.value.description, 10)) \(platform.unit.rawValue)\r\n".utf8)
        case "TAC":
            platform.tare = 0
            return Array("TAC A\r\n".utf8)
        default: return Array("ES\r\n".utf8)
        }
    }
}

struct ToledoContinuousEmulation: ScaleEmulation {
    var checksum: Bool
    var streamsByItself: Bool { true }

    func frame(_ indication: SimulatedIndication) -> [UInt8] {
        let division = indication.division
        let increment: UInt8 = division.multiplier == 1 ? 0b01 : division.multiplier == 2 ? 0b10 : 0b11
        let point = UInt8(clamping: max(0, min(7, 2 - division.exponent)))
        let swa: UInt8 = 0x20 | increment << 3 | point
        let over = indication.condition == .overload, under = indication.condition == .underload
        let negative = under || indication.displayedDivisions < 0
        var swb: UInt8 = 0x20
        if indication.isNet { swb |= 0x01 }
        if negative { swb |= 0x02 }
        if over || under { swb |= 0x04 }
        if indication.motion { swb |= 0x08 }
        if indication.unit == .kilogram { swb |= 0x10 }
        if indication.condition == .zeroError { swb |= 0x40 }
        var swc: UInt8 = 0x20
        switch indication.unit {
        case .gram: swc |= 1
        case .tonne: swc |= 2
        case .ounce: swc |= 3
        case .kilogram, .pound: break
        }
        func digits(_ divisions: Int64) -> String {
            let count = min(999_999, abs(divisions) * Int64(division.multiplier))
            return padded(String(count), 6, with: "0")
        }
        var bytes: [UInt8] = [0x02, swa, swb, swc]
        bytes += Array(digits(indication.displayedDivisions).utf8)
        bytes += Array(digits(indication.tareDivisions).utf8)
        bytes.append(0x0D)
        if checksum { bytes.append(ToledoContinuous.checksum(bytes)) }
        return bytes
    }

    func respond(to command: [UInt8], platform: inout SimulatedPlatform) -> [UInt8] { [] }
}

struct Toledo8217Emulation: ScaleEmulation {
    var streamsByItself: Bool { false }

    /// Single-letter commands, except `T`, which ends with CR (`T` CR tare, `Twwwww` CR preset tare).
    func nextCommand(from buffer: inout [UInt8]) -> [UInt8]? {
        while let first = buffer.first, first == 0x0D || first == 0x0A { buffer.removeFirst() }
        guard let first = buffer.first else { return nil }
        if first == UInt8(ascii: "T") {
            guard let end = buffer.firstIndex(of: 0x0D) else { return nil }
            let command = Array(buffer[..<end])
            buffer.removeSubrange(...end)
            return command
        }
        buffer.removeFirst()
        return [first]
    }

    func status(_ indication: SimulatedIndication) -> UInt8 {
        var status: UInt8 = 0x40
        if indication.motion { status |= 0x01 }
        if indication.condition == .overload { status |= 0x02 }
        if indication.condition == .underload || indication.displayedDivisions < 0 { status |= 0x04 }
        if indication.condition == .zeroError { status |= 0x08 }
        if indication.atZero { status |= 0x10 }
        if indication.isNet { status |= 0x20 }
        return status
    }

    func statusReply(_ indication: SimulatedIndication) -> [UInt8] { [0x02, UInt8(ascii: "?"), status(indication), 0x0D] }

    /// The weight reply when the weight is valid, else the status reply.
    func frame(_ indication: SimulatedIndication) -> [UInt8] {
        guard !indication.motion, indication.condition == .normal, indication.displayedDivisions >= 0 else { return statusReply(indication) }
        let text = indication.magnitudeText
        let width = text.contains(".") ? 6 : 5
        return [0x02] + Array(padded(text, width, with: "0").utf8) + (indication.isNet ? [UInt8(ascii: "N")] : []) + [0x0D]
    }

    func respond(to command: [UInt8], platform: inout SimulatedPlatform) -> [UInt8] {
        switch text(command) {
        case "W": return frame(platform.advance())
        case "Z": _ = platform.zero()
        case "T": _ = platform.tareNow()
        case "C": platform.tare = 0
        default: break
        }
        return statusReply(platform.indication)
    }
}

struct NCIEmulation: ScaleEmulation {
    var streamsByItself: Bool { false }

    func statusBytes(_ indication: SimulatedIndication) -> [UInt8] {
        var first: UInt8 = 0x30, second: UInt8 = 0x70, third: UInt8 = 0x30
        if indication.motion { first |= 0x01 }
        if indication.atZero { first |= 0x02 }
        if indication.condition == .underload { second |= 0x01 }
        if indication.condition == .overload { second |= 0x02 }
        if indication.isNet { third |= 0x04 }
        if indication.condition == .zeroError { third |= 0x08 }
        return [first, second, third]
    }

    func statusReply(_ indication: SimulatedIndication) -> [UInt8] { [0x0A] + statusBytes(indication) + [0x0D, 0x03] }

    func frame(_ indication: SimulatedIndication) -> [UInt8] {
        let field: String
        switch indication.condition {
        case .overload: field = "^^^^^^"
        case .underload: field = "______"
        case .zeroError: field = "------"
        case .normal:
            let text = indication.magnitudeText
            field = (indication.displayedDivisions < 0 ? "-" : "") + padded(text, text.contains(".") ? 6 : 5, with: "0")
        }
        return [0x0A] + Array((field + indication.unit.rawValue).utf8) + [0x0D] + statusReply(indication)
    }

    func respond(to command: [UInt8], platform: inout SimulatedPlatform) -> [UInt8] {
        switch text(command) {
        case "W": return frame(platform.advance())
        case "S": return statusReply(platform.indication)
        case "Z":
            _ = platform.zero()
            return statusReply(platform.indication)
        case "T":
            _ = platform.tareNow()
            return statusReply(platform.indication)
        default: return [0x0A, UInt8(ascii: "?"), 0x0D, 0x03]
        }
    }
}

struct AandDEmulation: ScaleEmulation {
    var streamsByItself: Bool { true }

    static func unitField(_ unit: WeightUnit) -> String {
        switch unit {
        case .kilogram: "kg"
        case .gram: " g"
        case .tonne: " t"
        case .pound: "lb"
        case .ounce: "oz"
        }
    }

    func frame(_ indication: SimulatedIndication) -> [UInt8] {
        let header2 = indication.isNet ? "NT" : "GS"
        let text = padded(indication.magnitudeText, 7, with: "0")
        let line: String
        switch indication.condition {
        case .overload, .underload:
            let blanks = String(text.map { $0 == "." ? "." : " " })
            line = "OL,\(header2),\(indication.condition == .underload ? "-" : "+")\(blanks)"
        case .normal, .zeroError:
            line = "\(indication.motion ? "US" : "ST"),\(header2),\(indication.displayedDivisions < 0 ? "-" : "+")\(text)"
        }
        return Array((line + Self.unitField(indication.unit) + "\r\n").utf8)
    }

    func respond(to command: [UInt8], platform: inout SimulatedPlatform) -> [UInt8] {
        let name = text(command)
        switch name {
        case "RW", "Q": return frame(platform.advance())
        case "MZ": return Array(((platform.zero() ? name : "I") + "\r\n").utf8)
        case "MT": return Array(((platform.tareNow() ? name : "I") + "\r\n").utf8)
        case "CT":
            platform.tare = 0
            return Array((name + "\r\n").utf8)
        default: return Array("?\r\n".utf8)
        }
    }
}

struct CASEmulation: ScaleEmulation {
    var streamsByItself: Bool { true }

    func frame(_ indication: SimulatedIndication) -> [UInt8] {
        let stable = !indication.motion && indication.condition == .normal
        let header1 = indication.condition == .overload || indication.condition == .underload ? "OL" : indication.motion ? "US" : "ST"
        let negative = indication.condition == .underload || indication.displayedDivisions < 0
        let data = negative ? "-" + padded(indication.magnitudeText, 7, with: "0") : padded(indication.magnitudeText, 8, with: "0")
        var lamp: UInt8 = 0xA0
        if stable { lamp |= 0x40 }
        if !indication.isNet { lamp |= 0x04 }
        if indication.isNet { lamp |= 0x02 }
        if indication.atZero { lamp |= 0x01 }
        let unit = AandDEmulation.unitField(indication.unit)
        return Array("\(header1),\(indication.isNet ? "NT" : "GS"),1".utf8) + [lamp] + Array(",\(data) \(unit)\r\n".utf8)
    }

    func respond(to command: [UInt8], platform: inout SimulatedPlatform) -> [UInt8] {
        let name = text(command)
        guard name.count == 5, name.hasPrefix("D") else { return [] }
        switch String(name.suffix(2)) {
        case "KW": return frame(platform.advance())
        case "KZ":
            _ = platform.zero()
            return command + [0x0D, 0x0A]
        case "KT":
            _ = platform.tareNow()
            return command + [0x0D, 0x0A]
        default: return []
        }
    }
}

struct RiceLakeEmulation: ScaleEmulation {
    var streamsByItself: Bool { true }

    func frame(_ indication: SimulatedIndication) -> [UInt8] {
        let negative = indication.condition == .underload || indication.displayedDivisions < 0
        let unit: String
        switch indication.unit {
        case .pound: unit = "L"
        case .kilogram: unit = "K"
        case .gram: unit = "G"
        case .ounce: unit = "O"
        case .tonne: unit = "T"
        }
        let status: String
        switch indication.condition {
        case .overload, .underload: status = "O"
        case .zeroError: status = "I"
        case .normal: status = indication.motion ? "M" : indication.atZero ? "Z" : " "
        }
        let text = "\(negative ? "-" : " ")\(padded(indication.magnitudeText, 7))\(unit)\(indication.isNet ? "N" : "G")\(status)"
        return [0x02] + Array(text.utf8) + [0x0D, 0x0A]
    }

    func respond(to command: [UInt8], platform: inout SimulatedPlatform) -> [UInt8] {
        switch text(command) {
        case "S": return frame(platform.advance())
        case "SX":
            platform.streaming = true
            return Array("OK\r\n".utf8)
        case "EX":
            platform.streaming = false
            return Array("OK\r\n".utf8)
        default: return Array("??\r\n".utf8)
        }
    }
}

struct CardinalSMAEmulation: ScaleEmulation {
    var streamsByItself: Bool { true }

    func frame(_ indication: SimulatedIndication) -> [UInt8] {
        let flag: String
        switch indication.condition {
        case .overload: flag = "O"
        case .underload: flag = "U"
        case .zeroError: flag = "E"
        case .normal: flag = indication.atZero ? "Z" : " "
        }
        let weight = indication.condition == .zeroError
            ? "----------"
            : padded((indication.displayedDivisions < 0 ? "-" : "") + indication.magnitudeText, 10)
        let text = "\(flag)1\(indication.isNet ? "N" : "G")\(indication.motion ? "M" : " ") \(weight)\(leftAligned(indication.unit.rawValue, 3))"
        return [0x0A] + Array(text.utf8) + [0x0D]
    }

    func respond(to command: [UInt8], platform: inout SimulatedPlatform) -> [UInt8] {
        switch text(command) {
        case "W": return frame(platform.advance())
        case "Z":
            _ = platform.zero()
            return frame(platform.indication)
        case "T":
            _ = platform.tareNow()
            return frame(platform.indication)
        default: return [0x0A, UInt8(ascii: "?"), 0x0D]
        }
    }
}
