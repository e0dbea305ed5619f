/// The generation parameters in AUTOMATIC1111's `parameters` text format, which image
/// viewers and other SD tools read from the PNG:
///
///     a red fox in the snow
///     Negative prompt: blurry
///     Steps: 20, Sampler: Euler a, CFG scale: 7.5, Seed: 42, Size: 512x512, Model: v1-5
public enum InfoText {
    /// `sampler` is the one that ran (options.sampler, or the model's default).
    /// `typedPrompt` is the prompt with its `<lora:…>` tags, as AUTOMATIC1111 keeps it;
    /// the LoRAs' short hashes follow in `Lora hashes:`. `precision` is said because a
    /// bfloat16 image differs a little from the float32 one diffusers makes for the seed.
    public static func parameters(
        request: GenerationRequest, options: GenerationOptions, sampler: Sampler, modelName: String, typedPrompt: String? = nil,
        precision: ComputePrecision? = nil
    ) -> String {
        var s = typedPrompt ?? request.prompt
        if !request.negativePrompt.isEmpty { s += "\nNegative prompt: " + request.negativePrompt }
        var fields = [
            "Steps: \(options.steps)", "Sampler: \(sampler.a1111Name)", "CFG scale: \(format(request.guidanceScale))",
            "Seed: \(request.seed)", "Size: \(options.width)x\(options.height)", "Model: \(modelName)",
        ]
        if options.clipSkip > 0 { fields.append("Clip skip: \(options.clipSkip + 1)") }
        if let precision { fields.append("Precision: \(precision.rawValue)") }
        if !request.loras.isEmpty {
            fields.append("Lora hashes: \"" + request.loras.map { "\($0.adapter.name): \($0.adapter.shortHash)" }.joined(separator: ", ") + "\"")
        }
        return s + "\n" + fields.joined(separator: ", ")
    }

    static func format(_ g: Float) -> String {
        g == g.rounded() ? String(Int(g)) : String(g)
    }
}
