import EmbeddedHTTP
import Foundation
import Logging
import Runtime
import Schema
import ServiceLifecycle
import Telegram

/// INGEST_MODE=webhook: Telegram POSTs each update; the receiver checks it and hands it
/// to the one database connection, which handles updates one at a time, in the same
/// transaction as by polling. The answer is 200 only once the update's rows are
/// committed (or it was recorded as failed for good); anything else makes Telegram
/// deliver it again, and a re-delivered update that was committed is a duplicate.
extension IngestService {
    func receiveByWebhook(_ webhook: WebhookConfiguration) async throws {
        let inbox = WebhookInbox()
        let receiver = WebhookReceiver(secret: webhook.secret, inbox: inbox, answerTimeout: webhook.answerTimeout, logger: logger)
        let metrics = self.metrics
        let server: HTTPServer
        do {
            // A few connections beyond Telegram's for a proxy's health checks.
            server = try HTTPServer(
                host: webhook.host, port: UInt16(webhook.port), name: "webhook",
                limits: .init(maxBodyBytes: webhook.maxBodyBytes, maxConnections: webhook.maxConnections + 4, idleTimeout: .seconds(75)),
                observer: { metrics.webhookAnswered(status: $0) }, handler: receiver.handle)
        } catch {
            throw ConfigurationError("webhook: INGEST_WEBHOOK_HOST and INGEST_WEBHOOK_PORT: \(error)")
        }
        // Whatever ends the loop, the updates still waiting get 503: Telegram delivers them again.
        defer {
            inbox.close()
            server.stop()
        }
        logger.info("webhook listening", metadata: ["lienzo_address": "\(webhook.host):\(server.port)"])
        try await cancelWhenGracefulShutdown {
            guard let me = try await startUp() else { return }
            metrics.polled()
            logger.info("receiving updates by webhook", metadata: ["lienzo_bot": "\(me.username ?? "")"])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await watchWebhook(webhook) }
                try await handleWebhookUpdates(inbox, handler: makeHandler(me: me))
                group.cancelAll()
            }
        }
    }

    /// setWebhook with the configured URL and secret. A URL Telegram refuses is a
    /// configuration error, not a reason to retry.
    func register(_ webhook: WebhookConfiguration) async throws {
        do {
            try await client.setWebhook(
                url: webhook.url, secretToken: webhook.secret, allowedUpdates: Self.allowedUpdates,
                maxConnections: webhook.maxConnections)
        } catch let error as TelegramError where error.code == .badRequest {
            throw ConfigurationError("setWebhook refused INGEST_WEBHOOK_URL or its settings: \(error)")
        }
    }

    private func handleWebhookUpdates(_ inbox: WebhookInbox, handler startHandler: UpdateHandler) async throws {
        var handler = startHandler
        var refresh = HandlerRefresh(configuration: configuration)
        var failures: [Int: Int] = [:]
        for await request in inbox.requests {
            await refresh.apply(to: &handler, connection: connection, logger: logger)
            let (status, callbackAnswer) = await handleWebhookUpdate(request.update, handler: handler, failures: &failures)
            inbox.answer(request, status: status)
            if let callbackAnswer { await answerCallback(callbackAnswer, logger: logger) }
        }
    }

    /// 200 once the update is committed, or recorded as failed after
    /// `maxAttemptsPerUpdate` deliveries that failed; 503 while the database is away and
    /// 500 after another error, for Telegram to deliver it again.
    private func handleWebhookUpdate(
        _ update: Update, handler: UpdateHandler, failures: inout [Int: Int]
    ) async -> (status: Int, callbackAnswer: UpdateHandler.CallbackAnswer?) {
        var logger = self.logger
        logger[metadataKey: LogKey.updateID] = "\(update.updateID)"
        do {
            let handled = try await handler.handle(update)
            failures[update.updateID] = nil
            logger.debug("update handled", metadata: ["lienzo_outcome": "\(handled.outcome)"])
            metrics.handled(outcome: handled.outcome)
            return (200, handled.callbackAnswer)
        } catch let error as PostgresError where error.isConnectionProblem {
            logger.warning("database unavailable; Telegram will deliver the update again", metadata: [LogKey.error: "\(error)"])
            return (503, nil)
        } catch {
            // An update that never comes back leaves its count here: keep the table small.
            if failures.count > 1000 { failures.removeAll() }
            let count = (failures[update.updateID] ?? 0) + 1
            failures[update.updateID] = count
            logger.error("update failed", metadata: [LogKey.error: "\(error)", "lienzo_failures": "\(count)"])
            guard count >= configuration.maxAttemptsPerUpdate else { return (500, nil) }
            do {
                try await handler.recordFailed(update, error: "\(error)")
                failures[update.updateID] = nil
                metrics.failed()
                return (200, nil)
            } catch {
                logger.error("could not record the failed update", metadata: [LogKey.error: "\(error)"])
                return (500, nil)
            }
        }
    }

    /// Every `checkInterval`: getWebhookInfo. A success is Ingest's last contact with
    /// Telegram (`lienzo_last_poll_timestamp_seconds`, which the not-polling alert
    /// watches) and reports the updates Telegram holds; a webhook removed or replaced
    /// meanwhile (a polling Ingest started elsewhere, an operator) is registered again.
    private func watchWebhook(_ webhook: WebhookConfiguration) async throws {
        while true {
            try await Task.sleep(for: webhook.checkInterval.jittered(by: 0.2))
            do {
                let info = try await pollClient.getWebhookInfo()
                metrics.polled()
                metrics.webhookPending(info.pendingUpdateCount)
                if info.url != webhook.url {
                    logger.warning("the webhook was removed or replaced; registering it again")
                    try await register(webhook)
                } else if let message = info.lastErrorMessage, info.pendingUpdateCount > 0 {
                    logger.warning("Telegram cannot deliver updates to the webhook", metadata: [
                        LogKey.error: "\(message.prefix(200))", "lienzo_pending": "\(info.pendingUpdateCount)",
                    ])
                }
            } catch let error as TelegramError {
                metrics.getUpdatesFailed()
                if error.code == .unauthorized { throw error }
                logger.warning("getWebhookInfo failed", metadata: [LogKey.error: "\(error)"])
            }
        }
    }
}
