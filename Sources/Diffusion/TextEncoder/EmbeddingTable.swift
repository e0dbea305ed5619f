/// A (rows × width) lookup table, such as CLIP's 49408-token embedding, of which a prompt
/// reads a few rows: read from the checkpoint file a row at a time
/// (`SafetensorsRowReader`), or held in memory for synthetic weights. When the
/// model runs in bf16 each value is rounded to bf16 (nearest even, as the GEMM kernel
/// rounds its operands), as PyTorch's `pipe.to(torch.bfloat16)` rounds the table.
struct EmbeddingTable: Sendable {
    let width: Int
    private let values: [Float]
    private let reader: SafetensorsRowReader?
    private let roundsToBFloat16: Bool

    /// A table held in memory.
    init(_ values: [Float], width: Int, precision: ComputePrecision) {
        self.width = width
        self.values = values
        reader = nil
        roundsToBFloat16 = precision == .bfloat16
    }

    /// A table read from its file on demand.
    init(reader: SafetensorsRowReader, width: Int, precision: ComputePrecision) {
        precondition(reader.rowElements == width)
        self.width = width
        values = []
        self.reader = reader
        roundsToBFloat16 = precision == .bfloat16
    }

    /// Row `row` (`width` values).
    func row(_ row: Int) throws -> [Float] {
        let raw: [Float]
        if let reader {
            raw = try reader.row(row)
        } else {
            raw = Array(values[(row * width)..<((row + 1) * width)])
        }
        return roundsToBFloat16 ? roundedToBFloat16(raw) : raw
    }
}
