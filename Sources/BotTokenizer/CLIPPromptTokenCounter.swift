import Bot
import Diffusion

/// The engine's real CLIP tokenizer behind Ingest's `PromptTokenCounter` hook, with the
/// standard CLIP vocabulary the engine ships (the same BPE for SD 1.x and 2.x; only the
/// pad token differs, which does not change a count). Kept out of `Bot` so the pure
/// library does not link the engine.
public struct CLIPPromptTokenCounter: PromptTokenCounter {
    let tokenizer: CLIPTokenizer

    public init() throws {
        tokenizer = try CLIPTokenizer.standard()
    }

    public func tokenCount(_ text: String) -> Int {
        tokenizer.tokenize(text).count
    }
}

extension CLIPPromptTokenCounter {
    /// The real tokenizer, or the conservative estimate if its vocabulary cannot be read.
    public static func bestAvailable() -> any PromptTokenCounter {
        (try? CLIPPromptTokenCounter()) ?? EstimatedCLIPTokenCounter()
    }
}
