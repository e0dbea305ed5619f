import Foundation

extension CLIPTokenizer {
    /// Reads a Hugging Face tokenizer folder (vocab.json, merges.txt, optional
    /// tokenizer_config.json / special_tokens_map.json for the pad token).
    public convenience init(folder: String) throws {
        var pad = "<|endoftext|>"
        for name in ["special_tokens_map.json", "tokenizer_config.json"] {
            let path = folder + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw DiffusionError.invalidConfig(path: path, reason: "not a JSON object")
            }
            if let p = obj["pad_token"] as? String { pad = p }
            if let p = (obj["pad_token"] as? [String: Any])?["content"] as? String { pad = p }
        }
        try self.init(vocabularyPath: folder + "/vocab.json", mergesPath: folder + "/merges.txt", padToken: pad)
    }

    /// The standard CLIP vocabulary shipped with the engine (for single-file checkpoints).
    public static func standard(padToken: String = "<|endoftext|>") throws -> CLIPTokenizer {
        guard let vocab = Bundle.module.path(forResource: "vocab", ofType: "json"),
            let merges = Bundle.module.path(forResource: "merges", ofType: "txt")
        else { throw DiffusionError.fileNotFound(path: "Diffusion resource bundle (vocab.json, merges.txt)") }
        return try CLIPTokenizer(vocabularyPath: vocab, mergesPath: merges, padToken: padToken)
    }

    public convenience init(vocabularyPath: String, mergesPath: String, padToken: String) throws {
        guard let vdata = FileManager.default.contents(atPath: vocabularyPath) else { throw DiffusionError.fileNotFound(path: vocabularyPath) }
        guard let raw = (try? JSONSerialization.jsonObject(with: vdata)) as? [String: NSNumber] else {
            throw DiffusionError.invalidVocabulary(path: vocabularyPath, reason: "expected a JSON object of token → id")
        }
        let vocab = raw.mapValues { $0.intValue }
        try self.init(vocabulary: vocab, merges: Self.readMerges(path: mergesPath), padToken: padToken)
    }

    /// merges.txt: an optional `#version` line, then one "a b" pair per line.
    static func readMerges(path: String) throws -> [(String, String)] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DiffusionError.fileNotFound(path: path)
        }
        var merges = [(String, String)]()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || (i == 0 && line.hasPrefix("#version")) { continue }
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { throw DiffusionError.invalidMergeFileLine(path: path, line: i + 1) }
            merges.append((String(parts[0]), String(parts[1])))
        }
        return merges
    }
}
