// swift-tools-version: 6.1
import PackageDescription

// Dependency direction, bottom to top:
//   C modules → Runtime → {Schema, Telegram, PNG, Diffusion} → executables (Ingest, Renderer, Deliver).
// Diffusion depends on nothing of ours but OpenBLAS and its bf16 kernel (CKernels); the executables are the only place
// where the database, Telegram and the engine meet.
let package = Package(
    name: "Lienzo",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "Ingest", targets: ["Ingest"]),
        .executable(name: "Renderer", targets: ["Renderer"]),
        .executable(name: "Deliver", targets: ["Deliver"]),
        .library(name: "Schema", targets: ["Schema"]),
        .library(name: "Diffusion", targets: ["Diffusion"]),
        .library(name: "Telegram", targets: ["Telegram"]),
        .executable(name: "BotAPIEmulatorServer", targets: ["BotAPIEmulatorServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: C system libraries (Debian -dev packages)
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        // The engine's one kernel of its own (bf16 GEMM on AVX512-BF16), optimised even in
        // debug builds so that the tests of the models that use it stay quick.
        .target(name: "CKernels", cSettings: [.unsafeFlags(["-O3"])]),

        // MARK: sql/ embedded at build time (sql/ stays the only copy)
        .executableTarget(name: "EmbedSQLTool"),
        .plugin(name: "EmbedSQL", capability: .buildTool(), dependencies: ["EmbedSQLTool"]),

        // MARK: libraries
        .target(
            name: "Runtime",
            dependencies: [.product(name: "Logging", package: "swift-log")]
        ),
        .target(
            name: "Schema",
            dependencies: ["CLibPQ", "Runtime", .product(name: "Logging", package: "swift-log")],
            plugins: ["EmbedSQL"]
        ),
        .target(
            name: "Telegram",
            dependencies: ["CCurl", "Runtime", .product(name: "Logging", package: "swift-log")]
        ),
        // Deliberately independent of `Telegram`: it writes Bot API JSON by hand, so a
        // field-name mistake in the client's models cannot hide behind shared types.
        // The one HTTP/1.1 server (POSIX sockets, a thread per connection): the emulator,
        // every stage's /metrics and Ingest's webhook.
        .target(name: "EmbeddedHTTP"),
        .target(name: "BotAPIEmulator", dependencies: ["Runtime", "EmbeddedHTTP"]),
        .target(
            name: "StageSupport",
            dependencies: [
                "Schema", "Runtime", "EmbeddedHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(name: "BotAPIEmulatorServer", dependencies: ["BotAPIEmulator", "Runtime"]),
        .target(name: "PNG", dependencies: ["CPNG"]),
        // The bot's words and rules, pure: texts (en, es), command and option parsing,
        // validation, captions, callback data. No I/O.
        .target(name: "Bot", dependencies: ["Schema", "Telegram", "Runtime", "PromptSyntax"]),
        // Prompt syntax shared by Ingest (validation) and the Renderer (what to apply): LoRA tags.
        .target(name: "PromptSyntax"),
        // The engine's CLIP tokenizer as Ingest's prompt-length counter.
        .target(name: "BotTokenizer", dependencies: ["Bot", "Tokenizer"]),
        // CLIP's BPE tokenizer and the standard vocabulary: below the engine, so Ingest and
        // Deliver count prompt tokens without linking it.
        .target(
            name: "Tokenizer",
            exclude: ["Resources/README.md"],
            resources: [.copy("Resources/vocab.json"), .copy("Resources/merges.txt")]
        ),
        // Ingest's and Deliver's services (database + Telegram), a library so tests run them in-process.
        .target(
            name: "BotServices",
            dependencies: [
                "Bot", "Schema", "Telegram", "Runtime", "EmbeddedHTTP",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "Diffusion",
            dependencies: ["COpenBLAS", "CKernels", "Tokenizer"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),

        .target(
            name: "RenderStage",
            dependencies: [
                "Schema", "Runtime", "Diffusion", "PNG", "PromptSyntax",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // MARK: the three stages
        .executableTarget(
            name: "Ingest",
            dependencies: stageDependencies + [
                "Bot", "BotServices", "BotTokenizer", "Telegram",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "Renderer",
            dependencies: stageDependencies + [
                "Diffusion", "PNG", "RenderStage",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "Deliver",
            dependencies: stageDependencies + [
                "Bot", "BotServices", "BotTokenizer", "Telegram",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),

        // MARK: benchmarks
        .executableTarget(
            name: "QueueBench",
            dependencies: ["Schema", "Runtime", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),

        // MARK: tests
        .target(
            name: "TestSupport",
            dependencies: ["Schema", "Runtime", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "SchemaTests", dependencies: ["Schema", "Runtime", "TestSupport"]),
        .testTarget(name: "RenderStageTests", dependencies: ["RenderStage", "Schema", "TestSupport", "StageSupport", "Diffusion", "Runtime"]),
        .testTarget(
            name: "TelegramTests",
            dependencies: ["Telegram", "BotAPIEmulator", "EmbeddedHTTP", "Runtime", "TestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "StageTests",
            dependencies: [
                "Bot", "BotServices", "BotTokenizer", "BotAPIEmulator", "Schema", "Telegram", "Runtime", "TestSupport", "PNG",
                "StageSupport", "EmbeddedHTTP", "RenderStage",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "DiffusionTests", dependencies: ["Diffusion", "PNG", "PromptSyntax", "Tokenizer"], resources: [.copy("Fixtures")]),
    ]
)

/// What every stage executable links: configuration, logging, the database and its command line.
var stageDependencies: [Target.Dependency] {
    [
        "Schema", "Runtime", "StageSupport",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
    ]
}
