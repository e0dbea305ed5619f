import Foundation
import Schema
import Testing
import TestSupport

/// The real Renderer executable with the tiny test model, killed and signalled.
@Suite(.serialized) struct RendererProcessTests {
    static let model = StageProcess.repositoryRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures/sd1-tiny").path

    func environment(_ db: TestDatabase, _ extra: [String: String] = [:]) -> [String: String] {
        [
            "DATABASE_URL": db.configuration.connectionString.revealed, "LIENZO_DB_SCHEMA": db.configuration.schema,
            "LIENZO_MODEL": Self.model, "LIENZO_METRICS_PORT": "0", "LIENZO_GATHER_WINDOW": "0",
            "LIENZO_MAX_BATCH": "2", "LIENZO_RENDER_LEASE": "3", "LIENZO_RESCUE_INTERVAL": "0.5", "LIENZO_RETRY_BASE": "0",
            "LIENZO_THREADS": "1", "LOG_LEVEL": "info", "LIENZO_PROGRESS_INTERVAL": "0.1", "LIENZO_SHUTDOWN_GRACE": "5",
        ].merging(extra) { $1 }
    }

    func enqueue(_ db: TestDatabase, count: Int, steps: Int = 20) async throws -> [Int64] {
        try await db.queue.setUnlimitedQuotas()
        var ids: [Int64] = []
        for n in 1...count {
            ids.append(try await db.queue.enqueueAccepted(
                RenderRequest(prompt: "a castle \(n)", model: Self.model, width: 128, height: 128, steps: steps, seed: Int64(n), sampler: "euler"),
                from: Fixtures.origin(update: Int64(n), user: Int64(n))))
        }
        return ids
    }

    func waitUntil(_ db: TestDatabase, timeout: Duration = .seconds(90), _ condition: (JobStatus) -> Bool) async throws -> [JobStatus] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let jobs = try await JobStatus.all(db)
            if let failed = jobs.first(where: { $0.state == "failed" }) { throw TestFailure("job failed: \(failed)") }
            if jobs.contains(where: condition) || (jobs.allSatisfy(condition) && !jobs.isEmpty) { return jobs }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw TestFailure("timed out; jobs: \(try await JobStatus.all(db))")
    }

    @Test func aKilledRenderersJobsAreRenderedExactlyOnceAfterARestart() async throws {
        let db = try await TestDatabase.make()
        let ids = try await enqueue(db, count: 4)
        let first = try StageProcess("Renderer", environment: environment(db))
        _ = try await waitUntil(db) { $0.state == "rendering" && $0.progressStep > 0 }
        first.signal(SIGKILL)
        #expect(await first.waitForExit(timeout: .seconds(10)) != nil)
        let killed = try await JobStatus.all(db).filter { $0.state == "rendering" }.map(\.id)
        #expect(!killed.isEmpty)

        let second = try StageProcess("Renderer", environment: environment(db))
        let deadline = ContinuousClock.now + .seconds(120)
        var jobs = try await JobStatus.all(db)
        while jobs.contains(where: { $0.state != "rendered" }), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
            jobs = try await JobStatus.all(db)
        }
        second.signal(SIGTERM)
        #expect(await second.waitForExit(timeout: .seconds(30)) == 0, "\(second.log.suffix(2000))")
        #expect(jobs.map(\.id) == ids)
        #expect(jobs.allSatisfy { $0.state == "rendered" && $0.imageBytes > 0 }, "\(jobs)")
        for job in jobs {
            // Killed mid-render: one expired lease, then rendered by the second process.
            let wasKilled = killed.contains(job.id)
            #expect(job.attempt == (wasKilled ? 2 : 1), "job \(job.id): \(job)")
            #expect(job.errors.contains("lease expired") == wasKilled)
        }
    }

    @Test func sigtermReleasesABatchThatCannotFinishWithinTheGrace() async throws {
        let db = try await TestDatabase.make()
        _ = try await enqueue(db, count: 2, steps: 60)
        let renderer = try StageProcess("Renderer", environment: environment(db, ["LIENZO_SHUTDOWN_GRACE": "0", "LIENZO_RENDER_LEASE": "60"]))
        _ = try await waitUntil(db) { $0.state == "rendering" && $0.progressStep > 0 }
        renderer.signal(SIGTERM)
        #expect(await renderer.waitForExit(timeout: .seconds(30)) == 0, "\(renderer.log.suffix(2000))")
        let jobs = try await JobStatus.all(db)
        #expect(jobs.allSatisfy { $0.state == "queued" && $0.attempt == 0 }, "\(jobs)")
        #expect(renderer.log.contains("released to the queue"))
    }

    @Test func aSecondSignalReleasesAtOnce() async throws {
        let db = try await TestDatabase.make()
        _ = try await enqueue(db, count: 1, steps: 150)
        let renderer = try StageProcess("Renderer", environment: environment(db, ["LIENZO_SHUTDOWN_GRACE": "600", "LIENZO_RENDER_LEASE": "60"]))
        _ = try await waitUntil(db) { $0.state == "rendering" && $0.progressStep > 0 }
        renderer.signal(SIGTERM)
        // Still rendering within its grace period…
        #expect(await renderer.waitForExit(timeout: .milliseconds(500)) == nil)
        renderer.signal(SIGINT)
        // …until the second signal hands the job back.
        #expect(await renderer.waitForExit(timeout: .seconds(30)) != nil, "\(renderer.log.suffix(2000))")
        let jobs = try await JobStatus.all(db)
        #expect(jobs.allSatisfy { $0.state == "queued" && $0.attempt == 0 }, "\(jobs)")
    }
}

struct JobStatus: Sendable, CustomStringConvertible {
    let id: Int64
    let state: String
    let attempt: Int
    let progressStep: Int
    let imageBytes: Int
    let errors: String

    var description: String { "#\(id) \(state) attempt \(attempt) step \(progressStep) \(errors)" }

    static func all(_ db: TestDatabase) async throws -> [JobStatus] {
        try await db.connection.query(SQLText(name: "TestJobStatus", text: """
            SELECT id, state::text, attempt, progress_step, COALESCE(image_bytes, 0) AS image_bytes, errors::text
              FROM jobs ORDER BY id
            """)).map {
            JobStatus(id: try $0.decode("id"), state: try $0.decode("state"), attempt: try $0.decode("attempt"),
                      progressStep: try $0.decode("progress_step"), imageBytes: try $0.decode("image_bytes"), errors: try $0.decode("errors"))
        }
    }
}
