/// The one table of sampler names, read by the bot's parser and captions (Bot's
/// `GenerationLimits`) and by `Renderer render`, so a name typed in the chat works on the
/// command line and both write the same name back.
///
/// Each of the engine's samplers (Diffusion `Sampler`) has its own name, the name
/// AUTOMATIC1111 writes (as `Sampler.a1111Name`, which the PNG's `parameters` use) and the
/// k-diffusion and other names people type.
public enum SamplerNames {
    public static let table: [(engine: String, a1111: String, aliases: [String])] = [
        ("pndm", "PLMS", []),
        ("ddim", "DDIM", []),
        ("euler", "Euler", ["k_euler"]),
        ("euler_a", "Euler a", ["k_euler_a", "euler_ancestral", "k_euler_ancestral"]),
        ("lms", "LMS", ["k_lms"]),
        ("dpmpp_2m", "DPM++ 2M", ["k_dpmpp_2m"]),
        ("dpmpp_2m_karras", "DPM++ 2M Karras", ["k_dpmpp_2m_ka", "dpmpp_2m_ka", "k_dpmpp_2m_karras"]),
        ("lcm", "LCM", ["k_lcm"]),
    ]

    /// Every name of `table`, keyed by `key`, to the engine's.
    private static let engineNames: [String: String] = {
        var names: [String: String] = [:]
        for sampler in table {
            for name in [sampler.engine, sampler.a1111] + sampler.aliases { names[key(name)] = sampler.engine }
        }
        return names
    }()

    /// The engine's name for a sampler as people type it: "euler_a", "Euler a",
    /// "DPM++ 2M Karras", "k_dpmpp_2m_ka", in any case, with spaces, `-` or `_`. Nil when
    /// it names none of the engine's samplers.
    public static func engineName(_ typed: String) -> String? {
        engineNames[key(typed)]
    }

    /// The name AUTOMATIC1111 writes for one of the engine's samplers; a name the engine
    /// does not know is kept as it is.
    public static func a1111Name(_ engineName: String) -> String {
        table.first { $0.engine == engineName }?.a1111 ?? engineName
    }

    /// "DPM++ 2M Karras" → "dpmpp_2m_karras", " Euler-a " → "euler_a".
    public static func key(_ typed: String) -> String {
        typed.lowercased().replacing("++", with: "pp")
            .split { $0 == "-" || $0 == "_" || $0.isWhitespace }.joined(separator: "_")
    }
}
