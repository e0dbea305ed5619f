import Telegram

/// English, the default for every `language_code` but Spanish.
struct English: TextTable {
    func help(_ model: ModelLine) -> String {
        """
        🎨 I turn text into images with Stable Diffusion.

        Send a description (in a group: /generate <description>), for example:
        /generate a castle at dusk, oil painting
        /generate a cat astronaut --no blurry, low quality --seed 42 --steps \(model.exampleSteps) --cfg \(model.exampleCFG) --size 512x768 --sampler \(model.exampleSampler)

        Options (all optional):
        --no <text>   what to avoid (negative prompt)
        --seed N      same seed + same settings = same image; -1 = random
        --steps N     more steps: slower, often finer
        --cfg X       how closely to follow the prompt
        --size WxH    multiples of 8
        --sampler S   \(model.samplers.joined(separator: ", "))
                      or as AUTOMATIC1111 names them: "Euler a", DPM++ 2M Karras
        A pasted AUTOMATIC1111 block (Negative prompt: / Steps: … lines) works too, and so does a caption of mine.

        ⚙️ This model: \(Self.steps(model.steps)), CFG \(model.cfgText), sampler \(model.sampler), \(model.width)×\(model.height) by default (up to \(Self.steps(model.maxSteps))).
        📏 \(Self.limits(model))

        Styles: add <lora:NAME:0.8> to a prompt; /styles lists them.

        /status your requests · /cancel stop waiting or running ones · /quota what is left today · /styles styles · /imagine = /generate
        /privacy what I keep about you · /forget erase it
        """
    }

    static func steps(_ count: Int) -> String {
        count == 1 ? "1 step" : "\(count) steps"
    }

    static func number(_ number: Int) -> String { NumberText.grouped(number, separator: ",") }

    /// /help's limits line; the quota part only when Ingest read it.
    static func limits(_ model: ModelLine) -> String {
        var text = "Limits: sides up to \(number(model.maxSide)) px, \(number(model.maxPixels)) pixels in all"
        if let daily = model.dailyLimit, let queued = model.maxQueued {
            text += "; \(count(daily, "image", "images")) a day, \(number(queued)) waiting at once"
        }
        return text + "."
    }

    func queued(position: Int, remainingToday: Int) -> String {
        // enqueue_jobs stops counting at 101.
        "⏳ Queued, position \(Self.position(position)).\n\(leftToday(remainingToday))"
    }

    func leftToday(_ remaining: Int) -> String { "\(Self.number(remaining)) left today." }

    func promptCut(_ cut: String) -> String {
        "⚠️ The model reads about 75 tokens of a prompt; this end will probably be ignored: «\(cut)»"
    }

    func rejection(_ rejection: Rejection) -> String {
        switch rejection {
        case .emptyPrompt: "✏️ Tell me what to draw, e.g. /generate a lighthouse in a storm"
        case .promptTooLong(let length, let max): "✂️ That prompt is \(length) characters; the limit is \(max)."
        case .unknownOption(let option): "❓ Unknown option \(option). Options: --no, --seed, --steps, --cfg, --size, --sampler (see /help)."
        case .missingValue(let option): "❓ \(option) needs a value, e.g. \(option) \(Self.example(option))."
        case .invalidNumber(let option, let value): "🔢 \(option) must be a number, not «\(value)»."
        case .outOfRange(let option, let value, let min, let max): "🔢 \(option) \(value) is out of range: use \(min) to \(max)."
        case .invalidSize(let value): "📐 Size «\(value)» is not WxH, e.g. --size 512x768."
        case .sizeNotMultipleOf8(let width, let height): "📐 \(width)x\(height): both sides must be multiples of 8."
        case .sizeOutOfRange(let width, let height, let minSide, let maxSide, let maxPixels):
            "📐 \(width)x\(height) is out of bounds: sides \(minSide) to \(maxSide), at most \(Self.number(maxPixels)) pixels in all."
        case .unknownSampler(let value, let known): "🧪 Unknown sampler «\(value)». Choose one of: \(known.joined(separator: ", "))."
        case .textAfterOption(let option, let value, let text):
            "❓ After \(option) «\(value)» I do not know what «\(text)» is. Write the description first and the options after it; a name may be quoted: --sampler \"Euler a\"."
        case .invalidLoraTag(let tag): "🎨 I cannot read «\(tag)»: write <lora:NAME> or <lora:NAME:0.8>. /styles lists the styles."
        case .unknownLora(let name): "🎨 I have no style called «\(name)». /styles lists the ones you can use."
        case .tooManyLoras(_, 0): "🎨 This bot takes no styles (<lora:…> tags)."
        case .tooManyLoras(let count, let max): "🎨 That prompt names \(count) styles; at most \(max) at once. See /styles."
        case .loraWeightOutOfRange(let tag, let min, let max):
            "🎨 «\(tag)»: a style's strength must lie between \(min) and \(max) (repeated tags add up). See /styles."
        case .blockedPrompt: "🚫 I won't draw that: this bot's rules do not allow that kind of image. Try another description."
        case .banned: "🚫 You cannot use this bot."
        case .dailyLimit(let used, let limit): "📅 You have used \(Self.number(used)) of \(Self.number(limit)) images today. Come back tomorrow (UTC)."
        case .queueFull(let pending, let max): "🚦 You already have \(Self.number(pending)) of \(Self.number(max)) requests waiting. Wait for one to finish, or /cancel."
        case .jobUnavailable: "🗑️ That image is no longer available."
        case .imageUnavailable: "🗑️ The original file of that image is no longer kept."
        case .imageExpired(let seconds) where seconds <= 0:
            "⌛ That image has expired: its original file is not kept after it is sent (see /privacy). 🎲 New seed and ➕ More steps still work."
        case .imageExpired(let seconds):
            "⌛ That image has expired: its original file is kept for \(Self.span(seconds)) after it is sent (see /privacy). 🎲 New seed and ➕ More steps still work."
        case .notYourButton: "✋ This button is for the person who asked to be forgotten."
        case .unknownButton: "❓ That button is not mine."
        }
    }

    static func position(_ position: Int?) -> String {
        guard let position else { return "?" }
        return position > 100 ? "100+" : String(position)
    }

    static func example(_ option: String) -> String {
        switch option {
        case "--seed", "--semilla": "42"
        case "--steps", "--pasos": "30"
        case "--cfg": "7.5"
        case "--size", "--tamaño", "--tamano": "512x768"
        case "--sampler": "euler_a"
        default: "…"
        }
    }

    func status(_ lines: [JobStatusLine]) -> String {
        guard !lines.isEmpty else { return "📭 You have no requests in progress." }
        return "📋 Your requests:\n" + lines.map { line in
            switch line.state {
            case "queued": "\(line.label) — queued, position \(Self.position(line.queuePosition))"
            case "rendering": "\(line.label) — rendering, step \(line.step)/\(line.steps)"
            default: "\(line.label) — rendered, sending"
            }
        }.joined(separator: "\n")
    }

    func cancelled(count: Int, rendering: Int) -> String {
        guard count > 0 else { return "🤷 Nothing to cancel: none of your requests is waiting or being drawn." }
        var text = "🛑 Cancelled \(count) \(count == 1 ? "request" : "requests")."
        if rendering > 0 { text += rendering == 1 ? " The one being drawn stops now." : " The \(rendering) being drawn stop now." }
        return text
    }

    func quota(_ line: QuotaLine) -> String {
        if line.banned { return rejection(.banned) }
        let left = max(0, line.dailyLimit - line.usedToday)
        return "📊 Today: \(Self.number(line.usedToday)) of \(Self.number(line.dailyLimit)) used, \(Self.number(left)) left. "
            + "Waiting now: \(Self.number(line.pending)) of \(Self.number(line.maxQueued))."
    }

    func jobFailed(error: String) -> String {
        "😞 Sorry, that image could not be made (\(error)). Please try again."
    }

    var imageBlocked: String {
        "🙈 The safety filter flagged this image, so it was not sent. Try a different prompt or seed."
    }

    func unknownCommand(_ command: String) -> String {
        "❓ I do not know \(command). Try /help."
    }

    var stylesTitle: String { "🎨 Styles you can add to a prompt:" }
    func moreStyles(_ count: Int) -> String { "… and \(count) more" }
    func stylesUsage(example name: String) -> String {
        "Add one as <lora:NAME:0.8>, for example:\n/generate a market at dawn <lora:\(name):0.8>\n"
            + "The number is its strength (1 when left out); several can be combined."
    }

    var noStyles: String { "🎨 There are no styles to choose from yet." }

    static func span(_ seconds: Int) -> String {
        switch RetentionSpan(seconds: seconds) {
        case .days(let days): "\(days) days"
        case .hours(let hours): hours == 1 ? "1 hour" : "\(hours) hours"
        case .minutes(let minutes): minutes == 1 ? "1 minute" : "\(minutes) minutes"
        }
    }

    func privacy(_ line: PrivacyLine) -> String {
        let images = line.keepImagesSeconds <= 0
            ? "• Your images: not kept once they are sent; only their fingerprint (a hash) and size stay."
            : "• Your images: \(Self.span(line.keepImagesSeconds)) after they are sent, for 📄 Send as file. Then only their fingerprint (a hash) and size stay."
        return """
        🔒 What I keep about you, for how long, and why

        • Your prompts (and what to avoid): \(Self.span(line.keepPromptsSeconds)), so that 🎲 New seed and ➕ More steps can draw them again. Then they are erased.
        \(images)
        • Live previews: only while the image is being drawn.
        • Your language, and how many images you asked for each day: for the replies and the daily limit.

        They are used only to make and send your images, and the bot's logs never contain your prompts.

        🧹 /forget erases your prompts, images and settings now, and cancels your requests in progress. Photos already in this chat stay in Telegram: delete them there.
        """
    }

    var forgetConfirm: String {
        """
        🧹 This erases what I keep about you, for good: your prompts, your images and previews, and your settings. Your requests in progress are cancelled.

        Only what the limits need stays: how many images you asked for today (and a ban, if there is one). Photos already in this chat stay in Telegram.

        Press the button to confirm.
        """
    }

    var forgetButton: String { "🗑️ Yes, erase my data" }

    func forgotten(_ line: ForgetLine) -> String {
        if line.isEmpty { return "✅ Done: I had nothing of yours left to erase." }
        var parts = [Self.count(line.prompts, "prompt", "prompts"), Self.count(line.images, "image", "images")]
        if line.quotes > 0 { parts.append(Self.count(line.quotes, "reply that quoted you", "replies that quoted you")) }
        var text = "✅ Done. I erased " + Self.list(parts)
        if line.cancelled > 0 { text += ", cancelled " + Self.count(line.cancelled, "request in progress", "requests in progress") }
        if line.settings { text += ", and forgot your settings" }
        return text + "."
    }

    static func count(_ count: Int, _ one: String, _ many: String) -> String {
        count == 1 ? "1 \(one)" : "\(number(count)) \(many)"
    }

    static func list(_ parts: [String]) -> String {
        guard parts.count > 1, let last = parts.last else { return parts.first ?? "" }
        return parts.dropLast().joined(separator: ", ") + " and " + last
    }

    func stats(_ line: StatsLine) -> String {
        var queue = "📈 Queue: \(Self.number(line.queued)) waiting"
        if line.queued > 0 { queue += " (the oldest for \(line.oldestQueuedAge))" }
        queue += ", \(Self.number(line.rendering)) rendering, \(Self.number(line.rendered)) rendered, \(Self.number(line.delivering)) sending."
        return queue
            + "\nDelivered: \(Self.number(line.deliveredLastHour)) in the last hour, \(Self.number(line.deliveredLastDay)) in the last 24 hours."
            + "\nToday (UTC): \(Self.count(line.usersToday, "user", "users")), \(Self.number(line.failedToday)) failed."
    }

    func adminDone(_ line: AdminLine) -> String {
        let user = "User \(line.userID)"
        switch line.action {
        case .ban:
            guard line.changed else { return "🔨 \(user) was already banned." }
            var text = "🔨 \(user) is banned."
            if line.cancelled > 0 { text += " Cancelled " + Self.count(line.cancelled, "request in progress", "requests in progress") + "." }
            return text
        case .unban:
            return line.changed ? "🕊️ \(user) is no longer banned." : "🕊️ \(user) was not banned."
        case .quota:
            let daily = line.dailyLimit.map { Self.count($0, "image", "images") + " a day" } ?? "the default daily limit"
            let queued = line.maxQueued.map { "\(Self.number($0)) waiting at once" } ?? "the default waiting limit"
            return "📏 \(user): \(daily), \(queued)."
        }
    }

    func adminUsage(_ usage: AdminUsage) -> String {
        switch usage {
        case .ban: "Usage: reply to someone's message with /ban [reason], or /ban <user id> [reason]."
        case .unban: "Usage: reply to someone's message with /unban, or /unban <user id>."
        case .quota:
            "Usage: /quota <user id> <daily> <waiting>, or reply to someone's message with /quota <daily> <waiting>. "
                + "Each limit is a number from 0 to \(Self.number(AdminCommand.maxLimit)), or default."
        }
    }

    var notAllowed: String {
        "🔒 This is a private bot: it answers only the people it was set up for. Ask whoever runs it to add you."
    }

    func statusMessage(_ key: StatusKey) -> String {
        switch key {
        case .queued: "⏳ Queued."
        case .rendering(let step, let steps), .preview(let step, let steps): "🎨 Rendering… step \(step)/\(steps)"
        case .rendered: "📤 Rendered, sending…"
        case .delivered: "✅ Done."
        case .failed: "😞 Failed."
        case .cancelled: "🛑 Cancelled."
        }
    }

    var newSeedButton: String { "🎲 New seed" }
    var moreStepsButton: String { "➕ More steps" }
    var sendAsFileButton: String { "📄 Send as file" }
    var buttonQueued: String { "Queued ⏳" }
    var buttonSendingFile: String { "Sending the file 📄" }
    var buttonForgotten: String { "Erased 🧹" }

    var commands: [BotCommand] {
        [
            BotCommand(command: "generate", description: "Draw an image: /generate <description> [--no …] [--seed N]…"),
            BotCommand(command: "imagine", description: "Same as /generate"),
            BotCommand(command: "status", description: "Your requests in progress"),
            BotCommand(command: "cancel", description: "Cancel your queued requests"),
            BotCommand(command: "quota", description: "What is left today"),
            BotCommand(command: "styles", description: "Styles (LoRAs) to add to a prompt"),
            BotCommand(command: "privacy", description: "What the bot keeps about you, and for how long"),
            BotCommand(command: "forget", description: "Erase your prompts, images and settings"),
            BotCommand(command: "help", description: "How to use the bot"),
        ]
    }
}
