import BotAPIEmulator
import Foundation

/// The chaos run's requests, drawn up front from the seed: `/generate` from twelve users
/// in their private chats and in two groups, sent in bursts of one to four (a burst is
/// what a micro-batch gathers), about five a second. Every request has the same batch
/// key, so batch-mates are never short; one of them carries the poison marker.
struct ChaosTraffic: Sendable {
    struct Message: Sendable {
        var text: String
        var user: EmulatedUser
        var chat: EmulatedChat?
        var poisoned: Bool
    }

    /// Bursts of messages, each sent after its pause.
    let bursts: [(pause: Duration, messages: [Message])]
    var duration: Duration { bursts.reduce(.zero) { $0 + $1.pause } }

    init(plan: inout ChaosPlan) {
        let users = (0..<12).map {
            EmulatedUser(id: 80_000 + Int64($0), firstName: "Caos\($0)", languageCode: $0 % 2 == 0 ? "es" : "en")
        }
        let groups = [EmulatedChat.group(id: -8_001, title: "Chaos A"), EmulatedChat.group(id: -8_002, title: "Chaos B")]
        var bursts: [(Duration, [Message])] = []
        var index = 0
        while index < plan.jobs {
            // The poisoned request goes out with three batch-mates.
            let poisonBurst = (index...(index + 3)).contains(plan.poisonedIndex)
            let size = min(plan.jobs - index, poisonBurst ? 4 : Int.random(in: 1...4, using: &plan.random))
            var messages: [Message] = []
            for number in index..<(index + size) {
                let user = users[number % users.count]
                let inGroup = Int.random(in: 0..<4, using: &plan.random) == 0
                let poisoned = number == plan.poisonedIndex
                let command = inGroup ? "/generate@lienzo_bot" : "/generate"
                let text = "\(command) chaos \(number)\(poisoned ? " " + plan.poisonMarker : "") --steps 2 --size 64x64 --seed \(number)"
                messages.append(Message(text: text, user: user, chat: inGroup ? groups[number % groups.count] : nil, poisoned: poisoned))
            }
            bursts.append((.milliseconds(200 * size), messages))
            index += size
        }
        self.bursts = bursts
    }

    /// Sends every burst at its pace; returns where each request was asked.
    func send(to emulator: BotAPIEmulator) async -> [ChaosRequest] {
        var requests: [ChaosRequest] = []
        for burst in bursts {
            try? await Task.sleep(for: burst.pause)
            for message in burst.messages {
                let sent = emulator.sendUserMessage(message.text, from: message.user, in: message.chat)
                let chatID = message.chat?.id ?? message.user.id
                requests.append(ChaosRequest(chatID: chatID, messageID: sent.messageID, poisoned: message.poisoned))
            }
        }
        return requests
    }
}
