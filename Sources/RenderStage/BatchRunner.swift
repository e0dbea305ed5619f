import Foundation
import Logging
import Runtime
import Schema

/// Runs one claimed micro-batch to the end: rejects what the engine can never run,
/// renders the rest on a thread of its own while a heartbeat renews the leases and
/// writes progress, then stores the PNGs — or, when the batch fails, renders each job
/// alone so that one bad job fails by itself instead of sinking the batch.
struct BatchRunner: Sendable {
    let engine: any RenderEngine
    let queue: JobQueue
    let configuration: RenderConfiguration
    let logger: Logger
    let metrics: RenderMetrics
    let shutdown: ShutdownClock
    /// The engine is CPU-bound for minutes: it must not hold a cooperative thread.
    let renderThread = BlockingExecutor(name: "render")

    func run(_ jobs: [JobQueue.ClaimedJob]) async throws {
        var runnable: [JobQueue.ClaimedJob] = []
        for job in jobs {
            do {
                try engine.validate(job.request)
                runnable.append(job)
            } catch {
                logger.notice("job rejected", metadata: [LogKey.jobID: "\(job.lease.jobID)", LogKey.error: "\(error)"])
                metrics.failure(reason: "rejected")
                _ = try await queue.failRender(job.lease, error: "\(error)", retryable: false, policy: configuration.retry)
            }
        }
        guard !runnable.isEmpty else { return }
        metrics.batch(size: runnable.count)

        switch await render(runnable) {
        case .success(let images):
            try await finish(runnable, images)
        case .failure(let error as BatchControl.StopReason):
            try await stopped(runnable, error)
        case .failure(let error) where runnable.count > 1:
            logger.warning("batch failed; rendering its jobs one by one", metadata: [LogKey.error: "\(error)"])
            for job in runnable {
                if Task.isShuttingDownGracefully && shutdown.graceOver(configuration.shutdownGrace) {
                    try await stopped([job], .release)
                    continue
                }
                switch await render([job]) {
                case .success(let images): try await finish([job], images)
                case .failure(let error as BatchControl.StopReason): try await stopped([job], error)
                case .failure(let error): try await fail(job, error)
                }
            }
        case .failure(let error):
            if let job = runnable.first { try await fail(job, error) }
        }
    }

    /// Renders on the render thread; a heartbeat task renews leases and writes progress meanwhile.
    private func render(_ jobs: [JobQueue.ClaimedJob]) async -> Result<[RenderedImage], any Error> {
        let control = BatchControl()
        let leases = jobs.map(\.lease)
        // Previews come before the check: where a flagged image would not be shown openly,
        // they are shown behind a spoiler.
        let (checked, policy) = (engine.checksImages, configuration.nsfwPolicy)
        let spoilers = jobs.map { job in checked && (job.chatNSFWPolicy ?? policy) != .allow }
        let heartbeat = Task { await beat(leases, spoilers: spoilers, control) }
        defer { heartbeat.cancel() }
        let requests = jobs.map(\.request)
        let (engine, shutdown, grace, previewInterval) = (engine, shutdown, configuration.shutdownGrace, configuration.previewInterval)
        let started = ContinuousClock.now
        let result = await withTaskCancellationHandler {
            do {
                let images = try await renderThread.run {
                    var pacer = PreviewPacer(interval: previewInterval)
                    return try engine.render(requests) { progress in
                        if shutdown.graceOver(grace) { control.stop(.release) }
                        try control.report(step: progress.step)
                        if let previews = progress.previews, pacer.isDue(step: progress.step, of: progress.totalSteps) {
                            let began = ContinuousClock.now
                            // A preview that cannot be drawn is skipped; the render goes on.
                            if let pngs = try? previews(), pngs.count == requests.count {
                                control.offer(previews: pngs, step: progress.step)
                            }
                            pacer.made(cost: ContinuousClock.now - began)
                        }
                    }
                }
                guard images.count == requests.count else {
                    return Result<[RenderedImage], any Error>.failure(RenderRejection("the engine returned \(images.count) images for \(requests.count) prompts"))
                }
                return .success(images)
            } catch {
                return .failure(control.stopped ?? error)
            }
        } onCancel: {
            control.stop(.release)
        }
        if case .success = result, let steps = requests.first?.steps {
            metrics.rendered(count: requests.count, seconds: ContinuousClock.now - started, steps: steps)
        }
        return result
    }

    /// Every third of the lease (and at most every progress interval): renew the leases,
    /// write the step reached and the newest previews. When none is owned any more, stop
    /// the render.
    private func beat(_ leases: [JobQueue.Lease], spoilers: [Bool], _ control: BatchControl) async {
        let interval = min(configuration.progressInterval, .milliseconds(Int64(configuration.leaseSeconds * 1000 / 3)))
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            if Task.isCancelled { return }
            do {
                let owned = try await queue.extendRenderLeases(leases, leaseSeconds: configuration.leaseSeconds, step: control.currentStep)
                if owned.isEmpty {
                    logger.notice("every lease of the batch was lost; stopping it")
                    control.stop(.leasesLost)
                    return
                }
                if let preview = control.takePreviews() {
                    try await queue.storePreviews(zip(leases, preview.pngs).map { ($0, $1) }, step: preview.step, spoiler: spoilers)
                }
            } catch {
                logger.warning("heartbeat failed", metadata: [LogKey.error: "\(error)"])
            }
        }
    }

    /// Stores the images, except flagged ones their policy blocks (the chat's own, else the
    /// Renderer's): those jobs fail with a notice and keep only the image's hash.
    private func finish(_ jobs: [JobQueue.ClaimedJob], _ images: [RenderedImage]) async throws {
        let results = zip(jobs, images).map { job, image in
            JobQueue.RenderResult(lease: job.lease, png: image.png, safety: image.safety,
                                  policy: job.chatNSFWPolicy ?? configuration.nsfwPolicy)
        }
        let blocked = results.filter(\.isBlocked)
        let rendered = try await queue.finishRendersWithLatency(results.filter { !$0.isBlocked })
        metrics.rendered(rendered)
        var finished = Set(rendered.map(\.jobID))
        if !blocked.isEmpty {
            let done = try await queue.blockRenders(blocked, autoBanAfter: configuration.autoBanAfter)
            logger.notice("images blocked by the safety checker", metadata: ["lienzo_jobs": "\(done.sorted())"])
            finished.formUnion(done)
        }
        for result in results where result.safety?.nsfw == true && finished.contains(result.lease.jobID) {
            metrics.flagged(action: result.isBlocked ? "blocked" : result.policy == .spoiler ? "spoiler" : "allowed")
        }
        for job in jobs where !finished.contains(job.lease.jobID) {
            logger.notice("lease lost before finishing; result dropped", metadata: [LogKey.jobID: "\(job.lease.jobID)"])
        }
        logger.info("rendered", metadata: ["lienzo_jobs": "\(jobs.map(\.lease.jobID))"])
    }

    private func stopped(_ jobs: [JobQueue.ClaimedJob], _ reason: BatchControl.StopReason) async throws {
        guard reason == .release else { return }
        let released = try await queue.releaseRender(jobs.map(\.lease))
        logger.info("released to the queue", metadata: ["lienzo_jobs": "\(released)"])
    }

    private func fail(_ job: JobQueue.ClaimedJob, _ error: any Error) async throws {
        let retryable = !(error is RenderRejection)
        metrics.failure(reason: retryable ? "error" : "rejected")
        let state = try await queue.failRender(job.lease, error: "\(error)", retryable: retryable, policy: configuration.retry)
        logger.warning("render failed", metadata: [
            LogKey.jobID: "\(job.lease.jobID)", LogKey.error: "\(error)", "lienzo_new_state": "\(state.map(\.rawValue) ?? "not owned")",
        ])
    }
}
