import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes the conversation to a folder a person can browse: `transcript.log` with one
/// line per message, and each photo or document as `chat<id>_<message_id>_<name>`.
/// Failures to write are ignored: the folder is a convenience, never part of a test.
/// Public so the playground can add what the emulator does not see as a message (button
/// presses and their answers) to the same transcript.
public struct OutputFolder: Sendable {
    public let url: URL

    public init(_ url: URL) {
        self.url = url
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func write(_ message: SentMessage) {
        var line = "chat \(message.chatID) bot #\(message.messageID)"
        if message.deleted { return append(line + " deleted") }
        if message.editCount > 0 { line += " (edit \(message.editCount))" }
        if let text = message.text { line += ": \(text)" }
        if let file = message.file {
            let name = "chat\(message.chatID)_\(message.messageID)_\(Self.safeName(message.fileName))"
            try? file.write(to: url.appendingPathComponent(name))
            line += ": [\(message.method == "sendPhoto" ? "photo" : "document") \(name)]"
            if let caption = message.caption { line += " \(caption)" }
        }
        append(line)
    }

    func writeUserText(_ text: String, from user: EmulatedUser, chatID: Int64) {
        append("chat \(chatID) \(user.firstName): \(text)")
    }

    /// A line of the transcript that is no message, e.g. a button press or its answer.
    public func note(_ line: String) {
        append(line)
    }

    /// The uploaded file name reduced to `[A-Za-z0-9._-]`, so a name like `../../x`
    /// cannot write outside the folder.
    static func safeName(_ name: String?) -> String {
        let cleaned = String((name ?? "file").map { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) ? $0 : "_" })
        let trimmed = cleaned.drop { $0 == "." }
        return trimmed.isEmpty ? "file" : String(trimmed)
    }

    /// O_APPEND, so lines written at once from the server's threads and the playground's
    /// never land on one another.
    private func append(_ line: String) {
        let path = url.appendingPathComponent("transcript.log").path
        let bytes = Array((line.replacingOccurrences(of: "\n", with: "\n    ") + "\n").utf8)
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
    }
}
