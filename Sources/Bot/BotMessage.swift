import Foundation

/// Everything the bot says besides photos, as it travels through the outbox: Ingest
/// writes `kind` + `args`, Deliver turns them into text in the user's language
/// (`Texts`). Args never hold the prompt; a text that needs it reads it from the job. A
/// refusal may quote a few words the user typed (an option, a tag): the retention purge
/// and /forget blank the args of `rejected`, `unknown_command` and `job_failed` rows.
public enum BotMessage: Sendable, Equatable {
    /// /help and /start, with the model's settings as the request would have met them.
    case help(ModelLine)
    /// Acknowledgement of an accepted request; becomes the job's status message.
    case queued(position: Int, remainingToday: Int)
    /// The job's prompt is probably longer than CLIP reads: Deliver quotes the end it cuts,
    /// read from the job. A message of its own, written with the acknowledgement, because
    /// the status message's progress edits would wipe it.
    case promptCut
    case rejected(Rejection)
    case status([JobStatusLine])
    /// `rendering` of them were being drawn (they stop; their images are dropped).
    case cancelled(count: Int, rendering: Int = 0)
    case quota(QuotaLine)
    /// Written by the database (`notify_user_of_failure`) when a job fails for good.
    case jobFailed(error: String)
    /// Written by the Renderer (`BlockRenders`) when the safety checker flagged the image and
    /// the chat's policy is to block it.
    case imageBlocked
    /// "Send as file": the job's lossless PNG as a document.
    case document
    case unknownCommand(String)
    /// /styles: the model's visible LoRAs, by name.
    case styles([StyleLine])
    /// /privacy: what is kept, for how long (the windows in force) and why.
    case privacy(PrivacyLine)
    /// /forget: what it erases, under one button that only `userID` (who asked) may press.
    case forgetConfirm(userID: Int64)
    /// The confirmation's answer, which replaces it: what was erased.
    case forgotten(ForgetLine)
    /// An operator's /stats.
    case stats(StatsLine)
    /// What an operator's /ban, /unban or /quota did.
    case adminDone(AdminLine)
    /// An operator's command typed wrong: how to type it.
    case adminUsage(AdminUsage)
    /// LIENZO_ACCESS=allowlist, and the user and chat are not on the list.
    case notAllowed

    public var kind: String {
        switch self {
        case .help: "help"
        case .queued: "queued"
        case .promptCut: "prompt_cut"
        case .rejected: "rejected"
        case .status: "status"
        case .cancelled: "cancelled"
        case .quota: "quota"
        case .jobFailed: "job_failed"
        case .imageBlocked: "image_blocked"
        case .document: "document"
        case .unknownCommand: "unknown_command"
        case .styles: "styles"
        case .privacy: "privacy"
        case .forgetConfirm: "forget_confirm"
        case .forgotten: "forgotten"
        case .stats: "stats"
        case .adminDone: "admin_done"
        case .adminUsage: "admin_usage"
        case .notAllowed: "not_allowed"
        }
    }

    /// The outbox `args` JSON object.
    public var argsJSON: String {
        var args = Args()
        switch self {
        case .help(let model): args.model = model
        case .document, .imageBlocked, .promptCut, .notAllowed: break
        case .queued(let position, let remaining):
            args.position = position
            args.remaining = remaining
        case .rejected(let rejection): args.rejection = rejection
        case .status(let lines): args.jobs = lines
        case .cancelled(let count, let rendering):
            args.count = count
            args.rendering = rendering
        case .quota(let line): args.quota = line
        case .jobFailed(let error): args.error = error
        case .unknownCommand(let command): args.command = command
        case .styles(let styles): args.styles = styles
        case .privacy(let line): args.privacy = line
        case .forgetConfirm(let userID): args.userID = userID
        case .forgotten(let line): args.forgotten = line
        case .stats(let line): args.stats = line
        case .adminDone(let line): args.admin = line
        case .adminUsage(let usage): args.usage = usage
        }
        guard let data = try? JSONEncoder().encode(args), let text = String(data: data, encoding: .utf8) else {
            return "{}"
        }
        return text
    }

    /// Reads an outbox row back; nil for a kind this build does not know.
    public init?(kind: String, argsJSON: String) {
        let args = (try? JSONDecoder().decode(Args.self, from: Data(argsJSON.utf8))) ?? Args()
        switch kind {
        // A row written before help carried the model's settings shows the built-in ones.
        case "help": self = .help(args.model ?? ModelLine(GenerationLimits()))
        // A row written before the warning had its own message loses it (its `prompt_cut`).
        case "queued": self = .queued(position: args.position ?? 0, remainingToday: args.remaining ?? 0)
        case "prompt_cut": self = .promptCut
        case "rejected":
            guard let rejection = args.rejection else { return nil }
            self = .rejected(rejection)
        case "status": self = .status(args.jobs ?? [])
        case "cancelled": self = .cancelled(count: args.count ?? 0, rendering: args.rendering ?? 0)
        case "quota":
            guard let quota = args.quota else { return nil }
            self = .quota(quota)
        case "job_failed": self = .jobFailed(error: args.error ?? "")
        case "image_blocked": self = .imageBlocked
        case "document": self = .document
        case "unknown_command": self = .unknownCommand(args.command ?? "")
        case "styles": self = .styles(args.styles ?? [])
        case "privacy":
            guard let line = args.privacy else { return nil }
            self = .privacy(line)
        case "forget_confirm":
            guard let userID = args.userID else { return nil }
            self = .forgetConfirm(userID: userID)
        case "forgotten":
            guard let line = args.forgotten else { return nil }
            self = .forgotten(line)
        case "stats":
            guard let line = args.stats else { return nil }
            self = .stats(line)
        case "admin_done":
            guard let line = args.admin else { return nil }
            self = .adminDone(line)
        case "admin_usage":
            guard let usage = args.usage else { return nil }
            self = .adminUsage(usage)
        case "not_allowed": self = .notAllowed
        default: return nil
        }
    }

    /// The flat JSON shape of every kind's args.
    struct Args: Codable {
        var position: Int?
        var remaining: Int?
        var rejection: Rejection?
        var jobs: [JobStatusLine]?
        var count: Int?
        var rendering: Int?
        var quota: QuotaLine?
        var error: String?
        var command: String?
        var styles: [StyleLine]?
        var model: ModelLine?
        var privacy: PrivacyLine?
        var userID: Int64?
        var forgotten: ForgetLine?
        var stats: StatsLine?
        var admin: AdminLine?
        var usage: AdminUsage?

        enum CodingKeys: String, CodingKey {
            case position, remaining, rejection, jobs, count, rendering, quota, error, command, styles, model, privacy, forgotten
            case stats, admin, usage
            case userID = "user_id"
        }
    }
}

/// One line of /status.
public struct JobStatusLine: Codable, Sendable, Equatable {
    public var jobID: Int64
    public var state: String
    public var queuePosition: Int?
    public var step: Int
    public var steps: Int
    /// The start of the job's prompt, so the user knows which request this is. Deliver
    /// reads it from the job when it writes the text; it is never in the outbox args (not
    /// a coding key), so the retention purge and /forget have nothing there to blank.
    public var promptStart: String?

    public init(jobID: Int64, state: String, queuePosition: Int?, step: Int, steps: Int, promptStart: String? = nil) {
        self.jobID = jobID
        self.state = state
        self.queuePosition = queuePosition
        self.step = step
        self.steps = steps
        self.promptStart = promptStart
    }

    /// "#12 «a castle at dusk, oil…»", or "#12" once the prompt is erased.
    var label: String {
        guard let start = promptStart?.echoed(limit: 24), !start.isEmpty else { return "#\(jobID)" }
        return "#\(jobID) «\(start)»"
    }

    enum CodingKeys: String, CodingKey {
        case jobID = "job_id"
        case state
        case queuePosition = "queue_position"
        case step, steps
    }
}

/// What /quota shows.
public struct QuotaLine: Codable, Sendable, Equatable {
    public var usedToday: Int
    public var dailyLimit: Int
    public var pending: Int
    public var maxQueued: Int
    public var banned: Bool

    public init(usedToday: Int, dailyLimit: Int, pending: Int, maxQueued: Int, banned: Bool) {
        self.usedToday = usedToday
        self.dailyLimit = dailyLimit
        self.pending = pending
        self.maxQueued = maxQueued
        self.banned = banned
    }

    enum CodingKeys: String, CodingKey {
        case usedToday = "used_today"
        case dailyLimit = "daily_limit"
        case pending
        case maxQueued = "max_queued"
        case banned
    }
}
