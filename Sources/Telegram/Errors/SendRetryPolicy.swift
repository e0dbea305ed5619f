import Runtime

/// What to do after a send failed: a pure function of the error and the attempt number,
/// so Deliver's reaction to every Bot API failure is tested without I/O.
///
/// Mirrors the Bot API's guidance: wait `retry_after` on 429; stop writing to a chat that
/// answered 403; never repeat a 400 unchanged (but drop a vanished reply target, move to
/// a migrated supergroup, accept "not modified" as done); back off on 5xx and network
/// errors, then give up. `ok:true` is success even when its result does not decode. A network error after the request was sent is ambiguous —
/// Telegram may have delivered it — and retrying is the only choice that loses nothing.
public struct SendRetryPolicy: Sendable, Equatable {
    /// Attempts, the first included, before 5xx / network failures give up.
    public var maxAttempts: Int
    /// Attempts, the first included, before repeated 429s give up (each waits as told).
    public var maxFloodAttempts: Int
    /// Backoff before the second attempt; doubles on each further one.
    public var initialBackoff: Duration
    public var maxBackoff: Duration

    public init(
        maxAttempts: Int = 5, maxFloodAttempts: Int = 20,
        initialBackoff: Duration = .seconds(1), maxBackoff: Duration = .seconds(60)
    ) {
        self.maxAttempts = maxAttempts
        self.maxFloodAttempts = maxFloodAttempts
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
    }

    /// - Parameter attempt: the attempt that just failed, 1 for the first.
    public func decision(for error: TelegramError, attempt: Int) -> SendRetryDecision {
        switch error.code {
        case .acceptedUnreadable:
            return .accepted(messageID: error.acceptedMessageID)
        case .tooManyRequests:
            guard attempt < maxFloodAttempts else { return .giveUp(reason: "flood control \(attempt) times") }
            // Telegram always sends retry_after with 429; if a proxy did not, wait as for a 5xx.
            let wait = error.retryAfter.map { Duration.seconds(max(1, $0)) } ?? backoff(after: attempt)
            return .retry(after: wait)
        case .forbidden:
            return .stopSendingToChat
        case .chatMigrated:
            guard let chatID = error.migrateToChatID else { return .giveUp(reason: "migrated without a target chat") }
            return .resendInChat(chatID)
        case .badRequest where error.isReplyTargetMissing:
            return .resendWithoutReply
        case .badRequest where error.isMessageNotModified:
            return .alreadyDone
        case .serverError, .network, .invalidResponse:
            guard attempt < maxAttempts else { return .giveUp(reason: "\(error.code) after \(attempt) attempts") }
            return .retry(after: backoff(after: attempt))
        case .unauthorized:
            return .giveUp(reason: "the bot token was rejected")
        default:
            return .giveUp(reason: error.apiDescription ?? error.code.description)
        }
    }

    /// `initialBackoff × 2^(attempt−1)`, capped. Deterministic: callers add jitter if
    /// many senders could retry in step.
    public func backoff(after attempt: Int) -> Duration {
        Backoff(initial: initialBackoff, max: maxBackoff).delay(afterAttempt: attempt)
    }
}

public enum SendRetryDecision: Sendable, Equatable {
    /// Telegram answered `ok:true` (the message went out) with a result that did not
    /// decode: record it as sent, with the message id when it could be read.
    case accepted(messageID: Int?)
    /// Repeat the same request after waiting this long.
    case retry(after: Duration)
    /// The replied-to message is gone: send again without `reply_parameters`.
    case resendWithoutReply
    /// The group became a supergroup: send there (and remember the new chat id).
    case resendInChat(Int64)
    /// "message is not modified": the edit's content is already shown.
    case alreadyDone
    /// 403: mark undeliverable and send nothing more to this chat.
    case stopSendingToChat
    /// Record the failure; do not retry.
    case giveUp(reason: String)
}

/// The retry bookkeeping for one outbound message: counts attempts and asks the policy.
public struct SendRetryState: Sendable, Equatable {
    public let policy: SendRetryPolicy
    /// Failed attempts so far.
    public private(set) var failures = 0

    public init(policy: SendRetryPolicy = SendRetryPolicy()) { self.policy = policy }

    public mutating func recordFailure(_ error: TelegramError) -> SendRetryDecision {
        failures += 1
        return policy.decision(for: error, attempt: failures)
    }
}
