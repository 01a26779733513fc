/// What a raw scan means, as the normalizer reads it: a pallet SSCC, text to match, or an unreadable scan.
public enum ScanContent: Sendable, Hashable, Codable {
    /// A GS1 SSCC (AI 00): a pallet label.
    case sscc(SSCC)
    /// A GS1 GTIN (AI 01) with its serial number (AI 21): a serialized item.
    case gtinSerial(gtin: String, serial: String)
    /// Plain text: an asset serial, an asset tag or a non-GS1 pallet label; also a GS1 individual asset
    /// identifier (GIAI, AI 8004), a serialized GRAI (8003), a lone serial (21) and a 15434 serial (`S`).
    case text(String)
    /// The scan could not be read as any identifier; `position` is the character offset of the fault.
    /// A scan that was read exactly but identifies no pallet or asset (a GTIN alone) is also here.
    case unreadable(reason: String, position: Int)
}

/// What kind of data a scan carried.
public enum ScanKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// GS1 AIs: an element string (GS1-128, GS1 DataMatrix, ...), the bracketed form, or EAN/UPC/ITF-14.
    case gs1ElementString = "gs1-element-string"
    /// A GS1 Digital Link URI.
    case gs1DigitalLink = "gs1-digital-link"
    /// An ISO/IEC 15434 message (format 05 GS1 AIs, format 06 MH10.8.2 data identifiers).
    case iso15434 = "iso15434"
    /// Plain text: a serial or an asset tag.
    case plainText = "plain-text"
}

/// A raw scan turned into typed identifiers. The raw text is always kept.
public struct NormalizedScan: Sendable, Hashable, Codable {
    /// The text exactly as the scanner sent it (terminator included, when it was passed in).
    public let raw: String
    /// The AIM symbology identifier (`]C1`), when the scanner sent one.
    public let aim: String?
    /// What the scan identifies, for the validation core.
    public let content: ScanContent
    /// What kind of data it is.
    public var kind: ScanKind
    /// The symbology, from the AIM identifier.
    public var symbology: AIMIdentifier?
    /// GS1 AIs in the order they were read (element string, Digital Link path then query, 15434 format 05).
    public var elements: [GS1Element]
    /// MH10.8.2 data identifiers from 15434 format 06, in order.
    public var dataIdentifiers: [DataIdentifierElement]
    /// The label convention of a plain-text serial.
    public var label: ManufacturerLabel?
    /// The first weight AI (310n, 320n, 330n, 340n), exact, with its unit.
    public var weight: GS1Weight?
    /// An asset tag: GIAI (8004), serialized GRAI (8003), or MH10.8.2 `25S` / `11S`.
    public var assetTag: String?
    /// Everything that was not read exactly. Empty when the scan is valid.
    public var errors: [ScanError]

    /// Creates a normalized scan.
    public init(raw: String, aim: String?, content: ScanContent, kind: ScanKind = .plainText,
                symbology: AIMIdentifier? = nil, elements: [GS1Element] = [], dataIdentifiers: [DataIdentifierElement] = [],
                label: ManufacturerLabel? = nil, weight: GS1Weight? = nil, assetTag: String? = nil, errors: [ScanError] = []) {
        self.raw = raw
        self.aim = aim
        self.content = content
        self.kind = kind
        self.symbology = symbology
        self.elements = elements
        self.dataIdentifiers = dataIdentifiers
        self.label = label
        self.weight = weight
        self.assetTag = assetTag
        self.errors = errors
    }

    /// True when every part of the scan was read exactly.
    public var isValid: Bool { errors.isEmpty }

    /// The key the validation core matches on: SSCC digits, the serial (AI 21), or the plain text.
    public var matchKey: String? {
        switch content {
        case .sscc(let sscc): sscc.digits
        case .gtinSerial(_, let serial): serial
        case .text(let text): text
        case .unreadable: nil
        }
    }

    /// The value of the first `ai` element.
    public func value(of ai: String) -> String? { elements.first { $0.ai == ai }?.value }

    /// The SSCC (AI 00).
    public var sscc: String? {
        if case .sscc(let sscc) = content { return sscc.digits }
        return value(of: "00")
    }

    /// The GTIN (AI 01).
    public var gtin: String? {
        if case .gtinSerial(let gtin, _) = content { return gtin }
        return value(of: "01")
    }

    /// The serial: AI 21, a 15434 `S` element, or the normalized plain-text serial.
    public var serial: String? {
        switch kind {
        case .plainText:
            if case .text(let text) = content { return text }
            return label?.serial
        case .gs1ElementString, .gs1DigitalLink, .iso15434:
            return value(of: "21") ?? dataIdentifiers.first { $0.identifier == "S" }?.value
        }
    }
}
