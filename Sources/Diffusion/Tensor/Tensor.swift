/// A dense, contiguous float32 tensor: a shape and its row-major values.
///
/// Layouts follow PyTorch: images and feature maps are (N, C, H, W), token sequences
/// are (N, L, D). Kernels work on the raw `data` buffer; this type only carries the shape.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "shape \(shape) does not match \(data.count) values")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    public var count: Int { data.count }

    /// Rows `range` of the leading dimension, e.g. images 2..<4 of a batch.
    public func slice(_ range: Range<Int>) -> Tensor {
        let per = shape.dropFirst().reduce(1, *)
        var s = shape
        s[0] = range.count
        return Tensor(shape: s, data: Array(data[(range.lowerBound * per)..<(range.upperBound * per)]))
    }

    /// Concatenates along the leading dimension.
    public static func concatenate(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return Tensor(zeros: [0]) }
        var s = first.shape
        s[0] = parts.reduce(0) { $0 + $1.shape[0] }
        var d = [Float]()
        d.reserveCapacity(s.reduce(1, *))
        for p in parts { d.append(contentsOf: p.data) }
        return Tensor(shape: s, data: d)
    }
}
