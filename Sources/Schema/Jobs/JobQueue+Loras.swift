/// A LoRA a Renderer offers for its model (table `loras`): what `<lora:NAME>` names and
/// `/styles` lists.
public struct PublishedLora: Sendable, Equatable {
    /// The file's stem, as users type it in a tag.
    public var name: String
    /// One line for /styles; empty when the file says nothing.
    public var description: String
    /// AUTOMATIC1111's 12-hex "addnet" short hash, for the PNG's `Lora hashes:`.
    public var shortHash: String

    public init(name: String, description: String, shortHash: String) {
        self.name = name
        self.description = description
        self.shortHash = shortHash
    }
}

extension JobQueue {
    /// Replaces the LoRAs offered for `model` with `loras` (the Renderer, at start-up):
    /// new ones appear, gone ones disappear, and one an operator hid stays hidden. Other
    /// models' LoRAs are untouched. Runs its own transaction.
    public func publishLoras(model: String, _ loras: [PublishedLora]) async throws {
        try await connection.transaction { connection in
            try await connection.query(EmbeddedSQL.Queries.lockLoras, model)
            try await connection.query(
                EmbeddedSQL.Queries.publishLoras, model, PostgresTextArray(loras.map(\.name)),
                PostgresTextArray(loras.map(\.description)), PostgresTextArray(loras.map(\.shortHash)))
        }
    }

    /// The LoRAs of `model` users may name, by name; hidden ones are left out.
    public func visibleLoras(model: String) async throws -> [PublishedLora] {
        try await connection.query(EmbeddedSQL.Queries.visibleLoras, model).map { row in
            PublishedLora(name: try row.decode("name"), description: try row.decode("description"),
                          shortHash: try row.decode("short_hash"))
        }
    }
}
