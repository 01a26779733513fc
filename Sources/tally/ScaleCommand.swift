import ArgumentParser
import Dispatch
import Foundation
import Synchronization
import TallyCore
import TallyDevices

#if canImport(Glibc)
import Glibc
#endif

/// `tally scale read|parse`: live readings from a serial scale, or the frames of a captured byte stream.
struct ScaleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Read a serial scale live, or decode a captured scale byte stream.",
        discussion: """
            Protocols: \(ScaleProtocolRegistry.names.joined(separator: ", ")). Weights are exact: an integer \
            count of divisions, the division and the unit, as the indicator displayed them.
            """,
        subcommands: [Read.self, Parse.self]
    )

    // MARK: - read

    /// `tally scale read --port PATH --profile NAME [--json] [--count N]`.
    struct Read: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print live readings from a serial scale until interrupted.",
            discussion: """
                The port is opened with the profile's serial settings (termios raw mode); the profile's protocol \
                driver reads it on its own thread, polling with the profile's poll command when it has one. Each \
                reading is printed with its stream offset and raw frame; readings the capture rule (the indicator's \
                stable flag plus the profile's software stability window) would offer for recording are marked. \
                When the scale disconnects, the port is reopened with backoff.
                """
        )

        @Option(help: ArgumentHelp("The serial port (/dev/ttyUSB0, a /dev/serial/by-id link).", valueName: "path"), completion: .file())
        var port: String

        @Option(help: ArgumentHelp("The scale's hardware profile id (tally profiles list).", valueName: "name"))
        var profile: String

        @OptionGroup var directory: ProfilesCommand.DirectoryOption

        @Flag(help: "One JSON object per line (the fields of `tally scale parse --json`, plus \"capture\").")
        var json = false

        @Option(help: ArgumentHelp("Stop after this many readings.", valueName: "n"))
        var count: Int?

        func validate() throws {
            if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        }

        func run() async throws {
            let (_, profiles) = try directory.load()
            guard let found = profiles.first(where: { $0.id == profile }) else {
                ProfilesCommand.printError("no profile '\(profile)' (known: \(profiles.map(\.id).joined(separator: ", ")))")
                throw ExitCode.failure
            }
            guard found.kind == .scale, let scale = found.scale else {
                ProfilesCommand.printError("profile '\(profile)' is not a scale")
                throw ExitCode.failure
            }
            let settings = found.serial ?? .default8N1
            let options = ScaleDriverOptions(profile: scale)
            let mode: ScaleReader.Mode
            do {
                mode = try ScaleReader.Mode.forProfile(scale)
            } catch {
                ProfilesCommand.printError(error.description)
                throw ExitCode.failure
            }
            var capture = WeightCapture(configuration: WeightCapture.Configuration(profile: scale))
            ProfilesCommand.printError("reading \(port) as \(found.id) (\(scale.scaleProtocol.rawValue), \(settings), \(Self.describe(mode)))")

            let control = ReadControl()
            let signals = control.installSignalHandlers()
            defer { signals.forEach { $0.cancel() } }

            let clock = ContinuousClock()
            let origin = clock.now
            var readings = 0
            var backoffMilliseconds = 250
            var serialPort: SerialPort
            do {
                serialPort = try SerialPort.open(path: port, settings: settings)
            } catch {
                ProfilesCommand.printError(error.description)
                throw ExitCode.failure
            }
            while true {
                let (reader, events) = try ScaleProtocolRegistry.readerWithEventStream(
                    protocol: scale.scaleProtocol.rawValue, port: serialPort, options: options, mode: mode)
                control.reading(with: reader)
                reader.start()
                var disconnected = false
                for await event in events {
                    switch event {
                    case .reading(let reading, let offset):
                        let elapsed = origin.duration(to: clock.now).components
                        let decision = capture.offer(reading, atMilliseconds: elapsed.seconds * 1000 + elapsed.attoseconds / 1_000_000_000_000_000)
                        var captured = false
                        if case .capture = decision { captured = true }
                        ScaleOutput.emit(json
                            ? ScaleOutput.json(reading, offset: offset, capture: captured)
                            : ScaleOutput.text(reading, offset: offset) + (captured ? "  → capture" : ""))
                        readings += 1
                        backoffMilliseconds = 250
                        if let count, readings >= count { reader.stop() }
                    case .frameError(let error):
                        ScaleOutput.emit(json ? ScaleOutput.json(error) : ScaleOutput.text(error))
                    case .reply(let text, let offset):
                        if !json { ScaleOutput.emit("@\(offset)  reply: \(text)") }
                    case .disconnected(let error):
                        ProfilesCommand.printError("device disconnected: \(error)")
                        disconnected = true
                    case .failed(let error):
                        ProfilesCommand.printError(error.description)
                        throw ExitCode.failure
                    }
                }
                control.reading(with: nil)
                if let count, readings >= count { return }
                guard disconnected, !control.isInterrupted else { return }
                // Reopen with backoff until the device comes back or the command is interrupted.
                var reopened: SerialPort?
                while reopened == nil, !control.isInterrupted {
                    try? await Task.sleep(for: .milliseconds(backoffMilliseconds))
                    backoffMilliseconds = min(5000, backoffMilliseconds * 2)
                    reopened = try? SerialPort.open(path: port, settings: settings)
                }
                guard let reopened else { return }
                ProfilesCommand.printError("reopened \(port)")
                serialPort = reopened
            }
        }

        static func describe(_ mode: ScaleReader.Mode) -> String {
            switch mode {
            case .listen: "listening"
            case .continuous(let start, _): "continuous, started with \(ScaleFrame.printable(start))"
            case .poll(let command, let interval): "polling \(ScaleFrame.printable(command)) every \(interval) ms"
            }
        }
    }

    // MARK: - parse

    /// `tally scale parse --protocol NAME [--json] < capture`.
    struct Parse: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode a captured byte stream (standard input) with a scale protocol driver.",
            discussion: """
                One line per frame, in stream order. With --json each line is {"offset", "protocol", "kind", \
                "value", "unit", "divisions", "division", "stable", "status", "tare", "raw"} for a reading (value, \
                division and tare as exact decimal strings; raw is the frame, one character per byte), or \
                {"offset", "error"} for bytes that are not a frame, a frame that cannot be decoded, or a reply \
                that carries no reading; decoding then continues with the next frame.
                """
        )

        @Option(name: .customLong("protocol"), help: ArgumentHelp("The protocol: \(ScaleProtocolRegistry.names.joined(separator: ", ")).", valueName: "name"))
        var protocolName: String

        @Flag(help: "One JSON object per line.")
        var json = false

        @Option(help: ArgumentHelp("The scale division (1, 2 or 5 × 10^n), for protocols that do not send it.", valueName: "d"))
        var division: String?

        @Option(help: ArgumentHelp("The unit (kg, g, t, lb, oz), for protocols that do not send it.", valueName: "unit"))
        var unit: String?

        func validate() throws {
            guard ScaleProtocolRegistry.names.contains(protocolName) else {
                throw ValidationError("unknown protocol '\(protocolName)' (known: \(ScaleProtocolRegistry.names.joined(separator: ", ")))")
            }
            if let division, Division(parsing: division) == nil { throw ValidationError("--division must be 1, 2 or 5 × 10^n, not \(division)") }
            if let unit, WeightUnit(symbol: unit) == nil { throw ValidationError("unknown unit '\(unit)'") }
        }

        func run() throws {
            let bytes = [UInt8](FileHandle.standardInput.readDataToEndOfFile())
            let options = ScaleDriverOptions(division: division.flatMap { Division(parsing: $0) }, unit: unit.flatMap { WeightUnit(symbol: $0) })
            let frames = try ScaleProtocolRegistry.decode(protocol: protocolName, bytes: bytes, options: options)
            var output = ""
            for frame in frames {
                switch frame.result {
                case .success(let reading):
                    output += (json ? ScaleOutput.json(reading, offset: frame.offset, capture: nil) : ScaleOutput.text(reading, offset: frame.offset)) + "\n"
                case .failure(let error):
                    output += (json ? ScaleOutput.json(error) : ScaleOutput.text(error)) + "\n"
                }
            }
            FileHandle.standardOutput.write(Data(output.utf8))
        }
    }
}

/// Writing readings and frame errors as text or JSON lines.
enum ScaleOutput {
    /// Prints `line` and flushes, so that a pipe sees every reading as it comes.
    static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// `@offset  kind  value unit  stable|moving  status  [tare ...]  raw`.
    static func text(_ reading: ScaleReading, offset: Int) -> String {
        var parts = ["@\(offset)", reading.kind.rawValue, reading.weight?.description ?? "-", reading.stable ? "stable" : "unstable", reading.status.rawValue]
        if let tare = reading.tare { parts.append("tare \(tare)") }
        parts.append("[\(ScaleFrame.printable(reading.raw))]")
        return parts.joined(separator: "  ")
    }

    /// `@offset  error: reason`.
    static func text(_ error: FrameError) -> String { "@\(error.offset)  error: \(error.reason)" }

    /// The reading as one JSON object, keys in the documented order; `capture` only when given.
    static func json(_ reading: ScaleReading, offset: Int, capture: Bool?) -> String {
        var fields: [(String, String)] = [
            ("offset", String(offset)),
            ("protocol", string(reading.protocolName)),
            ("kind", string(reading.kind.rawValue)),
            ("value", reading.weight.map { string($0.value.description) } ?? "null"),
            ("unit", reading.weight.map { string($0.unit.rawValue) } ?? "null"),
            ("divisions", reading.weight.map { String($0.divisions) } ?? "null"),
            ("division", reading.weight.map { string($0.division.description) } ?? "null"),
            ("stable", reading.stable ? "true" : "false"),
            ("status", string(reading.status.rawValue)),
            ("tare", reading.tare.map { string($0.value.description) } ?? "null"),
            ("raw", string(latin1(reading.raw))),
        ]
        if let capture { fields.append(("capture", capture ? "true" : "false")) }
        return "{" + fields.map { "\(string($0.0)):\($0.1)" }.joined(separator: ",") + "}"
    }

    /// `{"offset":N,"error":"reason"}`.
    static func json(_ error: FrameError) -> String {
        "{\"offset\":\(error.offset),\"error\":\(string(error.reason.description))}"
    }

    /// The bytes as text, one character per byte (U+0000–U+00FF), as replay `frame` fields take them.
    static func latin1(_ bytes: [UInt8]) -> String {
        String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped.
    static func string(_ text: String) -> String {
        jsonQuoted(text)
    }
}

/// Interrupt handling for `scale read`: SIGINT and SIGTERM stop the running reader, which sends the
/// protocol's stop command (if any) and closes the port.
final class ReadControl: Sendable {
    private let current = Mutex<ScaleReader?>(nil)
    private let interrupted = Atomic(false)

    /// True once SIGINT or SIGTERM arrived.
    var isInterrupted: Bool { interrupted.load(ordering: .acquiring) }

    /// The reader to stop on a signal (nil between readers).
    func reading(with reader: ScaleReader?) {
        current.withLock { $0 = reader }
        if reader != nil, isInterrupted { reader?.stop() }
    }

    /// Routes SIGINT and SIGTERM to stopping the reader; returns the sources to cancel when done.
    func installSignalHandlers() -> [any DispatchSourceSignal] {
        [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                interrupted.store(true, ordering: .releasing)
                let reader = current.withLock { $0 }
                reader?.stop()
            }
            source.resume()
            return source
        }
    }
}
