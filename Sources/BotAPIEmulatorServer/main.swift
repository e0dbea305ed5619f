// Runs the Bot API emulator by hand: the stages point TELEGRAM_API_URL at it, and the
// person at the terminal plays a Telegram user. Every line typed is a message to the bot;
// a line ending in `\` goes on into the next one (an AUTOMATIC1111 block, a caption to
// paste back); `/press <message_id> <data>` presses an inline button. The bot's replies
// and its answers to button presses are printed and written, with its images, to the
// output folder.
import BotAPIEmulator
import Foundation
import Runtime

let usage = """
    usage: BotAPIEmulatorServer [--port 8081] [--out .data/playground] [--language en|es] [--user-id 1001]
    The token is TELEGRAM_BOT_TOKEN when set, otherwise the emulator's fixed test token.
    """

var options: [String: String] = [:]
var arguments = CommandLine.arguments.dropFirst()[...]
while let flag = arguments.popFirst() {
    guard flag.hasPrefix("--"), let value = arguments.popFirst() else {
        FileHandle.standardError.write(Data((usage + "\n").utf8))
        exit(2)
    }
    options[String(flag.dropFirst(2))] = value
}

/// Unbuffered, so a script reading a pipe or file sees each reply as it happens.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let environment = Environment()
let configuredToken = environment.secret("TELEGRAM_BOT_TOKEN")
let output = URL(fileURLWithPath: options["out"] ?? ".data/playground", isDirectory: true)
let emulator = BotAPIEmulator(token: configuredToken ?? Secret("123456:TEST-emulator-token"), outputDirectory: output)
let transcript = OutputFolder(output)
let user = EmulatedUser(
    id: Int64(options["user-id"] ?? "") ?? 1001, firstName: "You", username: "playground_user",
    languageCode: options["language"] ?? "en"
)

do {
    try emulator.start(port: UInt16(options["port"] ?? "") ?? 8081)
} catch {
    FileHandle.standardError.write(Data("cannot start: \(error)\n".utf8))
    exit(1)
}

emulator.setBotMessageObserver { message in
    var line = "bot #\(message.messageID)"
    if message.deleted { return say(line + " deleted") }
    if message.editCount > 0 { line += " (edited)" }
    if let text = message.text { line += ": \(text)" }
    if message.file != nil {
        line += " [\(message.method == "sendPhoto" ? "photo" : "file") in \(output.path)]"
        if let caption = message.caption { line += " \(caption)" }
    }
    let buttons = message.buttons.flatMap { $0 }.compactMap { button in button.callbackData.map { "[\(button.text) → \($0)]" } }
    if !buttons.isEmpty { line += "\n    buttons: " + buttons.joined(separator: " ") }
    say(line)
}

say("Bot API emulator listening on \(emulator.baseURL)")
say("  export TELEGRAM_API_URL=\(emulator.baseURL)")
if configuredToken == nil {
    say("  export TELEGRAM_BOT_TOKEN=\(emulator.token.revealed)   # the emulator's test token, not a real one")
}
say("Transcript and images: \(output.path)")
say("Type a message and press Enter; end a line with \\ to go on into the next one (an AUTOMATIC1111 block).")
say("/press <message_id> <data> presses a button.")

/// Prints the bot's answers to button presses (`answerCallbackQuery`): its text, shown by
/// Telegram as a passing notice or, with `show_alert`, as an alert to dismiss.
func showButtonAnswers() async {
    var shown = 0
    while true {
        let seen = shown
        guard await emulator.waitUntil(timeout: .seconds(3600), { $0.callbackAnswers.count > seen }) else { continue }
        let answers = emulator.callbackAnswers
        for answer in answers.dropFirst(shown) {
            let line = switch (answer.text, answer.showAlert) {
            case (let text?, true): "bot answered the button with an alert: \(text)"
            case (let text?, false): "bot answered the button: \(text)"
            case (nil, _): "bot answered the button (no notice)"
            }
            say(line)
            transcript.note(line)
        }
        shown = answers.count
    }
}
Task.detached { await showButtonAnswers() }

/// The label of the button `data` under the bot's message `messageID`, as it shows now;
/// nil when no such button is shown (a person can press only what they see).
func buttonLabel(data: String, messageID: Int) -> String? {
    let message = emulator.visibleSentMessages(inChat: user.id).first { $0.messageID == messageID }
    return message?.buttons.flatMap { $0 }.first { $0.callbackData == data }?.text
}

var lines: [String] = []
while let line = readLine() {
    // A trailing backslash joins the next line, as in a shell.
    if line.hasSuffix("\\") {
        lines.append(String(line.dropLast()))
        continue
    }
    let text = (lines + [line]).joined(separator: "\n")
    lines = []
    let words = text.split(separator: " ", maxSplits: 2).map(String.init)
    if words.first == "/press", words.count == 3, let messageID = Int(words[1]) {
        guard let label = buttonLabel(data: words[2], messageID: messageID) else {
            say("there is no button [\(words[2])] under bot #\(messageID): nothing pressed (each photo lists its buttons)")
            continue
        }
        let pressed = "you pressed «\(label)» under bot #\(messageID)"
        say(pressed)
        transcript.note(pressed)
        emulator.pressButton(data: words[2], onMessage: messageID, inChat: user.id, by: user)
    } else if !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
        let sent = emulator.sendUserMessage(text, from: user)
        say("you #\(sent.messageID): \(text.replacingOccurrences(of: "\n", with: "\n    "))")
    }
}
// Ctrl-D at a terminal ends the session (playground.sh then stops everything). Input piped
// in is a scripted session: keep serving until killed, so the bot still answers its last lines.
if isatty(STDIN_FILENO) != 0 { exit(0) }
while true { sleep(3600) }
