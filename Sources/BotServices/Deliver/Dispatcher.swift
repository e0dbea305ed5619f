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

    var queued: [Int64: [DeliverItem]] = [:]
    var busyChats: Set<Int64> = []
    var freeSenders: [Int]
    var held = 0
    var statusJobs: Set<Int64> = []
    var pacer: SendPacer
    let start = ContinuousClock.now
    var nextClaim = 0.0
    var nextStatus = 0.0
    var nextRescue = 0.0
    var claimAgain = true

    init(service: DeliverService, queue: JobQueue) {
        self.service = service
        self.queue = queue
        freeSenders = Array(service.senders.indices)
        pacer = SendPacer(globalRate: service.configuration.globalRate, chatInterval: service.configuration.chatInterval,
                          groupInterval: service.configuration.groupInterval)
    }

    var now: Double { (ContinuousClock.now - start).seconds }

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
    func nextWake() -> Double {
        var next = min(nextClaim, nextStatus, nextRescue)
        if freeSenders.isEmpty { return next }
        for (chat, items) in queued where !items.isEmpty && !busyChats.contains(chat) {
            next = min(next, pacer.readyAt(chat: chat))
        }
        return next
    }

    // MARK: Sending

    mutating func dispatch(group: inout DiscardingTaskGroup, wake: WakeSignal, mailbox: Mailbox<DeliverService.Finished>) {
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

    mutating func settle(_ finished: DeliverService.Finished) async {
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

    func failUndeliverable(_ item: DeliverItem) async {
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
}
