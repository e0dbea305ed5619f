import BotAPIEmulator
import Foundation

/// One `/generate` the chaos run sent: where it was asked, so its photo can be found.
struct ChaosRequest: Hashable {
    var chatID: Int64
    var messageID: Int
    var poisoned: Bool
}

/// A job row as the tally reads it: where it was asked, and when and as which Telegram
/// message its photo was recorded.
struct ChaosJobRow {
    var chatID: Int64
    var messageID: Int
    var state: String
    var telegramMessageID: Int?
    var deliveredAt: Date?
}

/// What a chaos run came to, from the emulator's record of the photos it accepted, the
/// job rows and the moments Deliver was killed.
///
/// A duplicate is a second photo for one request. It lies inside the documented kill
/// window when a Deliver SIGKILL fell between the acceptance of the copy before it and
/// its own: Telegram accepted the photo and the process died before the row was marked,
/// which the Bot API gives no way to detect. Any other duplicate is a bug.
struct ChaosTally: CustomStringConvertible {
    var requested = 0
    var delivered = 0
    var lost: [ChaosRequest] = []
    var duplicatesInWindow = 0
    var duplicatesOutside: [ChaosRequest] = []
    /// For each duplicate inside the window: from the first copy's acceptance to the kill.
    var acceptedToKill: [TimeInterval] = []
    /// For each delivered job: from the acceptance of the photo its row records to the
    /// row's `delivered_at` (how long a photo Telegram accepted stays unrecorded).
    var unrecorded: [TimeInterval] = []
    /// The recordings that took longer than a second: when the photo was accepted and when recorded.
    var slowRecordings: [(accepted: Date, recorded: Date)] = []
    /// Photos for the poisoned request (must be none).
    var poisonedPhotos = 0
    /// Text replies to a request beyond the first (its acknowledgement sent twice), for
    /// the record only: the same kill window applies to every send.
    var duplicateReplies = 0

    init(requests: [ChaosRequest], photos: [SentMessage], replies: [SentMessage], jobs: [ChaosJobRow], deliverKills: [Date]) {
        struct Target: Hashable { var chat: Int64; var message: Int }
        let asked = Set(requests.filter { !$0.poisoned }.map { Target(chat: $0.chatID, message: $0.messageID) })
        let answers = replies.compactMap { reply in reply.replyToMessageID.map { Target(chat: reply.chatID, message: $0) } }
            .filter { asked.contains($0) }
        duplicateReplies = answers.count - Set(answers).count
        let copies = Dictionary(grouping: photos.filter { $0.replyToMessageID != nil }) {
            Target(chat: $0.chatID, message: $0.replyToMessageID ?? 0)
        }
        let rows = Dictionary(jobs.map { (Target(chat: $0.chatID, message: $0.messageID), $0) }) { first, _ in first }
        for request in requests {
            let target = Target(chat: request.chatID, message: request.messageID)
            let sent = (copies[target] ?? []).sorted { $0.acceptedAt < $1.acceptedAt }
            if request.poisoned {
                poisonedPhotos = sent.count
                continue
            }
            requested += 1
            guard !sent.isEmpty else {
                lost.append(request)
                continue
            }
            delivered += 1
            for (earlier, later) in zip(sent, sent.dropFirst()) {
                if let kill = deliverKills.first(where: { $0 >= earlier.acceptedAt && $0 <= later.acceptedAt }) {
                    duplicatesInWindow += 1
                    acceptedToKill.append(kill.timeIntervalSince(earlier.acceptedAt))
                } else {
                    duplicatesOutside.append(request)
                }
            }
            if let row = rows[target], let recorded = row.deliveredAt,
               let photo = sent.first(where: { $0.messageID == row.telegramMessageID }) {
                unrecorded.append(recorded.timeIntervalSince(photo.acceptedAt))
                if recorded.timeIntervalSince(photo.acceptedAt) > 1 { slowRecordings.append((photo.acceptedAt, recorded)) }
            }
        }
    }

    var duplicates: Int { duplicatesInWindow + duplicatesOutside.count }

    var description: String {
        "delivered \(delivered) of \(requested), lost \(lost.count), duplicated \(duplicates) "
            + "(\(duplicatesInWindow) inside the Deliver kill window, \(duplicatesOutside.count) outside), "
            + "text replies duplicated \(duplicateReplies); "
            + "accepted → recorded: \(Self.summary(unrecorded)) over \(unrecorded.count) photos; "
            + "accepted → kill for in-window duplicates: \(Self.summary(acceptedToKill))"
    }

    /// "max X s, p99 Y s, median Z s" in milliseconds' precision.
    static func summary(_ values: [TimeInterval]) -> String {
        guard !values.isEmpty else { return "none" }
        let sorted = values.sorted()
        func at(_ fraction: Double) -> String {
            let index = min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
            return String(format: "%.3f s", sorted[max(0, index)])
        }
        return "max \(at(1)), p99 \(at(0.99)), median \(at(0.5))"
    }
}
