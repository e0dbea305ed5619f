/// An image size as people type it, in the chat (`--size`) and to `Renderer render`
/// alike: "512x768", "512×768", "512X768" → (512, 768). Only the shape is checked here;
/// each caller applies its own limits.
public enum SizeText {
    public static func parse(_ text: String) -> (width: Int, height: Int)? {
        let parts = text.lowercased().replacing("×", with: "x").split(separator: "x", omittingEmptySubsequences: false)
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]), width > 0, height > 0,
              width <= 100_000, height <= 100_000 else { return nil }
        return (width, height)
    }
}
