import ArgumentParser
import Dispatch
import Foundation
import TallyDevices
import TallyRuntime

/// `tally devices [--json] [--watch] [--profiles DIR]`: attached scanners, scales and other USB
/// devices, matched to hardware profiles, each with the identity that configuration binds to a
/// station; with `--watch`, then every device plugged in or unplugged as it happens.
struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List attached scanners and scales with their profile, identity and device node.",
        discussion: """
            Identity is <profile>:<usb serial>, or <profile>@<usb port> when the device has no serial of its \
            own. Devices that match no profile are listed as unmatched (identity usb-<vid>-<pid>...) and are not \
            read, except a USB device whose HID report descriptor declares usage page 0x8C (HID Point of Sale \
            bar code scanner): it is listed as a scanner with the built-in profile generic-hid-pos and a warning \
            asking for a profile. \
            With --watch, the list is followed by a line per device added or removed (udev events, as they \
            happen) until Ctrl-C; with --json too, every line is one JSON object: {"event": "present" | \
            "added" | "removed", "device": {...}}.
            """
    )

    @OptionGroup var directory: ProfilesCommand.DirectoryOption

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    @Flag(name: .long, help: "Keep running and print devices as they are added and removed.")
    var watch = false

    @Option(help: ArgumentHelp("The service configuration whose station bindings to show (default: $TALLY_CONFIG, else /etc/tally/tally.yaml when it exists).", valueName: "file"))
    var config: String?

    func run() async throws {
        if watch {
            try await runWatching()
            return
        }
        let (location, profiles) = try directory.load()
        let devices: [DiscoveredDevice]
        do {
            devices = try DeviceDiscovery(profiles: profiles).discover()
        } catch {
            ProfilesCommand.printError(error.description)
            throw ExitCode.failure
        }

        if json {
            let report = DiscoveryReport(
                profileDirectory: location.directory.path, profileCount: profiles.count, devices: devices)
            print(String(decoding: try report.jsonData(), as: UTF8.self))
            return
        }

        let matched = devices.filter(\.isMatched).count
        let byClass = devices.filter { $0.matchedBy == .hidClass }.count
        print("\(devices.count) device\(devices.count == 1 ? "" : "s"), \(matched) matched "
              + (byClass > 0 ? "(\(byClass) by HID class, without a profile) " : "")
              + "(\(profiles.count) profiles from \(location.directory.path))")
        guard !devices.isEmpty else { return try printBindings(devices) }
        var rows = [["IDENTITY", "KIND", "PROFILE", "DEVNODE", "USB", "SERIAL", "PORT", "PRODUCT"]]
        for device in devices {
            var profile = device.profileID ?? "(unmatched)"
            if device.matchedBy == .hidClass { profile += " (by HID class)" }
            if !device.ambiguousWith.isEmpty { profile += " (also: \(device.ambiguousWith.joined(separator: ", ")))" }
            let product = [device.usb.manufacturer, device.usb.product].compactMap { $0 }.joined(separator: " ")
            rows.append([
                device.identity,
                device.kind?.rawValue ?? "-",
                profile,
                device.devnode ?? "-",
                "\(device.usb.vendorID):\(device.usb.productID)",
                device.usb.serial ?? "-",
                device.tty?.interfacePath ?? device.usb.portPath,
                product.isEmpty ? "-" : product,
            ])
        }
        print(ProfilesCommand.table(rows), terminator: "")
        for device in devices {
            if let link = device.tty?.byIDLink { print("  \(device.identity): \(link)") }
        }
        try printBindings(devices)
        for device in devices {
            if let warning = device.warning {
                print("  warning: \(device.identity): \(warning)")
            } else if !device.isMatched, device.node == .usb {
                let keyboard = device.usb.interfaces.contains { $0.hidClass == .keyboard }
                print("  \(device.identity): not read: no profile names \(device.usb.vendorID):\(device.usb.productID)"
                      + (keyboard ? " (a keyboard: a wedge scanner or an operator's own keyboard; add a profile to read it)" : ""))
            }
        }
    }

    /// With a configuration: the station each attached scanner or scale serves (or that it is not read),
    /// and the devices the configuration binds that are not attached.
    private func printBindings(_ devices: [DiscoveredDevice]) throws {
        guard let file = ServiceConfiguration.locate(explicit: config) else { return }
        let settings: ServiceConfiguration
        do {
            settings = try ServiceConfiguration.load(file: file)
        } catch {
            ProfilesCommand.printError(error.description)
            throw ExitCode.failure
        }
        print("stations (\(file)):")
        let readable = devices.filter { $0.kind != nil }
        for device in readable {
            let binding: String
            if let station = settings.station(for: device.identity) {
                binding = settings.lists(device.identity) ? "serves \(station)" : "serves \(station) (unbound-devices)"
            } else {
                binding = "not read: no station lists it"
            }
            print("  \(device.identity): \(binding)")
        }
        let attached = Set(readable.map(\.identity))
        for station in settings.stations {
            for case .identity(let identity) in station.devices where !attached.contains(identity) {
                print("  \(identity): bound to \(station.name), not attached")
            }
            for case .port(let path, _, let identity) in station.devices {
                print("  \(identity): bound to \(station.name) on \(path)"
                      + (FileManager.default.fileExists(atPath: path) ? "" : " (no such port)"))
            }
        }
    }

    // MARK: - Watching

    /// One `--watch --json` line.
    private struct Change: Encodable {
        var event: String
        var device: DiscoveredDevice
    }

    private enum Item: Sendable {
        case change(DeviceWatcher.Change)
        case interrupted
    }

    private func runWatching() async throws {
        let (location, profiles) = try directory.load()
        let watcher = DeviceWatcher(profiles: profiles)
        let (items, continuation) = AsyncStream<Item>.makeStream()
        let devices: [DiscoveredDevice]
        do {
            devices = try watcher.start { continuation.yield(.change($0)) }
        } catch {
            ProfilesCommand.printError(error.description)
            throw ExitCode.failure
        }
        let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { continuation.yield(.interrupted) }
            source.resume()
            return source
        }
        for device in devices { emit("present", device) }
        FileHandle.standardError.write(Data(
            "tally devices: watching \(devices.count) device\(devices.count == 1 ? "" : "s") (\(profiles.count) profiles from \(location.directory.path)); Ctrl-C stops\n".utf8))
        for await item in items {
            switch item {
            case .change(.added(let device)): emit("added", device)
            case .change(.removed(let device)): emit("removed", device)
            case .interrupted:
                watcher.stop()
                for source in signals { source.cancel() }
                continuation.finish()
            }
        }
    }

    private func emit(_ event: String, _ device: DiscoveredDevice) {
        let line: String
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            guard let data = try? encoder.encode(Change(event: event, device: device)) else { return }
            line = String(decoding: data, as: UTF8.self)
        } else {
            let kind = device.kind?.rawValue ?? "-"
            let profile = device.profileID ?? "(unmatched)"
            line = "\(event.padding(toLength: 8, withPad: " ", startingAt: 0))\(device.identity)  \(kind)  \(profile)  "
                + "\(device.devnode ?? "-")  \(device.usb.vendorID):\(device.usb.productID)  \(device.tty?.interfacePath ?? device.usb.portPath)"
                + (event != "removed" ? device.warning.map { "\n        warning: \($0)" } ?? "" : "")
        }
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }
}
