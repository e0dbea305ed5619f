import Testing

@testable import Diffusion

/// Replacement VAEs as users keep them (a diffusers AutoencoderKL folder, the same VAE as
/// one original-layout .safetensors, TAESD as a diffusers folder and as madebyollin's own
/// decoder file) against diffusers' decode and against the pipeline with `pipe.vae = …`.
@Suite struct VAETests {
    static let forms = [("vae-ft", "vae/vae-ft"), ("vae-ft", "vae/vae-ft.safetensors"), ("taesd", "vae/taesd"), ("taesd", "vae/taesd_decoder.safetensors")]

    @Test(arguments: forms)
    func decodeMatchesDiffusers(kind: String, path: String) throws {
        let decoder = try VAELoader.load(path: fixtures + "/" + path)
        #expect(decoder is AutoencoderTiny == (kind == "taesd"))
        let z = try reference("vae/refs-vae.safetensors", "vae.latents")
        let decoded = decoder.decode(Tensor(shape: z.shape, data: z.data.map { $0 / decoder.scalingFactor }))
        let expected = try reference("vae/refs-vae.safetensors", kind + ".decoded")
        expectClose(decoded.data, expected.data, shape: decoded.shape, expectedShape: expected.shape, relative: 1e-4, "\(path) decode")
    }

    @Test(arguments: ["vae-ft", "taesd"])
    func pipelineWithTheReplacementMatchesDiffusers(_ kind: String) throws {
        let model = try StableDiffusionModel.load(path: fixtures + "/sd1-tiny").replacingVAE(try VAELoader.load(path: fixtures + "/vae/" + kind))
        let request = GenerationRequest(prompt: "a red fox in the snow", negativePrompt: "blurry", seed: 42, guidanceScale: 7.5)
        let image = try StableDiffusionPipeline(model: model).generate([request], options: GenerationOptions(width: 64, height: 64, steps: 4, sampler: .euler))[0]
        let expected = try reference("vae/refs-vae.safetensors", "image." + kind)
        let worst = zip(image.pixels, expected.data).map { abs(Float($0) - $1) }.max() ?? .infinity
        #expect(worst <= 2, "\(kind): max pixel difference \(worst)/255")
    }

    @Test func aFileThatIsNoVAEIsRefused() throws {
        #expect(throws: DiffusionError.self) { try VAELoader.load(path: fixtures + "/lora/peft_style.safetensors") }
        #expect(throws: DiffusionError.fileNotFound(path: "/nonexistent/vae")) { try VAELoader.load(path: "/nonexistent/vae") }
    }
}
