extension EmulatorState {
    /// The non-waiting half of `getUpdates`: apply the offset, remember
    /// `allowed_updates`, and return what is ready.
    ///
    /// - A positive offset confirms every update with a smaller id (they are forgotten).
    /// - A negative offset keeps only the last `-offset` updates.
    /// - Updates of kinds outside `allowed_updates` are dropped, as Telegram never
    ///   produces them for this bot.
    func prepareUpdates(_ parameters: RequestParameters) throws(APIError) {
        if let offset = parameters["offset"]?.intValue {
            if offset > 0 {
                let confirmed = updates.filter { $0.updateID < offset }
                if let last = confirmed.last { confirmedUpdateID = max(confirmedUpdateID ?? last.updateID, last.updateID) }
                updates.removeAll { $0.updateID < offset }
            } else if offset < 0 {
                updates = Array(updates.suffix(-offset))
            }
        }
        if let allowed = parameters["allowed_updates"] {
            guard let list = allowed.arrayValue else { throw .badRequest("can't parse allowed updates JSON array") }
            allowedUpdates = list.compactMap(\.stringValue)
        }
        if !allowedUpdates.isEmpty {
            updates.removeAll { !allowedUpdates.contains($0.kind) }
        }
    }

    /// Up to `limit` (1–100, default 100) pending updates, oldest first.
    func readyUpdates(limit: Int?) -> [JSONValue] {
        let count = min(max(limit ?? 100, 1), 100)
        return updates.prefix(count).map(\.json)
    }
}
