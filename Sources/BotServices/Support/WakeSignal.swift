import Foundation
import Runtime

/// A wake-up between tasks: `wait(timeout:)` returns when `signal()` was called since the
/// last wait, or after `timeout`. Signals do not pile up: many signals wake one wait.
final class WakeSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var pending = false
    private var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
    private var timer: Task<Void, Never>?
    private var nextID: UInt64 = 0

    func signal() {
        lock.lock()
        if let waiter {
            self.waiter = nil
            // Without this, every early wake-up would leave a sleeping timer behind.
            let timer = self.timer
            self.timer = nil
            lock.unlock()
            timer?.cancel()
            waiter.continuation.resume()
        } else {
            pending = true
            lock.unlock()
        }
    }

    func wait(timeout: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if pending {
                pending = false
                lock.unlock()
                continuation.resume()
                return
            }
            nextID += 1
            let id = nextID
            waiter = (id, continuation)
            timer = Task { [weak self] in
                guard (try? await Task.sleep(for: timeout)) != nil else { return }
                self?.expire(id)
            }
            lock.unlock()
        }
    }

    private func expire(_ id: UInt64) {
        lock.lock()
        guard let waiter, waiter.id == id else {
            lock.unlock()
            return
        }
        self.waiter = nil
        timer = nil
        lock.unlock()
        waiter.continuation.resume()
    }
}
