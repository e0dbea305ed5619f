/// Spatial windows of (N, C, H, W) feature maps and their reassembly: torch's
/// `x[:, :, i0:i1, j0:j1]` and `torch.cat(parts, dim=2 or 3)`, as copies.
extension Tensor {
    /// Rows `rows` and columns `columns` of every (N, C) plane.
    func window(rows: Range<Int>, columns: Range<Int>) -> Tensor {
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        precondition(rows.lowerBound >= 0 && rows.upperBound <= h && columns.lowerBound >= 0 && columns.upperBound <= w,
                     "window \(rows) × \(columns) outside \(shape)")
        var out = [Float]()
        out.reserveCapacity(planes * rows.count * columns.count)
        for p in 0..<planes {
            for y in rows { out.append(contentsOf: data[((p * h + y) * w + columns.lowerBound)..<((p * h + y) * w + columns.upperBound)]) }
        }
        return Tensor(shape: [shape[0], shape[1], rows.count, columns.count], data: out)
    }

    /// Side by side (torch.cat dim 3): parts share N, C and H.
    static func concatenatingColumns(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return Tensor(zeros: [0]) }
        let (planes, h) = (first.shape[0] * first.shape[1], first.shape[2])
        precondition(parts.allSatisfy { $0.shape.prefix(3) == first.shape.prefix(3) }, "parts differ in N, C or H: \(parts.map(\.shape))")
        let width = parts.reduce(0) { $0 + $1.shape[3] }
        var out = [Float]()
        out.reserveCapacity(planes * h * width)
        for r in 0..<(planes * h) {
            for part in parts { out.append(contentsOf: part.data[(r * part.shape[3])..<((r + 1) * part.shape[3])]) }
        }
        return Tensor(shape: [first.shape[0], first.shape[1], h, width], data: out)
    }

    /// One above the other (torch.cat dim 2): parts share N, C and W.
    static func concatenatingRows(_ parts: [Tensor]) -> Tensor {
        guard let first = parts.first else { return Tensor(zeros: [0]) }
        let (planes, w) = (first.shape[0] * first.shape[1], first.shape[3])
        precondition(parts.allSatisfy { $0.shape[0] == first.shape[0] && $0.shape[1] == first.shape[1] && $0.shape[3] == w },
                     "parts differ in N, C or W: \(parts.map(\.shape))")
        let height = parts.reduce(0) { $0 + $1.shape[2] }
        var out = [Float]()
        out.reserveCapacity(planes * height * w)
        for p in 0..<planes {
            for part in parts {
                let plane = part.shape[2] * w
                out.append(contentsOf: part.data[(p * plane)..<((p + 1) * plane)])
            }
        }
        return Tensor(shape: [first.shape[0], first.shape[1], height, w], data: out)
    }
}
