import Foundation

/// Telegram's published sending limits, enforced when a test asks for them: more than
/// `count` messages within `window` gets 429 with `retry_after`, like real flood control.
/// Off by default. Counted: sendMessage, sendPhoto, sendDocument, editMessageText,
/// editMessageCaption and editMessageMedia, when they succeed (deleteMessage is not).
/// Windows can be shortened to keep tests fast; `retry_after` is still whole seconds (at
/// least 1), as Telegram sends it.
public struct FloodLimits: Sendable, Equatable {
    public struct Rate: Sendable, Equatable {
        public var count: Int
        public var window: Duration

        public init(_ count: Int, per window: Duration) {
            self.count = count
            self.window = window
        }
    }

    /// Per private chat (Telegram: about 1 message per second).
    public var perChat: Rate
    /// Per group or supergroup (Telegram: 20 messages per minute).
    public var perGroup: Rate
    /// All chats together (Telegram: about 30 messages per second).
    public var global: Rate

    public init(
        perChat: Rate = Rate(1, per: .seconds(1)), perGroup: Rate = Rate(20, per: .seconds(60)),
        global: Rate = Rate(30, per: .seconds(1))
    ) {
        self.perChat = perChat
        self.perGroup = perGroup
        self.global = global
    }

    static let countedMethods: Set = [
        "sendmessage", "sendphoto", "senddocument", "editmessagetext", "editmessagecaption", "editmessagemedia",
    ]
}

/// Sliding windows of send times, global and per chat.
struct FloodControl {
    var limits: FloodLimits
    private var globalTimes: [Double] = []
    private var chatTimes: [Int64: [Double]] = [:]

    init(limits: FloodLimits) { self.limits = limits }

    /// Throws the 429 Telegram would answer when one more message would exceed a limit.
    mutating func check(chatID: Int64, isGroup: Bool, now: Double) throws(APIError) {
        let chatRate = isGroup ? limits.perGroup : limits.perChat
        let waits = [
            Self.wait(&globalTimes, rate: limits.global, now: now),
            Self.wait(&chatTimes[chatID, default: []], rate: chatRate, now: now),
        ]
        guard let wait = waits.compactMap({ $0 }).max() else { return }
        let seconds = max(1, Int(wait.rounded(.up)))
        throw APIError(
            code: 429, description: "Too Many Requests: retry after \(seconds)", parameters: ["retry_after": .int(Int64(seconds))])
    }

    mutating func record(chatID: Int64, now: Double) {
        globalTimes.append(now)
        chatTimes[chatID, default: []].append(now)
    }

    /// Seconds until one more message fits in `rate`, or nil when it fits now.
    private static func wait(_ times: inout [Double], rate: FloodLimits.Rate, now: Double) -> Double? {
        let window = rate.window.seconds
        times.removeAll { $0 <= now - window }
        guard times.count >= rate.count, let oldest = times.first else { return nil }
        return oldest + window - now
    }
}
