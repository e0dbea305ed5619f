/// A retention window in words: days from two days up, else hours, else minutes
/// ("24 hours" reads better than "1 day" for the image window).
enum RetentionSpan: Equatable {
    case days(Int)
    case hours(Int)
    case minutes(Int)

    init(seconds: Int) {
        if seconds >= 2 * 86_400 && seconds % 86_400 == 0 {
            self = .days(seconds / 86_400)
        } else if seconds >= 3600 && seconds % 3600 == 0 {
            self = .hours(seconds / 3600)
        } else {
            // Rounded up: a privacy notice may say a little longer than the truth, never shorter.
            self = .minutes((seconds + 59) / 60)
        }
    }
}
