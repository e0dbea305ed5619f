import Foundation

/// Reads a little-endian float32 NumPy .npy file (C order), as `np.save` writes it.
public enum NPY {
    public static func read(path: String) throws -> Tensor {
        guard let data = FileManager.default.contents(atPath: path) else { throw DiffusionError.fileNotFound(path: path) }
        let bytes = [UInt8](data)
        guard bytes.count >= 10, bytes[0] == 0x93, Array(bytes[1...5]) == Array("NUMPY".utf8) else {
            throw DiffusionError.invalidArgument("\(path) is not a .npy file")
        }
        let major = bytes[6]
        let headerLength: Int
        let start: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            start = 10
        } else {
            guard bytes.count >= 12 else { throw DiffusionError.invalidArgument("\(path): truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            start = 12
        }
        guard start + headerLength <= bytes.count, let header = String(bytes: bytes[start..<(start + headerLength)], encoding: .ascii) else {
            throw DiffusionError.invalidArgument("\(path): truncated .npy header")
        }
        guard header.contains("'descr': '<f4'") else { throw DiffusionError.invalidArgument("\(path): expected float32 ('<f4') data, header \(header.trimmingCharacters(in: .whitespacesAndNewlines))") }
        guard header.contains("'fortran_order': False") else { throw DiffusionError.invalidArgument("\(path): Fortran-ordered arrays are not supported") }
        guard let open = header.range(of: "'shape': ("), let close = header[open.upperBound...].firstIndex(of: ")") else {
            throw DiffusionError.invalidArgument("\(path): .npy header has no shape")
        }
        let shape = header[open.upperBound..<close].split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *)
        let body = start + headerLength
        guard bytes.count - body == count * 4 else {
            throw DiffusionError.invalidArgument("\(path): shape \(shape) needs \(count * 4) bytes of data, found \(bytes.count - body)")
        }
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count {
            let o = body + 4 * i
            let bits = UInt32(bytes[o]) | UInt32(bytes[o + 1]) << 8 | UInt32(bytes[o + 2]) << 16 | UInt32(bytes[o + 3]) << 24
            values[i] = Float(bitPattern: bits)
        }
        return Tensor(shape: shape, data: values)
    }
}
