/// Σ p[range] in Float on eight SIMD lanes (a scalar float reduction would not
/// vectorise): whole groups of 8 from the start of the range, then the tail.
@inline(__always)
func laneSum(_ p: UnsafeMutablePointer<Float>, _ range: Range<Int>) -> Float {
    var lanes = SIMD8<Float>(repeating: 0)
    var i = range.lowerBound
    let raw = UnsafeRawPointer(p)
    while i + 8 <= range.upperBound {
        lanes += raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD8<Float>.self)
        i += 8
    }
    var sum = lanes.sum()
    while i < range.upperBound {
        sum += p[i]
        i += 1
    }
    return sum
}
