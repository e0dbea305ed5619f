/// An error from the database layer. It carries the SQLSTATE and the server's message,
/// and the statement's name — never its parameters, and never the password of the URL.
public struct PostgresError: Error, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        let raw: String
        public var description: String { raw }

        /// Could not connect (or reconnect) to the server.
        public static let connectionFailed = Code(raw: "connectionFailed")
        /// The connection broke during a statement; whether it ran is unknown.
        public static let connectionLost = Code(raw: "connectionLost")
        /// The server answered with an error; see `sqlState`.
        public static let server = Code(raw: "server")
        /// A value in a result row did not decode into the requested Swift type.
        public static let decoding = Code(raw: "decoding")
        /// A migration file differs from the one recorded as applied.
        public static let migrationDrift = Code(raw: "migrationDrift")
        /// DATABASE_URL or another setting is not usable.
        public static let configuration = Code(raw: "configuration")
    }

    public var code: Code
    /// Five-character SQLSTATE, e.g. `23505` for a unique violation; nil when not from the server.
    public var sqlState: String?
    public var message: String
    /// The named query from sql/queries, when there is one.
    public var query: String?

    public init(_ code: Code, sqlState: String? = nil, message: String, query: String? = nil) {
        self.code = code
        self.sqlState = sqlState
        self.message = message
        self.query = query
    }

    public var description: String {
        var text = "PostgreSQL \(code)"
        if let sqlState { text += " [\(sqlState)]" }
        if let query { text += " in \(query)" }
        return text + ": " + message
    }

    public var debugDescription: String { description }

    /// Unique violation, check violation and the like: retrying the same input will not help.
    public var isIntegrityViolation: Bool { sqlState?.hasPrefix("23") == true }
    /// The server went away or was shut down; reconnecting and retrying may help.
    public var isConnectionProblem: Bool {
        code == .connectionLost || code == .connectionFailed || sqlState?.hasPrefix("08") == true
            || sqlState == "57P01" || sqlState == "57P02" || sqlState == "57P03"
    }
}
