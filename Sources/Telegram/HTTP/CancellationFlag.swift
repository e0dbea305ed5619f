import Synchronization

/// Set from `withTaskCancellationHandler`, read by libcurl's progress callback on the
/// executor thread so a cancelled long poll ends within about a second.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func cancel() { value.store(true, ordering: .relaxed) }
    var isCancelled: Bool { value.load(ordering: .relaxed) }
}
