/// The LoRAs of each sample in one batched forward pass of the U-Net or the text encoder.
///
/// Every Linear and Conv2d asks `LoraBatch.active` for its module name and adds, to the
/// rows of each sample, that sample's low-rank terms: y_s = x_s·Wᵀ + b + Σ w·scale·(x_s·downᵀ)·upᵀ.
/// So one batch can mix styles, each image getting exactly what it would get alone, and
/// the shared base weights are never touched. The forward passes are synchronous, so
/// the batch is bound with `withValue` around them (a task-local, read on the same thread).
final class LoraBatch: Sendable {
    @TaskLocal static var active: LoraBatch?

    struct Term: Sendable {
        let sample: Int
        let update: LoraUpdate
        /// The prompt's weight times the file's alpha / rank.
        let multiplier: Float
    }

    let samples: Int
    private let terms: [String: [Term]]

    /// nil when no sample has a LoRA: the layers then skip the lookup's work entirely.
    init?(component: LoraComponent, perSample: [[AppliedLora]]) {
        var terms: [String: [Term]] = [:]
        for (sample, loras) in perSample.enumerated() {
            for lora in loras where lora.weight != 0 {
                for (module, update) in lora.adapter.updates(for: component) {
                    terms[module, default: []].append(Term(sample: sample, update: update, multiplier: lora.weight * update.scale))
                }
            }
        }
        guard !terms.isEmpty else { return nil }
        self.samples = perSample.count
        self.terms = terms
    }

    init(terms: [String: [Term]], samples: Int) {
        self.terms = terms
        self.samples = samples
    }

    /// Runs `body` (a forward pass over `perSample.count` samples) with these LoRAs active.
    static func applying<R>(_ component: LoraComponent, _ perSample: [[AppliedLora]], _ body: () throws -> R) rethrows -> R {
        try $active.withValue(LoraBatch(component: component, perSample: perSample), operation: body)
    }

    /// y (rows, outFeatures) += the sample's terms of x (rows, inFeatures); the rows are
    /// the samples' rows one after another.
    func addUpdates(of module: String, toLinear y: inout [Float], input x: [Float], inFeatures: Int, outFeatures: Int) {
        guard let moduleTerms = terms[module] else { return }
        let rows = x.count / inFeatures / samples
        for term in moduleTerms {
            let xs = Array(x[(term.sample * rows * inFeatures)..<((term.sample + 1) * rows * inFeatures)])
            let low = linear(xs, rows: rows, weight: term.update.down, bias: [])
            let delta = linear(low, rows: rows, weight: term.update.up, bias: [])
            add(delta, times: term.multiplier, to: &y, at: term.sample * rows * outFeatures)
        }
    }

    /// y (N, out, oh, ow) += the sample's terms of x (N, in, h, w): the down factor as a
    /// convolution like the base layer's, the up factor as a 1×1 convolution.
    func addUpdates(of module: String, toConvolution y: inout [Float], input x: Tensor, kernel: Int, stride: Int, padding: Int) {
        guard let moduleTerms = terms[module] else { return }
        let (c, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        let per = c * h * w
        for term in moduleTerms {
            let xs = Array(x.data[(term.sample * per)..<((term.sample + 1) * per)])
            let low = conv2d(xs, n: 1, c: c, h: h, w: w, weight: term.update.down, bias: [], kernel: kernel, stride: stride, padding: padding)
            let delta = conv2d(low.data, n: 1, c: term.update.rank, h: low.height, w: low.width, weight: term.update.up, bias: [],
                               kernel: 1, stride: 1, padding: 0)
            add(delta.data, times: term.multiplier, to: &y, at: term.sample * delta.data.count)
        }
    }

    private func add(_ delta: [Float], times multiplier: Float, to y: inout [Float], at offset: Int) {
        y.withUnsafeMutableBufferPointer { out in
            delta.withUnsafeBufferPointer { d in
                guard let o = out.baseAddress, let s = d.baseAddress else { return }
                axpy(count: d.count, alpha: multiplier, x: s, y: o + offset)
            }
        }
    }
}

/// Which model a LoRA tensor patches.
public enum LoraComponent: String, Sendable, CaseIterable {
    case unet
    case textEncoder = "text encoder"
}

/// A LoRA chosen for one image, at the prompt's weight.
public struct AppliedLora: Sendable, Equatable {
    public let adapter: LoraAdapter
    public let weight: Float

    public init(_ adapter: LoraAdapter, weight: Float) {
        self.adapter = adapter
        self.weight = weight
    }

    public static func == (a: AppliedLora, b: AppliedLora) -> Bool { a.adapter === b.adapter && a.weight == b.weight }
}
