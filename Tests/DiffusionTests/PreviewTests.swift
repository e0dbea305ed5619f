import Foundation
import Testing

@testable import Diffusion

/// Live previews: the predicted clean latents each step reports, and the cheap decode.
@Suite struct PreviewTests {
    /// Built from the forward process itself (x_t = √ᾱ·x₀ + √(1−ᾱ)·ε; v = √ᾱ·ε − √(1−ᾱ)·x₀),
    /// the prediction recovers x₀ for either parameterisation.
    @Test(arguments: [PredictionType.epsilon, .vPrediction])
    func predictedOriginalInvertsTheForwardProcess(_ type: PredictionType) {
        var config = SchedulerConfig.stableDiffusion1
        config.predictionType = type
        let predictor = PredictedOriginalSample(config: config)
        let x0 = testData(64, seed: 1)
        let noise = testData(64, seed: 2)
        for t in [999, 500, 21] {
            let alpha = config.alphasCumProd[t]
            let (a, b) = (alpha.squareRoot(), (1 - alpha).squareRoot())
            let xt = zip(x0, noise).map { a * $0 + b * $1 }
            let output = type == .epsilon ? noise : zip(x0, noise).map { a * $1 - b * $0 }
            let predicted = predictor.predict(modelInput: xt, modelOutput: output, timestep: Float(t))
            expectClose(predicted, x0, relative: t == 999 ? 2e-3 : 1e-4, "\(type) at t=\(t)")
        }
    }

    /// Euler's last step lands on its own prediction (σ goes to 0), so the last reported
    /// prediction is the final latents; earlier ones differ from them.
    @Test func lastPredictionOfEulerIsTheResult() throws {
        let pipeline = StableDiffusionPipeline(model: try loadFixtureModel("sd1-tiny.safetensors"))
        let options = GenerationOptions(width: 64, height: 64, steps: 4, sampler: .euler)
        var predictions: [Tensor] = []
        let latents = try pipeline.denoise([GenerationRequest(prompt: "a cat", seed: 7, guidanceScale: 5)], options: options) {
            if let denoised = $0.denoised { predictions.append(denoised) }
        }
        #expect(predictions.count == 4)
        let last = try #require(predictions.last)
        #expect(last.shape == latents.shape)
        expectClose(last.data, latents.data, relative: 1e-4, "last prediction")
        let first = try #require(predictions.first)
        #expect(zip(first.data, latents.data).contains { abs($0 - $1) > 1e-3 })
    }

    /// AUTOMATIC1111's "Approx cheap": RGB = Σ latent · coefficient, shown as x / 2 + 0.5.
    @Test func approxCheapIsTheLinearMap() {
        // Two pixels, channel planes one after the other: latents (1, 0, 0, 0) and (0, 0, 1, −1).
        let z = Tensor(shape: [1, 4, 1, 2], data: [1, 0] + [0, 0] + [0, 1] + [0, -1])
        let image = LatentPreview.approximate(z)
        #expect(image.width == 2 && image.height == 1)
        // Pixel 0: (0.298, 0.207, 0.208) / 2 + 0.5 → 0.649, 0.6035, 0.604 of 255.
        #expect(Array(image.pixels[0..<3]) == [165, 154, 154])
        // Pixel 1: (−0.158 + 0.184, 0.189 + 0.271, 0.264 + 0.473) / 2 + 0.5 → 0.513, 0.73, 0.8685.
        #expect(Array(image.pixels[3..<6]) == [131, 186, 221])
    }

    /// TAESD previews decode the latents averaged down to about 32 × 32: 2 × 2 blocks of a
    /// 512² image's 64 × 48, whose means are the pooled values.
    @Test func taesdPreviewLatentsAreAveragedDown() {
        let z = Tensor(shape: [1, 4, 64, 48], data: (0..<(4 * 64 * 48)).map { Float($0 % 7) })
        let pooled = LatentPreview.pooled(z, toAtMost: 32)
        #expect(pooled.shape == [1, 4, 32, 24])
        let block = [z.data[0], z.data[1], z.data[48], z.data[49]]
        #expect(pooled.data[0] == block.reduce(0, +) / 4)
        #expect(LatentPreview.pooled(Tensor(shape: [1, 4, 32, 32], data: z.data.prefix(4096).map { $0 }), toAtMost: 32).shape == [1, 4, 32, 32])
    }

    /// A 64×64 latent (a 512² image) becomes a 256² preview; a flat image stays flat.
    @Test func approxPreviewIsEnlarged() {
        let previews = LatentPreview.approxCheap.images(Tensor(shape: [2, 4, 64, 48], data: [Float](repeating: 0.5, count: 2 * 4 * 64 * 48)))
        #expect(previews.count == 2)
        #expect(previews[0].width == 48 * 6 && previews[0].height == 64 * 6)
        #expect(Set(previews[0].pixels.enumerated().filter { $0.offset % 3 == 0 }.map(\.element)).count == 1)
        let gradient = RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 200, 200, 200])
        let big = LatentPreview.enlarged(gradient, minimumSide: 4)
        #expect(big.width == 8 && big.height == 4)
        // Bilinear between the two pixel centres: rising monotonically from 0 to 200.
        let row = stride(from: 0, to: 8 * 3, by: 3).map { big.pixels[$0] }
        #expect(row.first == 0 && row.last == 200 && row == row.sorted())
    }
}
