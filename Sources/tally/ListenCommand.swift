import ArgumentParser
import Dispatch
import Foundation
import TallyDevices
import TallyRuntime

/// `tally listen [--json] [--count N] [--timeout S] [--bind IDENTITY=STATION ...]`: decoded scans
/// from every attached USB scanner as they arrive, with the scanner's identity and station.
struct ListenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "listen",
        abstract: "Print decoded scans from every attached USB scanner as they arrive.",
        discussion: """
            Scanners are the USB devices matched to a usb-hid-keyboard or usb-hid-pos profile (see tally devices), \
            and USB devices no profile names whose HID report descriptor declares usage page 0x8C (HID POS bar code \
            scanner): those are read with the built-in generic-hid-pos profile, with a warning asking for a profile. \
            An unprofiled keyboard is never opened. \
            Each is opened with libusb (its kernel driver detached while Tally reads it, so scans do not type into a \
            console) and decoded by its report descriptor and profile. Scanners plugged in later are read within a \
            second; an unplugged scanner reports device-disconnected and drops its partial scan. \
            With --json, one JSON object per line: event scan (device, station, symbology, text), device-connected, \
            device-disconnected, scan-dropped. Ctrl-C stops and gives the scanners back to the kernel.
            """
    )

    @OptionGroup var directory: ProfilesCommand.DirectoryOption

    @Flag(name: .long, help: "Print one JSON object per line instead of text.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Stop after this many scans.", valueName: "n"))
    var count: Int?

    @Option(name: .long, help: ArgumentHelp("Stop after this many seconds (fails when --count scans have not arrived by then).", valueName: "seconds"))
    var timeout: Double?

    @Option(name: .long, parsing: .singleValue, help: ArgumentHelp("Bind a device identity to a station (repeatable).", valueName: "identity=station"))
    var bind: [String] = []

    @Option(name: .customLong("usb-debug"), help: ArgumentHelp("libusb log level, 0-4.", valueName: "level"))
    var usbDebug: Int32 = 0

    func validate() throws {
        if let count, count < 1 { throw ValidationError("--count must be at least 1") }
        if let timeout, timeout <= 0 { throw ValidationError("--timeout must be positive") }
        for binding in bind where !binding.contains("=") {
            throw ValidationError("--bind takes identity=station (found \(binding))")
        }
    }

    /// What the main loop waits for.
    private enum Item: Sendable {
        case scanner(ScannerHub.Event)
        case timedOut
        case interrupted
    }

    func run() async throws {
        let (_, profiles) = try directory.load()
        var stations: [String: String] = [:]
        for binding in bind {
            let parts = binding.split(separator: "=", maxSplits: 1).map(String.init)
            stations[parts[0]] = parts[1]
        }

        let loop: USBEventLoop
        do {
            loop = try USBEventLoop(debugLevel: usbDebug)
        } catch {
            ProfilesCommand.printError(error.description)
            throw ExitCode.failure
        }
        let hub = ScannerHub(profiles: profiles, loop: loop)
        let (items, continuation) = AsyncStream<Item>.makeStream()
        let devices: [DiscoveredDevice]
        do {
            devices = try hub.start { continuation.yield(.scanner($0)) }
        } catch {
            loop.shutdown()
            ProfilesCommand.printError(error.description)
            throw ExitCode.failure
        }
        let scanners = devices.filter(ScannerHub.isScanner)
        Self.note("listening: \(scanners.count) scanner\(scanners.count == 1 ? "" : "s") attached"
                  + (scanners.isEmpty ? "; waiting for one to be plugged in" : ": " + scanners.map(\.identity).joined(separator: ", ")))

        let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { continuation.yield(.interrupted) }
            source.resume()
            return source
        }
        let timer = timeout.map { seconds in
            Task {
                try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                continuation.yield(.timedOut)
            }
        }

        var scans = 0
        var outcome: ExitCode = .success
        loop: for await item in items {
            switch item {
            case .scanner(let event):
                let station = stations[event.device.identity]
                write(event, station: station)
                if case .scan = event.event {
                    scans += 1
                    if let count, scans >= count { break loop }
                }
            case .timedOut:
                if let count {
                    Self.note("timed out after \(timeout ?? 0) s with \(scans) of \(count) scans")
                    outcome = .failure
                }
                break loop
            case .interrupted:
                break loop
            }
        }
        timer?.cancel()
        for source in signals { source.cancel() }
        for connection in hub.connections {
            let counters = connection.counters
            Self.note("\(connection.device.identity): \(counters.reports) reports, \(counters.ignoredReports) ignored "
                      + "(garbage, short, errors), \(counters.scans) scans, \(counters.droppedScans) partial scans dropped")
        }
        await hub.stop()
        continuation.finish()
        loop.shutdown()
        if outcome != .success { throw outcome }
    }

    // MARK: - Output

    /// One line of `--json` output; absent values are written as null.
    private struct Line: Encodable {
        var event: String
        var device: String
        var station: String?
        var profile: String?
        var symbology: String?
        var text: String?
        var mode: String?
        var devnode: String?
        var partial: String?
        var reason: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(event, forKey: .event)
            try container.encode(device, forKey: .device)
            try container.encode(station, forKey: .station)
            try container.encode(profile, forKey: .profile)
            switch event {
            case "scan":
                try container.encode(symbology, forKey: .symbology)
                try container.encode(text, forKey: .text)
            case "device-connected":
                try container.encode(mode, forKey: .mode)
                try container.encode(devnode, forKey: .devnode)
            case "scan-dropped":
                try container.encode(partial, forKey: .partial)
                try container.encode(reason, forKey: .reason)
            default:
                try container.encodeIfPresent(reason, forKey: .reason)
            }
        }

        enum CodingKeys: String, CodingKey { case event, device, station, profile, symbology, text, mode, devnode, partial, reason }
    }

    private func write(_ item: ScannerHub.Event, station: String?) {
        let device = item.device
        var line = Line(event: "", device: device.identity, station: station, profile: device.profileID)
        var text: String
        let at = station.map { " @\($0)" } ?? ""
        switch item.event {
        case .scan(let scan, _):
            line.event = "scan"
            line.symbology = scan.symbology
            line.text = scan.text
            text = "\(device.identity)\(at) \(scan.symbology ?? "-") \(LiveFeedFormatter.visible(scan.text))"
        case .connected(let mode, let interface, let detached):
            line.event = "device-connected"
            line.mode = mode
            line.devnode = device.devnode
            text = "\(device.identity)\(at) connected: \(mode), interface \(interface), \(device.devnode ?? "-")"
                + (detached ? ", kernel driver detached" : "")
        case .disconnected(let reason):
            line.event = "device-disconnected"
            line.reason = reason
            text = "\(device.identity)\(at) disconnected: \(reason)"
        case .dropped(let partial, let reason):
            line.event = "scan-dropped"
            line.partial = partial
            line.reason = reason.description
            text = "\(device.identity)\(at) partial scan '\(LiveFeedFormatter.visible(partial))' dropped: \(reason)"
        case .warning(let warning):
            Self.note("\(device.identity): \(warning)")
            return
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            guard let data = try? encoder.encode(line) else { return }
            text = String(decoding: data, as: UTF8.self)
        }
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// A status line on standard error (standard output carries only scans and device events).
    static func note(_ text: String) {
        FileHandle.standardError.write(Data("tally listen: \(text)\n".utf8))
    }
}
