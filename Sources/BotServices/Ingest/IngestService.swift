import Bot
import Foundation
import Logging
import Runtime
import Schema
import ServiceLifecycle
import Telegram

/// Ingest: long-polls getUpdates, or serves a webhook (`IngestService+Webhook`), and
/// turns each update into database rows, one transaction per update, confirming it to
/// Telegram only after the commit (the next offset, or the webhook's 200). Killed at any
/// moment, it loses no update (Telegram resends everything not confirmed) and duplicates
/// nothing (a re-read update finds its row in `telegram_updates`).
public struct IngestService: Service {
    let connection: PostgresConnection
    /// Holds the long poll; nothing else may use it.
    let pollClient: TelegramClient
    /// Start-up calls and callback answers, so they never wait behind a long poll.
    let client: TelegramClient
    let configuration: IngestConfiguration
    let tokenCounter: any PromptTokenCounter
    let logger: Logger
    let metrics = IngestMetrics()
    /// What Ingest asks Telegram for, by getUpdates or webhook.
    static let allowedUpdates = ["message", "edited_message", "callback_query"]

    public init(
        connection: PostgresConnection, pollClient: TelegramClient, client: TelegramClient,
        configuration: IngestConfiguration, tokenCounter: any PromptTokenCounter = EstimatedCLIPTokenCounter(),
        logger: Logger
    ) {
        self.connection = connection
        self.pollClient = pollClient
        self.client = client
        self.configuration = configuration
        self.tokenCounter = tokenCounter
        self.logger = logger
    }

    public func run() async throws {
        do {
            if let webhook = configuration.webhook {
                try await receiveByWebhook(webhook)
            } else {
                try await poll()
            }
        } catch is CancellationError {
            // Shutdown interrupted the long poll (or a wait); every committed update is safe.
        }
        logger.info("stopped")
    }

    private func poll() async throws {
        try await cancelWhenGracefulShutdown {
            guard let me = try await startUp() else { return }
            let handler = makeHandler(me: me)
            var offset = UpdateOffset(stored: try await connection.loadUpdateOffset(botID: me.id))
            logger.info("polling", metadata: ["lienzo_bot": "\(me.username ?? "")", "lienzo_offset": "\(offset.next.map(String.init) ?? "none")"])
            try await pollLoop(handler: handler, offset: &offset)
        }
    }

    func makeHandler(me: User) -> UpdateHandler {
        var handler = UpdateHandler(
            connection: connection,
            router: MessageRouter(botUsername: me.username ?? "", limits: configuration.limits, tokenCounter: tokenCounter),
            botID: me.id, logger: logger)
        handler.access = configuration.access
        handler.storesOffset = configuration.webhook == nil
        return handler
    }

    /// getMe (who am I: the username that `/cmd@name` must match), the webhook set by
    /// setWebhook or removed by deleteWebhook (getUpdates answers 409 while one is set:
    /// switching back to polling removes it), and the command menus. Retries while
    /// Telegram is unreachable; nil when shut down meanwhile.
    func startUp() async throws -> User? {
        var backoff = Backoff(initial: .milliseconds(100), max: configuration.maxBackoff)
        while !Task.isCancelled {
            do {
                let me = try await client.getMe()
                if let webhook = configuration.webhook {
                    try await register(webhook)
                } else {
                    try await client.deleteWebhook()
                }
                if configuration.setCommands {
                    try await client.setMyCommands(Texts.table(.english).commands)
                    for language in BotLanguage.allCases where language != .english {
                        try await client.setMyCommands(Texts.table(language).commands, languageCode: language.rawValue)
                    }
                }
                return me
            } catch let error as TelegramError {
                if error.code == .unauthorized { throw error }
                logger.warning("Telegram start-up failed; retrying", metadata: [LogKey.error: "\(error)"])
                try await Task.sleep(for: backoff.next().jittered(by: 0.2))
            }
        }
        return nil
    }

    private func pollLoop(handler startHandler: UpdateHandler, offset: inout UpdateOffset) async throws {
        var handler = startHandler
        var refresh = HandlerRefresh(configuration: configuration)
        var backoff = Backoff(initial: .milliseconds(100), max: configuration.maxBackoff)
        while !Task.isCancelled {
            let updates: [Update]
            do {
                updates = try await pollClient.getUpdates(
                    offset: offset.next, limit: configuration.pollLimit, timeout: configuration.pollTimeout,
                    allowedUpdates: Self.allowedUpdates)
                backoff.reset()
                metrics.polled()
            } catch let error as TelegramError {
                metrics.getUpdatesFailed()
                if error.code == .unauthorized { throw error }
                // 409: another poller or a webhook; 429/5xx/network: Telegram is unwell.
                let wait = error.retryAfter.map { Duration.seconds($0) } ?? backoff.next().jittered(by: 0.2)
                logger.warning("getUpdates failed; retrying", metadata: [LogKey.error: "\(error)", "lienzo_wait": "\(wait)"])
                try await Task.sleep(for: wait)
                continue
            }
            if !updates.isEmpty { await refresh.apply(to: &handler, connection: connection, logger: logger) }
            let generate = updates.map(handler.generateMessage)
            var index = 0
            // After a run failed, its updates go one at a time (up to here).
            var singlyUntil = 0
            while index < updates.count {
                // Database calls do not watch for cancellation; stop between updates.
                try Task.checkCancellation()
                let run = generate[index...].prefix { $0 != nil }.compactMap { $0 }
                if index >= singlyUntil && run.count > 1 {
                    if await handleRun(run, handler: handler) {
                        offset.committed(updates[index + run.count - 1].updateID)
                        index += run.count
                        continue
                    }
                    singlyUntil = index + run.count
                }
                try await handleWithRetry(updates[index], handler: handler)
                offset.committed(updates[index].updateID)
                index += 1
            }
        }
    }

    /// Handles consecutive /generate messages together; false when that failed, and
    /// they are then handled one at a time (with the retries and failure records of a
    /// single update), which is always correct.
    private func handleRun(_ run: [UpdateHandler.GenerateMessage], handler: UpdateHandler) async -> Bool {
        do {
            let handled = try await handler.handleRun(run)
            for (message, outcome) in zip(run, handled) {
                metrics.handled(outcome: outcome.outcome)
                logger.debug("update handled", metadata: [LogKey.updateID: "\(message.updateID)", "lienzo_outcome": "\(outcome.outcome)"])
            }
            return true
        } catch {
            logger.warning("a run of \(run.count) updates failed; handling them one at a time", metadata: [LogKey.error: "\(error)"])
            return false
        }
    }

    /// Retries an update until it commits: forever on connection problems (nothing is
    /// confirmed meanwhile, so nothing is lost), a few times on other errors, after which
    /// it is recorded as failed and skipped.
    private func handleWithRetry(_ update: Update, handler: UpdateHandler) async throws {
        var logger = self.logger
        logger[metadataKey: LogKey.updateID] = "\(update.updateID)"
        var backoff = Backoff(initial: .milliseconds(100), max: configuration.maxBackoff)
        var failures = 0
        while true {
            do {
                let handled = try await handler.handle(update)
                logger.debug("update handled", metadata: ["lienzo_outcome": "\(handled.outcome)"])
                metrics.handled(outcome: handled.outcome)
                if let answer = handled.callbackAnswer { await answerCallback(answer, logger: logger) }
                return
            } catch let error as PostgresError where error.isConnectionProblem {
                logger.warning("database unavailable; retrying the update", metadata: [LogKey.error: "\(error)"])
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failures += 1
                logger.error("update failed", metadata: [LogKey.error: "\(error)", "lienzo_failures": "\(failures)"])
                if failures >= configuration.maxAttemptsPerUpdate {
                    do {
                        try await handler.recordFailed(update, error: "\(error)")
                        metrics.failed()
                        return
                    } catch {
                        logger.error("could not record the failed update", metadata: [LogKey.error: "\(error)"])
                    }
                }
            }
            try await Task.sleep(for: backoff.next().jittered(by: 0.2))
        }
    }

    /// Best effort: an unanswered button only shows a spinner for a while.
    func answerCallback(_ answer: UpdateHandler.CallbackAnswer, logger: Logger) async {
        do {
            try await client.answerCallbackQuery(callbackQueryID: answer.id, text: answer.text, showAlert: answer.showAlert)
        } catch {
            logger.debug("answerCallbackQuery failed", metadata: [LogKey.error: "\(error)"])
        }
    }
}
