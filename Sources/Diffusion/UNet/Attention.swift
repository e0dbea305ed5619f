/// Matches diffusers `Attention` with `AttnProcessor` (src/diffusers/models/attention_processor.py)
/// for the cases SD uses: self- or cross-attention, to_q/to_k/to_v (bias only in the VAE),
/// to_out.0 with bias, no norms inside, no residual (callers add it).
struct Attention: Sendable {
    let toQ: Linear
    let toK: Linear
    let toV: Linear
    let toOut: Linear
    let heads: Int
    let headDim: Int
    let precision: ComputePrecision

    init(_ store: WeightStore, _ prefix: String, queryDim: Int, contextDim: Int?, heads: Int, headDim: Int, qkvBias: Bool = false) throws {
        let inner = heads * headDim
        toQ = try Linear(store, prefix + ".to_q", queryDim, inner, bias: qkvBias)
        toK = try Linear(store, prefix + ".to_k", contextDim ?? queryDim, inner, bias: qkvBias)
        toV = try Linear(store, prefix + ".to_v", contextDim ?? queryDim, inner, bias: qkvBias)
        toOut = try Linear(store, prefix + ".to_out.0", inner, queryDim)
        self.heads = heads
        self.headDim = headDim
        precision = store.precision
    }

    /// x is (batch, length, queryDim); context (batch, contextLength, contextDim) or nil for self-attention.
    func callAsFunction(_ x: [Float], batch: Int, length: Int, context: [Float]? = nil, contextLength: Int? = nil) -> [Float] {
        let q = toQ(x)
        let kv = context ?? x
        let k = toK(kv)
        let v = toV(kv)
        let keyLength = contextLength ?? length
        let o = KernelProfile.measure(.attention) {
            attention(
                q: q, k: k, v: v, batch: batch, queryLength: length, keyLength: keyLength, heads: heads, headDim: headDim,
                precision: precision)
        }
        return toOut(o)
    }
}
