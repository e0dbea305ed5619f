import Foundation

/// The LoRA folder a Renderer or `render --lora-dir` serves: `NAME.safetensors` files,
/// NAME being what `<lora:NAME>` says. Parsed adapters are cached, least recently used
/// first out once their parsed size passes `cacheBytes`.
public final class LoraLibrary: @unchecked Sendable {
    public let folder: String
    let targets: LoraTargets
    public let cacheBytes: Int
    private let lock = NSLock()
    private var cache: [String: (adapter: LoraAdapter, lastUse: UInt64)] = [:]
    private var clock: UInt64 = 0

    public init(folder: String, targets: LoraTargets, cacheBytes: Int = 1 << 30) throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw DiffusionError.fileNotFound(path: folder)
        }
        self.folder = folder
        self.targets = targets
        self.cacheBytes = cacheBytes
    }

    /// The names of the `.safetensors` files in the folder, sorted.
    public func names() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return files.filter { $0.lowercased().hasSuffix(".safetensors") }.map { String($0.dropLast(".safetensors".count)) }.sorted()
    }

    /// Every file parsed against the model: those that load, and why the others do not
    /// (a LoRA for another model, a pickle renamed, …). Parsing fills the cache.
    public func catalog() -> (usable: [LoraAdapter], refused: [(name: String, reason: String)]) {
        var usable: [LoraAdapter] = []
        var refused: [(String, String)] = []
        for name in names() {
            do {
                usable.append(try adapter(named: name))
            } catch {
                refused.append((name, "\(error)"))
            }
        }
        return (usable, refused)
    }

    /// The adapter `<lora:name>` means; throws when there is no such file or it does not load.
    public func adapter(named name: String) throws -> LoraAdapter {
        lock.lock()
        clock += 1
        if let hit = cache[name] {
            cache[name] = (hit.adapter, clock)
            lock.unlock()
            return hit.adapter
        }
        lock.unlock()
        guard !name.contains("/"), !name.hasPrefix("."), names().contains(name) else {
            throw DiffusionError.invalidLora(path: name, reason: "is not in the LoRA folder \(folder)")
        }
        let adapter = try LoraAdapter(path: folder + "/" + name + ".safetensors", targets: targets)
        lock.withLock {
            cache[name] = (adapter, clock)
            evict()
        }
        return adapter
    }

    /// Bytes the cached adapters hold.
    public var cachedBytes: Int { lock.withLock { cache.values.reduce(0) { $0 + $1.adapter.byteCount } } }

    private func evict() {
        var total = cache.values.reduce(0) { $0 + $1.adapter.byteCount }
        while total > cacheBytes, cache.count > 1, let oldest = cache.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            total -= oldest.value.adapter.byteCount
            cache[oldest.key] = nil
        }
    }
}
