import Testing

@testable import Diffusion

/// A 1×1 convolution to fewer channels written over its own input gives what the ordinary
/// convolution gives, bit for bit, in both precisions: several images (each image's outputs
/// land over earlier images' inputs), more pixels than one block of columns, and one
/// channel fewer out than in (outputs overlapping the same image's inputs).
struct InPlaceProjectionTests {
    @Test(arguments: [(2, 320, 300, 40, 40), (3, 5, 4, 3, 7)])
    func projectingInPlaceEqualsTheConvolution(n: Int, inChannels: Int, outChannels: Int, h: Int, w: Int) throws {
        for precision in ComputePrecision.allCases where precision.isSupported {
            let store = WeightStore(randomSeed: 21)
            store.precision = precision
            let layer = try Conv2d(store, "conv_shortcut", inChannels, outChannels, kernel: 1)
            let x = Tensor(shape: [n, inChannels, h, w], data: testData(n * inChannels * h * w, seed: 22))
            let expected = layer(x)
            let projected = layer.projectingInPlace(x)
            #expect(projected.shape == expected.shape)
            #expect(projected.data == expected.data, "\(precision)")
            #expect(projected.data.count == n * outChannels * h * w)
        }
    }
}
