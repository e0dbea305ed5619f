import Logging
import Runtime
import Schema
import ServiceLifecycle

/// The loop of the background chores any stage runs (rescuing expired leases, retention):
/// `body` every `interval` (± 25 % jitter) until a graceful shutdown, which also ends the
/// pause at once. A lost connection is waited out and any other error logged as `failure`;
/// the next round tries again, since a chore must not take its stage down.
func runPeriodically(
    _ connection: PostgresConnection, every interval: Duration, logger: Logger, failure: String,
    _ body: () async throws -> Void
) async {
    let waiter = QueueWaiter(connection: connection, pollInterval: interval, jitter: 0.25)
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
        do {
            try await body()
        } catch let error as PostgresError where error.isConnectionProblem {
            logger.warning("database connection lost; reconnecting", metadata: [LogKey.error: "\(error)"])
        } catch is CancellationError {
            break
        } catch {
            logger.error("\(failure); trying again", metadata: [LogKey.error: "\(error)"])
        }
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: waiter.nextTimeout()) }
    }
}
