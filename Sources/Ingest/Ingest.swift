import ArgumentParser
import BotServices
import BotTokenizer
import Logging
import Metrics
import Prometheus
import Runtime
import Schema
import ServiceLifecycle
import StageSupport
import Telegram

@main
struct IngestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "Ingest",
        abstract: "Reads Telegram updates and writes them as job rows.",
        subcommands: [Run.self, MigrateCommand.self, PurgePromptsCommand.self],
        defaultSubcommand: Run.self)

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Long-poll Telegram (TELEGRAM_BOT_TOKEN, TELEGRAM_API_URL), or serve its webhook (INGEST_MODE=webhook), into PostgreSQL (DATABASE_URL) until SIGTERM or SIGINT.",
            discussion: "Settings: docs/telegram.md.")

        func run() async throws {
            let context = try StageContext(stage: "Ingest")
            let telegram = try TelegramConfiguration(environment: context.environment)
            let ingest = try IngestConfiguration(environment: context.environment)
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(DescribedMetricsFactory(registry: registry, describing: IngestMetrics.descriptions))
            let connection = try await context.connectAndMigrate()
            let tokenCounter = CLIPPromptTokenCounter()
            // The long poll holds its connection for the whole timeout: it gets its own client.
            let service = IngestService(
                connection: connection,
                pollClient: try TelegramClient(configuration: telegram, logger: context.logger),
                client: try TelegramClient(configuration: telegram, logger: context.logger),
                configuration: ingest, tokenCounter: tokenCounter, logger: context.logger)
            var services: [any Service] = [service]
            if ingest.metricsPort > 0 {
                services.append(MetricsEndpoint(port: UInt16(ingest.metricsPort), logger: context.logger) { registry.emitToString() })
            }
            try await context.run(services)
        }
    }
}
