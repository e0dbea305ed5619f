import Testing

@testable import Diffusion

/// Tiled AutoencoderKL decoding against diffusers' `enable_tiling()` on the vae-tiled
/// fixture (scripts/diffusers/make_vae_tiling_fixtures.py: sample_size 32, three levels, so
/// 8×8-latent tiles 6 apart, blended over 8 pixels, cropped to 24), seams included.
@Suite struct VAETilingTests {
    static let folder = fixtures + "/vae-tiled/vae"
    static let refs = "vae-tiled/refs-vae-tiled.safetensors"

    static func autoencoder(precision: ComputePrecision = .float32, sampleSize: Int? = nil) throws -> AutoencoderKL {
        let store = WeightStore(file: try SafetensorsFile(path: folder + "/diffusion_pytorch_model.safetensors"),
                                ignore: { $0.hasPrefix("encoder.") || $0.hasPrefix("quant_conv.") })
        store.precision = precision
        var config = try AutoencoderKLConfig(json: JSONConfig(path: folder + "/config.json"))
        if let sampleSize { config.sampleSize = sampleSize }
        var vae = try AutoencoderKL(store: store, config: config)
        vae.useTiling = true  // diffusers' enable_tiling()
        return vae
    }

    static func tensor(_ key: String) throws -> Tensor {
        let r = try reference(refs, key)
        return Tensor(shape: r.shape, data: r.data)
    }

    @Test func sampleSizeIsReadAsDiffusersReadsIt() throws {
        let vae = try Self.autoencoder()
        #expect(vae.config.sampleSize == 32 && vae.tileSampleMinSize == 32 && vae.tileLatentMinSize == 8)
        #expect(try AutoencoderKLConfig(json: JSONConfig(values: [:])).sampleSize == 32, "diffusers' default when absent")
        #expect(try AutoencoderKLConfig(json: JSONConfig(values: ["sample_size": [48, 64]])).sampleSize == 48)
        #expect(AutoencoderKLConfig().sampleSize == 512, "SD's VAE: 64-latent tiles")
        #expect(try EngineBenchmark.randomVAE(precision: .float32).tileLatentMinSize == 64)
    }

    /// With tiling on, latents larger than a tile decode as diffusers' tiled decode, and not
    /// as its untiled one (the tiling really ran: the references differ by 2.4 at the seams).
    @Test func tiledDecodeMatchesDiffusers() throws {
        let vae = try Self.autoencoder()
        let z = try Self.tensor("tiled.latents")
        let expected = try Self.tensor("tiled.decoded")
        let decoded = vae.decode(z)
        expectClose(decoded.data, expected.data, shape: decoded.shape, expectedShape: expected.shape, relative: 1e-4, "tiled decode")
        let untiled = try Self.tensor("untiled.decoded")
        let apart = zip(expected.data, untiled.data).map { abs($0 - $1) }.max() ?? 0
        #expect(apart > 0.5, "diffusers' tiled and untiled references differ by only \(apart)")
        #expect(zip(decoded.data, untiled.data).contains { abs($0 - $1) > 0.1 }, "the tiled decode equals the untiled one")
    }

    @Test func untiledDecodeMatchesDiffusers() throws {
        var vae = try Self.autoencoder()
        vae.useTiling = false
        let decoded = vae.decode(try Self.tensor("tiled.latents"))
        let expected = try Self.tensor("untiled.decoded")
        expectClose(decoded.data, expected.data, shape: decoded.shape, expectedShape: expected.shape, relative: 1e-4, "untiled decode")
    }

    /// A latent no larger than the tile (8×6 against 8×8) takes the untiled path with tiling on.
    @Test func aLatentWithinOneTileIsDecodedWhole() throws {
        var vae = try Self.autoencoder()
        let z = try Self.tensor("small.latents")
        let tiled = vae.decode(z)
        vae.useTiling = false
        #expect(tiled == vae.decode(z), "tiling on changed a decode that fits one tile")
        let expected = try Self.tensor("small.decoded")
        expectClose(tiled.data, expected.data, shape: tiled.shape, expectedShape: expected.shape, relative: 1e-4, "single-tile decode")
    }

    /// sample_size 40: tile 10, stride 7, blend 10, crop 30, so the output is not 4× the latent
    /// (12×17 gives 50×72): the geometry is diffusers', not re-derived.
    @Test func anUnevenGeometryIsCopiedToo() throws {
        let vae = try Self.autoencoder(sampleSize: 40)
        let decoded = vae.decode(try Self.tensor("sample40.latents"))
        let expected = try Self.tensor("sample40.decoded")
        #expect(expected.shape == [1, 3, 50, 72])
        expectClose(decoded.data, expected.data, shape: decoded.shape, expectedShape: expected.shape, relative: 1e-4, "sample_size 40 tiled decode")
    }

    /// diffusers tiles the whole batch at once; each image comes out as it does alone.
    @Test func aBatchIsTiledAsEachImageAlone() throws {
        let vae = try Self.autoencoder()
        let z = try Self.tensor("tiled.latents")
        let other = Tensor(shape: z.shape, data: z.data.reversed())
        let batch = vae.decode(Tensor.concatenate([z, other]))
        for (i, alone) in [vae.decode(z), vae.decode(other)].enumerated() {
            expectClose(batch.slice(i..<(i + 1)).data, alone.data, relative: 1e-5, "image \(i) of the batch")
        }
    }

    @Test(.enabled(if: ComputePrecision.bfloat16IsSupported, "this CPU has no AVX512-BF16"))
    func tiledDecodeInBFloat16StaysNearDiffusers() throws {
        let vae = try Self.autoencoder(precision: .bfloat16)
        let decoded = vae.decode(try Self.tensor("tiled.latents"))
        let expected = try Self.tensor("tiled.decoded")
        // the bound BFloat16Tests holds every bf16 VAE decode to
        expectClose(decoded.data, expected.data, shape: decoded.shape, expectedShape: expected.shape, relative: 3e-2, "bf16 tiled decode")
        #expect(decoded != (try Self.autoencoder()).decode(try Self.tensor("tiled.latents")), "the bf16 path really ran")
    }

    /// The switch the Renderer sets: off for a loaded model's AutoencoderKL (diffusers'
    /// default), on through `withVAETiling(true)`, and the pipeline's decode follows it.
    @Test func thePipelineDecodeFollowsTheModelsSwitch() throws {
        let off = try StableDiffusionModel.load(path: fixtures + "/sd1-tiny")
        #expect((off.vae as? AutoencoderKL)?.useTiling == false)
        let model = off.withVAETiling(true)
        let vae = try #require(model.vae as? AutoencoderKL)
        #expect(vae.useTiling && vae.tileLatentMinSize == 8)
        #expect((model.withVAETiling(false).vae as? AutoencoderKL)?.useTiling == false)
        // sd1-tiny's 8-latent tiles: 64×96 is tiled when on, and identical to diffusers untiled when off
        let z = try reference("refs-sd1.safetensors", "vae.latents")
        let latents = Tensor(shape: z.shape, data: z.data)
        let tiled = StableDiffusionPipeline(model: model).decode(latents)[0]
        let untiled = StableDiffusionPipeline(model: off).decode(latents)[0]
        #expect(tiled.width == 96 && tiled.height == 64)
        #expect(tiled.pixels != untiled.pixels, "64×96 with 8-latent tiles was not tiled")
        let scale = 1 / vae.scalingFactor  // as the pipeline scales
        let scaled = Tensor(shape: z.shape, data: z.data.map { $0 * scale })
        #expect(tiled.pixels == StableDiffusionPipeline.toRGB(vae.tiledDecode(scaled)).pixels)
        let taesd = model.replacingVAE(try VAELoader.load(path: fixtures + "/vae/taesd"))
        #expect(taesd.withVAETiling(false).vae is AutoencoderTiny)
    }
}
