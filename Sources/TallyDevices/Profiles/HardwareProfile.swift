import TallyCore

/// One scanner or scale model as Tally knows it: how to recognize it on the bus, how to talk to it, and
/// which manual each of those values comes from.
///
/// Profiles are YAML files in `hardware-profiles/` (schema: `hardware-profiles/README.md`), loaded and
/// validated by ``ProfileLoader``. A profile's ``id`` is its file stem (`zebra-ds2208.yaml` →
/// `zebra-ds2208`). The same values drive device matching (``DeviceDiscovery``), device settings, and
/// the generated udev rules (``UdevRules``), so there is one source of truth for hardware.
///
/// The nested types are namespaced here so that they never collide with the device layer's own
/// transport types (e.g. the termios settings type used to open a port).
public struct HardwareProfile: Sendable, Hashable, Codable, Identifiable {
    /// The file stem, unique among loaded profiles (`zebra-ds2208`).
    public var id: String
    /// A human-readable model name (`Zebra DS2208 (USB HID keyboard)`).
    public var name: String
    /// Scanner or scale.
    public var kind: Kind
    /// How the device is attached and read.
    public var transport: Transport
    /// How the device is recognized on the USB bus. Required for USB HID transports; optional for
    /// `serial`, where it names the USB-serial adapter (or the indicator's own USB port) when known.
    public var match: Match?
    /// Keyboard-wedge and HID POS decoding options (scanners only).
    public var scanner: ScannerOptions?
    /// Line settings (serial transport only), validated by the port layer's own type.
    public var serial: SerialSettings?
    /// Indicator protocol and metrology (scales only).
    public var scale: ScaleOptions?
    /// The manuals the values come from. At least one.
    public var sources: [Source]

    /// Creates a profile. ``ProfileLoader`` is the validating way in; this initializer trusts its input.
    public init(
        id: String, name: String, kind: Kind, transport: Transport, match: Match?,
        scanner: ScannerOptions? = nil, serial: SerialSettings? = nil, scale: ScaleOptions? = nil,
        sources: [Source]
    ) {
        self.id = id
        self.name = name
        self.kind = kind
        self.transport = transport
        self.match = match
        self.scanner = scanner
        self.serial = serial
        self.scale = scale
        self.sources = sources
    }

    enum CodingKeys: String, CodingKey {
        case id, name, kind, transport, match, scanner, serial, scale
        case sources = "source"
    }

    // MARK: - Kind and transport

    /// What the device is.
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        /// A barcode scanner.
        case scanner
        /// A scale indicator (weighing terminal).
        case scale
    }

    /// How the device is attached.
    public enum Transport: String, Sendable, Hashable, Codable, CaseIterable {
        /// USB HID boot keyboard ("keyboard wedge"): the scanner types the barcode.
        case usbHIDKeyboard = "usb-hid-keyboard"
        /// USB HID Point of Sale barcode scanner (usage page 0x8C).
        case usbHIDPOS = "usb-hid-pos"
        /// A serial line: RS-232 through a USB-serial adapter, or a USB CDC/ACM virtual port.
        case serial

        /// True for the transports read through USB HID (matched against USB devices, not ttys).
        public var isUSBHID: Bool { self != .serial }

        /// The transports a device of `kind` may use: scanners any, scales only `serial`.
        public static func allowed(for kind: Kind) -> [Transport] {
            switch kind {
            case .scanner: [.usbHIDKeyboard, .usbHIDPOS, .serial]
            case .scale: [.serial]
            }
        }
    }

    // MARK: - Match

    /// A USB vendor or product id, written as exactly four lowercase hex digits (`05e0`).
    public struct USBID: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
        /// The 16-bit value.
        public var value: UInt16

        /// Creates an id from its value.
        public init(_ value: UInt16) { self.value = value }

        /// Parses exactly four hex digits (either case). Returns nil for anything else, including `0x`.
        public init?(hex text: some StringProtocol) {
            guard text.utf8.count == 4, text.utf8.allSatisfy(\.isHexDigit), let value = UInt16(text, radix: 16) else {
                return nil
            }
            self.value = value
        }

        /// Four lowercase hex digits, as sysfs and udev write them.
        public var description: String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 4 - digits.count) + digits
        }

        /// Orders ids numerically.
        public static func < (lhs: USBID, rhs: USBID) -> Bool { lhs.value < rhs.value }

        /// Decodes from the four-hex-digit string form.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            guard let id = USBID(hex: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not four hex digits: \(text)")
            }
            self = id
        }

        /// Encodes as the four-hex-digit string form.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(description)
        }
    }

    /// How a device is recognized: USB vendor and product id, optionally narrowed by USB serial number
    /// and interface number.
    public struct Match: Sendable, Hashable, Codable {
        /// USB vendor id (`05e0`).
        public var vendorID: USBID
        /// USB product id (`1200`).
        public var productID: USBID
        /// When set, only the device with exactly this USB serial number matches (site pinning).
        public var serial: String?
        /// When set, only this USB interface (`bInterfaceNumber`) matches: the HID interface of a
        /// composite scanner, or one port of a multi-port USB-serial adapter.
        public var interface: Int?

        /// Creates a match rule.
        public init(vendorID: USBID, productID: USBID, serial: String? = nil, interface: Int? = nil) {
            self.vendorID = vendorID
            self.productID = productID
            self.serial = serial
            self.interface = interface
        }

        /// How specific the rule is: a rule naming a serial beats one naming an interface, which beats
        /// a bare vid:pid. Discovery picks the most specific matching profile.
        public var specificity: Int { (serial == nil ? 0 : 2) + (interface == nil ? 0 : 1) }

        /// Whether a USB device (or one interface of it) satisfies this rule.
        ///
        /// - Parameters:
        ///   - interfaceNumbers: the interface numbers the candidate offers: all of a USB device's
        ///     interfaces, or the single interface a tty belongs to.
        public func matches(
            vendorID: USBID, productID: USBID, serial: String?, interfaceNumbers: [Int]
        ) -> Bool {
            guard vendorID == self.vendorID, productID == self.productID else { return false }
            if let wanted = self.serial, wanted != serial { return false }
            if let wanted = interface, !interfaceNumbers.contains(wanted) { return false }
            return true
        }

        enum CodingKeys: String, CodingKey {
            case vendorID = "vid", productID = "pid", serial, interface
        }
    }

    // MARK: - Scanner options

    /// The keyboard layout a wedge scanner was set to emulate, by name (the HID decoder turns the name
    /// into its ``KeyboardLayout`` table).
    public enum LayoutName: String, Sendable, Hashable, Codable, CaseIterable {
        /// US English.
        case us
        /// UK English.
        case uk
        /// German (QWERTZ).
        case de
        /// French (AZERTY).
        case fr
        /// Spanish.
        case es
        /// Italian.
        case it
    }

    /// What ends one scan in keyboard-wedge mode.
    public enum Terminator: String, Sendable, Hashable, Codable, CaseIterable {
        /// The Enter key (usage 0x28).
        case enter
        /// The Tab key (usage 0x2B).
        case tab
        /// No terminator key: a scan ends at the inter-key timeout.
        case none
    }

    /// Scanner decoding options.
    public struct ScannerOptions: Sendable, Hashable, Codable {
        /// The layout the scanner emulates (keyboard wedge only; nil for HID POS and serial).
        public var layout: LayoutName?
        /// What ends a scan (keyboard wedge and serial scanners).
        public var terminator: Terminator
        /// The character the scanner was configured to send in place of GS (FNC1), when it sends
        /// neither Ctrl+] nor Alt+029. Nil when the scanner sends GS itself.
        public var fnc1Substitute: String?
        /// Whether the scanner prefixes each scan with its AIM symbology identifier (`]C1`).
        public var aimIdentifiers: Bool
        /// Text the scanner adds before the data (stripped by the decoder).
        public var prefix: String
        /// Text the scanner adds after the data, before the terminator (stripped by the decoder).
        public var suffix: String
        /// A gap longer than this between two keys ends (and drops) a partial scan, in milliseconds.
        public var interKeyTimeoutMilliseconds: Int
        /// Whether the generated udev rules keep the scanner's keystrokes out of the host session (the
        /// VT console and the desktop) while Tally is not reading it (keyboard wedge only; default false).
        public var suppressHostKeyboard: Bool

        /// Creates scanner options.
        public init(
            layout: LayoutName?, terminator: Terminator = .enter, fnc1Substitute: String? = nil,
            aimIdentifiers: Bool = false, prefix: String = "", suffix: String = "",
            interKeyTimeoutMilliseconds: Int = ScannerOptions.defaultInterKeyTimeoutMilliseconds,
            suppressHostKeyboard: Bool = false
        ) {
            self.layout = layout
            self.terminator = terminator
            self.fnc1Substitute = fnc1Substitute
            self.aimIdentifiers = aimIdentifiers
            self.prefix = prefix
            self.suffix = suffix
            self.interKeyTimeoutMilliseconds = interKeyTimeoutMilliseconds
            self.suppressHostKeyboard = suppressHostKeyboard
        }

        /// The inter-key timeout used when a profile does not name one.
        public static let defaultInterKeyTimeoutMilliseconds = 100

        enum CodingKeys: String, CodingKey {
            case layout, terminator, prefix, suffix
            case fnc1Substitute = "fnc1-substitute"
            case aimIdentifiers = "aim-identifiers"
            case interKeyTimeoutMilliseconds = "inter-key-timeout-ms"
            case suppressHostKeyboard = "suppress-host-keyboard"
        }

        /// Decodes the profile form; `suppress-host-keyboard` may be absent (false), as in JSON written
        /// before the field existed.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            layout = try container.decodeIfPresent(LayoutName.self, forKey: .layout)
            terminator = try container.decode(Terminator.self, forKey: .terminator)
            fnc1Substitute = try container.decodeIfPresent(String.self, forKey: .fnc1Substitute)
            aimIdentifiers = try container.decode(Bool.self, forKey: .aimIdentifiers)
            prefix = try container.decode(String.self, forKey: .prefix)
            suffix = try container.decode(String.self, forKey: .suffix)
            interKeyTimeoutMilliseconds = try container.decode(Int.self, forKey: .interKeyTimeoutMilliseconds)
            suppressHostKeyboard = try container.decodeIfPresent(Bool.self, forKey: .suppressHostKeyboard) ?? false
        }
    }

    // MARK: - Scale options

    /// The scale indicator protocols Tally has (or will have) drivers for.
    public enum ScaleProtocol: String, Sendable, Hashable, Codable, CaseIterable {
        /// METTLER TOLEDO Standard Interface Command Set (command/response, `SI` → `S S  12.34 kg`).
        case mtSICS = "mt-sics"
        /// METTLER TOLEDO continuous output (STX + status words + weight + tare, streamed).
        case toledoContinuous = "toledo-continuous"
        /// Toledo 8217 demand protocol.
        case toledo8217 = "toledo-8217"
        /// NCI (Weigh-Tronix / Avery) standard scale protocol.
        case nci
        /// A&D indicator standard format.
        case and
        /// CAS indicator format.
        case cas
        /// Rice Lake indicator output.
        case riceLake = "rice-lake"
        /// Cardinal implementation of the Scale Manufacturers Association (SMA) protocol.
        case cardinalSMA = "cardinal-sma"

        /// True for protocols where the indicator streams frames by itself, so a poll command makes no sense.
        public var isContinuousOnly: Bool { self == .toledoContinuous }
    }

    /// How many readings, over at least how long, must agree before a weight counts as stable in software
    /// (applied after the indicator's own stability flag).
    public struct StabilityWindow: Sendable, Hashable, Codable {
        /// Consecutive stable readings with the same weight (1 or more).
        public var readings: Int
        /// The minimum time those readings must span, in milliseconds.
        public var milliseconds: Int

        /// Creates a stability window.
        public init(readings: Int, milliseconds: Int) {
            self.readings = readings
            self.milliseconds = milliseconds
        }

        enum CodingKeys: String, CodingKey {
            case readings
            case milliseconds = "ms"
        }
    }

    /// Scale indicator options.
    public struct ScaleOptions: Sendable, Hashable, Codable {
        /// The indicator protocol.
        public var scaleProtocol: ScaleProtocol
        /// The bytes sent to request a reading (`SI\r\n`), when the protocol is polled.
        public var pollCommand: String?
        /// How often to poll, in milliseconds (set exactly when ``pollCommand`` is).
        public var pollIntervalMilliseconds: Int?
        /// The display division `d` (1, 2 or 5 × 10^n).
        public var division: Division
        /// The unit the indicator reports in.
        public var unit: WeightUnit
        /// The maximum capacity `Max`, in ``unit``; a whole number of divisions.
        public var capacity: ExactDecimal
        /// The software stability window.
        public var stability: StabilityWindow

        /// Creates scale options.
        public init(
            scaleProtocol: ScaleProtocol, pollCommand: String?, pollIntervalMilliseconds: Int?,
            division: Division, unit: WeightUnit, capacity: ExactDecimal, stability: StabilityWindow
        ) {
            self.scaleProtocol = scaleProtocol
            self.pollCommand = pollCommand
            self.pollIntervalMilliseconds = pollIntervalMilliseconds
            self.division = division
            self.unit = unit
            self.capacity = capacity
            self.stability = stability
        }

        /// The capacity as an exact weight (nil only if capacity is not a whole number of divisions,
        /// which ``ProfileLoader`` rejects).
        public var capacityWeight: Weight? { Weight(value: capacity, division: division, unit: unit) }

        enum CodingKeys: String, CodingKey {
            case division, unit, capacity, stability
            case scaleProtocol = "protocol"
            case pollCommand = "poll-command"
            case pollIntervalMilliseconds = "poll-interval-ms"
        }

        /// Decodes the profile form, with the division written as a decimal string (`"0.5"`).
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            scaleProtocol = try container.decode(ScaleProtocol.self, forKey: .scaleProtocol)
            pollCommand = try container.decodeIfPresent(String.self, forKey: .pollCommand)
            pollIntervalMilliseconds = try container.decodeIfPresent(Int.self, forKey: .pollIntervalMilliseconds)
            let divisionText = try container.decode(String.self, forKey: .division)
            guard let division = Division(parsing: divisionText) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .division, in: container, debugDescription: "not 1, 2 or 5 × 10^n: \(divisionText)")
            }
            self.division = division
            unit = try container.decode(WeightUnit.self, forKey: .unit)
            capacity = try container.decode(ExactDecimal.self, forKey: .capacity)
            stability = try container.decode(StabilityWindow.self, forKey: .stability)
        }

        /// Encodes the profile form, with the division written as a decimal string (`"0.5"`).
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(scaleProtocol, forKey: .scaleProtocol)
            try container.encodeIfPresent(pollCommand, forKey: .pollCommand)
            try container.encodeIfPresent(pollIntervalMilliseconds, forKey: .pollIntervalMilliseconds)
            try container.encode(division.description, forKey: .division)
            try container.encode(unit, forKey: .unit)
            try container.encode(capacity, forKey: .capacity)
            try container.encode(stability, forKey: .stability)
        }
    }

    // MARK: - Sources

    /// A manual (or specification, or registry) that values of the profile come from.
    public struct Source: Sendable, Hashable, Codable {
        /// The document's title, with its part number or revision when it has one.
        public var title: String
        /// Where in it (chapter, section, page) or where to get it (URL).
        public var location: String
        /// The profile fields this source backs, as dotted paths (`match.vid`, `serial.baud`); empty
        /// when it backs the profile as a whole.
        public var covers: [String]
        /// Anything a reviewer should know (a value not confirmed, a setting to make on the device).
        public var note: String?

        /// Creates a source.
        public init(title: String, location: String, covers: [String] = [], note: String? = nil) {
            self.title = title
            self.location = location
            self.covers = covers
            self.note = note
        }

        enum CodingKeys: String, CodingKey {
            case title, covers, note
            case location = "where"
        }
    }
}

extension HardwareProfile {
    /// Every field path a profile may have, for checking `source[].covers`.
    public static let fieldPaths: Set<String> = [
        "name", "kind", "transport",
        "match", "match.vid", "match.pid", "match.serial", "match.interface",
        "scanner", "scanner.layout", "scanner.terminator", "scanner.fnc1-substitute", "scanner.aim-identifiers",
        "scanner.prefix", "scanner.suffix", "scanner.inter-key-timeout-ms", "scanner.suppress-host-keyboard",
        "serial", "serial.baud", "serial.data-bits", "serial.parity", "serial.stop-bits", "serial.flow-control",
        "scale", "scale.protocol", "scale.poll-command", "scale.poll-interval-ms", "scale.division", "scale.unit",
        "scale.capacity", "scale.stability", "scale.stability.readings", "scale.stability.ms",
    ]

    /// `05e0:1200`, `05e0:1200 serial S123 interface 0`, or `-` when the profile has no match rule.
    public var matchSummary: String {
        guard let match else { return "-" }
        var text = "\(match.vendorID):\(match.productID)"
        if let serial = match.serial { text += " serial \(serial)" }
        if let interface = match.interface { text += " if \(interface)" }
        return text
    }
}

private extension UInt8 {
    /// True for `0-9`, `a-f`, `A-F`.
    var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
