// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Meterbook",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "Meterbook", targets: ["Meterbook"]),
        .library(name: "MeterbookSimulator", targets: ["MeterbookSimulator"]),
        .library(name: "MeterbookProxy", targets: ["MeterbookProxy"]),
        .executable(name: "meterbook", targets: ["MeterbookCLI"]),
        .executable(name: "meterbook-benchmark", targets: ["MeterbookBenchmark"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // libcurl, with typed wrappers for its variadic setopt/getinfo.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // zlib, with wrappers for its deflateInit2/inflateInit2 macros (gzip archives of rotated days).
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        // The outbound HTTP transport: libcurl's multi interface on a dedicated thread.
        .target(
            name: "MeterbookTransport",
            dependencies: ["CCurl"]
        ),
        // The core library: endpoints, auth, provider adapters, pricing, client, recorder, store.
        .target(
            name: "Meterbook",
            dependencies: [
                "MeterbookTransport",
                "CZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "TOMLKit", package: "TOMLKit"),
            ]
        ),
        // What the two servers (proxy, simulator) share: the signal that hands a bound port to `start()`.
        .target(
            name: "MeterbookServerSupport",
            dependencies: [.product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
        // A simulated Azure OpenAI / Foundry / Claude-on-Foundry upstream on loopback (demo, tests, benchmarks).
        .target(
            name: "MeterbookSimulator",
            dependencies: [
                "Meterbook",
                "MeterbookServerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The recording reverse proxy: any SDK points its base URL here; every attempt is forwarded and recorded.
        .target(
            name: "MeterbookProxy",
            dependencies: [
                "Meterbook",
                "MeterbookServerSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The central store: shipping attempts to PostgreSQL and reading them back (report, export, trace, ...).
        .target(
            name: "MeterbookPostgres",
            dependencies: [
                "Meterbook",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "MeterbookCLI",
            dependencies: [
                "Meterbook",
                "MeterbookPostgres",
                "MeterbookProxy",
                "MeterbookSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "MeterbookBenchmark",
            dependencies: [
                "Meterbook", "MeterbookProxy", "MeterbookSimulator", "MeterbookPostgres",
                // The throwaway PostgreSQL cluster of the tests, for `meterbook-benchmark ship` without --to.
                "MeterbookTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test helpers shared by the test targets: the seeded database of known attempts, a real CSV parser.
        .target(
            name: "MeterbookTestSupport",
            dependencies: ["Meterbook"],
            path: "Tests/MeterbookTestSupport"
        ),
        .testTarget(
            name: "MeterbookTransportTests",
            dependencies: ["MeterbookTransport", "MeterbookSimulator", "Meterbook"]
        ),
        .testTarget(
            name: "MeterbookTests",
            dependencies: ["Meterbook", "MeterbookSimulator", "MeterbookTestSupport"]
        ),
        .testTarget(
            name: "MeterbookProxyTests",
            dependencies: [
                "MeterbookProxy", "Meterbook", "MeterbookSimulator",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Python"]
        ),
        .testTarget(
            name: "MeterbookPostgresTests",
            dependencies: ["MeterbookPostgres", "Meterbook", "MeterbookTestSupport"]
        ),
        // End-to-end tests of the real `meterbook` binary (depending on the executable target builds it first).
        .testTarget(
            name: "MeterbookCLITests",
            dependencies: ["MeterbookCLI", "Meterbook", "MeterbookPostgres", "MeterbookSimulator", "MeterbookTestSupport"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
