/// Matches transformers `CLIPEncoderLayer` (models/clip/modeling_clip.py): pre-norm
/// self-attention (q/k/v/out projections with bias; causal in the text tower, not in the
/// vision tower) and an MLP (fc1 → act → fc2), each with a residual.
struct CLIPEncoderLayer: Sendable {
    let layerNorm1: LayerNorm
    let qProj: Linear
    let kProj: Linear
    let vProj: Linear
    let outProj: Linear
    let layerNorm2: LayerNorm
    let fc1: Linear
    let fc2: Linear
    let heads: Int
    let activation: CLIPTextConfig.Activation
    let causal: Bool

    init(_ store: WeightStore, _ prefix: String, config c: CLIPTextConfig) throws {
        try self.init(store, prefix, hidden: c.hiddenSize, intermediate: c.intermediateSize, heads: c.numAttentionHeads,
                      activation: c.hiddenAct, eps: c.layerNormEps, causal: true)
    }

    init(
        _ store: WeightStore, _ prefix: String, hidden d: Int, intermediate: Int, heads: Int, activation: CLIPTextConfig.Activation,
        eps: Float, causal: Bool
    ) throws {
        layerNorm1 = try LayerNorm(store, prefix + ".layer_norm1", dim: d, eps: eps)
        qProj = try Linear(store, prefix + ".self_attn.q_proj", d, d)
        kProj = try Linear(store, prefix + ".self_attn.k_proj", d, d)
        vProj = try Linear(store, prefix + ".self_attn.v_proj", d, d)
        outProj = try Linear(store, prefix + ".self_attn.out_proj", d, d)
        layerNorm2 = try LayerNorm(store, prefix + ".layer_norm2", dim: d, eps: eps)
        fc1 = try Linear(store, prefix + ".mlp.fc1", d, intermediate)
        fc2 = try Linear(store, prefix + ".mlp.fc2", intermediate, d)
        self.heads = heads
        self.activation = activation
        self.causal = causal
    }

    /// x is (batch, length, hidden).
    func callAsFunction(_ x: [Float], batch: Int, length: Int) -> [Float] {
        var h = x
        let n = layerNorm1(h)
        let d = qProj.outFeatures
        let a = attention(q: qProj(n), k: kProj(n), v: vProj(n), batch: batch, queryLength: length, keyLength: length,
                          heads: heads, headDim: d / heads, causal: causal)
        addInPlace(&h, outProj(a))
        var m = fc1(layerNorm2(h))
        switch activation {
        case .quickGELU: quickGeluInPlace(&m)
        case .gelu: geluInPlace(&m)
        }
        addInPlace(&h, fc2(m))
        return h
    }
}
