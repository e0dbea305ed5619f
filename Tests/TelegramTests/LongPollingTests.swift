import BotAPIEmulator
import Foundation
import Telegram
import Testing

@Suite("getUpdates long polling against the emulator")
struct LongPollingTests {
    @Test("a long poll returns as soon as an update is injected, not at its timeout")
    func returnsWhenUpdateArrives() async throws {
        let harness = try EmulatorHarness()
        let clock = ContinuousClock()
        let started = clock.now
        async let polled = harness.client.getUpdates(timeout: 20)
        // Wait for the request to be parked on the server, then type.
        #expect(await harness.emulator.waitUntil { $0.waitingPolls == 1 })
        let sent = harness.emulator.sendUserMessage("a castle at dusk", from: harness.alice)
        let updates = try await polled
        let elapsed = clock.now - started
        #expect(elapsed < .seconds(5), "returned after \(elapsed), the timeout is 20 s")
        #expect(updates.map(\.updateID) == [sent.updateID])
        guard case .message(let message) = updates.first?.kind else {
            Issue.record("expected a message update, got \(updates)")
            return
        }
        #expect(message.text == "a castle at dusk")
        #expect(message.messageID == sent.messageID)
        #expect(message.chat.id == harness.alice.id)
        #expect(message.chat.isPrivate)
        #expect(message.from?.languageCode == "en")
    }

    @Test("with nothing to deliver, a long poll waits out its timeout and returns empty")
    func timesOutEmpty() async throws {
        let harness = try EmulatorHarness()
        let clock = ContinuousClock()
        let started = clock.now
        let updates = try await harness.client.getUpdates(timeout: 1)
        let elapsed = clock.now - started
        #expect(updates.isEmpty)
        #expect(elapsed >= .milliseconds(900), "returned after \(elapsed) instead of holding ~1 s")
    }

    @Test("offset confirms earlier updates; without it the same updates come back")
    func offsetSemantics() async throws {
        let harness = try EmulatorHarness()
        let ids = ["one", "two", "three"].map { harness.emulator.sendUserMessage($0, from: harness.alice).updateID }
        let first = try await harness.client.getUpdates()
        #expect(first.map(\.updateID) == ids)
        let again = try await harness.client.getUpdates()
        #expect(again.map(\.updateID) == ids, "unconfirmed updates must be redelivered")

        let afterFirst = try await harness.client.getUpdates(offset: ids[0] + 1)
        #expect(afterFirst.map(\.updateID) == Array(ids.dropFirst()))
        #expect(harness.emulator.snapshot.confirmedUpdateID == ids[0])

        let none = try await harness.client.getUpdates(offset: ids[2] + 1)
        #expect(none.isEmpty)
        #expect(harness.emulator.snapshot.pendingUpdateCount == 0)
        #expect(harness.emulator.snapshot.confirmedUpdateID == ids[2])
    }

    @Test("limit caps a batch; a negative offset keeps only the newest updates")
    func limitAndNegativeOffset() async throws {
        let harness = try EmulatorHarness()
        let ids = (1...5).map { harness.emulator.sendUserMessage("m\($0)", from: harness.alice).updateID }
        let two = try await harness.client.getUpdates(limit: 2)
        #expect(two.map(\.updateID) == Array(ids.prefix(2)))
        let last = try await harness.client.getUpdates(offset: -1)
        #expect(last.map(\.updateID) == [ids[4]])
        #expect(harness.emulator.snapshot.pendingUpdateCount == 1)
    }

    @Test("allowed_updates filters kinds the bot did not ask for")
    func allowedUpdates() async throws {
        let harness = try EmulatorHarness()
        harness.emulator.injectRawUpdate(#"{"poll": {"id": "p1", "question": "?", "options": []}}"#)
        let message = harness.emulator.sendUserMessage("hi", from: harness.alice)
        let updates = try await harness.client.getUpdates(allowedUpdates: ["message", "callback_query"])
        #expect(updates.map(\.updateID) == [message.updateID])
    }

    @Test("cancelling the task ends a long poll promptly with CancellationError")
    func cancellation() async throws {
        let harness = try EmulatorHarness()
        let clock = ContinuousClock()
        let task = Task { try await harness.client.getUpdates(timeout: 30) }
        #expect(await harness.emulator.waitUntil { $0.waitingPolls == 1 })
        let started = clock.now
        task.cancel()
        let result = await task.result
        #expect(clock.now - started < .seconds(3))
        #expect(throws: CancellationError.self) { try result.get() }
        // The client is still usable afterwards.
        let me = try await harness.client.getMe()
        #expect(me.isBot)
    }

    @Test("a second poller terminates the first with 409 Conflict, as on Telegram")
    func conflict() async throws {
        let harness = try EmulatorHarness()
        let other = try harness.makeClient()
        async let first = Expect.telegramError { try await harness.client.getUpdates(timeout: 20) }
        #expect(await harness.emulator.waitUntil { $0.waitingPolls == 1 })
        async let second = other.getUpdates(timeout: 1)
        let error = await first
        #expect(error?.code == .conflict)
        #expect(error?.errorCode == 409)
        _ = try await second
    }
}
