import Foundation
import XCTest
@testable import TallyCore

/// Shared helpers for the TallyCore tests.
enum Fixture {

    static func decimal(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> ExactDecimal {
        guard let value = ExactDecimal(parsing: text) else {
            XCTFail("not a decimal: \(text)", file: file, line: line)
            return ExactDecimal(significand: 0, scale: 0)
        }
        return value
    }

    static func division(_ text: String) -> Division { Division(parsing: text)! }

    static func weight(_ text: String, _ unit: WeightUnit = .kilogram, division: String? = nil) -> Weight {
        Weight(displayed: text, unit: unit, division: division.map { Division(parsing: $0)! })!
    }
}
