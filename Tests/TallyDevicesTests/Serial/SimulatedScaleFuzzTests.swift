import Foundation
import TallyCore
import TallyTestSupport
import XCTest
@testable import TallyDevices

/// The simulated indicators take whatever arrives on their line (another program's poll commands,
/// noise) without crashing: every emulation is fed random and mutated command bytes.
final class SimulatedScaleFuzzTests: XCTestCase {
    func testEveryEmulationSurvivesArbitraryCommands() {
        var generator = SplitMix64(seed: 0x7A11)
        let known: [[UInt8]] = ["SI\r\n", "SIR\r\n", "T\r\n", "Z\r\n", "W", "RW\r\n", "Q\r\n", "KZ\r\n", "P\r\n", "T12345\r", "\u{05}"].map { Array($0.utf8) }
        for (name, emulation) in SimulatedScale.emulations.sorted(by: { $0.key < $1.key }) {
            var platform = SimulatedPlatform(division: Division(multiplier: 5, exponent: -1)!, unit: .kilogram, nextEmission: ContinuousClock.now)
            var pending: [UInt8] = []
            for round in 0..<3000 {
                var input: [UInt8]
                if round % 3 == 0 {
                    input = known[Int(generator.next() % UInt64(known.count))]
                    if !input.isEmpty, generator.next() % 2 == 0 { input[Int(generator.next() % UInt64(input.count))] = UInt8(truncatingIfNeeded: generator.next()) }
                } else {
                    input = (0..<Int(generator.next() % 12)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                    if generator.next() % 2 == 0 { input.append(0x0D) }
                }
                pending += input
                while let command = emulation.nextCommand(from: &pending) {
                    _ = emulation.respond(to: command, platform: &platform)
                }
                if pending.count > 256 { pending.removeAll() }
                _ = emulation.frame(platform.advance())
            }
            XCTAssertTrue(true, name)
        }
    }
}
