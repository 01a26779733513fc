/// The udev rules for Tally's devices, generated from the hardware profiles (one source of truth).
///
/// `tally udev-rules` prints ``generate(profiles:)``; the result is committed as
/// `udev-rules/69-tally.rules` and installed in `/etc/udev/rules.d/` by `make install`. The generator is
/// pure: the same profiles always give the same text, byte for byte, whatever directory they were read
/// from, so a test can compare the committed file with what the profiles generate.
///
/// What the rules do, for every device a profile with a `match` section recognizes:
/// - tag it with `ENV{ID_TALLY_PROFILE}` (the profile id) and `ENV{ID_TALLY_KIND}` (`scanner`, `scale`);
/// - give the `tally` group read and write access (mode 0660, never world-writable) to the USB device
///   node that libusb opens (`/dev/bus/usb/BBB/DDD`) or to the tty;
/// - link it as `/dev/tally/<kind>-<identity>`, with the identity `tally devices` computes
///   (``linkName(kind:profileID:serial:portPath:)`` says how udev spells it);
/// - for a keyboard-wedge scanner whose profile sets `suppress-host-keyboard: true`, keep its keystrokes
///   away from the VT console and the desktop (see the generated header for how and why).
public enum UdevRules {
    /// The rules file's name, in the checkout's `udev-rules/` and in `/etc/udev/rules.d/`.
    public static let fileName = "69-tally.rules"
    /// The group that gets access to the devices (the service's group).
    public static let group = "tally"
    /// The device node mode: owner and group read and write, nothing for others.
    public static let mode = "0660"
    /// The directory under `/dev` that holds the links.
    public static let linkDirectory = "tally"

    /// The command that regenerates the committed file from a checkout.
    public static let regenerateCommand = "make udev-rules"
    /// The same without make.
    public static let regenerateSwiftCommand = "swift run tally udev-rules --profiles hardware-profiles --output udev-rules/69-tally.rules"

    // MARK: - Generating

    /// The rules text for `profiles` (any order; sorted here), ending with a newline.
    public static func generate(profiles: [HardwareProfile]) -> String {
        let byID = profiles.sorted { $0.id < $1.id }
        var lines = header(byID)
        lines.append(#"ACTION=="remove", GOTO="tally_end""#)
        lines.append("")

        // 1. Which profile a device belongs to.
        lines.append(contentsOf: section("1. Which profile a device belongs to"))
        lines.append(contentsOf: comment("""
            One block per profile that has a match section. When several profiles match one device, the \
            most specific wins, as in `tally devices`: one naming a serial beats one naming an interface, \
            which beats a bare vid:pid, and among equals the lowest id wins. So the blocks run from the \
            least to the most specific (and, among equals, from the highest id to the lowest): the winner's \
            assignments come last. ID_USB_INTERFACE_NUM is set by usb_id (50-udev-default, 60-serial, \
            60-persistent-input). A USB device rule does not check match.interface: the whole device is \
            opened, and its interfaces do not exist yet when its own event is processed.
            """))
        let withMatch = byID.filter { $0.match != nil }.sorted(by: precedes)
        for profile in withMatch {
            lines.append("")
            lines.append(contentsOf: block(for: profile))
        }
        let withoutMatch = byID.filter { $0.match == nil }
        if !withoutMatch.isEmpty {
            lines.append("")
            lines.append(contentsOf: comment("""
                Profiles without a match section get no rule: a generic USB-serial adapter says nothing about \
                the scale behind it. Pin the adapter in a site profile (match: vid, pid, serial) to get one, \
                or bind a fixed port in /etc/tally/tally.yaml (port:, profile:); the service reaches fixed \
                ports through the dialout group.
                """))
            for profile in withoutMatch {
                lines.append("#   \(profile.id): \(oneLine(profile.name)); \(profile.kind.rawValue), \(profile.transport.rawValue)")
            }
        }
        lines.append("")

        // 2. What a matched device gets.
        lines.append(contentsOf: section("2. What a matched device gets"))
        lines.append(contentsOf: comment("""
            Group \(group) and mode \(mode) on the node Tally opens: the USB device (libusb) or the tty. \
            Then the link /dev/\(linkDirectory)/<kind>-<identity>: <profile>:<usb serial>, or \
            <profile>@<port path> when the device has no serial (the port path of a USB device is its \
            kernel name, 1-1.4; that of a tty is its USB interface's, 1-3:1.0).
            """))
        let matched = #"ENV{ID_TALLY_PROFILE}=="?*""#
        lines.append(#"SUBSYSTEM=="usb", ENV{DEVTYPE}=="usb_device", "# + matched
            + #", GROUP="\#(group)", MODE="\#(mode)", ENV{.TALLY_SERIAL}="$attr{serial}", ENV{.TALLY_PORT}="$kernel""#)
        lines.append(#"SUBSYSTEM=="tty", "# + matched + #", GROUP="\#(group)", MODE="\#(mode)""#)
        lines.append(#"SUBSYSTEM=="tty", "# + matched
            + #", SUBSYSTEMS=="usb", ATTRS{idVendor}=="?*", ENV{.TALLY_SERIAL}="$attr{serial}""#)
        lines.append(#"SUBSYSTEM=="tty", "# + matched
            + #", SUBSYSTEMS=="usb", ATTRS{bInterfaceNumber}=="?*", ENV{.TALLY_PORT}="$id""#)
        let link = "\(linkDirectory)/$env{ID_TALLY_KIND}-$env{ID_TALLY_PROFILE}"
        lines.append(#"SUBSYSTEM=="usb|tty", "# + matched
            + #", ENV{.TALLY_SERIAL}=="?*", SYMLINK+="\#(link):$env{.TALLY_SERIAL}""#)
        lines.append(#"SUBSYSTEM=="usb|tty", "# + matched
            + #", ENV{.TALLY_SERIAL}=="", ENV{.TALLY_PORT}=="?*", SYMLINK+="\#(link)@$env{.TALLY_PORT}""#)
        lines.append("")

        // 3. Keyboard suppression.
        lines.append(contentsOf: section("3. Keyboard-wedge scanners that must not type into the host session"))
        lines.append(contentsOf: comment("""
            For profiles with suppress-host-keyboard: true (ID_TALLY_SUPPRESS_HOST_KEYBOARD=1 above): the \
            input device is inhibited, so that no input handler, neither the VT console's keyboard handler \
            nor evdev, receives its keys; and it is not an input device for X.org, libinput or logind, so the \
            power-switch tag (70-power-switch.rules, which runs after this file) is not given.
            """))
        let suppressed = #"SUBSYSTEM=="input", ENV{ID_TALLY_SUPPRESS_HOST_KEYBOARD}=="1""#
        lines.append(suppressed
            + #", ENV{ID_INPUT}="", ENV{ID_INPUT_KEY}="", ENV{ID_INPUT_KEYBOARD}="", ENV{LIBINPUT_IGNORE_DEVICE}="1""#)
        lines.append(suppressed + #", KERNEL=="input[0-9]*", ATTR{inhibited}="1""#)
        lines.append("")
        lines.append(#"LABEL="tally_end""#)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The rules of one profile: its USB device, its input devices (USB HID) or its ttys (serial).
    static func block(for profile: HardwareProfile) -> [String] {
        guard let match = profile.match else { return [] }
        var lines = ["# \(profile.id): \(oneLine(profile.name)); \(profile.kind.rawValue), \(profile.transport.rawValue), \(profile.matchSummary)"]
        let tags = #"ENV{ID_TALLY_PROFILE}="\#(profile.id)", ENV{ID_TALLY_KIND}="\#(profile.kind.rawValue)""#
        var parents = [#"ATTRS{idVendor}=="\#(match.vendorID)""#, #"ATTRS{idProduct}=="\#(match.productID)""#]
        if let serial = match.serial { parents.append(#"ATTRS{serial}=="\#(matchValue(serial))""#) }
        if let interface = match.interface { parents.append(#"ENV{ID_USB_INTERFACE_NUM}=="\#(twoHexDigits(interface))""#) }
        if let serial = match.serial, matchValue(serial) != serial {
            lines.append("# (the serial has characters a udev match cannot spell; each is matched by ?)")
        }

        if profile.transport.isUSBHID {
            var device = [#"SUBSYSTEM=="usb""#, #"ENV{DEVTYPE}=="usb_device""#,
                          #"ATTR{idVendor}=="\#(match.vendorID)""#, #"ATTR{idProduct}=="\#(match.productID)""#]
            if let serial = match.serial { device.append(#"ATTR{serial}=="\#(matchValue(serial))""#) }
            lines.append((device + [tags]).joined(separator: ", "))
            let suppress = profile.transport == .usbHIDKeyboard && profile.scanner?.suppressHostKeyboard == true
            lines.append(([#"SUBSYSTEM=="input""#] + parents + [
                tags, #"ENV{ID_TALLY_SUPPRESS_HOST_KEYBOARD}="\#(suppress ? "1" : "0")""#,
            ]).joined(separator: ", "))
        } else {
            lines.append(([#"SUBSYSTEM=="tty""#] + parents + [tags]).joined(separator: ", "))
        }
        return lines
    }

    /// Rule order: least specific first; among equally specific profiles the highest id first, so the
    /// lowest id (the one `tally devices` picks) assigns last.
    static func precedes(_ lhs: HardwareProfile, _ rhs: HardwareProfile) -> Bool {
        let (l, r) = (lhs.match?.specificity ?? 0, rhs.match?.specificity ?? 0)
        return l != r ? l < r : lhs.id > rhs.id
    }

    // MARK: - The header

    static func header(_ profiles: [HardwareProfile]) -> [String] {
        var lines = [
            "# \(fileName): access, names and keyboard handling for Tally's scanners and scales.",
            "#",
            "# GENERATED by `tally udev-rules` from the hardware profiles (hardware-profiles/*.yaml). Do not edit:",
            "# change a profile, then regenerate with `\(regenerateCommand)`",
            "# (or `\(regenerateSwiftCommand)`).",
            "# A test fails while this file differs from what the profiles generate. `make install` copies it to",
            "# /etc/udev/rules.d/\(fileName) and reloads udev.",
            "#",
        ]
        lines.append(contentsOf: comment("""
            Why 69: udev reads all rules files in the lexical order of their names. These rules use what \
            earlier files set: usb_id and path_id (50-udev-default, 60-serial), ID_USB_INTERFACE_NUM and the \
            ID_INPUT* properties (60-input-id, 60-persistent-input, 60-evdev), so they come after every 60-*. \
            They must run before the files that act on ID_INPUT* and hand devices to the logged-in session: \
            70-power-switch (logind watches every device with ID_INPUT_KEY for power keys; a tag it adds \
            cannot be taken back, since udev tags are sticky and TAG-= does not remove the last one), \
            70-uaccess, 71-seat and 73-seat-late. 70-tally would sort after 70-power-switch, so 69.
            """))
        lines.append("#")
        lines.append(contentsOf: comment("""
            Access: group \(group), mode \(mode); no rule makes anything world-writable. The tally service \
            runs as user \(group) (systemd/tally.service); the group must exist before these rules load \
            (make install creates it).
            """))
        lines.append("#")
        lines.append(contentsOf: comment("""
            Names: /dev/\(linkDirectory)/<kind>-<identity>, the identity `tally devices` prints \
            (/dev/\(linkDirectory)/scanner-zebra-ds2208:S21EP0123, /dev/\(linkDirectory)/scanner-zebra-ds2208@1-1.4, \
            /dev/\(linkDirectory)/scale-<profile>@1-3:1.0). udev cannot see other devices, and spells a serial \
            its own way, so a link can differ from the identity: two devices that report the same serial \
            (which `tally devices` tells apart by port) share one link, the last one plugged in; and in a \
            serial, udev keeps # + : = @ / and non-ASCII letters that the identity turns into _, and turns \
            a run of spaces into one _ (dropping leading ones). Serials of letters, digits, . _ - give \
            identical names. Bind stations to identities (tally devices), not to links.
            """))
        lines.append("#")
        lines.append(contentsOf: comment("""
            Keyboard-wedge scanners (suppress-host-keyboard: true in the profile): a keyboard-mode scanner \
            types every barcode into whatever has the focus, including a login prompt on the VT console. \
            Its input device gets ATTR{inhibited}="1" (Linux 5.11 and later: no input handler receives \
            events from an inhibited device, neither the console keyboard nor evdev, so neither X, Wayland \
            nor the console see the keys), ID_INPUT, ID_INPUT_KEY and ID_INPUT_KEYBOARD unset (X.org's udev \
            backend, libinput and logind ignore a device without ID_INPUT) and LIBINPUT_IGNORE_DEVICE=1. \
            Tally itself reads the scanner through libusb and detaches the kernel's usbhid driver while it \
            reads, so the input device is gone then; these rules keep the scanner quiet when Tally is not \
            reading it. A scanner already plugged in when the rules are installed is inhibited at once \
            (make install triggers udev); a running desktop may need a replug to drop it.
            """))
        lines.append("#")
        lines.append("# Profiles (\(profiles.count)):")
        for profile in profiles {
            var line = "#   \(profile.id): \(profile.kind.rawValue), \(profile.transport.rawValue), "
            line += profile.match == nil ? "no match (no rule)" : profile.matchSummary
            if profile.scanner?.suppressHostKeyboard == true { line += ", suppress-host-keyboard" }
            lines.append(line)
        }
        lines.append("")
        return lines
    }

    static func section(_ title: String) -> [String] {
        let rule = String(repeating: "-", count: max(3, 100 - title.count - 7))
        return ["# --- \(title) \(rule)"]
    }

    /// `text` as `# ` comment lines of at most 110 characters.
    static func comment(_ text: String, width: Int = 110) -> [String] {
        var lines: [String] = []
        var current = "#"
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if current.count + 1 + word.count > width, current != "#" {
                lines.append(current)
                current = "#"
            }
            current += " " + word
        }
        if current != "#" { lines.append(current) }
        return lines
    }

    /// A profile name on one comment line: newlines become spaces, and a trailing backslash (which udev
    /// would read as a line continuation) is dropped.
    static func oneLine(_ text: String) -> String {
        var line = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        while line.last == "\\" || line.last == " " { line.removeLast() }
        return line
    }

    static func twoHexDigits(_ value: Int) -> String {
        let digits = String(value, radix: 16)
        return digits.count < 2 ? "0" + digits : digits
    }

    /// A value for a udev `==` match that matches `text` literally: udev has no way to escape `|`
    /// (alternatives) and the parser has none for a backslash before the closing quote, so characters
    /// that a match would read as syntax (`* ? [ ] | \ "`) and control characters are each written as
    /// `?`, which matches them (and, harmlessly, any other single character).
    public static func matchValue(_ text: String) -> String {
        String(text.unicodeScalars.map { scalar -> Character in
            let special = "*?[]|\\\"".unicodeScalars.contains(scalar) || scalar.value < 0x20 || scalar.value == 0x7F
            return special ? "?" : Character(scalar)
        })
    }

    // MARK: - Link names

    /// The link udev makes for a matched device: `/dev/tally/<kind>-<profile>:<serial>`, or
    /// `/dev/tally/<kind>-<profile>@<port path>` when the device has no serial.
    ///
    /// This models what systemd-udevd (v252) does to a value it substitutes into SYMLINK: `$attr{serial}`
    /// loses trailing whitespace and has characters outside letters, digits, `#+-.:=@_`, `/ $%?,` and
    /// multi-byte UTF-8 replaced by `_`; SYMLINK then drops leading whitespace, turns each run of
    /// whitespace into one `_`, and replaces what is outside letters, digits, `#+-.:=@_/` and UTF-8.
    ///
    /// - Parameters:
    ///   - portPath: the USB device's kernel name (`1-1.4`), or a tty's USB interface (`1-3:1.0`).
    public static func linkName(kind: HardwareProfile.Kind, profileID: String, serial: String?, portPath: String) -> String {
        let prefix = "/dev/\(linkDirectory)/\(kind.rawValue)-\(profileID)"
        guard let serial, !serial.isEmpty else { return "\(prefix)@\(portPath)" }
        var value = Array(serial.unicodeScalars)
        while let last = value.last, isSpace(last) { value.removeLast() }
        // $attr substitution: allowed characters plus "/ $%?,".
        value = value.map { isAllowed($0, extra: "/ $%?,") ? $0 : "_" }
        // SYMLINK: whitespace of substituted values (leading dropped, runs → one "_").
        var collapsed: [Unicode.Scalar] = []
        var pendingSpace = false
        for scalar in value.drop(while: isSpace) {
            if isSpace(scalar) {
                pendingSpace = true
                continue
            }
            if pendingSpace { collapsed.append("_") }
            pendingSpace = false
            collapsed.append(scalar)
        }
        // SYMLINK: then everything outside the allowed set and "/".
        collapsed = collapsed.map { isAllowed($0, extra: "/") ? $0 : "_" }
        guard !collapsed.isEmpty else { return "\(prefix)@\(portPath)" }
        var text = ""
        text.unicodeScalars.append(contentsOf: collapsed)
        return "\(prefix):\(text)"
    }

    /// udev's `allow_listed_char_for_devnode` and its acceptance of valid multi-byte UTF-8.
    static func isAllowed(_ scalar: Unicode.Scalar, extra: String) -> Bool {
        if !scalar.isASCII { return true }
        if ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) { return true }
        return "#+-.:=@_".unicodeScalars.contains(scalar) || extra.unicodeScalars.contains(scalar)
    }

    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"].contains(scalar)
    }
}
