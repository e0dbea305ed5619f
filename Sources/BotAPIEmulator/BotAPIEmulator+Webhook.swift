import Foundation

/// Webhook delivery, as Telegram does it: while a webhook is set, the oldest pending
/// update is POSTed to it; a 200 confirms it, anything else (another status, a refused
/// or dropped connection, no answer within `timeout`) leaves it pending and is tried
/// again after `webhookRetryDelay`. One update at a time, in order.
extension BotAPIEmulator {
    /// How long a failed delivery waits before the next try (Telegram waits longer).
    public func setWebhookRetryDelay(_ delay: Duration) {
        withState { $0.webhookRetryDelay = delay }
    }

    /// Every delivery attempt so far, oldest first.
    public var webhookDeliveries: [WebhookDelivery] { snapshot.webhookDeliveries }

    /// The registered webhook's URL; nil while updates wait for `getUpdates`.
    public var webhookURL: String? { snapshot.webhookURL }

    /// Starts the delivery thread at the first `setWebhook` (an emulator that never sees
    /// one has none; the thread ends at `stop()`).
    func startWebhookDeliveriesOnce() {
        let first = withState { state in
            defer { state.webhookDeliveryStarted = true }
            return !state.webhookDeliveryStarted
        }
        guard first else { return }
        let thread = Thread { [self] in deliverWebhookUpdates() }
        thread.name = "BotAPIEmulator.webhook"
        thread.start()
    }

    private func deliverWebhookUpdates() {
        while true {
            condition.lock()
            while !stopping && (state.webhook == nil || state.updates.isEmpty) { condition.wait() }
            guard !stopping, let webhook = state.webhook, let update = state.updates.first else {
                condition.unlock()
                return
            }
            let retryDelay = state.webhookRetryDelay
            condition.unlock()

            let (status, error) = WebhookPoster.post(
                url: webhook.url, body: update.json.serialized(), secretToken: webhook.secretToken, timeout: .seconds(10))
            withState { state in
                state.webhookDeliveries.append(WebhookDelivery(updateID: update.updateID, status: status, secretToken: webhook.secretToken))
                if status == 200 {
                    state.updates.removeAll { $0.updateID == update.updateID }
                    state.confirmedUpdateID = max(state.confirmedUpdateID ?? update.updateID, update.updateID)
                } else {
                    state.lastWebhookError = (state.now, error ?? "status \(status)")
                }
            }
            if status != 200 { Thread.sleep(forTimeInterval: retryDelay.seconds) }
        }
    }
}
