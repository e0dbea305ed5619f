import Foundation
import TestSupport

/// `promtool` (Debian's `prometheus` package, which scripts/install-packages.sh installs),
/// when it is on PATH: the stages' `/metrics` is linted with Prometheus's own tool.
enum Promtool {
    /// Its path, or nil when it is not installed (the tests that need it are then skipped,
    /// saying so, rather than passing).
    static let path: String? = {
        let directories = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
        return directories.map { "\($0)/promtool" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// `promtool check metrics` on `exposition`: nil when it passes, else its exit status and
    /// what it said (one line per complaint, e.g. `lienzo_renders_total no help text`).
    static func checkMetrics(_ exposition: String) async throws -> String? {
        guard let path else { throw TestFailure("promtool is not on PATH") }
        let base = ProcessInfo.processInfo.environment["LIENZO_TEST_TMP"] ?? NSTemporaryDirectory()
        let file = base + "/metrics-\(UUID().uuidString.prefix(8)).prom"
        try exposition.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        // Through StageProcess, whose wait asks waitpid: Foundation's own can miss an exit.
        let promtool = try StageProcess(
            path: "/bin/sh", arguments: ["-c", #"exec "$0" check metrics < "$1""#, path, file], environment: [:])
        defer { try? FileManager.default.removeItem(atPath: promtool.logPath) }
        guard let status = await promtool.waitForExit(timeout: .seconds(30)) else {
            promtool.signal(SIGKILL)
            return "promtool did not finish in 30 s"
        }
        let output = promtool.log.trimmingCharacters(in: .whitespacesAndNewlines)
        return status == 0 && output.isEmpty ? nil : "exit status \(status): \(output)"
    }
}
