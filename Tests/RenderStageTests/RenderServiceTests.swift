import Foundation
import Logging
import RenderStage
import Schema
import ServiceLifecycle
import Testing
import TestSupport

@Suite struct RenderServiceTests {
    struct Harness {
        let db: TestDatabase
        let engine: StandInEngine
        let group: ServiceGroup
        let running: Task<Void, any Error>

        func stop() async throws {
            await group.triggerGracefulShutdown()
            try await running.value
        }
    }

    func start(_ db: TestDatabase, engine: StandInEngine, configure: (inout RenderConfiguration) -> Void = { _ in }) async throws -> Harness {
        var configuration = RenderConfiguration(owner: "test-renderer")
        configuration.gatherWindow = .milliseconds(20)
        configuration.pollInterval = .milliseconds(100)
        configuration.retry = RetryPolicy(baseSeconds: 0)
        configure(&configuration)
        let service = RenderService(engine: engine, queue: JobQueue(try await db.connect()), listener: try await db.connect(),
                                    configuration: configuration, logger: TestDatabase.testLogger)
        let group = ServiceGroup(services: [service], logger: TestDatabase.testLogger)
        return Harness(db: db, engine: engine, group: group, running: Task { try await group.run() })
    }

    /// Waits (on the table, never a fixed sleep) until no job is queued or rendering.
    func settle(_ db: TestDatabase, timeout: Duration = .seconds(20)) async throws -> [Int64: String] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let states = try await jobStatesByID(db)
            if !states.values.contains(where: { $0 == "queued" || $0 == "rendering" }) { return states }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("jobs did not settle: \(try await jobStatesByID(db))")
    }

    @Test func mixedKeysAreBatchedOnlyWithTheirOwnKeyInFIFOOrder() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        var ids: [Int64] = []
        for update in 1...10 {
            ids.append(try await db.queue.enqueueAccepted(
                Fixtures.request("p\(update)", steps: update % 2 == 0 ? 4 : 5), from: Fixtures.origin(update: Int64(update), user: Int64(update))))
        }
        let harness = try await start(db, engine: StandInEngine()) { $0.maxBatch = 3 }
        let states = try await settle(db)
        try await harness.stop()
        #expect(Set(states.values) == ["rendered"])
        let batches = harness.engine.batches
        #expect(batches.allSatisfy { Set($0.map(\.batchKey)).count == 1 })
        #expect(batches.allSatisfy { $0.count <= 3 })
        // Within a key, prompts come in the order they were enqueued.
        for steps in [4, 5] {
            let order = batches.flatMap { $0 }.filter { $0.steps == steps }.map(\.prompt)
            let expected = (1...10).filter { ($0 % 2 == 0 ? 4 : 5) == steps }.map { "p\($0)" }
            #expect(order == expected)
        }
        let png = try await db.connection.query(
            SQLText(name: "TestPNG", text: "SELECT image_png FROM jobs WHERE id = $1"), ids[0]).first?.decode("image_png", as: Data.self)
        #expect(png == Data("png:p1".utf8))
    }

    @Test func aPoisonJobFailsAloneAndARejectedJobFailsAtOnce() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let good1 = try await db.queue.enqueueAccepted(Fixtures.request("good one"), from: Fixtures.origin(update: 1, user: 1))
        let poison = try await db.queue.enqueueAccepted(Fixtures.request("poison"), from: Fixtures.origin(update: 2, user: 2))
        let rejected = try await db.queue.enqueueAccepted(Fixtures.request("reject me"), from: Fixtures.origin(update: 3, user: 3))
        let good2 = try await db.queue.enqueueAccepted(Fixtures.request("good two"), from: Fixtures.origin(update: 4, user: 4))
        let harness = try await start(db, engine: StandInEngine())
        let states = try await settle(db)
        try await harness.stop()
        #expect(states[good1] == "rendered" && states[good2] == "rendered")
        #expect(states[poison] == "failed" && states[rejected] == "failed")
        let attempts = try await db.connection.query(
            SQLText(name: "TestAttempts", text: "SELECT id, attempt, jsonb_array_length(errors) AS errors FROM jobs WHERE id = ANY($1::bigint[])"), [poison, rejected])
        for row in attempts {
            let id: Int64 = try row.decode("id")
            // The poison job used all 3 attempts; the rejected one failed on its first.
            #expect(try row.decode("attempt", as: Int.self) == (id == poison ? 3 : 1))
        }
        let notices = try await db.queue.claimOutbox(owner: "d", limit: 10, leaseSeconds: 60)
        #expect(Set(notices.compactMap(\.message.jobID)) == [poison, rejected])
    }

    @Test func gracefulShutdownReleasesABatchThatCannotFinishInTime() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let id = try await db.queue.enqueueAccepted(Fixtures.request(steps: 50), from: Fixtures.origin(update: 1))
        let harness = try await start(db, engine: StandInEngine(stepDelay: .milliseconds(50))) {
            $0.shutdownGrace = .milliseconds(200)
        }
        // Wait until the job is being rendered, then ask for shutdown. The test means
        // nothing unless the job was claimed: a job never claimed is also queued, attempt 0.
        let deadline = ContinuousClock.now + .seconds(10)
        var claimed: PostgresRow?
        while ContinuousClock.now < deadline {
            let row = try #require(try await db.connection.query(EmbeddedSQL.Queries.jobByID, id).first)
            if try row.decode("state", as: JobState.self) == .rendering { claimed = row; break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let rendering = try #require(claimed, "the job was never claimed within 10 s")
        #expect(try rendering.decode("attempt", as: Int.self) == 1)
        #expect(try rendering.decode("lease_owner", as: String?.self) == "test-renderer")
        try await harness.stop()
        let row = try #require(try await db.connection.query(EmbeddedSQL.Queries.jobByID, id).first)
        #expect(try row.decode("state", as: JobState.self) == .queued)
        #expect(try row.decode("attempt", as: Int.self) == 0, "a released job does not spend an attempt")
        // Released, not finished nor rescued: the lease is gone, no image was stored, no
        // error recorded (an expired lease or a failed render would leave one).
        #expect(try row.decode("lease_owner", as: String?.self) == nil)
        #expect(try row.decode("has_image", as: Bool.self) == false)
        #expect(try row.decode("errors", as: String.self) == "[]")
    }

    @Test func heartbeatsWriteProgressWhileRendering() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let id = try await db.queue.enqueueAccepted(Fixtures.request(steps: 40), from: Fixtures.origin(update: 1))
        let harness = try await start(db, engine: StandInEngine(stepDelay: .milliseconds(25))) {
            $0.progressInterval = .milliseconds(100)
        }
        var seen: Set<Int> = []
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            let row = try #require(try await db.connection.query(EmbeddedSQL.Queries.jobByID, id).first)
            let state = try row.decode("state", as: JobState.self)
            if state == .rendering { seen.insert(try row.decode("progress_step")) }
            if state == .rendered { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await harness.stop()
        #expect(seen.filter { $0 > 0 && $0 < 40 }.count >= 2, "progress seen mid-render: \(seen.sorted())")
    }

    /// Live previews: stored while the job renders (the newest replaces the one before, at
    /// the step it shows), never for the last step, and gone once the job is rendered.
    @Test func previewsAreStoredWhileRenderingAndDroppedAfter() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let id = try await db.queue.enqueueAccepted(Fixtures.request("a fox", steps: 40), from: Fixtures.origin(update: 1))
        let harness = try await start(db, engine: StandInEngine(stepDelay: .milliseconds(25))) {
            $0.progressInterval = .milliseconds(100)
            $0.previewInterval = .milliseconds(150)
        }
        let previewOf = SQLText(name: "TestPreview", text: "SELECT step, convert_from(png, 'UTF8') AS png, spoiler FROM job_previews WHERE job_id = $1")
        var seen: [Int: String] = [:]
        var spoilers: Set<Bool> = []
        var state = JobState.queued
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline, state != .rendered {
            let row = try #require(try await db.connection.query(EmbeddedSQL.Queries.jobByID, id).first)
            state = try row.decode("state", as: JobState.self)
            if let preview = try await db.connection.query(previewOf, id).first {
                seen[try preview.decode("step")] = try preview.decode("png")
                spoilers.insert(try preview.decode("spoiler"))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await harness.stop()
        #expect(state == .rendered)
        #expect(seen.count >= 2, "previews seen mid-render: \(seen.keys.sorted())")
        #expect(seen.allSatisfy { step, png in png == "preview \(step):a fox" && step < 40 })
        // The engine checks images and the policy blocks flagged ones: previews are spoilered.
        #expect(spoilers == [true])
        #expect(try await db.connection.query(previewOf, id).isEmpty)
    }

    /// /cancel of a job being rendered: its lease goes, the Renderer stops the batch at its
    /// next heartbeat (no batch-mate is left) and stores nothing.
    @Test func cancellingARenderingJobStopsItsRender() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let id = try await db.queue.enqueueAccepted(Fixtures.request(steps: 400), from: Fixtures.origin(update: 1, user: 77))
        let harness = try await start(db, engine: StandInEngine(stepDelay: .milliseconds(25))) { $0.progressInterval = .milliseconds(100) }
        let deadline = ContinuousClock.now + .seconds(20)
        while try await jobStatesByID(db)[id] != "rendering", ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        let cancelled = try await db.queue.cancel(userID: 77)
        #expect(cancelled.map(\.id) == [id] && cancelled.first?.wasRendering == true)
        while harness.engine.stepsReached.isEmpty || harness.engine.stepsReached.last == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        // The engine stops well before its 400 steps (10 s): at the next heartbeat.
        let stoppedBy = ContinuousClock.now + .seconds(5)
        var reached = harness.engine.stepsReached.last ?? 0
        while ContinuousClock.now < stoppedBy {
            try await Task.sleep(for: .milliseconds(300))
            let now = harness.engine.stepsReached.last ?? 0
            if now == reached { break }
            reached = now
        }
        try await harness.stop()
        #expect(reached < 400, "the render ran to its end")
        #expect(try await jobStatesByID(db)[id] == "cancelled")
        let image = SQLText(name: "TestCancelledImage", text: "SELECT image_png IS NULL AS none FROM jobs WHERE id = $1")
        #expect(try await db.connection.query(image, id).first?.decode("none", as: Bool.self) == true)
    }

    /// LIENZO_PREVIEW_INTERVAL=0 turns previews off.
    @Test func noPreviewsWhenTurnedOff() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let id = try await db.queue.enqueueAccepted(Fixtures.request(steps: 20), from: Fixtures.origin(update: 1))
        let harness = try await start(db, engine: StandInEngine(stepDelay: .milliseconds(25))) {
            $0.progressInterval = .milliseconds(50)
            $0.previewInterval = .zero
        }
        let stored = SQLText(name: "TestPreviewCount", text: "SELECT count(*) AS n FROM job_previews WHERE job_id = $1")
        var counts: Set<Int> = []
        let deadline = ContinuousClock.now + .seconds(20)
        while try await jobStatesByID(db)[id] != "rendered", ContinuousClock.now < deadline {
            counts.insert(try #require(try await db.connection.query(stored, id).first).decode("n"))
            try await Task.sleep(for: .milliseconds(20))
        }
        try await harness.stop()
        #expect(try await jobStatesByID(db)[id] == "rendered")
        #expect(counts == [0])
    }
}

func jobStatesByID(_ db: TestDatabase) async throws -> [Int64: String] {
    var states: [Int64: String] = [:]
    for row in try await db.connection.query(SQLText(name: "TestStates", text: "SELECT id, state::text FROM jobs")) {
        states[try row.decode("id")] = try row.decode("state")
    }
    return states
}
