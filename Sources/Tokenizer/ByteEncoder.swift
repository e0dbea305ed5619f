/// GPT-2/CLIP's reversible byte → printable-character table (`bytes_to_unicode`): printable
/// Latin-1 bytes map to themselves, the other 68 bytes to U+0100 onwards, so every UTF-8
/// byte of the text becomes one vocabulary symbol.
enum ByteEncoder {
    static let table: [String] = {
        var bs = Array(33...126) + Array(161...172) + Array(174...255)
        var cs = bs
        var n = 0
        for b in 0..<256 where !bs.contains(b) {
            bs.append(b)
            cs.append(256 + n)
            n += 1
        }
        var out = [String](repeating: "", count: 256)
        for (b, c) in zip(bs, cs) { out[b] = String(Character(Unicode.Scalar(UInt32(c)) ?? " ")) }
        return out
    }()
}
