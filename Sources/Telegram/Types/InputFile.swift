import Foundation

/// A file to send: new bytes uploaded as multipart/form-data, or the `file_id` of a file
/// Telegram already has (resending costs no upload).
public enum InputFile: Sendable, Equatable {
    case upload(data: Data, fileName: String, contentType: String)
    case fileID(String)

    /// PNG bytes as produced by the Renderer.
    public static func png(_ data: Data, fileName: String = "image.png") -> InputFile {
        .upload(data: data, fileName: fileName, contentType: "image/png")
    }
}
