import Bot
import Schema
import Testing

/// The prompt blocklist's normalisation and matching: pure, no database. The rules mirror
/// the seed list's shapes (sql/migrations/0010_prompt_rules.sql) plus a pattern and a
/// per-language rule.
@Suite struct PromptRulesTests {
    static let rules: [PromptRule] = [
        PromptRule(id: 1, kind: .term, rule: "nsfw"),
        PromptRule(id: 2, kind: .term, rule: "nude"),
        PromptRule(id: 3, kind: .term, rule: "porn*"),
        PromptRule(id: 4, kind: .term, rule: "desnud*"),
        PromptRule(id: 5, kind: .term, rule: "sin ropa"),
        PromptRule(id: 6, kind: .term, rule: "ass"),
        PromptRule(id: 7, kind: .term, rule: "sex"),
        PromptRule(id: 8, kind: .term, rule: "Erótica"),
        PromptRule(id: 9, kind: .pattern, rule: "gore|spla+t+er(punk)?"),
        PromptRule(id: 10, kind: .term, rule: "teta*", language: "es"),
    ]
    let blocklist = PromptBlocklist(Self.rules)

    func rule(_ prompt: String, _ language: BotLanguage = .english) -> Int64? {
        blocklist.match(prompt, language: language)?.id
    }

    @Test func normalisationFoldsCaseAccentsDigitsAndSpelledOutWords() {
        #expect(PromptNormalizer.words("Una Mujer DESNÚDA, óleo") == ["una", "mujer", "desnuda", "oleo"])
        #expect(PromptNormalizer.words("n.s.f.w art") == ["nsfw", "art"])
        #expect(PromptNormalizer.words("n s f w — p-o-r-n") == ["nsfw", "porn"])
        #expect(PromptNormalizer.words("p0rn $3x nud3 1024 at 4k") == ["porn", "sex", "nude", "1024", "at", "ak"])
        #expect(PromptNormalizer.words("ｎｕｄｅ 𝐧𝐮𝐝𝐞 nu\u{200B}de") == ["nude", "nude", "nude"])
        // One or two letters alone stay words: "a b" is not joined.
        #expect(PromptNormalizer.words("a b castle") == ["a", "b", "castle"])
    }

    @Test(arguments: [
        ("NSFW castle", Int64(1)), ("n.s.f.w castle", 1), ("N S F W", 1), ("n_s_f_w", 1), ("nsssfw", 1),
        ("a Nude figure", 2), ("a nuuuude figure", 2), ("a NÚDE figure", 2), ("a nud3 figure", 2), ("a nu-de", nil),
        ("p0rn", 3), ("p 0 r n", 3), ("5 3 x", 7), ("PORNOGRAPHIC still", 3), ("pornografía", 3), ("pooorno", 3),
        ("una mujer desnuda", 4), ("Desnudez", 4), ("d e s n u d o", 4), ("DESNÚDOS", 4),
        ("un hombre sin ropa", 5), ("un hombre SIN   ROPA", 5), ("sin, ropa!", 5), ("un hombre sin su ropa", nil),
        ("a$$", 6), ("@ss", 6), ("s3x", 7), ("S E X", 7), ("erotica", 8), ("eróticaaa", 8), ("erotic", nil),
        ("gore", 9), ("spl4tterpunk poster", 9), ("splaaatter", 9), ("gorefest", nil),
    ] as [(String, Int64?)])
    func tricksStillMatch(prompt: String, expected: Int64?) {
        #expect(rule(prompt) == expected, "\(prompt)")
    }

    /// Whole words only, and a letter typed fewer times than the rule has it is another word.
    @Test(arguments: [
        "a class of students", "an assassin in the rain", "as above so below", "bass guitar", "Essex countryside",
        "Sussex, unisex fashion", "sextant on a desk", "a nudibranch", "Penistone market", "sinopsis de ropa",
        "a sin, a robe", "Scunthorpe", "gorgeous gorge", "glass of wine", "1024x768 wallpaper",
        "a b c blocks", "NSFWish",
    ])
    func innocentWordsPass(prompt: String) {
        #expect(rule(prompt) == nil, "\(prompt)")
    }

    @Test func aRuleForOneLanguageAppliesToThoseUsersOnly() {
        #expect(rule("dos tetas", .spanish) == 10)
        #expect(rule("Tetas", .spanish) == 10)
        #expect(rule("dos tetas", .english) == nil)
        #expect(rule("desnuda", .english) == 4)
    }

    @Test func aRequestIsCheckedOnItsPromptWithoutLoraTagsAndNotOnItsNegativePrompt() {
        var request = RenderRequest(prompt: "a castle <lora:nsfw_style:0.8>", negativePrompt: "nude, nsfw", model: "m", seed: 1)
        #expect(blocklist.check(request, language: .english) == nil)
        request.prompt = "a nude <lora:watercolour:0.8>"
        #expect(blocklist.check(request, language: .english)?.id == 2)
    }

    @Test func rulesThatCannotMatchAreSkipped() {
        let list = PromptBlocklist([
            PromptRule(id: 1, kind: .pattern, rule: "(unclosed"), PromptRule(id: 2, kind: .term, rule: " .*. "),
            PromptRule(id: 3, kind: .term, rule: "ok"),
        ])
        #expect(list.skipped.map(\.id) == [1, 2])
        #expect(list.count == 1)
        #expect(PromptBlocklist.empty.match("nsfw", language: .english) == nil)
    }
}
