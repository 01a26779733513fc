import TallyCore

/// The protocol drivers by name: the one table a new indicator protocol is added to (one line per driver).
public enum ScaleProtocolRegistry {
    /// Every driver Tally has, one line each.
    static let driverTypes: [any ScaleProtocolDriver.Type] = [
        MTSICS.self,
        ToledoContinuous.self,
        Toledo8217.self,
        NCI.self,
        AandD.self,
        CAS.self,
        RiceLake.self,
        CardinalSMA.self,
    ]

    /// The drivers by protocol name.
    static let drivers: [String: any ScaleProtocolDriver.Type] = Dictionary(
        driverTypes.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })

    /// The protocol names Tally can decode, sorted.
    public static var names: [String] { drivers.keys.sorted() }

    /// Why a capture could not be decoded, or a reader not made.
    public enum DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
        /// No driver has this name.
        case unknownProtocol(String)
        /// The bytes hold no complete frame of the protocol.
        case noFrame(protocol: String)
        /// The frame could not be decoded.
        case frame(FrameError)

        /// A short English explanation.
        public var description: String {
            switch self {
            case .unknownProtocol(let name): "unknown scale protocol '\(name)' (known: \(ScaleProtocolRegistry.names.joined(separator: ", ")))"
            case .noFrame(let name): "no complete \(name) frame in the bytes"
            case .frame(let error): "\(error)"
            }
        }
    }

    /// The commands a protocol's driver knows, as ``ScaleReader/Mode/preferred(for:pollIntervalMilliseconds:)`` uses them.
    public struct Commands: Sendable, Hashable {
        /// The command that asks for one reading (nil if the indicator must stream).
        public var poll: [UInt8]?
        /// The command that starts continuous output (nil if the indicator streams by itself or cannot).
        public var startContinuous: [UInt8]?
        /// The command that stops continuous output.
        public var stopContinuous: [UInt8]?
    }

    /// The named protocol's commands.
    ///
    /// - Throws: ``DecodeError/unknownProtocol(_:)``.
    public static func commands(protocol name: String, options: ScaleDriverOptions = .init()) throws(DecodeError) -> Commands {
        guard let type = drivers[name] else { throw .unknownProtocol(name) }
        return commands(type, options)
    }

    /// One frame (or discarded run) of a decoded capture, with its stream offset.
    public struct DecodedFrame: Sendable, Hashable {
        /// The stream offset of the frame's first byte (of the first discarded byte for garbage).
        public var offset: Int
        /// The reading, or why there is none.
        public var result: Result<ScaleReading, FrameError>
    }

    /// Every frame and every fault in `bytes`, in stream order, with their offsets, decoded by the
    /// named protocol's driver (the stream is finished: a trailing incomplete frame is garbage).
    public static func decode(protocol name: String, bytes: [UInt8], options: ScaleDriverOptions = .init()) throws(DecodeError) -> [DecodedFrame] {
        guard let type = drivers[name] else { throw .unknownProtocol(name) }
        return decode(type, options, bytes)
    }

    /// Every frame and every fault in `bytes`, in stream order, decoded by the named protocol's driver.
    public static func decodeAll(protocol name: String, bytes: [UInt8], options: ScaleDriverOptions = .init()) throws(DecodeError) -> [Result<ScaleReading, FrameError>] {
        try decode(protocol: name, bytes: bytes, options: options).map(\.result)
    }

    /// The reading of the one frame in `bytes` (a frame kept as evidence), decoded by the named protocol's driver.
    public static func reading(protocol name: String, frame bytes: [UInt8], options: ScaleDriverOptions = .init()) throws(DecodeError) -> ScaleReading {
        for result in try decodeAll(protocol: name, bytes: bytes, options: options) {
            switch result {
            case .success(let reading): return reading
            case .failure(let error) where error.isFault: throw .frame(error)
            case .failure: continue
            }
        }
        throw .noFrame(protocol: name)
    }

    /// A ``ScaleReader`` running the named protocol's driver over `port`, delivering events to an
    /// `AsyncStream` (see ``ScaleReader/withEventStream(port:driver:mode:pollTimeoutMilliseconds:bufferLimit:)``).
    ///
    /// - Parameters:
    ///   - mode: what to write; nil for the driver's ``ScaleReader/Mode/preferred(for:pollIntervalMilliseconds:)``.
    /// - Throws: ``DecodeError/unknownProtocol(_:)`` (the port is then left open).
    public static func readerWithEventStream(
        protocol name: String, port: SerialPort, options: ScaleDriverOptions = .init(), mode: ScaleReader.Mode? = nil,
        pollTimeoutMilliseconds: Int = 50, bufferLimit: Int = 1024
    ) throws(DecodeError) -> (reader: ScaleReader, events: AsyncStream<ScaleReader.Event>) {
        guard let type = drivers[name] else { throw .unknownProtocol(name) }
        return eventStream(type, options, port, mode, pollTimeoutMilliseconds, bufferLimit)
    }

    /// A ``ScaleReader`` running the named protocol's driver over `port`, calling `onEvent` on its thread.
    ///
    /// - Throws: ``DecodeError/unknownProtocol(_:)`` (the port is then left open).
    public static func reader(
        protocol name: String, port: SerialPort, options: ScaleDriverOptions = .init(), mode: ScaleReader.Mode? = nil,
        pollTimeoutMilliseconds: Int = 50, onEvent: @escaping @Sendable (ScaleReader.Event) -> Void
    ) throws(DecodeError) -> ScaleReader {
        guard let type = drivers[name] else { throw .unknownProtocol(name) }
        return makeReader(type, options, port, mode, pollTimeoutMilliseconds, onEvent)
    }

    // MARK: Opening the existential driver type

    private static func commands<Driver: ScaleProtocolDriver>(_ type: Driver.Type, _ options: ScaleDriverOptions) -> Commands {
        let driver = type.init(options: options)
        return Commands(poll: driver.pollCommand, startContinuous: driver.startContinuousCommand, stopContinuous: driver.stopContinuousCommand)
    }

    private static func decode<Driver: ScaleProtocolDriver>(_ type: Driver.Type, _ options: ScaleDriverOptions, _ bytes: [UInt8]) -> [DecodedFrame] {
        var driver = type.init(options: options)
        var framer = driver.makeFramer()
        var results: [DecodedFrame] = []
        for output in framer.append(bytes) + framer.finish() {
            switch output {
            case .frame(let frame):
                do throws(FrameError) {
                    results.append(DecodedFrame(offset: frame.offset, result: .success(try driver.parse(frame))))
                } catch {
                    results.append(DecodedFrame(offset: frame.offset, result: .failure(error)))
                }
            case .discarded(let error):
                results.append(DecodedFrame(offset: error.offset, result: .failure(error)))
            }
        }
        return results
    }

    private static func eventStream<Driver: ScaleProtocolDriver>(
        _ type: Driver.Type, _ options: ScaleDriverOptions, _ port: SerialPort, _ mode: ScaleReader.Mode?,
        _ pollTimeoutMilliseconds: Int, _ bufferLimit: Int
    ) -> (reader: ScaleReader, events: AsyncStream<ScaleReader.Event>) {
        let driver = type.init(options: options)
        return ScaleReader.withEventStream(
            port: port, driver: driver, mode: mode ?? .preferred(for: driver),
            pollTimeoutMilliseconds: pollTimeoutMilliseconds, bufferLimit: bufferLimit)
    }

    private static func makeReader<Driver: ScaleProtocolDriver>(
        _ type: Driver.Type, _ options: ScaleDriverOptions, _ port: SerialPort, _ mode: ScaleReader.Mode?,
        _ pollTimeoutMilliseconds: Int, _ onEvent: @escaping @Sendable (ScaleReader.Event) -> Void
    ) -> ScaleReader {
        let driver = type.init(options: options)
        return ScaleReader(port: port, driver: driver, mode: mode ?? .preferred(for: driver),
                           pollTimeoutMilliseconds: pollTimeoutMilliseconds, onEvent: onEvent)
    }
}

extension ScaleDriverOptions {
    /// The options a hardware profile gives a driver: its division and unit.
    public init(profile scale: HardwareProfile.ScaleOptions) {
        self.init(division: scale.division, unit: scale.unit)
    }
}

extension ScaleReader.Mode {
    /// How to talk to a profile's scale: poll with the profile's command at its interval when it has
    /// one; else the driver's continuous mode when it has one (MT-SICS `SIR`); else listen (the
    /// indicator streams by itself, or its port is set to answer on demand only).
    ///
    /// - Throws: ``ScaleProtocolRegistry/DecodeError/unknownProtocol(_:)``.
    public static func forProfile(_ scale: HardwareProfile.ScaleOptions) throws(ScaleProtocolRegistry.DecodeError) -> ScaleReader.Mode {
        if let poll = scale.pollCommand {
            return .poll(command: Array(poll.utf8), intervalMilliseconds: scale.pollIntervalMilliseconds ?? 200)
        }
        let commands = try ScaleProtocolRegistry.commands(protocol: scale.scaleProtocol.rawValue, options: ScaleDriverOptions(profile: scale))
        if let start = commands.startContinuous { return .continuous(start: start, stop: commands.stopContinuous) }
        return .listen
    }
}
