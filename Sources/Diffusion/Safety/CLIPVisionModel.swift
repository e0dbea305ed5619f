/// Matches transformers `CLIPVisionModel` (models/clip/modeling_clip.py) up to its pooled
/// output: patch embedding (a stride-patch convolution without bias), the class token,
/// position embeddings, pre_layrnorm, the encoder (non-causal CLIP layers), then
/// post_layernorm of the class token's state.
struct CLIPVisionModel: Sendable {
    let config: CLIPVisionConfig
    let patchEmbedding: Conv2d
    let classEmbedding: [Float]
    let positionEmbedding: [Float]
    let preLayerNorm: LayerNorm
    let layers: [CLIPEncoderLayer]
    let postLayerNorm: LayerNorm

    /// `prefix` is where the vision transformer's weights start (`vision_model.vision_model.`
    /// in the safety checker's file).
    init(store: WeightStore, prefix: String, config: CLIPVisionConfig) throws {
        self.config = config
        let d = config.hiddenSize
        patchEmbedding = try Conv2d(store, prefix + "embeddings.patch_embedding", config.numChannels, d, kernel: config.patchSize,
                                    stride: config.patchSize, padding: 0, bias: false)
        classEmbedding = try store.tensor(prefix + "embeddings.class_embedding", shape: [d])
        positionEmbedding = try store.tensor(prefix + "embeddings.position_embedding.weight", shape: [config.positions, d])
        preLayerNorm = try LayerNorm(store, prefix + "pre_layrnorm", dim: d, eps: config.layerNormEps)
        layers = try (0..<config.numHiddenLayers).map {
            try CLIPEncoderLayer(store, prefix + "encoder.layers.\($0)", hidden: d, intermediate: config.intermediateSize,
                                 heads: config.numAttentionHeads, activation: config.hiddenAct, eps: config.layerNormEps, causal: false)
        }
        postLayerNorm = try LayerNorm(store, prefix + "post_layernorm", dim: d, eps: config.layerNormEps)
    }

    /// pixels (N, 3, imageSize, imageSize) → pooled output (N, hidden).
    func pooled(_ pixels: Tensor) -> [Float] {
        let n = pixels.shape[0]
        let d = config.hiddenSize
        let patches = config.patchesPerSide * config.patchesPerSide
        let positions = config.positions
        let grid = patchEmbedding(pixels).data  // (N, d, p, p)
        var h = [Float](repeating: 0, count: n * positions * d)
        for b in 0..<n {
            for j in 0..<d { h[b * positions * d + j] = classEmbedding[j] + positionEmbedding[j] }
            for p in 0..<patches {
                for j in 0..<d {
                    h[(b * positions + 1 + p) * d + j] = grid[(b * d + j) * patches + p] + positionEmbedding[(1 + p) * d + j]
                }
            }
        }
        h = preLayerNorm(h)
        for layer in layers { h = layer(h, batch: n, length: positions) }
        var classStates = [Float](repeating: 0, count: n * d)
        for b in 0..<n {
            for j in 0..<d { classStates[b * d + j] = h[b * positions * d + j] }
        }
        return postLayerNorm(classStates)
    }
}
