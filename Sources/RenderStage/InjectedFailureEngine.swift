import Foundation
import Schema

/// TEST ONLY (`LIENZO_TEST_FAIL_PROMPT`): the engine it wraps, except that every batch
/// holding a prompt that contains `marker` fails, as an engine that crashes on one
/// request would. The chaos suite uses it to check that such a job fails alone, after its
/// attempts, while its batch-mates are rendered one by one and delivered. Never set it in
/// production: it exists so that a deterministic engine failure needs no broken model.
public struct InjectedFailureEngine: RenderEngine {
    let engine: any RenderEngine
    let marker: String

    public init(_ engine: any RenderEngine, marker: String) {
        self.engine = engine
        self.marker = marker
    }

    public var model: String { engine.model }
    public var checksImages: Bool { engine.checksImages }

    public func validate(_ request: RenderRequest) throws { try engine.validate(request) }

    public func render(_ requests: [RenderRequest], progress: (RenderProgress) throws -> Void) throws -> [RenderedImage] {
        if requests.contains(where: { $0.prompt.contains(marker) }) {
            // Not a RenderRejection: an engine failure is retried, like a real crash.
            throw InjectedFailure(description: "injected engine failure (LIENZO_TEST_FAIL_PROMPT)")
        }
        return try engine.render(requests, progress: progress)
    }

    struct InjectedFailure: Error, CustomStringConvertible {
        let description: String
    }
}
