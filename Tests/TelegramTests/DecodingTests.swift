import BotAPIEmulator
import Foundation
import Telegram
import Testing

@Suite("Unknown fields and update kinds are ignored, never fatal")
struct DecodingTests {
    func decode(_ json: String) throws -> [Update] {
        try JSONDecoder().decode([Update].self, from: Data(json.utf8))
    }

    @Test("unknown fields at every level are ignored")
    func unknownFields() throws {
        let updates = try decode(
            #"""
            [{"update_id": 5, "brand_new": {"x": 1}, "message": {"message_id": 3, "date": 1700000000,
              "chat": {"id": 42, "type": "private", "accent_color_id": 3}, "text": "hi",
              "from": {"id": 42, "is_bot": false, "first_name": "A", "is_premium": true},
              "link_preview_options": {"is_disabled": true}}}]
            """#)
        #expect(updates.first?.message?.text == "hi")
        #expect(updates.first?.message?.from?.firstName == "A")
    }

    @Test("an unknown kind still yields its update_id, with kind .unknown")
    func unknownKind() throws {
        let updates = try decode(#"[{"update_id": 9, "message_reaction": {"chat": {"id": 1}}}]"#)
        #expect(updates.map(\.updateID) == [9])
        #expect(updates.first?.kind == .unknown)
    }

    @Test("a known kind with a malformed payload degrades to .unknown instead of failing the batch")
    func malformedPayload() throws {
        let updates = try decode(
            #"""
            [{"update_id": 1, "message": {"message_id": "not a number"}},
             {"update_id": 2, "message": {"message_id": 7, "date": 0, "chat": {"id": 1, "type": "private"}}}]
            """#)
        #expect(updates.map(\.updateID) == [1, 2])
        #expect(updates[0].kind == .unknown)
        #expect(updates[1].message?.messageID == 7)
    }

    @Test("an old callback's InaccessibleMessage (date 0) decodes")
    func inaccessibleMessage() throws {
        let updates = try decode(
            #"""
            [{"update_id": 3, "callback_query": {"id": "c", "from": {"id": 1, "is_bot": false, "first_name": "A"},
              "chat_instance": "i", "data": "d", "message": {"chat": {"id": 1, "type": "private"}, "message_id": 4, "date": 0}}}]
            """#)
        guard case .callbackQuery(let query) = updates.first?.kind else {
            Issue.record("not a callback query: \(updates)")
            return
        }
        #expect(query.message?.date == 0 && query.message?.messageID == 4)
    }

    @Test("through real getUpdates: raw unknown kinds and fields reach the client as .unknown and move the offset")
    func throughEmulator() async throws {
        let harness = try EmulatorHarness()
        let poll = try #require(harness.emulator.injectRawUpdate(#"{"poll": {"id": "1", "question": "?"}}"#))
        let odd = try #require(harness.emulator.injectRawUpdate(#"{"message": {"message_id": true}}"#))
        let normal = harness.emulator.sendUserMessage("ok", from: harness.alice).updateID
        let updates = try await harness.client.getUpdates()
        #expect(updates.map(\.updateID) == [poll, odd, normal])
        #expect(updates.map { $0.kind == .unknown } == [true, true, false])
        let offset = try #require(updates.last?.updateID) + 1
        #expect(try await harness.client.getUpdates(offset: offset).isEmpty)
        #expect(harness.emulator.snapshot.pendingUpdateCount == 0)
    }
}
