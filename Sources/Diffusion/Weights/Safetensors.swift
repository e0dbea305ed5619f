import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A memory-mapped .safetensors file: an 8-byte little-endian header length, a JSON
/// header `{name: {dtype, shape, data_offsets: [begin, end]}}`, then the raw tensor bytes.
/// Tensors are widened to Float one at a time on request, so fp16/bf16 files are never
/// converted as a whole.
public final class SafetensorsFile: @unchecked Sendable {
    /// Every dtype a safetensors file may hold; only F32, F16, BF16 (and U8, for test
    /// fixtures) can be read as Float. Others (e.g. the I64 `position_ids` buffer many SD 1.x
    /// checkpoints carry) are indexed but refused if a model asks for them.
    public enum DType: String, Sendable {
        case F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL, U16, U32, U64, F8_E4M3, F8_E5M2

        var width: Int {
            switch self {
            case .F64, .I64, .U64: return 8
            case .F32, .I32, .U32: return 4
            case .F16, .BF16, .I16, .U16: return 2
            case .I8, .U8, .BOOL, .F8_E4M3, .F8_E5M2: return 1
            }
        }
    }

    public struct Entry: Sendable {
        public let dtype: DType
        public let shape: [Int]
        /// Byte offset from the start of the mapping.
        let offset: Int
        let byteCount: Int
    }

    public let path: String
    public let entries: [String: Entry]
    /// The header's `__metadata__` strings (training notes, titles, descriptions).
    public let metadata: [String: String]
    /// Where the tensor bytes begin: 8 + the header's length.
    private let dataStart: Int
    private let base: UnsafeMutableRawPointer
    private let length: Int

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw DiffusionError.fileNotFound(path: path) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw DiffusionError.fileNotFound(path: path) }
        let size = Int(st.st_size)
        guard size >= 8 else { throw DiffusionError.malformedSafetensors(path: path, reason: "file is \(size) bytes, shorter than the 8-byte header length") }
        guard let map = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), map != MAP_FAILED else {
            throw DiffusionError.malformedSafetensors(path: path, reason: "cannot memory-map the file")
        }
        base = map
        length = size
        do {
            (entries, metadata, dataStart) = try Self.parseHeader(base: UnsafeRawPointer(map), size: size, path: path)
        } catch {
            munmap(map, size)
            throw error
        }
    }

    deinit { munmap(base, length) }

    private static func parseHeader(
        base: UnsafeRawPointer, size: Int, path: String
    ) throws -> (entries: [String: Entry], metadata: [String: String], dataStart: Int) {
        let headerLength = Int(UInt64(littleEndian: base.loadUnaligned(as: UInt64.self)))
        guard headerLength > 0, headerLength <= size - 8, headerLength < 100_000_000 else {
            throw DiffusionError.malformedSafetensors(path: path, reason: "header length \(headerLength) does not fit in a \(size)-byte file (truncated?)")
        }
        let json = Data(bytes: base + 8, count: headerLength)
        guard let header = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] else {
            throw DiffusionError.malformedSafetensors(path: path, reason: "header is not a JSON object")
        }
        let dataStart = 8 + headerLength
        var entries = [String: Entry]()
        for (key, value) in header where key != "__metadata__" {
            guard let info = value as? [String: Any], let dtypeName = info["dtype"] as? String,
                let shape = (info["shape"] as? [NSNumber])?.map({ $0.intValue }),
                let offsets = (info["data_offsets"] as? [NSNumber])?.map({ $0.intValue }), offsets.count == 2
            else { throw DiffusionError.malformedSafetensors(path: path, reason: "entry \(key) lacks dtype, shape or data_offsets") }
            guard let dtype = DType(rawValue: dtypeName) else {
                throw DiffusionError.unsupportedDType(key: key, dtype: dtypeName, file: path)
            }
            let width = dtype.width
            let count = shape.reduce(1, *)
            guard offsets[0] >= 0, offsets[1] >= offsets[0], offsets[1] - offsets[0] == count * width else {
                throw DiffusionError.malformedSafetensors(path: path, reason: "entry \(key): data_offsets \(offsets) do not hold \(count) \(dtypeName) values")
            }
            guard dataStart + offsets[1] <= size else {
                throw DiffusionError.malformedSafetensors(path: path, reason: "entry \(key) ends at byte \(dataStart + offsets[1]) but the file has \(size) bytes (truncated?)")
            }
            entries[key] = Entry(dtype: dtype, shape: shape, offset: dataStart + offsets[0], byteCount: offsets[1] - offsets[0])
        }
        return (entries, (header["__metadata__"] as? [String: String]) ?? [:], dataStart)
    }

    /// SHA-256 of everything after the header, as hex: AUTOMATIC1111's "addnet" hash of a
    /// LoRA, whose first 12 characters its infotext prints (`Lora hashes:`). Unlike a hash of
    /// the whole file it does not change when only the metadata is edited.
    public func tensorDataSHA256() -> String {
        var hasher = SHA256()
        hasher.update(UnsafeRawBufferPointer(start: base + dataStart, count: length - dataStart))
        return hasher.hexDigest()
    }

    /// The tensor's values widened to Float, optionally only rows `rows` of its first dimension.
    public func floats(_ key: String, rows: Range<Int>? = nil) throws -> [Float] {
        guard let e = entries[key] else { throw DiffusionError.missingWeight(key: key, file: path) }
        guard [.F32, .F16, .BF16, .U8].contains(e.dtype) else {
            throw DiffusionError.unsupportedDType(key: key, dtype: e.dtype.rawValue, file: path)
        }
        let count = e.shape.reduce(1, *)
        var first = 0
        var n = count
        if let rows, let leading = e.shape.first, leading > 0 {
            let per = count / leading
            first = rows.lowerBound * per
            n = rows.count * per
        }
        let out = Self.widen(UnsafeRawPointer(base + e.offset), dtype: e.dtype, first: first, count: n)
        release(e)
        return out
    }

    /// Values first..<first+count of a tensor starting at p, widened to Float (F32, F16,
    /// BF16 or U8; anything else gives zeros, refused before this is called).
    static func widen(_ p: UnsafeRawPointer, dtype: DType, first: Int, count n: Int) -> [Float] {
        var out = [Float](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { o in
            switch dtype {
            case .F32:
                for i in 0..<n { o[i] = Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: 4 * (first + i), as: UInt32.self))) }
            case .F16:
                for i in 0..<n {
                    o[i] = Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * (first + i), as: UInt16.self))))
                }
            case .BF16:
                for i in 0..<n {
                    let bits = UInt32(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: 2 * (first + i), as: UInt16.self))) << 16
                    o[i] = Float(bitPattern: bits)
                }
            case .U8:
                for i in 0..<n { o[i] = Float(p.load(fromByteOffset: first + i, as: UInt8.self)) }
            default:
                break
            }
        }
        return out
    }

    /// Reads rows of tensor `key` (of its row range `rows`, when given) later, through a file
    /// descriptor of its own opened now, instead of keeping the mapping: a checkpoint
    /// replaced by a rename still reads as it was loaded, and one truncated in place gives
    /// an error where a mapping would raise SIGBUS.
    public func rowReader(_ key: String, rows: Range<Int>? = nil) throws -> SafetensorsRowReader {
        guard let e = entries[key] else { throw DiffusionError.missingWeight(key: key, file: path) }
        guard [.F32, .F16, .BF16].contains(e.dtype), let leading = e.shape.first, leading > 0 else {
            throw DiffusionError.unsupportedDType(key: key, dtype: e.dtype.rawValue, file: path)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw DiffusionError.fileNotFound(path: path) }
        let perRow = e.shape.reduce(1, *) / leading
        let range = rows ?? 0..<leading
        return SafetensorsRowReader(
            fd: fd, path: path, dtype: e.dtype, offset: e.offset + range.lowerBound * perRow * e.dtype.width, rowElements: perRow,
            rowCount: range.count)
    }

    /// Drops the tensor's file pages from this process once it has been widened, so that
    /// loading an fp16 checkpoint peaks near the fp32 weights, not fp32 + the whole file.
    private func release(_ e: Entry) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (e.offset + page - 1) / page * page  // only pages wholly inside the tensor
        let end = (e.offset + e.byteCount) / page * page
        if end > start { _ = madvise(base + start, end - start, Int32(MADV_DONTNEED)) }
    }
}

/// Rows of one tensor of a loaded checkpoint, read on demand (`SafetensorsFile.rowReader`).
public final class SafetensorsRowReader: @unchecked Sendable {
    private let fd: Int32
    private let path: String
    private let dtype: SafetensorsFile.DType
    /// File offset of row 0.
    private let offset: Int
    let rowElements: Int
    let rowCount: Int

    init(fd: Int32, path: String, dtype: SafetensorsFile.DType, offset: Int, rowElements: Int, rowCount: Int) {
        self.fd = fd
        self.path = path
        self.dtype = dtype
        self.offset = offset
        self.rowElements = rowElements
        self.rowCount = rowCount
    }

    deinit { close(fd) }

    /// Row `row` widened to Float.
    public func row(_ row: Int) throws -> [Float] {
        precondition(row >= 0 && row < rowCount, "row \(row) outside 0..<\(rowCount)")
        let bytes = rowElements * dtype.width
        var buffer = [UInt8](repeating: 0, count: bytes)
        var done = 0
        while done < bytes {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, bytes - done, off_t(offset + row * bytes + done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw DiffusionError.malformedSafetensors(path: path, reason: "a row could not be read back: the file changed on disk after it was loaded")
            }
            done += n
        }
        return buffer.withUnsafeBytes { SafetensorsFile.widen($0.baseAddress!, dtype: dtype, first: 0, count: rowElements) }
    }
}
