/// What to render: a prompt and the generation parameters. Jobs with equal `batchKey`
/// can share one U-Net batch.
public struct RenderRequest: Sendable, Equatable {
    public var prompt: String
    public var negativePrompt: String
    public var model: String
    public var width: Int
    public var height: Int
    public var steps: Int
    public var guidance: Float
    public var seed: Int64
    public var sampler: String

    public init(prompt: String, negativePrompt: String = "", model: String, width: Int = 512, height: Int = 512,
                steps: Int = 20, guidance: Float = 7.5, seed: Int64, sampler: String = "pndm") {
        self.prompt = prompt
        self.negativePrompt = negativePrompt
        self.model = model
        self.width = width
        self.height = height
        self.steps = steps
        self.guidance = guidance
        self.seed = seed
        self.sampler = sampler
    }

    /// The micro-batch compatibility key: model, size, steps, sampler.
    public var batchKey: BatchKey {
        BatchKey(model: model, width: width, height: height, steps: steps, sampler: sampler)
    }

    init(row: PostgresRow) throws {
        self.init(prompt: try row.decode("prompt"), negativePrompt: try row.decode("negative_prompt"),
                  model: try row.decode("model"), width: try row.decode("width"), height: try row.decode("height"),
                  steps: try row.decode("steps"), guidance: try row.decode("guidance"), seed: try row.decode("seed"),
                  sampler: try row.decode("sampler"))
    }
}

public struct BatchKey: Sendable, Hashable {
    public var model: String
    public var width: Int
    public var height: Int
    public var steps: Int
    public var sampler: String
}

/// Who asked, in Telegram's terms.
public struct TelegramOrigin: Sendable, Equatable {
    public var updateID: Int64
    public var chatID: Int64
    public var userID: Int64
    public var messageID: Int64?
    public var languageCode: String?

    public init(updateID: Int64, chatID: Int64, userID: Int64, messageID: Int64? = nil, languageCode: String? = nil) {
        self.updateID = updateID
        self.chatID = chatID
        self.userID = userID
        self.messageID = messageID
        self.languageCode = languageCode
    }
}
