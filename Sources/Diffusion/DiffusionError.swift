/// Everything the engine can fail with. Each `description` is one line that says what
/// went wrong and, where it helps, what to do about it.
public enum DiffusionError: Error, CustomStringConvertible, Equatable {
    case fileNotFound(path: String)
    case malformedSafetensors(path: String, reason: String)
    case unsupportedDType(key: String, dtype: String, file: String)
    case missingWeight(key: String, file: String)
    case shapeMismatch(key: String, expected: [Int], found: [Int])
    case pickledCheckpoint(path: String)
    case invalidConfig(path: String, reason: String)
    case unsupportedModel(String)
    case invalidArgument(String)
    case invalidLora(path: String, reason: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path): return "no such file or directory: \(path)"
        case .malformedSafetensors(let path, let reason): return "\(path) is not a valid safetensors file: \(reason)"
        case .unsupportedDType(let key, let dtype, let file):
            return "tensor \(key) in \(file) has dtype \(dtype); only F32, F16 and BF16 are supported"
        case .missingWeight(let key, let file): return "missing tensor \(key) in \(file)"
        case .shapeMismatch(let key, let expected, let found):
            return "tensor \(key) has shape \(found), expected \(expected) for this model's configuration"
        case .pickledCheckpoint(let path):
            return
                "\(path) is a pickled PyTorch checkpoint, which can run arbitrary code when loaded, so it is refused; convert it to .safetensors first (e.g. `python -c \"import torch, safetensors.torch as s; s.save_file({k: v.contiguous() for k, v in torch.load('model.ckpt', weights_only=True)['state_dict'].items() if hasattr(v, 'contiguous')}, 'model.safetensors')\"`)"
        case .invalidConfig(let path, let reason): return "invalid configuration \(path): \(reason)"
        case .unsupportedModel(let reason): return "unsupported model: \(reason)"
        case .invalidArgument(let reason): return reason
        case .invalidLora(let path, let reason): return "LoRA \(path) \(reason)"
        }
    }
}
