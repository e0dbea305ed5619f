import Bot
import Foundation
import Schema
import Telegram

/// Consecutive /generate messages of one getUpdates response are handled together: one
/// transaction and one `enqueue` for the whole run, in update order, with the same rows
/// and replies as one at a time. Under load, when Telegram hands over many updates at
/// once, a run costs the quota check and the round trips of a single request.
extension UpdateHandler {
    /// A /generate message, routed once: the request (with its seed drawn) is the one
    /// enqueued.
    struct GenerateMessage: Sendable {
        var updateID: Int64
        var origin: TelegramOrigin
        var request: RenderRequest
        var promptCut: Bool
    }

    /// The update as a /generate request of a user, or nil for anything else. Under an
    /// allowlist every update goes alone, through the access check of a single message
    /// (a private deployment has no bursts to batch).
    func generateMessage(_ update: Update) -> GenerateMessage? {
        guard access.mode == .open else { return nil }
        guard case .message(let message) = update.kind, let from = message.from, !from.isBot else { return nil }
        let intent = router.route(text: message.text, isPrivateChat: message.chat.isPrivate) {
            Int64.random(in: 0...GenerationLimits.maxSeed)
        }
        guard case .generate(let request, let promptCut) = intent else { return nil }
        let updateID = Int64(update.updateID)
        return GenerateMessage(
            updateID: updateID,
            origin: TelegramOrigin(updateID: updateID, chatID: message.chat.id, userID: from.id,
                                   messageID: Int64(message.messageID), languageCode: from.languageCode),
            request: request, promptCut: promptCut)
    }

    /// Handles a run in one transaction: each update is recorded (a re-read one is a
    /// duplicate and changes nothing), the new ones are enqueued together, each gets its
    /// acknowledgement or refusal and its outcome, and the offset moves past the run.
    /// Returns the outcomes in order.
    func handleRun(_ run: [GenerateMessage]) async throws -> [Handled] {
        guard let last = run.last else { return [] }
        return try await connection.transaction { connection in
            var handled = [Handled](repeating: Handled(outcome: "duplicate"), count: run.count)
            var fresh: [Int] = []
            for (index, message) in run.enumerated() {
                let origin = message.origin
                if try await connection.recordUpdate(message.updateID, kind: "message", chatID: origin.chatID, userID: origin.userID) {
                    // Writing to the bot again undoes an earlier block (403).
                    try await connection.clearChatUndeliverable(origin.chatID)
                    fresh.append(index)
                }
            }
            // A request breaking a prompt rule or naming a LoRA the model does not offer is
            // refused, the rest enqueued; the replies still go out in update order.
            var refusals: [Rejection?] = []
            for index in fresh {
                refusals.append(try await promptRuleRefusal(run[index].request, origin: run[index].origin, connection: connection))
            }
            let unblocked = zip(fresh, refusals).filter { $0.1 == nil }.map(\.0)
            var loraChecks = try await loraRefusals(unblocked.map { run[$0].request }, connection: connection)[...]
            refusals = refusals.map { $0 ?? loraChecks.removeFirst() }
            let accepted = zip(fresh, refusals).filter { $0.1 == nil }.map(\.0)
            var outcomes = try await JobQueue(connection).enqueue(accepted.map { JobQueue.Enqueue(run[$0].request, from: run[$0].origin) })[...]
            for (index, refusal) in zip(fresh, refusals) {
                let message = run[index]
                let code: String
                if let refusal {
                    try await insertReply(.rejected(refusal), to: message.origin, connection: connection)
                    code = "rejected:" + refusal.code
                } else {
                    code = try await reply(to: outcomes.removeFirst(), origin: message.origin, promptCut: message.promptCut,
                                           connection: connection).outcome
                }
                try await connection.setUpdateOutcome(message.updateID, code)
                handled[index] = Handled(outcome: code)
            }
            try await connection.saveUpdateOffset(botID: botID, nextOffset: last.updateID + 1)
            return handled
        }
    }
}
