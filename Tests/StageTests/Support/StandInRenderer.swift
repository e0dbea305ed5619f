import Foundation
import Schema

/// Plays the Renderer in tests: claims queued jobs, reports half-way progress, and
/// finishes them with a small PNG, until stopped.
final class StandInRenderer: Sendable {
    /// A valid 1×1 PNG (black pixel).
    static let png = Data([
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
        0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
        0xDE, 0x00, 0x00, 0x00, 0x0C, 0x49, 0x44, 0x41, 0x54, 0x08, 0xD7, 0x63, 0x60, 0x60, 0x60, 0x00,
        0x00, 0x00, 0x04, 0x00, 0x01, 0x27, 0x34, 0x27, 0x0A, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E,
        0x44, 0xAE, 0x42, 0x60, 0x82,
    ])

    let connection: PostgresConnection
    let model: String
    private let task: Task<Void, Never>

    init(connection: PostgresConnection, model: String, stepDelay: Duration = .milliseconds(30)) {
        self.connection = connection
        self.model = model
        task = Task {
            let queue = JobQueue(connection)
            while !Task.isCancelled {
                do {
                    let batch = try await queue.claimRenderBatch(owner: "stand-in", model: model, limit: 8, leaseSeconds: 30)
                    if batch.isEmpty {
                        try await Task.sleep(for: .milliseconds(20))
                        continue
                    }
                    let leases = batch.map(\.lease)
                    let steps = batch.first?.request.steps ?? 1
                    try await Task.sleep(for: stepDelay)
                    _ = try await queue.extendRenderLeases(leases, leaseSeconds: 30, step: max(1, steps / 2))
                    try await Task.sleep(for: stepDelay)
                    _ = try await queue.finishRenders(leases.map { ($0, Self.png) })
                } catch {
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
        }
    }

    func stop() async {
        task.cancel()
        await task.value
    }
}
