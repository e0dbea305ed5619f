import Foundation
import TestSupport

/// What one chaos run does, from the environment: how many jobs, the seed every random
/// choice follows, and the timings that scale with the run's size.
///
/// - `LIENZO_CHAOS_JOBS` (60, so that CI runs it small; `scripts/chaos.sh` asks for 500).
/// - `LIENZO_CHAOS_SEED` (else `LIENZO_TEST_SEED`, else drawn): replays a run's choices.
struct ChaosPlan {
    let jobs: Int
    var random: SeededRandom
    /// How long the Bot API stays a black hole: the issue's 60 s at 500 jobs, shorter in
    /// proportion for a smaller run (at least 3 s).
    let blackHole: Duration
    /// The stages' Bot API request timeout. As in production (60 s against a 60 s
    /// outage), one send waits out the black hole instead of spending every attempt on it.
    let requestTimeout: Int
    /// The word in the poisoned job's prompt that makes the Renderer's engine fail
    /// (`LIENZO_TEST_FAIL_PROMPT`, test only).
    let poisonMarker = "chaos-poison-5d1e"
    /// Which request is poisoned.
    let poisonedIndex: Int

    init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        jobs = max(8, environment["LIENZO_CHAOS_JOBS"].flatMap { Int($0) } ?? 60)
        let seedText = environment["LIENZO_CHAOS_SEED"] ?? environment["LIENZO_TEST_SEED"]
        let given = seedText.flatMap { UInt64($0.trimmingCharacters(in: .whitespaces)) }
        random = SeededRandom(seed: given ?? UInt64.random(in: 0...UInt64.max))
        print("CHAOS SEED \(random.seed) (\(given == nil ? "drawn" : "given")); replay with LIENZO_CHAOS_SEED=\(random.seed) LIENZO_CHAOS_JOBS=\(jobs)")
        let seconds = min(60, max(3, 60 * jobs / 500))
        blackHole = .seconds(seconds)
        requestTimeout = seconds
        poisonedIndex = jobs / 3
    }

    /// The stage processes' settings: short leases and quick rescues, so that a killed
    /// stage's work comes back within seconds; previews off (the photo is the record).
    func stageOverrides() -> [String: String] {
        [
            "LOG_LEVEL": "info", "LIENZO_METRICS_PORT": "0", "LIENZO_THREADS": "1",
            "LIENZO_RENDER_LEASE": "3", "LIENZO_RESCUE_INTERVAL": "0.5", "LIENZO_GATHER_WINDOW": "0.05",
            "LIENZO_PROGRESS_INTERVAL": "0.5", "LIENZO_PREVIEW_INTERVAL": "0", "LIENZO_RETRY_BASE": "1",
            "LIENZO_SHUTDOWN_GRACE": "5", "LIENZO_TEST_FAIL_PROMPT": poisonMarker,
            "TELEGRAM_REQUEST_TIMEOUT": "\(requestTimeout)",
            // A lease outlives a send that waits out its whole timeout.
            "DELIVER_LEASE_SECONDS": "\(requestTimeout + 5)", "DELIVER_RESCUE_INTERVAL": "0.5",
            "DELIVER_RETRY_BASE": "0.5", "DELIVER_STATUS_INTERVAL": "0.5", "INGEST_MAX_BACKOFF": "1",
        ]
    }
}
