import Bot
@testable import BotServices
import Foundation
import Schema
import Telegram
import Testing
import TestSupport

/// Ingest handles consecutive /generate messages of one getUpdates response as a run: one
/// transaction, one enqueue. The rows and replies must be those of one at a time.
@Suite struct GenerateRunTests {
    static func handler(_ db: TestDatabase) -> UpdateHandler {
        UpdateHandler(connection: db.connection, router: MessageRouter(botUsername: "lienzo_bot", limits: StageHarness.limits()),
                      botID: 1, logger: TestDatabase.testLogger)
    }

    /// Users 1 and 2 send prompts in turn; user 1 may make two jobs today, so their third
    /// is refused, and update 3 was handled before (Ingest re-read it after a restart).
    static let updates: [Update] = [(1, 1), (2, 2), (3, 1), (4, 1), (5, 2), (6, 1)].map { update, user in
        let message = Message(
            messageID: update * 10, date: 1, chat: Chat(id: Int64(user), type: "private"),
            from: User(id: Int64(user), firstName: "U\(user)", languageCode: user == 1 ? "es" : "en"),
            text: "a fox number \(update) --seed \(update)")
        return Update(updateID: update, message: message)
    }

    static func prepare(_ db: TestDatabase) async throws {
        try await db.queue.setQuotaDefaults(dailyLimit: 50, maxQueued: 10)
        try await db.queue.setUserQuota(userID: 1, dailyLimit: 2, maxQueued: nil)
        _ = try await handler(db).handle(updates[2])
    }

    /// Everything Ingest wrote, as text, in a stable order.
    static func written(_ db: TestDatabase) async throws -> [String] {
        let queries = [
            "SELECT update_id || ' ' || user_id || ' ' || prompt || ' ' || seed || ' ' || state AS row FROM jobs ORDER BY id",
            "SELECT chat_id || ' ' || reply_to_message_id || ' ' || kind || ' ' || args::text || ' ' || coalesce(language_code, '-') AS row FROM outbox ORDER BY id",
            "SELECT update_id || ' ' || outcome AS row FROM telegram_updates ORDER BY update_id",
            "SELECT next_offset::text AS row FROM telegram_offsets",
        ]
        var rows: [String] = []
        for (index, query) in queries.enumerated() {
            rows += try await db.connection.query(SQLText(name: "TestWritten\(index)", text: query)).map { try $0.decode("row") }
        }
        return rows
    }

    @Test func aRunWritesWhatTheUpdatesOneAtATimeWould() async throws {
        let oneByOne = try await TestDatabase.make()
        let asARun = try await TestDatabase.make()
        try await Self.prepare(oneByOne)
        try await Self.prepare(asARun)

        var expected: [String] = []
        for update in Self.updates { expected.append(try await Self.handler(oneByOne).handle(update).outcome) }
        let handler = Self.handler(asARun)
        let run = Self.updates.compactMap(handler.generateMessage)
        #expect(run.count == Self.updates.count)
        #expect(try await handler.handleRun(run).map(\.outcome) == expected)
        #expect(expected == ["enqueued", "enqueued", "duplicate", "refused:daily_limit", "enqueued", "refused:daily_limit"])
        let written = try await Self.written(asARun)
        #expect(written == (try await Self.written(oneByOne)))
        #expect(written.contains("7"))
    }

    @Test func onlyGenerateMessagesOfUsersMakeARun() async throws {
        let handler = Self.handler(try await TestDatabase.make())
        let user = User(id: 9, firstName: "U")
        func message(_ text: String, from: User? = user) -> Update {
            Update(updateID: 1, message: Message(messageID: 1, date: 1, chat: Chat(id: 9, type: "private"), from: from, text: text))
        }
        #expect(handler.generateMessage(message("a castle")) != nil)
        #expect(handler.generateMessage(message("/status")) == nil)
        #expect(handler.generateMessage(message("a castle --steps 0")) == nil)
        #expect(handler.generateMessage(message("a castle", from: User(id: 9, isBot: true, firstName: "B"))) == nil)
        #expect(handler.generateMessage(message("a castle", from: nil)) == nil)
    }
}
