import Foundation

/// Where a test puts its files: the run's `LIENZO_TEST_TMP` (removed with the throwaway
/// PostgreSQL by scripts/test.sh), else the system's temporary folder.
public enum ScratchFolder {
    public static var base: String { ProcessInfo.processInfo.environment["LIENZO_TEST_TMP"] ?? NSTemporaryDirectory() }

    /// A fresh folder `<base>/<prefix>-<random>`.
    public static func make(_ prefix: String) throws -> URL {
        let folder = URL(fileURLWithPath: base).appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
