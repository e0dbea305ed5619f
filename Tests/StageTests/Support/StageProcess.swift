import Foundation

/// A stage executable (.build/debug/Ingest, Deliver) run as a real child process, so a
/// test can kill it with SIGKILL at any moment.
final class StageProcess: @unchecked Sendable {
    static let buildDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/debug")

    let name: String
    let environment: [String: String]
    let logPath: String
    private var process: Process?
    private(set) var starts = 0

    init(_ name: String, environment: [String: String], logDirectory: String) {
        self.name = name
        self.environment = environment
        logPath = logDirectory + "/\(name).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
    }

    static func exists(_ name: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: buildDirectory.appendingPathComponent(name).path)
    }

    func start() throws {
        let process = Process()
        process.executableURL = Self.buildDirectory.appendingPathComponent(name)
        process.environment = environment
        let log = FileHandle(forWritingAtPath: logPath)
        log?.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        self.process = process
        starts += 1
    }

    /// SIGKILL: no shutdown code runs, as when the machine dies.
    func kill9() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM and wait: the graceful path.
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}
