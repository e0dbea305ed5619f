/// Makes user text safe to store: PostgreSQL `text` cannot hold NUL, and other C0/C1
/// control characters only confuse the tokenizer and the caption. Newlines stay (they
/// separate the A1111 `Negative prompt:` line); tabs become spaces. Everything else —
/// emoji, right-to-left scripts, quotes, SQL-looking fragments — is kept as typed: it
/// only ever travels as a bound parameter.
public enum PromptSanitizer {
    public static func clean(_ text: String) -> (text: String, removed: Int) {
        var scalars = String.UnicodeScalarView()
        var removed = 0
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n":
                scalars.append(scalar)
            case "\r":
                // \r\n → \n; a lone \r is a line break too.
                continue
            case "\t":
                scalars.append(" ")
            default:
                if scalar.properties.generalCategory == .control {
                    removed += 1
                } else {
                    scalars.append(scalar)
                }
            }
        }
        return (String(scalars), removed)
    }
}
