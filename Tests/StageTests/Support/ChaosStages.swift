import Foundation
import TestSupport

/// The three stage executables of a chaos run, each restarted after a SIGKILL; keeps
/// every process that ran, for their logs, and when each Deliver was killed.
final class ChaosStages {
    static let names = ["Ingest", "Renderer", "Deliver"]
    private let environment: [String: String]
    private(set) var running: [String: StageProcess] = [:]
    private(set) var everyProcess: [StageProcess] = []
    /// Wall-clock moments of Deliver's SIGKILLs: a photo Telegram accepted just before
    /// one may be sent again (the documented kill window).
    private(set) var deliverKills: [Date] = []
    /// Stages found already dead when their turn to be killed came: no stage may die of
    /// the faults on its own.
    private(set) var deaths: [String] = []

    init(environment: [String: String]) throws {
        self.environment = environment
        for name in Self.names { try start(name) }
    }

    /// SIGKILL (no shutdown code runs, as when the machine dies), then a fresh process.
    func killAndRestart(_ name: String) async throws {
        guard let stage = running[name] else { return }
        if let status = await stage.waitForExit(timeout: .zero) {
            deaths.append("\(name) (status \(status)): \(stage.log.suffix(1500))")
        }
        stage.signal(SIGKILL)
        if name == "Deliver" { deliverKills.append(Date()) }
        guard await stage.waitForExit(timeout: .seconds(10)) != nil else {
            throw TestFailure("\(name) survived SIGKILL")
        }
        try start(name)
    }

    /// SIGTERM to each; returns the stages that did not exit with status 0.
    func stop() async -> [String] {
        var unclean: [String] = []
        for (name, stage) in running {
            stage.signal(SIGTERM)
            if await stage.waitForExit(timeout: .seconds(30)) != 0 { unclean.append("\(name): \(stage.log.suffix(1500))") }
        }
        return unclean
    }

    /// Lines containing `text` over every process of `name` that ran.
    func logLines(of name: String, containing text: String) -> Int {
        everyProcess.filter { URL(fileURLWithPath: $0.process.executableURL?.path ?? "").lastPathComponent == name }
            .map { $0.log.components(separatedBy: "\n").filter { $0.contains(text) }.count }
            .reduce(0, +)
    }

    private func start(_ name: String) throws {
        let stage = try StageProcess(name, environment: environment)
        running[name] = stage
        everyProcess.append(stage)
    }
}
