import Schema

/// One thing Deliver owes a chat.
enum DeliverWork: Sendable {
    /// An outbox row: a text, an edit or a document.
    case outbox(JobQueue.ClaimedOutbox)
    /// A rendered job's photo.
    case photo(JobQueue.ClaimedDelivery)
    /// An edit of a job's status message; not leased (a lost one comes back next round).
    case status(PostgresConnection.StatusDue)

    var chatID: Int64 {
        switch self {
        case .outbox(let claimed): claimed.message.chatID
        case .photo(let delivery): delivery.chatID
        case .status(let due): due.chatID
        }
    }
}

/// How a send ended, for the dispatcher.
enum DeliverOutcome: Sendable {
    /// Done with the row: sent and recorded, or failed and recorded.
    case finished(sent: Bool)
    /// 429: wait `retryAfter` seconds before anything more goes to this chat.
    case tooManyRequests(retryAfter: Double)
    /// 403: the chat is now undeliverable; drop its queued work.
    case chatUndeliverable
}
