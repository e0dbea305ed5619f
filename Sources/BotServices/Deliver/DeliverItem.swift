/// A claimed piece of work on its way out, with where it goes now: a migrated group's
/// work goes to the supergroup, without its reply (message ids do not carry over).
struct DeliverItem: Sendable {
    var work: DeliverWork
    var chatID: Int64
    var replyTo: Int64?

    init(_ work: DeliverWork) {
        self.work = work
        chatID = work.chatID
        switch work {
        case .outbox(let claimed): replyTo = claimed.message.replyToMessageID
        case .photo(let delivery): replyTo = delivery.replyToMessageID
        case .status: replyTo = nil
        }
    }

    var isStatusEdit: Bool {
        if case .status = work { return true }
        return false
    }

    mutating func migrate(to chatID: Int64) {
        self.chatID = chatID
        replyTo = nil
    }
}
