import Bot
import Foundation
import Logging
import Runtime
import Schema

/// The dispatcher's state, touched only by its loop: per-chat queues, busy chats, free
/// senders, the pacer and the timers.
struct Dispatcher {
    let service: DeliverService
    let queue: JobQueue
    var configuration: DeliverConfiguration { service.configuration }
    var logger: Logger { service.logger }

    private var queued: [Int64: [DeliverItem]] = [:]
    private var busyChats: Set<Int64> = []
    private var freeSenders: [Int]
    private var held = 0
    private var statusJobs: Set<Int64> = []
    private var pacer: SendPacer
    private let start = ContinuousClock.now
    private var nextClaim = 0.0
    private var nextStatus = 0.0
    private var nextRescue = 0.0
    private var claimAgain = true

    init(service: DeliverService, queue: JobQueue) {
        self.service = service
        self.queue = queue
        freeSenders = Array(service.senders.indices)
        pacer = SendPacer(globalRate: service.configuration.globalRate, chatInterval: service.configuration.chatInterval,
                          groupInterval: service.configuration.groupInterval)
    }

    private var now: Double { (ContinuousClock.now - start).seconds }

    mutating func loop(
        group: inout DiscardingTaskGroup, wake: WakeSignal, claimWanted: Flag, stop: Flag,
        mailbox: Mailbox<DeliverService.Finished>
    ) async {
        while !stop.isRaised && !Task.isCancelled {
            for finished in mailbox.drain() { await settle(finished) }
            if claimWanted.take() { claimAgain = true }
            let time = now
            // After a send, claim again only once half the room is free (or nothing is left
            // to send), so claims come in batches rather than one per message.
            let wantClaim = time >= nextClaim || (claimAgain && (held <= configuration.maxInFlight / 2 || queued.isEmpty))
            if held < configuration.maxInFlight && wantClaim {
                if claimAgain { claimAgain = false }
                await claim()
                nextClaim = now + configuration.pollInterval.jittered().seconds
            }
            if time >= nextStatus {
                await claimStatusEdits()
                nextStatus = now + min(1, configuration.statusInterval)
            }
            if time >= nextRescue {
                await rescue()
                nextRescue = now + configuration.rescueInterval.seconds
            }
            dispatch(group: &group, wake: wake, mailbox: mailbox)
            await wake.wait(timeout: .seconds(max(0.001, nextWake() - now)))
        }
        await shutDown(mailbox: mailbox)
    }

    /// The next moment something is due: a claim, a status round, a rescue, or a queued
    /// chat whose pacing ends.
    private func nextWake() -> Double {
        var next = min(nextClaim, nextStatus, nextRescue)
        if freeSenders.isEmpty { return next }
        for (chat, items) in queued where !items.isEmpty && !busyChats.contains(chat) {
            next = min(next, pacer.readyAt(chat: chat))
        }
        return next
    }

    // MARK: Claiming

    private mutating func claim() async {
        let room = configuration.maxInFlight - held
        guard room > 0 else { return }
        do {
            var items = try await queue.claimOutbox(owner: service.owner, limit: room, leaseSeconds: configuration.leaseSeconds)
                .map { DeliverItem(.outbox($0)) }
            if room - items.count > 0 {
                items += try await queue.claimDeliveries(
                    owner: service.owner, limit: room - items.count, leaseSeconds: configuration.leaseSeconds
                ).map { DeliverItem(.photo($0)) }
            }
            guard !items.isEmpty else { return }
            let notes = try await service.connection.chatNotes(Array(Set(items.map(\.chatID))))
            for var item in items {
                if let target = notes[item.chatID]?.migratedTo { item.migrate(to: target) }
                if notes[item.chatID]?.undeliverable == true {
                    await failUndeliverable(item)
                    continue
                }
                enqueue(item)
            }
            // A full claim suggests more is waiting.
            if items.count >= room { claimAgain = true }
        } catch {
            logger.warning("claim failed", metadata: [LogKey.error: "\(error)"])
        }
    }

    private mutating func claimStatusEdits() async {
        do {
            // Progress edits may take at most half of the room, so they never crowd out photos.
            let room = configuration.maxInFlight / 2 - statusJobs.count
            guard room > 0 else { return }
            let due = try await service.connection.statusUpdatesDue(throttleSeconds: configuration.statusInterval, limit: room)
            for status in due where !statusJobs.contains(status.jobID) {
                statusJobs.insert(status.jobID)
                enqueue(DeliverItem(.status(status)))
            }
        } catch {
            logger.warning("status query failed", metadata: [LogKey.error: "\(error)"])
        }
    }

    private mutating func rescue() async {
        do {
            let rescued = try await queue.rescueExpiredLeases()
            if !rescued.isEmpty {
                logger.info("rescued expired leases", metadata: ["lienzo_rescued": "\(rescued.count)"])
                claimAgain = true
            }
        } catch {
            logger.warning("rescue failed", metadata: [LogKey.error: "\(error)"])
        }
    }

    private mutating func enqueue(_ item: DeliverItem, first: Bool = false) {
        if first {
            queued[item.chatID, default: []].insert(item, at: 0)
        } else {
            queued[item.chatID, default: []].append(item)
        }
        held += 1
    }

    // MARK: Sending

    private mutating func dispatch(group: inout DiscardingTaskGroup, wake: WakeSignal, mailbox: Mailbox<DeliverService.Finished>) {
        let time = now
        while let sender = freeSenders.last {
            // Among chats allowed to send now: messages and photos before progress edits,
            // then the chat that has waited longest.
            var best: (chat: Int64, rank: Int, readyAt: Double)?
            for (chat, items) in queued where !busyChats.contains(chat) {
                guard let head = items.first else { continue }
                let readyAt = pacer.readyAt(chat: chat)
                guard readyAt <= time else { continue }
                let rank = head.isStatusEdit ? 1 : 0
                if let current = best, (current.rank, current.readyAt) <= (rank, readyAt) { continue }
                best = (chat, rank, readyAt)
            }
            guard let chat = best?.chat, var items = queued[chat], !items.isEmpty else { return }
            let item = items.removeFirst()
            queued[chat] = items.isEmpty ? nil : items
            freeSenders.removeLast()
            busyChats.insert(chat)
            pacer.sent(chat: chat, at: time)
            let worker = service.senders[sender]
            group.addTask {
                let outcome = await worker.send(item)
                mailbox.post(DeliverService.Finished(sender: sender, item: item, outcome: outcome))
                wake.signal()
            }
        }
    }

    private mutating func settle(_ finished: DeliverService.Finished) async {
        freeSenders.append(finished.sender)
        busyChats.remove(finished.item.chatID)
        held -= 1
        if case .status(let due) = finished.item.work { statusJobs.remove(due.jobID) }
        switch finished.outcome {
        case .finished:
            // The chat's next outbox row may be due now.
            claimAgain = true
        case .tooManyRequests(let retryAfter):
            pacer.tooManyRequests(chat: finished.item.chatID, retryAfter: retryAfter, at: now)
            logger.debug("429", metadata: [LogKey.chatID: "\(finished.item.chatID)", "lienzo_retry_after": "\(retryAfter)"])
            if case .status = finished.item.work { return }
            if retryAfter <= configuration.maxHold {
                enqueue(finished.item, first: true)
            } else {
                await release([finished.item], delaySeconds: retryAfter)
            }
        case .chatUndeliverable:
            // Queued work for the chat fails now; later claims see the mark in telegram_chats
            // (until the user writes again).
            let chat = finished.item.chatID
            let dropped = queued.removeValue(forKey: chat) ?? []
            held -= dropped.count
            for item in dropped { await failUndeliverable(item) }
        }
    }

    private func failUndeliverable(_ item: DeliverItem) async {
        let reason = "chat undeliverable"
        do {
            switch item.work {
            case .outbox(let claimed): _ = try await queue.failOutbox(claimed, error: reason, retryable: false)
            case .photo(let delivery): _ = try await queue.failDelivery(delivery.lease, error: reason, retryable: false)
            case .status(let due): try await service.connection.setStatusShown(jobID: due.jobID, key: due.key, final: true)
            }
        } catch {
            logger.warning("could not fail an undeliverable row", metadata: [LogKey.error: "\(error)"])
        }
    }

    /// Hands rows back to the database without spending an attempt.
    private func release(_ items: [DeliverItem], delaySeconds: Double) async {
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

    private mutating func shutDown(mailbox: Mailbox<DeliverService.Finished>) async {
        let unsent = queued.values.flatMap { $0 }
        queued.removeAll()
        await release(unsent, delaySeconds: 0)
        logger.info("released unsent rows", metadata: ["lienzo_released": "\(unsent.count)"])
        // Sends in flight finish on their own; the task group waits for them.
    }
}
