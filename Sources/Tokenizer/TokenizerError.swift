/// What reading a tokenizer can fail with; each `description` is one line.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(path: String)
    case invalidVocabulary(path: String, reason: String)
    case invalidMergeFileLine(path: String, line: Int)

    public var description: String {
        switch self {
        case .fileNotFound(let path): return "no such file or directory: \(path)"
        case .invalidVocabulary(let path, let reason): return "invalid tokenizer vocabulary \(path): \(reason)"
        case .invalidMergeFileLine(let path, let line): return "\(path):\(line): malformed BPE merge line (expected two tokens)"
        }
    }
}
