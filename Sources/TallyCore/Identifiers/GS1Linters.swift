/// The content checks ("linters") that the GS1 Barcode Syntax Dictionary attaches to AI components,
/// beyond length and character set. Each is implemented from its definition in the GS1 General
/// Specifications; the names are Tally's own.
public enum GS1Linter: String, Sendable, Hashable, Codable, CaseIterable {
    /// GS1 mod-10 check digit over the whole component (GTIN, SSCC, GLN, GRAI, GSRN, ...).
    case checkDigit = "csum"
    /// GS1 alphanumeric check character pair (GMN, MUDI), mod 1021 with prime weights.
    case checkPair = "csumalpha"
    /// Starts with a GS1 Company Prefix: at least four digits at the start.
    case companyPrefix = "gcp"
    /// A GS1 Company Prefix after a one-digit indicator or extension digit.
    case companyPrefixAfterIndicator = "gcp2"
    /// YYMMDD, a real date.
    case date = "yymmdd"
    /// YYMMDD where day 00 means the whole month (expiry-type dates).
    case dateDay00 = "yymmd0"
    /// YYYYMMDD, a real date.
    case fullDate = "yyyymmdd"
    /// HHMM, 00:00 to 23:59.
    case hourMinute = "hhmi"
    /// HH, 00 to 23.
    case hour = "hh"
    /// MM (minutes), 00 to 59.
    case minute = "mi"
    /// SS, 00 to 59.
    case second = "ss"
    /// ISO 3166-1 numeric country code.
    case country = "iso3166"
    /// ISO 3166-1 numeric country code, or 999.
    case countryOr999 = "iso3166999"
    /// ISO 3166-1 alpha-2 country code.
    case countryAlpha2 = "iso3166alpha2"
    /// ISO 4217 numeric currency code.
    case currency = "iso4217"
    /// ISO/IEC 5218 sex code: 0, 1, 2 or 9.
    case sex = "iso5218"
    /// IBAN: country, two check digits (mod 97), account.
    case iban
    /// Not all zeros.
    case nonZero = "nonzero"
    /// Exactly `0`.
    case zero
    /// Winding direction: 0, 1 or 9.
    case winding
    /// 0 (no) or 1 (yes).
    case yesNo = "yesno"
    /// Exactly `-`.
    case hyphen
    /// Piece number and total, each half of the digits, 1 ≤ piece ≤ total.
    case pieceOfTotal = "pieceoftotal"
    /// `%` only as the start of a `%hh` escape.
    case percentEncoding = "pcenc"
    /// Latitude in ten digits: 0 to 1800000000 (−90.0000000 to +90.0000000 offset by 90).
    case latitude
    /// Longitude in ten digits: 0 to 3600000000.
    case longitude
    /// AIDC media type: 01 to 10, 80 to 99.
    case mediaType = "mediatype"
    /// EU 2018/574 importer index: one of `-`, `0-9`, `A-Z`, `_`, `a-z`.
    case importerIndex = "importeridx"
    /// A number without a leading zero.
    case noZeroPrefix = "nozeroprefix"
    /// Contains at least one non-digit.
    case hasNonDigit = "hasnondigit"
    /// `n/m` with 1 ≤ n ≤ m and no leading zeros.
    case positionInSequence = "posinseqslash"
    /// UN/ECE Recommendation 21 package type code (not checked against the code list).
    case packageType = "packagetype"
    /// North American coupon code (structure not checked).
    case couponCode = "couponcode"
    /// Positive offer file coupon code (structure not checked).
    case couponOffer = "couponposoffer"
}

/// A content check that failed: code, offset inside the component, and a message without the AI.
struct LintFailure {
    var code: ScanError.Code
    var offset: Int
    var message: String
}

extension GS1Linter {
    /// Runs the check on a component (already within its length and character set).
    func check(_ v: UnsafeBufferPointer<UInt8>) -> LintFailure? {
        let n = v.count
        func digit(_ i: Int) -> Int { Int(v[i] &- 0x30) }
        func number(_ from: Int, _ count: Int) -> Int {
            var value = 0
            for i in from..<(from + count) { value = value * 10 + digit(i) }
            return value
        }
        func allDigits() -> Int? {
            for i in 0..<n where !v[i].isASCIIDigit { return i }
            return nil
        }
        switch self {
        case .checkDigit:
            if let bad = allDigits() { return LintFailure(code: .badCharacter, offset: bad, message: "has a non-digit where the check digit is computed") }
            guard n >= 2 else { return LintFailure(code: .tooShort, offset: 0, message: "is too short for a check digit") }
            var sum = 0
            var weight = 3
            var i = n - 2
            while i >= 0 { sum += digit(i) * weight; weight = 4 - weight; i -= 1 }
            let expected = (10 - sum % 10) % 10
            if expected != digit(n - 1) {
                return LintFailure(code: .badCheckDigit, offset: n - 1,
                                   message: "check digit is wrong")
            }
        case .checkPair:
            return GS1CheckPair.verify(v)
        case .companyPrefix, .companyPrefixAfterIndicator:
            let start = self == .companyPrefix ? 0 : 1
            guard n >= start + 4 else {
                return LintFailure(code: .tooShort, offset: 0, message: "is too short to start with a GS1 Company Prefix")
            }
            for i in start..<(start + 4) where !v[i].isASCIIDigit {
                return LintFailure(code: .badValue, offset: i, message: "does not start with a GS1 Company Prefix (four digits)")
            }
        case .date, .dateDay00:
            guard n == 6 else { return LintFailure(code: .badDate, offset: 0, message: "is not a date (YYMMDD)") }
            if let bad = allDigits() { return LintFailure(code: .badCharacter, offset: bad, message: "has a non-digit in a date") }
            return Self.checkDate(year: 2000 + number(0, 2), yearIsTwoDigits: true, month: number(2, 2), day: number(4, 2),
                                  monthOffset: 2, allowDay00: self == .dateDay00)
        case .fullDate:
            guard n == 8 else { return LintFailure(code: .badDate, offset: 0, message: "is not a date (YYYYMMDD)") }
            if let bad = allDigits() { return LintFailure(code: .badCharacter, offset: bad, message: "has a non-digit in a date") }
            return Self.checkDate(year: number(0, 4), yearIsTwoDigits: false, month: number(4, 2), day: number(6, 2),
                                  monthOffset: 4, allowDay00: false)
        case .hourMinute:
            guard n == 4, allDigits() == nil else { return LintFailure(code: .badDate, offset: 0, message: "is not a time (HHMM)") }
            if number(0, 2) > 23 { return LintFailure(code: .badDate, offset: 0, message: "has hour \(String(format2: number(0, 2))), which does not exist") }
            if number(2, 2) > 59 { return LintFailure(code: .badDate, offset: 2, message: "has minute \(String(format2: number(2, 2))), which does not exist") }
        case .hour:
            guard n == 2, allDigits() == nil, number(0, 2) <= 23 else {
                return LintFailure(code: .badDate, offset: 0, message: "has an hour outside 00 to 23")
            }
        case .minute, .second:
            guard n == 2, allDigits() == nil, number(0, 2) <= 59 else {
                return LintFailure(code: .badDate, offset: 0, message: "has a \(self == .minute ? "minute" : "second") outside 00 to 59")
            }
        case .country, .countryOr999:
            guard n == 3, allDigits() == nil else { return LintFailure(code: .badValue, offset: 0, message: "has a country code that is not 3 digits") }
            let code = number(0, 3)
            if !(ISOCodes.numericCountries.contains(code) || (self == .countryOr999 && code == 999)) {
                return LintFailure(code: .badValue, offset: 0, message: "has \(String(decoding: v, as: UTF8.self)), which is not an ISO 3166-1 numeric country code")
            }
        case .countryAlpha2:
            guard n == 2, ISOCodes.alpha2Countries.contains(String(decoding: v, as: UTF8.self)) else {
                return LintFailure(code: .badValue, offset: 0, message: "has \(String(decoding: v, as: UTF8.self)), which is not an ISO 3166-1 alpha-2 country code")
            }
        case .currency:
            guard n == 3, allDigits() == nil, ISOCodes.numericCurrencies.contains(number(0, 3)) else {
                return LintFailure(code: .badValue, offset: 0, message: "has \(String(decoding: v, as: UTF8.self)), which is not an ISO 4217 numeric currency code")
            }
        case .sex:
            guard n == 1, [0x30, 0x31, 0x32, 0x39].contains(v[0]) else {
                return LintFailure(code: .badValue, offset: 0, message: "has a sex code other than 0, 1, 2 or 9 (ISO/IEC 5218)")
            }
        case .iban:
            return Self.checkIBAN(v)
        case .nonZero:
            for i in 0..<n where v[i] != 0x30 { return nil }
            return LintFailure(code: .badValue, offset: 0, message: "has a field that must not be zero")
        case .zero:
            guard n == 1, v[0] == 0x30 else { return LintFailure(code: .badValue, offset: 0, message: "has a field that must be 0") }
        case .winding:
            guard n == 1, [0x30, 0x31, 0x39].contains(v[0]) else {
                return LintFailure(code: .badValue, offset: 0, message: "has a winding direction other than 0, 1 or 9")
            }
        case .yesNo:
            guard n == 1, v[0] == 0x30 || v[0] == 0x31 else { return LintFailure(code: .badValue, offset: 0, message: "has a flag other than 0 or 1") }
        case .hyphen:
            guard n == 1, v[0] == UInt8(ascii: "-") else { return LintFailure(code: .badValue, offset: 0, message: "has a sign other than '-'") }
        case .pieceOfTotal:
            if let bad = allDigits() { return LintFailure(code: .badCharacter, offset: bad, message: "has a non-digit in piece and total") }
            guard n > 0, n % 2 == 0 else { return LintFailure(code: .badValue, offset: 0, message: "has piece and total of unequal lengths") }
            let half = n / 2
            if (0..<half).allSatisfy({ v[$0] == 0x30 }) { return LintFailure(code: .badValue, offset: 0, message: "has piece number zero") }
            if (half..<n).allSatisfy({ v[$0] == 0x30 }) { return LintFailure(code: .badValue, offset: half, message: "has a total of zero") }
            for i in 0..<half where v[i] != v[half + i] {
                if v[i] > v[half + i] { return LintFailure(code: .badValue, offset: 0, message: "has a piece number above the total") }
                break
            }
        case .percentEncoding:
            var i = 0
            while i < n {
                if v[i] == UInt8(ascii: "%") {
                    guard i + 2 < n, v[i + 1].isHexDigit, v[i + 2].isHexDigit else {
                        return LintFailure(code: .badValue, offset: i, message: "has a '%' that does not start a %hh escape")
                    }
                    i += 3
                } else {
                    i += 1
                }
            }
        case .latitude, .longitude:
            guard n == 10, allDigits() == nil else { return LintFailure(code: .badValue, offset: 0, message: "has a coordinate that is not 10 digits") }
            let limit = self == .latitude ? 1_800_000_000 : 3_600_000_000
            if number(0, 10) > limit { return LintFailure(code: .badValue, offset: 0, message: "has a \(self.rawValue) out of range") }
        case .mediaType:
            guard n == 2, allDigits() == nil else { return LintFailure(code: .badValue, offset: 0, message: "has no AIDC media type") }
            let type = number(0, 2)
            if !((1...10).contains(type) || (80...99).contains(type)) {
                return LintFailure(code: .badValue, offset: 0, message: "has \(String(format2: type)), which is not an AIDC media type")
            }
        case .importerIndex:
            guard n == 1, v[0].isASCIIDigit || v[0].isASCIILetter || v[0] == UInt8(ascii: "-") || v[0] == UInt8(ascii: "_") else {
                return LintFailure(code: .badValue, offset: 0, message: "has an importer index other than -, 0-9, A-Z, _, a-z")
            }
        case .noZeroPrefix:
            if n > 1, v[0] == 0x30 { return LintFailure(code: .badValue, offset: 0, message: "starts with 0, which is not allowed") }
        case .hasNonDigit:
            if allDigits() == nil { return LintFailure(code: .badValue, offset: 0, message: "has only digits; it needs a non-digit character") }
        case .positionInSequence:
            return Self.checkPositionInSequence(v)
        case .packageType, .couponCode, .couponOffer:
            return nil
        }
        return nil
    }

    static func daysIn(month: Int, year: Int, yearIsTwoDigits: Bool) -> Int {
        switch month {
        case 2:
            // Two-digit years: GS1 maps YY to the century within ±50 years of today; until 2049 that puts
            // YY = 00 in 2000, so a two-digit year is a leap year exactly when YY is a multiple of 4.
            let leap = yearIsTwoDigits ? year % 4 == 0 : (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
            return leap ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func checkDate(year: Int, yearIsTwoDigits: Bool, month: Int, day: Int, monthOffset: Int, allowDay00: Bool) -> LintFailure? {
        guard (1...12).contains(month) else {
            return LintFailure(code: .badDate, offset: monthOffset, message: "has month \(String(format2: month)), which does not exist")
        }
        if day == 0 {
            return allowDay00 ? nil : LintFailure(code: .badDate, offset: monthOffset + 2, message: "has day 00, which is not allowed here")
        }
        let days = daysIn(month: month, year: year, yearIsTwoDigits: yearIsTwoDigits)
        guard day <= days else {
            return LintFailure(code: .badDate, offset: monthOffset + 2,
                               message: "has day \(String(format2: day)), which does not exist in month \(String(format2: month)) of \(yearIsTwoDigits ? "year " + String(format2: year % 100) : String(year))")
        }
        return nil
    }

    static func checkPositionInSequence(_ v: UnsafeBufferPointer<UInt8>) -> LintFailure? {
        let n = v.count
        var slash = 0
        while slash < n, v[slash].isASCIIDigit { slash += 1 }
        guard slash > 0, slash < n - 1, v[slash] == UInt8(ascii: "/"),
              (slash + 1..<n).allSatisfy({ v[$0].isASCIIDigit })
        else { return LintFailure(code: .badValue, offset: 0, message: "is not position/total (digits/digits)") }
        if v[0] == 0x30 { return LintFailure(code: .badValue, offset: 0, message: "has a position that is zero or starts with 0") }
        if v[slash + 1] == 0x30 { return LintFailure(code: .badValue, offset: slash + 1, message: "has a total that is zero or starts with 0") }
        let positionDigits = slash, totalDigits = n - slash - 1
        if positionDigits > totalDigits { return LintFailure(code: .badValue, offset: 0, message: "has a position above the total") }
        if positionDigits == totalDigits {
            for i in 0..<positionDigits where v[i] != v[slash + 1 + i] {
                if v[i] > v[slash + 1 + i] { return LintFailure(code: .badValue, offset: 0, message: "has a position above the total") }
                break
            }
        }
        return nil
    }

    static func checkIBAN(_ v: UnsafeBufferPointer<UInt8>) -> LintFailure? {
        let n = v.count
        guard n >= 5 else { return LintFailure(code: .tooShort, offset: 0, message: "is too short for an IBAN") }
        for i in 0..<n {
            let c = v[i]
            let ok = i < 2 ? (c >= 0x41 && c <= 0x5A) : (i < 4 ? c.isASCIIDigit : (c.isASCIIDigit || (c >= 0x41 && c <= 0x5A)))
            if !ok { return LintFailure(code: .badCharacter, offset: i, message: "has a character not allowed in an IBAN (country A-Z, check digits, account A-Z 0-9)") }
        }
        guard ISOCodes.alpha2Countries.contains(String(decoding: UnsafeBufferPointer(rebasing: v[0..<2]), as: UTF8.self)) else {
            return LintFailure(code: .badValue, offset: 0, message: "does not start with an ISO 3166-1 alpha-2 country code")
        }
        // Move the first four characters to the end, letters as 10-35, remainder mod 97 must be 1.
        var remainder = 0
        for k in 0..<n {
            let c = v[(k + 4) % n]
            if c.isASCIIDigit {
                remainder = (remainder * 10 + Int(c - 0x30)) % 97
            } else {
                remainder = (remainder * 100 + Int(c - 0x41 + 10)) % 97
            }
        }
        if remainder != 1 { return LintFailure(code: .badCheckDigit, offset: 2, message: "IBAN check digits are wrong") }
        return nil
    }
}

/// The GS1 alphanumeric check character pair (GS1 General Specifications, "Check character
/// calculation for alphanumeric keys"): data characters valued by their position in CSET 82, weighted
/// by successive primes from the right, summed mod 1021; the 10-bit result is two CSET 32 characters.
enum GS1CheckPair {
    /// CSET 82 in value order.
    static let cset82: [UInt8] = Array("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz".utf8)
    /// CSET 32 in value order.
    static let cset32: [UInt8] = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZ".utf8)

    static let cset82Value: [Int16] = {
        var table = [Int16](repeating: -1, count: 256)
        for (i, c) in cset82.enumerated() { table[Int(c)] = Int16(i) }
        return table
    }()

    static let primes: [Int] = {
        var result: [Int] = []
        var candidate = 2
        while result.count < 100 {
            if !result.contains(where: { $0 * $0 <= candidate && candidate % $0 == 0 }) { result.append(candidate) }
            candidate += 1
        }
        return result
    }()

    /// The two check characters for `data`.
    static func pair(for data: some Collection<UInt8>) -> (UInt8, UInt8)? {
        guard data.count <= primes.count else { return nil }
        var sum = 0
        for (i, c) in data.reversed().enumerated() {
            let value = cset82Value[Int(c)]
            guard value >= 0 else { return nil }
            sum += Int(value) * primes[i]
        }
        sum %= 1021
        return (cset32[sum >> 5], cset32[sum & 31])
    }

    static func verify(_ v: UnsafeBufferPointer<UInt8>) -> LintFailure? {
        let n = v.count
        guard n >= 2 else { return LintFailure(code: .tooShort, offset: 0, message: "is too short for a check character pair") }
        guard n - 2 <= primes.count else { return LintFailure(code: .tooLong, offset: 0, message: "is too long for a check character pair") }
        for i in (n - 2)..<n where !cset32.contains(v[i]) {
            return LintFailure(code: .badCharacter, offset: i, message: "has a check character outside GS1 character set 32")
        }
        guard let (a, b) = pair(for: UnsafeBufferPointer(rebasing: v[0..<(n - 2)])) else {
            return LintFailure(code: .badCharacter, offset: 0, message: "has a character outside GS1 character set 82")
        }
        if a != v[n - 2] || b != v[n - 1] {
            return LintFailure(code: .badCheckDigit, offset: n - 2,
                               message: "check character pair is wrong")
        }
        return nil
    }
}

extension UInt8 {
    var isHexDigit: Bool { isASCIIDigit || ((self | 0x20) >= 0x61 && (self | 0x20) <= 0x66) }
}

extension String {
    /// Two digits with a leading zero.
    init(format2 value: Int) {
        self = value < 10 && value >= 0 ? "0\(value)" : String(value)
    }
}
