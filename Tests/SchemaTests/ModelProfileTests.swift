import Schema
import Testing
import TestSupport

/// The profile a Renderer publishes for its model (table `model_profiles`) and what
/// Ingest reads of it.
@Suite struct ModelProfileTests {
    static let turbo = ModelProfile(
        kind: "turbo", defaultSteps: 1, maxSteps: 4, defaultGuidance: 0, minGuidance: 0, maxGuidance: 1,
        defaultSampler: "euler", samplers: ["euler", "euler_a", "lcm"], defaultWidth: 512, defaultHeight: 512)
    static let lcm = ModelProfile(
        kind: "lcm-lora", defaultSteps: 4, maxSteps: 8, defaultGuidance: 1, minGuidance: 1, maxGuidance: 2.5,
        defaultSampler: "lcm", samplers: ["lcm"], defaultWidth: 768, defaultHeight: 512)

    @Test func aProfileReadsBackAsPublishedAndARepublishReplacesIt() async throws {
        let db = try await TestDatabase.make()
        #expect(try await db.queue.profile(model: "sd-turbo") == nil)
        try await db.queue.publishProfile(model: "sd-turbo", Self.turbo)
        try await db.queue.publishProfile(model: "/models/lcm", Self.lcm)
        #expect(try await db.queue.profile(model: "sd-turbo") == Self.turbo)
        #expect(try await db.queue.profile(model: "/models/lcm") == Self.lcm)

        // The Renderer restarts with another override: one row, the new values, a newer time.
        let before = try await Self.publishedAt("sd-turbo", db)
        var changed = Self.turbo
        changed.defaultSteps = 2
        changed.defaultGuidance = 0.35
        changed.samplers = ["euler"]
        try await db.queue.publishProfile(model: "sd-turbo", changed)
        #expect(try await db.queue.profile(model: "sd-turbo") == changed)
        #expect(try await Self.publishedAt("sd-turbo", db) > before)
        #expect(try await db.queue.profile(model: "/models/lcm") == Self.lcm)
        #expect(try await db.queue.profile(model: "sd-turbo ") == nil)
    }

    @Test func theTableRefusesProfilesIngestCouldNotApply() async throws {
        let db = try await TestDatabase.make()
        func refused(_ change: (inout ModelProfile) -> Void) async -> String {
            var profile = Self.turbo
            change(&profile)
            do {
                try await db.queue.publishProfile(model: "m", profile)
                return "accepted"
            } catch {
                return "\(String(reflecting: error))"
            }
        }
        let cases: [(constraint: String, change: (inout ModelProfile) -> Void)] = [
            ("profile_kind_known", { $0.kind = "sdxl" }),
            ("profile_steps_ordered", { $0.defaultSteps = 0 }),
            ("profile_steps_ordered", { $0.defaultSteps = 5 }),
            ("profile_steps_ordered", { $0.maxSteps = 1001 }),
            ("profile_guidance_ordered", { $0.minGuidance = -1 }),
            ("profile_guidance_ordered", { $0.defaultGuidance = 1.5 }),
            ("profile_guidance_ordered", { $0.maxGuidance = .infinity }),
            ("profile_guidance_ordered", { $0.maxGuidance = .nan }),
            ("profile_samplers_are_names", { $0.samplers = ["euler", "Euler a"] }),
            ("profile_samplers_are_names", { $0.samplers = ["euler", "a,b"] }),
            ("profile_samplers_are_names", { $0.samplers = ["euler", ""] }),
            ("profile_default_sampler_offered", { $0.defaultSampler = "ddim" }),
            ("profile_default_sampler_offered", { $0.samplers = [] }),
            ("profile_size_multiple_of_8", { $0.defaultWidth = 500 }),
            ("profile_size_multiple_of_8", { $0.defaultHeight = 0 }),
        ]
        for (constraint, change) in cases {
            let answer = await refused(change)
            #expect(answer.contains(constraint), "\(constraint): \(answer)")
        }
        #expect(try await db.queue.profile(model: "m") == nil)
        #expect(await refused { $0.maxSteps = 1000 } == "accepted")
    }

    static func publishedAt(_ model: String, _ db: TestDatabase) async throws -> String {
        let sql = SQLText(name: "TestProfilePublishedAt", text: "SELECT to_char(published_at, 'YYYY-MM-DD HH24:MI:SS.US') AS at FROM model_profiles WHERE model = $1")
        return try await db.connection.query(sql, model).first?.decode("at") ?? ""
    }
}
