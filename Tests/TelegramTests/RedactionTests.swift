import BotAPIEmulator
import Foundation
import Runtime
import Telegram
import Testing
import TestSupport

@Suite("The bot token never leaves the client")
struct RedactionTests {
    let token = EmulatorHarness.token
    var redactor: TokenRedactor { TokenRedactor(token: token) }

    @Test("the token is removed from URLs, raw and percent-encoded")
    func redactsURLs() {
        let raw = "Could not fetch https://api.telegram.org/bot\(token.revealed)/sendPhoto"
        #expect(redactor.redact(raw) == "Could not fetch https://api.telegram.org/bot<redacted>/sendPhoto")
        let encoded = "GET /bot" + token.revealed.replacingOccurrences(of: ":", with: "%3A") + "/getMe"
        #expect(redactor.redact(encoded) == "GET /bot<redacted>/getMe")
        #expect(redactor.redact("token is \(token.revealed).") == "token is <redacted>.")
    }

    @Test("a token-shaped path segment is removed even when it is not ours")
    func redactsOtherTokens() {
        let text = "proxy error for /bot98765:ZZZ-other_token/getUpdates"
        #expect(redactor.redact(text) == "proxy error for /bot<redacted>/getUpdates")
    }

    @Test("text without a token is left alone")
    func leavesOtherText() {
        for text in ["Bad Request: chat not found", "a /bottle of ink", "/bot", "", "Failed to connect to 127.0.0.1 port 1"] {
            #expect(redactor.redact(text) == text)
        }
    }

    @Test("a server that echoes the URL in its description gets redacted")
    func echoedByServer() async throws {
        let harness = try EmulatorHarness()
        let echo = "Bad Request: wrong URL \(harness.emulator.baseURL)/bot\(token.revealed)/getMe"
        harness.emulator.addFault(.badRequest(description: echo), method: "getMe")
        let error = try #require(await Expect.telegramError { try await harness.client.getMe() })
        #expect(error.apiDescription?.contains("/bot<redacted>/getMe") == true)
        for text in Expect.renderings(of: error) {
            #expect(!text.contains(token.revealed), "token leaked in: \(text)")
        }
    }

    @Test("no rendering of any real error holds the token")
    func realErrors() async throws {
        let harness = try EmulatorHarness(requestTimeout: .milliseconds(300))
        harness.aliceSaysHello()
        let faults: [Fault.Kind] = [
            .tooManyRequests(retryAfter: 1), .forbidden(), .serverError(),
            .invalidBody(status: 502, body: "<h1>/bot\(token.revealed)/sendMessage</h1>"), .delay(.seconds(1)),
        ]
        var errors: [TelegramError] = []
        for fault in faults {
            harness.emulator.addFault(fault, method: "sendMessage")
            if let error = await Expect.telegramError({ try await harness.client.sendMessage(chatID: harness.alice.id, text: "x") }) {
                errors.append(error)
            }
        }
        // Twice: libcurl silently resends once when a reused connection dies unanswered.
        harness.emulator.addFault(.dropConnection, method: "sendMessage", times: 2)
        if let error = await Expect.telegramError({ try await harness.client.sendMessage(chatID: harness.alice.id, text: "x") }) {
            errors.append(error)
        }
        let missingChat = await Expect.telegramError { try await harness.client.sendMessage(chatID: 999, text: "x") }
        errors += [missingChat].compactMap { $0 }
        let refused = try TelegramClient(
            configuration: TelegramConfiguration(token: token, apiURL: "http://127.0.0.1:\(try closedPort())")
        )
        errors += [await Expect.telegramError { try await refused.getMe() }].compactMap { $0 }
        #expect(errors.count == faults.count + 3, "every call should have failed: \(errors)")
        for error in errors {
            for text in Expect.renderings(of: error) {
                #expect(!text.contains(token.revealed), "token leaked in: \(text)")
            }
        }
    }

    @Test("log lines at trace level never hold the token")
    func logLines() async throws {
        let collector = LogCollector()
        let harness = try EmulatorHarness(logger: collector.logger())
        harness.aliceSaysHello()
        try await harness.client.sendMessage(chatID: harness.alice.id, text: "hello")
        harness.emulator.addFault(.dropConnection, method: "sendMessage", times: 2)
        _ = await Expect.telegramError { try await harness.client.sendMessage(chatID: harness.alice.id, text: "x") }
        harness.emulator.addFault(.badRequest(description: "Bad Request: /bot\(token.revealed)/sendMessage"))
        _ = await Expect.telegramError { try await harness.client.sendMessage(chatID: harness.alice.id, text: "x") }
        let lines = collector.lines.map(\.text)
        #expect(lines.count >= 6, "expected request, reply and error lines, got \(lines)")
        #expect(lines.contains { $0.contains("lienzo_telegram_method") && $0.contains("sendMessage") })
        for line in lines {
            #expect(!line.contains(token.revealed), "token leaked in log line: \(line)")
        }
    }

    @Test("configuration reads the environment and never echoes the token")
    func configuration() throws {
        let configuration = try TelegramConfiguration(
            environment: Environment([
                "TELEGRAM_BOT_TOKEN": token.revealed, "TELEGRAM_API_URL": "http://127.0.0.1:8081/",
            ]))
        #expect(configuration.apiURL == "http://127.0.0.1:8081")
        #expect(configuration.token == token)
        #expect(!String(describing: configuration).contains(token.revealed))
        #expect(
            try TelegramConfiguration(environment: Environment(["TELEGRAM_BOT_TOKEN": token.revealed])).apiURL
                == "https://api.telegram.org")

        #expect(throws: ConfigurationError.self) { try TelegramConfiguration(environment: Environment([:])) }
        let malformed = "12345:abc/def?x"
        do {
            _ = try TelegramConfiguration(environment: Environment(["TELEGRAM_BOT_TOKEN": malformed]))
            Issue.record("a malformed token was accepted")
        } catch {
            #expect(!"\(error)".contains(malformed))
            #expect("\(error)".contains("TELEGRAM_BOT_TOKEN"))
        }
    }
}
