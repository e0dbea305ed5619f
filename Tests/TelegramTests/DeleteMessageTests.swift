import BotAPIEmulator
import Foundation
import Telegram
import Testing

@Suite("deleteMessage through the emulator")
struct DeleteMessageTests {
    @Test("the status message is deleted and the chat ends with one photo")
    func statusThenPhoto() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let status = try await harness.client.sendMessage(chatID: harness.alice.id, text: "Rendering: step 20/20")
        let photo = try await harness.client.sendPhoto(chatID: harness.alice.id, photo: .png(TestPNG.make(width: 16, height: 16)))
        #expect(try await harness.client.deleteMessage(chatID: harness.alice.id, messageID: status.messageID))

        let visible = harness.emulator.visibleSentMessages(inChat: harness.alice.id)
        #expect(visible.map(\.messageID) == [photo.messageID])
        #expect(visible.first?.method == "sendPhoto")
        let all = harness.emulator.sentMessages(inChat: harness.alice.id)
        #expect(all.map(\.deleted) == [true, false], "the deleted message's record stays for inspection")
        #expect(all.first?.text == "Rendering: step 20/20")
    }

    @Test("a deleted message can't be edited, deleted again, or replied to")
    func goneAfterDeletion() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let photo = try await harness.client.sendPhoto(
            chatID: harness.alice.id, photo: .png(TestPNG.make(width: 8, height: 8)), caption: "a"
        )
        try await harness.client.deleteMessage(chatID: harness.alice.id, messageID: photo.messageID)

        let edit = await Expect.telegramError {
            try await harness.client.editMessageCaption(chatID: harness.alice.id, messageID: photo.messageID, caption: "b")
        }
        #expect(edit?.apiDescription == "Bad Request: message to edit not found")
        #expect(edit?.isMessageToEditGone == true)
        let media = await Expect.telegramError {
            try await harness.client.editMessageMedia(
                chatID: harness.alice.id, messageID: photo.messageID,
                media: InputMediaPhoto(media: .png(TestPNG.make(width: 8, height: 8, seed: 3)))
            )
        }
        #expect(media?.isMessageToEditGone == true)

        let twice = await Expect.telegramError {
            try await harness.client.deleteMessage(chatID: harness.alice.id, messageID: photo.messageID)
        }
        #expect(twice?.code == .badRequest)
        #expect(twice?.apiDescription == "Bad Request: message to delete not found")
        #expect(twice?.isMessageToDeleteGone == true)

        let reply = await Expect.telegramError {
            try await harness.client.sendMessage(
                chatID: harness.alice.id, text: "x", replyParameters: ReplyParameters(messageID: photo.messageID))
        }
        #expect(reply?.isReplyTargetMissing == true)
    }

    @Test("in a private chat the bot may delete the user's message; in a group it may not")
    func userMessages() async throws {
        let harness = try EmulatorHarness()
        let request = harness.emulator.sendUserMessage("/generate a fox", from: harness.alice)
        #expect(try await harness.client.deleteMessage(chatID: harness.alice.id, messageID: request.messageID))

        let group = EmulatedChat.group(id: -4242, title: "Artists")
        let groupMessage = harness.emulator.sendUserMessage("hello", from: harness.bruno, in: group)
        let error = await Expect.telegramError {
            try await harness.client.deleteMessage(chatID: group.id, messageID: groupMessage.messageID)
        }
        #expect(error?.apiDescription == "Bad Request: message can't be deleted")
        #expect(error?.isMessageToDeleteGone == true)
    }

    @Test("a bot message the user deletes is marked deleted too")
    func deletedByUser() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let sent = try await harness.client.sendMessage(chatID: harness.alice.id, text: "bye")
        harness.emulator.deleteMessage(sent.messageID, inChat: harness.alice.id)
        #expect(harness.emulator.sentMessages.last?.deleted == true)
        #expect(harness.emulator.visibleSentMessages(inChat: harness.alice.id).isEmpty)
    }

    @Test("scripted faults apply to the new methods by name")
    func faults() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let photo = try await harness.client.sendPhoto(chatID: harness.alice.id, photo: .png(TestPNG.make(width: 8, height: 8)))
        harness.emulator.addFault(.tooManyRequests(retryAfter: 4), method: "deleteMessage")
        harness.emulator.addFault(.serverError(status: 502, description: "Bad Gateway"), method: "editMessageCaption")
        harness.emulator.addFault(.tooManyRequests(retryAfter: 2), method: "editMessageMedia")

        let delete = await Expect.telegramError {
            try await harness.client.deleteMessage(chatID: harness.alice.id, messageID: photo.messageID)
        }
        #expect(delete?.code == .tooManyRequests && delete?.retryAfter == 4)
        let caption = await Expect.telegramError {
            try await harness.client.editMessageCaption(chatID: harness.alice.id, messageID: photo.messageID, caption: "c")
        }
        #expect(caption?.code == .serverError)
        let media = await Expect.telegramError {
            try await harness.client.editMessageMedia(
                chatID: harness.alice.id, messageID: photo.messageID,
                media: InputMediaPhoto(media: .png(TestPNG.make(width: 8, height: 8)))
            )
        }
        #expect(media?.retryAfter == 2)
        #expect(harness.emulator.remainingFaults.isEmpty)
        #expect(harness.emulator.visibleSentMessages(inChat: harness.alice.id).count == 1, "faulted calls changed nothing")
        #expect(harness.emulator.sentMessages.last?.editCount == 0)
    }
}
