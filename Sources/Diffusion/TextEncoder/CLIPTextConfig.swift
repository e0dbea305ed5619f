/// CLIPTextModel's architecture. Defaults are SD 1.x's OpenAI CLIP ViT-L/14 text tower.
public struct CLIPTextConfig: Sendable, Equatable, CustomStringConvertible {
    public enum Activation: String, Sendable { case quickGELU = "quick_gelu", gelu }
    public var vocabSize = 49408
    /// Width of the token states (768; 1024 for SD 2.x's OpenCLIP ViT-H).
    public var hiddenSize = 768
    public var intermediateSize = 3072
    /// Encoder layers run (12; SD 2.x: 23, the penultimate of OpenCLIP's 24).
    public var numHiddenLayers = 12
    public var numAttentionHeads = 12
    public var maxPositionEmbeddings = 77
    public var hiddenAct = Activation.quickGELU
    public var layerNormEps: Float = 1e-5

    public init() {}

    public var description: String {
        "CLIP text hidden \(hiddenSize), layers \(numHiddenLayers), heads \(numAttentionHeads), \(hiddenAct.rawValue)"
    }

    init(json: JSONConfig) throws {
        vocabSize = json.int("vocab_size", vocabSize)
        hiddenSize = json.int("hidden_size", hiddenSize)
        intermediateSize = json.int("intermediate_size", intermediateSize)
        numHiddenLayers = json.int("num_hidden_layers", numHiddenLayers)
        numAttentionHeads = json.int("num_attention_heads", numAttentionHeads)
        maxPositionEmbeddings = json.int("max_position_embeddings", maxPositionEmbeddings)
        layerNormEps = Float(json.double("layer_norm_eps", 1e-5))
        let act = json.string("hidden_act", "quick_gelu")
        guard let a = Activation(rawValue: act) else { throw DiffusionError.invalidConfig(path: json.path, reason: "hidden_act \(act) not supported") }
        hiddenAct = a
    }
}
