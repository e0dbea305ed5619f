import BotAPIEmulator
import Foundation
import Runtime
import Telegram
import Testing
import TestSupport

/// The playground as a person types into it (#16): `BotAPIEmulatorServer` joins lines
/// ending in `\` into one message (an AUTOMATIC1111 block), prints the bot's answers to
/// button presses (notice or alert) and writes them to the transcript, presses only the
/// buttons it shows; every run gets a folder of its own. The test plays the bot through the real client.
@Suite struct PlaygroundTests {
    static let token = Secret("123456:TEST-emulator-token")

    @Test func multiLineMessagesAndButtonAnswersReachTheTranscript() async throws {
        let out = try ScratchFolder.make("playground")
        let server = try StageProcess(
            path: StageProcess.binary("BotAPIEmulatorServer"), arguments: ["--port", "0", "--out", out.path],
            environment: ["TELEGRAM_BOT_TOKEN": ""], typing: true)
        defer { server.signal(SIGKILL) }
        let url = try await Self.waitFor("the emulator's address", in: server) { log in
            log.split(separator: "\n").first { $0.hasPrefix("Bot API emulator listening on ") }.map { String($0.dropFirst(30)) }
        }
        let bot = try TelegramClient(configuration: TelegramConfiguration(token: Self.token, apiURL: url))

        server.type("a castle at dusk \\\nNegative prompt: blurry \\\nSteps: 20, Sampler: DPM++ 2M Karras\n")
        let typed = try #require(try await bot.getUpdates(timeout: 5).first)
        var offset = typed.updateID + 1
        let message = try #require(typed.message)
        #expect(message.text == "a castle at dusk \nNegative prompt: blurry \nSteps: 20, Sampler: DPM++ 2M Karras", "one message, three lines")

        let buttons = InlineKeyboardMarkup(inlineKeyboard: [[InlineKeyboardButton(text: "🎲 New seed", callbackData: "s:7")]])
        let photo = try await bot.sendMessage(chatID: message.chat.id, text: "here", replyMarkup: buttons)
        for (press, answer) in [("first", (text: "Queued ⏳", alert: false)), ("second", (text: "🚦 3 of 3 waiting", alert: true))] {
            server.type("/press \(photo.messageID) s:7\n")
            let update = try #require(try await bot.getUpdates(offset: offset, timeout: 5).first, "the \(press) press")
            offset = update.updateID + 1
            let query = try #require(update.callbackQuery)
            try await bot.answerCallbackQuery(callbackQueryID: query.id, text: answer.text, showAlert: answer.alert)
        }
        try await Self.waitFor("both answers", in: server) { $0.contains("alert: 🚦") ? true : nil }
        // A button nobody sees cannot be pressed: no update reaches the bot.
        server.type("/press 99999 s:7\n")
        try await Self.waitFor("the refusal", in: server) { $0.contains("there is no button [s:7] under bot #99999: nothing pressed") ? true : nil }
        #expect(try await bot.getUpdates(offset: offset, timeout: 0).isEmpty)
        for text in [server.log, try String(contentsOf: out.appendingPathComponent("transcript.log"), encoding: .utf8)] {
            #expect(text.contains("a castle at dusk \n    Negative prompt: blurry \n    Steps: 20, Sampler: DPM++ 2M Karras\n"), "\(text)")
            #expect(text.contains("you pressed «🎲 New seed» under bot #\(photo.messageID)\n"))
            #expect(text.contains("bot answered the button: Queued ⏳\n"))
            #expect(text.contains("bot answered the button with an alert: 🚦 3 of 3 waiting\n"))
        }
    }

    @Test func eachRunGetsAFolderOfItsOwn() async throws {
        let base = try ScratchFolder.make("playground")
        var folders: [String] = []
        for _ in 0..<2 {
            let run = try StageProcess(script: "scripts/lib/run-folder.sh", arguments: [base.path], environment: [:])
            #expect(await run.waitForExit(timeout: .seconds(10)) == 0)
            folders.append(run.log.trimmingCharacters(in: .newlines))
        }
        #expect(Set(folders).count == 2 && folders.allSatisfy { $0.hasPrefix(base.path + "/") && FileManager.default.fileExists(atPath: $0) })
        let latest = try FileManager.default.destinationOfSymbolicLink(atPath: base.appendingPathComponent("latest").path)
        #expect(latest == URL(fileURLWithPath: folders[1]).lastPathComponent)
    }

    /// Polls the process's output until `read` finds something in it.
    static func waitFor<T>(_ what: String, in process: StageProcess, _ read: (String) -> T?) async throws -> T {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if let found = read(process.log) { return found }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("timed out waiting for \(what); the playground said: \(process.log)")
    }
}
