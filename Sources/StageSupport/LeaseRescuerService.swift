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
        let waiter = QueueWaiter(connection: queue.connection, pollInterval: interval, jitter: 0.25)
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            do {
                for rescued in try await queue.rescueExpiredLeases() {
                    logger.warning("lease expired", metadata: [
                        LogKey.jobID: "\(rescued.id)", "lienzo_table": "\(rescued.table)",
                        "lienzo_new_state": "\(rescued.newState)",
                    ])
                }
            } catch let error as PostgresError where error.isConnectionProblem {
                logger.warning("database connection lost; reconnecting", metadata: [LogKey.error: "\(error)"])
            } catch is CancellationError {
                break
            } catch {
                // A background chore must not take the stage down; the next round tries again.
                logger.error("could not rescue expired leases; trying again", metadata: [LogKey.error: "\(error)"])
            }
            // A graceful shutdown ends the pause at once.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: waiter.nextTimeout()) }
        }
    }
}
