import Bot
import Schema

/// Whether the LoRAs a request names are on offer: the model's published LoRAs that an
/// operator did not hide (table `loras`, written by the Renderer). The router already
/// checked the tags' syntax, count and weights without I/O; this part needs the database.
extension UpdateHandler {
    /// The refusal of each request, in order; nil where every LoRA it names is on offer.
    /// The list is read once for all of them, and only when one names a LoRA, so a run of
    /// plain prompts costs no query and a run with tags costs one.
    func loraRefusals(_ requests: [RenderRequest], connection: PostgresConnection) async throws -> [Rejection?] {
        let named = requests.map { GenerationLimits.loras(in: $0.prompt) }
        guard named.contains(where: { !$0.isEmpty }) else { return named.map { _ in nil } }
        let visible = Set(try await JobQueue(connection).visibleLoras(model: router.limits.model).map(\.name))
        return named.map { GenerationLimits.unknownLora(in: $0, visible: visible) }
    }

    func loraRefusal(_ request: RenderRequest, connection: PostgresConnection) async throws -> Rejection? {
        try await loraRefusals([request], connection: connection).first ?? nil
    }
}
