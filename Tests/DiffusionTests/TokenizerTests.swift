import Foundation
import Testing

@testable import Diffusion
@testable import Tokenizer

/// Token ids for hard prompts against transformers' CLIPTokenizer (the one diffusers uses).
@Suite struct TokenizerTests {
    @Test(arguments: ["sd1", "sd2"])
    func idsMatchTransformers(kind: String) throws {
        let all = try #require(try loadJSON("tokenizer-ids.json") as? [String: Any])
        let entry = try #require(all[kind] as? [String: Any])
        let prompts = try #require(entry["prompts"] as? [String])
        let ids = try #require(entry["ids"] as? [[Int]])
        let tokenizer = try CLIPTokenizer(folder: fixtures + "/\(kind)-tiny/tokenizer")
        #expect(tokenizer.padTokenID == (kind == "sd2" ? 0 : 49407))
        for (p, expected) in zip(prompts, ids) {
            let got = tokenizer.encode(p)
            #expect(got.count == 77)
            #expect(got == expected, "prompt \(p.debugDescription): got \(got.prefix(20)) expected \(expected.prefix(20))")
        }
    }

    @Test func shippedVocabularyMatchesFolderVocabulary() throws {
        let shipped = try CLIPTokenizer.standard()
        let folder = try CLIPTokenizer(folder: fixtures + "/sd1-tiny/tokenizer")
        #expect(shipped.vocabulary.count == 49408)
        #expect(shipped.vocabulary == folder.vocabulary)
        #expect(shipped.encode("A Café, don't 🚀") == folder.encode("A Café, don't 🚀"))
    }

    @Test func malformedMergesLineIsReportedWithItsLineNumber() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("merges-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("merges.txt").path
        try "#version: 0.2\na b\nbroken\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: TokenizerError.invalidMergeFileLine(path: path, line: 3)) { try CLIPTokenizer.readMerges(path: path) }
    }

    /// Ingest tokenizes whatever users type: distinct words must not grow the cache without bound.
    @Test func theBPECacheIsBounded() throws {
        let standard = try CLIPTokenizer.standard()
        let tokenizer = try CLIPTokenizer(vocabulary: standard.vocabulary, merges: CLIPTokenizer.readMerges(path: fixtures + "/sd1-tiny/tokenizer/merges.txt"),
                                          cacheLimit: 10)
        let first = tokenizer.encode("zebra")
        for i in 0..<100 { _ = tokenizer.encode("word\(i)x") }
        #expect(tokenizer.cachedWordCount <= 10)
        #expect(tokenizer.encode("zebra") == first)
    }
}
