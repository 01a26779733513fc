/// An AIM symbology identifier (ISO/IEC 15424): `]`, a symbology code character and a modifier,
/// sent by a scanner before the data (`]C1` GS1-128, `]d2` GS1 DataMatrix, `]Q3` GS1 QR Code, ...).
///
/// ``table`` lists every identifier Tally names, with the UnifiedPOS (OPOS/JavaPOS) `ScanDataType`
/// code where the UnifiedPOS specification defines one. An identifier with a known symbology code but
/// a modifier not in the table is still recognized, with the symbology's name.
public struct AIMIdentifier: Sendable, Hashable, Codable, CustomStringConvertible {
    /// How the data after the identifier is to be read.
    public enum Payload: String, Sendable, Hashable, Codable {
        /// A GS1 element string (FNC1 in first position): `]C1`, `]e0`, `]d2`, `]Q3`, `]J1`, `]z1`.
        case gs1ElementString = "gs1-element-string"
        /// EAN-13, UPC-A or UPC-E as 13 digits (`]E0`): a GTIN.
        case ean13 = "ean-13"
        /// EAN-8 as 8 digits (`]E4`): a GTIN.
        case ean8 = "ean-8"
        /// ITF with a verified mod-10 check digit (`]I1`): a GTIN when it is 14 digits (ITF-14).
        case itf = "itf-check-digit"
        /// Anything else: plain data (text, a 15434 message, a Digital Link URI, ...).
        case data
    }

    /// The three characters, `]C1`.
    public let identifier: String
    /// The symbology's name, `GS1-128`.
    public let symbology: String
    /// The UnifiedPOS `ScanDataType` code (`SCAN_SDT_*`), nil where UnifiedPOS defines none.
    public let scanDataType: Int?
    /// How the data is read.
    public let payload: Payload

    /// Creates an entry.
    public init(_ identifier: String, _ symbology: String, scanDataType: Int?, payload: Payload = .data) {
        self.identifier = identifier
        self.symbology = symbology
        self.scanDataType = scanDataType
        self.payload = payload
    }

    public var description: String { identifier }

    /// True when the data is GS1 data (element string or EAN/UPC/ITF-14 GTIN).
    public var carriesGS1: Bool { payload != .data }

    /// UnifiedPOS `ScanDataType` codes used in the table (UnifiedPOS Scanner chapter, `SCAN_SDT_*`).
    public enum ScanDataType {
        public static let upcA = 101, upcE = 102, ean8 = 103, ean13 = 104, twoOfFive = 105, itf = 106
        public static let codabar = 107, code39 = 108, code93 = 109, code128 = 110, ean8S = 118, ean13S = 119
        public static let ean128 = 120, gs1DataBar = 131, gs1DataBarExpanded = 132, itfCheckDigit = 133
        public static let code39CheckDigit = 137, isbt128 = 141, code11 = 142, msi = 143, plessey = 144
        public static let telepen = 145, pdf417 = 201, maxiCode = 202, dataMatrix = 203, qrCode = 204
        public static let microQRCode = 205, aztec = 206, microPDF417 = 207, gs1DataMatrix = 208
        public static let gs1QRCode = 209, code49 = 210, code16K = 211, hanXin = 215, other = 501
    }

    /// Every AIM identifier Tally names.
    public static let table: [AIMIdentifier] = {
        typealias T = ScanDataType
        return [
            AIMIdentifier("]A0", "Code 39", scanDataType: T.code39),
            AIMIdentifier("]A1", "Code 39, check character verified and transmitted", scanDataType: T.code39CheckDigit),
            AIMIdentifier("]A3", "Code 39, check character verified and stripped", scanDataType: T.code39),
            AIMIdentifier("]A4", "Code 39 full ASCII", scanDataType: T.code39),
            AIMIdentifier("]A5", "Code 39 full ASCII, check character verified and transmitted", scanDataType: T.code39CheckDigit),
            AIMIdentifier("]A7", "Code 39 full ASCII, check character verified and stripped", scanDataType: T.code39),
            AIMIdentifier("]B0", "Telepen", scanDataType: T.telepen),
            AIMIdentifier("]C0", "Code 128", scanDataType: T.code128),
            AIMIdentifier("]C1", "GS1-128", scanDataType: T.ean128, payload: .gs1ElementString),
            AIMIdentifier("]C2", "Code 128, FNC1 in second position", scanDataType: T.code128),
            AIMIdentifier("]C4", "ISBT 128 concatenation", scanDataType: T.isbt128),
            AIMIdentifier("]D0", "Code One", scanDataType: nil),
            AIMIdentifier("]E0", "EAN-13, UPC-A or UPC-E", scanDataType: T.ean13, payload: .ean13),
            AIMIdentifier("]E1", "EAN/UPC two-digit add-on", scanDataType: nil),
            AIMIdentifier("]E2", "EAN/UPC five-digit add-on", scanDataType: nil),
            AIMIdentifier("]E3", "EAN-13, UPC-A or UPC-E with add-on", scanDataType: T.ean13S),
            AIMIdentifier("]E4", "EAN-8", scanDataType: T.ean8, payload: .ean8),
            AIMIdentifier("]F0", "Codabar", scanDataType: T.codabar),
            AIMIdentifier("]F1", "ABC Codabar", scanDataType: T.codabar),
            AIMIdentifier("]F2", "Codabar, check character verified and transmitted", scanDataType: T.codabar),
            AIMIdentifier("]F4", "Codabar, check character verified and stripped", scanDataType: T.codabar),
            AIMIdentifier("]G0", "Code 93", scanDataType: T.code93),
            AIMIdentifier("]H0", "Code 11, one check character verified and transmitted", scanDataType: T.code11),
            AIMIdentifier("]H1", "Code 11, two check characters verified and transmitted", scanDataType: T.code11),
            AIMIdentifier("]H3", "Code 11, check characters verified and stripped", scanDataType: T.code11),
            AIMIdentifier("]I0", "Interleaved 2 of 5", scanDataType: T.itf),
            AIMIdentifier("]I1", "Interleaved 2 of 5, mod 10 check digit verified and transmitted (ITF-14)", scanDataType: T.itfCheckDigit, payload: .itf),
            AIMIdentifier("]I3", "Interleaved 2 of 5, mod 10 check digit verified and stripped", scanDataType: T.itf),
            AIMIdentifier("]K0", "Code 16K", scanDataType: T.code16K),
            AIMIdentifier("]L0", "PDF417", scanDataType: T.pdf417),
            AIMIdentifier("]L1", "PDF417, ECI protocol", scanDataType: T.pdf417),
            AIMIdentifier("]L2", "PDF417, basic channel", scanDataType: T.pdf417),
            AIMIdentifier("]M0", "MSI, check digit verified and transmitted", scanDataType: T.msi),
            AIMIdentifier("]M1", "MSI, check digit verified and stripped", scanDataType: T.msi),
            AIMIdentifier("]P0", "Plessey", scanDataType: T.plessey),
            AIMIdentifier("]Q0", "QR Code model 1", scanDataType: T.qrCode),
            AIMIdentifier("]Q1", "QR Code", scanDataType: T.qrCode),
            AIMIdentifier("]Q2", "QR Code, ECI protocol", scanDataType: T.qrCode),
            AIMIdentifier("]Q3", "GS1 QR Code", scanDataType: T.gs1QRCode, payload: .gs1ElementString),
            AIMIdentifier("]Q4", "GS1 QR Code, ECI protocol", scanDataType: T.gs1QRCode),
            AIMIdentifier("]Q5", "QR Code, FNC1 in second position", scanDataType: T.qrCode),
            AIMIdentifier("]Q6", "QR Code, FNC1 in second position, ECI protocol", scanDataType: T.qrCode),
            AIMIdentifier("]R0", "Straight 2 of 5 (two-bar start/stop)", scanDataType: T.twoOfFive),
            AIMIdentifier("]S0", "Straight 2 of 5 (three-bar start/stop)", scanDataType: T.twoOfFive),
            AIMIdentifier("]T0", "Code 49", scanDataType: T.code49),
            AIMIdentifier("]U0", "MaxiCode, mode 4 or 5", scanDataType: T.maxiCode),
            AIMIdentifier("]U1", "MaxiCode, mode 2 or 3", scanDataType: T.maxiCode),
            AIMIdentifier("]U2", "MaxiCode, mode 4 or 5, ECI protocol", scanDataType: T.maxiCode),
            AIMIdentifier("]U3", "MaxiCode, mode 2 or 3, ECI protocol", scanDataType: T.maxiCode),
            AIMIdentifier("]X0", "Other (scanner-specific) symbology", scanDataType: T.other),
            AIMIdentifier("]Z0", "Non-barcode data (keyboard)", scanDataType: nil),
            AIMIdentifier("]d0", "Data Matrix ECC 000-140", scanDataType: T.dataMatrix),
            AIMIdentifier("]d1", "Data Matrix", scanDataType: T.dataMatrix),
            AIMIdentifier("]d2", "GS1 DataMatrix", scanDataType: T.gs1DataMatrix, payload: .gs1ElementString),
            AIMIdentifier("]d3", "Data Matrix, FNC1 in second position", scanDataType: T.dataMatrix),
            AIMIdentifier("]d4", "Data Matrix, ECI protocol", scanDataType: T.dataMatrix),
            AIMIdentifier("]d5", "GS1 DataMatrix, ECI protocol", scanDataType: T.gs1DataMatrix),
            AIMIdentifier("]d6", "Data Matrix, FNC1 in second position, ECI protocol", scanDataType: T.dataMatrix),
            AIMIdentifier("]e0", "GS1 DataBar", scanDataType: T.gs1DataBar, payload: .gs1ElementString),
            AIMIdentifier("]h0", "Han Xin Code", scanDataType: T.hanXin),
            AIMIdentifier("]J0", "DotCode", scanDataType: nil),
            AIMIdentifier("]J1", "GS1 DotCode", scanDataType: nil, payload: .gs1ElementString),
            AIMIdentifier("]J2", "DotCode, FNC1 in second position", scanDataType: nil),
            AIMIdentifier("]J3", "DotCode, ECI protocol", scanDataType: nil),
            AIMIdentifier("]z0", "Aztec Code", scanDataType: T.aztec),
            AIMIdentifier("]z1", "Aztec Code, FNC1 in first position (GS1)", scanDataType: T.aztec, payload: .gs1ElementString),
            AIMIdentifier("]z2", "Aztec Code, FNC1 in second position", scanDataType: T.aztec),
            AIMIdentifier("]z3", "Aztec Code, ECI protocol", scanDataType: T.aztec),
            AIMIdentifier("]zC", "Aztec Rune", scanDataType: T.aztec),
        ]
    }()

    /// Symbology names and default `ScanDataType` by code character, for modifiers not in the table.
    static let symbologyByCode: [UInt8: (String, Int?)] = {
        var result: [UInt8: (String, Int?)] = [:]
        for entry in table {
            let code = Array(entry.identifier.utf8)[1]
            if result[code] == nil {
                let base = entry.symbology.split(separator: ",").first.map(String.init) ?? entry.symbology
                result[code] = (base, entry.scanDataType)
            }
        }
        result[UInt8(ascii: "O")] = ("Codablock", nil)
        result[UInt8(ascii: "N")] = ("Anker Code", nil)
        result[UInt8(ascii: "g")] = ("Grid Matrix", nil)
        return result
    }()

    /// Index into ``table`` by code and modifier (7 bits each); -1 where the table has no entry.
    static let slots: [Int16] = {
        var result = [Int16](repeating: -1, count: 128 * 128)
        for (i, entry) in table.enumerated() {
            let bytes = Array(entry.identifier.utf8)
            result[Int(bytes[1]) << 7 | Int(bytes[2])] = Int16(i)
        }
        return result
    }()

    /// True when `code`, `modifier` are the shape of an AIM identifier: an ASCII letter and an ASCII
    /// letter or digit.
    static func isWellFormed(_ code: UInt8, _ modifier: UInt8) -> Bool {
        code.isASCIILetter && (modifier.isASCIILetter || modifier.isASCIIDigit)
    }

    /// The identifier for `]` + `code` + `modifier`: the table entry, else (for a known symbology code
    /// with another modifier) the symbology, else an unknown symbology. Nil when not well-formed.
    static func lookup(code: UInt8, modifier: UInt8) -> AIMIdentifier? {
        guard isWellFormed(code, modifier) else { return nil }
        let slot = slots[Int(code) << 7 | Int(modifier)]
        if slot >= 0 { return table[Int(slot)] }
        let identifier = String(decoding: [UInt8(ascii: "]"), code, modifier], as: UTF8.self)
        if let (name, type) = symbologyByCode[code] {
            return AIMIdentifier(identifier, name, scanDataType: type)
        }
        return AIMIdentifier(identifier, "unknown symbology", scanDataType: nil)
    }

    /// The identifier for a three-character text (`"]C1"`), or nil when it is not one.
    public static func lookup(_ text: some StringProtocol) -> AIMIdentifier? {
        let bytes = Array(text.utf8)
        guard bytes.count == 3, bytes[0] == UInt8(ascii: "]") else { return nil }
        return lookup(code: bytes[1], modifier: bytes[2])
    }
}

extension UInt8 {
    @inline(__always) var isASCIIDigit: Bool { self &- 0x30 < 10 }
    @inline(__always) var isASCIILetter: Bool { (self | 0x20) &- 0x61 < 26 }
}
