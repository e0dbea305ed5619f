@testable import BotAPIEmulator
@testable import BotServices
import EmbeddedHTTP
import Foundation
import Logging
import Runtime
import Schema
import ServiceLifecycle
import Telegram
import Testing
import TestSupport

extension StageLaneA {
    /// Issue 13's webhooks through the real Ingest and the emulator, which POSTs updates
    /// as Telegram does: both modes and the switch between them, what the webhook refuses,
    /// idempotence on update_id, and an Ingest killed in the middle of a request.
    @Suite struct WebhookTests {
        static let secret = Secret("webhook-S3cret_for-tests")

        /// A port nothing listens on now (bound, read, closed).
        static func freePort() throws -> Int {
            let server = try HTTPServer(port: 0) { _ in .drop }
            defer { server.stop() }
            return Int(server.port)
        }

        static func webhookConfiguration(port: Int) -> IngestConfiguration {
            var configuration = StageHarness.ingestConfiguration()
            var webhook = WebhookConfiguration(url: "http://127.0.0.1:\(port)/telegram/webhook", secret: secret)
            webhook.port = port
            configuration.webhook = webhook
            return configuration
        }

        /// An Ingest of the harness's bot, on its own connection, until the returned stop.
        static func startIngest(
            _ bot: StageHarness, configuration: IngestConfiguration, logger: Logger = TestDatabase.testLogger
        ) async throws -> @Sendable () async -> Void {
            let connection = try await bot.database.connect()
            let service = IngestService(
                connection: connection, pollClient: try TelegramClient(configuration: bot.telegram, logger: logger),
                client: try TelegramClient(configuration: bot.telegram, logger: logger), configuration: configuration, logger: logger)
            let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: logger))
            let task = Task { try? await group.run() }
            return {
                await group.triggerGracefulShutdown()
                await task.value
                await connection.close()
            }
        }

        @Test func updatesArriveByWebhookThenByPollingAgain() async throws {
            let bot = try await StageHarness(render: false, ingest: false)
            bot.emulator.setWebhookRetryDelay(.milliseconds(50))
            let port = try Self.freePort()
            let stopWebhook = try await Self.startIngest(bot, configuration: Self.webhookConfiguration(port: port))
            try await bot.waitFor("the webhook") { $0.webhookURL != nil }
            bot.emulator.sendUserMessage("/help", from: bot.alice)
            bot.emulator.sendUserMessage("a red fox", from: bot.alice)
            try await bot.waitFor("both answers") { $0.sentMessages(inChat: 2001).count == 2 }
            await stopWebhook()
            #expect(bot.emulator.webhookURL == "http://127.0.0.1:\(port)/telegram/webhook")
            #expect(bot.emulator.requests(method: "getUpdates").isEmpty)
            #expect(bot.emulator.webhookDeliveries.allSatisfy { $0.secretToken == Self.secret.revealed })
            // The polling offset stays where polling left it (nowhere yet).
            #expect(try await bot.count("SELECT count(*) FROM telegram_offsets") == 0)

            // Telegram keeps the webhook: an update now finds nobody and waits...
            let waiting = bot.emulator.sendUserMessage("/quota", from: bot.alice)
            try await bot.waitFor("a failed delivery") { $0.webhookDeliveries.contains { $0.updateID == waiting.updateID && $0.status == 0 } }
            // ...until an Ingest that polls removes it and reads the update.
            let stopPolling = try await Self.startIngest(bot, configuration: StageHarness.ingestConfiguration())
            try await bot.waitFor("the quota") { $0.sentMessages(inChat: 2001).count == 3 }
            await stopPolling()
            await bot.stop()
            #expect(bot.emulator.webhookURL == nil)
            #expect(bot.emulator.snapshot.webhookDeletions >= 1)
            #expect(bot.texts(inChat: 2001).last?.hasPrefix("📊 Today: 1 of ") == true)
            #expect(try await bot.count("SELECT count(*) FROM telegram_updates") == 3)
            #expect(try await bot.count("SELECT count(*) FROM jobs") == 1)
        }

        @Test func theWebhookRefusesWhatIsNotTelegramsAndTakesEachUpdateOnce() async throws {
            let logs = LogCollector()
            _ = StageMetrics.registry
            let refusedBefore = StageMetrics.value(#"lienzo_webhook_requests_total{status="401"}"#)
            let port = try Self.freePort()
            let bot = try await StageHarness(render: false, ingestConfiguration: Self.webhookConfiguration(port: port), logger: logs.logger())
            try await bot.waitFor("the webhook") { $0.webhookURL != nil }
            let url = "http://127.0.0.1:\(port)/telegram/webhook"
            func post(_ body: String, secret: String?, method: String = "POST") -> Int {
                WebhookPoster.post(url: url, body: Data(body.utf8), secretToken: secret, timeout: .seconds(10), method: method).status
            }
            let update = #"{"update_id": 900001, "message": {"message_id": 7, "date": 1, "chat": {"id": 2001, "type": "private"}, "#
                + #""from": {"id": 2001, "is_bot": false, "first_name": "Alice", "language_code": "en"}, "text": "a blue heron"}}"#
            let sameLength = String(repeating: "x", count: Self.secret.revealed.count)
            #expect(post(update, secret: nil) == 401)
            #expect(post(update, secret: "wrong") == 401)
            #expect(post(update, secret: sameLength) == 401)
            #expect(post(update, secret: Self.secret.revealed, method: "GET") == 405)
            #expect(post("not json", secret: Self.secret.revealed) == 400)
            #expect(post(String(repeating: " ", count: 2 << 20), secret: Self.secret.revealed) == 413)
            // Telegram delivers again whatever it got no 200 for: the same update twice is one job.
            #expect(post(update, secret: Self.secret.revealed) == 200)
            #expect(post(update, secret: Self.secret.revealed) == 200)
            // 200 came after the commit: the rows are there now.
            await bot.stop()

            #expect(try await bot.count("SELECT count(*) FROM jobs WHERE update_id = 900001") == 1)
            #expect(try await bot.count("SELECT count(*) FROM outbox WHERE kind = 'queued'") == 1)
            #expect(StageMetrics.value(#"lienzo_webhook_requests_total{status="401"}"#) >= refusedBefore + 3)
            #expect(logs.lines(containing: "wrong or missing secret token", atLeast: .warning).count == 3)
            // The secret is in no log line, the wrong guesses neither.
            #expect(logs.lines.allSatisfy { !$0.text.contains(Self.secret.revealed) && !$0.text.contains(sameLength) })
            #expect(try await bot.count("SELECT count(*) FROM telegram_updates WHERE outcome LIKE '%" + "S3cret" + "%'") == 0)
        }

        @Test func connectionsPastTheBoundAreRefused() async throws {
            let port = try Self.freePort()
            var configuration = Self.webhookConfiguration(port: port)
            configuration.webhook?.maxConnections = 1
            let bot = try await StageHarness(render: false, deliver: false, ingestConfiguration: configuration)
            try await bot.waitFor("the webhook") { $0.webhookURL != nil }
            // Telegram's one connection and the four spare ones, all open and idle.
            var idle: [Int32] = []
            for _ in 0..<5 {
                let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
                var address = sockaddr_in()
                address.sin_family = sa_family_t(AF_INET)
                address.sin_port = UInt16(port).bigEndian
                address.sin_addr.s_addr = inet_addr("127.0.0.1")
                let connected = withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
                #expect(connected == 0)
                idle.append(fd)
            }
            try await Task.sleep(for: .milliseconds(200))
            let url = "http://127.0.0.1:\(port)/telegram/webhook"
            let refused = WebhookPoster.post(url: url, body: Data("{}".utf8), secretToken: Self.secret.revealed, timeout: .seconds(5))
            for fd in idle { close(fd) }
            try await Task.sleep(for: .milliseconds(200))
            let served = WebhookPoster.post(url: url, body: Data("{}".utf8), secretToken: Self.secret.revealed, timeout: .seconds(5))
            await bot.stop()
            #expect(refused.status == 503)
            // `{}` has no update_id: once a slot is free, the request is read and refused as no update.
            #expect(served.status == 400)
        }

        @Test func anIngestKilledMidRequestGetsTheUpdateAgainAndMakesOneJob() async throws {
            let bot = try await StageHarness(render: false, ingest: false)
            bot.emulator.setWebhookRetryDelay(.milliseconds(100))
            let port = try Self.freePort()
            let environment = StageHarness.processEnvironment(
                database: bot.database, emulator: bot.emulator, model: StageHarness.model,
                overrides: [
                    "INGEST_MODE": "webhook", "INGEST_WEBHOOK_URL": "http://127.0.0.1:\(port)/hook",
                    "INGEST_WEBHOOK_SECRET": Self.secret.revealed, "INGEST_WEBHOOK_PORT": "\(port)",
                ])
            let first = try StageProcess("Ingest", environment: environment)
            try await bot.waitFor("the webhook", timeout: .seconds(30)) { $0.webhookURL != nil }

            // The update's transaction waits on a lock the test holds, so Ingest is killed
            // after the request arrived and before its rows could commit.
            let locker = try await bot.database.connect()
            let request = try await locker.transaction { connection in
                try await connection.query(SQLText(name: "lock_updates", text: "LOCK TABLE telegram_updates IN ACCESS EXCLUSIVE MODE"))
                let request = bot.emulator.sendUserMessage("a lighthouse in the fog", from: bot.alice)
                let deadline = ContinuousClock.now + .seconds(20)
                while try await bot.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()") == 0 {
                    guard ContinuousClock.now < deadline else { throw TestFailure("Ingest never waited on the lock") }
                    try await Task.sleep(for: .milliseconds(50))
                }
                first.signal(SIGKILL)
                _ = await first.waitForExit(timeout: .seconds(5))
                return request
            }
            await locker.close()
            try await bot.waitFor("the delivery that got no answer") {
                $0.webhookDeliveries.contains { $0.updateID == request.updateID && $0.status != 200 }
            }
            let second = try StageProcess("Ingest", environment: environment)
            try await bot.waitFor("the acknowledgement", timeout: .seconds(30)) { $0.sentMessages(inChat: 2001).count == 1 }
            second.signal(SIGTERM)
            #expect(await second.waitForExit(timeout: .seconds(10)) == 0)
            await bot.stop()

            #expect(try await bot.count("SELECT count(*) FROM jobs") == 1)
            #expect(try await bot.count("SELECT count(*) FROM telegram_updates WHERE update_id = \(request.updateID) AND outcome = 'enqueued'") == 1)
            let deliveries = bot.emulator.webhookDeliveries.filter { $0.updateID == request.updateID }
            #expect(deliveries.first?.status != 200 && deliveries.last?.status == 200)
            #expect(!(first.log + second.log).contains(Self.secret.revealed))
        }
    }
}
