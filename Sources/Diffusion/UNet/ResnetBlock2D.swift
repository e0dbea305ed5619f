/// Matches diffusers `ResnetBlock2D` (src/diffusers/models/resnet.py) with
/// time_embedding_norm "default", output_scale_factor 1, no up/down sampling inside.
/// Used by the U-Net (with a time embedding) and the VAE decoder (without, eps 1e-6).
struct ResnetBlock2D: Sendable {
    let norm1: GroupNorm
    let conv1: Conv2d
    let timeEmbProj: Linear?
    let norm2: GroupNorm
    let conv2: Conv2d
    let convShortcut: Conv2d?

    init(_ store: WeightStore, _ prefix: String, inChannels: Int, outChannels: Int, tembChannels: Int?, groups: Int, eps: Float) throws {
        norm1 = try GroupNorm(store, prefix + ".norm1", channels: inChannels, groups: groups, eps: eps)
        conv1 = try Conv2d(store, prefix + ".conv1", inChannels, outChannels, kernel: 3)
        timeEmbProj = try tembChannels.map { try Linear(store, prefix + ".time_emb_proj", $0, outChannels) }
        norm2 = try GroupNorm(store, prefix + ".norm2", channels: outChannels, groups: groups, eps: eps)
        conv2 = try Conv2d(store, prefix + ".conv2", outChannels, outChannels, kernel: 3)
        convShortcut = inChannels == outChannels ? nil : try Conv2d(store, prefix + ".conv_shortcut", inChannels, outChannels, kernel: 1)
    }

    /// x is (N, C, H, W); `tembSiLU` is SiLU(time embedding), (N, tembChannels).
    /// x is consumed: the residual is x itself (or its 1×1 projection, written over x), and
    /// conv2 adds into it, so a block whose caller hands x over holds x and conv1's output
    /// at a time, not four tensors (the VAE's 512² levels).
    func callAsFunction(_ x: consuming Tensor, tembSiLU: [Float]?) -> Tensor {
        var h = conv1(x, normalizedBy: norm1, silu: true)
        if let proj = timeEmbProj, let t = tembSiLU {
            let e = proj(t)
            let (n, c, hw) = (h.shape[0], h.shape[1], h.shape[2] * h.shape[3])
            h.data.withUnsafeMutableBufferPointer { p in
                for b in 0..<n {
                    for ch in 0..<c {
                        let v = e[b * c + ch]
                        let base = (b * c + ch) * hw
                        for i in 0..<hw { p[base + i] += v }
                    }
                }
            }
        }
        var out: Tensor
        if let convShortcut { out = convShortcut.projectingInPlace(consume x) } else { out = consume x }
        conv2.add(h, normalizedBy: norm2, silu: true, to: &out)
        return out
    }
}
