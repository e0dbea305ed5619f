import Diffusion
import Logging
import RenderStage
import Runtime
import Schema

/// At start-up the Renderer tells the database which LoRAs it serves (the `loras`
/// table), so that Ingest can check `<lora:…>` tags and `/styles` can list them. Every
/// file is parsed against the model first; one that does not load is logged and left
/// out, never offered.
struct LoraPublisher {
    let engine: DiffusionRenderEngine
    let queue: JobQueue
    let logger: Logger

    func publish() async throws {
        guard let library = engine.loraLibrary else {
            try await queue.publishLoras(model: engine.model, [])
            return
        }
        let catalog = try await BlockingExecutor(name: "loras").run { library.catalog() }
        for refused in catalog.refused {
            logger.warning("LoRA left out", metadata: ["lienzo_lora": "\(refused.name)", LogKey.error: "\(refused.reason)"])
        }
        try await queue.publishLoras(model: engine.model, catalog.usable.map {
            PublishedLora(name: $0.name, description: $0.summary, shortHash: $0.shortHash)
        })
        logger.info("LoRAs published", metadata: [
            "lienzo_loras": "\(catalog.usable.map(\.name))", "lienzo_lora_cache_bytes": "\(library.cachedBytes)",
        ])
    }
}
