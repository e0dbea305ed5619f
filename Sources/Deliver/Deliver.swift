import ArgumentParser
import BotServices
import BotTokenizer
import Foundation
import Logging
import Runtime
import Schema
import StageSupport
import Telegram

@main
struct DeliverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Deliver",
        abstract: "Sends finished images and the outbox to Telegram.",
        subcommands: [Run.self, MigrateCommand.self, PurgePromptsCommand.self],
        defaultSubcommand: Run.self)

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send from PostgreSQL (DATABASE_URL) to Telegram (TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL) until SIGTERM or SIGINT.",
            discussion: "Settings: docs/telegram.md.")

        func run() async throws {
            let context = try StageContext(stage: "Deliver")
            let telegram = try TelegramConfiguration(environment: context.environment)
            let deliver = try DeliverConfiguration(environment: context.environment)
            let connection = try await context.connectAndMigrate()
            // Dispatcher, listener, and one database connection per sender.
            let listenConnection = try await context.connect()
            var senders: [(client: TelegramClient, connection: PostgresConnection)] = []
            for _ in 0..<deliver.connections {
                senders.append((
                    try TelegramClient(configuration: telegram, logger: context.logger),
                    try await context.connect()))
            }
            let owner = "deliver-\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)"
            let service = DeliverService(
                connection: connection, listenConnection: listenConnection, senders: senders,
                configuration: deliver, owner: owner, tokenCounter: CLIPPromptTokenCounter(),
                logger: context.logger)
            try await context.run([service])
        }
    }
}
