import Foundation
import Schema

/// What the Renderer needs from a diffusion engine, so the stage can be tested with a
/// stand-in and the real engine plugs in behind it.
public protocol RenderEngine: Sendable {
    /// The model this engine serves; the Renderer claims only jobs of this model.
    var model: String { get }

    /// Throws `RenderRejection` when the engine cannot run these parameters at all
    /// (unknown sampler, size out of range…): the job fails at once, not retried.
    func validate(_ request: RenderRequest) throws

    /// Renders requests that share one batch key in one batch and returns one image per
    /// request, in order. `progress` is called as steps complete; when it throws, the
    /// engine stops and rethrows.
    func render(_ requests: [RenderRequest], progress: (RenderProgress) throws -> Void) throws -> [RenderedImage]

    /// Whether the images come with the safety checker's verdicts.
    var checksImages: Bool { get }
}

extension RenderEngine {
    public var checksImages: Bool { false }
}

/// One finished image: its PNG, and the safety checker's verdict when the engine has one.
public struct RenderedImage: Sendable {
    public var png: Data
    public var safety: ImageSafety?

    public init(png: Data, safety: ImageSafety? = nil) {
        self.png = png
        self.safety = safety
    }
}

/// A completed step of a batch, and a way to see the images as they stand.
public struct RenderProgress {
    public let step: Int
    public let totalSteps: Int
    /// One small PNG per request showing its image at this step (a live preview); nil when
    /// the engine cannot show one. Costs a decode: the caller decides when it is worth it.
    public let previews: (() throws -> [Data])?

    public init(step: Int, totalSteps: Int, previews: (() throws -> [Data])? = nil) {
        self.step = step
        self.totalSteps = totalSteps
        self.previews = previews
    }
}

/// A request the engine will never be able to run; the message is for the user.
public struct RenderRejection: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
