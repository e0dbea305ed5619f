import BotAPIEmulator
import Foundation
import Telegram
import Testing

@Suite("editMessageCaption through the emulator")
struct EditMessageCaptionTests {
    @Test("a photo's caption and keyboard change; the same again is 'message is not modified'")
    func editCaption() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let png = TestPNG.make(width: 32, height: 32)
        let sent = try await harness.client.sendPhoto(chatID: harness.alice.id, photo: .png(png), caption: "step 10/20")
        let keyboard = InlineKeyboardMarkup(inlineKeyboard: [[InlineKeyboardButton(text: "Cancel", callbackData: "cancel:3")]])
        let edited = try await harness.client.editMessageCaption(
            chatID: harness.alice.id, messageID: sent.messageID, caption: "<b>step 20/20</b>", parseMode: "HTML",
            replyMarkup: keyboard
        )
        #expect(edited.caption == "<b>step 20/20</b>")
        #expect(edited.replyMarkup == keyboard)
        #expect(edited.editDate != nil)
        #expect(edited.largestPhoto?.fileID == sent.largestPhoto?.fileID, "the photo stays")

        let again = await Expect.telegramError {
            try await harness.client.editMessageCaption(
                chatID: harness.alice.id, messageID: sent.messageID, caption: "<b>step 20/20</b>", parseMode: "HTML",
                replyMarkup: keyboard
            )
        }
        #expect(again?.isMessageNotModified == true)

        let record = try #require(harness.emulator.sentMessages.last)
        #expect(record.caption == "<b>step 20/20</b>")
        #expect(record.parseMode == "HTML")
        #expect(record.previousCaptions == ["step 10/20"])
        #expect(record.file == png)
        #expect(record.editCount == 1)
        #expect(harness.emulator.requests(method: "editMessageCaption").last?.encoding == "json")
    }

    @Test("omitting the caption removes it")
    func removeCaption() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let sent = try await harness.client.sendDocument(
            chatID: harness.alice.id, document: .png(TestPNG.make(width: 8, height: 8), fileName: "x.png"), caption: "lossless"
        )
        let edited = try await harness.client.editMessageCaption(chatID: harness.alice.id, messageID: sent.messageID)
        #expect(edited.caption == nil)
        #expect(harness.emulator.sentMessages.last?.previousCaptions == ["lossless"])
    }

    @Test("a text message has no caption to edit; a long caption is refused")
    func refusals() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let text = try await harness.client.sendMessage(chatID: harness.alice.id, text: "Queued")
        let error = await Expect.telegramError {
            try await harness.client.editMessageCaption(chatID: harness.alice.id, messageID: text.messageID, caption: "x")
        }
        #expect(error?.code == .badRequest)
        #expect(error?.apiDescription == "Bad Request: there is no caption in the message to edit")

        let photo = try await harness.client.sendPhoto(chatID: harness.alice.id, photo: .png(TestPNG.make(width: 8, height: 8)))
        let long = await Expect.telegramError {
            try await harness.client.editMessageCaption(
                chatID: harness.alice.id, messageID: photo.messageID, caption: String(repeating: "x", count: 1025)
            )
        }
        #expect(long?.apiDescription == "Bad Request: message caption is too long")
    }
}
