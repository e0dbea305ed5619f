import Foundation
import Logging
import Runtime
import Schema
import ServiceLifecycle

/// The Renderer's main loop: wait for work (NOTIFY, or a jittered poll), give
/// compatible requests a moment to gather, claim one micro-batch of the served model,
/// render it, store the PNGs, repeat. One batch at a time, so it never claims more than
/// it can run. The model stays loaded in `engine` between batches.
///
/// On graceful shutdown it stops claiming; the batch in flight may finish within
/// `shutdownGrace`, after which its jobs are released to the queue. Cancellation
/// (a second signal) releases them at once.
public struct RenderService: Service {
    let engine: any RenderEngine
    let queue: JobQueue
    let listener: PostgresConnection
    let configuration: RenderConfiguration
    let logger: Logger
    let metrics: RenderMetrics

    public init(engine: any RenderEngine, queue: JobQueue, listener: PostgresConnection,
                configuration: RenderConfiguration, logger: Logger, metrics: RenderMetrics = RenderMetrics()) {
        self.engine = engine
        self.queue = queue
        self.listener = listener
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
    }

    public func run() async throws {
        let waiter = try await QueueWaiter.listening(
            on: listener, to: [queue.channels.jobsQueued], pollInterval: configuration.pollInterval)
        let shutdown = ShutdownClock()
        let runner = BatchRunner(engine: engine, queue: queue, configuration: configuration, logger: logger,
                                 metrics: metrics, shutdown: shutdown)
        logger.info("rendering", metadata: ["lienzo_model": "\(engine.model)", LogKey.worker: "\(configuration.owner)"])
        try await withGracefulShutdownHandler {
            var idle = false
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                do {
                    if idle {
                        guard try await wakeForOurModel(waiter) else { continue }
                        try? await Task.sleep(for: configuration.gatherWindow)
                        if Task.isShuttingDownGracefully { break }
                    }
                    let jobs = try await queue.claimRenderBatch(
                        owner: configuration.owner, model: engine.model, limit: configuration.maxBatch,
                        leaseSeconds: configuration.leaseSeconds, maxPixels: configuration.maxBatchPixels)
                    idle = jobs.isEmpty
                    metrics.claimed(jobs)
                    if !jobs.isEmpty { try await runner.run(jobs) }
                } catch let error as PostgresError where error.isConnectionProblem {
                    logger.warning("database connection lost; retrying", metadata: [LogKey.error: "\(error)"])
                    idle = true
                } catch is CancellationError {
                    break
                } catch {
                    // Whatever else the database says, the Renderer stays up and asks again
                    // after a pause: jobs it holds come back through their leases.
                    logger.error("claiming or finishing a batch failed; retrying", metadata: [LogKey.error: "\(error)"])
                    try? await Task.sleep(for: configuration.pollInterval)
                    idle = true
                }
            }
        } onGracefulShutdown: {
            shutdown.begin()
        }
        logger.info("stopped")
    }

    /// Waits for the next wake-up; false when only other models' jobs were announced.
    private func wakeForOurModel(_ waiter: QueueWaiter) async throws -> Bool {
        switch try await waiter.wait(stop: { Task.isShuttingDownGracefully }) {
        case .notified(let notifications):
            return notifications.contains { $0.payload == engine.model }
        case .pollInterval, .connectionLost:
            return true
        }
    }
}

/// When graceful shutdown began, read by the render thread's progress callback.
final class ShutdownClock: @unchecked Sendable {
    private let lock = NSLock()
    private var began: ContinuousClock.Instant?

    func begin() { lock.withLock { if began == nil { began = .now } } }

    func graceOver(_ grace: Duration) -> Bool {
        lock.withLock { began.map { ContinuousClock.now - $0 >= grace } ?? false }
    }
}
