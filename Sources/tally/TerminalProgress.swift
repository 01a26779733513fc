import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A one-line progress bar on standard error, drawn only when standard error is a terminal
/// (so logs, pipes and CI output stay clean). It may be updated from any thread.
final class TerminalProgress: Sendable {
    private let label: String
    private let enabled = isatty(STDERR_FILENO) == 1
    private let lastPercent = Mutex(-1)

    init(_ label: String) { self.label = label }

    /// Redraws the bar for `done` of `total` (units as the caller counts them).
    func update(_ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        let percent = min(100, done * 100 / total)
        guard lastPercent.withLock({ last in defer { last = percent }; return last != percent }) else { return }
        let width = 30
        let filled = percent * width / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(percent)%".utf8))
    }

    /// Ends the line.
    func finish() {
        guard enabled, lastPercent.withLock({ $0 }) >= 0 else { return }
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
