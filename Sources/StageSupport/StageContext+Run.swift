import Logging
import ServiceLifecycle
import UnixSignals

extension StageContext {
    /// Runs `services` until they end or a signal arrives. The first SIGTERM or SIGINT
    /// starts a graceful shutdown (services stop taking work and finish or hand back
    /// what they hold); a second one cancels them, which means "release now".
    public func run(_ services: [any Service]) async throws {
        let group = ServiceGroup(configuration: .init(
            services: services.map { .init(service: $0) }, gracefulShutdownSignals: [], cancellationSignals: [],
            logger: logger))
        let logger = self.logger
        let signals = await UnixSignalsSequence(trapping: .sigterm, .sigint)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            tasks.addTask {
                var received = 0
                for await signal in signals {
                    received += 1
                    if received == 1 {
                        logger.info("shutting down gracefully; signal again to stop at once", metadata: ["lienzo_signal": "\(signal)"])
                        await group.triggerGracefulShutdown()
                    } else {
                        logger.warning("stopping at once", metadata: ["lienzo_signal": "\(signal)"])
                        throw StopNow()
                    }
                }
            }
            do {
                // Whichever ends first: the services (normally after a graceful shutdown) or a second signal.
                try await tasks.next()
            } catch is StopNow {
                // Cancelling the group below cancels every service.
            }
            tasks.cancelAll()
        }
    }
}

private struct StopNow: Error {}
