/// The LoRAs of each sample in one batched forward pass of the U-Net or the text encoder.
///
/// Every Linear and Conv2d asks `LoraBatch.active` for its module name and adds, to the
/// rows of each sample, that sample's low-rank terms: y_s = x_s·Wᵀ + b + Σ w·scale·(x_s·downᵀ)·upᵀ.
/// So one batch can mix styles, each image getting exactly what it would get alone, and
/// the shared base weights are never touched. The forward passes are synchronous, so
/// the batch is bound with `withValue` around them (a task-local, read on the same thread).
final class LoraBatch: Sendable {
    @TaskLocal static var active: LoraBatch?

    /// One LoRA at one weight on the samples that ask for it: their rows go through the
    /// two low-rank GEMMs together (an image's unconditional and conditional samples, or a
    /// whole batch sharing a style, cost one pair of GEMMs, not one per sample).
    struct Term: Sendable {
        let samples: [Int]
        let update: LoraUpdate
        /// The prompt's weight times the file's alpha / rank.
        let multiplier: Float
    }

    let samples: Int
    private let terms: [String: [Term]]

    /// nil when no sample has a LoRA: the layers then skip the lookup's work entirely.
    init?(component: LoraComponent, perSample: [[AppliedLora]]) {
        // module → (adapter, weight) → samples, in order of first use
        var grouped: [String: [(key: String, update: LoraUpdate, multiplier: Float, samples: [Int])]] = [:]
        for (sample, loras) in perSample.enumerated() {
            for lora in loras where lora.weight != 0 {
                let key = "\(ObjectIdentifier(lora.adapter))@\(lora.weight)"
                for (module, update) in lora.adapter.updates(for: component) {
                    if let index = grouped[module]?.firstIndex(where: { $0.key == key }) {
                        grouped[module]?[index].samples.append(sample)
                    } else {
                        grouped[module, default: []].append((key, update, lora.weight * update.scale, [sample]))
                    }
                }
            }
        }
        guard !grouped.isEmpty else { return nil }
        self.samples = perSample.count
        self.terms = grouped.mapValues { $0.map { Term(samples: $0.samples, update: $0.update, multiplier: $0.multiplier) } }
    }

    init(terms: [String: [Term]], samples: Int) {
        self.terms = terms
        self.samples = samples
    }

    /// Runs `body` (a forward pass over `perSample.count` samples) with these LoRAs active.
    static func applying<R>(_ component: LoraComponent, _ perSample: [[AppliedLora]], _ body: () throws -> R) rethrows -> R {
        try $active.withValue(LoraBatch(component: component, perSample: perSample), operation: body)
    }

    /// y (rows, outFeatures) += each term's low-rank product of x (rows, inFeatures) on its
    /// samples' rows; the rows are the samples' rows one after another.
    func addUpdates(of module: String, toLinear y: inout [Float], input x: [Float], inFeatures: Int, outFeatures: Int) {
        guard let moduleTerms = terms[module] else { return }
        let rows = x.count / inFeatures / samples
        for term in moduleTerms {
            let xs = gather(x, samples: term.samples, per: rows * inFeatures)
            let low = linear(xs, rows: rows * term.samples.count, weight: term.update.down, bias: [])
            let delta = linear(low, rows: rows * term.samples.count, weight: term.update.up, bias: [])
            scatterAdd(delta, times: term.multiplier, to: &y, samples: term.samples, per: rows * outFeatures)
        }
    }

    /// y (N, out, oh, ow) += each term's low-rank product of x (N, in, h, w) on its samples:
    /// the down factor as a convolution like the base layer's, the up factor as a 1×1 convolution.
    /// Whether `module` has low-rank terms in this batch (they need the layer's input as it is).
    func patches(_ module: String) -> Bool { terms[module] != nil }

    func addUpdates(of module: String, toConvolution y: inout [Float], input x: Tensor, kernel: Int, stride: Int, padding: Int) {
        guard let moduleTerms = terms[module] else { return }
        let (c, h, w) = (x.shape[1], x.shape[2], x.shape[3])
        for term in moduleTerms {
            let n = term.samples.count
            let xs = gather(x.data, samples: term.samples, per: c * h * w)
            let low = conv2d(xs, n: n, c: c, h: h, w: w, weight: term.update.down, bias: [], kernel: kernel, stride: stride, padding: padding)
            let delta = conv2d(low.data, n: n, c: term.update.rank, h: low.height, w: low.width, weight: term.update.up, bias: [],
                               kernel: 1, stride: 1, padding: 0)
            scatterAdd(delta.data, times: term.multiplier, to: &y, samples: term.samples, per: delta.data.count / n)
        }
    }

    /// The samples' blocks of `per` values, one after another.
    private func gather(_ x: [Float], samples: [Int], per: Int) -> [Float] {
        if samples.count == self.samples, samples == Array(0..<self.samples) { return x }
        var out = [Float]()
        out.reserveCapacity(samples.count * per)
        for s in samples { out += x[(s * per)..<((s + 1) * per)] }
        return out
    }

    /// y's block of each sample += multiplier × its block of `delta`.
    private func scatterAdd(_ delta: [Float], times multiplier: Float, to y: inout [Float], samples: [Int], per: Int) {
        for (block, sample) in samples.enumerated() {
            add(delta, from: block * per, count: per, times: multiplier, to: &y, at: sample * per)
        }
    }

    private func add(_ delta: [Float], from start: Int, count: Int, times multiplier: Float, to y: inout [Float], at offset: Int) {
        y.withUnsafeMutableBufferPointer { out in
            delta.withUnsafeBufferPointer { d in
                guard let o = out.baseAddress, let s = d.baseAddress else { return }
                axpy(count: count, alpha: multiplier, x: s + start, y: o + offset)
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
