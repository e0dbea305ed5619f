import Foundation
import Logging

/// Keeps every log line (message and metadata, rendered as text) for assertions.
final class LogCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    var lines: [String] { lock.withLock { storage } }

    func append(_ line: String) { lock.withLock { storage.append(line) } }

    func logger(label: String = "lienzo.telegram.tests") -> Logger {
        var logger = Logger(label: label) { _ in CollectingLogHandler(collector: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct CollectingLogHandler: LogHandler {
    let collector: LogCollector
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        collector.append("\(event.level) \(event.message) \(merged) \(event.source) \(event.file)")
    }
}
