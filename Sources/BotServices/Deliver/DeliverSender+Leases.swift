import Logging
import Runtime
import Schema
import Telegram

/// Holding a row while it is sent, and recording how the send ended.
///
/// A row's lease can run out between its claim and the record of its send: while it waits
/// behind its chat, during a slow send, or while the database is away (an immediate
/// restart of PostgreSQL outlasts a short lease, and each connection comes back only at
/// its next reconnection attempt). The rescuer then hands the row back and it is claimed
/// again, by this Deliver (queued behind the chat the first send still holds) or another.
/// Two rules keep such a row from going out twice:
/// - a send starts only once the database said the row is still this slot's, its lease
///   renewed for a whole term so that it does not run out mid-send (`attempt(holding:)`);
/// - a send Telegram confirmed is recorded however long the database stays away
///   (`record`), and whatever happened to the lease meanwhile (`recordDelivered`,
///   `recordSent`), so whoever holds the row now finds it sent when it checks its lease.
extension DeliverSender {
    /// The lease a send goes out under.
    enum HeldLease {
        case photo(JobQueue.Lease)
        case outbox(JobQueue.ClaimedOutbox)
    }

    /// `attempt`, once the lease is confirmed and renewed; `.leaseLost`, with nothing sent,
    /// when it was lost. Waits for the database while it is away: without its answer, a
    /// send could be a second one.
    func attempt(
        holding lease: HeldLease, _ item: inout DeliverItem, allowMigration: Bool = true,
        _ body: (Int64, ReplyParameters?) async throws -> Message
    ) async -> SendAttempt {
        let renewed = await retrying("renewing a lease") {
            switch lease {
            case .photo(let lease): return try await queue.renewDeliveryLease(lease, seconds: configuration.leaseSeconds)
            case .outbox(let claimed): return try await queue.renewOutboxLease(claimed, seconds: configuration.leaseSeconds)
            }
        }
        guard renewed == true else {
            // nil: an error retrying cannot fix, already logged; the lease runs out and the
            // rescuer hands the row back.
            if renewed == false { logger.info("lease lost before the send; the row's new holder sends it", metadata: lease.metadata) }
            return .leaseLost
        }
        return await attempt(&item, allowMigration: allowMigration, body)
    }

    /// Records a photo Telegram confirmed: with the photos other slots confirm meanwhile,
    /// under its lease, or, when the lease was lost meanwhile, delivered all the same. The
    /// job's latencies go to the metrics once it is recorded.
    func recordDelivered(_ lease: JobQueue.Lease, telegramMessageID: Int64?) async {
        switch await record("delivered photo", { try await finishDelivery(lease, telegramMessageID: telegramMessageID) }) {
        case let finished??:
            DeliverMetrics.delivered(finished)
            return
        case nil: return  // `record` logged why
        case .some(nil): break  // the lease was lost meanwhile
        }
        let recovered = await record("delivered photo") {
            try await queue.finishDeliveryWithoutLease(lease, telegramMessageID: telegramMessageID, keepImage: configuration.keepImages)
        }
        if let finished = recovered ?? nil { DeliverMetrics.delivered(finished) }
        logLateRecord(recovered.map { $0 != nil }, HeldLease.photo(lease).metadata)
    }

    /// Records a message Telegram confirmed, like `recordDelivered`; `also` runs in the same
    /// transaction.
    func recordSent(
        _ claimed: JobQueue.ClaimedOutbox, telegramMessageID: Int64?,
        also: (PostgresConnection) async throws -> Void = { _ in }
    ) async {
        let recovered = await record("sent message") {
            try await connection.transaction { connection -> Bool? in
                let queue = JobQueue(connection)
                var recovered: Bool?
                let finished = try await queue.finishOutbox(claimed, telegramMessageID: telegramMessageID)
                if !finished {
                    recovered = try await queue.finishOutboxWithoutLease(claimed, telegramMessageID: telegramMessageID)
                }
                try await also(connection)
                return recovered
            }
        }
        if let recovered { logLateRecord(recovered, HeldLease.outbox(claimed).metadata) }
    }

    /// Tells of a confirmed send its lease no longer covered when it was recorded.
    private func logLateRecord(_ recovered: Bool?, _ metadata: Logger.Metadata) {
        switch recovered {
        case true?: logger.warning("the lease ran out before the send was recorded; recorded all the same", metadata: metadata)
        // A first try that committed just before its connection broke, or (after a failure
        // the database counted) a send of the row's next holder.
        case false?: logger.info("the send was recorded already", metadata: metadata)
        case nil: break  // `record` logged why
        }
    }

    /// Marks a photo delivered, in one statement with the photos other slots confirm
    /// meanwhile; nil when the lease was lost.
    private func finishDelivery(_ lease: JobQueue.Lease, telegramMessageID: Int64?) async throws -> JobLatency? {
        try await deliveredPhotos.submit((lease, telegramMessageID)) { [queue, keepImages = configuration.keepImages] photos in
            let finished = try await queue.finishDeliveriesWithLatency(photos, keepImages: keepImages)
            let byID = Dictionary(finished.map { ($0.jobID, $0) }) { first, _ in first }
            return photos.map { byID[$0.lease.jobID] }
        }
    }

    /// Runs database bookkeeping after a send; see `retrying`. Nil when it could not.
    @discardableResult
    func record<T>(_ what: String, _ body: () async throws -> T) async -> T? {
        await retrying("recording \(what)", body)
    }

    /// Runs `body` until the database answers, retrying while the connection is away, for
    /// as long as that takes: a send Telegram confirmed but the database never heard of
    /// would be sent again once its lease ran out, and so would a row sent without an
    /// answer on its lease. Nil after an error retrying cannot fix, or when the task is
    /// cancelled (the stage is stopping at once).
    func retrying<T>(_ doing: String, _ body: () async throws -> T) async -> T? {
        var backoff = Backoff(initial: .milliseconds(100), max: .seconds(2))
        while true {
            do {
                return try await body()
            } catch let error as PostgresError where error.isConnectionProblem && !Task.isCancelled {
                logger.warning("database unavailable while \(doing); retrying", metadata: [LogKey.error: "\(error)"])
            } catch {
                logger.error("could not finish \(doing)", metadata: [LogKey.error: "\(error)"])
                return nil
            }
            do {
                try await Task.sleep(for: backoff.next())
            } catch {
                logger.error("stopped before \(doing) succeeded", metadata: [LogKey.error: "\(error)"])
                return nil
            }
        }
    }
}

extension DeliverSender.HeldLease {
    var metadata: Logger.Metadata {
        switch self {
        case .photo(let lease): [LogKey.jobID: "\(lease.jobID)", "lienzo_attempt": "\(lease.attempt)"]
        case .outbox(let claimed): ["lienzo_outbox_id": "\(claimed.id)", "lienzo_attempt": "\(claimed.attempt)"]
        }
    }
}
