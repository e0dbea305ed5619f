import Foundation

/// Matches diffusers `StableDiffusionSafetyChecker` (src/diffusers/pipelines/stable_diffusion/
/// safety_checker.py) as `StableDiffusionPipeline.run_safety_checker` runs it: the images
/// through `CLIPImagePreprocessor`, the CLIP vision tower's pooled output through the visual
/// projection, cosine similarity with the concept and "special care" embeddings minus their
/// thresholds, rounded to 3 decimals; a special-care hit adds 0.01 to every concept score,
/// and an image is flagged when any concept score is above 0.
public struct StableDiffusionSafetyChecker: Sendable {
    public let config: CLIPVisionConfig
    public let preprocessor: CLIPImagePreprocessor
    let vision: CLIPVisionModel
    let visualProjection: Linear
    /// Unit-length rows (K × projection) and their thresholds.
    let concepts: [Float]
    let conceptThresholds: [Float]
    let specialCare: [Float]
    let specialCareThresholds: [Float]

    /// What the checker says of one image.
    public struct Verdict: Sendable, Equatable {
        public var nsfw: Bool
        /// Each concept's rounded score (cosine − threshold + adjustment); > 0 flags the image.
        public var conceptScores: [Double]
        public var specialScores: [Double]
        /// The largest concept score: how far the image is from (< 0) or past (> 0) being flagged.
        public var margin: Double { conceptScores.max() ?? -1 }
    }

    /// Loads `path`: the `safety_checker/` folder (config.json + model.safetensors) or one
    /// `.safetensors` file with its config.json beside it. The preprocessing comes from the
    /// sibling `feature_extractor/preprocessor_config.json` (or one in the folder itself),
    /// else CLIP's standard values.
    public static func load(path: String, precision: ComputePrecision = .float32) throws -> StableDiffusionSafetyChecker {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw DiffusionError.fileNotFound(path: path) }
        let folder = isDir.boolValue ? path : URL(fileURLWithPath: path).deletingLastPathComponent().path
        let file = isDir.boolValue ? try StableDiffusionModel.componentWeights(path, ["model.safetensors", "model.fp16.safetensors"])
            : try { try StableDiffusionModel.refusePickle(path); return try SafetensorsFile(path: path) }()
        let config = try CLIPVisionConfig(json: JSONConfig(path: folder + "/config.json"))
        let parent = URL(fileURLWithPath: folder).deletingLastPathComponent().path
        var preprocessor = CLIPImagePreprocessor()
        for candidate in [folder + "/preprocessor_config.json", parent + "/feature_extractor/preprocessor_config.json"]
        where FileManager.default.fileExists(atPath: candidate) {
            preprocessor = try CLIPImagePreprocessor(json: JSONConfig(path: candidate))
            break
        }
        let store = WeightStore(file: file)
        store.precision = precision
        let checker = try StableDiffusionSafetyChecker(store: store, config: config, preprocessor: preprocessor)
        // The checker's CLIPConfig also describes a text tower, which the checker never runs.
        try store.requireEveryTensorUsed(by: "the safety checker", path: path) { $0.hasPrefix("text_model.") || $0.contains("position_ids") }
        return checker
    }

    /// The concept counts come from the file's shapes unless given (random benchmark weights have no shapes).
    init(store: WeightStore, config: CLIPVisionConfig, preprocessor: CLIPImagePreprocessor, conceptCount: Int? = nil,
         specialCareCount: Int? = nil) throws {
        self.config = config
        self.preprocessor = preprocessor
        // transformers < 5 nests CLIPVisionModel's transformer (`vision_model.vision_model.…`).
        let prefix = store.contains("vision_model.vision_model.embeddings.class_embedding") ? "vision_model.vision_model." : "vision_model."
        vision = try CLIPVisionModel(store: store, prefix: prefix, config: config)
        visualProjection = try Linear(store, "visual_projection", config.hiddenSize, config.projectionDim, bias: false)
        func embeddings(_ key: String, count: Int?) throws -> (rows: [Float], count: Int) {
            let shape = try count.map { [$0, config.projectionDim] } ?? {
                guard let shape = store.shape(of: key), shape.count == 2, shape[1] == config.projectionDim else {
                    throw DiffusionError.missingWeight(key: key, file: "safety checker")
                }
                return shape
            }()
            return (Self.unitRows(try store.tensor(key, shape: shape), width: shape[1]), shape[0])
        }
        let (concepts, conceptCount) = try embeddings("concept_embeds", count: conceptCount)
        let (special, specialCount) = try embeddings("special_care_embeds", count: specialCareCount)
        self.concepts = concepts
        self.specialCare = special
        conceptThresholds = try store.tensor("concept_embeds_weights", shape: [conceptCount])
        specialCareThresholds = try store.tensor("special_care_embeds_weights", shape: [specialCount])
    }

    /// The whole batch in one vision pass.
    public func check(_ images: [RGBImage]) -> [Verdict] {
        guard !images.isEmpty else { return [] }
        let side = (preprocessor.cropHeight, preprocessor.cropWidth)
        let pixels = Tensor(shape: [images.count, 3, side.0, side.1], data: images.flatMap(preprocessor.pixelValues))
        return verdicts(imageEmbeds: imageEmbeds(pixels), count: images.count)
    }

    /// visual_projection(pooled_output): (N, projection).
    func imageEmbeds(_ pixels: Tensor) -> [Float] { visualProjection(vision.pooled(pixels)) }

    func verdicts(imageEmbeds: [Float], count: Int) -> [Verdict] {
        let p = config.projectionDim
        let unit = Self.unitRows(imageEmbeds, width: p)
        return (0..<count).map { i in
            let image = unit[(i * p)..<((i + 1) * p)]
            func cosines(_ rows: [Float]) -> [Float] {
                (0..<(rows.count / p)).map { r in zip(image, rows[(r * p)..<((r + 1) * p)]).reduce(0) { $0 + $1.0 * $1.1 } }
            }
            // adjustment = 0.0; a special-care score > 0 sets it to 0.01 for what follows
            var adjustment = 0.0
            var special: [Double] = []
            for (cos, threshold) in zip(cosines(specialCare), specialCareThresholds) {
                let score = Self.round3(Double(cos - threshold) + adjustment)
                special.append(score)
                if score > 0 { adjustment = 0.01 }
            }
            let concept = zip(cosines(concepts), conceptThresholds).map { Self.round3(Double($0 - $1) + adjustment) }
            return Verdict(nsfw: concept.contains { $0 > 0 }, conceptScores: concept, specialScores: special)
        }
    }

    /// Python's round(x, 3).
    static func round3(_ x: Double) -> Double { (x * 1000).rounded(.toNearestOrEven) / 1000 }

    /// Each row divided by its length (torch.nn.functional.normalize, eps 1e-12).
    static func unitRows(_ x: [Float], width: Int) -> [Float] {
        var out = x
        for r in 0..<(x.count / width) {
            let row = x[(r * width)..<((r + 1) * width)]
            let norm = max(row.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1e-12)
            for j in 0..<width { out[r * width + j] = x[r * width + j] / norm }
        }
        return out
    }
}
