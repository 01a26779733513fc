// swift-tools-version:6.1
import PackageDescription

// Tally: chain-of-custody for IT-asset reverse logistics.
// Dependencies point inward: devices → core ← store; runtime and the CLI wire them together.
let package = Package(
    name: "Tally",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tally", targets: ["tally"]),
        .library(name: "TallyCore", targets: ["TallyCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
    ],
    targets: [
        // Pure domain: identifiers, weights, manifests, events, alerts, the validation engine. No I/O, no C.
        .target(name: "TallyCore"),

        // C system libraries used by the device layer.
        .systemLibrary(name: "CUdev", pkgConfig: "libudev", providers: [.apt(["libudev-dev"])]),
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        // umockdev's C API: only the test helper below links it.
        .systemLibrary(name: "CUMockdev", pkgConfig: "umockdev-1.0", providers: [.apt(["libumockdev-dev"])]),

        // Device edge: udev discovery, HID report decoding, termios serial ports, scale protocol drivers, profiles.
        .target(
            name: "TallyDevices",
            dependencies: [
                "TallyCore", "CUdev", "CLibUSB",
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // Storage edge: the append-only SQLite event log, manifest tables and projections.
        .target(
            name: "TallyStore",
            dependencies: [
                "TallyCore", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ]
        ),

        // Wiring: the recorder (core + store), the service configuration, device pipelines and stations, the demo scenario.
        .target(
            name: "TallyRuntime",
            dependencies: [
                "TallyCore", "TallyDevices", "TallyStore",
                .product(name: "Logging", package: "swift-log"),
                // The service configuration is YAML, read with the profile loader's checked field readers.
                .product(name: "Yams", package: "Yams"),
            ]
        ),

        // HTTP edge: the JSON API, the live SSE stream, the web console page, users and roles.
        .target(
            name: "TallyServer",
            dependencies: [
                "TallyCore", "TallyStore", "TallyRuntime",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The command-line tool: argument parsing and wiring only.
        .executableTarget(
            name: "tally",
            dependencies: [
                "TallyCore", "TallyDevices", "TallyStore", "TallyRuntime", "TallyServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Test helper: owns an umockdev testbed (hotplug events, an interactive fake USB scanner) and runs
        // the tally binary under it, driven by the device tests over stdin/stdout.
        .executableTarget(name: "tally-testbed", dependencies: ["CUMockdev"], path: "Tests/TallyTestbed"),

        // What the test targets share: a seeded random generator, the checkout's paths, the built executables,
        // child processes run to completion, umockdev testbed text. Foundation and XCTest only.
        .target(name: "TallyTestSupport", path: "Tests/TallyTestSupport"),

        .testTarget(name: "TallyCoreTests", dependencies: ["TallyCore", "TallyTestSupport"]),
        .testTarget(name: "TallyDevicesTests", dependencies: ["TallyDevices", "TallyCore", "TallyTestSupport"]),
        .testTarget(name: "TallyStoreTests", dependencies: ["TallyStore", "TallyCore", "TallyTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "TallyRuntimeTests", dependencies: ["TallyRuntime", "TallyStore", "TallyDevices", "TallyCore", "TallyTestSupport"]),
        .testTarget(
            name: "TallyServerTests",
            dependencies: ["TallyServer", "TallyRuntime", "TallyStore", "TallyCore", "TallyDevices", "TallyTestSupport"]),
        // Fixtures are read by path from the checkout, not bundled.
        .testTarget(name: "TallyEndToEndTests", dependencies: ["TallyStore", "TallyCore", "TallyTestSupport"], exclude: ["Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
