import Diffusion
import Dispatch
import Foundation

/// Prints one call's time by kind of layer (`KernelProfile`): seconds, share of the call,
/// GEMM rate, and that rate against the GEMM ceilings. A Winograd convolution counts the
/// work of the direct convolution it replaces, so its "rate" can pass the ceiling.
enum LayerProfileTable {
    static func print(_ title: String, precision: ComputePrecision, ceilings: [(ComputePrecision, Double)], _ body: () -> Void) {
        body()  // warm-up, untimed
        KernelProfile.record(true)
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        let total = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        KernelProfile.record(false)
        let entries = KernelProfile.entries
        Swift.print("\n== where the time goes: \(title), \(String(format: "%.2f", total)) s")
        Swift.print("kind                            calls  seconds  share   GFLOP  GFLOP/s  of ceiling")
        let ceiling = ceilings.last?.1 ?? 0
        for e in entries {
            let rate = e.flops > 0 ? e.flops / e.seconds / 1e9 : 0
            Swift.print(
                e.kind.name.padding(toLength: 30, withPad: " ", startingAt: 0)
                    + String(format: " %6d %8.3f %5.1f%% %7.1f", e.calls, e.seconds, 100 * e.seconds / total, e.flops / 1e9)
                    + (e.flops > 0 ? String(format: " %8.0f %9.0f%%", rate, 100 * rate / max(ceiling, 1e-9)) : ""))
        }
        let rest = total - entries.reduce(0) { $0 + $1.seconds }
        Swift.print("other (adds, layout, upsample)".padding(toLength: 30, withPad: " ", startingAt: 0)
                    + String(format: "        %8.3f %5.1f%%", rest, 100 * rest / total))
        if WinogradPolicy.isUsed(in: precision) {
            Swift.print("(3×3 convolutions with at most \(WinogradPolicy.maximumOutChannels) outputs run as Winograd F(2×2, 3×3): their GFLOP are the direct convolution's, 2.25× the products done)")
        }
    }
}
