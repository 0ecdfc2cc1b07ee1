// swift-tools-version: 6.2
import PackageDescription

let upcoming: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "Orchard",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "orchard", targets: ["orchard"]),
        .library(name: "SalesReports", targets: ["SalesReports"]),
        .library(name: "AppStoreConnect", targets: ["AppStoreConnect"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/JohnSundell/Plot.git", from: "0.14.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-configuration.git", from: "1.4.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        .target(name: "OrchardCore", swiftSettings: upcoming),
        .target(name: "SalesReports", dependencies: ["CZlib"], swiftSettings: upcoming),
        .target(
            name: "AppStoreConnect",
            dependencies: [
                "SalesReports",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "ConnectSandbox",
            dependencies: [
                "SalesReports",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Plot", package: "Plot"),
            ],
            swiftSettings: upcoming
        ),
        // Mail out: SMTP with STARTTLS or implicit TLS on SwiftNIO, MIME messages. Standalone library.
        .target(
            name: "OrchardMail",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "OrchardStorage",
            dependencies: [
                "OrchardCore", "SalesReports",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The ECB reference rates since 2010, loaded at first start (`FXRateStore.loadShippedRates`).
            resources: [.copy("Resources/ecb-reference-rates.csv.gz")],
            swiftSettings: upcoming
        ),
        .target(
            name: "OrchardSync",
            dependencies: [
                "OrchardCore", "OrchardStorage", "AppStoreConnect", "SalesReports",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "OrchardApp",
            dependencies: [
                "OrchardCore", "OrchardStorage", "OrchardSync", "AppStoreConnect", "SalesReports", "OrchardMail",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "OrchardWeb",
            dependencies: [
                "OrchardCore", "OrchardStorage", "OrchardApp", "AppStoreConnect", "SalesReports",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Plot", package: "Plot"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "orchard-bench",
            dependencies: [
                "OrchardCore", "OrchardStorage", "OrchardSync", "OrchardTestSupport", "OrchardApp", "OrchardWeb",
                "OrchardMail",
                "ConnectSandbox",
                "AppStoreConnect", "SalesReports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: upcoming
        ),
        .executableTarget(
            name: "orchard",
            dependencies: [
                "OrchardCore", "OrchardStorage", "OrchardSync", "OrchardApp", "OrchardWeb", "SalesReports",
                "OrchardMail",
                "AppStoreConnect", "ConnectSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: upcoming
        ),
        .target(
            name: "OrchardTestSupport",
            dependencies: [
                "OrchardCore", "OrchardStorage", "ConnectSandbox", "SalesReports",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(name: "OrchardCoreTests", dependencies: ["OrchardCore"], swiftSettings: upcoming),
        .testTarget(
            name: "OrchardMailTests", dependencies: ["OrchardMail", "OrchardTestSupport"], swiftSettings: upcoming),
        .testTarget(
            name: "SalesReportsTests", dependencies: ["SalesReports"], resources: [.copy("Fixtures")],
            swiftSettings: upcoming),
        .testTarget(
            name: "AppStoreConnectTests",
            dependencies: [
                "AppStoreConnect", "SalesReports", "ConnectSandbox", "OrchardTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "ConnectSandboxTests",
            dependencies: [
                "ConnectSandbox", "OrchardTestSupport", "SalesReports",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "OrchardStorageTests",
            dependencies: [
                "OrchardStorage", "OrchardTestSupport", "SalesReports",
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "OrchardSyncTests",
            dependencies: [
                "OrchardSync", "OrchardStorage", "OrchardTestSupport", "OrchardCore", "AppStoreConnect",
                "ConnectSandbox", "OrchardApp",
                "SalesReports",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "OrchardWebTests",
            dependencies: [
                "OrchardWeb", "OrchardApp", "OrchardTestSupport", "OrchardCore", "OrchardStorage", "OrchardSync",
                "OrchardMail", .product(name: "Crypto", package: "swift-crypto"),
                "AppStoreConnect", "ConnectSandbox",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "SQLKit", package: "sql-kit"),
            ],
            swiftSettings: upcoming
        ),
        .testTarget(
            name: "OrchardCLITests",
            dependencies: [
                "orchard", "OrchardCore", "OrchardStorage", "OrchardTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: upcoming
        ),
    ]
)
