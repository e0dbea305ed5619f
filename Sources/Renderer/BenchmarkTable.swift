import Foundation

/// One resolution's results: each component's seconds for the engine and the reference, then
/// images/hour; the ratio is always engine ÷ reference (below 1 for seconds, above 1 for
/// images/hour means the engine is ahead).
///
/// Images/hour counts what one image costs at a given U-Net batch with classifier-free
/// guidance (two U-Net samples per step): steps × 2 × t(batch) / batch, plus half a text
/// encoder call (its batch of 2 is one image's prompt and negative) and one VAE decode.
struct BenchmarkTable {
    let latent: Int
    let steps: Int
    let engine: ComponentTimes
    let reference: ComponentTimes?
    let referenceName: String
    /// The text encoder's line (measured once, at the first resolution).
    let showText: Bool

    func print() {
        let size = latent * 8
        Swift.print("\n== \(size)×\(size) (latent \(latent)×\(latent))")
        Swift.print(row("", "engine", reference == nil ? "" : referenceName, reference == nil ? "" : "ratio"))
        if showText, let t = engine.text { line("text encoder, 2×77 tokens (s)", t, reference?.text) }
        for b in engine.unet.keys.sorted() {
            line("U-Net batch \(b), s/step", engine.unet[b]!, reference?.unet[b])
        }
        if let v = engine.vae { line("VAE decode (s)", v, reference?.vae) }
        for b in engine.unet.keys.sorted() {
            guard let e = imagesPerHour(engine, batch: b) else { continue }
            let r = reference.flatMap { imagesPerHour($0, batch: b) }
            line("images/hour, U-Net batch \(b) (\(steps) steps, CFG)", e, r, format: "%.0f")
        }
    }

    func imagesPerHour(_ t: ComponentTimes, batch: Int) -> Double? {
        guard let u = t.unet[batch] else { return nil }
        let perImage = Double(steps) * 2 * u / Double(batch) + (t.text ?? 0) / 2 + (t.vae ?? 0)
        return 3600 / perImage
    }

    private func line(_ name: String, _ e: Double, _ r: Double?, format: String = "%.3f") {
        let ratio = r.map { String(format: "%.2f", e / $0) } ?? ""
        Swift.print(row(name, String(format: format, e), r.map { String(format: format, $0) } ?? "", ratio))
    }

    private func row(_ a: String, _ b: String, _ c: String, _ d: String) -> String {
        a.padding(toLength: 44, withPad: " ", startingAt: 0) + b.leftPadded(10) + c.leftPadded(16) + d.leftPadded(8)
    }
}

private extension String {
    func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
