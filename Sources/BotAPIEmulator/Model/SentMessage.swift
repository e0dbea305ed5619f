import Foundation

/// A message the bot sent, as a test inspects it: the text, caption and file as now
/// shown (after edits) and every earlier version, the reply target, the keyboard, and
/// whether the bot has deleted it since.
public struct SentMessage: Sendable, Equatable {
    /// The method that sent it: `sendMessage`, `sendPhoto` or `sendDocument` (a document
    /// that `editMessageMedia` turned into a photo keeps `sendDocument`).
    public var method: String
    public var chatID: Int64
    public var messageID: Int
    /// The current text of a text message.
    public var text: String?
    /// Texts this message showed before each successful `editMessageText`, oldest first.
    public var previousTexts: [String]
    public var caption: String?
    /// Captions this message showed before each successful `editMessageCaption` or
    /// `editMessageMedia`, oldest first; nil where it had none.
    public var previousCaptions: [String?] = []
    public var parseMode: String?
    /// The photo or document bytes now shown, exactly as received.
    public var file: Data?
    /// Bytes this message showed before each successful `editMessageMedia`, oldest first.
    public var previousFiles: [Data] = []
    public var fileName: String?
    public var contentType: String?
    /// `has_spoiler` of the photo now shown.
    public var hasMediaSpoiler = false
    public var replyToMessageID: Int?
    /// The current `reply_markup`, as JSON.
    public var replyMarkup: JSONValue?
    /// Set by `deleteMessage` (or `BotAPIEmulator.deleteMessage`): the message is no
    /// longer in the chat, but its record stays for inspection.
    public var deleted = false
    /// When the emulator carried out the send (the wall clock, so that it compares with
    /// PostgreSQL's timestamps on the same machine): Telegram's acceptance.
    public var acceptedAt = Date()
    /// Successful edits of any kind: each adds one entry to `previousTexts` or `previousCaptions`.
    public var editCount: Int { previousTexts.count + previousCaptions.count }

    /// The inline keyboard's buttons, row by row.
    public var buttons: [[EmulatedButton]] {
        guard let rows = replyMarkup?["inline_keyboard"]?.arrayValue else { return [] }
        return rows.map { row in
            (row.arrayValue ?? []).map { button in
                EmulatedButton(
                    text: button["text"]?.stringValue ?? "",
                    callbackData: button["callback_data"]?.stringValue,
                    url: button["url"]?.stringValue
                )
            }
        }
    }
}

public struct EmulatedButton: Sendable, Equatable {
    public var text: String
    public var callbackData: String?
    public var url: String?

    public init(text: String, callbackData: String? = nil, url: String? = nil) {
        self.text = text
        self.callbackData = callbackData
        self.url = url
    }
}

/// An `answerCallbackQuery` the bot made.
public struct CallbackAnswer: Sendable, Equatable {
    public var callbackQueryID: String
    public var text: String?
    public var showAlert: Bool

    public init(callbackQueryID: String, text: String? = nil, showAlert: Bool = false) {
        self.callbackQueryID = callbackQueryID
        self.text = text
        self.showAlert = showAlert
    }
}

/// A `sendChatAction` the bot made.
public struct ChatActionRecord: Sendable, Equatable {
    public var chatID: Int64
    public var action: String

    public init(chatID: Int64, action: String) {
        self.chatID = chatID
        self.action = action
    }
}

/// One request the emulator received, whatever came of it.
public struct RecordedRequest: Sendable, Equatable {
    /// As the client spelled it.
    public var method: String
    public var chatID: Int64?
    /// `json`, `urlencoded`, `multipart` or `none`.
    public var encoding: String
    /// The HTTP status answered; 0 when the connection was dropped.
    public var status: Int
    /// True when a scripted fault decided the outcome.
    public var faulted: Bool
    /// The request's headers, names lowercased.
    public var headers: [String: String]
}

/// A command the bot registered with `setMyCommands`.
public struct EmulatedCommand: Sendable, Equatable {
    public var command: String
    public var description: String
}
