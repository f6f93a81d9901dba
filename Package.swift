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
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
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

        .target(name: "RelanceCore", swiftSettings: strict),
        .target(name: "RelanceFormats", dependencies: ["RelanceCore"], swiftSettings: strict),
        .target(
            name: "RelanceConfig",
            dependencies: ["RelanceCore", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "relance",
            dependencies: [
                "RelanceCore", "RelanceFormats", "RelanceConfig", "CCurlShim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        .testTarget(name: "CCurlTests", dependencies: ["CCurlShim"], swiftSettings: strict),
        .testTarget(name: "RelanceCoreTests", dependencies: ["RelanceCore"], swiftSettings: strict),
        .testTarget(name: "RelanceFormatsTests", dependencies: ["RelanceFormats"], swiftSettings: strict),
        .testTarget(name: "RelanceConfigTests", dependencies: ["RelanceConfig"], swiftSettings: strict),
        .testTarget(name: "EndToEndTests", swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
