import Bot
@testable import BotServices
import Foundation
import Schema
import Telegram
import Testing
import TestSupport

/// Ingest refuses a prompt naming a LoRA the model does not offer (unknown, hidden, or
/// another model's), on every path a request takes: one update at a time, a run of
/// /generate messages in one transaction, and a button under a photo.
@Suite struct LoraIngestTests {
    static func prepare() async throws -> TestDatabase {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        try await db.queue.publishLoras(model: StageHarness.model, [
            PublishedLora(name: "muralismo", description: "Mexican murals", shortHash: "0123456789ab"),
            PublishedLora(name: "papel_picado", description: "cut paper", shortHash: "0123456789ac"),
        ])
        try await db.queue.publishLoras(model: "another-model", [PublishedLora(name: "retablo", description: "", shortHash: "0123456789ad")])
        try await db.connection.query(SQLText(name: "TestHidePapelPicado", text: "UPDATE loras SET hidden = true WHERE name = 'papel_picado'"))
        return db
    }

    /// A fixed seed, so that two databases get the same rows.
    static func message(_ update: Int, _ text: String, user: Int64 = 1) -> Update {
        Update(updateID: update, message: Message(
            messageID: update * 10, date: 1, chat: Chat(id: user, type: "private"),
            from: User(id: user, firstName: "U\(user)", languageCode: user == 1 ? "en" : "es"), text: text + " --seed \(update)"))
    }

    static let updates: [Update] = [
        message(1, "a market <lora:muralismo:0.8>"),
        message(2, "a market <lora:nope>", user: 2),
        message(3, "a market <lora:papel_picado>"),
        message(4, "a market <lora:retablo>", user: 2),
        message(5, "a plain market"),
        message(6, "/generate <lora:muralismo> a second one --no <lora:nope>", user: 2),
    ]
    static let outcomes = [
        "enqueued", "rejected:unknown_lora", "rejected:unknown_lora", "rejected:unknown_lora", "enqueued", "enqueued",
    ]

    static func prompts(_ db: TestDatabase) async throws -> [String] {
        try await db.connection.query(SQLText(name: "TestJobPrompts", text: "SELECT prompt FROM jobs ORDER BY id")).map { try $0.decode("prompt") }
    }

    @Test func oneAtATimeAndAsARunRefuseTheSameRequests() async throws {
        let oneByOne = try await Self.prepare()
        let asARun = try await Self.prepare()
        var outcomes: [String] = []
        for update in Self.updates { outcomes.append(try await GenerateRunTests.handler(oneByOne).handle(update).outcome) }
        #expect(outcomes == Self.outcomes)

        let handler = GenerateRunTests.handler(asARun)
        let run = Self.updates.compactMap(handler.generateMessage)
        #expect(run.count == Self.updates.count)
        #expect(try await handler.handleRun(run).map(\.outcome) == Self.outcomes)
        let written = try await GenerateRunTests.written(asARun)
        #expect(written == (try await GenerateRunTests.written(oneByOne)))
        // The accepted jobs keep their tags as typed: the Renderer reads them there.
        #expect(try await Self.prompts(asARun) == ["a market <lora:muralismo:0.8>", "a plain market", "<lora:muralismo> a second one"])
        // Each refusal is a reply to its own message, in order with the acknowledgements.
        let kinds = try await asARun.connection.query(SQLText(name: "TestReplyKinds", text: """
            SELECT reply_to_message_id || ' ' || kind || coalesce(' ' || (args -> 'rejection' -> 'unknownLora' ->> 'name'), '') AS row
              FROM outbox ORDER BY id
            """)).map { try $0.decode("row", as: String.self) }
        #expect(kinds == ["10 queued", "20 rejected nope", "30 rejected papel_picado", "40 rejected retablo", "50 queued", "60 queued"])
    }

    @Test func badTagsLeaveTheRunAndAreRefusedWithoutAJob() async throws {
        let db = try await Self.prepare()
        let handler = GenerateRunTests.handler(db)
        let refused = [
            (Self.message(1, "a market <lora:muralismo:abc>"), "rejected:invalid_lora_tag"),
            (Self.message(2, "a <lora:a> <lora:b> <lora:c> <lora:d> <lora:e>"), "rejected:too_many_loras"),
            (Self.message(3, "a market <lora:muralismo:1.5> <lora:muralismo:1>"), "rejected:lora_weight_out_of_range"),
        ]
        for (update, outcome) in refused {
            #expect(handler.generateMessage(update) == nil)
            #expect(try await handler.handle(update).outcome == outcome)
        }
        #expect(try await Self.prompts(db).isEmpty)
    }

    @Test func aButtonOnAJobWhoseLoraWasHiddenSinceIsRefused() async throws {
        let db = try await Self.prepare()
        let handler = GenerateRunTests.handler(db)
        #expect(try await handler.handle(Self.updates[0]).outcome == "enqueued")
        let jobID: Int64 = try #require(try await db.connection.query(SQLText(name: "TestFirstJob", text: "SELECT id FROM jobs")).first?.decode("id"))
        try await db.connection.query(SQLText(name: "TestHideMuralismo", text: "UPDATE loras SET hidden = true WHERE name = 'muralismo'"))

        let press = Update(updateID: 7, callbackQuery: CallbackQuery(
            id: "press", from: User(id: 1, firstName: "U1", languageCode: "en"),
            message: Message(messageID: 99, date: 1, chat: Chat(id: 1, type: "private")), chatInstance: "c", data: "s:\(jobID)"))
        let handled = try await handler.handle(press)
        #expect(handled.outcome == "callback:rejected:unknown_lora")
        #expect(handled.callbackAnswer?.text == "🎨 I have no style called «muralismo». /styles lists the ones you can use.")
        #expect(handled.callbackAnswer?.showAlert == true)
        #expect(try await Self.prompts(db).count == 1)
    }
}
