import Foundation
import Logging

/// Keeps every log event (level, message and metadata rendered as text) for assertions
/// about what the stages write to their logs.
public final class LogCollector: @unchecked Sendable {
    public struct Line: Sendable {
        public var level: Logger.Level
        public var text: String
    }

    private let lock = NSLock()
    private var storage: [Line] = []

    public init() {}

    public var lines: [Line] { lock.withLock { storage } }

    func append(_ line: Line) { lock.withLock { storage.append(line) } }

    /// A logger that records every level, as `LOG_LEVEL=trace` would print.
    public func logger(label: String = "lienzo.tests") -> Logger {
        var logger = Logger(label: label) { _ in CollectingLogHandler(collector: self) }
        logger.logLevel = .trace
        return logger
    }

    /// Lines at `level` or above that contain `text`.
    public func lines(containing text: String, atLeast level: Logger.Level) -> [String] {
        lines.filter { $0.level >= level && $0.text.contains(text) }.map(\.text)
    }
}

private struct CollectingLogHandler: LogHandler {
    let collector: LogCollector
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        collector.append(.init(level: event.level, text: "\(event.level) \(event.message) \(merged) \(event.source)"))
    }
}
