/// When the next message to a chat may go, as a pure value over a clock the caller
/// passes in (seconds): at most `globalRate` messages a second overall, one per
/// `chatInterval` to a private chat and per `groupInterval` to a group, and nothing to
/// a chat before a 429's `retry_after` has passed. When 429s arrive from several chats
/// at once the limit is the bot's, not a chat's, and every chat waits.
///
/// Pacing is per chat, so a busy chat only delays itself.
public struct SendPacer: Sendable {
    public var globalInterval: Double
    public var chatInterval: Double
    public var groupInterval: Double
    /// 429s from this many distinct chats within `globalFloodWindow` seconds pause everyone.
    public var globalFloodChats = 3
    public var globalFloodWindow = 1.0

    private var nextGlobal = 0.0
    private var nextByChat: [Int64: Double] = [:]
    private var globalBlockedUntil = 0.0
    private var recentFloods: [(chat: Int64, at: Double)] = []

    public init(globalRate: Double, chatInterval: Double, groupInterval: Double) {
        globalInterval = globalRate > 0 ? 1 / globalRate : 0
        self.chatInterval = chatInterval
        self.groupInterval = groupInterval
    }

    /// Groups and supergroups have negative ids on Telegram; users positive.
    public static func isGroup(_ chatID: Int64) -> Bool { chatID < 0 }

    /// The earliest time a message to `chatID` may be sent.
    public func readyAt(chat chatID: Int64) -> Double {
        max(nextGlobal, globalBlockedUntil, nextByChat[chatID] ?? 0)
    }

    /// A message to `chatID` goes out at `now` (which must be ≥ `readyAt`).
    public mutating func sent(chat chatID: Int64, at now: Double) {
        nextGlobal = max(nextGlobal, now) + globalInterval
        let interval = Self.isGroup(chatID) ? groupInterval : chatInterval
        nextByChat[chatID] = max(nextByChat[chatID] ?? 0, now + interval)
        if nextByChat.count > 10_000 { nextByChat = nextByChat.filter { $0.value > now } }
    }

    /// Telegram answered 429 for `chatID` with `retryAfter` seconds.
    public mutating func tooManyRequests(chat chatID: Int64, retryAfter: Double, at now: Double) {
        nextByChat[chatID] = max(nextByChat[chatID] ?? 0, now + retryAfter)
        recentFloods.removeAll { $0.at < now - globalFloodWindow || $0.chat == chatID }
        recentFloods.append((chatID, now))
        if recentFloods.count >= globalFloodChats {
            globalBlockedUntil = max(globalBlockedUntil, now + retryAfter)
        }
    }
}
