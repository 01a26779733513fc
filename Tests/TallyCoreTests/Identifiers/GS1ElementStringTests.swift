import XCTest
@testable import TallyCore

final class GS1ElementStringTests: XCTestCase {
    private let gs = GS1Samples.gs
    private let G = GS1Samples.gtin
    private let S = GS1Samples.sscc
    private let L = GS1Samples.gln
    private let normalizer = ScanNormalizer()

    private func ais(_ raw: String) -> [String] { normalizer.normalize(raw).elements.map { "(\($0.ai))\($0.value)" } }

    // MARK: - Every AI family, valid

    func testEveryFamilyReadsAValidString() {
        let gsrn = GS1Samples.gsrn, gsin = GS1Samples.gsin
        let cases: [(String, [String])] = [
            ("00" + S, ["(00)" + S]),
            ("01" + G + "21ABC", ["(01)" + G, "(21)ABC"]),
            ("00" + S + "02" + G + "3710", ["(00)" + S, "(02)" + G, "(37)10"]),
            ("03" + G + "21ABC", ["(03)" + G, "(21)ABC"]),
            ("01" + G + "10ABC" + gs + "11250101" + "13250102" + "15250100" + "16250131" + "17251231" + "2001",
             ["(01)" + G, "(10)ABC", "(11)250101", "(13)250102", "(15)250100", "(16)250131", "(17)251231", "(20)01"]),
            ("415" + L + "8020REF-1" + gs + "12250115", ["(415)" + L, "(8020)REF-1", "(12)250115"]),
            ("01" + G + "22CPV" + gs + "235TPX-1", ["(01)" + G, "(22)CPV", "(235)TPX-1"]),
            ("01" + G + "240A" + gs + "241B" + gs + "242123" + gs + "243C" + gs + "21S" + gs + "250X" + gs + "251Y",
             ["(01)" + G, "(240)A", "(241)B", "(242)123", "(243)C", "(21)S", "(250)X", "(251)Y"]),
            ("253" + L + "DOC-7", ["(253)" + L + "DOC-7"]),
            ("414" + L + "254EXT", ["(414)" + L, "(254)EXT"]),
            ("255" + L + "123", ["(255)" + L + "123"]),
            ("01" + G + "305", ["(01)" + G, "(30)5"]),
            ("01" + G + "3103000189" + "3202000416" + "3110001000" + "3501000100" + "3571000250",
             ["(01)" + G, "(3103)000189", "(3202)000416", "(3110)001000", "(3501)000100", "(3571)000250"]),
            ("00" + S + "3301004250" + "3401009370" + "3311000500" + "3631000012",
             ["(00)" + S, "(3301)004250", "(3401)009370", "(3311)000500", "(3631)000012"]),
            ("255" + L + gs + "390212345", ["(255)" + L, "(3902)12345"]),
            ("415" + L + "8020REF" + gs + "39129781234", ["(415)" + L, "(8020)REF", "(3912)9781234"]),
            ("01" + G + "305" + gs + "39221234", ["(01)" + G, "(30)5", "(3922)1234"]),
            ("01" + G + "3103000189" + "3932978599", ["(01)" + G, "(3103)000189", "(3932)978599"]),
            ("01" + G + "3103000189" + "3955000123", ["(01)" + G, "(3103)000189", "(3955)000123"]),
            ("255" + L + gs + "39401000", ["(255)" + L, "(3940)1000"]),
            ("00" + S + "400PO1" + gs + "4019506000ABC" + gs + "402" + gsin + gs + "403ROUTE",
             ["(00)" + S, "(400)PO1", "(401)9506000ABC", "(402)" + gsin, "(403)ROUTE"]),
            ("00" + S + "410" + L + "411" + L + "412" + L + "413" + L + "416" + L,
             ["(00)" + S, "(410)" + L, "(411)" + L, "(412)" + L, "(413)" + L, "(416)" + L]),
            ("417" + L, ["(417)" + L]),
            ("01" + G + "422276" + gs + "423276250" + gs + "424276" + gs + "425276" + gs + "427BY",
             ["(01)" + G, "(422)276", "(423)276250", "(424)276", "(425)276", "(427)BY"]),
            ("00" + S + "42012345", ["(00)" + S, "(420)12345"]),
            ("00" + S + "421276D-12345", ["(00)" + S, "(421)276D-12345"]),
            ("00" + S + "4300ACME%20Corp" + gs + "4307DE" + gs + "430909000000001800000000" + gs + "43211" + gs
                + "43242512310930" + gs + "4326251231" + gs + "4330000350-",
             ["(00)" + S, "(4300)ACME%20Corp", "(4307)DE", "(4309)09000000001800000000", "(4321)1", "(4324)2512310930",
              "(4326)251231", "(4330)000350-"]),
            ("01" + G + "10L1" + gs + "70011234567890123" + gs + "70032512311230" + gs + "700412" + gs + "7006251231" + gs
                + "7007251201251231" + gs + "70112512311200",
             ["(01)" + G, "(10)L1", "(7001)1234567890123", "(7003)2512311230", "(7004)12", "(7006)251231",
              "(7007)251201251231", "(7011)2512311200"]),
            ("01" + G + "7020LOT" + gs + "416" + L + "7021OK" + gs + "7022REV" + gs + "70239506XYZ",
             ["(01)" + G, "(7020)LOT", "(416)" + L, "(7021)OK", "(7022)REV", "(7023)9506XYZ"]),
            ("01" + G + "7030276ABC" + gs + "7039999XYZ", ["(01)" + G, "(7030)276ABC", "(7039)999XYZ"]),
            ("80049506000ABC" + gs + "70401ABC", ["(8004)9506000ABC", "(7040)1ABC"]),
            ("00" + S + "7041BX", ["(00)" + S, "(7041)BX"]),
            ("01" + G + "710PZN1" + gs + "716AIC1", ["(01)" + G, "(710)PZN1", "(716)AIC1"]),
            ("80049506ABC" + gs + "7230ABCERT1", ["(8004)9506ABC", "(7230)ABCERT1"]),
            ("01" + G + "7240PROTO", ["(01)" + G, "(7240)PROTO"]),
            ("8017" + gsrn + gs + "724101" + gs + "7242VCN1", ["(8017)" + gsrn, "(7241)01", "(7242)VCN1"]),
            ("8018" + gsrn + gs + "725020000229" + gs + "72521" + gs + "72581/2" + gs + "7259BABY",
             ["(8018)" + gsrn, "(7250)20000229", "(7252)1", "(7258)1/2", "(7259)BABY"]),
            ("8018" + gsrn + gs + "7251200002291230" + gs + "7253SMITH" + gs + "7254JOHN" + gs + "7255JR" + gs + "7257ADDR",
             ["(8018)" + gsrn, "(7251)200002291230", "(7253)SMITH", "(7254)JOHN", "(7255)JR", "(7257)ADDR"]),
            ("01" + G + "800101000015003015" + gs + "8005000123" + gs + "800825123112" + gs + "8009SENS" + gs + "8012V1",
             ["(01)" + G, "(8001)01000015003015", "(8005)000123", "(8008)25123112", "(8009)SENS", "(8012)V1"]),
            ("8002CMT1", ["(8002)CMT1"]),
            ("80030" + L + "SER1", ["(8003)0" + L + "SER1"]),
            ("8006" + G + "0102", ["(8006)" + G + "0102"]),
            ("415" + L + "8007GB82WEST12345698765432" + gs + "8020REF", ["(415)" + L, "(8007)GB82WEST12345698765432", "(8020)REF"]),
            ("80109506ABC" + gs + "801112345", ["(8010)9506ABC", "(8011)12345"]),
            ("80131987654Ad4X4bL5ttr2310c2K", ["(8013)1987654Ad4X4bL5ttr2310c2K"]),
            ("01" + G + "80141987654Ad4X4bL5ttr2310c2K", ["(01)" + G, "(8014)1987654Ad4X4bL5ttr2310c2K"]),
            ("8017" + gsrn + gs + "80191234", ["(8017)" + gsrn, "(8019)1234"]),
            ("00" + S + "8026" + G + "0102" + gs + "3710", ["(00)" + S, "(8026)" + G + "0102", "(37)10"]),
            ("01" + G + "21ABC" + gs + "8030QUJD", ["(01)" + G, "(21)ABC", "(8030)QUJD"]),
            ("8110ABC" + gs + "255" + L + gs + "81110100" + gs + "8112XYZ", ["(8110)ABC", "(255)" + L, "(8111)0100", "(8112)XYZ"]),
            ("01" + G + "8200HTTPS://EXAMPLE.COM/P", ["(01)" + G, "(8200)HTTPS://EXAMPLE.COM/P"]),
            ("90ABC" + gs + "91XYZ" + gs + "99FOO", ["(90)ABC", "(91)XYZ", "(99)FOO"]),
        ]
        for (data, expected) in cases {
            let scan = assertValid("]C1" + data)
            XCTAssertEqual(scan.elements.map { "(\($0.ai))\($0.value)" }, expected, data)
            XCTAssertEqual(scan.kind, .gs1ElementString)
        }
    }

    // MARK: - Separators

    func testPredefinedLengthAIsNeedNoSeparatorAndTolerateOne() {
        XCTAssertEqual(ais("]C101" + G + "17251231" + "10ABC"), ["(01)" + G, "(17)251231", "(10)ABC"])
        XCTAssertEqual(ais("]C101" + G + gs + "17251231" + gs + "10ABC"), ["(01)" + G, "(17)251231", "(10)ABC"])
    }

    func testVariableLengthAIsEndAtGSOrEndOfData() {
        XCTAssertEqual(ais("]C110ABC" + gs + "01" + G), ["(10)ABC", "(01)" + G])
        XCTAssertEqual(ais("]C101" + G + "10ABC"), ["(01)" + G, "(10)ABC"])
        // Without the GS, the lot swallows the next AI: a 20-character lot is fine, a 21st character is not.
        XCTAssertEqual(ais("]C101" + G + "10ABC17251231"), ["(01)" + G, "(10)ABC17251231"])
        assertFault("]C101" + G + "10ABCDEFGHIJKLMNOPQRSTU", .tooLong, at: 41, naming: "(10)")
        // A non-pre-defined fixed-length AI still needs its separator.
        assertFault("]C100" + S + "4307DEX", .tooLong, at: 29, naming: "(4307)")
    }

    func testStrayGSAfterTheAIMIdentifierIsToleratedButNotTwo() {
        assertValid("]C1" + gs + "00" + S)
        assertValid("]d2" + gs + "01" + G + "21X")
        assertFault("]C1" + gs + gs + "00" + S, .straySeparator, at: 4)
        assertFault("]C101" + G + "10A" + gs + gs + "21X", .straySeparator, at: 23)
        // A trailing GS is harmless.
        assertValid("]C101" + G + "21X" + gs)
    }

    // MARK: - The error cases

    func testBadCheckDigit() {
        assertFault("]C100" + GS1Samples.breakCheck(S), .badCheckDigit, at: 22, naming: "(00)")
        assertFault("]C101" + GS1Samples.breakCheck(G) + "21X", .badCheckDigit, at: 18, naming: "(01)")
        assertFault("]C1414" + GS1Samples.breakCheck(L), .badCheckDigit, at: 18, naming: "(414)")
        assertFault("]C180131987654Ad4X4bL5ttr2310cXK", .badCheckDigit, at: 30, naming: "(8013)")
        assertFault("]C1415" + L + "8007GB83WEST12345698765432" + gs + "8020R", .badCheckDigit, naming: "(8007)")
    }

    func testTooShort() {
        assertFault("]C100" + "1234", .tooShort, at: 5, naming: "(00)")
        assertFault("]C101" + G + "3103" + "0001", .tooShort, at: 23, naming: "(3103)")
        assertFault("]C1" + "8006" + G + "01", .tooShort, at: 7, naming: "(8006)")
        assertFault("]C18004ABC", .tooShort, at: 7, naming: "(8004)")
    }

    func testBadCharacter() {
        assertFault("]C100" + "1061414123456789O8", .badCharacter, at: 21, naming: "(00)")
        assertFault("]C101" + G + "21AB C", .badCharacter, at: 23, naming: "(21)")
        assertFault("]C101" + G + "21ABé", .badCharacter, at: 23, naming: "(21)")
        assertFault("]C101" + G + "20A1", .badCharacter, at: 21, naming: "(20)")
        assertFault("]C18010abc", .badCharacter, at: 7, naming: "(8010)")
        assertFault("]C101" + G + "21X" + gs + "8030QU!D", .badCharacter, at: 29, naming: "(8030)")
        assertFault("]C101" + G + "21X" + gs + "8030QUJ==", .badCharacter, naming: "(8030)")
    }

    func testPositionsCountCharactersNotBytes() {
        // 'é' is two UTF-8 bytes but one character.
        assertFault("]C101" + G + "21AéB", .badCharacter, at: 22)
        assertFault("Aé\u{07}B", .controlCharacter, at: 2)
        assertFault("]C1éé01" + G, .unknownAI, at: 3)
        let scan = normalizer.normalize("https://é.example/01/" + GS1Samples.breakCheck(G))
        XCTAssertEqual(scan.errors.first?.code, .badDigitalLink)
        XCTAssertEqual(scan.errors.first?.position, 8)
    }

    func testMissingRequiredPair() {
        assertFault("]C121ABC", .missingRequiredAI, at: 3, naming: "(21)")
        assertFault("]C1" + "10LOT", .missingRequiredAI, at: 3, naming: "(10)")
        assertFault("]C100" + S + "3710", .missingRequiredAI, at: 23, naming: "(37)")
        assertFault("]C101" + G + "3922" + "1234", .missingRequiredAI, at: 19, naming: "(3922)")
        assertFault("]C18018" + GS1Samples.gsrn + gs + "72581/2", .missingRequiredAI, naming: "(7258)")
        assertFault("]C1" + "254EXT", .missingRequiredAI, naming: "(254)")
        assertFault("]C1" + "3103000189", .missingRequiredAI, naming: "(3103)")
        let error = normalizer.normalize("]C121ABC").errors.first
        XCTAssertEqual(error?.message, "AI (21) needs AI (01), (03) or (8006)")
    }

    func testRequiredPairsCanBeSwitchedOffForSingleLabels() {
        let singleLabel = ScanNormalizer(options: ScanProfileOptions(requireAssociatedAIs: false))
        let scan = assertValid("]C121ABC", singleLabel)
        XCTAssertEqual(scan.content, .text("ABC"))
        XCTAssertEqual(scan.serial, "ABC")
        XCTAssertEqual(scan.matchKey, "ABC")
        // Exclusions still apply.
        assertFault("]C101" + G + "21A" + gs + "235T", .invalidAIPair, naming: "(235)", singleLabel)
    }

    func testInvalidPair() {
        assertFault("]C101" + G + "02" + G, .invalidAIPair, at: 19, naming: "(02)")
        assertFault("]C101" + G + "21A" + gs + "235T", .invalidAIPair, naming: "(21)")
        assertFault("]C101" + G + "3103000189" + "3102001890", .invalidAIPair, at: 29, naming: "(3103)")
        assertFault("]C18018" + GS1Samples.gsrn + gs + "725020000229" + gs + "7251200002291230", .invalidAIPair, naming: "(7250)")
        let both = ScanNormalizer(options: ScanProfileOptions(requireAssociatedAIs: false, forbidExclusiveAIs: false))
        assertValid("]C101" + G + "21A" + gs + "235T", both)
    }

    func testRepeatedAIs() {
        assertValid("]C101" + G + "10A" + gs + "01" + G + "21X")
        assertFault("]C101" + G + "10A" + gs + "01" + GS1Samples.withCheck("0950600013436") + "21X", .conflictingValues, at: 23, naming: "(01)")
    }

    func testUnknownAI() {
        assertFault("]C1" + "04123", .unknownAI, at: 3, naming: "(04")
        assertFault("]C101" + G + "231ABC", .unknownAI, at: 19, naming: "(231)")
        assertFault("]C101" + G + "3106000100", .unknownAI, at: 19, naming: "(3106)")
        assertFault("]C101" + G + "21A" + gs + "7012X", .unknownAI, at: 23, naming: "(7012)")
        assertFault("]C1ABC", .unknownAI, at: 3)
        assertFault("]C101" + G + "31", .unknownAI, at: 19, naming: "(31)")
        XCTAssertEqual(normalizer.normalize("]C1231ABC").errors.first?.message, "AI (231) is not defined in the GS1 General Specifications")
    }

    func testContentChecks() {
        assertFault("]C101" + G + "422999", .badValue, at: 22, naming: "(422)")
        assertFault("]C101" + G + "39320009", .badValue, naming: "(3932)")
        assertFault("]C100" + S + "4307XX", .badValue, naming: "(4307)")
        assertFault("]C100" + S + "430918000000011800000000", .badValue, naming: "(4309)")
        assertFault("]C100" + S + "43212", .badValue, naming: "(4321)")
        assertFault("]C100" + S + "4330000350+", .badValue, naming: "(4330)")
        assertFault("]C180049506ABC" + gs + "70401AB!", .badValue, naming: "(7040)")
        assertFault("]C18018" + GS1Samples.gsrn + gs + "72523", .badValue, naming: "(7252)")
        assertFault("]C18018" + GS1Samples.gsrn + gs + "72582/1" + gs + "7259B", .badValue, naming: "(7258)")
        assertFault("]C101" + G + "800101000015003025", .badValue, naming: "(8001)")
        assertFault("]C101" + G + "800100000015003015", .badValue, naming: "(8001)")
        assertFault("]C180031" + L + "S", .badValue, at: 7, naming: "(8003)")
        assertFault("]C18004ABCD123", .badValue, at: 7, naming: "(8004)")
        assertFault("]C18006" + G + "0302", .badValue, naming: "(8006)")
        assertFault("]C18006" + G + "0100", .badValue, naming: "(8006)")
        assertFault("]C180109506" + gs + "80110123", .badValue, naming: "(8011)")
        assertFault("]C100" + S + "4300A%2G", .badValue, naming: "(4300)")
        assertFault("]C101" + G + "7241" + "11", .badValue, naming: "(7241)")
        assertFault("]C18017" + GS1Samples.gsrn + gs + "724111", .badValue, naming: "(7241)")
    }

    func testWeightsAreExactDecimalsWithUnits() {
        let cases: [(String, String, WeightUnit, Bool)] = [
            ("3100001250", "1250", .kilogram, false), ("3102001250", "12.50", .kilogram, false),
            ("3105123456", "1.23456", .kilogram, false), ("3203000416", "0.416", .pound, false),
        ]
        for (ai, value, unit, gross) in cases {
            let scan = assertValid("]C101" + G + ai)
            XCTAssertEqual(scan.weight?.value.description, value, ai)
            XCTAssertEqual(scan.weight?.unit, unit, ai)
            XCTAssertEqual(scan.weight?.isGross, gross, ai)
            XCTAssertEqual(scan.weight?.ai, String(ai.prefix(4)))
        }
        let gross = assertValid("]C100" + S + "3301004250")
        XCTAssertEqual(gross.weight?.value, ExactDecimal(parsing: "425.0"))
        XCTAssertEqual(gross.weight?.value.description, "425.0")
        XCTAssertEqual(gross.weight?.isGross, true)
        let pounds = assertValid("]C100" + S + "3404093700")
        XCTAssertEqual(pounds.weight?.value.description, "9.3700")
        XCTAssertEqual(pounds.weight?.unit, .pound)
        // The first weight AI in the scan is the weight; length AIs are not weights.
        XCTAssertNil(assertValid("]C101" + G + "3110001000").weight)
        XCTAssertEqual(assertValid("]C101" + G + "3202000416" + "3102000189").weight?.ai, "3202")
    }

    func testDatesIncludingDay00AndLeapYears() {
        // 11, 13, 15, 16, 17: YYMMDD where day 00 stands for the whole month.
        for ai in ["11", "13", "15", "16", "17"] {
            assertValid("]C101" + G + ai + "250100")
            assertValid("]C101" + G + ai + "240229")
            assertValid("]C101" + G + ai + "000229")
            assertValid("]C101" + G + ai + "251231")
            // The value starts at 21: month at 23, day at 25.
            assertFault("]C101" + G + ai + "250229", .badDate, at: 25, naming: "(\(ai))")
            assertFault("]C101" + G + ai + "990229", .badDate, at: 25)
            assertFault("]C101" + G + ai + "250431", .badDate, at: 25)
            assertFault("]C101" + G + ai + "251301", .badDate, at: 23)
            assertFault("]C101" + G + ai + "250001", .badDate, at: 23)
            assertFault("]C101" + G + ai + "250132", .badDate, at: 25)
        }
        // 7006 (first freeze date) is YYMMDD without day 00.
        assertFault("]C101" + G + "7006250100", .badDate, at: 27, naming: "(7006)")
        assertValid("]C101" + G + "7006240229")
        // Four-digit years: 2000 is a leap year, 1900 and 2100 are not.
        let gsrn = GS1Samples.gsrn, gs = gs
        assertValid("]C18018" + gsrn + gs + "725020000229")
        assertValid("]C18018" + gsrn + gs + "725020240229")
        assertFault("]C18018" + gsrn + gs + "725019000229", .badDate, naming: "(7250)")
        assertFault("]C18018" + gsrn + gs + "725021000229", .badDate, naming: "(7250)")
        // Times.
        assertFault("]C101" + G + "70032512312400", .badDate, naming: "(7003)")
        assertFault("]C101" + G + "70032512312360", .badDate, naming: "(7003)")
        assertFault("]C101" + G + "800825123124", .badDate, naming: "(8008)")
        assertValid("]C101" + G + "80082512312359" + "59")
    }

    func testValuesAreKeptExactly() {
        let scan = assertValid("]d201" + G + "21" + "0O1lI-S5" + gs + "10" + "lot/5B8")
        XCTAssertEqual(scan.serial, "0O1lI-S5", "look-alike characters are never rewritten")
        XCTAssertEqual(scan.value(of: "10"), "lot/5B8")
    }

    func testIdentifiersForTheCore() {
        XCTAssertEqual(assertValid("]C100" + S + "02" + G + "3710").content, .sscc(SSCC(S)!))
        XCTAssertEqual(assertValid("]C101" + G + "21SN-1").content, .gtinSerial(gtin: G, serial: "SN-1"))
        let giai = assertValid("]C18004" + "9506000ASSET42")
        XCTAssertEqual(giai.content, .text("9506000ASSET42"))
        XCTAssertEqual(giai.assetTag, "9506000ASSET42")
        XCTAssertEqual(giai.matchKey, "9506000ASSET42")
        let grai = assertValid("]C18003" + "0" + L + "RET-9")
        XCTAssertEqual(grai.assetTag, "0" + L + "RET-9")
        XCTAssertEqual(grai.matchKey, "0" + L + "RET-9")
        let graiWithoutSerial = assertValid("]C18003" + "0" + L)
        XCTAssertNil(graiWithoutSerial.assetTag)
        XCTAssertNil(graiWithoutSerial.matchKey)
        let gtinOnly = assertValid("]C101" + G + "10L")
        XCTAssertEqual(gtinOnly.gtin, G)
        XCTAssertNil(gtinOnly.matchKey, "a GTIN without a serial is a product, not one asset")
        XCTAssertNil(assertValid("]C190ABC").matchKey)
    }

    func testBracketedFormAndEscapedBracket() {
        let scan = assertValid("(01)" + G + "(10)A\\(B(21)X")
        XCTAssertEqual(scan.value(of: "10"), "A(B")
        assertFault("(01)" + G + "(10)(21)X", .tooShort, naming: "(10)")
        assertFault("(01)" + G + "1(21)X", .tooLong, naming: "(01)")
        assertFault("(1A)123", .badBracketedForm, at: 1)
        assertFault("(01)" + G + "(231)X", .unknownAI, at: 19)
        assertFault("(01)" + G + "(21)", .tooShort, naming: "(21)")
    }

    func testGS1DataWithoutAIMIdentifier() {
        // A scanner that sends no AIM identifier still sends GS for FNC1: digits and a GS read as GS1.
        let scan = assertValid("01" + G + "10LOT" + gs + "21SN9")
        XCTAssertEqual(scan.kind, .gs1ElementString)
        XCTAssertEqual(scan.content, .gtinSerial(gtin: G, serial: "SN9"))
        XCTAssertNil(scan.aim)
    }
}
