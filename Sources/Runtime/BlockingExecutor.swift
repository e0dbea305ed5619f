import Foundation

/// Runs blocking C calls (libpq, libcurl) on one dedicated thread of its own, so they
/// never occupy a thread of Swift's cooperative pool — on a 2-core machine that pool has
/// two threads, and one blocked `PQexec` would halve the process.
///
/// Work items run one at a time in submission order, which also makes the executor the
/// serialization point for a C handle that is not thread-safe (one libpq connection, one
/// curl easy handle). The thread ends when the executor is released.
public final class BlockingExecutor: Sendable {
    private let worker: Worker

    public init(name: String) {
        worker = Worker()
        let thread = Thread { [worker] in worker.loop() }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
    }

    deinit { worker.stop() }

    /// Runs `body` on the executor's thread and resumes the caller with its result —
    /// at once, with no thread switch, when the caller already runs on that thread (a
    /// task that prefers this executor, see `TaskExecutor`).
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        if worker.isCurrentThread { return try body() }
        return try await withCheckedThrowingContinuation { continuation in
            worker.submit { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// A task can prefer this executor (`withTaskExecutorPreference`, `addTask(executorPreference:)`):
/// its code then runs on the executor's own thread, and every blocking call it makes
/// through `run` happens in place instead of costing two thread switches. Worth it for
/// a loop that talks to one connection all the time; blocking that thread blocks only
/// that loop, never Swift's cooperative pool.
extension BlockingExecutor: TaskExecutor {
    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        worker.submit { job.runSynchronously(on: executor) }
    }
}

/// The queue the executor's thread drains; the thread keeps it alive until `stop()`.
private final class Worker: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [() -> Void] = []
    private var stopping = false
    private var thread: pthread_t?

    var isCurrentThread: Bool {
        condition.lock()
        defer { condition.unlock() }
        guard let thread else { return false }
        return pthread_equal(thread, pthread_self()) != 0
    }

    func submit(_ work: @escaping () -> Void) {
        condition.lock()
        queue.append(work)
        condition.signal()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }

    func loop() {
        condition.lock()
        thread = pthread_self()
        condition.unlock()
        while true {
            condition.lock()
            while queue.isEmpty && !stopping { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                return
            }
            let work = queue.removeFirst()
            condition.unlock()
            work()
        }
    }
}
