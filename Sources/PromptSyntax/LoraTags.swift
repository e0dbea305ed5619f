/// AUTOMATIC1111's LoRA prompt syntax: `<lora:NAME>` or `<lora:NAME:WEIGHT>` anywhere in
/// a prompt (extra-networks syntax, modules/extra_networks.py: `<(\w+):([^>]+)>`).
///
/// The tags are cut out of the text and everything else is kept byte for byte, spacing
/// included, as AUTOMATIC1111 hands the rest to the tokenizer. Several tags may name the
/// same LoRA; their weights add up, since each tag applies the LoRA once more.
public struct LoraTag: Sendable, Equatable, Hashable {
    /// The LoRA's file stem as written (AUTOMATIC1111 allows spaces and dots in it).
    public var name: String
    /// The multiplier; 1 when the tag has none. Negative weights are allowed.
    public var weight: Float

    public init(name: String, weight: Float = 1) {
        self.name = name
        self.weight = weight
    }

    /// The tag as AUTOMATIC1111 writes it back (`<lora:NAME:0.8>`).
    public var text: String { "<lora:\(name):\(LoraTag.format(weight))>" }

    static func format(_ weight: Float) -> String {
        weight == weight.rounded() && abs(weight) < 1e6 ? String(Int(weight)) : String(weight)
    }
}

/// A prompt with its LoRA tags taken out.
public struct LoraPrompt: Sendable, Equatable {
    /// The prompt without the tags, otherwise exactly as written.
    public var text: String
    /// One entry per LoRA in order of first mention, weights of repeated tags summed.
    public var loras: [LoraTag]

    /// Parses `prompt`; throws `LoraTagError` for a tag that names no LoRA or whose
    /// weight is not a number. Other `<…>` text is left alone.
    public init(parsing prompt: String) throws(LoraTagError) {
        var text = ""
        var loras: [LoraTag] = []
        var rest = prompt[...]
        while let open = rest.firstIndex(of: "<") {
            text += rest[..<open]
            let afterOpen = rest[rest.index(after: open)...]
            guard let close = afterOpen.firstIndex(of: ">"), let tag = try Self.tag(afterOpen[..<close]) else {
                text += "<"
                rest = afterOpen
                continue
            }
            if let index = loras.firstIndex(where: { $0.name == tag.name }) {
                loras[index].weight += tag.weight
            } else {
                loras.append(tag)
            }
            rest = afterOpen[afterOpen.index(after: close)...]
        }
        text += rest
        self.text = text
        self.loras = loras
    }

    /// The inside of `<…>`: nil when it is not a LoRA tag at all (`<3`, `<b>`).
    private static func tag(_ inside: Substring) throws(LoraTagError) -> LoraTag? {
        guard let colon = inside.firstIndex(of: ":") else { return nil }
        let kind = inside[..<colon]
        guard kind.lowercased() == "lora" else { return nil }
        let arguments = inside[inside.index(after: colon)...].split(separator: ":", omittingEmptySubsequences: false)
        let name = arguments.first.map { String($0).trimmingWhitespace() } ?? ""
        guard !name.isEmpty else { throw .missingName(tag: "<\(inside)>") }
        switch arguments.count {
        case 1:
            return LoraTag(name: name)
        case 2:
            let written = String(arguments[1]).trimmingWhitespace()
            guard let weight = Float(written), weight.isFinite else { throw .badWeight(tag: "<\(inside)>", weight: written) }
            return LoraTag(name: name, weight: weight)
        default:
            throw .tooManyParts(tag: "<\(inside)>")
        }
    }
}

public enum LoraTagError: Error, Equatable, Sendable, CustomStringConvertible {
    case missingName(tag: String)
    case badWeight(tag: String, weight: String)
    /// `<lora:NAME:TE:UNET>` and other forms beyond name and one weight.
    case tooManyParts(tag: String)

    public var tag: String {
        switch self {
        case .missingName(let tag), .badWeight(let tag, _), .tooManyParts(let tag): tag
        }
    }

    public var description: String {
        switch self {
        case .missingName(let tag): "\(tag) names no LoRA"
        case .badWeight(let tag, let weight): "\(tag): the weight \"\(weight)\" is not a number"
        case .tooManyParts(let tag): "\(tag): only <lora:NAME> and <lora:NAME:WEIGHT> are understood"
        }
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        var s = self[...]
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
