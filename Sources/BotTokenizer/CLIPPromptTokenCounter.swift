import Bot
import Tokenizer
import Foundation

/// The engine's real CLIP tokenizer behind Ingest's `PromptTokenCounter` hook, with the
/// standard CLIP vocabulary the engine ships (the same BPE for SD 1.x and 2.x; only the
/// pad token differs, which does not change a count). Kept out of `Bot` so the pure
/// library does not link the engine.
///
/// The vocabulary (49,408 entries) is read on first use, not at start-up: most prompts
/// never need it, because `MessageRouter` asks only when the cheap estimate says a
/// prompt may be too long. If it cannot be read, the estimate answers instead.
public final class CLIPPromptTokenCounter: PromptTokenCounter, @unchecked Sendable {
    private let lock = NSLock()
    private var loaded: (any PromptTokenCounter)?

    public init() {}

    public func tokenCount(_ text: String) -> Int {
        counter.tokenCount(text)
    }

    private var counter: any PromptTokenCounter {
        lock.withLock {
            if let loaded { return loaded }
            let counter: any PromptTokenCounter = (try? CLIPTokenizer.standard()).map(Real.init) ?? EstimatedCLIPTokenCounter()
            loaded = counter
            return counter
        }
    }

    /// Whether the real tokenizer answers (loads it if needed).
    public var usesCLIPTokenizer: Bool { counter is Real }

    struct Real: PromptTokenCounter {
        let tokenizer: CLIPTokenizer

        func tokenCount(_ text: String) -> Int { tokenizer.tokenize(text).count }
    }
}
