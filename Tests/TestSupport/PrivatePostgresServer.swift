import Foundation

/// A PostgreSQL server of a test's own (scripts/pg-cluster.sh in a temp dir), for tests
/// that stop or restart the server and must not disturb the shared one.
public final class PrivatePostgresServer: Sendable {
    public let directory: String
    public let conninfo: String

    /// Commits survive an immediate restart only when acknowledged after their WAL
    /// write, which the fast settings (synchronous_commit off) skip.
    let durable: Bool

    /// - Parameter durable: keep synchronous_commit on, for tests that crash the server
    ///   and count what survived.
    public init(durable: Bool = false) throws {
        let base = ProcessInfo.processInfo.environment["LIENZO_TEST_TMP"] ?? NSTemporaryDirectory()
        directory = base + "/pg-" + UUID().uuidString.prefix(8)
        self.durable = durable
        conninfo = try Self.cluster("start", directory, fast: !durable).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    public func stop() throws { _ = try Self.cluster("stop", directory, fast: !durable) }
    public func start() throws { _ = try Self.cluster("start", directory, fast: !durable) }
    /// `pg_ctl restart -m immediate`: every connection is cut mid-statement and the
    /// server recovers from its WAL, as after a crash.
    public func crashAndRestart() throws { _ = try Self.cluster("crash", directory, fast: !durable) }

    deinit {
        _ = try? Self.cluster("stop", directory)
        try? FileManager.default.removeItem(atPath: directory)
    }

    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scripts/pg-cluster.sh").path

    /// Runs scripts/pg-cluster.sh and returns what it printed. Spawns bash and waits for
    /// that one pid rather than using Foundation's Process, whose waitUntilExit can miss the
    /// child's exit on Linux when the child leaves a daemon (the server) behind, or
    /// system(3), which meanwhile blocks SIGCHLD and ignores SIGINT/SIGQUIT for the whole
    /// test process (where other tests watch their stage processes exit).
    @discardableResult
    static func cluster(_ command: String, _ directory: String, fast: Bool = true) throws -> String {
        let outputPath = NSTemporaryDirectory() + "/pg-cluster-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        // Every part is a path of ours or a fixed word, quoted for the shell.
        let line = [fast ? "PG_FAST=1" : "PG_FAST=", "/bin/bash", quote(script), command, quote(directory), ">", quote(outputPath)]
            .joined(separator: " ")
        let status = try spawnAndWait(["/bin/bash", "-c", line])
        guard status == 0 else {
            throw TestFailure("pg-cluster.sh \(command) \(directory) failed with status \(status)")
        }
        return (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
    }

    /// posix_spawn + waitpid on the child's own pid; returns its exit status.
    private static func spawnAndWait(_ arguments: [String]) throws -> Int32 {
        var pid: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, arguments[0], nil, nil, &argv, environ)
        guard spawned == 0 else { throw TestFailure("cannot start \(arguments[0]): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 {
            guard errno == EINTR else { throw TestFailure("waitpid failed: errno \(errno)") }
        }
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    private static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
