/// A unit of mass as scale indicators display it.
public enum WeightUnit: String, Sendable, Hashable, Codable, CaseIterable {
    case kilogram = "kg"
    case gram = "g"
    case tonne = "t"
    case pound = "lb"
    case ounce = "oz"

    /// Parses the unit spellings indicators and manifests use (`kg`, `KG`, `lb`, `lbs`, `LB`, `g`, `t`, `oz`).
    public init?(symbol: some StringProtocol) {
        switch symbol.lowercased() {
        case "kg", "kgs", "k": self = .kilogram
        case "g", "gr": self = .gram
        case "t": self = .tonne
        case "lb", "lbs", "l", "#": self = .pound
        case "oz": self = .ounce
        default: return nil
        }
    }

    /// The exact mass of one of this unit in kilograms (1 lb = 0.45359237 kg by definition).
    public var kilograms: ExactDecimal {
        switch self {
        case .kilogram: ExactDecimal(significand: 1, scale: 0)
        case .gram: ExactDecimal(significand: 1, scale: 3)
        case .tonne: ExactDecimal(significand: 1000, scale: 0)
        case .pound: ExactDecimal(significand: 45_359_237, scale: 8)
        case .ounce: ExactDecimal(significand: 28_349_523_125, scale: 12) // 1/16 lb
        }
    }
}
