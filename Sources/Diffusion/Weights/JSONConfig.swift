import Foundation

/// A parsed config.json with typed getters that fall back to diffusers' defaults.
struct JSONConfig {
    let path: String
    let values: [String: Any]

    init(path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else { throw DiffusionError.fileNotFound(path: path) }
        guard let obj = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw DiffusionError.invalidConfig(path: path, reason: "not a JSON object")
        }
        self.path = path
        values = obj
    }

    init(values: [String: Any]) {
        path = "(defaults)"
        self.values = values
    }

    func has(_ key: String) -> Bool { values[key] != nil && !(values[key] is NSNull) }

    func int(_ key: String, _ fallback: Int) -> Int { (values[key] as? NSNumber)?.intValue ?? fallback }
    func double(_ key: String, _ fallback: Double) -> Double { (values[key] as? NSNumber)?.doubleValue ?? fallback }
    func bool(_ key: String, _ fallback: Bool) -> Bool { (values[key] as? NSNumber)?.boolValue ?? fallback }
    func string(_ key: String, _ fallback: String) -> String { (values[key] as? String) ?? fallback }
    func strings(_ key: String, _ fallback: [String]) -> [String] { (values[key] as? [String]) ?? fallback }

    /// An int or a per-block list of ints (`attention_head_dim: 8` or `[5, 10, 20, 20]`).
    func intList(_ key: String, count: Int, _ fallback: [Int]) -> [Int] {
        if let n = values[key] as? NSNumber, !(values[key] is [Any]) { return Array(repeating: n.intValue, count: count) }
        if let list = values[key] as? [NSNumber] { return list.map { $0.intValue } }
        return fallback
    }
}
