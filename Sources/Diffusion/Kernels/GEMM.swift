import COpenBLAS

// The only place that calls BLAS (cblas_sgemm, cblas_saxpy). Model code calls these
// wrappers or the kernels built on them.
//
// OpenBLAS runs single-threaded: the engine splits its products across the cores itself
// (`parallelGEMM`, attention by head), as the bf16 path does. OpenBLAS's own idle workers
// spin for about 2^28 cycles after each call and fought the engine's other parallel loops
// for the two cores (a 512² U-Net step varied from 5.4 to 7.7 s).
private let singleThreadedBLAS: Void = openblas_set_num_threads(1)

/// C (m×n) = alpha · op(A) · op(B) + beta · C, row-major. op(A) is (m×k), op(B) is (k×n);
/// `transA`/`transB` say that A is stored (k×m) / B is stored (n×k). `counted: false` leaves
/// the product out of `GEMMWork` (a Winograd convolution counts the direct one it replaces).
@inline(__always)
func gemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int, counted: Bool = true
) {
    if counted { GEMMWork.add(m: m, n: n, k: k) }
    _ = singleThreadedBLAS
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// y += alpha · x over `count` elements.
@inline(__always)
func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
    cblas_saxpy(Int32(count), alpha, x, 1, y, 1)
}

/// `gemm` split across the cores, each on its own slab of C: columns when C is wider than
/// tall, rows otherwise.
func parallelGEMM(
    transB: Bool = false, m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    let byColumns = n >= m
    let pointers = UncheckedSendable(value: (a, b, SendablePointer(p: c)))
    splitIntoSlabs(extent: byColumns ? n : m, panel: 16, work: m * n * k) { lo, hi in
        let (a, b, c) = pointers.value
        if byColumns {
            gemm(transB: transB, m: m, n: hi - lo, k: k, a: a, lda: lda, b: transB ? b + lo * ldb : b + lo, ldb: ldb,
                 beta: beta, c: c.p + lo, ldc: ldc)
        } else {
            gemm(transB: transB, m: hi - lo, n: n, k: k, a: a + lo * lda, lda: lda, b: b, ldb: ldb, beta: beta,
                 c: c.p + lo * ldc, ldc: ldc)
        }
    }
}

/// Cuts 0..<extent into one slab per core, each edge on a multiple of `panel`, and runs
/// body(lo, hi) for each non-empty slab.
func splitIntoSlabs(extent: Int, panel: Int, work: Int, _ body: (Int, Int) -> Void) {
    let panels = (extent + panel - 1) / panel
    let slabs = max(1, min(cpuCount, panels))
    parallelFor(slabs, work: work) { s in
        let lo = min(extent, s * panels / slabs * panel)
        let hi = min(extent, (s + 1) * panels / slabs * panel)
        if lo < hi { body(lo, hi) }
    }
}

/// Naive reference for `gemm` with row-major, non-transposed operands (tests only).
func gemmReference(m: Int, n: Int, k: Int, a: [Float], b: [Float]) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s: Double = 0
            for p in 0..<k { s += Double(a[i * k + p]) * Double(b[p * n + j]) }
            c[i * n + j] = Float(s)
        }
    }
    return c
}
