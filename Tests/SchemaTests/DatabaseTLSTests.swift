import Foundation
import Runtime
import Schema
import Testing
import TestSupport

/// `DATABASE_URL` reaches libpq unchanged, so a remote PostgreSQL is verified the way libpq
/// does it: `?sslmode=verify-full&sslrootcert=…` (README). The test server listens on a
/// Unix socket, where libpq uses no TLS, so what is checked here is that libpq reads the
/// parameters: valid ones connect, a bad sslmode is refused with libpq's own message.
@Suite struct DatabaseTLSTests {
    /// The test server's conninfo (`host=/tmp/… port=… dbname=…`) as a URI with `query` added.
    static func uri(adding query: String) throws -> String {
        let conninfo = try TestDatabase.baseConfiguration().connectionString.revealed
        var fields: [String: String] = [:]
        for pair in conninfo.split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        guard let host = fields["host"], let database = fields["dbname"] else {
            // Already a URI (someone else's server): add the parameters to it.
            return conninfo + (conninfo.contains("?") ? "&" : "?") + query
        }
        var uri = "postgresql://" + (fields["user"].map { $0 + "@" } ?? "") + "/" + database + "?host=" + host
        if let port = fields["port"] { uri += "&port=" + port }
        return uri + "&" + query
    }

    func connect(_ url: String) async throws -> PostgresConnection {
        var configuration = PostgresConfiguration(connectionString: url)
        configuration.schema = "tls_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        configuration.reconnectTimeout = .milliseconds(1)
        return try await PostgresConnection.connect(configuration)
    }

    @Test func aURLWithVerifyFullConnectsAsLibpqReadsIt() async throws {
        let connection = try await connect(try Self.uri(adding: "sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt"))
        let one = try await connection.query(SQLText(name: "tls_one", text: "SELECT 1 AS n")).first?.decode("n", as: Int.self)
        #expect(one == 1)
        await connection.close()
    }

    @Test func aBadSSLModeIsLibpqsError() async throws {
        do {
            let connection = try await connect(try Self.uri(adding: "sslmode=bogus"))
            await connection.close()
            Issue.record("sslmode=bogus connected: the URL did not reach libpq unchanged")
        } catch let error as PostgresError {
            #expect(error.code == .connectionFailed)
            #expect(error.message.contains("invalid sslmode value"), "\(error)")
        }
    }
}
