import Schema
import Testing
import TestSupport

/// The LoRA list a Renderer publishes (table `loras`) and what Ingest reads of it.
@Suite struct LoraTests {
    static func lora(_ name: String, _ description: String = "", hash: String = "0123456789ab") -> PublishedLora {
        PublishedLora(name: name, description: description, shortHash: hash)
    }

    static func hide(_ name: String, model: String, in db: TestDatabase) async throws {
        try await db.connection.query(
            SQLText(name: "TestHideLora", text: "UPDATE loras SET hidden = true WHERE model = $1 AND name = $2"), model, name)
    }

    static func rows(_ db: TestDatabase) async throws -> [String] {
        let sql = SQLText(name: "TestLoraRows", text: """
            SELECT model || ' ' || name || ' ' || description || ' ' || short_hash || ' ' || hidden AS row
              FROM loras ORDER BY model, name
            """)
        return try await db.connection.query(sql).map { try $0.decode("row") }
    }

    @Test func aRepublishReplacesTheModelsListAndKeepsWhatOperatorsHid() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.publishLoras(model: "sd15", [Self.lora("muralismo", "Mexican murals"), Self.lora("papel_picado"), Self.lora("retablo")])
        try await db.queue.publishLoras(model: "sdxl", [Self.lora("muralismo", "the XL one")])
        try await Self.hide("papel_picado", model: "sd15", in: db)
        #expect(try await db.queue.visibleLoras(model: "sd15").map(\.name) == ["muralismo", "retablo"])

        // The Renderer restarts: muralismo is gone, papel_picado has a new file, arpillera is new.
        try await db.queue.publishLoras(model: "sd15", [
            Self.lora("retablo", "votive paintings"), Self.lora("papel_picado", "cut paper", hash: "ffffffffffff"), Self.lora("arpillera"),
        ])
        #expect(try await db.queue.visibleLoras(model: "sd15") == [Self.lora("arpillera"), Self.lora("retablo", "votive paintings")])
        #expect(try await Self.rows(db) == [
            "sd15 arpillera  0123456789ab false",
            "sd15 papel_picado cut paper ffffffffffff true",
            "sd15 retablo votive paintings 0123456789ab false",
            "sdxl muralismo the XL one 0123456789ab false",
        ])

        // An empty folder offers nothing; the other model keeps its list.
        try await db.queue.publishLoras(model: "sd15", [])
        #expect(try await db.queue.visibleLoras(model: "sd15").isEmpty)
        #expect(try await db.queue.visibleLoras(model: "sdxl") == [Self.lora("muralismo", "the XL one")])
    }

    @Test func namesAndDescriptionsTravelAsWritten() async throws {
        let db = try await TestDatabase.make()
        let odd = [Self.lora(#"a "quoted", {braced} name"#, "back\\slash, comma; ñandú 🎨"), Self.lora("dup", "first"), Self.lora("dup", "second")]
        try await db.queue.publishLoras(model: "m", odd)
        // A name listed twice keeps its first entry.
        #expect(try await db.queue.visibleLoras(model: "m") == [odd[0], odd[1]])
        // The hash is AUTOMATIC1111's: 12 lowercase hex digits.
        await #expect(throws: PostgresError.self) { try await db.queue.publishLoras(model: "m", [Self.lora("x", hash: "ABC")]) }
        #expect(try await db.queue.visibleLoras(model: "m").count == 2)
    }

    @Test func renderersPublishingTogetherTakeTurns() async throws {
        let db = try await TestDatabase.make()
        let lists = [["a", "b", "c"], ["c", "b", "d", "e"]].map { $0.map { Self.lora($0) } }
        let connections = [try await db.connect(), try await db.connect()]
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (connection, list) in zip(connections, lists) {
                group.addTask {
                    for _ in 0..<20 { try await JobQueue(connection).publishLoras(model: "m", list) }
                }
            }
            try await group.waitForAll()
        }
        for connection in connections { await connection.close() }
        let names = try await db.queue.visibleLoras(model: "m").map(\.name)
        #expect(names == ["a", "b", "c"] || names == ["b", "c", "d", "e"])
    }
}
