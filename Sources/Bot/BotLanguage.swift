/// The languages the bot answers in. Telegram's `language_code` is an IETF tag
/// (`es`, `es-AR`, `en-US`); anything starting with `es` gets Spanish, the rest English.
/// To add a language: a case here, a table in Texts/, and a branch in `Texts.table`.
public enum BotLanguage: String, Sendable, CaseIterable {
    case english = "en"
    case spanish = "es"

    public init(languageCode: String?) {
        let code = languageCode?.lowercased() ?? ""
        self = code.hasPrefix("es") ? .spanish : .english
    }
}
