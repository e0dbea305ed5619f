import Foundation
import Schema
import Testing
import TestSupport

/// A database made by the first wave (migrations up to 0005), holding work in every
/// stage, upgrades to the latest schema in place and the current queue carries on with it.
@Suite struct UpgradeTests {
    @Test func aWaveOneDatabaseUpgradesWithItsWork() async throws {
        var configuration = try TestDatabase.baseConfiguration()
        configuration.schema = "t_up_" + UUID().uuidString.prefix(8).lowercased()
        let connection = try await PostgresConnection.connect(configuration, logger: TestDatabase.testLogger)
        let waveOne = EmbeddedSQL.migrations.filter { $0.version <= 5 }
        #expect(try await Migrator(migrations: waveOne).migrate(connection) == [1, 2, 3, 4, 5])

        // Work as the first wave left it: queued jobs through its own enqueue_job, one of them
        // already rendered.
        let enqueue = SQLText(name: "TestEnqueueV5", text: """
            SELECT outcome, job_id FROM enqueue_job($1::bigint, $2::bigint, $2::bigint, $1::bigint * 10, 'es', $3::text, '', 'tiny', 64, 64, 4, 7.5, 42, 'euler', 3)
            """)
        var ids: [Int64] = []
        for (update, prompt) in [(1, "un faro en la tormenta"), (2, "a castle at dusk"), (3, "un gato")] {
            let row = try #require(try await connection.query(enqueue, Int64(update), Int64(900 + update), prompt).first)
            #expect(try row.decode("outcome", as: String.self) == "accepted")
            ids.append(try row.decode("job_id"))
        }
        // Rendered as the first wave's Renderer left it (today's queries need today's tables).
        let render = SQLText(name: "TestRenderV5", text: """
            UPDATE jobs SET state = 'rendered', attempt = 1, rendered_at = now(), image_png = '\\x8950'::bytea,
                            image_sha256 = sha256('\\x8950'::bytea), image_bytes = 2, progress_step = steps
             WHERE id = $1 RETURNING id
            """)
        #expect(try await connection.query(render, ids[0]).count == 1)
        let queue = JobQueue(connection)

        let applied = try await Migrator().migrate(connection)
        #expect(applied.first == 6 && applied.last == EmbeddedSQL.migrations.map(\.version).max())

        // The rendered job is delivered by today's Deliver queries; the queued ones render and
        // keep their prompts.
        let delivery = try #require(try await queue.claimDeliveries(owner: "now", limit: 5, leaseSeconds: 60).first)
        #expect(delivery.lease.jobID == ids[0] && delivery.request.prompt == "un faro en la tormenta" && !delivery.spoiler)
        #expect(try await queue.finishDeliveries([(delivery.lease, 77)]) == [ids[0]])
        let batch = try await queue.claimRenderBatch(owner: "now", model: "tiny", limit: 4, leaseSeconds: 60)
        #expect(batch.map(\.lease.jobID) == Array(ids[1...]))
        #expect(batch.map(\.request.prompt) == ["a castle at dusk", "un gato"])
        #expect(try await queue.finishRenders(batch.map { JobQueue.RenderResult(lease: $0.lease, png: Data([1])) }).count == 2)
        await connection.close()
    }
}
