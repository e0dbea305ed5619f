import PromptSyntax
import Testing

/// AUTOMATIC1111's `<lora:NAME:WEIGHT>` syntax: tags cut out, the rest kept as typed.
@Suite struct LoraTagTests {
    @Test func tagsAreCutOutAndTheRestKeptAsWritten() throws {
        let parsed = try LoraPrompt(parsing: "a red fox <lora:acuarela:0.8> in the snow, <LoRA:detail slider>")
        #expect(parsed.text == "a red fox  in the snow, ")
        #expect(parsed.loras == [LoraTag(name: "acuarela", weight: 0.8), LoraTag(name: "detail slider", weight: 1)])
    }

    @Test func negativeWeightsAndRepeatsAddUp() throws {
        let parsed = try LoraPrompt(parsing: "<lora:a:-0.5>x<lora:b:2><lora:a:1.5>")
        #expect(parsed.text == "x")
        #expect(parsed.loras == [LoraTag(name: "a", weight: 1), LoraTag(name: "b", weight: 2)])
    }

    @Test func otherAngleBracketsAreText() throws {
        let parsed = try LoraPrompt(parsing: "I <3 cats <b>bold</b> <hypernet:x:1> a < b > c")
        #expect(parsed.text == "I <3 cats <b>bold</b> <hypernet:x:1> a < b > c")
        #expect(parsed.loras.isEmpty)
    }

    @Test func malformedTagsAreRefusedWithTheTag() {
        #expect(throws: LoraTagError.badWeight(tag: "<lora:x:strong>", weight: "strong")) { try LoraPrompt(parsing: "a <lora:x:strong>") }
        #expect(throws: LoraTagError.missingName(tag: "<lora::1>")) { try LoraPrompt(parsing: "<lora::1>") }
        #expect(throws: LoraTagError.tooManyParts(tag: "<lora:x:1:0.5>")) { try LoraPrompt(parsing: "<lora:x:1:0.5>") }
        #expect(throws: LoraTagError.badWeight(tag: "<lora:x:nan>", weight: "nan")) { try LoraPrompt(parsing: "<lora:x:nan>") }
    }

    @Test func theTagIsWrittenBackAsAUTOMATIC1111Does() {
        #expect(LoraTag(name: "acuarela", weight: 1).text == "<lora:acuarela:1>")
        #expect(LoraTag(name: "acuarela", weight: -0.25).text == "<lora:acuarela:-0.25>")
    }
}
