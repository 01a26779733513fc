import Foundation

/// One component of an AI's value: its character set, length and content checks.
public struct GS1AIComponent: Sendable, Hashable {
    /// The character set of a component.
    public enum CharacterSet: String, Sendable, Hashable, Codable {
        /// Digits 0-9 (`N`).
        case numeric = "N"
        /// GS1 AI encodable character set 82 (`X`): `!"%&'()*+,-./0-9:;<=>?A-Z_a-z`.
        case cset82 = "X"
        /// GS1 AI encodable character set 39 (`Y`): `#-/0-9A-Z`.
        case cset39 = "Y"
        /// GS1 AI encodable character set 64 (`Z`): file-safe, URI-safe base64 `A-Za-z0-9-_` with `=` padding.
        case cset64 = "Z"
    }

    /// The character set.
    public let characterSet: CharacterSet
    /// The fewest characters.
    public let minLength: Int
    /// The most characters.
    public let maxLength: Int
    /// Whether the component may be left out (only at the end of a value).
    public let isOptional: Bool
    /// Content checks, applied in order after the character set.
    public let linters: [GS1Linter]

    /// `N13`, `X..20`, `[N..12]`.
    public var format: String {
        let length = minLength == maxLength ? "\(maxLength)" : "..\(maxLength)"
        return isOptional ? "[\(characterSet.rawValue)\(length)]" : "\(characterSet.rawValue)\(length)"
    }
}

/// One Application Identifier of the GS1 General Specifications.
public struct GS1AIDefinition: Sendable, Hashable {
    /// The AI, two to four digits.
    public let ai: String
    /// The GS1 data title (`SSCC`, `BATCH/LOT`, `NET WEIGHT (kg)`).
    public let title: String
    /// Pre-defined length: the value needs no FNC1 (GS) separator after it.
    public let isPredefinedLength: Bool
    /// The AI is a GS1 identification key (SSCC, GTIN, GLN, GIAI, ...).
    public let isIdentificationKey: Bool
    /// The AI may be a GS1 Digital Link URI data attribute (in the query string).
    public let isDigitalLinkAttribute: Bool
    /// The value's components.
    public let components: [GS1AIComponent]
    /// Every one of these must be satisfied: each is a list of alternatives, each alternative a group of
    /// AI patterns that must all be present (`31nn` matches any AI starting with `31`).
    public let requires: [[[String]]]
    /// None of these AI patterns may be present.
    public let excludes: [String]
    /// Nil unless the AI is a GS1 Digital Link primary key; then its qualifier sequences (each one a list
    /// of AIs that may follow, in order, any of them left out). `[[]]` is a key without qualifiers.
    public let digitalLinkQualifiers: [[String]]?
    /// The AI's digits packed into 32 bits, first digit in the top byte, zero-padded.
    let code: UInt32
    /// The `req` and `ex` rules in the order the table gives them.
    let rules: [AssociationRule]

    init(ai: String, title: String, isPredefinedLength: Bool, isIdentificationKey: Bool, isDigitalLinkAttribute: Bool,
         components: [GS1AIComponent], rules: [AssociationRule], digitalLinkQualifiers: [[String]]?) {
        self.ai = ai
        self.title = title
        self.isPredefinedLength = isPredefinedLength
        self.isIdentificationKey = isIdentificationKey
        self.isDigitalLinkAttribute = isDigitalLinkAttribute
        self.components = components
        self.rules = rules
        self.requires = rules.compactMap { if case .requires(let groups) = $0 { groups.map { $0.map(\.text) } } else { nil } }
        self.excludes = rules.flatMap { rule -> [String] in if case .excludes(let list) = rule { list.map(\.text) } else { [] } }
        self.digitalLinkQualifiers = digitalLinkQualifiers
        self.code = AIPattern.pack(Array(ai.utf8))
    }

    /// The fewest characters of a value.
    public var minLength: Int { components.reduce(0) { $0 + ($1.isOptional ? 0 : $1.minLength) } }
    /// The most characters of a value.
    public var maxLength: Int { components.reduce(0) { $0 + $1.maxLength } }
    /// True when every value has the same length.
    public var isFixedLength: Bool { minLength == maxLength }
    /// The format as the General Specifications write it: `N2+N14`, `N2+X..20`.
    public var format: String { components.map(\.format).joined(separator: " ") }
}

/// The complete table of GS1 Application Identifiers.
///
/// Source: the GS1 General Specifications (Release 25) AI table as decomposed by the GS1 Barcode Syntax
/// Dictionary (2025 edition, with AIs (03), (7011), (7041), (716), (7250)-(7259), (8014), (8030)):
/// for every AI its length, character sets, content checks (check digits, dates, times, codes), the
/// AIs it needs and excludes, whether it needs no separator, and its GS1 Digital Link role.
///
/// Each line: `AI or range | flags | components | attributes | title`. Flags: `F` pre-defined length
/// (no FNC1 separator needed), `K` GS1 identification key, `D` allowed as a Digital Link data attribute.
/// Components: `N` numeric, `X` CSET 82, `Y` CSET 39, `Z` CSET 64, then the length (`18` or `..20`),
/// `[...]` optional, `+name` content checks (see ``GS1Linter``). Attributes: `req=` alternatives (`,`)
/// of groups (`+`), `ex=` exclusions, `dl` or `dl=` Digital Link primary key and its qualifier sequences (alternatives separated by `/`).
public enum GS1ApplicationIdentifiers {
    static let source = """
    00        | FKD | N18+csum+gcp2                 | dl                                   | SSCC
    01        | FKD | N14+csum+gcp2                 | ex=255,37 dl=22,10,21/235            | GTIN
    02        | FD  | N14+csum+gcp2                 | ex=01,03 req=37                      | CONTENT
    03        | F   | N14+csum+gcp2                 | ex=01,02,37                          | MTO GTIN
    10        | D   | X..20                         | req=01,02,03,8006,8026               | BATCH/LOT
    11        | FD  | N6+yymmd0                     | req=01,02,03,8006,8026               | PROD DATE
    12        | FD  | N6+yymmd0                     | req=8020                             | DUE DATE
    13        | FD  | N6+yymmd0                     | req=01,02,03,8006,8026               | PACK DATE
    15        | FD  | N6+yymmd0                     | req=01,02,03,8006,8026               | BEST BEFORE or BEST BY
    16        | FD  | N6+yymmd0                     | req=01,02,03,8006,8026               | SELL BY
    17        | FD  | N6+yymmd0                     | req=01,02,03,255,8006,8026           | USE BY or EXPIRY
    20        | FD  | N2                            | req=01,02,8006,8026                  | VARIANT
    21        | -   | X..20                         | req=01,03,8006 ex=235                | SERIAL
    22        | -   | X..20                         | req=01                               | CPV
    235       | -   | X..28                         | req=01                               | TPX
    240       | D   | X..30                         | req=01,02,8006,8026                  | ADDITIONAL ID
    241       | D   | X..30                         | req=01,02,8006,8026                  | CUST. PART No.
    242       | D   | N..6                          | req=01,02,8006,8026                  | MTO VARIANT
    243       | D   | X..20                         | req=01                               | PCN
    250       | D   | X..30                         | req=01,8006 req=21                   | SECONDARY SERIAL
    251       | D   | X..30                         | req=01,8006                          | REF. TO SOURCE
    253       | KD  | N13+csum+gcp [X..17]          | dl                                   | GDTI
    254       | -   | X..20                         | req=414                              | GLN EXTENSION COMPONENT
    255       | KD  | N13+csum+gcp [N..12]          | dl ex=01,02,415,8006,8020,8026       | GCN
    30        | D   | N..8                          | req=01,02                            | VAR. COUNT
    3100-3105 | FD  | N6                            | req=01,02 ex=310n                    | NET WEIGHT (kg)
    3110-3115 | FD  | N6                            | req=01,02 ex=311n                    | LENGTH (m)
    3120-3125 | FD  | N6                            | req=01,02 ex=312n                    | WIDTH (m)
    3130-3135 | FD  | N6                            | req=01,02 ex=313n                    | HEIGHT (m)
    3140-3145 | FD  | N6                            | req=01,02 ex=314n                    | AREA (m²)
    3150-3155 | FD  | N6                            | req=01,02 ex=315n                    | NET VOLUME (l)
    3160-3165 | FD  | N6                            | req=01,02 ex=316n                    | NET VOLUME (m³)
    3200-3205 | FD  | N6                            | req=01,02 ex=320n                    | NET WEIGHT (lb)
    3210-3215 | FD  | N6                            | req=01,02 ex=321n                    | LENGTH (in)
    3220-3225 | FD  | N6                            | req=01,02 ex=322n                    | LENGTH (ft)
    3230-3235 | FD  | N6                            | req=01,02 ex=323n                    | LENGTH (yd)
    3240-3245 | FD  | N6                            | req=01,02 ex=324n                    | WIDTH (in)
    3250-3255 | FD  | N6                            | req=01,02 ex=325n                    | WIDTH (ft)
    3260-3265 | FD  | N6                            | req=01,02 ex=326n                    | WIDTH (yd)
    3270-3275 | FD  | N6                            | req=01,02 ex=327n                    | HEIGHT (in)
    3280-3285 | FD  | N6                            | req=01,02 ex=328n                    | HEIGHT (ft)
    3290-3295 | FD  | N6                            | req=01,02 ex=329n                    | HEIGHT (yd)
    3300-3305 | FD  | N6                            | req=00,01 ex=330n                    | GROSS WEIGHT (kg)
    3310-3315 | FD  | N6                            | req=00,01 ex=331n                    | LENGTH (m), log
    3320-3325 | FD  | N6                            | req=00,01 ex=332n                    | WIDTH (m), log
    3330-3335 | FD  | N6                            | req=00,01 ex=333n                    | HEIGHT (m), log
    3340-3345 | FD  | N6                            | req=00,01 ex=334n                    | AREA (m²), log
    3350-3355 | FD  | N6                            | req=00,01 ex=335n                    | VOLUME (l), log
    3360-3365 | FD  | N6                            | req=00,01 ex=336n                    | VOLUME (m³), log
    3370-3375 | FD  | N6                            | req=01 ex=337n                       | KG PER m²
    3400-3405 | FD  | N6                            | req=00,01 ex=340n                    | GROSS WEIGHT (lb)
    3410-3415 | FD  | N6                            | req=00,01 ex=341n                    | LENGTH (in), log
    3420-3425 | FD  | N6                            | req=00,01 ex=342n                    | LENGTH (ft), log
    3430-3435 | FD  | N6                            | req=00,01 ex=343n                    | LENGTH (yd), log
    3440-3445 | FD  | N6                            | req=00,01 ex=344n                    | WIDTH (in), log
    3450-3455 | FD  | N6                            | req=00,01 ex=345n                    | WIDTH (ft), log
    3460-3465 | FD  | N6                            | req=00,01 ex=346n                    | WIDTH (yd), log
    3470-3475 | FD  | N6                            | req=00,01 ex=347n                    | HEIGHT (in), log
    3480-3485 | FD  | N6                            | req=00,01 ex=348n                    | HEIGHT (ft), log
    3490-3495 | FD  | N6                            | req=00,01 ex=349n                    | HEIGHT (yd), log
    3500-3505 | FD  | N6                            | req=01,02 ex=350n                    | AREA (in²)
    3510-3515 | FD  | N6                            | req=01,02 ex=351n                    | AREA (ft²)
    3520-3525 | FD  | N6                            | req=01,02 ex=352n                    | AREA (yd²)
    3530-3535 | FD  | N6                            | req=00,01 ex=353n                    | AREA (in²), log
    3540-3545 | FD  | N6                            | req=00,01 ex=354n                    | AREA (ft²), log
    3550-3555 | FD  | N6                            | req=00,01 ex=355n                    | AREA (yd²), log
    3560-3565 | FD  | N6                            | req=01,02 ex=356n                    | NET WEIGHT (t oz)
    3570-3575 | FD  | N6                            | req=01,02 ex=357n                    | NET VOLUME (oz)
    3600-3605 | FD  | N6                            | req=01,02 ex=360n                    | NET VOLUME (qt)
    3610-3615 | FD  | N6                            | req=01,02 ex=361n                    | NET VOLUME (gal.)
    3620-3625 | FD  | N6                            | req=00,01 ex=362n                    | VOLUME (qt), log
    3630-3635 | FD  | N6                            | req=00,01 ex=363n                    | VOLUME (gal.), log
    3640-3645 | FD  | N6                            | req=01,02 ex=364n                    | VOLUME (in³)
    3650-3655 | FD  | N6                            | req=01,02 ex=365n                    | VOLUME (ft³)
    3660-3665 | FD  | N6                            | req=01,02 ex=366n                    | VOLUME (yd³)
    3670-3675 | FD  | N6                            | req=00,01 ex=367n                    | VOLUME (in³), log
    3680-3685 | FD  | N6                            | req=00,01 ex=368n                    | VOLUME (ft³), log
    3690-3695 | FD  | N6                            | req=00,01 ex=369n                    | VOLUME (yd³), log
    37        | D   | N..8                          | req=00 req=02,8026                   | COUNT
    3900-3909 | D   | N..15                         | req=255,8020 ex=390n,391n,394n,8111  | AMOUNT
    3910-3919 | D   | N3+iso4217 N..15              | req=8020 ex=391n                     | AMOUNT
    3920-3929 | D   | N..15                         | req=01 req=30,31nn,32nn,35nn,36nn ex=392n,393n | PRICE
    3930-3939 | D   | N3+iso4217 N..15              | req=30,31nn,32nn,35nn,36nn ex=393n   | PRICE
    3940-3943 | D   | N4                            | req=255 ex=394n,8111                 | PRCNT OFF
    3950-3955 | D   | N6                            | req=30,31nn,32nn,35nn,36nn ex=392n,393n,395n,8005 | PRICE/UoM
    400       | D   | X..30                         |                                      | ORDER NUMBER
    401       | KD  | X..30+gcp                     | dl                                   | GINC
    402       | KD  | N17+csum+gcp                  | dl                                   | GSIN
    403       | D   | X..30                         | req=00                               | ROUTE
    410       | FD  | N13+csum+gcp                  |                                      | SHIP TO LOC
    411       | FD  | N13+csum+gcp                  |                                      | BILL TO
    412       | FD  | N13+csum+gcp                  |                                      | PURCHASE FROM
    413       | FD  | N13+csum+gcp                  |                                      | SHIP FOR LOC
    414       | FKD | N13+csum+gcp                  | dl=254/7040                          | LOC No.
    415       | FD  | N13+csum+gcp                  | req=8020 dl=8020                     | PAY TO
    416       | FD  | N13+csum+gcp                  |                                      | PROD/SERV LOC
    417       | FD  | N13+csum+gcp                  | dl=7040                              | PARTY
    420       | D   | X..20                         | ex=421                               | SHIP TO POST
    421       | D   | N3+iso3166 X..9               | ex=4307                              | SHIP TO POST
    422       | D   | N3+iso3166                    | req=01,02,8006,8026 ex=426           | ORIGIN
    423       | D   | N3+iso3166 [N3+iso3166] [N3+iso3166] [N3+iso3166] [N3+iso3166] | req=01,02 ex=426 | COUNTRY - INITIAL PROCESS
    424       | D   | N3+iso3166                    | req=01,02 ex=426                     | COUNTRY - PROCESS
    425       | D   | N3+iso3166 [N3+iso3166] [N3+iso3166] [N3+iso3166] [N3+iso3166] | req=01,02 ex=426 | COUNTRY - DISASSEMBLY
    426       | D   | N3+iso3166                    | req=01,02                            | COUNTRY - FULL PROCESS
    427       | D   | X..3                          | req=01,02 req=422                    | ORIGIN SUBDIVISION
    4300      | D   | X..35+pcenc                   | req=00                               | SHIP TO COMP
    4301      | D   | X..35+pcenc                   | req=00                               | SHIP TO NAME
    4302      | D   | X..70+pcenc                   | req=00                               | SHIP TO ADD1
    4303      | D   | X..70+pcenc                   | req=4302                             | SHIP TO ADD2
    4304      | D   | X..70+pcenc                   | req=00                               | SHIP TO SUB
    4305      | D   | X..70+pcenc                   | req=00                               | SHIP TO LOC
    4306      | D   | X..70+pcenc                   | req=00                               | SHIP TO REG
    4307      | D   | X2+iso3166alpha2              | req=00                               | SHIP TO COUNTRY
    4308      | D   | X..30                         | req=00                               | SHIP TO PHONE
    4309      | D   | N10+latitude N10+longitude    | req=00                               | SHIP TO GEO
    4310      | D   | X..35+pcenc                   | req=00                               | RTN TO COMP
    4311      | D   | X..35+pcenc                   | req=00                               | RTN TO NAME
    4312      | D   | X..70+pcenc                   | req=00                               | RTN TO ADD1
    4313      | D   | X..70+pcenc                   | req=4312                             | RTN TO ADD2
    4314      | D   | X..70+pcenc                   | req=00                               | RTN TO SUB
    4315      | D   | X..70+pcenc                   | req=00                               | RTN TO LOC
    4316      | D   | X..70+pcenc                   | req=00                               | RTN TO REG
    4317      | D   | X2+iso3166alpha2              | req=00                               | RTN TO COUNTRY
    4318      | D   | X..20                         | req=00                               | RTN TO POST
    4319      | D   | X..30                         | req=00                               | RTN TO PHONE
    4320      | D   | X..35+pcenc                   | req=00                               | SRV DESCRIPTION
    4321      | D   | N1+yesno                      | req=00                               | DANGEROUS GOODS
    4322      | D   | N1+yesno                      | req=00                               | AUTH TO LEAVE
    4323      | D   | N1+yesno                      | req=00                               | SIG REQUIRED
    4324      | D   | N6+yymmd0 N4+hhmi             | req=00                               | NOT BEF DEL DT
    4325      | D   | N6+yymmd0 N4+hhmi             | req=00                               | NOT AFT DEL DT
    4326      | D   | N6+yymmdd                     | req=00                               | REL DATE
    4330      | D   | N6 [X1+hyphen]                | req=00 ex=4331                       | MAX TEMP F.
    4331      | D   | N6 [X1+hyphen]                | req=00 ex=4330                       | MAX TEMP C.
    4332      | D   | N6 [X1+hyphen]                | req=00 ex=4333                       | MIN TEMP F.
    4333      | D   | N6 [X1+hyphen]                | req=00 ex=4332                       | MIN TEMP C.
    7001      | D   | N13                           | req=01,02,8006,8026                  | NSN
    7002      | D   | X..30                         | req=01,02                            | MEAT CUT
    7003      | D   | N6+yymmdd N4+hhmi             | req=01,02                            | EXPIRY TIME
    7004      | D   | N..4                          | req=01 req=10                        | ACTIVE POTENCY
    7005      | D   | X..12                         | req=01,02                            | CATCH AREA
    7006      | D   | N6+yymmdd                     | req=01,02                            | FIRST FREEZE DATE
    7007      | D   | N6+yymmdd [N6+yymmdd]         | req=01,02                            | HARVEST DATE
    7008      | D   | X..3                          | req=01,02                            | AQUATIC SPECIES
    7009      | D   | X..10                         | req=01,02                            | FISHING GEAR TYPE
    7010      | D   | X..2                          | req=01,02                            | PROD METHOD
    7011      | D   | N6+yymmdd [N4+hhmi]           | req=01,02                            | TEST BY DATE
    7020      | D   | X..20                         | req=01,8006 req=416                  | REFURB LOT
    7021      | D   | X..20                         | req=01,8006                          | FUNC STAT
    7022      | D   | X..20                         | req=7021                             | REV STAT
    7023      | D   | X..30+gcp                     |                                      | GIAI - ASSEMBLY
    7030-7039 | D   | N3+iso3166999 X..27           | req=01,02                            | PROCESSOR # {d}
    7040      | -   | N1 X1 X1 X1+importeridx       |                                      | UIC+EXT
    7041      | -   | X..4+packagetype              | req=00                               | UFRGT UNIT TYPE
    710       | D   | X..20                         | req=01                               | NHRN PZN
    711       | D   | X..20                         | req=01                               | NHRN CIP
    712       | D   | X..20                         | req=01                               | NHRN CN
    713       | D   | X..20                         | req=01                               | NHRN DRN
    714       | D   | X..20                         | req=01                               | NHRN AIM
    715       | D   | X..20                         | req=01                               | NHRN NDC
    716       | D   | X..20                         | req=01                               | NHRN AIC
    7230-7239 | D   | X2 X..28                      | req=01,8004                          | CERT # {d+1}
    7240      | D   | X..20                         | req=01,8006                          | PROTOCOL
    7241      | D   | N2+mediatype                  | req=8017,8018                        | AIDC MEDIA TYPE
    7242      | D   | X..25                         | req=8017,8018                        | VCN
    7250      | D   | N8+yyyymmdd                   | req=8018 ex=7251                     | DOB
    7251      | D   | N8+yyyymmdd N4+hhmi           | req=8018 ex=7250                     | DOB TIME
    7252      | D   | N1+iso5218                    | req=8018                             | BIO SEX
    7253      | D   | X..40+pcenc                   | req=8017,8018 ex=7256,7259           | FAMILY NAME
    7254      | D   | X..40+pcenc                   | req=8017,8018 ex=7256,7259           | GIVEN NAME
    7255      | D   | X..10                         | req=8017,8018 ex=7256,7259           | SUFFIX
    7256      | D   | X..90+pcenc                   | req=8017,8018                        | FULL NAME
    7257      | D   | X..70+pcenc                   | req=8018                             | PERSON ADDR
    7258      | D   | X3+posinseqslash              | req=8018+7259                        | BIRTH SEQUENCE
    7259      | D   | X..40+pcenc                   | req=8018 ex=7256                     | BABY
    8001      | D   | N4+nonzero N5+nonzero N3+nonzero N1+winding N1 | req=01              | DIMENSIONS
    8002      | D   | X..20                         |                                      | CMT No.
    8003      | KD  | N1+zero N13+csum+gcp [X..16]  | dl                                   | GRAI
    8004      | KD  | X..30+gcp                     | dl=7040                              | GIAI
    8005      | D   | N6                            | req=01,02                            | PRICE PER UNIT
    8006      | D   | N14+csum+gcp2 N4+pieceoftotal | ex=01,37 dl=22,10,21                 | ITIP
    8007      | D   | X..34+iban                    | req=415                              | IBAN
    8008      | D   | N6+yymmdd N2+hh [N2+mi] [N2+ss] | req=01,02                          | PROD TIME
    8009      | D   | X..50                         | req=00,01                            | OPTSEN
    8010      | KD  | Y..30+gcp                     | dl=8011                              | CPID
    8011      | -   | N..12+nozeroprefix            | req=8010                             | CPID SERIAL
    8012      | D   | X..20                         | req=01,8006                          | VERSION
    8013      | KD  | X..25+csumalpha+gcp           | dl                                   | GMN
    8014      | -   | X..25+csumalpha+gcp+hasnondigit | req=01                             | MUDI
    8017      | KD  | N18+csum+gcp                  | ex=8018 dl=8019                      | GSRN - PROVIDER
    8018      | KD  | N18+csum+gcp                  | ex=8017 dl=8019                      | GSRN - RECIPIENT
    8019      | -   | N..10                         | req=8017,8018                        | SRIN
    8020      | -   | X..25                         | req=415                              | REF No.
    8026      | D   | N14+csum+gcp2 N4+pieceoftotal | req=37 ex=02,8006                    | ITIP CONTENT
    8030      | D   | Z..90                         | req=00,01+21,253,255,8003,8004,8006+21,8010+8011,8017,8018 | DIGSIG
    8110      | D   | X..70+couponcode              |                                      | COUPON CODE
    8111      | D   | N4                            | req=255                              | POINTS
    8112      | D   | X..70+couponposoffer          |                                      | PAPERLESS COUPON CODE
    8200      | -   | X..70                         | req=01                               | PRODUCT URL
    90        | D   | X..30                         |                                      | INTERNAL
    91-99     | D   | X..90                         |                                      | INTERNAL
    """

    /// Every AI, in lexical order.
    public static let all: [GS1AIDefinition] = parse(source)

    /// The definition of `ai` (exactly, e.g. `"3103"`), or nil when the General Specifications define none.
    public static func definition(for ai: some StringProtocol) -> GS1AIDefinition? {
        let bytes = Array(ai.utf8)
        guard (2...4).contains(bytes.count), bytes.allSatisfy(\.isASCIIDigit) else { return nil }
        guard let index = index(exact: bytes[...]) else { return nil }
        return all[index]
    }

    // MARK: - Fast lookup

    /// The AI length (2, 3 or 4) for each two-digit prefix; 0 where no AI starts with those digits.
    static let lengthByPrefix: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 100)
        for entry in all {
            let bytes = Array(entry.ai.utf8)
            let prefix = Int(bytes[0] - 0x30) * 10 + Int(bytes[1] - 0x30)
            precondition(table[prefix] == 0 || table[prefix] == UInt8(bytes.count), "AIs starting \(prefix) differ in length")
            table[prefix] = UInt8(bytes.count)
        }
        return table
    }()

    /// Index into `all` by AI: 2-digit AIs at 0..<100, 3-digit at 100..<1100, 4-digit at 1100..<11100.
    static let slot: [Int16] = {
        var table = [Int16](repeating: -1, count: 11100)
        for (i, entry) in all.enumerated() {
            table[slotNumber(Array(entry.ai.utf8)[...])] = Int16(i)
        }
        return table
    }()

    @inline(__always) static func slotNumber(_ digits: ArraySlice<UInt8>) -> Int {
        var value = 0
        for d in digits { value = value * 10 + Int(d &- 0x30) }
        switch digits.count {
        case 2: return value
        case 3: return 100 + value
        default: return 1100 + value
        }
    }

    /// The index in `all` of exactly these AI digits.
    static func index(exact digits: ArraySlice<UInt8>) -> Int? {
        guard digits.count >= 2, digits.allSatisfy(\.isASCIIDigit) else { return nil }
        let prefix = Int(digits[digits.startIndex] - 0x30) * 10 + Int(digits[digits.startIndex + 1] - 0x30)
        guard Int(lengthByPrefix[prefix]) == digits.count else { return nil }
        let i = slot[slotNumber(digits)]
        return i < 0 ? nil : Int(i)
    }

    // MARK: - Parsing the table

    static func parse(_ text: String) -> [GS1AIDefinition] {
        var result: [GS1AIDefinition] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmed(of: " ") }
            guard let first = fields.first, !first.isEmpty else { continue }
            precondition(fields.count == 5, "AI table line has \(fields.count) fields: \(line)")
            let flags = fields[1]
            let components = parseComponents(fields[2])
            var rules: [AssociationRule] = []
            var qualifiers: [[String]]?
            for attribute in fields[3].split(separator: " ") {
                if attribute.hasPrefix("req=") {
                    rules.append(.requires(attribute.dropFirst(4).split(separator: ",").map {
                        $0.split(separator: "+").map { AIPattern(String($0)) }
                    }))
                } else if attribute.hasPrefix("ex=") {
                    rules.append(.excludes(attribute.dropFirst(3).split(separator: ",").map { AIPattern(String($0)) }))
                } else if attribute == "dl" {
                    qualifiers = [[]]
                } else if attribute.hasPrefix("dl=") {
                    qualifiers = attribute.dropFirst(3).split(separator: "/").map { $0.split(separator: ",").map(String.init) }
                } else {
                    preconditionFailure("unknown AI table attribute \(attribute)")
                }
            }
            let range = first.split(separator: "-").map(String.init)
            let low = Int(range[0])!, high = Int(range.last!)!
            let width = range[0].count
            for number in low...high {
                var ai = String(number)
                while ai.count < width { ai = "0" + ai }
                let digit = Int(ai.suffix(1))!
                let title = fields[4]
                    .replacingOccurrences(of: "{d+1}", with: String(digit + 1))
                    .replacingOccurrences(of: "{d}", with: String(digit))
                result.append(GS1AIDefinition(
                    ai: ai, title: title, isPredefinedLength: flags.contains("F"), isIdentificationKey: flags.contains("K"),
                    isDigitalLinkAttribute: flags.contains("D"), components: components, rules: rules,
                    digitalLinkQualifiers: qualifiers))
            }
        }
        return result.sorted { $0.ai < $1.ai }
    }

    static func parseComponents(_ text: String) -> [GS1AIComponent] {
        text.split(separator: " ").map { token in
            var body = Substring(token)
            let optional = body.hasPrefix("[")
            if optional { body = body.dropFirst() }
            var parts = body.split(separator: "+").map(String.init)
            var spec = parts.removeFirst()
            if spec.hasSuffix("]") { spec.removeLast() }
            if let last = parts.last, last.hasSuffix("]") { parts[parts.count - 1].removeLast() }
            let set = GS1AIComponent.CharacterSet(rawValue: String(spec.prefix(1)))!
            let lengthText = spec.dropFirst()
            let variable = lengthText.hasPrefix("..")
            let length = Int(variable ? lengthText.dropFirst(2) : lengthText)!
            let linters = parts.map { name in
                guard let linter = GS1Linter(rawValue: name) else {
                    preconditionFailure("unknown linter \(name)")
                }
                return linter
            }
            return GS1AIComponent(characterSet: set, minLength: variable ? 1 : length, maxLength: length,
                                  isOptional: optional, linters: linters)
        }
    }
}

extension StringProtocol {
    func trimmed(of character: Character) -> String {
        var slice = self[...]
        while slice.first == character { slice = slice.dropFirst() }
        while slice.last == character { slice = slice.dropLast() }
        return String(slice)
    }
}

/// An AI or AI pattern in a `req` or `ex` rule: `01`, or `310n` / `31nn` for any AI with those leading digits.
struct AIPattern: Sendable, Hashable {
    /// As written in the table.
    let text: String
    /// The leading digits, packed.
    let prefix: UInt32
    /// How many leading digits.
    let prefixDigits: Int
    /// The pattern's full length (digits and `n`s).
    let length: Int

    init(_ text: String) {
        self.text = text
        let digits = Array(text.utf8.prefix { $0.isASCIIDigit })
        self.prefixDigits = digits.count
        self.prefix = Self.pack(digits) >> Self.shift(digits.count)
        self.length = text.utf8.count
    }

    @inline(__always) static func shift(_ digits: Int) -> UInt32 { UInt32(8 * (4 - digits)) }

    /// Up to four ASCII digits packed into 32 bits, first digit in the top byte, zero-padded.
    static func pack(_ bytes: some Collection<UInt8>) -> UInt32 {
        var code: UInt32 = 0
        var count = 0
        for b in bytes.prefix(4) { code = code << 8 | UInt32(b); count += 1 }
        return code << UInt32(8 * (4 - count))
    }

    /// True when `other` matches this pattern and is not `current` itself (an AI is never its own partner).
    @inline(__always) func matches(_ other: UInt32, current: UInt32) -> Bool {
        (other >> Self.shift(prefixDigits)) == prefix && (other >> Self.shift(length)) != (current >> Self.shift(length))
    }
}

/// A GS1 rule on AIs that must, or must not, appear together.
enum AssociationRule: Sendable, Hashable {
    /// At least one alternative, each a group of patterns that must all be present.
    case requires([[AIPattern]])
    /// None of these may be present.
    case excludes([AIPattern])
}

// MARK: - The table as the readers use it

/// One component as the readers check it: plain values only.
struct ComponentSpec: Sendable {
    let characterSet: GS1AIComponent.CharacterSet
    let mask: UInt8
    let minLength: Int
    let maxLength: Int
    let isOptional: Bool
    let linterStart: Int
    let linterCount: Int
}

/// A weight AI's unit and meaning.
struct WeightSpec: Sendable {
    let unit: WeightUnit
    let isGross: Bool
    let decimals: Int
}

/// One AI as the readers use it: a reference, so that reading never copies the definition.
final class AIRecord: Sendable {
    let index: Int
    let ai: String
    let code: UInt32
    let isPredefinedLength: Bool
    let components: [ComponentSpec]
    let linters: [GS1Linter]
    let rules: [AssociationRule]
    let minLength: Int
    let maxLength: Int
    let isFixedLength: Bool
    let isNumeric: Bool
    let weight: WeightSpec?
    let definition: GS1AIDefinition

    init(index: Int, definition: GS1AIDefinition) {
        self.index = index
        self.definition = definition
        ai = definition.ai
        code = definition.code
        isPredefinedLength = definition.isPredefinedLength
        rules = definition.rules
        minLength = definition.minLength
        maxLength = definition.maxLength
        isFixedLength = definition.isFixedLength
        isNumeric = definition.components.allSatisfy { $0.characterSet == .numeric }
        var linters: [GS1Linter] = []
        var components: [ComponentSpec] = []
        for component in definition.components {
            components.append(ComponentSpec(
                characterSet: component.characterSet, mask: GS1Reader.mask(component.characterSet),
                minLength: component.minLength, maxLength: component.maxLength, isOptional: component.isOptional,
                linterStart: linters.count, linterCount: component.linters.count))
            linters += component.linters
        }
        self.components = components
        self.linters = linters
        let a = Array(definition.ai.utf8)
        if a.count == 4, a[0] == 0x33, a[2] == 0x30, (0x31...0x34).contains(a[1]) {
            weight = WeightSpec(unit: a[1] == 0x31 || a[1] == 0x33 ? .kilogram : .pound, isGross: a[1] >= 0x33, decimals: Int(a[3] - 0x30))
        } else {
            weight = nil
        }
    }
}

/// The AI table with its lookup structures, shared by all readers.
final class GS1Table: Sendable {
    static let shared = GS1Table()

    let records: [AIRecord]
    let lengthByPrefix: [UInt8]
    let slot: [Int16]
    let sscc: Int, gtin: Int, serial: Int, grai: Int, giai: Int

    private init() {
        records = GS1ApplicationIdentifiers.all.enumerated().map { AIRecord(index: $0.offset, definition: $0.element) }
        lengthByPrefix = GS1ApplicationIdentifiers.lengthByPrefix
        slot = GS1ApplicationIdentifiers.slot
        func index(_ ai: String) -> Int { GS1ApplicationIdentifiers.index(exact: Array(ai.utf8)[...])! }
        sscc = index("00"); gtin = index("01"); serial = index("21"); grai = index("8003"); giai = index("8004")
    }

    /// The index of exactly these AI digits.
    func index(exact digits: some Collection<UInt8>) -> Int? {
        guard (2...4).contains(digits.count), digits.allSatisfy(\.isASCIIDigit) else { return nil }
        var iterator = digits.makeIterator()
        let d0 = Int(iterator.next()! - 0x30), d1 = Int(iterator.next()! - 0x30)
        guard Int(lengthByPrefix[d0 * 10 + d1]) == digits.count else { return nil }
        var number = d0 * 10 + d1
        while let d = iterator.next() { number = number * 10 + Int(d - 0x30) }
        let slotNumber = digits.count == 2 ? number : (digits.count == 3 ? 100 + number : 1100 + number)
        let i = slot[slotNumber]
        return i < 0 ? nil : Int(i)
    }
}
