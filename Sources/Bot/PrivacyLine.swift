/// What /privacy quotes: the retention windows in force (`retention_policy`), in seconds.
public struct PrivacyLine: Codable, Sendable, Equatable {
    /// How long a finished job's PNG is kept; 0: not after it is sent.
    public var keepImagesSeconds: Int
    /// How long a finished job's prompt is kept.
    public var keepPromptsSeconds: Int

    public init(keepImagesSeconds: Int, keepPromptsSeconds: Int) {
        self.keepImagesSeconds = keepImagesSeconds
        self.keepPromptsSeconds = keepPromptsSeconds
    }

    enum CodingKeys: String, CodingKey {
        case keepImagesSeconds = "keep_images_seconds"
        case keepPromptsSeconds = "keep_prompts_seconds"
    }
}
