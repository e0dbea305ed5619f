/// One LoRA's low-rank update of one layer, ΔW = scale · up · down, kept as its two
/// factors (never merged into the base weight, which every sample of a batch shares).
///
/// Linear layer: down (rank × in), up (out × rank). Convolution: down (rank × in·k·k), a
/// convolution with the base layer's kernel, stride and padding; up (out × rank), a 1×1
/// convolution (kohya's "LoCon"). `scale` is alpha / rank (what the file says, or PEFT's
/// config), or 1 when the file says nothing.
struct LoraUpdate: Sendable {
    let down: WeightMatrix
    let up: WeightMatrix
    let rank: Int
    let scale: Float

    /// - Parameters:
    ///   - down: [rank, in] or [rank, in, k, k] values (a [rank, in, 1, 1] tensor is the same as [rank, in]).
    ///   - up: [out, rank] or [out, rank, 1, 1].
    ///   - layer: the base layer's weight shape, [out, in] (Linear) or [out, in, k, k] (Conv2d).
    /// `scale` gets the rank the factors turned out to have.
    init(down: [Float], downShape: [Int], up: [Float], upShape: [Int], scale: (_ rank: Int) -> Float, layer: [Int]) throws(LoraShapeError) {
        let rank = downShape.first ?? 0
        let columns = layer.dropFirst().reduce(1, *)
        guard rank > 0, downShape.dropFirst().reduce(1, *) == columns, Self.squeezed(downShape) == Self.squeezed([rank] + layer.dropFirst())
        else { throw LoraShapeError(expected: [rank] + layer.dropFirst(), found: downShape, factor: "down") }
        guard Self.squeezed(upShape) == [layer[0], rank] else {
            throw LoraShapeError(expected: [layer[0], rank], found: upShape, factor: "up")
        }
        let role: WeightMatrix.Role = layer.count == 4 ? .left : .transposedRight
        self.down = WeightMatrix(down, rows: rank, columns: columns, role: role, precision: .float32)
        self.up = WeightMatrix(up, rows: layer[0], columns: rank, role: role, precision: .float32)
        self.rank = rank
        self.scale = scale(rank)
    }

    /// Bytes the two factors hold.
    var byteCount: Int { (down.rows * down.columns + up.rows * up.columns) * MemoryLayout<Float>.size }

    private static func squeezed(_ shape: [Int]) -> [Int] {
        var s = shape
        while s.count > 2, s.last == 1 { s.removeLast() }
        return s
    }
}

struct LoraShapeError: Error {
    let expected: [Int]
    let found: [Int]
    let factor: String
}
