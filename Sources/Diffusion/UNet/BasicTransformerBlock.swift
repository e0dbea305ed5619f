/// Matches diffusers `BasicTransformerBlock` (src/diffusers/models/attention.py) as SD uses
/// it: LayerNorm → self-attention, LayerNorm → cross-attention on the text states,
/// LayerNorm → GEGLU feed-forward, each with a residual.
struct BasicTransformerBlock: Sendable {
    let norm1: LayerNorm
    let attn1: Attention
    let norm2: LayerNorm
    let attn2: Attention
    let norm3: LayerNorm
    let ff: FeedForward

    init(_ store: WeightStore, _ prefix: String, dim: Int, heads: Int, contextDim: Int) throws {
        let headDim = dim / heads
        norm1 = try LayerNorm(store, prefix + ".norm1", dim: dim)
        attn1 = try Attention(store, prefix + ".attn1", queryDim: dim, contextDim: nil, heads: heads, headDim: headDim)
        norm2 = try LayerNorm(store, prefix + ".norm2", dim: dim)
        attn2 = try Attention(store, prefix + ".attn2", queryDim: dim, contextDim: contextDim, heads: heads, headDim: headDim)
        norm3 = try LayerNorm(store, prefix + ".norm3", dim: dim)
        ff = try FeedForward(store, prefix + ".ff", dim: dim)
    }

    /// x is (batch, length, dim); context (batch, contextLength, contextDim).
    func callAsFunction(_ x: [Float], batch: Int, length: Int, context: [Float], contextLength: Int) -> [Float] {
        var h = x
        addInPlace(&h, attn1(norm1(h), batch: batch, length: length))
        addInPlace(&h, attn2(norm2(h), batch: batch, length: length, context: context, contextLength: contextLength))
        addInPlace(&h, ff(norm3(h)))
        return h
    }
}
