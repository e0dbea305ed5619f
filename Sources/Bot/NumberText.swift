/// Counts as the user reads them: thousands grouped, "1,234" in English and "1.234" in
/// Spanish, four-digit numbers included. By hand rather than `NumberFormatter`: CLDR's
/// Spanish leaves four digits ungrouped, and the text must not depend on the host's locale data.
public enum NumberText {
    public static func grouped(_ number: Int, separator: Character) -> String {
        let digits = String(number.magnitude)
        var text = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { text.append(separator) }
            text.append(digit)
        }
        return number < 0 ? "-" + text : text
    }
}
