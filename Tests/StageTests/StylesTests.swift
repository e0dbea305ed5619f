import BotAPIEmulator
import Foundation
import Schema
import Testing
import TestSupport

extension StageLaneB {
    /// /styles and LoRA tags through the emulator: Ingest, Deliver and a real PostgreSQL
    /// holding the list a Renderer published.
    @Suite struct StylesTests {
        static func publish(_ bot: StageHarness) async throws {
            try await bot.database.queue.publishLoras(model: StageHarness.model, [
                PublishedLora(name: "muralismo", description: "Mexican murals, bold outlines", shortHash: "0123456789ab"),
                PublishedLora(name: "papel_picado", description: "cut paper", shortHash: "0123456789ac"),
                PublishedLora(name: "retablo", description: "", shortHash: "0123456789ad"),
            ])
            _ = try await bot.rows("UPDATE loras SET hidden = true WHERE name = 'papel_picado' RETURNING name")
        }

        @Test func stylesListsThePublishedLorasInEnglishAndSpanish() async throws {
            let bot = try await StageHarness(render: false)
            try await Self.publish(bot)
            bot.emulator.sendUserMessage("/styles", from: bot.alice)
            bot.emulator.sendUserMessage("/estilos", from: bot.bruno)
            try await bot.waitFor("both lists") { $0.sentMessages(inChat: 2001).count >= 1 && $0.sentMessages(inChat: 2002).count >= 1 }
            // An operator hides everything: the list says so.
            _ = try await bot.rows("UPDATE loras SET hidden = true RETURNING name")
            bot.emulator.sendUserMessage("/styles", from: bot.alice)
            try await bot.waitFor("the empty list") { $0.sentMessages(inChat: 2001).count >= 2 }
            await bot.stop()

            #expect(bot.texts(inChat: bot.alice.id) == [
                """
                🎨 Styles you can add to a prompt:
                • muralismo — Mexican murals, bold outlines
                • retablo

                Add one as <lora:NAME:0.8>, for example:
                /generate a market at dawn <lora:muralismo:0.8>
                The number is its strength (1 when left out); several can be combined.
                """,
                "🎨 There are no styles to choose from yet.",
            ])
            #expect(bot.texts(inChat: bot.bruno.id) == [
                """
                🎨 Estilos que puedes añadir a una descripción:
                • muralismo — Mexican murals, bold outlines
                • retablo

                Añade uno como <lora:NOMBRE:0.8>, por ejemplo:
                /generate un mercado al amanecer <lora:muralismo:0.8>
                El número es su fuerza (1 si lo omites); se pueden combinar varios.
                """,
            ])
        }

        @Test func eachBadTagGetsItsReplyAndNoJobAKnownOneIsQueuedWithItsTag() async throws {
            let bot = try await StageHarness(render: false)
            try await Self.publish(bot)
            let messages = [
                "/generate a market <lora:nope:0.5>",
                "/generate a market <lora:papel_picado>",
                "/generate a market <lora:muralismo:abc>",
                "/generate <lora:a> <lora:b> <lora:c> <lora:d> <lora:e> a market",
                "/generate a market <lora:muralismo:1.5> <lora:muralismo:1>",
                "/generate a market at dawn <lora:muralismo:0.8> --no <lora:whatever> blurry",
            ]
            for text in messages { bot.emulator.sendUserMessage(text, from: bot.alice) }
            bot.emulator.sendUserMessage("un mercado <lora:nada>", from: bot.bruno)
            try await bot.waitFor("every reply") {
                $0.sentMessages(inChat: 2001).count >= messages.count && $0.sentMessages(inChat: 2002).count >= 1
            }
            let outcomes = try await bot.rows("SELECT outcome FROM telegram_updates ORDER BY update_id").map { try $0.decode("outcome", as: String.self) }
            let jobs = try await bot.rows("SELECT prompt, negative_prompt FROM jobs")
            await bot.stop()

            let texts = bot.texts(inChat: bot.alice.id)
            #expect(Array(texts.prefix(5)) == [
                "🎨 I have no style called «nope». /styles lists the ones you can use.",
                "🎨 I have no style called «papel_picado». /styles lists the ones you can use.",
                "🎨 I cannot read «<lora:muralismo:abc>»: write <lora:NAME> or <lora:NAME:0.8>. /styles lists the styles.",
                "🎨 That prompt names 5 styles; at most 4 at once. See /styles.",
                "🎨 «<lora:muralismo:2.5>»: a style's strength must lie between -2 and 2 (repeated tags add up). See /styles.",
            ])
            #expect(texts.last?.hasPrefix("⏳ Queued, position 1.") == true)
            #expect(bot.texts(inChat: bot.bruno.id) == ["🎨 No tengo ningún estilo llamado «nada». /estilos muestra los que puedes usar."])
            #expect(outcomes == [
                "rejected:unknown_lora", "rejected:unknown_lora", "rejected:invalid_lora_tag", "rejected:too_many_loras",
                "rejected:lora_weight_out_of_range", "enqueued", "rejected:unknown_lora",
            ])
            #expect(jobs.count == 1)
            #expect(try jobs.first?.decode("prompt", as: String.self) == "a market at dawn <lora:muralismo:0.8>")
            #expect(try jobs.first?.decode("negative_prompt", as: String.self) == "<lora:whatever> blurry")
        }
    }
}
