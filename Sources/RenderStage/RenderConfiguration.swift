import Diffusion
import Foundation
import Runtime
import Schema

/// The Renderer's settings. Environment:
/// - `LIENZO_MAX_BATCH` (4): most jobs in one U-Net batch.
/// - `LIENZO_MAX_BATCH_PIXELS` (1048576 = 4 × 512²): batch × width × height cap, which
///   bounds memory; a batch of large images is claimed smaller.
/// - `LIENZO_GATHER_WINDOW` (0.25 s): after a wake-up, wait this long before claiming so
///   a compatible request arriving a moment later joins the batch.
/// - `LIENZO_RENDER_LEASE` (120 s): lease per claim, renewed by heartbeats every third of it.
/// - `LIENZO_PROGRESS_INTERVAL` (2 s): fastest rate at which step k/n is written back.
/// - `LIENZO_PREVIEW_INTERVAL` (3 s, 0 = off): fastest rate of live previews (a small
///   picture of the image forming, shown in the chat); they never take more than 2 % of
///   the render's time.
/// - `LIENZO_SHUTDOWN_GRACE` (60 s): on SIGTERM, how long the current batch may finish
///   before its jobs are released back to the queue.
/// - `LIENZO_RETRY_BASE` (10 s): backoff after a failed attempt, doubled per attempt.
/// - `LIENZO_NSFW_POLICY` (block): what happens to an image the safety checker flags —
///   `block` (never stored or sent; the user is told), `spoiler` (sent behind Telegram's
///   spoiler) or `allow`. A chat's row in `chat_nsfw_policies` wins.
/// - `LIENZO_AUTO_BAN_AFTER` (0 = off): ban a user whose blocked images in 24 hours reach this.
/// - `LIENZO_PRECISION` (bfloat16 where the CPU has AVX512-BF16, else float32): how the
///   text encoder, U-Net and VAE multiply.
public struct RenderConfiguration: Sendable {
    public var maxBatch = 4
    public var maxBatchPixels = 4 * 512 * 512
    public var gatherWindow: Duration = .milliseconds(250)
    public var leaseSeconds: Double = 120
    public var progressInterval: Duration = .seconds(2)
    public var previewInterval: Duration = .seconds(3)
    public var shutdownGrace: Duration = .seconds(60)
    public var pollInterval: Duration = .seconds(5)
    public var retry = RetryPolicy(baseSeconds: 10, capSeconds: 600)
    public var precision = ComputePrecision.fastest
    public var nsfwPolicy = NSFWPolicy.block
    public var autoBanAfter = 0
    /// Identifies this process in `lease_owner` (host, pid and a random suffix).
    public var owner: String

    public init(owner: String = RenderConfiguration.defaultOwner()) {
        self.owner = owner
    }

    public init(environment: Environment) throws {
        self.init()
        maxBatch = try environment.int("LIENZO_MAX_BATCH", default: maxBatch, in: 1...64)
        maxBatchPixels = try environment.int("LIENZO_MAX_BATCH_PIXELS", default: maxBatchPixels, in: 64 * 64...(1 << 26))
        gatherWindow = try environment.seconds("LIENZO_GATHER_WINDOW", default: 0.25)
        leaseSeconds = Double(try environment.seconds("LIENZO_RENDER_LEASE", default: 120).components.seconds)
        progressInterval = try environment.seconds("LIENZO_PROGRESS_INTERVAL", default: 2)
        previewInterval = try environment.seconds("LIENZO_PREVIEW_INTERVAL", default: 3)
        shutdownGrace = try environment.seconds("LIENZO_SHUTDOWN_GRACE", default: 60)
        retry = RetryPolicy(baseSeconds: Double(try environment.seconds("LIENZO_RETRY_BASE", default: 10).components.seconds))
        guard leaseSeconds >= 3 else { throw ConfigurationError("LIENZO_RENDER_LEASE must be at least 3 seconds") }
        if let value = environment["LIENZO_NSFW_POLICY"] {
            guard let policy = NSFWPolicy(rawValue: value) else {
                throw ConfigurationError("LIENZO_NSFW_POLICY must be block, spoiler or allow, not '\(value)'")
            }
            nsfwPolicy = policy
        }
        autoBanAfter = try environment.int("LIENZO_AUTO_BAN_AFTER", default: 0, in: 0...1_000_000)
        if let value = environment["LIENZO_PRECISION"] {
            guard let chosen = ComputePrecision(rawValue: value) else {
                throw ConfigurationError("LIENZO_PRECISION must be float32 or bfloat16, not '\(value)'")
            }
            guard chosen.isSupported else {
                throw ConfigurationError("LIENZO_PRECISION=bfloat16 needs a CPU with AVX512-BF16, which this one lacks; use float32")
            }
            precision = chosen
        }
    }

    public static func defaultOwner() -> String {
        let host = ProcessInfo.processInfo.hostName
        return "renderer@\(host):\(ProcessInfo.processInfo.processIdentifier):\(UInt16.random(in: 0...UInt16.max))"
    }
}
