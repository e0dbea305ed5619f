import EmbeddedHTTP
import Foundation
import Runtime

/// A local stand-in for the Telegram Bot API on 127.0.0.1, for tests and the playground.
///
/// It answers `{base}/bot{token}/{method}` for getMe, getUpdates, sendMessage, sendPhoto,
/// sendDocument, sendChatAction, editMessageText, editMessageCaption, editMessageMedia,
/// deleteMessage, answerCallbackQuery, setWebhook, deleteWebhook, getWebhookInfo and
/// setMyCommands, with Telegram's reply envelopes and error descriptions. With a webhook
/// set it POSTs updates to it as Telegram does (`BotAPIEmulator+Webhook`). A test plays the users (`sendUserMessage`,
/// `pressButton`), reads what the bot said (`sentMessages`, `visibleSentMessages`,
/// `waitUntil`) and scripts failures (`addFault`).
///
/// Thread-safe: all state sits behind one condition lock, which also wakes long polls.
public final class BotAPIEmulator: @unchecked Sendable {
    public let token: Secret
    public let bot: EmulatedUser
    let condition = NSCondition()
    let state: EmulatorState
    private var server: HTTPServer?
    var stopping = false
    var waiters: [UUID: Waiter] = [:]
    private let outputFolder: OutputFolder?
    var botMessageObserver: (@Sendable (SentMessage) -> Void)?

    struct Waiter {
        var predicate: @Sendable (EmulatorSnapshot) -> Bool
        var continuation: CheckedContinuation<Bool, Never>
    }

    /// - Parameters:
    ///   - outputDirectory: when set, every message the bot sends is also written there
    ///     (texts to `transcript.log`, photos and documents as files), for a person to look at.
    ///   - firstUpdateID: the first `update_id` handed out.
    public init(
        token: Secret = Secret("123456:TEST-emulator-token"),
        bot: EmulatedUser = EmulatedUser(id: 123456, firstName: "Lienzo", username: "lienzo_bot", languageCode: nil, isBot: true),
        outputDirectory: URL? = nil,
        firstUpdateID: Int = 1000
    ) {
        self.token = token
        self.bot = bot
        self.state = EmulatorState(bot: bot, firstUpdateID: firstUpdateID)
        self.outputFolder = outputDirectory.map(OutputFolder.init)
    }

    /// Starts listening on 127.0.0.1:`port` (0 picks a free one). Call once.
    public func start(port: UInt16 = 0) throws {
        let started = try HTTPServer(port: port, name: "BotAPIEmulator") { [weak self] request in
            guard let self else { return .drop }
            return self.handle(request)
        }
        condition.withLock { server = started }
    }

    /// Stops the server; pending long polls return, open connections close.
    public func stop() {
        let running = withState { _ in
            stopping = true
            return server
        }
        running?.stop()
    }

    deinit { server?.stop() }

    public var port: UInt16 { condition.withLock { server?.port ?? 0 } }

    /// The value for `TELEGRAM_API_URL`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// TCP connections accepted so far: a client that reuses its connection makes one.
    public var acceptedConnections: Int { condition.withLock { server }?.acceptedConnections ?? 0 }

    /// Calls `observer` (on a server thread) after each message the bot sends or edits.
    public func setBotMessageObserver(_ observer: @escaping @Sendable (SentMessage) -> Void) {
        withState { _ in botMessageObserver = observer }
    }

    /// Runs `body` with the lock held, then wakes long polls and waiters.
    @discardableResult
    func withState<T>(_ body: (EmulatorState) throws -> T) rethrows -> T {
        condition.lock()
        defer {
            resolveWaiters()
            condition.broadcast()
            condition.unlock()
        }
        return try body(state)
    }

    func record(_ sent: [SentMessage]) {
        guard !sent.isEmpty else { return }
        let observer = condition.withLock { botMessageObserver }
        for message in sent {
            outputFolder?.write(message)
            observer?(message)
        }
    }

    func recordUserText(_ text: String, from user: EmulatedUser, chatID: Int64) {
        outputFolder?.writeUserText(text, from: user, chatID: chatID)
    }
}
