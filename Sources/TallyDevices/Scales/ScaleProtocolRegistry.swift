import TallyCore

/// The protocol drivers by name: the one table a new indicator protocol is added to (one line per driver).
public enum ScaleProtocolRegistry {
    /// Decodes every frame of a byte capture with one protocol's driver.
    typealias Decoder = @Sendable (_ bytes: [UInt8], _ options: ScaleDriverOptions) -> [Result<ScaleReading, FrameError>]

    static let drivers: [String: Decoder] = [
        MTSICS.name: { bytes, options in decode(MTSICS(options: options), bytes) },
    ]

    /// The protocol names Tally can decode, sorted.
    public static var names: [String] { drivers.keys.sorted() }

    /// Why a capture could not be decoded.
    public enum DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
        case unknownProtocol(String)
        case noFrame(protocol: String)
        case frame(FrameError)

        public var description: String {
            switch self {
            case .unknownProtocol(let name): "unknown scale protocol '\(name)' (known: \(ScaleProtocolRegistry.names.joined(separator: ", ")))"
            case .noFrame(let name): "no complete \(name) frame in the bytes"
            case .frame(let error): "\(error)"
            }
        }
    }

    /// Every frame and every fault in `bytes`, in stream order, decoded by the named protocol's driver.
    public static func decodeAll(protocol name: String, bytes: [UInt8], options: ScaleDriverOptions = .init()) throws(DecodeError) -> [Result<ScaleReading, FrameError>] {
        guard let decoder = drivers[name] else { throw .unknownProtocol(name) }
        return decoder(bytes, options)
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

    private static func decode<Driver: ScaleProtocolDriver>(_ driver: Driver, _ bytes: [UInt8]) -> [Result<ScaleReading, FrameError>] {
        var driver = driver
        var framer = driver.makeFramer()
        var results: [Result<ScaleReading, FrameError>] = []
        for output in framer.append(bytes) + framer.finish() {
            switch output {
            case .frame(let frame):
                do { results.append(.success(try driver.parse(frame))) } catch { results.append(.failure(error)) }
            case .discarded(let error):
                results.append(.failure(error))
            }
        }
        return results
    }
}
