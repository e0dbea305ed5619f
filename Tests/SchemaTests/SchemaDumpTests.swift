import Foundation
import Schema
import Testing
import TestSupport

/// sql/schema.sql is the schema the migrations add up to, in one readable place: this test
/// dumps a freshly migrated schema with pg_dump, normalised as scripts/schema.sh writes it,
/// and fails when the committed file has drifted (run scripts/schema.sh again).
@Suite struct SchemaDumpTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func committedSchemaMatchesTheMigrations() async throws {
        let db = try await TestDatabase.make()
        let url = try #require(ProcessInfo.processInfo.environment["DATABASE_URL"])
        let dump = try Self.run(Self.pgDump(), ["--schema-only", "--schema=\(db.configuration.schema)", "--no-owner", "--no-privileges", url])
        let live = Self.normalized(dump.replacingOccurrences(of: db.configuration.schema, with: "lienzo"))
        let committed = Self.normalized(try String(contentsOf: Self.repository.appendingPathComponent("sql/schema.sql"), encoding: .utf8))
        #expect(live.count > 100, "pg_dump printed \(live.count) lines")
        if let first = zip(live, committed).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            Issue.record("sql/schema.sql drifted from the migrations at line \(first.offset + 1): live «\(first.element.0)», committed «\(first.element.1)»; run scripts/schema.sh")
        } else {
            #expect(live.count == committed.count, "sql/schema.sql has \(committed.count) lines, the migrations make \(live.count); run scripts/schema.sh")
        }
    }

    /// As scripts/lib/normalize-schema-dump.sh: no comments, \restrict keys, session SETs or
    /// repeated blank lines.
    static func normalized(_ text: String) -> [String] {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("--") || line.hasPrefix("\\restrict") || line.hasPrefix("\\unrestrict") || line.hasPrefix("SET ")
                || line.hasPrefix("SELECT pg_catalog.set_config") { continue }
            if line.isEmpty, lines.last?.isEmpty == true { continue }
            lines.append(line)
        }
        while lines.first?.isEmpty == true { lines.removeFirst() }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    static func pgDump() throws -> String {
        if let bindir = try? run("/usr/bin/env", ["pg_config", "--bindir"]).trimmingCharacters(in: .whitespacesAndNewlines),
           FileManager.default.isExecutableFile(atPath: bindir + "/pg_dump") {
            return bindir + "/pg_dump"
        }
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        guard let newest = versions.compactMap(Int.init).max() else { throw TestFailure("no pg_dump found") }
        return "/usr/lib/postgresql/\(newest)/bin/pg_dump"
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestFailure("\(executable) exited with \(process.terminationStatus)") }
        return String(decoding: data, as: UTF8.self)
    }
}
