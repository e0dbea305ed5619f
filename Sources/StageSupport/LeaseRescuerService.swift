import Logging
import Runtime
import Schema
import ServiceLifecycle

/// Returns expired leases to their queue every `interval` (± jitter). Any stage may run
/// it — rescuing is idempotent and takes rows with SKIP LOCKED — so a killed Renderer's
/// jobs come back even while only Deliver is up.
public struct LeaseRescuerService: Service {
    let queue: JobQueue
    let interval: Duration
    let logger: Logger

    public init(queue: JobQueue, interval: Duration = .seconds(10), logger: Logger) {
        self.queue = queue
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await runPeriodically(queue.connection, every: interval, logger: logger, failure: "could not rescue expired leases") {
            for rescued in try await queue.rescueExpiredLeases() {
                logger.warning("lease expired", metadata: [
                    LogKey.jobID: "\(rescued.id)", "lienzo_table": "\(rescued.table)",
                    "lienzo_new_state": "\(rescued.newState)",
                ])
            }
        }
    }
}
