import Foundation

/// Shared between a batch's render thread, its heartbeat and the service: progress to
/// report, and whether the render must stop (every lease lost, shutdown grace over,
/// or a second signal). The engine's progress callback reads it from its own thread.
final class BatchControl: @unchecked Sendable {
    enum StopReason: Error, Equatable {
        /// Every job was rescued or cancelled meanwhile: nothing left to render for.
        case leasesLost
        /// Shutdown: hand the jobs back to the queue (the attempt is not spent).
        case release
    }

    private let lock = NSLock()
    private var step = 0
    private var stopReason: StopReason?

    private var preview: (step: Int, pngs: [Data])?

    var currentStep: Int { lock.withLock { step } }

    /// The render thread's newest previews, one per job, for the heartbeat to store.
    func offer(previews pngs: [Data], step: Int) {
        lock.withLock { preview = (step, pngs) }
    }

    /// The previews not stored yet, if any (each is stored once).
    func takePreviews() -> (step: Int, pngs: [Data])? {
        lock.withLock {
            defer { preview = nil }
            return preview
        }
    }

    func stop(_ reason: StopReason) {
        lock.withLock { if stopReason == nil { stopReason = reason } }
    }

    var stopped: StopReason? { lock.withLock { stopReason } }

    /// The engine's progress callback: records the step, and throws to stop the render.
    func report(step: Int) throws {
        let reason = lock.withLock { () -> StopReason? in
            self.step = max(self.step, step)
            return stopReason
        }
        if let reason { throw reason }
    }
}
