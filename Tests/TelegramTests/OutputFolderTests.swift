import BotAPIEmulator
import Foundation
import Runtime
import Telegram
import Testing

@Suite("Emulator output folder (the playground's view)")
struct OutputFolderTests {
    @Test("the transcript records both sides and photos are saved byte for byte")
    func writesTranscriptAndImages() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lienzo-emulator-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = BotAPIEmulator(token: EmulatorHarness.token, outputDirectory: folder)
        try emulator.start()
        defer { emulator.stop() }
        let client = try TelegramClient(configuration: TelegramConfiguration(token: EmulatorHarness.token, apiURL: emulator.baseURL))
        let user = EmulatedUser(id: 77, firstName: "Dana")
        emulator.sendUserMessage("/generate a red kite", from: user)
        let png = TestPNG.make(width: 32, height: 32, seed: 9)
        let status = try await client.sendMessage(chatID: 77, text: "Queued, position 1")
        try await client.editMessageText(chatID: 77, messageID: status.messageID, text: "Done")
        let photo = try await client.sendPhoto(chatID: 77, photo: .png(png, fileName: "kite.png"), caption: "a red kite")

        let transcript = try String(contentsOf: folder.appendingPathComponent("transcript.log"), encoding: .utf8)
        let lines = transcript.split(separator: "\n").map(String.init)
        #expect(
            lines == [
                "chat 77 Dana: /generate a red kite",
                "chat 77 bot #2: Queued, position 1",
                "chat 77 bot #2 (edit 1): Done",
                "chat 77 bot #3: [photo chat77_3_kite.png] a red kite",
            ])
        #expect(try Data(contentsOf: folder.appendingPathComponent("chat77_\(photo.messageID)_kite.png")) == png)
    }

    @Test("an uploaded file name cannot escape the folder")
    func hostileFileName() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lienzo-emulator-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let emulator = BotAPIEmulator(token: EmulatorHarness.token, outputDirectory: folder)
        try emulator.start()
        defer { emulator.stop() }
        let client = try TelegramClient(configuration: TelegramConfiguration(token: EmulatorHarness.token, apiURL: emulator.baseURL))
        emulator.sendUserMessage("hi", from: EmulatedUser(id: 78))
        let png = TestPNG.make(width: 8, height: 8)
        try await client.sendDocument(chatID: 78, document: .png(png, fileName: "../../escape.png"))
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(files == ["chat78_2__.._escape.png", "transcript.log"])
    }
}
