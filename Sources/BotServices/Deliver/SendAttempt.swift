import Runtime
import Telegram

/// The result of sending one message, after the in-memory recoveries that need no wait
/// (a vanished reply target, a migrated group) were tried.
enum SendAttempt: Sendable {
    /// Telegram confirmed it; the message id is nil only when its reply did not carry one
    /// that could be read (the send still went out and is never repeated).
    case sent(messageID: Int64?)
    /// An edit whose text is already shown ("message is not modified").
    case alreadyShown
    /// The message to edit is gone or can no longer be edited.
    case editTargetGone
    case tooManyRequests(retryAfter: Double)
    case undeliverable(reason: String)
    /// 5xx or network: try again after a backoff (the database counts the attempts).
    case transient(reason: String)
    /// A failure that repeating cannot fix.
    case failed(reason: String)
    /// Nothing was sent: the row's lease was lost before the send (`attempt(holding:)`), so
    /// the row is someone else's to send now, or already recorded as sent.
    case leaseLost
}

extension DeliverSender {
    /// Sends with `body(chatID, replyParameters)`, following `SendRetryPolicy`'s
    /// decisions that can be acted on at once.
    func attempt(
        _ item: inout DeliverItem, allowMigration: Bool = true,
        _ body: (Int64, ReplyParameters?) async throws -> Message
    ) async -> SendAttempt {
        let kind = DeliverMetrics.kind(item)
        let start = ContinuousClock.now
        let result = await unmeteredAttempt(&item, allowMigration: allowMigration, body)
        DeliverMetrics.record(result, kind: kind, seconds: (ContinuousClock.now - start).seconds)
        return result
    }

    private func unmeteredAttempt(
        _ item: inout DeliverItem, allowMigration: Bool,
        _ body: (Int64, ReplyParameters?) async throws -> Message
    ) async -> SendAttempt {
        var retry = SendRetryState(policy: configuration.retryPolicy)
        for _ in 0..<4 {
            do {
                let message = try await body(item.chatID, item.replyTo.map { ReplyParameters(messageID: Int($0)) })
                return .sent(messageID: Int64(message.messageID))
            } catch let error as TelegramError {
                if error.isMessageToEditGone { return .editTargetGone }
                let reason = Self.reason(error)
                switch retry.recordFailure(error) {
                case .accepted(let messageID):
                    logger.warning("Telegram accepted the message but its reply did not decode; recorded as sent", metadata: [
                        LogKey.error: "\(error.debugDescription)",
                    ])
                    return .sent(messageID: messageID.map(Int64.init))
                case .retry(let after):
                    if error.code == .tooManyRequests { return .tooManyRequests(retryAfter: after.seconds) }
                    return .transient(reason: reason)
                case .resendWithoutReply:
                    guard item.replyTo != nil else { return .failed(reason: reason) }
                    item.replyTo = nil
                case .resendInChat(let newChatID):
                    guard allowMigration, newChatID != item.chatID else { return .failed(reason: reason) }
                    await record("chat migration") { try await connection.recordChatMigration(from: item.chatID, to: newChatID) }
                    item.migrate(to: newChatID)
                case .alreadyDone:
                    return .alreadyShown
                case .stopSendingToChat:
                    return .undeliverable(reason: reason)
                case .giveUp:
                    return .failed(reason: reason)
                }
            } catch {
                // Cancellation mid-request: the message may or may not have gone.
                return .transient(reason: "interrupted")
            }
        }
        return .failed(reason: "too many redirections")
    }

    /// What goes into the database's error history: code and Telegram's description,
    /// both free of the token (TelegramError redacts them).
    static func reason(_ error: TelegramError) -> String {
        var text = error.code.description
        if let description = error.apiDescription { text += ": " + description }
        if let curl = error.curlCode { text += " (curl \(curl))" }
        return String(text.prefix(300))
    }
}
