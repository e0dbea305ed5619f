import Schema

/// Requests and origins for queue tests.
public enum Fixtures {
    public static func request(_ prompt: String = "a castle at dusk", model: String = "tiny", width: Int = 64,
                               height: Int = 64, steps: Int = 4, sampler: String = "euler", seed: Int64 = 42) -> RenderRequest {
        RenderRequest(prompt: prompt, negativePrompt: "blurry", model: model, width: width, height: height,
                      steps: steps, guidance: 7.5, seed: seed, sampler: sampler)
    }

    public static func origin(update: Int64, user: Int64 = 1000, chat: Int64? = nil) -> TelegramOrigin {
        TelegramOrigin(updateID: update, chatID: chat ?? user, userID: user, messageID: update * 10, languageCode: "es")
    }
}

extension JobQueue {
    /// Enqueues and returns the new job id, failing the test if the request was refused.
    public func enqueueAccepted(_ request: RenderRequest, from origin: TelegramOrigin) async throws -> Int64 {
        let outcome = try await enqueue(request, from: origin)
        guard case .accepted(let id, _, _) = outcome else {
            throw TestFailure("expected accepted, got \(outcome)")
        }
        return id
    }

    /// Lifts the quotas so tests about something else are not limited by them.
    public func setUnlimitedQuotas() async throws {
        try await setQuotaDefaults(dailyLimit: 1_000_000, maxQueued: 1_000_000)
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
