import Telegram

/// Every text the bot shows, per language. A language is one `TextTable`; the English and
/// Spanish ones sit beside this file. Deliver is the only caller: Ingest writes kinds and
/// arguments (`BotMessage`), never text.
public protocol TextTable: Sendable {
    /// /help: usage, examples that `model`'s limits accept, and what a plain request gets.
    func help(_ model: ModelLine) -> String
    /// The acknowledgement: the queue position, then `leftToday` on a line of its own.
    func queued(position: Int, remainingToday: Int) -> String
    /// The line of the status message its edits keep, so the count outlives the first one.
    func leftToday(_ remaining: Int) -> String
    /// `cut` is the end of the prompt CLIP will not read (the `.promptCut` message).
    func promptCut(_ cut: String) -> String
    func rejection(_ rejection: Rejection) -> String
    func status(_ lines: [JobStatusLine]) -> String
    func cancelled(count: Int, rendering: Int) -> String
    func quota(_ line: QuotaLine) -> String
    func jobFailed(error: String) -> String
    /// The image was flagged by the safety checker and not sent.
    var imageBlocked: String { get }
    func unknownCommand(_ command: String) -> String
    /// /styles around its bullets: the title, the count that did not fit, how to use one
    /// (`name` is the first style's), and the line when there is none.
    var stylesTitle: String { get }
    func moreStyles(_ count: Int) -> String
    func stylesUsage(example name: String) -> String
    var noStyles: String { get }
    /// /privacy: what is kept, for how long (`line`'s windows) and why, and how to erase it.
    func privacy(_ line: PrivacyLine) -> String
    /// /forget: what confirming erases and what stays; `forgetButton` confirms.
    var forgetConfirm: String { get }
    var forgetButton: String { get }
    /// The answer to the confirmation, with what was erased.
    func forgotten(_ line: ForgetLine) -> String
    /// An operator's /stats, and what their /ban, /unban or /quota did (`AdminCommand`).
    func stats(_ line: StatsLine) -> String
    func adminDone(_ line: AdminLine) -> String
    func adminUsage(_ usage: AdminUsage) -> String
    /// LIENZO_ACCESS=allowlist: the answer to anyone not on the list.
    var notAllowed: String { get }
    func statusMessage(_ key: StatusKey) -> String
    var newSeedButton: String { get }
    var moreStepsButton: String { get }
    var sendAsFileButton: String { get }
    /// The `answerCallbackQuery` notice for a button press that queued a job.
    var buttonQueued: String { get }
    var buttonSendingFile: String { get }
    /// The `answerCallbackQuery` notice once the data is erased.
    var buttonForgotten: String { get }
    /// The command menu (`setMyCommands`), command → description.
    var commands: [BotCommand] { get }
}

public enum Texts {
    public static func table(_ language: BotLanguage) -> any TextTable {
        switch language {
        case .english: English()
        case .spanish: Spanish()
        }
    }

    /// The text of an outbox message. `cutPrompt` is the part of the job's prompt CLIP
    /// will not read, for `.promptCut`; without it that message has no text (Deliver sends
    /// nothing).
    public static func text(_ message: BotMessage, language: BotLanguage, cutPrompt: String? = nil) -> String {
        let table = table(language)
        switch message {
        case .help(let model): return table.help(model)
        case .queued(let position, let remaining): return table.queued(position: position, remainingToday: remaining)
        case .promptCut:
            guard let cutPrompt, !cutPrompt.isEmpty else { return "" }
            return table.promptCut(Caption.cut(cutPrompt, to: 300))
        case .rejected(let rejection): return table.rejection(rejection)
        case .status(let lines): return table.status(lines)
        case .cancelled(let count, let rendering): return table.cancelled(count: count, rendering: rendering)
        case .quota(let line): return table.quota(line)
        case .jobFailed(let error): return table.jobFailed(error: error.echoed(limit: 200))
        case .imageBlocked: return table.imageBlocked
        case .document: return ""
        case .unknownCommand(let command): return table.unknownCommand(command)
        case .styles(let styles):
            guard let first = styles.first else { return table.noStyles }
            let shown = StyleLine.fitting(styles)
            var lines = [table.stylesTitle] + shown.map(\.bullet)
            if shown.count < styles.count { lines.append(table.moreStyles(styles.count - shown.count)) }
            return lines.joined(separator: "\n") + "\n\n" + table.stylesUsage(example: first.name)
        case .privacy(let line): return table.privacy(line)
        case .forgetConfirm: return table.forgetConfirm
        case .forgotten(let line): return table.forgotten(line)
        case .stats(let line): return table.stats(line)
        case .adminDone(let line): return table.adminDone(line)
        case .adminUsage(let usage): return table.adminUsage(usage)
        case .notAllowed: return table.notAllowed
        }
    }

    /// A status message's text as an edit leaves it: the state, then the acknowledgement's
    /// "N left today" line (`remainingToday`, read back from it), which would otherwise go
    /// with the first progress edit a second after the user got it. A request that ended
    /// without an image shows only how it ended.
    public static func status(_ key: StatusKey, remainingToday: Int?, language: BotLanguage) -> String {
        let table = table(language)
        switch (key, remainingToday) {
        case (.failed, _), (.cancelled, _), (_, nil): return table.statusMessage(key)
        case (_, let remaining?): return table.statusMessage(key) + "\n" + table.leftToday(remaining)
        }
    }

    /// The inline keyboard an outbox message carries, if any: the /forget confirmation's
    /// one button. Deliver attaches it when it sends the message.
    public static func replyMarkup(_ message: BotMessage, language: BotLanguage) -> InlineKeyboardMarkup? {
        guard case .forgetConfirm(let userID) = message else { return nil }
        return InlineKeyboardMarkup(inlineKeyboard: [
            [InlineKeyboardButton(text: table(language).forgetButton, callbackData: CallbackData.forget(userID: userID).encoded)],
        ])
    }

    /// The inline keyboard under a delivered photo.
    public static func photoButtons(jobID: Int64, language: BotLanguage) -> InlineKeyboardMarkup {
        let table = table(language)
        return InlineKeyboardMarkup(inlineKeyboard: [
            [
                InlineKeyboardButton(text: table.newSeedButton, callbackData: CallbackData(action: .newSeed, jobID: jobID).encoded),
                InlineKeyboardButton(text: table.moreStepsButton, callbackData: CallbackData(action: .moreSteps, jobID: jobID).encoded),
            ],
            [InlineKeyboardButton(text: table.sendAsFileButton, callbackData: CallbackData(action: .sendAsFile, jobID: jobID).encoded)],
        ])
    }
}
