import Bot
import BotAPIEmulator
@testable import BotServices
import Foundation
import Logging
import Runtime
import Schema
import ServiceLifecycle
import Telegram
import TestSupport

/// One test's whole bot: a fresh schema, the emulator on a free port, Ingest and Deliver
/// running as services (fast timings), and optionally a stand-in renderer.
final class StageHarness: Sendable {
    static let token = Secret("424242:TEST-stage-token_abc")
    static let model = "tiny"

    let database: TestDatabase
    let emulator: BotAPIEmulator
    let telegram: TelegramConfiguration
    let alice = EmulatedUser(id: 2001, firstName: "Alice", username: "alice", languageCode: "en")
    let bruno = EmulatedUser(id: 2002, firstName: "Bruno", username: "bruno", languageCode: "es-AR")
    private let group: ServiceGroup
    private let runTask: Task<Void, Never>
    private let renderer: StandInRenderer?
    private let connections: [PostgresConnection]

    static func limits() -> GenerationLimits {
        var limits = GenerationLimits()
        limits.model = model
        return limits
    }

    static func ingestConfiguration() -> IngestConfiguration {
        var configuration = IngestConfiguration()
        configuration.limits = limits()
        configuration.pollTimeout = 1
        configuration.maxBackoff = .milliseconds(200)
        return configuration
    }

    static func deliverConfiguration() -> DeliverConfiguration {
        var configuration = DeliverConfiguration()
        configuration.connections = 2
        configuration.chatInterval = 0
        configuration.groupInterval = 0
        configuration.globalRate = 10_000
        configuration.statusInterval = 0.05
        configuration.pollInterval = .milliseconds(200)
        configuration.rescueInterval = .seconds(1)
        configuration.databaseRetry = RetryPolicy(baseSeconds: 0.05, capSeconds: 0.2)
        configuration.retryPolicy = SendRetryPolicy(initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(200))
        return configuration
    }

    init(
        render: Bool = true, ingest: Bool = true, deliver: Bool = true,
        ingestConfiguration: IngestConfiguration = StageHarness.ingestConfiguration(),
        deliverConfiguration: DeliverConfiguration = StageHarness.deliverConfiguration(),
        unlimitedQuotas: Bool = true, logger: Logger = TestDatabase.testLogger, function: String = #function
    ) async throws {
        database = try await TestDatabase.make(function: function)
        if unlimitedQuotas { try await database.queue.setUnlimitedQuotas() }
        emulator = BotAPIEmulator(token: Self.token)
        try emulator.start()
        telegram = TelegramConfiguration(
            token: Self.token, apiURL: emulator.baseURL, connectTimeout: .seconds(2), requestTimeout: .seconds(5),
            longPollMargin: .seconds(2))
        var services: [any Service] = []
        var connections: [PostgresConnection] = []
        if ingest {
            let connection = try await database.connect()
            connections.append(connection)
            services.append(IngestService(
                connection: connection, pollClient: try TelegramClient(configuration: telegram, logger: logger),
                client: try TelegramClient(configuration: telegram, logger: logger), configuration: ingestConfiguration, logger: logger))
        }
        if deliver {
            services.append(try await Self.makeDeliver(
                database: database, telegram: telegram, configuration: deliverConfiguration, connections: &connections, logger: logger))
        }
        if render {
            // Shares the test's own connection: the stand-in uses no transactions.
            renderer = StandInRenderer(connection: database.connection, model: Self.model)
        } else {
            renderer = nil
        }
        self.connections = connections
        let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
        self.group = group
        runTask = Task { try? await group.run() }
    }

    static func makeDeliver(
        database: TestDatabase, telegram: TelegramConfiguration, configuration: DeliverConfiguration,
        connections: inout [PostgresConnection], logger: Logger = TestDatabase.testLogger
    ) async throws -> DeliverService {
        var senders: [(client: TelegramClient, connection: PostgresConnection)] = []
        for _ in 0..<configuration.connections {
            let connection = try await database.connect()
            connections.append(connection)
            senders.append((try TelegramClient(configuration: telegram, logger: logger), connection))
        }
        let dispatch = try await database.connect()
        let listen = try await database.connect()
        connections += [dispatch, listen]
        return DeliverService(
            connection: dispatch, listenConnection: listen, senders: senders, configuration: configuration,
            owner: "deliver-test", logger: logger)
    }

    /// A Deliver started later by the test, on the same database and emulator.
    func startLateDeliver() async throws -> (ServiceGroup, Task<Void, Never>) {
        var connections: [PostgresConnection] = []
        let service = try await Self.makeDeliver(
            database: database, telegram: telegram, configuration: Self.deliverConfiguration(), connections: &connections)
        let group = ServiceGroup(configuration: .init(services: [.init(service: service)], logger: TestDatabase.testLogger))
        return (group, Task { try? await group.run() })
    }

    /// Runs one text message through Ingest's update handler directly, as a re-read
    /// update would be; returns the outcome.
    func reHandle(updateID: Int64, text: String, from user: EmulatedUser) async throws -> String {
        let handler = UpdateHandler(
            connection: database.connection, router: MessageRouter(botUsername: "lienzo_bot", limits: Self.limits()),
            botID: 1, logger: TestDatabase.testLogger)
        let message = Message(
            messageID: 1, date: 1, chat: Chat(id: user.id, type: "private"),
            from: User(id: user.id, firstName: user.firstName, languageCode: user.languageCode), text: text)
        return try await handler.handle(Update(updateID: Int(updateID), message: message)).outcome
    }

    /// Graceful shutdown of the services, then the renderer and the emulator.
    func stop() async {
        await group.triggerGracefulShutdown()
        await runTask.value
        await renderer?.stop()
        emulator.stop()
        for connection in connections { await connection.close() }
    }

    // MARK: Conveniences

    /// The texts the bot sent to `chatID` (current versions, edits applied).
    func texts(inChat chatID: Int64) -> [String] {
        emulator.sentMessages(inChat: chatID).compactMap(\.text)
    }

    func waitFor(_ what: String, timeout: Duration = .seconds(10), _ predicate: @escaping @Sendable (EmulatorSnapshot) -> Bool) async throws {
        guard await emulator.waitUntil(timeout: timeout, predicate) else {
            throw TestFailure("timed out waiting for \(what); bot said: \(emulator.sentMessages.map { $0.text ?? $0.caption ?? $0.method })")
        }
    }

    /// Rows of an inspection query (tests may hold SQL).
    func rows(_ sql: String, _ binds: any PostgresEncodable...) async throws -> [PostgresRow] {
        try await database.connection.query(SQLText(name: "test_\(abs(sql.hashValue))", text: sql), binds: binds)
    }

    func count(_ sql: String, _ binds: any PostgresEncodable...) async throws -> Int {
        try await database.connection.query(SQLText(name: "test_\(abs(sql.hashValue))", text: sql), binds: binds)
            .first?.decode("count") ?? -1
    }

    /// Polls `SELECT state::text …` until it reads `target` or `timeout` passes; returns
    /// the last state read ("" while there is no row).
    func state(_ sql: String, reaching target: String, timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var state = ""
        repeat {
            state = try await rows(sql).first?.decode("state") ?? ""
            if state == target { break }
            try await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline
        return state
    }
}
