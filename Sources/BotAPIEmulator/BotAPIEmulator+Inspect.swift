import Foundation

extension BotAPIEmulator {
    public var snapshot: EmulatorSnapshot { withState { _ in makeSnapshot() } }

    public var sentMessages: [SentMessage] { snapshot.sentMessages }

    public func sentMessages(inChat chatID: Int64) -> [SentMessage] { snapshot.sentMessages(inChat: chatID) }

    public func visibleSentMessages(inChat chatID: Int64) -> [SentMessage] { snapshot.visibleSentMessages(inChat: chatID) }

    public var callbackAnswers: [CallbackAnswer] { snapshot.callbackAnswers }

    public var requests: [RecordedRequest] { snapshot.requests }

    public func requests(method: String) -> [RecordedRequest] { snapshot.requests(method: method) }

    /// Waits, without polling, until `predicate` holds for the emulator's state or
    /// `timeout` passes. Returns whether it held.
    public func waitUntil(
        timeout: Duration = .seconds(10), _ predicate: @escaping @Sendable (EmulatorSnapshot) -> Bool
    ) async -> Bool {
        let id = UUID()
        return await withCheckedContinuation { continuation in
            condition.lock()
            if predicate(makeSnapshot()) {
                condition.unlock()
                continuation.resume(returning: true)
                return
            }
            waiters[id] = Waiter(predicate: predicate, continuation: continuation)
            condition.unlock()
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                self?.expireWaiter(id)
            }
        }
    }

    /// Must be called with the lock held, after every change.
    func resolveWaiters() {
        guard !waiters.isEmpty else { return }
        let snapshot = makeSnapshot()
        for (id, waiter) in waiters where waiter.predicate(snapshot) {
            waiters.removeValue(forKey: id)
            waiter.continuation.resume(returning: true)
        }
    }

    private func expireWaiter(_ id: UUID) {
        condition.lock()
        let waiter = waiters.removeValue(forKey: id)
        condition.unlock()
        waiter?.continuation.resume(returning: false)
    }

    /// Must be called with the lock held.
    func makeSnapshot() -> EmulatorSnapshot {
        EmulatorSnapshot(
            sentMessages: state.sent, callbackAnswers: state.callbackAnswers, chatActions: state.chatActions,
            requests: state.requests, pendingUpdateCount: state.updates.count,
            confirmedUpdateID: state.confirmedUpdateID, commands: state.commands,
            webhookDeletions: state.webhookDeletions, waitingPolls: state.waitingPolls,
            floodRejections: state.floodRejections, webhookURL: state.webhook?.url,
            webhookDeliveries: state.webhookDeliveries
        )
    }
}
