import BotAPIEmulator
import Foundation
import PNG
import Schema
import Testing
import TestSupport

extension StageLaneB {
    /// Live previews in the chat: the Renderer's part is played by the test (claim, store
    /// previews, finish), Ingest and Deliver are the real services against the emulator.
    @Suite struct LivePreviewTests {
        /// A w×1 PNG of one grey level, so each picture is told apart by its bytes.
        static func png(_ level: UInt8, width: Int = 4) throws -> Data {
            Data(try PNGEncoder.encode(width: width, height: 1, rgb: [UInt8](repeating: level, count: width * 3)))
        }

        /// The text status message gives way to one photo: the first preview goes out as a
        /// photo replying to the request (the text is deleted), the next preview replaces its
        /// picture and caption, and the finished image replaces the last preview in that same
        /// message, with the image's caption and buttons. The chat ends with that one photo.
        @Test func previewsFormInOnePhotoThatBecomesTheImage() async throws {
            let bot = try await StageHarness(render: false)
            let request = bot.emulator.sendUserMessage("/generate a lighthouse --steps 8 --seed 5", from: bot.alice)
            try await bot.waitFor("the acknowledgement") { $0.sentMessages.contains { $0.text?.hasPrefix("⏳") == true } }
            _ = try await bot.state("SELECT 'acknowledged' AS state FROM jobs WHERE status_message_id IS NOT NULL", reaching: "acknowledged")
            let queue = bot.database.queue
            let lease = try #require(try await queue.claimRenderBatch(owner: "test-renderer", model: StageHarness.model, limit: 1, leaseSeconds: 60).first).lease

            let first = try Self.png(60), second = try Self.png(120), image = try Self.png(250, width: 8)
            #expect(try await queue.storePreviews([(lease, first)], step: 3) == [lease.jobID])
            try await bot.waitFor("the first preview") { $0.sentMessages.contains { $0.method == "sendPhoto" && $0.file == first } }
            try await bot.waitFor("the text status deleted") { $0.sentMessages.contains { $0.text?.hasPrefix("⏳") == true && $0.deleted } }
            try await queue.storePreviews([(lease, second)], step: 6)
            try await bot.waitFor("the second preview in the same photo") { $0.sentMessages.contains { $0.file == second } }
            #expect(try await queue.finishRender(lease, png: image))
            _ = try await bot.state("SELECT state::text AS state FROM jobs", reaching: "delivered")
            await bot.stop()

            let photos = bot.emulator.sentMessages(inChat: bot.alice.id).filter { $0.method == "sendPhoto" }
            #expect(photos.count == 1, "one photo message, not a trail: \(photos.map(\.messageID))")
            let photo = try #require(photos.first)
            #expect(photo.replyToMessageID == request.messageID)
            #expect(photo.previousFiles == [first, second])
            #expect(photo.file == image)
            #expect(!photo.hasMediaSpoiler, "a clean image is shown openly")
            #expect(photo.previousCaptions.first == "🎨 Rendering… step 3/8\n999,999 left today.")
            #expect(photo.previousCaptions.contains("🎨 Rendering… step 6/8\n999,999 left today."))
            #expect(photo.caption?.hasPrefix("a lighthouse\nSteps: 8") == true)
            #expect(!photo.buttons.isEmpty)
            let visible = bot.emulator.visibleSentMessages(inChat: bot.alice.id)
            #expect(visible.map(\.messageID) == [photo.messageID], "the chat shows only the photo: \(visible.map { $0.text ?? $0.method })")
            let delivered = try await bot.count("SELECT count(*) FROM jobs WHERE state = 'delivered' AND telegram_message_id = $1", Int64(photo.messageID))
            #expect(delivered == 1)
            #expect(try await bot.count("SELECT count(*) FROM job_previews") == 0)
        }

        /// Previews of an image not checked yet go behind a spoiler; when the checker then
        /// blocks the image, the preview photo goes and the notice says why: nothing of the
        /// image stays in the chat.
        @Test func aBlockedImageTakesItsSpoileredPreviewAlong() async throws {
            let bot = try await StageHarness(render: false)
            let request = bot.emulator.sendUserMessage("/generate a harbour --steps 8", from: bot.alice)
            _ = try await bot.state("SELECT 'acknowledged' AS state FROM jobs WHERE status_message_id IS NOT NULL", reaching: "acknowledged")
            let queue = bot.database.queue
            let lease = try #require(try await queue.claimRenderBatch(owner: "test-renderer", model: StageHarness.model, limit: 1, leaseSeconds: 60).first).lease
            let preview = try Self.png(90)
            try await queue.storePreviews([(lease, preview)], step: 4, spoiler: [true])
            try await bot.waitFor("the spoilered preview") { $0.sentMessages.contains { $0.file == preview && $0.hasMediaSpoiler } }
            let blocked = JobQueue.RenderResult(lease: lease, png: try Self.png(250), safety: ImageSafety(nsfw: true, margin: 0.1), policy: .block)
            #expect(try await queue.blockRenders([blocked]) == [lease.jobID])
            try await bot.waitFor("the notice and the preview gone") { snapshot in
                snapshot.sentMessages.contains { $0.text?.hasPrefix("🙈") == true } && snapshot.sentMessages.contains { $0.file == preview && $0.deleted }
            }
            await bot.stop()
            let visible = bot.emulator.visibleSentMessages(inChat: bot.alice.id)
            #expect(visible.count == 1)
            #expect(visible.first?.text == "🙈 The safety filter flagged this image, so it was not sent. Try a different prompt or seed.")
            #expect(visible.first?.replyToMessageID == request.messageID)
            #expect(!bot.emulator.sentMessages(inChat: bot.alice.id).contains { $0.file == (try? Self.png(250)) })
        }

        /// LIENZO_NSFW_POLICY=spoiler: a flagged image is sent behind Telegram's spoiler.
        @Test func aFlaggedImageUnderTheSpoilerPolicyIsSentBehindOne() async throws {
            let bot = try await StageHarness(render: false)
            bot.emulator.sendUserMessage("/generate a beach --steps 8", from: bot.alice)
            let queue = bot.database.queue
            var claimed: [JobQueue.ClaimedJob] = []
            while claimed.isEmpty {
                claimed = try await queue.claimRenderBatch(owner: "test-renderer", model: StageHarness.model, limit: 1, leaseSeconds: 60)
                try await Task.sleep(for: .milliseconds(20))
            }
            let image = try Self.png(180)
            let flagged = JobQueue.RenderResult(lease: claimed[0].lease, png: image, safety: ImageSafety(nsfw: true, margin: 0.02), policy: .spoiler)
            #expect(try await queue.finishRenders([flagged]) == [claimed[0].lease.jobID])
            _ = try await bot.state("SELECT state::text AS state FROM jobs", reaching: "delivered")
            await bot.stop()
            let photo = try #require(bot.emulator.sentMessages(inChat: bot.alice.id).first { $0.method == "sendPhoto" })
            #expect(photo.file == image && photo.hasMediaSpoiler)
        }

        /// A user who deletes the preview photo still gets the image, as a new photo.
        @Test func deletedPreviewPhotoStillGetsTheImage() async throws {
            let bot = try await StageHarness(render: false)
            bot.emulator.sendUserMessage("/generate a harbour --steps 8", from: bot.alice)
            _ = try await bot.state("SELECT 'acknowledged' AS state FROM jobs WHERE status_message_id IS NOT NULL", reaching: "acknowledged")
            let queue = bot.database.queue
            let lease = try #require(try await queue.claimRenderBatch(owner: "test-renderer", model: StageHarness.model, limit: 1, leaseSeconds: 60).first).lease
            let preview = try Self.png(90), image = try Self.png(200)
            try await queue.storePreviews([(lease, preview)], step: 2)
            try await bot.waitFor("the preview") { $0.sentMessages.contains { $0.method == "sendPhoto" && $0.file == preview } }
            let previewID = try #require(bot.emulator.sentMessages(inChat: bot.alice.id).first { $0.method == "sendPhoto" }).messageID
            bot.emulator.deleteMessage(previewID, inChat: bot.alice.id)
            #expect(try await queue.finishRender(lease, png: image))
            _ = try await bot.state("SELECT state::text AS state FROM jobs", reaching: "delivered")
            await bot.stop()
            let visible = bot.emulator.visibleSentMessages(inChat: bot.alice.id)
            #expect(visible.count == 1 && visible.first?.file == image && visible.first?.messageID != previewID)
        }
    }
}
