import Runtime

/// Where the database is and which schema Lienzo's tables live in.
///
/// Environment: `DATABASE_URL` (a libpq URI `postgresql://user:pw@host/db` or a conninfo
/// string `host=/tmp port=5432 dbname=lienzo`; empty means libpq's PG* variables) and
/// `LIENZO_DB_SCHEMA` (default `lienzo`).
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// Kept secret: a URL may hold a password.
    public var connectionString: Secret
    public var schema: String
    /// Waits between reconnection attempts grow from `initialBackoff` to `maxBackoff`.
    public var initialBackoff: Duration = .milliseconds(100)
    public var maxBackoff: Duration = .seconds(5)
    /// Give up reconnecting after this long without success (nil: keep trying until cancelled).
    public var reconnectTimeout: Duration? = nil
    /// Name shown in pg_stat_activity.application_name.
    public var applicationName: String = "lienzo"

    public init(connectionString: String, schema: String = "lienzo") {
        self.connectionString = Secret(connectionString)
        self.schema = schema
    }

    public init(environment: Environment) throws {
        self.init(connectionString: environment["DATABASE_URL"] ?? "",
                  schema: environment.string("LIENZO_DB_SCHEMA", default: "lienzo"))
        guard !schema.isEmpty, schema.count <= 63 else {
            throw ConfigurationError("LIENZO_DB_SCHEMA must be 1 to 63 characters")
        }
    }

    /// Safe to log: the connection string is not shown.
    public var description: String { "PostgreSQL(schema: \(schema))" }

    /// Removes the password of a URL or conninfo string from text libpq produced.
    func redact(_ text: String) -> String {
        var result = connectionString.redact(in: text)
        for password in passwords() { result = Secret(password).redact(in: result) }
        return result
    }

    private func passwords() -> [String] {
        let raw = connectionString.revealed
        var found: [String] = []
        // URI form: scheme://user:password@host
        if let schemeEnd = raw.range(of: "://") {
            let rest = raw[schemeEnd.upperBound...]
            if let at = rest.firstIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
                found.append(String(rest[rest.index(after: colon)..<at]))
            }
        }
        // conninfo form and URI query form: password=...
        for separator in [" ", "&", "?"] {
            for part in raw.split(separator: Character(separator)) where part.hasPrefix("password=") {
                found.append(String(part.dropFirst("password=".count)))
            }
        }
        return found.filter { !$0.isEmpty }
    }
}
