import Foundation
import XCTest
@testable import TallyCore

final class DivisionTests: XCTestCase {
    private func assertDivision(_ text: String, _ multiplier: Int, _ exponent: Int, _ description: String,
                                file: StaticString = #filePath, line: UInt = #line) {
        guard let division = Division(parsing: text) else { return XCTFail("'\(text)' did not parse", file: file, line: line) }
        XCTAssertEqual(division.multiplier, multiplier, file: file, line: line)
        XCTAssertEqual(division.exponent, exponent, file: file, line: line)
        XCTAssertEqual(division.description, description, file: file, line: line)
    }

    func testParsesOneTwoFiveTimesPowersOfTen() {
        assertDivision("1", 1, 0, "1")
        assertDivision("2", 2, 0, "2")
        assertDivision("5", 5, 0, "5")
        assertDivision("10", 1, 1, "10")
        assertDivision("20", 2, 1, "20")
        assertDivision("50", 5, 1, "50")
        assertDivision("0.5", 5, -1, "0.5")
        assertDivision("0.2", 2, -1, "0.2")
        assertDivision("0.1", 1, -1, "0.1")
        assertDivision("0.05", 5, -2, "0.05")
        assertDivision("0.001", 1, -3, "0.001")
        assertDivision("1.0", 1, 0, "1")
        assertDivision("0.50", 5, -1, "0.5")
        assertDivision("0.000001", 1, -6, "0.000001")
        assertDivision("5000000", 5, 6, "5000000")
    }

    func testRejectsOtherValues() {
        for text in ["0", "0.0", "-1", "-0.5", "3", "4", "0.25", "25", "0.3", "7", "15", "100000000", "0.0000001", "abc", "", "1e1"] {
            XCTAssertNil(Division(parsing: text), "'\(text)' is not a division")
        }
    }

    func testMemberwiseValidation() {
        XCTAssertNotNil(Division(multiplier: 2, exponent: -6))
        XCTAssertNotNil(Division(multiplier: 5, exponent: 6))
        XCTAssertNil(Division(multiplier: 3, exponent: 0))
        XCTAssertNil(Division(multiplier: 10, exponent: 0))
        XCTAssertNil(Division(multiplier: 0, exponent: 0))
        XCTAssertNil(Division(multiplier: 1, exponent: 7))
        XCTAssertNil(Division(multiplier: 1, exponent: -7))
    }

    func testValue() {
        XCTAssertEqual(Division(multiplier: 2, exponent: 1)!.value.significand, 20)
        XCTAssertEqual(Division(multiplier: 2, exponent: 1)!.value.scale, 0)
        XCTAssertEqual(Division(multiplier: 5, exponent: -2)!.value.significand, 5)
        XCTAssertEqual(Division(multiplier: 5, exponent: -2)!.value.scale, 2)
    }

    func testRegression_decodingDoesNotValidateTheDivision() throws {
        // Expected: decoding an invalid division throws, as Division(multiplier:exponent:) returns nil for it.
        XCTAssertThrowsError(try JSONDecoder().decode(Division.self, from: Data(#"{"multiplier":3,"exponent":0}"#.utf8)))
        XCTAssertThrowsError(try JSONDecoder().decode(Division.self, from: Data(#"{"multiplier":1,"exponent":20}"#.utf8)))
    }
}

final class WeightTests: XCTestCase {
    // MARK: - From displayed text

    func testDivisionIsInferredFromTheLastDisplayedDigit() {
        let w = Weight(displayed: "412.5", unit: .kilogram)!
        XCTAssertEqual(w.divisions, 4125)
        XCTAssertEqual(w.division, Division(multiplier: 1, exponent: -1))
        XCTAssertEqual(w.unit, .kilogram)
        XCTAssertEqual(w.description, "412.5 kg")

        let two = Weight(displayed: "412.50", unit: .pound)!
        XCTAssertEqual(two.divisions, 41250)
        XCTAssertEqual(two.division, Division(multiplier: 1, exponent: -2))
        XCTAssertEqual(two.description, "412.50 lb")

        let whole = Weight(displayed: "412", unit: .kilogram)!
        XCTAssertEqual(whole.divisions, 412)
        XCTAssertEqual(whole.division, Division(multiplier: 1, exponent: 0))
        XCTAssertEqual(whole.description, "412 kg")
    }

    func testGivenDivisionMustDivideTheValue() {
        let half = Division(parsing: "0.5")!
        let w = Weight(displayed: "412.5", unit: .kilogram, division: half)
        XCTAssertEqual(w?.divisions, 825)
        XCTAssertEqual(w?.description, "412.5 kg")
        XCTAssertNil(Weight(displayed: "412.3", unit: .kilogram, division: half))
        XCTAssertNil(Weight(displayed: "412.25", unit: .kilogram, division: half))

        let fromWhole = Weight(displayed: "412", unit: .kilogram, division: half)
        XCTAssertEqual(fromWhole?.divisions, 824)
        XCTAssertEqual(fromWhole?.description, "412.0 kg", "written with the division's decimals")

        let twenty = Division(parsing: "20")!
        XCTAssertEqual(Weight(displayed: "440", unit: .pound, division: twenty)?.divisions, 22)
        XCTAssertEqual(Weight(displayed: "440", unit: .pound, division: twenty)?.description, "440 lb")
        XCTAssertNil(Weight(displayed: "450", unit: .pound, division: twenty))

        let two = Division(parsing: "0.02")!
        XCTAssertEqual(Weight(displayed: "1.24", unit: .kilogram, division: two)?.divisions, 62)
        XCTAssertNil(Weight(displayed: "1.25", unit: .kilogram, division: two))
        XCTAssertEqual(Weight(displayed: "412.500", unit: .kilogram, division: half)?.divisions, 825, "extra zero decimals are fine")
    }

    func testNegativeAndZeroWeights() {
        let w = Weight(displayed: "-3.5", unit: .kilogram)!
        XCTAssertEqual(w.divisions, -35)
        XCTAssertEqual(w.description, "-3.5 kg")
        XCTAssertEqual(Weight(displayed: "-3.5", unit: .kilogram, division: Division(parsing: "0.5")!)?.divisions, -7)
        XCTAssertEqual(Weight(displayed: "0.0", unit: .kilogram)?.divisions, 0)
    }

    func testBadDisplayedText() {
        XCTAssertNil(Weight(displayed: "", unit: .kilogram))
        XCTAssertNil(Weight(displayed: "abc", unit: .kilogram))
        XCTAssertNil(Weight(displayed: "412.5kg", unit: .kilogram))
        XCTAssertNil(Weight(displayed: "0.0000001", unit: .kilogram), "a 10^-7 division is outside the supported range")
        XCTAssertEqual(Weight(displayed: " 412.5 ", unit: .kilogram)?.divisions, 4125)
    }

    func testValueFromExactDecimal() {
        let w = Weight(value: Fixture.decimal("12.5"), division: Division(parsing: "0.5")!, unit: .kilogram)
        XCTAssertEqual(w?.divisions, 25)
        XCTAssertNil(Weight(value: Fixture.decimal("12.1"), division: Division(parsing: "0.2")!, unit: .kilogram))
        XCTAssertEqual(Weight(value: Fixture.decimal("12.2"), division: Division(parsing: "0.2")!, unit: .kilogram)?.divisions, 61)
    }

    func testValueIsWrittenWithTheDivisionsDecimals() {
        let w = Weight(divisions: 4125, division: Division(multiplier: 1, exponent: -1)!, unit: .kilogram)
        XCTAssertEqual(w.value.significand, 4125)
        XCTAssertEqual(w.value.scale, 1)
        XCTAssertEqual(Weight(divisions: 3, division: Division(multiplier: 5, exponent: 1)!, unit: .pound).description, "150 lb")
        XCTAssertEqual(Weight(divisions: 3, division: Division(multiplier: 2, exponent: -3)!, unit: .kilogram).description, "0.006 kg")
    }

    func testEqualityIsStructural() {
        // Same value, different division: distinct weights (the display increment is part of the evidence).
        XCTAssertNotEqual(Fixture.weight("412.5"), Fixture.weight("412.5", division: "0.5"))
        XCTAssertEqual(Fixture.weight("412.5").value, Fixture.weight("412.5", division: "0.5").value)
        XCTAssertEqual(Fixture.weight("412.5"), Weight(divisions: 4125, division: Division(parsing: "0.1")!, unit: .kilogram))
    }

    // MARK: - Kilograms

    func testPoundsConvertExactly() {
        let one = Fixture.weight("1", .pound).kilograms!
        XCTAssertEqual(one, Fixture.decimal("0.45359237"))
        XCTAssertEqual(one.description, "0.45359237")

        let kg = Fixture.weight("100", .pound).kilograms!
        XCTAssertEqual(kg, Fixture.decimal("45.359237"))
        XCTAssertEqual(kg.description, "45.35923700")

        let fraction = Fixture.weight("912.4", .pound).kilograms!
        XCTAssertEqual(fraction, Fixture.decimal("413.857678388"))
        XCTAssertEqual(fraction.scale, 9)
    }

    func testOtherUnitsConvertExactly() {
        XCTAssertEqual(Fixture.weight("412.5").kilograms, Fixture.decimal("412.5"))
        XCTAssertEqual(Fixture.weight("412500", .gram).kilograms, Fixture.decimal("412.5"))
        XCTAssertEqual(Fixture.weight("0.4125", .tonne).kilograms, Fixture.decimal("412.5"))
        XCTAssertEqual(Fixture.weight("16", .ounce).kilograms, Fixture.decimal("0.45359237"))
        XCTAssertEqual(Fixture.weight("1", .ounce).kilograms, Fixture.decimal("0.028349523125"))
        XCTAssertEqual(Fixture.weight("-2", .pound).kilograms, Fixture.decimal("-0.90718474"))
    }

    func testUnitKilogramsTable() {
        XCTAssertEqual(WeightUnit.kilogram.kilograms, Fixture.decimal("1"))
        XCTAssertEqual(WeightUnit.gram.kilograms, Fixture.decimal("0.001"))
        XCTAssertEqual(WeightUnit.tonne.kilograms, Fixture.decimal("1000"))
        XCTAssertEqual(WeightUnit.pound.kilograms, Fixture.decimal("0.45359237"))
        XCTAssertEqual(WeightUnit.ounce.kilograms.multiplied(by: Fixture.decimal("16")), WeightUnit.pound.kilograms)
    }

    func testUnitSymbols() {
        let cases: [(String, WeightUnit)] = [
            ("kg", .kilogram), ("KG", .kilogram), ("Kgs", .kilogram), ("k", .kilogram),
            ("g", .gram), ("gr", .gram), ("t", .tonne), ("T", .tonne),
            ("lb", .pound), ("LB", .pound), ("lbs", .pound), ("l", .pound), ("#", .pound), ("oz", .ounce), ("OZ", .ounce),
        ]
        for (symbol, unit) in cases {
            XCTAssertEqual(WeightUnit(symbol: symbol), unit, symbol)
        }
        for symbol in ["", "kilo", "pound", "st", "mg", " kg"] {
            XCTAssertNil(WeightUnit(symbol: symbol), symbol)
        }
        XCTAssertEqual(WeightUnit.allCases.map(\.rawValue), ["kg", "g", "t", "lb", "oz"])
    }

    // MARK: - Codable

    func testWeightRoundTripsThroughJSON() throws {
        let weights = [Fixture.weight("412.5"), Fixture.weight("412.5", division: "0.5"), Fixture.weight("-20", .pound, division: "20")]
        let decoded = try JSONDecoder().decode([Weight].self, from: JSONEncoder().encode(weights))
        XCTAssertEqual(decoded, weights)
        XCTAssertEqual(decoded.map(\.description), ["412.5 kg", "412.5 kg", "-20 lb"])
    }
}

final class ScaleReadingTests: XCTestCase {
    private func reading(_ weight: Weight?, stable: Bool = true, status: ScaleReading.Status = .ok) -> ScaleReading {
        ScaleReading(protocolName: "test", kind: .gross, weight: weight, stable: stable, status: status, raw: [0x41])
    }

    func testCapturableOnlyWhenStableOkAndWeighed() {
        XCTAssertTrue(reading(Fixture.weight("1")).isCapturable)
        XCTAssertNil(reading(Fixture.weight("1")).rejectionReason)
        XCTAssertFalse(reading(Fixture.weight("1"), stable: false).isCapturable)
        XCTAssertFalse(reading(nil).isCapturable)
        XCTAssertFalse(reading(Fixture.weight("1"), status: .motion).isCapturable)
    }

    func testRejectionReasons() {
        XCTAssertEqual(reading(Fixture.weight("1"), stable: false).rejectionReason, "unstable (motion)")
        XCTAssertEqual(reading(Fixture.weight("1"), status: .motion).rejectionReason, "unstable (motion)")
        XCTAssertEqual(reading(Fixture.weight("1"), status: .overload).rejectionReason, "overload")
        XCTAssertEqual(reading(nil, status: .overload).rejectionReason, "overload")
        XCTAssertEqual(reading(Fixture.weight("-1"), status: .underload).rejectionReason, "underload")
        XCTAssertEqual(reading(Fixture.weight("0"), status: .zeroError).rejectionReason, "zero error")
        XCTAssertEqual(reading(Fixture.weight("1"), status: .error).rejectionReason, "the indicator reported an error")
        XCTAssertEqual(reading(nil).rejectionReason, "the indicator reported no weight")
    }

    func testStatusRawValues() {
        XCTAssertEqual(ScaleReading.Status.zeroError.rawValue, "zero-error")
        XCTAssertEqual(ScaleReading.Kind.net.rawValue, "net")
    }
}
