import Foundation

/// One of the stage executables started as a real process (from this checkout's debug
/// build), for tests that kill or signal it. Output goes to a log file.
public final class StageProcess: @unchecked Sendable {
    public let process: Process
    public let logPath: String

    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Where this build's executables are: beside the running test bundle (so a build with
    /// `--scratch-path` tests its own binaries), else `.build/debug`.
    public static func binary(_ executable: String) -> String {
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let beside = runner.deletingLastPathComponent().appendingPathComponent(executable).path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return repositoryRoot.appendingPathComponent(".build/debug/" + executable).path
    }

    public convenience init(_ executable: String, arguments: [String] = [], environment: [String: String]) throws {
        let binary = Self.binary(executable)
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw TestFailure("\(binary) is missing: build first (scripts/test.sh runs swift build --build-tests)")
        }
        try self.init(path: binary, arguments: arguments, environment: environment)
    }

    /// One of this checkout's scripts, e.g. `scripts/run.sh`, in its own process group (as
    /// Foundation starts every child), so `signalGroup` plays the terminal's Ctrl-C.
    public convenience init(script: String, arguments: [String] = [], environment: [String: String]) throws {
        try self.init(path: Self.repositoryRoot.appendingPathComponent(script).path, arguments: arguments, environment: environment)
    }

    /// What the test types into the process, when it was started `typing: true`.
    public let input: FileHandle?

    /// - Parameter typing: give the process a pipe for standard input (`input`), as a
    ///   person at its terminal; otherwise it inherits the test runner's.
    public init(path binary: String, arguments: [String], environment: [String: String], typing: Bool = false) throws {
        let executable = URL(fileURLWithPath: binary).lastPathComponent
        logPath = ScratchFolder.base + "/\(executable)-\(UUID().uuidString.prefix(8)).log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = log
        process.standardError = log
        let pipe = typing ? Pipe() : nil
        if let pipe { process.standardInput = pipe }
        input = pipe?.fileHandleForWriting
        try process.run()
    }

    /// Types `text` into the process's standard input (started `typing: true`).
    public func type(_ text: String) {
        input?.write(Data(text.utf8))
    }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Signals the process's whole group, as a terminal does on Ctrl-C; only when the
    /// process leads a group of its own, so the test runner is never hit.
    public func signalGroup(_ signal: Int32) {
        let pid = process.processIdentifier
        guard getpgid(pid) == pid else {
            kill(pid, signal)
            return
        }
        kill(-pid, signal)
    }

    /// The exit status once the process has ended, or nil if it is still running at the deadline.
    /// Foundation learns of a child's exit from SIGCHLD and can miss it while another test
    /// runs a shell command; asking the kernel for this pid (`waitpid`) cannot, so both are asked.
    public func waitForExit(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus() { return status }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return exitStatus()
    }

    private let reaped = ReapedStatus()

    private func exitStatus() -> Int32? {
        if let status = reaped.value { return status }
        if !process.isRunning { return process.terminationStatus }
        var status: Int32 = 0
        guard waitpid(process.processIdentifier, &status, WNOHANG) == process.processIdentifier else { return nil }
        // WIFEXITED → WEXITSTATUS; killed by a signal → the signal number, as Foundation reports it.
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : status & 0x7f
        reaped.value = code
        return code
    }

    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    deinit {
        if reaped.value == nil, process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// The status `waitpid` returned, kept because a pid can be reaped only once.
private final class ReapedStatus: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int32?
    var value: Int32? {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
}
