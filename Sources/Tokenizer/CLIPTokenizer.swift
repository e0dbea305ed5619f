import Foundation

/// CLIP's byte-level BPE tokenizer, matching transformers' `CLIPTokenizer` (the fast,
/// tokenizers-backed one diffusers loads): NFC, runs of whitespace → one space,
/// lower-case; CLIP's pre-token pattern `'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+`;
/// UTF-8 bytes through `ByteEncoder`; BPE by merge rank with `</w>` on the last symbol of
/// each word; `<|startoftext|>` … `<|endoftext|>`, truncated and padded to 77.
/// Limitation: like transformers 5 (and unlike open_clip) it does not run ftfy or unescape HTML.
/// Its own module, so that Ingest and Deliver, which count prompt tokens, do not link the engine.
public final class CLIPTokenizer: @unchecked Sendable {
    public let vocabulary: [String: Int]
    let mergeRanks: [String: Int]  // "a b" → rank
    public let bosTokenID: Int
    public let eosTokenID: Int
    public let padTokenID: Int
    public let maxLength: Int
    /// Special tokens matched verbatim in the text (transformers' added tokens: start, end
    /// and the pad token, which for SD 2.x is "!", so every "!" becomes id 0).
    let specialTokens: [(String, Int)]
    /// BPE results by pre-token. Bounded: Ingest tokenizes whatever users type, and a
    /// stream of distinct words must not grow the process; past the bound it starts over.
    private var cache = [String: [Int]]()
    let cacheLimit: Int
    private let lock = NSLock()

    public init(
        vocabulary: [String: Int], merges: [(String, String)], padToken: String = "<|endoftext|>", maxLength: Int = 77,
        cacheLimit: Int = 50_000
    ) throws {
        self.vocabulary = vocabulary
        self.cacheLimit = cacheLimit
        var ranks = [String: Int]()
        for (i, m) in merges.enumerated() { ranks[m.0 + " " + m.1] = i }
        mergeRanks = ranks
        guard let bos = vocabulary["<|startoftext|>"], let eos = vocabulary["<|endoftext|>"] else {
            throw TokenizerError.invalidVocabulary(path: "vocab.json", reason: "lacks <|startoftext|> or <|endoftext|>")
        }
        guard let pad = vocabulary[padToken] else {
            throw TokenizerError.invalidVocabulary(path: "vocab.json", reason: "pad token \(padToken) is not in the vocabulary")
        }
        bosTokenID = bos
        eosTokenID = eos
        padTokenID = pad
        var specials = [("<|startoftext|>", bos), ("<|endoftext|>", eos)]
        if !specials.contains(where: { $0.0 == padToken }) { specials.append((padToken, pad)) }
        specialTokens = specials
        self.maxLength = maxLength
    }

    /// `<|startoftext|>` + tokens (truncated) + `<|endoftext|>`, padded to `maxLength`.
    public func encode(_ text: String) -> [Int] {
        var ids = [bosTokenID] + tokenize(text).prefix(maxLength - 2) + [eosTokenID]
        ids += Array(repeating: padTokenID, count: maxLength - ids.count)
        return ids
    }

    /// Token ids without start/end tokens, untruncated.
    public func tokenize(_ text: String) -> [Int] {
        var ids = [Int]()
        // Special tokens written in the text are matched before normalisation, as the
        // tokenizers library's added-vocabulary pass does (earliest match, longest first).
        var rest = Substring(text)
        let specials = specialTokens
        while !rest.isEmpty {
            var next: (Range<Substring.Index>, Int)?
            for (s, id) in specials {
                if let r = rest.range(of: s), next == nil || r.lowerBound < (next?.0.lowerBound ?? r.lowerBound)
                    || (r.lowerBound == next?.0.lowerBound && r.upperBound > (next?.0.upperBound ?? r.upperBound)) { next = (r, id) }
            }
            let piece = next.map { rest[..<$0.0.lowerBound] } ?? rest
            for word in Self.preTokenize(Self.normalize(String(piece))) { ids += bpe(word) }
            guard let (r, id) = next else { break }
            ids.append(id)
            rest = rest[r.upperBound...]
        }
        return ids
    }

    /// NFC, whitespace runs → " ", lower-case.
    static func normalize(_ text: String) -> String {
        let nfc = text.precomposedStringWithCanonicalMapping
        var out = String.UnicodeScalarView()
        var inSpace = false
        for s in nfc.unicodeScalars {
            if s.properties.isWhitespace {
                if !inSpace { out.append(" ") }
                inSpace = true
            } else {
                out.append(s)
                inSpace = false
            }
        }
        return String(out).lowercased()
    }

    enum Kind { case letter, number, space, other }

    static func kind(_ s: Unicode.Scalar) -> Kind {
        if s.properties.isWhitespace { return .space }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// CLIP's pre-token pattern, alternatives tried in order at each position.
    static func preTokenize(_ text: String) -> [String] {
        let s = Array(text.unicodeScalars)
        var words = [String]()
        var i = 0
        let contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"].map { Array($0.unicodeScalars) }
        func word(_ a: Int, _ b: Int) -> String {
            var v = String.UnicodeScalarView()
            v.append(contentsOf: s[a..<b])
            return String(v)
        }
        while i < s.count {
            if s[i] == "'", let c = contractions.first(where: { i + $0.count <= s.count && Array(s[i..<(i + $0.count)]) == $0 }) {
                words.append(word(i, i + c.count))
                i += c.count
                continue
            }
            let k = kind(s[i])
            var j = i + 1
            switch k {
            case .space:
                i += 1
                continue
            case .number: break
            case .letter, .other:
                while j < s.count && kind(s[j]) == k { j += 1 }
            }
            words.append(word(i, j))
            i = j
        }
        return words
    }

    /// Words whose BPE is cached (at most `cacheLimit`).
    var cachedWordCount: Int { lock.withLock { cache.count } }

    /// Byte-level BPE of one pre-token; unknown symbols (impossible with the byte table) are skipped.
    func bpe(_ word: String) -> [Int] {
        lock.lock()
        if let hit = cache[word] {
            lock.unlock()
            return hit
        }
        lock.unlock()
        var symbols = word.utf8.map { ByteEncoder.table[Int($0)] }
        guard !symbols.isEmpty else { return [] }
        symbols[symbols.count - 1] += "</w>"
        while symbols.count > 1 {
            var best: (rank: Int, index: Int)?
            for i in 0..<(symbols.count - 1) {
                if let r = mergeRanks[symbols[i] + " " + symbols[i + 1]], best == nil || r < (best?.rank ?? Int.max) { best = (r, i) }
            }
            guard let b = best else { break }
            let (first, second) = (symbols[b.index], symbols[b.index + 1])
            var merged = [String]()
            var i = 0
            while i < symbols.count {
                if i < symbols.count - 1 && symbols[i] == first && symbols[i + 1] == second {
                    merged.append(first + second)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        let ids = symbols.compactMap { vocabulary[$0] }
        lock.lock()
        if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[word] = ids
        lock.unlock()
        return ids
    }
}
