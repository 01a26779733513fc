import ArgumentParser
import Foundation
import TallyDevices

/// `tally devices [--json] [--profiles DIR]`: attached scanners, scales and other USB devices, matched
/// to hardware profiles, each with the identity that configuration binds to a station.
struct DevicesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices",
        abstract: "List attached scanners and scales with their profile, identity and device node.",
        discussion: """
            Identity is <profile>:<usb serial>, or <profile>@<usb port> when the device has no serial of its \
            own. Devices that match no profile are listed as unmatched (identity usb-<vid>-<pid>...).
            """
    )

    @OptionGroup var directory: ProfilesCommand.DirectoryOption

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
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
        print("\(devices.count) device\(devices.count == 1 ? "" : "s"), \(matched) matched "
              + "(\(profiles.count) profiles from \(location.directory.path))")
        guard !devices.isEmpty else { return }
        var rows = [["IDENTITY", "KIND", "PROFILE", "DEVNODE", "USB", "SERIAL", "PORT", "PRODUCT"]]
        for device in devices {
            var profile = device.profileID ?? "(unmatched)"
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
    }
}
