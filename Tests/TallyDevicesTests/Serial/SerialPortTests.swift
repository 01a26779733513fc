#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization
import XCTest
@testable import TallyDevices

/// Bytes collected on another thread.
private final class ReceivedBytes: Sendable {
    let bytes = Mutex<[UInt8]>([])
}

final class SerialPortTests: XCTestCase {
    func testOpenErrorsNameCallAndPath() {
        XCTAssertThrowsError(try SerialPort.open(path: "/nonexistent/ttyUSB9", settings: .default8N1)) { error in
            guard let error = error as? DeviceIOError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.call, "open")
            XCTAssertEqual(error.device, "/nonexistent/ttyUSB9")
            XCTAssertEqual(error.code, ENOENT)
            XCTAssertTrue(error.description.contains("/nonexistent/ttyUSB9"))
        }
        // Not a terminal: the first termios call fails and names the path.
        XCTAssertThrowsError(try SerialPort.open(path: "/dev/null", settings: .default8N1)) { error in
            guard let error = error as? DeviceIOError else { return XCTFail("\(error)") }
            XCTAssertEqual(error.call, "tcgetattr")
            XCTAssertEqual(error.device, "/dev/null")
            XCTAssertEqual(error.code, ENOTTY)
        }
    }

    func testRoundTripOverPseudoTerminal() throws {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let port = try SerialPort.open(path: pty.slavePath, settings: .default8N1)
        defer { port.close() }
        XCTAssertTrue(port.isOpen)

        var buffer: [UInt8] = []
        XCTAssertEqual(try port.read(into: &buffer, timeoutMilliseconds: 10), 0, "nothing sent yet: timeout")

        let message = Array("S S     412.5 kg\r\n".utf8)
        try pty.writeToMaster(message)
        while buffer.count < message.count {
            XCTAssertGreaterThanOrEqual(try port.read(into: &buffer, timeoutMilliseconds: 5000), 0)
        }
        XCTAssertEqual(buffer, message, "raw mode: bytes arrive unchanged (no CR/LF translation)")

        try port.write(Array("SIR\r\n".utf8))
        var received: [UInt8] = []
        for _ in 0..<100 where received.count < 5 {
            received += try pty.readFromMaster(timeoutMilliseconds: 100)
        }
        XCTAssertEqual(received, Array("SIR\r\n".utf8), "no echo, no translation")
    }

    func testLargeWriteContinuesAfterPartialWrites() throws {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let port = try SerialPort.open(path: pty.slavePath, settings: .default8N1)
        defer { port.close() }
        let payload = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 % 251) }
        let received = ReceivedBytes()
        let done = DispatchSemaphore(value: 0)
        let drain = Thread {
            var bytes: [UInt8] = []
            for _ in 0..<20_000 where bytes.count < payload.count {
                bytes += (try? pty.readFromMaster(timeoutMilliseconds: 50)) ?? []
            }
            received.bytes.withLock { $0 = bytes }
            done.signal()
        }
        drain.start()
        // The pty buffer holds a few kilobytes: this write must wait for room repeatedly.
        try port.write(payload, timeoutMilliseconds: 30_000)
        XCTAssertEqual(done.wait(timeout: .now() + 60), .success)
        XCTAssertEqual(received.bytes.withLock { $0 }, payload)
    }

    func testSettingsAreAppliedWithTermios() throws {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let settings = try SerialSettings(baudRate: 2400, dataBits: 7, parity: .even, stopBits: 2)
        let port = try SerialPort.open(path: pty.slavePath, settings: settings)
        defer { port.close() }
        // What a pty keeps (its driver forces CS8 without parity): stop bits, speed, raw mode.
        var options = termios()
        XCTAssertEqual(tcgetattr(pty.slaveDescriptor, &options), 0)
        XCTAssertNotEqual(options.c_cflag & tcflag_t(CSTOPB), 0)
        XCTAssertEqual(options.c_lflag & tcflag_t(ECHO | ICANON), 0, "raw mode")
        XCTAssertEqual(options.c_oflag & tcflag_t(OPOST), 0, "no output processing")
        XCTAssertEqual(cfgetospeed(&options), speed_t(B2400))
        XCTAssertEqual(cfgetispeed(&options), speed_t(B2400))
    }

    func testCharacterFormatAndFlowControlFlags() throws {
        func flags(_ notation: String) throws -> termios {
            var options = termios()
            options.c_lflag = tcflag_t(ECHO | ICANON)
            options.c_iflag = tcflag_t(IXON | ICRNL)
            SerialPort.apply(try SerialSettings(notation: notation), to: &options)
            return options
        }
        let sevenEven = try flags("2400 7E1")
        XCTAssertEqual(sevenEven.c_cflag & tcflag_t(CSIZE), tcflag_t(CS7))
        XCTAssertNotEqual(sevenEven.c_cflag & tcflag_t(PARENB), 0)
        XCTAssertEqual(sevenEven.c_cflag & tcflag_t(PARODD), 0)
        XCTAssertNotEqual(sevenEven.c_iflag & tcflag_t(INPCK), 0)
        XCTAssertEqual(sevenEven.c_cflag & tcflag_t(CSTOPB), 0)
        XCTAssertEqual(sevenEven.c_lflag & tcflag_t(ECHO | ICANON), 0)
        XCTAssertEqual(sevenEven.c_iflag & tcflag_t(IXON | ICRNL), 0)
        XCTAssertNotEqual(sevenEven.c_cflag & tcflag_t(CLOCAL), 0)
        XCTAssertNotEqual(sevenEven.c_cflag & tcflag_t(CREAD), 0)

        let eightOdd = try flags("9600 8O2 rtscts")
        XCTAssertEqual(eightOdd.c_cflag & tcflag_t(CSIZE), tcflag_t(CS8))
        XCTAssertNotEqual(eightOdd.c_cflag & tcflag_t(PARODD), 0)
        XCTAssertNotEqual(eightOdd.c_cflag & tcflag_t(CSTOPB), 0)
        XCTAssertNotEqual(eightOdd.c_cflag & tcflag_t(CRTSCTS), 0)

        let plain = try flags("9600 8N1 xonxoff")
        XCTAssertEqual(plain.c_cflag & tcflag_t(PARENB), 0)
        XCTAssertEqual(plain.c_cflag & tcflag_t(CRTSCTS), 0)
        XCTAssertEqual(plain.c_iflag & tcflag_t(IXON | IXOFF), tcflag_t(IXON | IXOFF))
        XCTAssertEqual(SerialPort.speed(for: 115200), speed_t(B115200))
        XCTAssertEqual(SerialPort.speed(for: 1200), speed_t(B1200))
    }

    func testHangUpIsADisconnectNamingThePath() throws {
        let pty = try PseudoTerminal()
        let port = try SerialPort.open(path: pty.slavePath, settings: .default8N1)
        defer { port.close() }
        pty.close()
        var buffer: [UInt8] = []
        XCTAssertThrowsError(try port.read(into: &buffer, timeoutMilliseconds: 5000)) { error in
            guard let error = error as? DeviceIOError else { return XCTFail("\(error)") }
            XCTAssertTrue(error.isDisconnect, "\(error)")
            XCTAssertEqual(error.device, pty.slavePath)
        }
    }

    func testClosedPortThrowsBadDescriptor() throws {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let port = try SerialPort.open(path: pty.slavePath, settings: .default8N1)
        port.close()
        port.close()
        XCTAssertFalse(port.isOpen)
        var buffer: [UInt8] = []
        XCTAssertThrowsError(try port.read(into: &buffer, timeoutMilliseconds: 10)) { error in
            XCTAssertEqual((error as? DeviceIOError)?.code, EBADF)
            XCTAssertEqual((error as? DeviceIOError)?.isDisconnect, false)
        }
        XCTAssertThrowsError(try port.write([0x41])) { error in
            XCTAssertEqual((error as? DeviceIOError)?.call, "write")
        }
    }
}
