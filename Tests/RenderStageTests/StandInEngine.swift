import Foundation
import RenderStage
import Schema

/// A stand-in for the diffusion engine: records each batch, reports every step (with
/// previews naming the step and prompt), and returns bytes naming the prompt, which its
/// stand-in safety checker flags when the prompt contains "flagged". A prompt containing "poison" makes any batch holding
/// it throw; a prompt containing "reject" is refused by `validate`.
final class StandInEngine: RenderEngine, @unchecked Sendable {
    let model = "tiny"
    let checksImages = true
    let stepDelay: Duration
    private let lock = NSLock()
    private var recorded: [[RenderRequest]] = []

    init(stepDelay: Duration = .zero) { self.stepDelay = stepDelay }

    private var reached: [Int] = []

    var batches: [[RenderRequest]] { lock.withLock { recorded } }
    /// The last step each batch reached (a batch stopped early ends below its steps).
    var stepsReached: [Int] { lock.withLock { reached } }

    func validate(_ request: RenderRequest) throws {
        if request.prompt.contains("reject") { throw RenderRejection("sampler not supported") }
    }

    func render(_ requests: [RenderRequest], progress: (RenderProgress) throws -> Void) throws -> [RenderedImage] {
        let batch = lock.withLock {
            recorded.append(requests)
            reached.append(0)
            return reached.count - 1
        }
        let steps = requests.first?.steps ?? 1
        for step in 1...steps {
            lock.withLock { reached[batch] = step }
            if stepDelay > .zero { Thread.sleep(forTimeInterval: Double(stepDelay.components.attoseconds) / 1e18 + Double(stepDelay.components.seconds)) }
            try progress(RenderProgress(step: step, totalSteps: steps) { requests.map { Data("preview \(step):\($0.prompt)".utf8) } })
        }
        if requests.contains(where: { $0.prompt.contains("poison") }) {
            throw StandInFailure()
        }
        return requests.map { request in
            let flagged = request.prompt.contains("flagged")
            return RenderedImage(png: Data("png:\(request.prompt)".utf8), safety: ImageSafety(nsfw: flagged, margin: flagged ? 0.04 : -0.2))
        }
    }
}

struct StandInFailure: Error, CustomStringConvertible {
    var description: String { "out of memory in the stand-in engine" }
}
