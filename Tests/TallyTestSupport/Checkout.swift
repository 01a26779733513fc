import Foundation

/// The package checkout the tests were built from: found by walking up from this file to `Package.swift`.
public enum Checkout {
    /// The checkout's root directory (the current directory if no `Package.swift` is found above this file).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true)
    }()

    /// The shipped device profiles (`hardware-profiles/`).
    public static let hardwareProfiles = root.appendingPathComponent("hardware-profiles", isDirectory: true)

    /// A file or directory of the checkout, by its path relative to the root (e.g. `docs/sample-manifest.csv`).
    public static func file(_ relativePath: String) -> URL {
        root.appendingPathComponent(relativePath)
    }
}
