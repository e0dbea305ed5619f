import BotAPIEmulator
import Foundation
import Telegram
import Testing

@Suite("editMessageMedia and has_spoiler through the emulator")
struct EditMessageMediaTests {
    let keyboard = InlineKeyboardMarkup(inlineKeyboard: [[InlineKeyboardButton(text: "Again", callbackData: "again:1")]])

    @Test("a new PNG, caption and keyboard replace the photo's; the old bytes and caption are kept as history")
    func replacePhoto() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let preview = TestPNG.make(width: 64, height: 64, seed: 1)
        let sent = try await harness.client.sendPhoto(chatID: harness.alice.id, photo: .png(preview), caption: "step 5/20")
        let final = TestPNG.make(width: 512, height: 384, seed: 2)
        let edited = try await harness.client.editMessageMedia(
            chatID: harness.alice.id, messageID: sent.messageID,
            media: InputMediaPhoto(media: .png(final, fileName: "fox.png"), caption: "a fox · seed 2"), replyMarkup: keyboard
        )
        #expect(edited.messageID == sent.messageID)
        #expect(edited.largestPhoto?.width == 512 && edited.largestPhoto?.height == 384)
        #expect(edited.largestPhoto?.fileSize == final.count)
        #expect(edited.largestPhoto?.fileID != sent.largestPhoto?.fileID)
        #expect(edited.caption == "a fox · seed 2")
        #expect(edited.replyMarkup == keyboard)
        #expect(edited.editDate != nil)
        #expect(edited.hasMediaSpoiler == nil)

        let record = try #require(harness.emulator.sentMessages(inChat: harness.alice.id).first)
        #expect(record.file == final, "the record shows the new bytes")
        #expect(record.fileName == "fox.png")
        #expect(record.previousFiles == [preview])
        #expect(record.caption == "a fox · seed 2")
        #expect(record.previousCaptions == ["step 5/20"])
        #expect(record.buttons.first?.first?.callbackData == "again:1")
        #expect(record.editCount == 1)
        #expect(harness.emulator.requests(method: "editMessageMedia").last?.encoding == "multipart")
    }

    @Test("omitting caption and reply_markup removes them, as Telegram does")
    func omittedCaptionAndMarkupAreRemoved() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let sent = try await harness.client.sendPhoto(
            chatID: harness.alice.id, photo: .png(TestPNG.make(width: 8, height: 8)), caption: "old", replyMarkup: keyboard
        )
        let edited = try await harness.client.editMessageMedia(
            chatID: harness.alice.id, messageID: sent.messageID,
            media: InputMediaPhoto(media: .png(TestPNG.make(width: 8, height: 8, seed: 9)))
        )
        #expect(edited.caption == nil)
        #expect(edited.replyMarkup == nil)
        let record = try #require(harness.emulator.sentMessages.last)
        #expect(record.caption == nil && record.buttons.isEmpty)
        #expect(record.previousCaptions == ["old"])
    }

    @Test("the same file_id, caption and keyboard again is 'message is not modified'; a new caption on it is not")
    func notModified() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let png = TestPNG.make(width: 16, height: 16)
        let sent = try await harness.client.sendPhoto(
            chatID: harness.alice.id, photo: .png(png), caption: "same", replyMarkup: keyboard
        )
        let fileID = try #require(sent.largestPhoto?.fileID)
        let error = await Expect.telegramError {
            try await harness.client.editMessageMedia(
                chatID: harness.alice.id, messageID: sent.messageID, media: InputMediaPhoto(media: .fileID(fileID), caption: "same"),
                replyMarkup: keyboard
            )
        }
        #expect(error?.isMessageNotModified == true)
        #expect(SendRetryPolicy().decision(for: try #require(error), attempt: 1) == .alreadyDone)

        let recaptioned = try await harness.client.editMessageMedia(
            chatID: harness.alice.id, messageID: sent.messageID, media: InputMediaPhoto(media: .fileID(fileID), caption: "new"),
            replyMarkup: keyboard
        )
        #expect(recaptioned.largestPhoto?.fileID == fileID, "the photo shown stays the same file")
        #expect(recaptioned.caption == "new")
        #expect(harness.emulator.sentMessages.last?.file == png)
    }

    @Test("a text message has no media to edit, and a user's message can't be edited")
    func refusals() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let status = try await harness.client.sendMessage(chatID: harness.alice.id, text: "Queued, position 1")
        let media = InputMediaPhoto(media: .png(TestPNG.make(width: 8, height: 8)), caption: "done")
        let textError = await Expect.telegramError {
            try await harness.client.editMessageMedia(chatID: harness.alice.id, messageID: status.messageID, media: media)
        }
        #expect(textError?.code == .badRequest)
        #expect(textError?.errorCode == 400)
        #expect(textError?.apiDescription == "Bad Request: there is no media in the message to edit")
        #expect(harness.emulator.sentMessages.last?.text == "Queued, position 1", "the text message is unchanged")

        let userMessage = harness.emulator.sendUserMessage("hi", from: harness.alice)
        let userError = await Expect.telegramError {
            try await harness.client.editMessageMedia(chatID: harness.alice.id, messageID: userMessage.messageID, media: media)
        }
        #expect(userError?.apiDescription == "Bad Request: message can't be edited")

        let photo = try await harness.client.sendPhoto(chatID: harness.alice.id, photo: .png(TestPNG.make(width: 8, height: 8)))
        let garbage = await Expect.telegramError {
            try await harness.client.editMessageMedia(
                chatID: harness.alice.id, messageID: photo.messageID, media: InputMediaPhoto(media: .png(Data("not a png".utf8)))
            )
        }
        #expect(garbage?.apiDescription == "Bad Request: IMAGE_PROCESS_FAILED")
    }

    @Test("the media parameter is read as the Bot API server reads it")
    func unreadableMedia() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let photo = try await harness.client.sendPhoto(chatID: harness.alice.id, photo: .png(TestPNG.make(width: 8, height: 8)))
        func edit(_ media: JSONValue?) async -> String? {
            var parameters: [String: JSONValue] = ["chat_id": .int(harness.alice.id), "message_id": .int(Int64(photo.messageID))]
            parameters["media"] = media
            return await Expect.telegramError {
                try await harness.client.call("editMessageMedia", parameters: JSONValue.object(parameters), as: Message.self)
            }?.apiDescription
        }
        #expect(await edit(nil) == #"Bad Request: parameter "media" is required"#)
        #expect(await edit(["type": "photo", "media": "attach://missing"]) == "Bad Request: can't parse InputMedia: media not found")
        #expect(await edit(["type": "photo", "media": "no-such-file-id"]) == "Bad Request: wrong file identifier/HTTP URL specified")
        #expect(await edit(["type": "photo"]) == #"Bad Request: can't parse InputMedia: Field "media" must be of type String"#)
        let longCaption = JSONValue.string(String(repeating: "x", count: 1025))
        let fileID = try #require(photo.largestPhoto?.fileID)
        let tooLong = await edit(["type": "photo", "media": .string(fileID), "caption": longCaption])
        #expect(tooLong == "Bad Request: message caption is too long")
    }

    @Test("has_spoiler: sendPhoto sets it, editMessageMedia replaces it, Message carries has_media_spoiler")
    func spoilerRoundTrip() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let plain = try await harness.client.sendPhoto(chatID: harness.alice.id, photo: .png(TestPNG.make(width: 8, height: 8)))
        #expect(plain.hasMediaSpoiler == nil, "Telegram leaves the field out when false")
        let covered = try await harness.client.sendPhoto(
            chatID: harness.alice.id, photo: .png(TestPNG.make(width: 8, height: 8, seed: 5)), caption: "nsfw?", hasSpoiler: true
        )
        #expect(covered.hasMediaSpoiler == true)
        #expect(harness.emulator.sentMessages.last?.hasMediaSpoiler == true)

        let fileID = try #require(covered.largestPhoto?.fileID)
        let uncovered = try await harness.client.editMessageMedia(
            chatID: harness.alice.id, messageID: covered.messageID,
            media: InputMediaPhoto(media: .fileID(fileID), caption: "nsfw?", hasSpoiler: false)
        )
        #expect(uncovered.hasMediaSpoiler == nil, "a spoiler change alone is a modification")
        #expect(harness.emulator.sentMessages.last?.hasMediaSpoiler == false)
        let recovered = try await harness.client.editMessageMedia(
            chatID: harness.alice.id, messageID: plain.messageID,
            media: InputMediaPhoto(media: .png(TestPNG.make(width: 8, height: 8, seed: 6)), hasSpoiler: true)
        )
        #expect(recovered.hasMediaSpoiler == true)

        let decoded = try JSONDecoder().decode(
            Message.self,
            from: Data(#"{"message_id": 1, "date": 0, "chat": {"id": 1, "type": "private"}, "has_media_spoiler": true}"#.utf8)
        )
        #expect(decoded.hasMediaSpoiler == true)
    }
}
