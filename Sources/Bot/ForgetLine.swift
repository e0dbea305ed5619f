/// What /forget erased, as its reply says it.
public struct ForgetLine: Codable, Sendable, Equatable {
    public var prompts: Int
    public var images: Int
    /// Requests in progress that were cancelled.
    public var cancelled: Int
    /// The bot's replies whose quotes of the user's words were blanked.
    public var quotes: Int
    public var settings: Bool

    public init(prompts: Int, images: Int, cancelled: Int, quotes: Int, settings: Bool) {
        self.prompts = prompts
        self.images = images
        self.cancelled = cancelled
        self.quotes = quotes
        self.settings = settings
    }

    /// Nothing was left to erase.
    public var isEmpty: Bool { prompts == 0 && images == 0 && cancelled == 0 && quotes == 0 && !settings }
}
