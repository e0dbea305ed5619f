import COpenBLAS

// The only place that calls BLAS (cblas_sgemm, cblas_saxpy). Model code calls these
// wrappers or the kernels built on them.

/// C (m×n) = alpha · op(A) · op(B) + beta · C, row-major. op(A) is (m×k), op(B) is (k×n);
/// `transA`/`transB` say that A is stored (k×m) / B is stored (n×k).
@inline(__always)
func gemm(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    GEMMWork.add(m: m, n: n, k: k)
    cblas_sgemm(
        CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// y += alpha · x over `count` elements.
@inline(__always)
func axpy(count: Int, alpha: Float, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>) {
    cblas_saxpy(Int32(count), alpha, x, 1, y, 1)
}

/// Sets the number of OpenBLAS threads (2-thread OpenBLAS busy-waits under contention).
public func setBLASThreadCount(_ n: Int) {
    openblas_set_num_threads(Int32(n))
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
