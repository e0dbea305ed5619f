import Bot
import Foundation
import Schema

/// The queries of sql/queries/ingest.sql and telegram.sql, typed. Each runs on the
/// connection it is given, so it joins the caller's transaction.
extension PostgresConnection {
    // MARK: Ingest

    /// False when the update was handled before: the caller must change nothing.
    func recordUpdate(_ updateID: Int64, kind: String, chatID: Int64?, userID: Int64?) async throws -> Bool {
        !(try await query(EmbeddedSQL.Queries.recordUpdate, updateID, kind, chatID, userID)).isEmpty
    }

    /// Stores what Ingest did with the update, cut to 100 characters (an error's text
    /// can be long; the outcome is a label for audits).
    func setUpdateOutcome(_ updateID: Int64, _ outcome: String) async throws {
        try await query(EmbeddedSQL.Queries.setUpdateOutcome, updateID, String(outcome.prefix(100)))
    }

    func loadUpdateOffset(botID: Int64) async throws -> Int64? {
        try await query(EmbeddedSQL.Queries.loadUpdateOffset, botID).first?.decode("next_offset")
    }

    func saveUpdateOffset(botID: Int64, nextOffset: Int64) async throws {
        try await query(EmbeddedSQL.Queries.saveUpdateOffset, botID, nextOffset)
    }

    func quota(ofUser userID: Int64) async throws -> QuotaLine {
        guard let row = try await query(EmbeddedSQL.Queries.quotaOfUser, userID).first else {
            throw PostgresError(.decoding, message: "quota query returned no row")
        }
        return QuotaLine(usedToday: try row.decode("used_today"), dailyLimit: try row.decode("daily_limit"),
                         pending: try row.decode("pending"), maxQueued: try row.decode("max_queued"),
                         banned: try row.decode("banned"))
    }

    func pendingJobs(ofUser userID: Int64, limit: Int = 10) async throws -> [JobStatusLine] {
        try await query(EmbeddedSQL.Queries.pendingJobsOfUser, userID, limit).map { row in
            JobStatusLine(jobID: try row.decode("id"), state: try row.decode("state"),
                          queuePosition: try row.decode("queue_position"), step: try row.decode("progress_step"),
                          steps: try row.decode("steps"))
        }
    }

    struct CallbackJob: Sendable {
        var id: Int64
        var userID: Int64
        var chatID: Int64
        var purged: Bool
        var hasImage: Bool
        var request: RenderRequest
    }

    func jobForCallback(_ jobID: Int64) async throws -> CallbackJob? {
        guard let row = try await query(EmbeddedSQL.Queries.jobForCallback, jobID).first else { return nil }
        return CallbackJob(
            id: try row.decode("id"), userID: try row.decode("user_id"), chatID: try row.decode("chat_id"),
            purged: try row.decode("purged"), hasImage: try row.decode("has_image"),
            request: RenderRequest(
                prompt: try row.decode("prompt"), negativePrompt: try row.decode("negative_prompt"),
                model: try row.decode("model"), width: try row.decode("width"), height: try row.decode("height"),
                steps: try row.decode("steps"), guidance: try row.decode("guidance"), seed: try row.decode("seed"),
                sampler: try row.decode("sampler")))
    }

    func clearChatUndeliverable(_ chatID: Int64) async throws {
        try await query(EmbeddedSQL.Queries.clearChatUndeliverable, chatID)
    }

    // MARK: Deliver

    struct ChatNote: Sendable {
        var undeliverable: Bool
        var migratedTo: Int64?
    }

    func chatNotes(_ chatIDs: [Int64]) async throws -> [Int64: ChatNote] {
        guard !chatIDs.isEmpty else { return [:] }
        var notes: [Int64: ChatNote] = [:]
        for row in try await query(EmbeddedSQL.Queries.chatsDeliverability, chatIDs) {
            notes[try row.decode("chat_id")] = ChatNote(undeliverable: try row.decode("undeliverable"),
                                                        migratedTo: try row.decode("migrated_to_chat_id"))
        }
        return notes
    }

    @discardableResult
    func markChatUndeliverable(_ chatID: Int64, reason: String) async throws -> Int {
        try await query(EmbeddedSQL.Queries.markChatUndeliverable, chatID, reason).first?.decode("dropped") ?? 0
    }

    func recordChatMigration(from oldChatID: Int64, to newChatID: Int64) async throws {
        try await query(EmbeddedSQL.Queries.recordChatMigration, oldChatID, newChatID)
    }

    func setStatusMessage(jobID: Int64, messageID: Int64, shown: String) async throws {
        try await query(EmbeddedSQL.Queries.setStatusMessage, jobID, messageID, shown)
    }

    struct StatusDue: Sendable {
        var jobID: Int64
        var chatID: Int64
        /// The text status message (the acknowledgement).
        var messageID: Int64
        /// The photo showing the live previews, which replaced the text message once sent.
        var previewMessageID: Int64?
        /// The user's request, which the first preview photo replies to.
        var requestMessageID: Int64?
        var languageCode: String?
        var key: String
        /// "N left today" as the acknowledgement said it; nil when it is gone.
        var remainingToday: Int?
    }

    func statusUpdatesDue(throttleSeconds: Double, limit: Int) async throws -> [StatusDue] {
        try await query(EmbeddedSQL.Queries.statusUpdatesDue, throttleSeconds, limit).map { row in
            StatusDue(jobID: try row.decode("id"), chatID: try row.decode("chat_id"),
                      messageID: try row.decode("status_message_id"), previewMessageID: try row.decode("preview_message_id"),
                      requestMessageID: try row.decode("message_id"), languageCode: try row.decode("language_code"),
                      key: try row.decode("status_key"), remainingToday: try row.decode("remaining_today"))
        }
    }

    /// A job's live preview as it stands: its state, the photo showing previews (if sent),
    /// and the newest preview (while the job renders).
    struct PreviewState: Sendable {
        var rendering: Bool
        var messageID: Int64?
        var step: Int?
        var png: Data?
        /// Shown behind a spoiler: the image is not checked yet and would not be shown openly if flagged.
        var spoiler: Bool
    }

    func previewToShow(_ jobID: Int64) async throws -> PreviewState? {
        guard let row = try await query(EmbeddedSQL.Queries.previewToShow, jobID).first else { return nil }
        return PreviewState(rendering: try row.decode("state", as: String.self) == "rendering",
                            messageID: try row.decode("preview_message_id"), step: try row.decode("step"), png: try row.decode("png"),
                            spoiler: try row.decode("spoiler", as: Bool?.self) ?? false)
    }

    func setPreviewShown(jobID: Int64, messageID: Int64, step: Int, key: String) async throws {
        try await query(EmbeddedSQL.Queries.setPreviewShown, jobID, messageID, step, key)
    }

    func forgetPreviewMessage(jobID: Int64) async throws {
        try await query(EmbeddedSQL.Queries.forgetPreviewMessage, jobID)
    }

    func setStatusShown(jobID: Int64, key: String, final: Bool) async throws {
        try await query(EmbeddedSQL.Queries.setStatusShown, jobID, key, final)
    }

    func jobImage(_ jobID: Int64) async throws -> Data? {
        try await query(EmbeddedSQL.Queries.jobImage, jobID).first?.decode("image_png")
    }

    func jobPrompt(_ jobID: Int64) async throws -> String? {
        try await query(EmbeddedSQL.Queries.jobPrompt, jobID).first?.decode("prompt")
    }

    /// The first characters of each job's prompt, for /status; erased prompts are left out.
    func jobPromptStarts(_ jobIDs: [Int64]) async throws -> [Int64: String] {
        guard !jobIDs.isEmpty else { return [:] }
        var starts: [Int64: String] = [:]
        for row in try await query(EmbeddedSQL.Queries.jobPromptStarts, jobIDs) {
            starts[try row.decode("id")] = try row.decode("prompt_start")
        }
        return starts
    }

    @discardableResult
    func releaseOutbox(owner: String, ids: [Int64], delaySeconds: Double) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await query(EmbeddedSQL.Queries.releaseOutbox, owner, ids, delaySeconds).count
    }

    @discardableResult
    func releaseDeliveries(owner: String, ids: [Int64], delaySeconds: Double) async throws -> Int {
        guard !ids.isEmpty else { return 0 }
        return try await query(EmbeddedSQL.Queries.releaseDeliveries, owner, ids, delaySeconds).count
    }
}
