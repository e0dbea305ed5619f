import Foundation

/// Finished sends, posted by the sending tasks and drained by the dispatcher.
final class Mailbox<Element: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Element] = []

    func post(_ item: Element) {
        lock.lock()
        items.append(item)
        lock.unlock()
    }

    func drain() -> [Element] {
        lock.lock()
        defer { lock.unlock() }
        let drained = items
        items.removeAll(keepingCapacity: true)
        return drained
    }
}

/// A flag one task raises and another takes down.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false

    var isRaised: Bool { lock.withLock { raised } }
    func raise() { lock.withLock { raised = true } }

    /// Whether it was raised; lowers it.
    func take() -> Bool {
        lock.withLock {
            defer { raised = false }
            return raised
        }
    }
}
