/// Matches transformers `CLIPTextModel` (models/clip/modeling_clip.py) as diffusers'
/// StableDiffusionPipeline calls it: token + position embeddings, causal encoder layers,
/// final LayerNorm; `last_hidden_state` only (no pooling, no attention mask).
/// `clipSkip` follows diffusers: k > 0 takes the states k layers before the last and
/// still applies the final LayerNorm (A1111's "Clip skip 2" is clipSkip 1).
public struct CLIPTextModel: Sendable {
    public let config: CLIPTextConfig
    let tokenEmbedding: EmbeddingTable
    let positionEmbedding: [Float]
    let layers: [CLIPEncoderLayer]
    let finalLayerNorm: LayerNorm

    public init(store: WeightStore, config: CLIPTextConfig) throws {
        self.config = config
        let d = config.hiddenSize
        tokenEmbedding = try store.table("embeddings.token_embedding.weight", shape: [config.vocabSize, d])
        positionEmbedding = try store.tensor("embeddings.position_embedding.weight", shape: [config.maxPositionEmbeddings, d])
        layers = try (0..<config.numHiddenLayers).map { try CLIPEncoderLayer(store, "encoder.layers.\($0)", config: config) }
        finalLayerNorm = try LayerNorm(store, "final_layer_norm", dim: d, eps: config.layerNormEps)
    }

    /// ids is (batch, length) token ids; returns (batch, length, hidden).
    public func callAsFunction(_ ids: [[Int]], clipSkip: Int = 0) throws -> Tensor {
        let d = config.hiddenSize
        let batch = ids.count
        let length = ids.first?.count ?? 0
        guard length <= config.maxPositionEmbeddings else {
            throw DiffusionError.invalidArgument("\(length) tokens exceed the text encoder's \(config.maxPositionEmbeddings) positions")
        }
        guard clipSkip >= 0, clipSkip < layers.count else {
            throw DiffusionError.invalidArgument("clip skip \(clipSkip) must be between 0 and \(layers.count - 1)")
        }
        var h = [Float](repeating: 0, count: batch * length * d)
        for (b, row) in ids.enumerated() {
            for (i, id) in row.enumerated() {
                guard id >= 0, id < config.vocabSize else { throw DiffusionError.invalidArgument("token id \(id) outside the vocabulary") }
                let embedding = try tokenEmbedding.row(id)
                for j in 0..<d { h[(b * length + i) * d + j] = embedding[j] + positionEmbedding[i * d + j] }
            }
        }
        for layer in layers.prefix(layers.count - clipSkip) { h = layer(h, batch: batch, length: length) }
        return Tensor(shape: [batch, length, d], data: finalLayerNorm(h))
    }
}
