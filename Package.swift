// swift-tools-version: 6.0
import PackageDescription

/// relance: a self-hosted payment-reminder daemon.
/// Dependencies point down the table in DESIGN.md only:
/// CCurl → RelanceCore → RelanceFormats / RelanceConfig → relance.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "relance",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "relance", targets: ["relance"]),
        .executable(name: "relance-bench", targets: ["relance-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // libcurl as the system provides it (Debian: libcurl4-openssl-dev).
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // Non-variadic wrappers of curl_easy_setopt / curl_easy_getinfo.
        .target(name: "CCurlShim", dependencies: ["CCurl"]),

        // Linux calls glibc hides behind _GNU_SOURCE (syncfs for the outbox's batched durability).
        .target(name: "CSystemShim"),

        // zlib as the system provides it (zlib1g-dev): inflates the invoice XML embedded in Factur-X PDFs.
        .systemLibrary(name: "CZlib", providers: [.apt(["zlib1g-dev"])]),
        // libxml2's streaming reader (libxml2-dev), for bank statements: Foundation's XMLParser is
        // several times slower on them and refuses a 40 MB statement given as one buffer.
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        // Its reader behind a narrow C API: libxml2's headers include the system ICU, which clashes with Foundation's in Swift.
        .target(name: "CXMLReader", dependencies: ["CLibXML2"]),

        // The headers of Pango and cairo (libpango1.0-dev, libcairo2-dev: text layout, the PDF writer),
        // libpng (libpng-dev: the QR images) and libqrencode (libqrencode-dev: the EPC QR codes). The
        // libraries themselves are not linked: CDocumentsLoader opens them on first use.
        .systemLibrary(name: "CPangoCairo", providers: [.apt(["libpango1.0-dev", "libcairo2-dev"])]),
        .systemLibrary(name: "CPNG", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CQRencode", providers: [.apt(["libqrencode-dev"])]),
        .target(name: "CDocumentsLoader", dependencies: ["CPangoCairo", "CPNG", "CQRencode"]),

        .target(name: "RelanceCore", swiftSettings: strict),
        .target(name: "RelanceDocuments", dependencies: ["RelanceCore", "CPangoCairo", "CQRencode", "CDocumentsLoader"], swiftSettings: strict),
        .target(name: "RelanceFormats", dependencies: ["RelanceCore", "CZlib", "CXMLReader"], swiftSettings: strict),
        .target(
            name: "RelanceConfig",
            dependencies: ["RelanceCore", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),
        .target(
            name: "RelanceMail",
            dependencies: ["RelanceCore", .product(name: "Mustache", package: "swift-mustache")],
            swiftSettings: strict
        ),
        .target(
            name: "RelanceStore",
            // SQLite through GRDB (the default); PostgreSQL through postgres-nio, the store several instances share.
            dependencies: [
                "RelanceCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(name: "RelanceTransport", dependencies: ["CCurlShim", "CSystemShim", "RelanceMail"], swiftSettings: strict),
        .target(name: "RelanceReport", dependencies: ["RelanceCore", "RelanceFormats"], swiftSettings: strict),
        .target(
            name: "RelanceDaemon",
            dependencies: [
                "RelanceCore", "RelanceFormats", "RelanceConfig", "RelanceMail", "RelanceStore", "RelanceTransport", "RelanceDocuments",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "relance",
            dependencies: [
                "RelanceCore", "RelanceFormats", "RelanceConfig", "RelanceStore", "RelanceDaemon", "RelanceMail", "RelanceTransport", "CCurlShim",
                "RelanceReport", "RelanceDocuments",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        // In-process timings for scripts/bench (next wake-up, status of one invoice, sending over a shared PostgreSQL store).
        .executableTarget(
            name: "relance-bench",
            dependencies: [
                "RelanceCore", "RelanceFormats", "RelanceConfig", "RelanceStore", "RelanceDaemon", "RelanceTransport", "RelanceMail",
                .product(name: "Logging", package: "swift-log"), .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),

        .testTarget(name: "CCurlTests", dependencies: ["CCurlShim"], swiftSettings: strict),
        .testTarget(name: "RelanceCoreTests", dependencies: ["RelanceCore"], swiftSettings: strict),
        .testTarget(name: "RelanceFormatsTests", dependencies: ["RelanceFormats", "RelanceTestSupport"], swiftSettings: strict),
        .testTarget(name: "RelanceConfigTests", dependencies: ["RelanceConfig"], swiftSettings: strict),
        // Fixtures/replies.txt: the project's corpus of customer replies, read from the source tree.
        .testTarget(name: "RelanceMailTests", dependencies: ["RelanceMail", "RelanceTestSupport"], exclude: ["Fixtures"], swiftSettings: strict),
        .testTarget(name: "RelanceStoreTests", dependencies: ["RelanceStore", "RelanceTestSupport"], swiftSettings: strict),
        // Starts the project's own test servers (scripts/test-servers) for the tests that need them.
        // (and a private PostgreSQL, with a migrated shared store, for the tests of that store)
        .target(
            name: "RelanceTestSupport",
            dependencies: ["RelanceStore", .product(name: "PostgresNIO", package: "postgres-nio")],
            path: "Tests/RelanceTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "RelanceTransportTests", dependencies: ["RelanceTransport", "RelanceTestSupport"], swiftSettings: strict),
        .testTarget(name: "RelanceDocumentsTests", dependencies: ["RelanceDocuments", "RelanceTestSupport"], swiftSettings: strict),
        .testTarget(name: "RelanceReportTests", dependencies: ["RelanceReport"], swiftSettings: strict),
        .testTarget(name: "RelanceDaemonTests", dependencies: ["RelanceDaemon", "RelanceTestSupport"], swiftSettings: strict),
        .testTarget(name: "EndToEndTests", dependencies: ["RelanceTestSupport"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
