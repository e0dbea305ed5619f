import Foundation
import Schema
import Testing
import TestSupport

/// The real Renderer executable serving a LoRA folder: it publishes the files that load
/// for its model (and leaves out the one made for another model), renders one batch of
/// three jobs asking for three different LoRA sets, and writes the tags and the LoRAs'
/// short hashes into each PNG's parameters. A job naming a LoRA it lacks fails at once
/// with the reason.
@Suite(.serialized) struct RendererLoraTests {
    static let loras = StageProcess.repositoryRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures/lora").path
    let process = RendererProcessTests()

    @Test func aMixedStyleBatchIsRenderedWithEachImagesOwnLoras() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let model = RendererProcessTests.model
        let prompts = ["a red fox <lora:kohya_style:1>", "a castle <lora:peft_style:0.6>", "a plain cat", "a dog <lora:not_there>"]
        var ids: [Int64] = []
        for (n, prompt) in prompts.enumerated() {
            ids.append(try await db.queue.enqueueAccepted(
                RenderRequest(prompt: prompt, negativePrompt: "blurry", model: model, width: 64, height: 64, steps: 4, seed: Int64(n + 1),
                              sampler: "euler_a"),
                from: Fixtures.origin(update: Int64(n + 1), user: Int64(n + 1))))
        }
        let renderer = try StageProcess("Renderer", environment: process.environment(db, ["LIENZO_LORA_DIR": Self.loras, "LIENZO_MAX_BATCH": "4"]))
        defer { renderer.signal(SIGKILL) }
        let deadline = ContinuousClock.now + .seconds(90)
        var states: [String] = []
        while ContinuousClock.now < deadline {
            states = try await db.connection.query(Self.states).map { try $0.decode("state") }
            if states.allSatisfy({ $0 == "rendered" || $0 == "failed" }), states.count == 4 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(states == ["rendered", "rendered", "rendered", "failed"], "\(renderer.log.suffix(2000))")

        let published = try await db.queue.visibleLoras(model: model)
        #expect(published.map(\.name) == ["kohya_locon", "kohya_style", "old_diffusers", "peft_style"])
        #expect(published.first { $0.name == "kohya_style" }?.description == "Acuarela: a test watercolour style")
        #expect(renderer.log.contains("LoRA left out") && renderer.log.contains("not_this_model"))

        let hash = { (name: String) in published.first { $0.name == name }?.shortHash ?? "?" }
        #expect(try await pngContains(db, ids[0], "a red fox <lora:kohya_style:1>\nNegative prompt: blurry"))
        #expect(try await pngContains(db, ids[0], "Lora hashes: \"kohya_style: \(hash("kohya_style"))\""))
        #expect(try await pngContains(db, ids[1], "Lora hashes: \"peft_style: \(hash("peft_style"))\""))
        #expect(try await !pngContains(db, ids[2], "Lora hashes"))
        let error: String? = try await db.connection.query(Self.lastError, ids[3]).first?.decode("error")
        #expect(error?.contains("not_there") == true, "\(error ?? "no error")")
        let batches: Int? = try await db.connection.query(Self.attempts).first?.decode("n")
        #expect(batches == 1, "the three styled jobs shared one claim")
    }

    static let states = SQLText(name: "LoraStates", text: "SELECT state::text AS state FROM jobs ORDER BY id")
    static let lastError = SQLText(name: "LoraError", text: "SELECT errors->-1->>'error' AS error FROM jobs WHERE id = $1")
    static let attempts = SQLText(name: "LoraClaims", text: "SELECT count(DISTINCT render_started_at) AS n FROM jobs WHERE state = 'rendered'")
    static let contains = SQLText(name: "LoraPNGContains", text: "SELECT position(convert_to($2, 'UTF8') in image_png) > 0 AS found FROM jobs WHERE id = $1")

    private func pngContains(_ db: TestDatabase, _ id: Int64, _ text: String) async throws -> Bool {
        try await db.connection.query(Self.contains, id, text).first?.decode("found") ?? false
    }
}
