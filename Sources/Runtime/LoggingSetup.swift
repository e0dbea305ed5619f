import Foundation
import Logging

/// Metadata keys used across the stages, prefixed so they never collide with a library's.
public enum LogKey {
    public static let jobID = "lienzo_job_id"
    public static let chatID = "lienzo_chat_id"
    public static let updateID = "lienzo_update_id"
    public static let worker = "lienzo_worker"
    public static let stage = "lienzo_stage"
    public static let error = "lienzo_error"
}

public enum LoggingSetup {
    /// Stream logs to stderr at the level named by `LOG_LEVEL` (default `info`).
    public static func bootstrap(environment: Environment = Environment()) {
        let level = environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

extension LoggingSetup {
    private static let once: Void = bootstrap()

    /// `bootstrap` may run only once per process; stages and tests call this instead.
    public static func bootstrapOnce() {
        _ = once
    }
}
