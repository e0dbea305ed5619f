import ArgumentParser
import Schema
import StageSupport

@main
struct RendererCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Renderer",
        abstract: "Claims queued jobs in micro-batches and renders them.",
        subcommands: [Run.self, MigrateCommand.self, PurgePromptsCommand.self],
        defaultSubcommand: Run.self)

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect to PostgreSQL (DATABASE_URL), migrate, and run until SIGTERM or SIGINT.")

        func run() async throws {
            let context = try StageContext(stage: "Renderer")
            let connection = try await context.connectAndMigrate()
            let queue = JobQueue(connection)
            try await context.run([
                WaitForShutdownService(connection: connection, channels: [queue.channels.jobsQueued], logger: context.logger),
                LeaseRescuerService(queue: JobQueue(try await context.connectAndMigrate()), logger: context.logger),
            ])
        }
    }
}
