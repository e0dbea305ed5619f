import BotAPIEmulator
import Foundation
import Telegram
import Testing

@Suite("Typed errors from ok:false replies and failed transfers")
struct ErrorTests {
    @Test("429 carries parameters.retry_after, then the next call succeeds")
    func tooManyRequests() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        harness.emulator.addFault(.tooManyRequests(retryAfter: 7), method: "sendMessage", chatID: harness.alice.id)
        let error = try #require(
            await Expect.telegramError {
                try await harness.client.sendMessage(chatID: harness.alice.id, text: "hi")
            })
        #expect(error.code == .tooManyRequests)
        #expect(error.errorCode == 429 && error.httpStatus == 429)
        #expect(error.retryAfter == 7)
        #expect(error.apiDescription == "Too Many Requests: retry after 7")
        #expect(SendRetryPolicy().decision(for: error, attempt: 1) == .retry(after: .seconds(7)))
        #expect(harness.emulator.sentMessages.isEmpty, "a refused send must not be stored")
        try await harness.client.sendMessage(chatID: harness.alice.id, text: "hi")
        #expect(harness.emulator.sentMessages.count == 1)
    }

    @Test("faults match their chat only")
    func faultPerChat() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        harness.emulator.sendUserMessage("/start", from: harness.bruno)
        harness.emulator.addFault(.tooManyRequests(retryAfter: 3), method: "sendMessage", chatID: harness.bruno.id, times: 2)
        try await harness.client.sendMessage(chatID: harness.alice.id, text: "to alice")
        let first = await Expect.telegramError { try await harness.client.sendMessage(chatID: harness.bruno.id, text: "to bruno") }
        let second = await Expect.telegramError { try await harness.client.sendMessage(chatID: harness.bruno.id, text: "to bruno") }
        try await harness.client.sendMessage(chatID: harness.bruno.id, text: "to bruno")
        #expect(first?.retryAfter == 3 && second?.retryAfter == 3)
        #expect(harness.emulator.sentMessages.map(\.text) == ["to alice", "to bruno"])
        #expect(harness.emulator.remainingFaults.isEmpty)
    }

    @Test("403 from a user who blocked the bot means stop sending to that chat")
    func forbidden() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        harness.emulator.blockBot(inChat: harness.alice.id)
        let error = try #require(
            await Expect.telegramError {
                try await harness.client.sendPhoto(chatID: harness.alice.id, photo: .png(TestPNG.make(width: 8, height: 8)))
            })
        #expect(error.code == .forbidden, "\(error.debugDescription)")
        #expect(error.isBlockedOrKicked)
        #expect(error.apiDescription == "Forbidden: bot was blocked by the user")
        #expect(SendRetryPolicy().decision(for: error, attempt: 1) == .stopSendingToChat)
    }

    @Test("500 is a server error worth retrying")
    func serverError() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        harness.emulator.addFault(.serverError(), method: "sendMessage")
        let error = try #require(await Expect.telegramError { try await harness.client.sendMessage(chatID: harness.alice.id, text: "x") })
        #expect(error.code == .serverError)
        #expect(error.errorCode == 500)
        #expect(SendRetryPolicy().decision(for: error, attempt: 1) == .retry(after: .seconds(1)))
    }

    @Test("a proxy's HTML 502 page is a server error without an API description")
    func htmlErrorPage() async throws {
        let harness = try EmulatorHarness()
        harness.emulator.addFault(.invalidBody(status: 502, body: "<html><body>Bad Gateway</body></html>"), method: "getMe")
        let error = try #require(await Expect.telegramError { try await harness.client.getMe() })
        #expect(error.code == .serverError)
        #expect(error.httpStatus == 502)
        #expect(error.apiDescription == nil)
    }

    @Test("migrate_to_chat_id names the supergroup to continue in")
    func migrated() async throws {
        let harness = try EmulatorHarness()
        let group = EmulatedChat.group(id: -4001, title: "Artists")
        harness.emulator.sendUserMessage("/generate x", from: harness.alice, in: group)
        harness.emulator.addFault(.migrateToChat(-1_001_234_567_890), chatID: group.id)
        let error = try #require(await Expect.telegramError { try await harness.client.sendMessage(chatID: group.id, text: "x") })
        #expect(error.code == .chatMigrated)
        #expect(error.migrateToChatID == -1_001_234_567_890)
        #expect(SendRetryPolicy().decision(for: error, attempt: 1) == .resendInChat(-1_001_234_567_890))
    }

    @Test("a connection dropped before the reply is a network error (curl 52), and the client recovers")
    func droppedConnection() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        harness.emulator.addFault(.dropConnection, method: "sendMessage")
        let error = try #require(await Expect.telegramError { try await harness.client.sendMessage(chatID: harness.alice.id, text: "x") })
        #expect(error.code == .network)
        #expect(error.curlCode == 52, "CURLE_GOT_NOTHING; got \(error.debugDescription)")
        #expect(harness.emulator.sentMessages.isEmpty)
        try await harness.client.sendMessage(chatID: harness.alice.id, text: "x")
        #expect(harness.emulator.sentMessages.count == 1)
    }

    @Test("on a reused connection libcurl resends once after an unanswered drop, so one drop is invisible")
    func dropOnReusedConnection() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        try await harness.client.sendMessage(chatID: harness.alice.id, text: "warm-up")
        harness.emulator.addFault(.dropConnection, method: "sendMessage")
        try await harness.client.sendMessage(chatID: harness.alice.id, text: "second")
        #expect(harness.emulator.requests(method: "sendMessage").map(\.status) == [200, 0, 200])
        #expect(harness.emulator.acceptedConnections == 2)

        // The costly case: Telegram acted, then the reply was lost; libcurl's resend
        // delivers the message a second time and the caller sees one success.
        harness.emulator.addFault(.dropConnectionAfterProcessing, method: "sendMessage")
        try await harness.client.sendMessage(chatID: harness.alice.id, text: "third")
        #expect(harness.emulator.sentMessages.map(\.text) == ["warm-up", "second", "third", "third"])
    }

    @Test("a drop after processing delivers the message although the bot saw an error")
    func droppedAfterProcessing() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        harness.emulator.addFault(.dropConnectionAfterProcessing, method: "sendMessage")
        let error = await Expect.telegramError { try await harness.client.sendMessage(chatID: harness.alice.id, text: "x") }
        #expect(error?.code == .network)
        #expect(harness.emulator.sentMessages.map(\.text) == ["x"])
    }

    @Test("ok:true with a result that does not decode is accepted, never a failure to retry")
    func acceptedWithUnreadableResult() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        harness.emulator.addFault(.acceptedWithoutFields(["chat", "date"]), method: "sendMessage")
        let error = try #require(await Expect.telegramError { try await harness.client.sendMessage(chatID: harness.alice.id, text: "x") })
        #expect(error.code == .acceptedUnreadable)
        let sent = try #require(harness.emulator.sentMessages.first)
        #expect(error.acceptedMessageID == sent.messageID)
        #expect(error.apiDescription?.hasPrefix("result does not match Message: no ") == true, "the decode problem is named: \(error.debugDescription)")
        #expect(SendRetryPolicy().decision(for: error, attempt: 1) == .accepted(messageID: sent.messageID))

        harness.emulator.addFault(.acceptedWithoutFields(["message_id"]), method: "sendMessage")
        let withoutID = try #require(await Expect.telegramError { try await harness.client.sendMessage(chatID: harness.alice.id, text: "y") })
        #expect(SendRetryPolicy().decision(for: withoutID, attempt: 1) == .accepted(messageID: nil))
        #expect(harness.emulator.sentMessages.map(\.text) == ["x", "y"])
    }

    @Test("a reply slower than the request timeout is a network timeout (curl 28)")
    func slowResponse() async throws {
        let harness = try EmulatorHarness(requestTimeout: .milliseconds(300))
        // The reply comes long after the timeout, so that a loaded machine (CI, builds beside
        // the tests) cannot make the client's give-up look like a wait for the reply.
        harness.emulator.addFault(.delay(.seconds(6)), method: "getMe")
        let clock = ContinuousClock()
        let started = clock.now
        let error = try #require(await Expect.telegramError { try await harness.client.getMe() })
        #expect(error.code == .network)
        #expect(error.curlCode == 28)
        #expect(clock.now - started < .seconds(5))
    }

    @Test("a delayed reply within the timeout still succeeds")
    func slowButInTime() async throws {
        let harness = try EmulatorHarness()
        harness.emulator.addFault(.delay(.milliseconds(200)), method: "getMe")
        #expect(try await harness.client.getMe().isBot)
        #expect(harness.emulator.requests.last?.faulted == true)
    }

    @Test("a wrong token is 401 Unauthorized")
    func wrongToken() async throws {
        let harness = try EmulatorHarness()
        let client = try harness.makeClient(token: .init("1:wrong-token-value"))
        let error = try #require(await Expect.telegramError { try await client.getMe() })
        #expect(error.code == .unauthorized)
        #expect(error.apiDescription == "Unauthorized")
    }

    @Test("an unknown method is 404 Not Found")
    func unknownMethod() async throws {
        let harness = try EmulatorHarness()
        let error = try #require(
            await Expect.telegramError {
                try await harness.client.call("sendTelepathy", parameters: ["chat_id": 1], as: Bool.self)
            })
        #expect(error.code == .notFound)
    }

    @Test("a refused connection is a network error (curl 7) that names the host and says refused")
    func refused() async throws {
        let port = try closedPort()
        let error = try await networkFailure(apiURL: "http://127.0.0.1:\(port)")
        #expect(error.curlCode == 7)
        #expect(error.networkReason == .refused)
        #expect(error.description == "Telegram getMe failed: network error reaching 127.0.0.1:\(port): connection refused")
    }

    @Test("a host name that does not resolve is a DNS failure (curl 6), named as such")
    func unresolvableHost() async throws {
        // .invalid never resolves (RFC 6761): the resolver answers at once, offline too.
        let error = try await networkFailure(apiURL: "https://nonexistent.invalid")
        #expect(error.curlCode == 6, "\(error.debugDescription)")
        #expect(error.networkReason == .dns)
        #expect(error.description == "Telegram getMe failed: network error reaching nonexistent.invalid:443: host name not found (DNS)")
    }

    @Test("a server that accepts the connection and never answers is a timeout (curl 28), named as such")
    func silentServer() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let error = try await networkFailure(apiURL: "http://127.0.0.1:\(listener.port)", requestTimeout: .milliseconds(300))
        #expect(error.curlCode == 28, "\(error.debugDescription)")
        #expect(error.networkReason == .timeout)
        #expect(error.description.hasSuffix("reaching 127.0.0.1:\(listener.port): timed out"))
        #expect(error.debugDescription.contains("reason: timed out"))
    }

    @Test("libcurl's codes map to the reasons an operator acts on")
    func networkReasons() {
        #expect(NetworkReason(curlCode: 6) == .dns && NetworkReason(curlCode: 7) == .refused)
        #expect(NetworkReason(curlCode: 28) == .timeout && NetworkReason(curlCode: 35) == .tls && NetworkReason(curlCode: 60) == .tls)
        #expect(NetworkReason(curlCode: 52) == .connectionLost && NetworkReason(curlCode: 3) == .other)
        // Only network failures have a reason.
        #expect(TelegramError(code: .serverError, method: "getMe", curlCode: 7).networkReason == nil)
        // The host is read from the URL without its user name, password or path.
        let configuration = TelegramConfiguration(token: EmulatorHarness.token, apiURL: "https://user:pw@proxy.example:8443/tg/")
        #expect(configuration.apiHost == "proxy.example:8443")
        #expect(TelegramConfiguration(token: EmulatorHarness.token).apiHost == "api.telegram.org:443")
    }

    /// getMe against `apiURL`, which must fail at the network level; checks that no
    /// rendering of the error holds the token (it is in the URL's path).
    private func networkFailure(apiURL: String, requestTimeout: Duration = .seconds(5)) async throws -> TelegramError {
        let configuration = TelegramConfiguration(
            token: EmulatorHarness.token, apiURL: apiURL, connectTimeout: .seconds(2), requestTimeout: requestTimeout)
        let client = try TelegramClient(configuration: configuration)
        let error = try #require(await Expect.telegramError { try await client.getMe() })
        #expect(error.code == .network)
        for text in Expect.renderings(of: error) {
            #expect(!text.contains(EmulatorHarness.token.revealed) && !text.contains("/bot"), "\(text)")
        }
        return error
    }
}

/// A loopback port with nothing listening: start an emulator, note its port, stop it.
func closedPort() throws -> UInt16 {
    let emulator = BotAPIEmulator()
    try emulator.start()
    let port = emulator.port
    emulator.stop()
    return port
}
