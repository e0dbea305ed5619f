import CLibPQ
import Foundation
import Logging
import Runtime

/// One libpq connection, used by one task at a time.
///
/// Every libpq call runs on the connection's own `BlockingExecutor` thread, so a slow
/// query or a long `poll()` for notifications never blocks Swift's cooperative pool.
/// Statements are the named queries of `sql/queries`, prepared once per connection and
/// executed with parameters — SQL is never built from values.
///
/// When the server goes away, the statement that noticed throws `connectionLost` and the
/// next call reconnects, waiting with exponential backoff between attempts. A lost
/// connection inside a transaction is never silently replaced: the transaction throws.
public final class PostgresConnection: @unchecked Sendable {
    public let configuration: PostgresConfiguration
    let logger: Logger
    private let executor: BlockingExecutor

    // Only touched on the executor's thread (or before it is shared, in init/deinit).
    private var handle: OpaquePointer?
    private var preparedNames: Set<String> = []
    private var listening: Set<String> = []
    private var inTransaction = false
    /// The connection's own thread as a task executor: a loop that only works this
    /// connection can run there (`addTask(executorPreference:)`) and skip the thread hop
    /// each statement otherwise costs.
    public var taskExecutor: any TaskExecutor { executor }

    /// How many times this connection has (re)connected; tests and listeners read it.
    public private(set) var connectCount = 0

    private init(configuration: PostgresConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.executor = BlockingExecutor(name: "postgres")
    }

    deinit {
        if let handle { PQfinish(handle) }
    }

    /// Connects (retrying with backoff while the server is unreachable) and configures the
    /// session: search_path = the configured schema, TimeZone = UTC.
    public static func connect(
        _ configuration: PostgresConfiguration, logger: Logger = Logger(label: "lienzo.postgres")
    ) async throws -> PostgresConnection {
        let connection = PostgresConnection(configuration: configuration, logger: logger)
        try await connection.ensureConnected()
        return connection
    }

    /// Runs one named query and returns its rows.
    @discardableResult
    public func query(_ sql: SQLText, _ binds: any PostgresEncodable...) async throws -> [PostgresRow] {
        try await query(sql, binds: binds)
    }

    @discardableResult
    public func query(_ sql: SQLText, binds: [any PostgresEncodable]) async throws -> [PostgresRow] {
        let values = binds.map(\.postgresBind)
        // One hop to the executor: connect there if needed (never inside a transaction,
        // whose statements must all run on the session that began it).
        let reconnect = !inTransaction
        do {
            return try await executor.run {
                if reconnect { try self.connectIfNeeded() }
                return try self.executePrepared(sql, values)
            }
        } catch let error as PostgresError where error.code == .connectionFailed && reconnect {
            try await ensureConnected()
            return try await executor.run { try self.executePrepared(sql, values) }
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await ensureConnected()
        try await executor.run { try self.executeSimple("BEGIN") }
        inTransaction = true
        defer { inTransaction = false }
        do {
            let result = try await body(self)
            try await executor.run { try self.executeSimple("COMMIT") }
            return result
        } catch {
            _ = try? await executor.run { try self.executeSimple("ROLLBACK") }
            throw error
        }
    }

    /// Runs a script of several statements with no parameters (migrations).
    func executeScript(_ sql: String, name: String) async throws {
        try await executor.run { try self.executeSimple(sql, name: name) }
    }

    public func close() async {
        _ = try? await executor.run {
            if let handle = self.handle { PQfinish(handle) }
            self.handle = nil
        }
    }

    // MARK: Connecting

    /// Returns at once when connected; else reconnects, waiting between failed attempts.
    func ensureConnected() async throws {
        var backoff = Backoff(initial: configuration.initialBackoff, max: configuration.maxBackoff)
        let started = ContinuousClock.now
        while true {
            do {
                try await executor.run { try self.connectIfNeeded() }
                return
            } catch let error as PostgresError where error.code == .connectionFailed {
                if let limit = configuration.reconnectTimeout, ContinuousClock.now - started > limit {
                    throw error
                }
                let wait = backoff.next()
                logger.debug("PostgreSQL unreachable, retrying", metadata: [
                    LogKey.error: "\(error.message)", "lienzo_backoff": "\(wait)",
                ])
                try await Task.sleep(for: wait)
            }
        }
    }

    private func connectIfNeeded() throws {
        if let handle, PQstatus(handle) == CONNECTION_OK { return }
        if let handle { PQfinish(handle) }
        handle = nil
        preparedNames = []

        let conn = connectdb([
            ("dbname", configuration.connectionString.revealed),
            ("application_name", configuration.applicationName),
            ("connect_timeout", "10"),
        ])
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            if let conn { PQfinish(conn) }
            throw PostgresError(.connectionFailed, message: configuration.redact(clean(message)))
        }
        // Server notices ("schema already exists, skipping") would go to stderr; drop them.
        PQsetNoticeProcessor(conn, { _, _ in }, nil)
        handle = conn
        connectCount += 1
        if connectCount > 1 { logger.notice("reconnected to PostgreSQL", metadata: ["lienzo_connects": "\(connectCount)"]) }
        _ = try executePrepared(EmbeddedSQL.Queries.configureSession, [.text(configuration.schema)])
        for channel in listening.sorted() { try executeSimple("LISTEN " + quoted(channel)) }
    }

    /// PQconnectdbParams with `dbname` expanded, so a URI or conninfo string works there.
    private func connectdb(_ parameters: [(String, String)]) -> OpaquePointer? {
        let keys = parameters.map { strdup($0.0) }
        let values = parameters.map { strdup($0.1) }
        defer { (keys + values).forEach { free($0) } }
        let keyPointers = keys.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        return PQconnectdbParams(keyPointers, valuePointers, 1)
    }

    // MARK: Executing (executor thread only)

    private func executePrepared(_ sql: SQLText, _ binds: [PostgresBind]) throws -> [PostgresRow] {
        let conn = try liveHandle(sql.name)
        if !preparedNames.contains(sql.name) {
            let prepared = PQprepare(conn, sql.name, sql.text, 0, nil)
            defer { PQclear(prepared) }
            try check(prepared, query: sql.name)
            preparedNames.insert(sql.name)
        }
        let result = try withParameters(binds, query: sql.name) { values, lengths, formats in
            PQexecPrepared(conn, sql.name, Int32(binds.count), values, lengths, formats, 0)
        }
        defer { PQclear(result) }
        try check(result, query: sql.name)
        return rows(of: result)
    }

    private func executeSimple(_ sql: String, name: String? = nil) throws {
        let conn = try liveHandle(name)
        let result = PQexec(conn, sql)
        defer { PQclear(result) }
        try check(result, query: name)
    }

    private func liveHandle(_ query: String?) throws -> OpaquePointer {
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(.connectionLost, message: "not connected", query: query)
        }
        return handle
    }

    private func withParameters(
        _ binds: [PostgresBind], query: String,
        _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> OpaquePointer?
    ) throws -> OpaquePointer? {
        var buffers: [UnsafeMutablePointer<CChar>?] = []
        defer { buffers.forEach { $0?.deallocate() } }
        var lengths: [Int32] = []
        var formats: [Int32] = []
        for bind in binds {
            switch bind {
            case .null:
                buffers.append(nil); lengths.append(0); formats.append(0)
            case .text(let text):
                let utf8 = Array(text.utf8)
                // A NUL would silently cut the value short in C; refuse rather than truncate.
                guard !utf8.contains(0) else {
                    throw PostgresError(.server, sqlState: "22021", message: "text parameter contains a NUL character", query: query)
                }
                buffers.append(copy(utf8, terminated: true)); lengths.append(Int32(utf8.count)); formats.append(0)
            case .binary(let bytes):
                buffers.append(copy(bytes, terminated: false)); lengths.append(Int32(bytes.count)); formats.append(1)
            }
        }
        let values = buffers.map { UnsafePointer($0) }
        return values.withUnsafeBufferPointer { v in
            lengths.withUnsafeBufferPointer { l in
                formats.withUnsafeBufferPointer { f in
                    body(v.baseAddress, l.baseAddress, f.baseAddress)
                }
            }
        }
    }

    private func copy(_ bytes: [UInt8], terminated: Bool) -> UnsafeMutablePointer<CChar> {
        let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
        bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress { UnsafeMutableRawPointer(buffer).copyMemory(from: base, byteCount: bytes.count) }
        }
        buffer[bytes.count] = 0
        return buffer
    }

    private func check(_ result: OpaquePointer?, query: String?) throws {
        let status = result.map(PQresultStatus) ?? PGRES_FATAL_ERROR
        if status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK { return }
        let sqlState = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "C"))) }.map { String(cString: $0) }
        // Every error the server sends has a SQLSTATE; one without is libpq's own, which
        // means the socket failed ("server closed the connection unexpectedly" after an
        // immediate shutdown) even while PQstatus still says CONNECTION_OK.
        if let handle, PQstatus(handle) != CONNECTION_OK || sqlState == nil {
            let message = String(cString: PQerrorMessage(handle))
            PQfinish(handle)
            self.handle = nil
            preparedNames = []
            throw PostgresError(.connectionLost, message: configuration.redact(clean(message)), query: query)
        }
        let primary = result.flatMap { PQresultErrorField($0, Int32(UInt8(ascii: "M"))) }.map { String(cString: $0) }
        let message = primary ?? handle.map { String(cString: PQerrorMessage($0)) } ?? "unknown error"
        throw PostgresError(.server, sqlState: sqlState, message: configuration.redact(clean(message)), query: query)
    }

    private func rows(of result: OpaquePointer?) -> [PostgresRow] {
        guard let result else { return [] }
        let columnCount = PQnfields(result)
        let rowCount = PQntuples(result)
        guard columnCount > 0 else { return [] }
        let index = PostgresRow.ColumnIndex(names: (0..<columnCount).map { String(cString: PQfname(result, $0)) })
        var rows: [PostgresRow] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var cells: [String?] = []
            cells.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                cells.append(PQgetisnull(result, row, column) == 1 ? nil : String(cString: PQgetvalue(result, row, column)))
            }
            rows.append(PostgresRow(columns: index, cells: cells))
        }
        return rows
    }

    private func clean(_ message: String) -> String {
        message.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: LISTEN / NOTIFY

    /// Subscribes this connection to `channel`; kept across reconnects. The channel is
    /// remembered before the LISTEN, so a connection lost meanwhile is no error: the next
    /// reconnect subscribes again (a stage started while PostgreSQL restarted died here).
    public func listen(_ channel: String) async throws {
        try await executor.run { self.listening.insert(channel) }
        do {
            try await ensureConnected()
            try await executor.run { try self.executeSimple("LISTEN " + self.quoted(channel)) }
        } catch let error as PostgresError where error.isConnectionProblem {
            logger.debug("LISTEN deferred to the reconnect", metadata: [LogKey.error: "\(error)"])
        }
    }

    /// Waits up to `timeout` for notifications on the channels listened to. Returns the
    /// ones received (empty on timeout). After a lost connection it reconnects and
    /// re-subscribes on the next call; notifications sent meanwhile are lost, so callers
    /// treat any return as "look at the table" and poll as a fallback.
    public func waitForNotifications(timeout: Duration) async throws -> [PostgresNotification] {
        try await ensureConnected()
        let milliseconds = Int32(clamping: max(timeout.milliseconds, 0))
        return try await executor.run {
            let conn = try self.liveHandle(nil)
            var received = self.drainNotifications(conn)
            if !received.isEmpty { return received }
            var descriptor = pollfd(fd: PQsocket(conn), events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 {
                if PQconsumeInput(conn) == 0 || PQstatus(conn) != CONNECTION_OK {
                    let message = String(cString: PQerrorMessage(conn))
                    PQfinish(conn)
                    self.handle = nil
                    self.preparedNames = []
                    throw PostgresError(.connectionLost, message: self.configuration.redact(self.clean(message)))
                }
                received = self.drainNotifications(conn)
            }
            return received
        }
    }

    private func drainNotifications(_ conn: OpaquePointer) -> [PostgresNotification] {
        var received: [PostgresNotification] = []
        while let notify = PQnotifies(conn) {
            received.append(PostgresNotification(
                channel: String(cString: notify.pointee.relname),
                payload: String(cString: notify.pointee.extra)))
            PQfreemem(notify)
        }
        return received
    }

    /// A channel name as a quoted identifier (channel names are ours, never user data).
    private func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

public struct PostgresNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String

    public init(channel: String, payload: String) {
        self.channel = channel
        self.payload = payload
    }
}
