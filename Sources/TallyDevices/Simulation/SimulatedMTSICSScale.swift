#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Synchronization
import TallyCore

/// A simulated Mettler Toledo MT-SICS scale on a pseudo-terminal, for demos and tests.
///
/// The simulator plays the indicator on the pty master, on its own thread; the product opens
/// ``slavePath`` with the real ``SerialPort``, exactly as it would open `/dev/ttyUSB0`. It answers:
/// - `S`: `S S <w> <u>` when settled, `S I` while the load moves, `S +`/`S -` when over/underloaded;
/// - `SI`: the current reading (`S D` while moving, `S S` when settled, `S +`, `S -`);
/// - `SIR`: the current reading now and every ``intervalMilliseconds`` until another command arrives;
/// - `Z`: `Z A` (zero at the current load, tare cleared), `Z I` while moving;
/// - `T`: `T S <tare> <u>` (tare the current net load), `T I` while moving;
/// - `TA`: `TA A <tare> <u>`; `TA <value> <unit>` presets the tare; `TAC`: `TAC A` (tare cleared);
/// - `@`: `I4 A "<serial number>"`; anything else: `ES`.
/// Every command except `SIR` ends a running `SIR` stream. Commands may end in CR LF, CR or LF.
///
/// The platform is driven from outside, from any thread: ``place(weight:settleReadings:)``,
/// ``remove(settleReadings:)``, ``overload()``, ``underload()``, ``sendGarbage(_:)``. Each reading
/// sent while a load settles is one step of the approach (`S D`), then the load reads stable (`S S`).
/// Weights are shown in the division and unit of the last weight placed (the initial ones at start).
///
/// `Sendable` without `@unchecked`: mutable state is in a `Mutex`, flags are atomic, the
/// pseudo-terminal is itself `Sendable`.
public final class SimulatedMTSICSScale: Sendable {
    /// The pty slave path the product opens.
    public let slavePath: String
    /// The interval between `SIR` readings, in milliseconds.
    public let intervalMilliseconds: Int
    /// The serial number answered to `@` (as `I4 A "…"`).
    public let serialNumber: String

    private struct State: Sendable {
        var division: Division
        var unit: WeightUnit
        /// Gross load on the platform, in divisions.
        var load: Int64 = 0
        var start: Int64 = 0
        var target: Int64 = 0
        var steps = 0
        var stepsRemaining = 0
        var zeroOffset: Int64 = 0
        var tare: Int64 = 0
        var overloaded = false
        var underloaded = false
        var streaming = false
        var nextEmission: ContinuousClock.Instant
        var outgoing: [UInt8] = []
        var commands: [String] = []
    }

    private let terminal: PseudoTerminal
    private let state: Mutex<State>
    private let stopRequested = Atomic(false)
    private let running = DispatchGroup()

    /// Opens a pseudo-terminal and starts the simulator thread with an empty platform. The thread
    /// runs (and keeps the simulator alive) until ``stop()``.
    ///
    /// - Parameters:
    ///   - division: the initial display division (default 0.1).
    ///   - unit: the initial unit (default kg).
    ///   - intervalMilliseconds: the `SIR` repeat interval (at least 5, default 50).
    ///   - serialNumber: answered to `@`.
    /// - Throws: ``DeviceIOError`` when the pseudo-terminal cannot be opened.
    public init(
        division: Division = Division(multiplier: 1, exponent: -1)!, unit: WeightUnit = .kilogram,
        intervalMilliseconds: Int = 50, serialNumber: String = "SIM0000001"
    ) throws(DeviceIOError) {
        terminal = try PseudoTerminal()
        slavePath = terminal.slavePath
        self.intervalMilliseconds = max(5, intervalMilliseconds)
        self.serialNumber = serialNumber
        state = Mutex(State(division: division, unit: unit, nextEmission: ContinuousClock.now))
        running.enter()
        let thread = Thread { [self] in
            run()
            running.leave()
        }
        thread.name = "tally.simulated-mt-sics \(slavePath)"
        thread.start()
    }

    // The thread holds the simulator until stop(): call stop() when done.

    // MARK: Driving the platform

    /// Puts `weight` on the platform (replacing what was there). The next `settleReadings` readings
    /// are in motion (`S D`), converging on it; then it reads stable. A weight in another division or
    /// unit than the current one re-zeroes the display in the new division and clears the tare.
    public func place(weight: Weight, settleReadings: Int) {
        state.withLock { state in
            if weight.division != state.division || weight.unit != state.unit {
                state.division = weight.division
                state.unit = weight.unit
                state.load = 0
                state.zeroOffset = 0
                state.tare = 0
            }
            state.overloaded = false
            state.underloaded = false
            state.start = state.load
            state.target = weight.divisions
            state.steps = max(0, settleReadings)
            state.stepsRemaining = state.steps
            if state.steps == 0 { state.load = weight.divisions }
        }
    }

    /// Clears the platform: `settleReadings` moving readings, then stable at zero gross.
    public func remove(settleReadings: Int = 2) {
        state.withLock { state in
            state.overloaded = false
            state.underloaded = false
            state.start = state.load
            state.target = 0
            state.steps = max(0, settleReadings)
            state.stepsRemaining = state.steps
            if state.steps == 0 { state.load = 0 }
        }
    }

    /// Readings report overload (`S +`) until the next ``place(weight:settleReadings:)`` or ``remove(settleReadings:)``.
    public func overload() {
        state.withLock { $0.overloaded = true; $0.underloaded = false }
    }

    /// Readings report underload (`S -`) until the next ``place(weight:settleReadings:)`` or ``remove(settleReadings:)``.
    public func underload() {
        state.withLock { $0.underloaded = true; $0.overloaded = false }
    }

    /// Sends `bytes` as they are, before the next reply or reading.
    public func sendGarbage(_ bytes: [UInt8]) {
        state.withLock { $0.outgoing.append(contentsOf: bytes) }
    }

    /// The commands received so far, in order, without their line ends.
    public var receivedCommands: [String] { state.withLock { $0.commands } }

    /// True while an `SIR` stream runs.
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
            // Complete command lines (CR LF, CR or LF).
            while let end = pending.firstIndex(where: { $0 == 0x0D || $0 == 0x0A }) {
                let line = String(decoding: pending[..<end], as: UTF8.self)
                pending.removeSubrange(...end)
                if line.isEmpty { continue }
                output += state.withLock { answer(line, state: &$0, now: clock.now) }
            }
            if pending.count > 256 { pending.removeAll() }
            output += state.withLock { state -> [UInt8] in
                guard state.streaming, clock.now >= state.nextEmission else { return [] }
                state.nextEmission = clock.now.advanced(by: .milliseconds(intervalMilliseconds))
                return reading(state: &state)
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

    /// The reply to one command line.
    private func answer(_ text: String, state: inout State, now: ContinuousClock.Instant) -> [UInt8] {
        state.commands.append(text)
        let fields = text.split(separator: " ").map(String.init)
        let command = fields.first ?? ""
        if command != "SIR" { state.streaming = false }
        let moving = state.stepsRemaining > 0
        switch (command, fields.count) {
        case ("S", 1):
            if state.overloaded { return line("S +") }
            if state.underloaded { return line("S -") }
            if moving {
                _ = reading(state: &state)
                return line("S I")
            }
            return reading(state: &state)
        case ("SI", 1):
            return reading(state: &state)
        case ("SIR", 1):
            state.streaming = true
            state.nextEmission = now.advanced(by: .milliseconds(intervalMilliseconds))
            return reading(state: &state)
        case ("Z", 1):
            if moving || state.overloaded || state.underloaded { return line("Z I") }
            state.zeroOffset = state.load
            state.tare = 0
            return line("Z A")
        case ("T", 1):
            if moving || state.overloaded || state.underloaded { return line("T I") }
            state.tare = state.load - state.zeroOffset
            return line("T S " + field(state.tare, state) + " " + state.unit.rawValue)
        case ("TA", 1):
            return line("TA A " + field(state.tare, state) + " " + state.unit.rawValue)
        case ("TA", 3):
            guard let unit = WeightUnit(symbol: fields[2]), unit == state.unit,
                  let tare = Weight(displayed: fields[1], unit: unit, division: state.division)
            else { return line("EL") }
            state.tare = tare.divisions
            return line("TA A " + field(state.tare, state) + " " + state.unit.rawValue)
        case ("TAC", 1):
            state.tare = 0
            return line("TAC A")
        case ("@", 1):
            return line("I4 A \"\(serialNumber)\"")
        default:
            return line("ES")
        }
    }

    /// The next weight reading (advancing a settling load by one step).
    private func reading(state: inout State) -> [UInt8] {
        if state.overloaded { return line("S +") }
        if state.underloaded { return line("S -") }
        var status = "S"
        if state.stepsRemaining > 0 {
            let step = Int64(state.steps - state.stepsRemaining + 1)
            state.load = state.start + (state.target - state.start) * step / Int64(state.steps + 1)
            state.stepsRemaining -= 1
            status = "D"
        } else {
            state.load = state.target
        }
        let shown = state.load - state.zeroOffset - state.tare
        return line("S \(status) " + field(shown, state) + " " + state.unit.rawValue)
    }

    /// `divisions` written with the division's decimals, right-aligned in 10 characters.
    private func field(_ divisions: Int64, _ state: State) -> String {
        let text = Weight(divisions: divisions, division: state.division, unit: state.unit).value.description
        return String(repeating: " ", count: max(0, 10 - text.count)) + text
    }

    private func line(_ text: String) -> [UInt8] { Array(text.utf8) + [0x0D, 0x0A] }
}
