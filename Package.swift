// swift-tools-version:6.0
import PackageDescription

// Debian's libclang-dev (LLVM 14) keeps clang-c/ off the default include path. pkgconfig/libclang.pc
// describes the same prefix for anyone who sets PKG_CONFIG_PATH; the flags below make a plain
// `swift build` work without it.
let llvmPrefix = "/usr/lib/llvm-14"
let clangFlags: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-I\(llvmPrefix)/include"])]
let clangLink: [LinkerSetting] = [.unsafeFlags(["-L\(llvmPrefix)/lib", "-Xlinker", "-rpath", "-Xlinker", "\(llvmPrefix)/lib"])]
let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
    name: "Marginalia",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "marginalia", targets: ["marginalia"]),
        .executable(name: "marginalia-bench", targets: ["marginalia-bench"]),
        .executable(name: "marginalia-fuzz", targets: ["marginalia-fuzz"]),
        .library(name: "PagedAttention", targets: ["PagedAttention"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    ],
    targets: [
        // C libraries, each behind exactly one Swift module.
        .systemLibrary(name: "CClang", pkgConfig: "libclang",
                       providers: [.apt(["libclang-dev"])]),
        .systemLibrary(name: "CCmarkGFM", pkgConfig: "libcmark-gfm",
                       providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),

        .target(name: "IndexModel", swiftSettings: v5),
        .target(name: "PythonIndexer", dependencies: ["IndexModel"], swiftSettings: v5),
        .target(name: "ClangIndexer", dependencies: ["IndexModel", "CClang"],
                resources: [.copy("Resources/prelude")],
                swiftSettings: v5 + clangFlags, linkerSettings: clangLink),
        .target(name: "IndexDatabase", dependencies: ["IndexModel", .product(name: "GRDB", package: "GRDB.swift")],
                swiftSettings: v5),
        .target(name: "CallGraph", dependencies: ["IndexModel"], swiftSettings: v5),
        .target(name: "Traces", dependencies: ["IndexModel", "CallGraph"], swiftSettings: v5),
        .target(name: "Annotations", dependencies: ["IndexModel", "CCmarkGFM", "Yams"], swiftSettings: v5),
        .target(name: "SiteRenderer", dependencies: ["IndexModel"], swiftSettings: v5),
        .target(name: "CPagedKernels", cSettings: [.unsafeFlags(["-O2"])]),
        .target(name: "PagedAttention", dependencies: ["CPagedKernels"], exclude: ["EXPLAINER.md"],
                swiftSettings: v5 + [.unsafeFlags(["-Ounchecked"])]),
        .target(name: "MarginaliaKit",
                dependencies: ["IndexModel", "PythonIndexer", "ClangIndexer", "IndexDatabase", "CallGraph",
                               "Annotations", "SiteRenderer", "Traces", "Yams"],
                resources: [.copy("Resources/marginalia_tracer.py")],
                swiftSettings: v5),
        .executableTarget(name: "marginalia",
                          dependencies: ["MarginaliaKit", "IndexDatabase", "IndexModel", "Annotations", "CallGraph", "SiteRenderer", "PagedAttention", "Traces",
                                         .product(name: "ArgumentParser", package: "swift-argument-parser")],
                          swiftSettings: v5),
        // Shared by the test targets: the package root and the real vLLM releases.
        .target(name: "MarginaliaTestSupport", swiftSettings: v5),
        .executableTarget(name: "marginalia-bench",
                          dependencies: ["MarginaliaKit", "PagedAttention", "PythonIndexer", "ClangIndexer", "IndexModel", "IndexDatabase", "CallGraph"],
                          swiftSettings: v5),

        // Seeded mutation fuzzing of the input front ends (scripts/fuzz; a smoke run in scripts/test).
        .target(name: "FuzzChecks", dependencies: ["PythonIndexer", "ClangIndexer", "Annotations", "IndexModel"],
                swiftSettings: v5),
        .executableTarget(name: "marginalia-fuzz", dependencies: ["FuzzChecks", "ClangIndexer", "Annotations", "IndexModel"], swiftSettings: v5),
        // Coverage-guided fuzzing with libFuzzer: built by scripts/fuzz-coverage with -sanitize=fuzzer
        // (libFuzzer supplies main); an ordinary build gets a main that says so.
        .executableTarget(name: "marginalia-libfuzz", dependencies: ["FuzzChecks"], swiftSettings: v5),

        // Test targets are enabled as their tests land (an empty test target does not build).
        .testTarget(name: "IndexModelTests", dependencies: ["IndexModel"], swiftSettings: v5),
        .testTarget(name: "PythonIndexerTests", dependencies: ["MarginaliaTestSupport", "PythonIndexer"], exclude: ["ast_oracle.py"], resources: [.copy("Fixtures")], swiftSettings: v5),
        .testTarget(name: "ClangIndexerTests", dependencies: ["MarginaliaTestSupport", "ClangIndexer"], resources: [.copy("Fixtures")], swiftSettings: v5),
        .testTarget(name: "IndexDatabaseTests", dependencies: ["IndexDatabase"], swiftSettings: v5),
        .testTarget(name: "CallGraphTests", dependencies: ["MarginaliaTestSupport", "CallGraph", "PythonIndexer", "ClangIndexer"], resources: [.copy("Fixtures"), .copy("Data")], swiftSettings: v5),
        .testTarget(name: "AnnotationsTests", dependencies: ["MarginaliaTestSupport", "Annotations", "MarginaliaKit"], exclude: ["Reanchoring"], swiftSettings: v5),
        .testTarget(name: "SiteRendererTests", dependencies: ["SiteRenderer"], exclude: ["check_site.py", "browser"], swiftSettings: v5),
        .testTarget(name: "PagedAttentionTests", dependencies: ["MarginaliaTestSupport", "PagedAttention"], exclude: ["Oracle", "Golden"], swiftSettings: v5),
        .testTarget(name: "TracesTests", dependencies: ["MarginaliaTestSupport", "Traces", "CallGraph"], swiftSettings: v5),
        .testTarget(name: "IntegrationTests", dependencies: ["MarginaliaTestSupport", "MarginaliaKit", "Annotations", "IndexDatabase"], swiftSettings: v5),
    ]
)
