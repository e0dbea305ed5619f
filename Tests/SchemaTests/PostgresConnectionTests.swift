import Foundation
import Schema
import Testing
import TestSupport

@Suite struct PostgresConnectionTests {
    static let echo = SQLText(name: "TestEcho", text: """
        SELECT $1::bigint AS i, $2::text AS t, $3::bytea AS b, $4::double precision AS d, $5::boolean AS f,
               NULL::text AS n, '2026-11-25 18:55:12.25+00'::timestamptz AS ts
        """)

    @Test func parametersRoundTripAsTypedValues() async throws {
        let db = try await TestDatabase.make()
        let bytes = Data((0...255).map { UInt8($0) })
        let hostile = "'); DROP TABLE jobs; -- ¿qué? 🎨 مرحبا"
        let row = try #require(try await db.connection.query(Self.echo, Int64.max, hostile, bytes, 0.125, true).first)
        #expect(try row.decode("i", as: Int64.self) == Int64.max)
        #expect(try row.decode("t", as: String.self) == hostile)
        #expect(try row.decode("b", as: Data.self) == bytes)
        #expect(try row.decode("d", as: Double.self) == 0.125)
        #expect(try row.decode("f", as: Bool.self) == true)
        #expect(try row.decode("n", as: String?.self) == nil)
        #expect(try row.decode("ts", as: Date.self) == Date(timeIntervalSince1970: 1_795_632_912.25))
        #expect(throws: PostgresError.self) { try row.decode("n", as: String.self) }
        #expect(throws: PostgresError.self) { try row.decode("missing", as: String.self) }
        let tables = try await db.connection.query(SQLText(name: "TestTables", text: "SELECT count(*) AS n FROM jobs"))
        #expect(try tables.first?.decode("n", as: Int.self) == 0)
    }

    @Test func aTextWithNULIsRefusedNotTruncated() async throws {
        let db = try await TestDatabase.make()
        await #expect(throws: PostgresError.self) {
            try await db.connection.query(Self.echo, 1, "before\u{0}after", Data(), 0.0, false)
        }
        // The connection is still usable afterwards.
        #expect(try await db.connection.query(Self.echo, 2, "ok", Data(), 0.0, false).count == 1)
    }

    @Test func serverErrorsCarrySQLStateAndQueryName() async throws {
        let db = try await TestDatabase.make()
        let broken = SQLText(name: "TestDivide", text: "SELECT 1 / $1::int AS x")
        do {
            try await db.connection.query(broken, 0)
            Issue.record("division by zero did not throw")
        } catch let error as PostgresError {
            #expect(error.sqlState == "22012")
            #expect(error.query == "TestDivide")
            #expect(error.description.contains("division by zero"))
        }
    }

    @Test func theURLPasswordNeverReachesAnError() async throws {
        let base = try TestDatabase.baseConfiguration()
        guard let host = base.connectionString.revealed.split(separator: " ").first(where: { $0.hasPrefix("host=") }) else {
            Issue.record("expected a conninfo with host=")
            return
        }
        var configuration = PostgresConfiguration(
            connectionString: "\(host) port=1 user=nobody password=hunter2-secret dbname=nowhere")
        configuration.reconnectTimeout = .milliseconds(1)
        do {
            _ = try await PostgresConnection.connect(configuration)
            Issue.record("connecting to port 1 succeeded")
        } catch {
            let text = "\(error) \(String(reflecting: error))"
            #expect(!text.contains("hunter2-secret"))
            #expect(text.contains("connectionFailed"))
        }
        #expect(!"\(configuration)".contains("hunter2"))
        let uri = PostgresConfiguration(connectionString: "postgresql://u:pa55word@localhost:1/db")
        #expect(!"\(uri)".contains("pa55word"))
    }

    @Test func aLibpqURIWorksAsWellAsAConninfoString() async throws {
        let base = try TestDatabase.baseConfiguration().connectionString.revealed
        // host=/tmp/x port=5 user=root dbname=lienzo → postgresql:///lienzo?host=/tmp/x&port=5&user=root
        var fields: [String: String] = [:]
        for pair in base.split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        let query = ["host", "port", "user"].compactMap { key in fields[key].map { "\(key)=\($0)" } }.joined(separator: "&")
        let uri = "postgresql:///\(fields["dbname"] ?? "postgres")?\(query)"
        let connection = try await PostgresConnection.connect(PostgresConfiguration(connectionString: uri, schema: "uri_test"))
        let row = try await connection.query(SQLText(name: "TestOne", text: "SELECT 1 AS one, current_schemas(false) AS path")).first
        #expect(try row?.decode("one", as: Int.self) == 1)
    }

    @Test func aTransactionRollsBackWhenItsBodyThrows() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        await #expect(throws: TestFailure.self) {
            try await db.connection.transaction { tx in
                _ = try await JobQueue(tx).enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: 7))
                throw TestFailure("abort")
            }
        }
        let count = try await db.connection.query(SQLText(name: "TestCount", text: "SELECT count(*) AS n FROM jobs"))
        #expect(try count.first?.decode("n", as: Int.self) == 0)
    }
}
