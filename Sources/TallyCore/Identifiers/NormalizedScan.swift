/// What a raw scan means, as the normalizer reads it: a pallet SSCC, text to match, or an unreadable scan.
public enum ScanContent: Sendable, Hashable, Codable {
    /// A GS1 SSCC (AI 00): a pallet label.
    case sscc(SSCC)
    /// A GS1 GTIN (AI 01) with its serial number (AI 21): a serialized item.
    case gtinSerial(gtin: String, serial: String)
    /// Plain text: an asset serial, an asset tag or a non-GS1 pallet label.
    case text(String)
    /// The scan could not be read as any identifier; `position` is the character offset of the fault.
    case unreadable(reason: String, position: Int)
}

/// A raw scan turned into a typed identifier. The raw text is always kept.
public struct NormalizedScan: Sendable, Hashable, Codable {
    /// The text exactly as the scanner sent it (terminator removed).
    public let raw: String
    /// The AIM symbology identifier (`]C1`), when the scanner sent one.
    public let aim: String?
    /// What the scan identifies.
    public let content: ScanContent

    /// Creates a normalized scan.
    public init(raw: String, aim: String?, content: ScanContent) {
        self.raw = raw
        self.aim = aim
        self.content = content
    }

    /// The key the validation core matches on: SSCC digits, the serial (AI 21), or the plain text.
    public var matchKey: String? {
        switch content {
        case .sscc(let sscc): sscc.digits
        case .gtinSerial(_, let serial): serial
        case .text(let text): text
        case .unreadable: nil
        }
    }
}
