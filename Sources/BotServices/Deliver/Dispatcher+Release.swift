import Bot
import Foundation
import Logging
import Runtime
import Schema

/// Giving rows back: after a long 429, and on shutdown.
extension Dispatcher {
    /// Hands rows back to the database without spending an attempt.
    func release(_ items: [DeliverItem], delaySeconds: Double) async {
        var outbox: [Int64] = []
        var jobs: [Int64] = []
        for item in items {
            switch item.work {
            case .outbox(let claimed): outbox.append(claimed.id)
            case .photo(let delivery): jobs.append(delivery.lease.jobID)
            case .status: break
            }
        }
        do {
            try await service.connection.releaseOutbox(owner: service.owner, ids: outbox, delaySeconds: delaySeconds)
            try await service.connection.releaseDeliveries(owner: service.owner, ids: jobs, delaySeconds: delaySeconds)
        } catch {
            logger.warning("could not release rows; the rescuer will", metadata: [LogKey.error: "\(error)"])
        }
    }

    // MARK: Shutdown

    mutating func shutDown(mailbox: Mailbox<DeliverService.Finished>) async {
        let unsent = queued.values.flatMap { $0 }
        queued.removeAll()
        await release(unsent, delaySeconds: 0)
        logger.info("released unsent rows", metadata: ["lienzo_released": "\(unsent.count)"])
        // Sends in flight finish on their own; the task group waits for them.
    }
}
