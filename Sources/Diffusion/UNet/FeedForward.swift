/// Matches diffusers `FeedForward` with `GEGLU` (src/diffusers/models/attention.py):
/// ff.net.0.proj (dim → 2·4·dim), hidden · gelu(gate), ff.net.2 (4·dim → dim).
struct FeedForward: Sendable {
    let proj: Linear
    let out: Linear
    let inner: Int

    init(_ store: WeightStore, _ prefix: String, dim: Int) throws {
        inner = dim * 4
        proj = try Linear(store, prefix + ".net.0.proj", dim, inner * 2)
        out = try Linear(store, prefix + ".net.2", inner, dim)
    }

    func callAsFunction(_ x: [Float]) -> [Float] {
        let h = proj(x)
        let gated = KernelProfile.measure(.geglu) { geglu(h, rows: h.count / (2 * inner), dim: inner) }
        return out(gated)
    }
}
