import Foundation

extension CLIPTokenizer {
    /// Reads a Hugging Face tokenizer folder: vocab.json + merges.txt (as SD repositories
    /// ship them) or, failing those, tokenizer.json (all transformers 5 writes); the pad
    /// token comes from tokenizer_config.json / special_tokens_map.json.
    public convenience init(folder: String) throws {
        var pad = "<|endoftext|>"
        for name in ["special_tokens_map.json", "tokenizer_config.json"] {
            let path = folder + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                throw TokenizerError.invalidVocabulary(path: path, reason: "not a JSON object")
            }
            if let p = obj["pad_token"] as? String { pad = p }
            if let p = (obj["pad_token"] as? [String: Any])?["content"] as? String { pad = p }
        }
        let fm = FileManager.default
        if !fm.fileExists(atPath: folder + "/vocab.json"), fm.fileExists(atPath: folder + "/tokenizer.json") {
            try self.init(tokenizerJSON: folder + "/tokenizer.json", padToken: pad)
            return
        }
        try self.init(vocabularyPath: folder + "/vocab.json", mergesPath: folder + "/merges.txt", padToken: pad)
    }

    /// The tokenizers library's tokenizer.json: model.vocab, model.merges (pairs or "a b"
    /// strings) and added_tokens.
    public convenience init(tokenizerJSON path: String, padToken: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw TokenizerError.fileNotFound(path: path) }
        guard let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
            let model = root["model"] as? [String: Any], let vocab = model["vocab"] as? [String: NSNumber],
            let rawMerges = model["merges"] as? [Any]
        else { throw TokenizerError.invalidVocabulary(path: path, reason: "expected model.vocab and model.merges of a BPE tokenizer") }
        var merges = [(String, String)]()
        for (i, m) in rawMerges.enumerated() {
            if let pair = m as? [String], pair.count == 2 {
                merges.append((pair[0], pair[1]))
            } else if let line = m as? String, case let parts = line.split(separator: " "), parts.count == 2 {
                merges.append((String(parts[0]), String(parts[1])))
            } else {
                throw TokenizerError.invalidVocabulary(path: path, reason: "merge \(i) is not a pair")
            }
        }
        var ids = vocab.mapValues { $0.intValue }
        for case let t as [String: Any] in (root["added_tokens"] as? [Any]) ?? [] {
            if let content = t["content"] as? String, let id = (t["id"] as? NSNumber)?.intValue { ids[content] = id }
        }
        try self.init(vocabulary: ids, merges: merges, padToken: padToken)
    }

    /// The standard CLIP vocabulary shipped with the engine (for single-file checkpoints).
    public static func standard(padToken: String = "<|endoftext|>") throws -> CLIPTokenizer {
        guard let vocab = Bundle.module.path(forResource: "vocab", ofType: "json"),
            let merges = Bundle.module.path(forResource: "merges", ofType: "txt")
        else { throw TokenizerError.fileNotFound(path: "Tokenizer resource bundle (vocab.json, merges.txt)") }
        return try CLIPTokenizer(vocabularyPath: vocab, mergesPath: merges, padToken: padToken)
    }

    public convenience init(vocabularyPath: String, mergesPath: String, padToken: String) throws {
        guard let vdata = FileManager.default.contents(atPath: vocabularyPath) else { throw TokenizerError.fileNotFound(path: vocabularyPath) }
        guard let raw = (try? JSONSerialization.jsonObject(with: vdata)) as? [String: NSNumber] else {
            throw TokenizerError.invalidVocabulary(path: vocabularyPath, reason: "expected a JSON object of token → id")
        }
        let vocab = raw.mapValues { $0.intValue }
        try self.init(vocabulary: vocab, merges: Self.readMerges(path: mergesPath), padToken: padToken)
    }

    /// merges.txt: an optional `#version` line, then one "a b" pair per line.
    static func readMerges(path: String) throws -> [(String, String)] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw TokenizerError.fileNotFound(path: path)
        }
        var merges = [(String, String)]()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if line.isEmpty || (i == 0 && line.hasPrefix("#version")) { continue }
            let parts = line.split(separator: " ")
            guard parts.count == 2 else { throw TokenizerError.invalidMergeFileLine(path: path, line: i + 1) }
            merges.append((String(parts[0]), String(parts[1])))
        }
        return merges
    }
}
