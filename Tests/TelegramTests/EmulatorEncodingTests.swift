import BotAPIEmulator
import Foundation
import Testing

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The emulator must accept every body encoding the Bot API does, not only the two the
/// client uses; these requests come from URLSession, a different HTTP stack.
@Suite("Emulator request encodings")
struct EmulatorEncodingTests {
    func post(_ emulator: BotAPIEmulator, _ method: String, contentType: String?, body: Data) async throws -> (Int, JSONValue?) {
        let url = try #require(URL(string: "\(emulator.baseURL)/bot\(EmulatorHarness.token.revealed)/\(method)"))
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, JSONValue.parse(data))
    }

    @Test("application/x-www-form-urlencoded, with reply_markup as JSON text")
    func urlencoded() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let markup = #"{"inline_keyboard":[[{"text":"Go","callback_data":"go"}]]}"#
        let encodedMarkup = markup.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let body = Data("chat_id=\(harness.alice.id)&text=caf%C3%A9+con+leche&reply_markup=\(encodedMarkup)".utf8)
        let (status, reply) = try await post(harness.emulator, "sendMessage", contentType: "application/x-www-form-urlencoded", body: body)
        #expect(status == 200)
        #expect(reply?["ok"] == true)
        #expect(reply?["result"]?["text"]?.stringValue == "café con leche")
        #expect(harness.emulator.sentMessages.last?.buttons.first?.first?.callbackData == "go")
        #expect(harness.emulator.requests.last?.encoding == "urlencoded")
    }

    @Test("JSON bodies, and method names are case-insensitive")
    func json() async throws {
        let harness = try EmulatorHarness()
        harness.aliceSaysHello()
        let body = Data(#"{"chat_id": \#(harness.alice.id), "text": "hola"}"#.utf8)
        let (status, reply) = try await post(harness.emulator, "SENDMESSAGE", contentType: "application/json", body: body)
        #expect(status == 200)
        #expect(reply?["result"]?["chat"]?["id"]?.int64Value == harness.alice.id)
    }

    @Test("errors use Telegram's envelope and HTTP status")
    func errorEnvelope() async throws {
        let harness = try EmulatorHarness()
        let (status, reply) = try await post(
            harness.emulator, "sendMessage", contentType: "application/json", body: Data(#"{"chat_id": 5, "text": "x"}"#.utf8))
        #expect(status == 400)
        #expect(reply == ["ok": false, "error_code": 400, "description": "Bad Request: chat not found"])
    }
}
