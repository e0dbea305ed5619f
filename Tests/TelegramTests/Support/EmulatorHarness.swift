import BotAPIEmulator
import Foundation
import Logging
import Runtime
import Telegram

/// One emulator on a free loopback port and a client pointed at it: the bundle every
/// test starts from.
struct EmulatorHarness {
    static let token = Secret("7654321:AAE-test_TokenValue-0123456789abcdef")

    let emulator: BotAPIEmulator
    let client: TelegramClient
    let alice = EmulatedUser(id: 1001, firstName: "Alice", username: "alice", languageCode: "en")
    let bruno = EmulatedUser(id: 1002, firstName: "Bruno", username: "bruno", languageCode: "es")

    init(
        requestTimeout: Duration = .seconds(10), longPollMargin: Duration = .seconds(5),
        logger: Logger = Logger(label: "lienzo.telegram.tests")
    ) throws {
        emulator = BotAPIEmulator(token: Self.token)
        try emulator.start()
        let configuration = TelegramConfiguration(
            token: Self.token, apiURL: emulator.baseURL, connectTimeout: .seconds(2),
            requestTimeout: requestTimeout, longPollMargin: longPollMargin
        )
        client = try TelegramClient(configuration: configuration, logger: logger)
    }

    /// Another client on the same emulator, for a second connection.
    func makeClient(token: Secret = EmulatorHarness.token, requestTimeout: Duration = .seconds(10)) throws -> TelegramClient {
        let configuration = TelegramConfiguration(
            token: token, apiURL: emulator.baseURL, connectTimeout: .seconds(2), requestTimeout: requestTimeout
        )
        return try TelegramClient(configuration: configuration)
    }

    /// Makes Alice's private chat known to the bot (she wrote to it) and returns its id.
    @discardableResult
    func aliceSaysHello() -> Int64 {
        emulator.sendUserMessage("/start", from: alice)
        return alice.id
    }
}

/// Asserting helpers over errors.
enum Expect {
    /// Runs `body` and returns the `TelegramError` it threw; nil when it did not throw one.
    static func telegramError(_ body: () async throws -> some Any) async -> TelegramError? {
        do {
            _ = try await body()
            return nil
        } catch let error as TelegramError {
            return error
        } catch {
            return nil
        }
    }

    /// Every way an error can turn into text.
    static func renderings(of error: TelegramError) -> [String] {
        var dumped = ""
        dump(error, to: &dumped)
        return [
            error.description, error.debugDescription, "\(error)", String(reflecting: error),
            error.localizedDescription, dumped,
        ]
    }
}
