/// Why a set of serial line settings was refused.
public enum SerialSettingsError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The baud rate is not one of ``SerialSettings/supportedBaudRates``.
    case unsupportedBaudRate(Int)
    /// Data bits other than 7 or 8.
    case unsupportedDataBits(Int)
    /// Stop bits other than 1 or 2.
    case unsupportedStopBits(Int)
    /// A compact notation such as `9600 7E1` that could not be read.
    case badNotation(String)

    /// A short English explanation.
    public var description: String {
        switch self {
        case .unsupportedBaudRate(let baud):
            "unsupported baud rate \(baud) (supported: \(SerialSettings.supportedBaudRates.map(String.init).joined(separator: ", ")))"
        case .unsupportedDataBits(let bits): "unsupported data bits \(bits) (7 or 8)"
        case .unsupportedStopBits(let bits): "unsupported stop bits \(bits) (1 or 2)"
        case .badNotation(let text): "cannot read serial settings \"\(text)\" (expected e.g. \"9600 8N1\")"
        }
    }
}

/// The line settings of a serial port: baud rate, character format and flow control.
///
/// Values are validated on creation (also when decoded), so a `SerialSettings` is always one the
/// port layer can apply. The compact notation used by manuals and profiles (`9600 7E1`) is both
/// accepted by ``init(notation:)`` and produced by ``description``.
public struct SerialSettings: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Parity bit.
    public enum Parity: String, Sendable, Hashable, Codable, CaseIterable {
        case none, even, odd

        /// The letter manuals use: `N`, `E`, `O`.
        public var letter: Character {
            switch self {
            case .none: "N"
            case .even: "E"
            case .odd: "O"
            }
        }
    }

    /// Flow control.
    public enum FlowControl: String, Sendable, Hashable, Codable, CaseIterable {
        /// No flow control.
        case none
        /// Hardware handshake on the RTS and CTS lines.
        case rtscts
        /// Software handshake with XON/XOFF characters.
        case xonxoff
    }

    /// The baud rates the port layer can set, 1200 to 115200.
    public static let supportedBaudRates: [Int] = [1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200]

    /// Bits per second.
    public let baudRate: Int
    /// 7 or 8.
    public let dataBits: Int
    /// None, even or odd.
    public let parity: Parity
    /// 1 or 2.
    public let stopBits: Int
    /// None, RTS/CTS or XON/XOFF.
    public let flowControl: FlowControl

    /// Creates validated settings.
    ///
    /// - Throws: ``SerialSettingsError`` naming the first value that is not supported.
    public init(
        baudRate: Int = 9600, dataBits: Int = 8, parity: Parity = .none, stopBits: Int = 1,
        flowControl: FlowControl = .none
    ) throws(SerialSettingsError) {
        guard Self.supportedBaudRates.contains(baudRate) else { throw .unsupportedBaudRate(baudRate) }
        guard dataBits == 7 || dataBits == 8 else { throw .unsupportedDataBits(dataBits) }
        guard stopBits == 1 || stopBits == 2 else { throw .unsupportedStopBits(stopBits) }
        self.baudRate = baudRate
        self.dataBits = dataBits
        self.parity = parity
        self.stopBits = stopBits
        self.flowControl = flowControl
    }

    /// Reads the compact notation `<baud> <data bits><parity letter><stop bits>`, e.g. `9600 8N1` or
    /// `2400 7E1`, optionally followed by a flow control name (`9600 8N1 rtscts`).
    ///
    /// - Throws: ``SerialSettingsError/badNotation(_:)`` when the text has another shape, or the
    ///   error for an unsupported value.
    public init(notation: String) throws(SerialSettingsError) {
        let parts = notation.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 || parts.count == 3, let baud = Int(parts[0]) else { throw .badNotation(notation) }
        let format = Array(parts[1].uppercased())
        guard format.count == 3,
              let dataBits = Int(String(format[0])),
              let stopBits = Int(String(format[2])),
              let parity = Parity.allCases.first(where: { $0.letter == format[1] })
        else { throw .badNotation(notation) }
        var flow = FlowControl.none
        if parts.count == 3 {
            guard let named = FlowControl(rawValue: parts[2].lowercased()) else { throw .badNotation(notation) }
            flow = named
        }
        try self.init(baudRate: baud, dataBits: dataBits, parity: parity, stopBits: stopBits, flowControl: flow)
    }

    /// 9600 baud, 8 data bits, no parity, 1 stop bit, no flow control: the MT-SICS factory setting.
    public static let default8N1: SerialSettings = try! SerialSettings()

    /// `9600 8N1`, with the flow control appended when there is one (`9600 8N1 rtscts`).
    public var description: String {
        let base = "\(baudRate) \(dataBits)\(parity.letter)\(stopBits)"
        return flowControl == .none ? base : base + " " + flowControl.rawValue
    }

    private enum CodingKeys: String, CodingKey {
        case baudRate, dataBits, parity, stopBits, flowControl
    }

    /// Decodes and validates; a missing `flowControl` means none.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(
                baudRate: try container.decode(Int.self, forKey: .baudRate),
                dataBits: try container.decode(Int.self, forKey: .dataBits),
                parity: try container.decode(Parity.self, forKey: .parity),
                stopBits: try container.decode(Int.self, forKey: .stopBits),
                flowControl: try container.decodeIfPresent(FlowControl.self, forKey: .flowControl) ?? .none
            )
        } catch let error as SerialSettingsError {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: error.description, underlyingError: error)
            )
        }
    }

    /// Encodes the five fields.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(baudRate, forKey: .baudRate)
        try container.encode(dataBits, forKey: .dataBits)
        try container.encode(parity, forKey: .parity)
        try container.encode(stopBits, forKey: .stopBits)
        try container.encode(flowControl, forKey: .flowControl)
    }
}
