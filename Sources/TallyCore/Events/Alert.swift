/// The fixed alert codes. Their raw values are part of the API and the log: never rename one.
public enum AlertCode: String, Sendable, Hashable, Codable, CaseIterable {
    case unexpectedAsset = "unexpected-asset"
    case unexpectedPallet = "unexpected-pallet"
    case duplicateScan = "duplicate-scan"
    case wrongPallet = "wrong-pallet"
    case wrongLoad = "wrong-load"
    case missingAsset = "missing-asset"
    case missingWeight = "missing-weight"
    case weightOutOfTolerance = "weight-out-of-tolerance"
    case weightRejected = "weight-rejected"
    case notSanitized = "not-sanitized"
    case unreadableBarcode = "unreadable-barcode"
    case scanAfterSeal = "scan-after-seal"
    case noActiveLoad = "no-active-load"
    case deviceDisconnected = "device-disconnected"

    /// How urgent an alert of this code is.
    public var severity: AlertSeverity {
        switch self {
        case .unexpectedAsset, .wrongLoad, .missingAsset, .weightOutOfTolerance, .notSanitized, .scanAfterSeal:
            .critical
        case .unexpectedPallet, .duplicateScan, .wrongPallet, .missingWeight, .weightRejected, .unreadableBarcode,
             .noActiveLoad, .deviceDisconnected:
            .warning
        }
    }
}

/// Alert severity, lowest first.
public enum AlertSeverity: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    case info, warning, critical

    public static func < (lhs: AlertSeverity, rhs: AlertSeverity) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// A mismatch against the manifest, raised by the validation core for one event.
public struct Alert: Sendable, Hashable, Codable {
    /// The sequence number of the event that raised it.
    public var seq: Int64
    public var code: AlertCode
    public var severity: AlertSeverity
    public var load: String?
    public var pallet: String?
    /// What the alert is about: a serial, a pallet label, a device.
    public var subject: String
    public var station: String?
    public var device: String?
    /// An expected serial the scan may have been meant as (look-alike or one edit away), when there is one.
    public var candidate: String?
    /// A sentence a supervisor can act on.
    public var message: String

    /// Creates an alert; the severity follows from the code.
    public init(
        seq: Int64, code: AlertCode, load: String?, pallet: String?, subject: String,
        station: String?, device: String?, candidate: String? = nil, message: String
    ) {
        self.seq = seq
        self.code = code
        self.severity = code.severity
        self.load = load
        self.pallet = pallet
        self.subject = subject
        self.station = station
        self.device = device
        self.candidate = candidate
        self.message = message
    }
}
