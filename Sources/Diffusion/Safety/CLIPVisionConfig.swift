/// CLIPVisionModel's architecture and the projection width of the safety checker,
/// read from the checker's config.json (`vision_config`, `projection_dim`). Defaults are
/// transformers' CLIPVisionConfig; SD's checker is ViT-L/14 (1024 wide, 24 layers, patch 14).
public struct CLIPVisionConfig: Sendable, Equatable, CustomStringConvertible {
    public var hiddenSize = 768
    public var intermediateSize = 3072
    public var numHiddenLayers = 12
    public var numAttentionHeads = 12
    public var imageSize = 224
    public var patchSize = 32
    public var numChannels = 3
    public var hiddenAct = CLIPTextConfig.Activation.quickGELU
    public var layerNormEps: Float = 1e-5
    public var projectionDim = 512

    public init() {}

    public var description: String {
        "CLIP vision hidden \(hiddenSize), layers \(numHiddenLayers), heads \(numAttentionHeads), image \(imageSize), patch \(patchSize), projection \(projectionDim)"
    }

    /// Patches per side, and the positions (patches + the class token).
    var patchesPerSide: Int { imageSize / patchSize }
    var positions: Int { patchesPerSide * patchesPerSide + 1 }

    init(json: JSONConfig) throws {
        let vision = JSONConfig(values: (json.values["vision_config"] as? [String: Any]) ?? [:])
        hiddenSize = vision.int("hidden_size", hiddenSize)
        intermediateSize = vision.int("intermediate_size", intermediateSize)
        numHiddenLayers = vision.int("num_hidden_layers", numHiddenLayers)
        numAttentionHeads = vision.int("num_attention_heads", numAttentionHeads)
        imageSize = vision.int("image_size", imageSize)
        patchSize = vision.int("patch_size", patchSize)
        numChannels = vision.int("num_channels", numChannels)
        layerNormEps = Float(vision.double("layer_norm_eps", Double(layerNormEps)))
        projectionDim = json.int("projection_dim", projectionDim)
        let act = vision.string("hidden_act", "quick_gelu")
        guard let activation = CLIPTextConfig.Activation(rawValue: act) else {
            throw DiffusionError.invalidConfig(path: json.path, reason: "vision hidden_act \(act) is not supported")
        }
        hiddenAct = activation
        guard patchSize > 0, imageSize % patchSize == 0, numAttentionHeads > 0, hiddenSize % numAttentionHeads == 0 else {
            throw DiffusionError.invalidConfig(path: json.path, reason: "image_size must be a multiple of patch_size, hidden_size of the heads")
        }
    }
}
