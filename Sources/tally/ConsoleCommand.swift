import ArgumentParser
import Dispatch
import Foundation
import Synchronization
import TallyServer

#if canImport(Glibc)
import Glibc
#endif

/// `tally console`: a full-screen live view of a running `tally serve` in the terminal.
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Watch open alerts and load progress live in the terminal, and acknowledge alerts.",
        discussion: """
            Connects to a running `tally serve` (or `tally demo`): loads the open alerts and the loads, then \
            follows the live stream, resuming with Last-Event-ID after a dropped connection. Keys: up/down or \
            k/j move, a acknowledges the selected alert (needs a supervisor token), q quits.
            """
    )

    @Option(help: ArgumentHelp("The server's address.", valueName: "url"))
    var url: String = "http://127.0.0.1:8080"

    @Option(help: ArgumentHelp("The API token (default: $TALLY_TOKEN).", valueName: "token"))
    var token: String?

    func run() async throws {
        guard let token = token ?? ProcessInfo.processInfo.environment["TALLY_TOKEN"], !token.isEmpty else {
            throw CommandFailure("a token is needed: give --token TOKEN or set TALLY_TOKEN")
        }
        let client: TallyAPIClient
        do { client = try TallyAPIClient(url: url, token: token) } catch { throw CommandFailure("\(error)") }
        guard let terminal = RawTerminal(input: STDIN_FILENO, output: STDOUT_FILENO) else {
            throw CommandFailure("tally console needs a terminal (standard input and output must be a tty)")
        }
        let (inputs, sink) = AsyncStream<ConsoleInput>.makeStream()
        let signals = ConsoleSignals(sink)
        terminal.enter()
        ConsoleKeyReader.start(fd: STDIN_FILENO, sink)
        let loads = ConsoleFeed.start(client: client, sink)

        var state = ConsoleState(url: url)
        (state.rows, state.columns) = terminal.size()
        terminal.draw(state.render())
        var exitCode: Int32 = 0
        loop: for await input in inputs {
            switch input {
            case .key(let key):
                switch key {
                case .up: state.move(-1)
                case .down: state.move(1)
                case .quit: break loop
                case .acknowledge:
                    guard let alert = state.selectedAlert else { state.message = "no alert selected"; break }
                    state.message = "acknowledging alert #\(alert.id)…"
                    DispatchQueue.global().async {
                        do {
                            let reply = try client.request("POST", "/api/v1/alerts/\(alert.id)/acknowledge")
                            sink.yield(.acknowledged(alert.id, (200..<300).contains(reply.status) ? nil : reply.errorMessage))
                        } catch {
                            sink.yield(.acknowledged(alert.id, "\(error)"))
                        }
                    }
                }
            case .inputClosed: break loop
            case .signal(let number):
                exitCode = 128 + number
                break loop
            case .resize: (state.rows, state.columns) = terminal.size()
            case .connected: state.connection = "live"
            case .disconnected(let reason): state.connection = "reconnecting (\(reason))"
            case .loads(let list): state.loads = list
            case .devices(let list): state.devices = list
            case .alerts(let list): state.replaceAlerts(list)
            case .outcome(let outcome):
                state.apply(outcome)
                loads.refresh()
            case .acknowledged(let id, let error):
                if let error {
                    state.message = "alert #\(id) not acknowledged: \(error)"
                } else {
                    state.message = "alert #\(id) acknowledged"
                    state.remove(id)
                    loads.refresh()
                }
            }
            terminal.draw(state.render())
        }
        terminal.restore()
        withExtendedLifetime(signals) {}
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}

// MARK: - Inputs

/// Everything the console's single loop reacts to.
enum ConsoleInput: Sendable {
    enum Key: Sendable { case up, down, acknowledge, quit }
    case key(Key)
    case inputClosed
    case signal(Int32)
    case resize
    case connected
    case disconnected(String)
    case loads([ClientLoad])
    case devices([ClientDevice])
    case alerts([ClientAlert])
    case outcome(ClientOutcome)
    case acknowledged(Int64, String?)
}

/// Reads keys from the raw terminal on its own thread.
enum ConsoleKeyReader {
    static func start(fd: Int32, _ sink: AsyncStream<ConsoleInput>.Continuation) {
        let thread = Thread {
            var buffer = [UInt8](repeating: 0, count: 256)
            var pending: [UInt8] = []
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { sink.yield(.inputClosed); return }
                pending += buffer[0..<count]
                for key in parse(&pending) { sink.yield(.key(key)) }
            }
        }
        thread.name = "tally-console-keys"
        thread.start()
    }

    /// Keys in `bytes`, leaving an incomplete escape sequence in place.
    static func parse(_ bytes: inout [UInt8]) -> [ConsoleInput.Key] {
        var keys: [ConsoleInput.Key] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x1B {
                // ESC [ A / ESC O A (up), ESC [ B / ESC O B (down); other sequences are skipped.
                guard index + 1 < bytes.count else {
                    bytes.removeFirst(index)
                    // A lone ESC (the Escape key) is dropped rather than held forever.
                    if bytes == [0x1B] { bytes.removeAll() }
                    return keys
                }
                let second = bytes[index + 1]
                if second == UInt8(ascii: "[") || second == UInt8(ascii: "O") {
                    var end = index + 2
                    while end < bytes.count, !(0x40...0x7E).contains(bytes[end]) { end += 1 }
                    guard end < bytes.count else { bytes.removeFirst(index); return keys }
                    switch bytes[end] {
                    case UInt8(ascii: "A"): keys.append(.up)
                    case UInt8(ascii: "B"): keys.append(.down)
                    default: break
                    }
                    index = end + 1
                } else {
                    index += 1
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "k"): keys.append(.up)
            case UInt8(ascii: "j"): keys.append(.down)
            case UInt8(ascii: "a"): keys.append(.acknowledge)
            case UInt8(ascii: "q"), UInt8(ascii: "Q"), 0x03, 0x04: keys.append(.quit) // also Ctrl-C, Ctrl-D in raw mode
            default: break
            }
            index += 1
        }
        bytes.removeAll()
        return keys
    }
}

/// SIGINT, SIGTERM and SIGHUP (quit, restoring the terminal) and SIGWINCH (redraw) as console inputs.
final class ConsoleSignals {
    private let sources: [any DispatchSourceSignal]

    init(_ sink: AsyncStream<ConsoleInput>.Continuation) {
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM, SIGHUP, SIGWINCH] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { sink.yield(number == SIGWINCH ? .resize : .signal(number)) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    deinit { for source in sources { source.cancel() } }
}

/// The network side: the initial state, then the live stream, reconnecting with `Last-Event-ID`.
enum ConsoleFeed {
    /// Refetches the loads (progress changes with scans and weights) and the devices, coalescing
    /// requests; the devices also every 2 s, since plugging and unplugging is not a custody event.
    final class LoadsRefresher: Sendable {
        private let dirty = Mutex(false)
        private let semaphore = DispatchSemaphore(value: 0)

        func refresh() {
            let wasDirty = dirty.withLock { value in defer { value = true }; return value }
            if !wasDirty { semaphore.signal() }
        }

        func run(client: TallyAPIClient, _ sink: AsyncStream<ConsoleInput>.Continuation) {
            while true {
                let signalled = semaphore.wait(timeout: .now() + 2) == .success
                if signalled {
                    Thread.sleep(forTimeInterval: 0.05) // let a burst of events settle into one request
                    dirty.withLock { $0 = false }
                    if let list = try? client.get("/api/v1/loads", as: ClientLoadList.self) { sink.yield(.loads(list.loads)) }
                }
                if let list = try? client.get("/api/v1/devices", as: ClientDeviceList.self) { sink.yield(.devices(list.devices)) }
            }
        }
    }

    static func start(client: TallyAPIClient, _ sink: AsyncStream<ConsoleInput>.Continuation) -> LoadsRefresher {
        let refresher = LoadsRefresher()
        let loadsThread = Thread { refresher.run(client: client, sink) }
        loadsThread.name = "tally-console-loads"
        loadsThread.start()
        let thread = Thread {
            var lastEventID: String?
            while true {
                do {
                    if lastEventID == nil {
                        // Where the log ends now: the stream resumes from here, so nothing falls between the
                        // snapshot below and the live messages (repeats are harmless: alerts are keyed by id).
                        lastEventID = String(try client.get("/api/v1/health", as: ClientHealth.self).lastSeq)
                    }
                    sink.yield(.loads(try client.get("/api/v1/loads", as: ClientLoadList.self).loads))
                    sink.yield(.devices(try client.get("/api/v1/devices", as: ClientDeviceList.self).devices))
                    sink.yield(.alerts(try client.get("/api/v1/alerts?state=open", as: ClientAlertList.self).alerts))
                    try client.stream(lastEventID: lastEventID, onOpen: { sink.yield(.connected) }) { message in
                        if let id = message.id { lastEventID = id }
                        guard message.event == nil || message.event == "custody",
                              let outcome = try? JSONDecoder().decode(ClientOutcome.self, from: Data(message.data.utf8)) else { return }
                        sink.yield(.outcome(outcome))
                    }
                    sink.yield(.disconnected("the stream ended"))
                } catch {
                    sink.yield(.disconnected("\(error)"))
                }
                Thread.sleep(forTimeInterval: 1)
            }
        }
        thread.name = "tally-console-stream"
        thread.start()
        return refresher
    }
}

// MARK: - State and drawing

/// What the console shows; changed only by the console's loop.
struct ConsoleState {
    var url: String
    var alerts: [Int64: ClientAlert] = [:]
    var loads: [ClientLoad] = []
    var devices: [ClientDevice] = []
    var selected: Int64?
    var connection = "connecting"
    var lastSeq: Int64?
    var message = ""
    var rows = 24
    var columns = 80

    /// Open alerts, newest first.
    var openAlerts: [ClientAlert] { alerts.values.sorted { $0.id > $1.id } }

    var selectedAlert: ClientAlert? { selected.flatMap { alerts[$0] } }

    mutating func replaceAlerts(_ list: [ClientAlert]) {
        alerts = Dictionary(list.filter { $0.state == "open" }.map { ($0.id, $0) }, uniquingKeysWith: { $1 })
        fixSelection()
    }

    mutating func apply(_ outcome: ClientOutcome) {
        lastSeq = max(lastSeq ?? 0, outcome.seq)
        for alert in outcome.alerts + outcome.changedAlerts {
            if alert.state == "open" { alerts[alert.id] = alert } else { alerts[alert.id] = nil }
        }
        fixSelection()
    }

    mutating func remove(_ id: Int64) {
        alerts[id] = nil
        fixSelection()
    }

    mutating func move(_ delta: Int) {
        let list = openAlerts
        guard !list.isEmpty else { selected = nil; return }
        let index = list.firstIndex { $0.id == selected } ?? 0
        selected = list[min(max(0, index + delta), list.count - 1)].id
    }

    /// Keeps the selection on an existing alert: the same one, else the nearest newer, else the first.
    private mutating func fixSelection() {
        let list = openAlerts
        if let selected, alerts[selected] != nil { return }
        if let selected, let next = list.last(where: { $0.id > selected }) ?? list.first(where: { $0.id < selected }) {
            self.selected = next.id
        } else {
            selected = list.first?.id
        }
    }

    static let reset = "\u{1B}[0m"

    static func colour(_ severity: String) -> String {
        switch severity {
        case "critical": return "\u{1B}[1;31m"
        case "warning": return "\u{1B}[33m"
        default: return "\u{1B}[36m"
        }
    }

    /// Text cut or padded to exactly `width` characters.
    static func fit(_ text: String, _ width: Int) -> String {
        let width = max(0, width)
        let flat = text.map { $0.isNewline ? " " : $0 }
        if flat.count > width { return String(flat.prefix(max(0, width - 1))) + (width > 0 ? "…" : "") }
        return String(flat) + String(repeating: " ", count: width - flat.count)
    }

    static func bar(_ done: Int, _ total: Int, width: Int) -> String {
        guard total > 0 else { return "[" + String(repeating: " ", count: width) + "]" }
        let filled = min(width, Int((Double(min(done, total)) / Double(total) * Double(width)).rounded(.down)))
        return "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
    }

    /// The whole screen, as escape sequences from the home position.
    func render() -> String {
        let width = max(20, columns)
        let height = max(8, rows)
        var lines: [String] = []
        let seqText = lastSeq.map { "  seq \($0)" } ?? ""
        lines.append("\u{1B}[7m" + Self.fit(" Tally console  \(url)  [\(connection)]\(seqText)", width) + Self.reset)
        let list = openAlerts
        let loadRows = min(loads.count, max(1, (height - 10) / 3))
        let deviceRows = min(devices.count, max(1, (height - 10) / 4))
        let alertRows = max(1, height - 9 - max(1, loadRows) - max(1, deviceRows))
        lines.append("\u{1B}[1m" + Self.fit(" Open alerts (\(list.count))", width) + Self.reset)
        if list.isEmpty {
            lines.append(Self.fit("   none", width))
        } else {
            let selectedIndex = list.firstIndex { $0.id == selected } ?? 0
            let first = min(max(0, selectedIndex - alertRows + 1), max(0, list.count - alertRows))
            for (index, alert) in list.enumerated().dropFirst(first).prefix(alertRows) {
                let marker = index == selectedIndex ? ">" : " "
                let place = [alert.load, alert.pallet].compactMap { $0 }.joined(separator: "/")
                let text = "\(marker) #\(alert.id)  \(alert.severity.uppercased().padding(toLength: 8, withPad: " ", startingAt: 0))  "
                    + "\(alert.code)  \(place)  \(alert.subject ?? "")  \(alert.message ?? "")"
                let style = Self.colour(alert.severity) + (index == selectedIndex ? "\u{1B}[7m" : "")
                lines.append(style + Self.fit(text, width) + Self.reset)
            }
        }
        lines.append(Self.fit("", width))
        lines.append("\u{1B}[1m" + Self.fit(" Loads (\(loads.count))", width) + Self.reset)
        if loads.isEmpty { lines.append(Self.fit("   none", width)) }
        for load in loads.prefix(loadRows) {
            var text = "  \(load.id)  \(Self.bar(load.scanned, load.expected, width: 20)) \(load.scanned)/\(load.expected) scanned"
                + "  pallets weighed \(load.palletsWeighed)/\(load.pallets)"
            if load.missing > 0 { text += "  missing \(load.missing)" }
            if load.unexpected > 0 { text += "  unexpected \(load.unexpected)" }
            if load.openAlerts > 0 { text += "  alerts \(load.openAlerts)" }
            if load.sealed { text += "  SEALED" }
            lines.append(Self.fit(text, width))
        }
        lines.append(Self.fit("", width))
        lines.append("\u{1B}[1m" + Self.fit(" Devices (\(devices.count))", width) + Self.reset)
        if devices.isEmpty { lines.append(Self.fit("   none", width)) }
        for device in devices.prefix(deviceRows) {
            let counts = device.kind == "scale" ? "\(device.weights) weights" : "\(device.scans) scans"
            var text = "  \(device.state == "connected" ? "●" : "○") \(device.identity)  \(device.kind)  \(device.station ?? "-")  "
                + "\(device.state.uppercased())  \(counts)"
            if device.errors > 0 { text += "  \(device.errors) errors" }
            if let detail = device.detail { text += "  (\(detail))" }
            let style = device.state == "connected" ? "" : (device.state == "disconnected" ? "\u{1B}[1;31m" : "\u{1B}[33m")
            lines.append(style + Self.fit(text, width) + Self.reset)
        }
        var screen = "\u{1B}[H"
        for line in lines.prefix(height - 1) { screen += line + "\u{1B}[K\r\n" }
        screen += "\u{1B}[J"
        let keys = " up/down k/j move  a acknowledge  q quit"
        let status = message.isEmpty ? keys : keys + "  |  " + message
        screen += "\u{1B}[\(height);1H\u{1B}[7m" + Self.fit(status, width - 1) + Self.reset
        return screen
    }
}

/// The terminal in raw mode on the alternate screen, with the cursor hidden; restored by ``restore()``.
final class RawTerminal {
    let input: Int32
    let output: Int32
    private let original: termios
    private var active = false

    /// Nil unless `input` and `output` are terminals.
    init?(input: Int32, output: Int32) {
        guard isatty(input) == 1, isatty(output) == 1 else { return nil }
        var settings = termios()
        guard tcgetattr(input, &settings) == 0 else { return nil }
        self.input = input
        self.output = output
        original = settings
    }

    deinit { restore() }

    func enter() {
        var raw = original
        cfmakeraw(&raw)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        tcsetattr(input, TCSANOW, &raw)
        active = true
        write("\u{1B}[?1049h\u{1B}[?25l\u{1B}[H\u{1B}[2J")
    }

    func restore() {
        guard active else { return }
        active = false
        write("\u{1B}[0m\u{1B}[?25h\u{1B}[?1049l")
        var settings = original
        tcsetattr(input, TCSANOW, &settings)
    }

    /// Rows and columns (24 x 80 when the terminal does not say).
    func size() -> (Int, Int) {
        var window = winsize()
        if ioctl(output, UInt(TIOCGWINSZ), &window) == 0, window.ws_row > 0, window.ws_col > 0 {
            return (Int(window.ws_row), Int(window.ws_col))
        }
        return (24, 80)
    }

    func draw(_ screen: String) { write(screen) }

    private func write(_ text: String) {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(output, $0.baseAddress, $0.count) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}
