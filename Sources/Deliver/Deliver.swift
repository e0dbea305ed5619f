import ArgumentParser
import BotServices
import BotTokenizer
import Foundation
import Logging
import Metrics
import Prometheus
import Runtime
import Schema
import ServiceLifecycle
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
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(DescribedMetricsFactory(
                registry: registry,
                describing: DeliverMetrics.descriptions + RetentionService.descriptions + QueueGaugeService.descriptions))
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
            // Retention runs here, on a connection of its own: Deliver is the stage that
            // drops the PNGs after sending, so it also drops them (and the prompts) later.
            var services: [any Service] = [
                service,
                RetentionService(queue: JobQueue(try await context.connect()), policy: deliver.enforcedRetention, logger: context.logger),
            ]
            if deliver.metricsPort > 0 {
                // The queue gauges come from Deliver alone (see QueueGaugeService), on a
                // connection of their own, and only where someone scrapes them.
                services.append(QueueGaugeService(
                    queue: JobQueue(try await context.connect()), interval: deliver.queueMetricsInterval, logger: context.logger))
                services.append(MetricsEndpoint(port: UInt16(deliver.metricsPort), logger: context.logger) { registry.emitToString() })
            }
            try await context.run(services)
        }
    }
}
