/// How one scanner was configured, as far as reading its scans is concerned.
///
/// The defaults read a scanner in factory settings: no prefix or suffix, GS sent as itself (or not at
/// all), AIM identifiers recognized when present, text kept in its case, and the GS1 rules on AIs that
/// must or must not appear together applied.
public struct ScanProfileOptions: Sendable, Hashable, Codable {
    /// Whether scans start with an AIM symbology identifier (`]C1`).
    public enum AIMIdentifiers: String, Sendable, Hashable, Codable, CaseIterable {
        /// Recognized when the scan starts with `]`, a symbology letter and a modifier (factory default).
        case auto
        /// Every scan must start with one; a scan without is an error (`missing-aim-identifier`).
        case required
        /// Never sent: a leading `]` is data.
        case absent
    }

    /// How the letters of a plain-text serial are folded. GS1 values, data identifiers and URIs are
    /// case-sensitive and never folded.
    public enum CaseFolding: String, Sendable, Hashable, Codable, CaseIterable {
        /// Kept as scanned (default).
        case none
        /// ASCII letters upper-cased.
        case upper
        /// ASCII letters lower-cased.
        case lower
    }

    /// Text the scanner sends before each scan (stripped; its absence is an error).
    public var prefix: String
    /// Text the scanner sends after each scan, before the terminator (stripped; its absence is an error).
    public var suffix: String
    /// Strings the scanner sends in place of FNC1 (GS, 0x1D) inside GS1 data.
    public var fnc1Substitutes: [String]
    /// Whether AIM identifiers are sent.
    public var aimIdentifiers: AIMIdentifiers
    /// Case folding of plain-text serials.
    public var caseFolding: CaseFolding
    /// Apply the GS1 rule that some AIs need others (`(21)` needs `(01)`, `(37)` needs `(00)`, ...).
    /// Turn off for single labels where a serial `(21)` stands alone.
    public var requireAssociatedAIs: Bool
    /// Apply the GS1 rule that some AIs must not appear together (`(01)` with `(02)`, ...).
    public var forbidExclusiveAIs: Bool

    /// Creates options; the defaults are the factory settings.
    public init(
        prefix: String = "", suffix: String = "", fnc1Substitutes: [String] = [],
        aimIdentifiers: AIMIdentifiers = .auto, caseFolding: CaseFolding = .none,
        requireAssociatedAIs: Bool = true, forbidExclusiveAIs: Bool = true
    ) {
        self.prefix = prefix
        self.suffix = suffix
        self.fnc1Substitutes = fnc1Substitutes.filter { !$0.isEmpty }
        self.aimIdentifiers = aimIdentifiers
        self.caseFolding = caseFolding
        self.requireAssociatedAIs = requireAssociatedAIs
        self.forbidExclusiveAIs = forbidExclusiveAIs
    }

    /// A scanner in factory settings.
    public static let factoryDefaults = ScanProfileOptions()
}
