import ArgumentParser
import Schema

/// `<stage> migrate`: apply the migrations and exit (any stage can; they share sql/).
public struct MigrateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Apply the database migrations in sql/migrations and exit.")

    public init() {}

    public func run() async throws {
        let context = try StageContext(stage: "migrate")
        let connection = try await context.connectAndMigrate()
        await connection.close()
    }
}

/// `<stage> purge-prompts --older-than-days N`: retention for operators.
public struct PurgePromptsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "purge-prompts",
        abstract: "Blank the prompts (and drop any image bytes) of finished jobs older than N days.",
        discussion: "Counts, prompt and image hashes and timestamps stay for audits. Same as SQL: SELECT lienzo.purge_prompts(interval '30 days');")

    @Option(help: "Age in days of the finished jobs to purge.")
    var olderThanDays: Int = 30

    public init() {}

    public func validate() throws {
        guard olderThanDays >= 0 else { throw ValidationError("--older-than-days must be 0 or more") }
    }

    public func run() async throws {
        let context = try StageContext(stage: "purge")
        let connection = try await context.connectAndMigrate()
        let purged = try await JobQueue(connection).purgePrompts(olderThanDays: olderThanDays)
        context.logger.info("purged prompts", metadata: ["lienzo_jobs_purged": "\(purged)"])
        print("purged \(purged) job(s)")
        await connection.close()
    }
}
