import Telegram
import Testing

@Suite("SendRetryPolicy decisions, without I/O")
struct SendRetryPolicyTests {
    let policy = SendRetryPolicy(maxAttempts: 4, maxFloodAttempts: 3, initialBackoff: .seconds(2), maxBackoff: .seconds(10))

    func error(_ code: TelegramError.Code, _ description: String? = nil, retryAfter: Int? = nil, migrate: Int64? = nil) -> TelegramError {
        TelegramError(code: code, method: "sendPhoto", apiDescription: description, retryAfter: retryAfter, migrateToChatID: migrate)
    }

    @Test("429 waits retry_after, and gives up after maxFloodAttempts")
    func flood() {
        let flood = error(.tooManyRequests, retryAfter: 13)
        #expect(policy.decision(for: flood, attempt: 1) == .retry(after: .seconds(13)))
        #expect(policy.decision(for: flood, attempt: 2) == .retry(after: .seconds(13)))
        guard case .giveUp = policy.decision(for: flood, attempt: 3) else {
            Issue.record("expected to give up")
            return
        }
        #expect(policy.decision(for: error(.tooManyRequests), attempt: 1) == .retry(after: .seconds(2)))
    }

    @Test("5xx and network errors back off exponentially, capped, then give up")
    func backoff() {
        for code in [TelegramError.Code.serverError, .network, .invalidResponse] {
            #expect(policy.decision(for: error(code), attempt: 1) == .retry(after: .seconds(2)))
            #expect(policy.decision(for: error(code), attempt: 2) == .retry(after: .seconds(4)))
            #expect(policy.decision(for: error(code), attempt: 3) == .retry(after: .seconds(8)))
            guard case .giveUp = policy.decision(for: error(code), attempt: 4) else {
                Issue.record("\(code): expected to give up at maxAttempts")
                continue
            }
        }
        #expect(policy.backoff(after: 10) == .seconds(10))
        #expect(policy.backoff(after: 1000) == .seconds(10))
    }

    @Test("403 stops the chat; 400s are never repeated blindly")
    func clientErrors() {
        #expect(policy.decision(for: error(.forbidden, "Forbidden: bot was kicked from the group chat"), attempt: 1) == .stopSendingToChat)
        #expect(policy.decision(for: error(.badRequest, "Bad Request: message to be replied not found"), attempt: 1) == .resendWithoutReply)
        #expect(
            policy.decision(for: error(.badRequest, "Bad Request: message is not modified: specified new message content"), attempt: 1)
                == .alreadyDone)
        #expect(policy.decision(for: error(.chatMigrated, migrate: -100_42), attempt: 1) == .resendInChat(-100_42))
        #expect(
            policy.decision(for: error(.badRequest, "Bad Request: chat not found"), attempt: 1)
                == .giveUp(reason: "Bad Request: chat not found"))
        guard case .giveUp = policy.decision(for: error(.unauthorized), attempt: 1) else {
            Issue.record("401 must not be retried")
            return
        }
    }

    @Test("SendRetryState counts failures across calls")
    func state() {
        var state = SendRetryState(policy: policy)
        #expect(state.recordFailure(error(.network)) == .retry(after: .seconds(2)))
        #expect(state.recordFailure(error(.serverError)) == .retry(after: .seconds(4)))
        #expect(state.failures == 2)
    }
}
