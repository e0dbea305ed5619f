import ArgumentParser
import Schema
import StageSupport

@main
struct DeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Deliver",
        abstract: "Sends finished images and the outbox to Telegram.",
        subcommands: [Run.self, MigrateCommand.self, PurgePromptsCommand.self],
        defaultSubcommand: Run.self)

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect to PostgreSQL (DATABASE_URL), migrate, and run until SIGTERM or SIGINT.")

        func run() async throws {
            let context = try StageContext(stage: "Deliver")
            let connection = try await context.connectAndMigrate()
            let queue = JobQueue(connection)
            try await context.run([
                WaitForShutdownService(connection: connection, channels: [queue.channels.jobsRendered, queue.channels.outbox], logger: context.logger)
            ])
        }
    }
}
