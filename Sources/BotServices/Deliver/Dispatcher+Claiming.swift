import Bot
import Foundation
import Logging
import Runtime
import Schema

/// Where the dispatcher's work comes from: claims of outbox rows and rendered jobs, due
/// status edits, and the lease rescuer.
extension Dispatcher {
    // MARK: Claiming

    mutating func claim() async {
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

    mutating func claimStatusEdits() async {
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

    mutating func rescue() async {
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

    mutating func enqueue(_ item: DeliverItem, first: Bool = false) {
        if first {
            queued[item.chatID, default: []].insert(item, at: 0)
        } else {
            queued[item.chatID, default: []].append(item)
        }
        held += 1
    }
}
