import Foundation
import PackagePlugin

/// Turns every `.sql` file under the package's `sql/` folder into one generated Swift file
/// inside the target, so `sql/` stays the single source of truth and no SQL text is
/// copied into `Sources/`.
@main
struct EmbedSQL: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let sqlDirectory = context.package.directoryURL.appending(path: "sql")
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedSQL.swift")
        return [
            .buildCommand(
                displayName: "Embedding sql/ into \(target.name)",
                executable: try context.tool(named: "EmbedSQLTool").url,
                arguments: [sqlDirectory.path(), output.path()],
                inputFiles: try sqlFiles(under: sqlDirectory),
                outputFiles: [output]
            )
        ]
    }

    private func sqlFiles(under directory: URL) throws -> [URL] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else {
            return []
        }
        return walker.compactMap { $0 as? URL }.filter { $0.pathExtension == "sql" }
            .sorted { $0.path() < $1.path() }
    }
}
