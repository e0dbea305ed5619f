import Foundation
import Telegram

/// Where the webhook's HTTP threads leave updates for Ingest's one database connection,
/// which handles them one at a time (`IngestService+Webhook`). Each thread waits for its
/// update's answer: 200 once its rows are committed, or an error status that makes
/// Telegram deliver it again.
final class WebhookInbox: @unchecked Sendable {
    /// An update waiting for its answer.
    final class Request: @unchecked Sendable {
        let update: Update
        fileprivate let answered = DispatchSemaphore(value: 0)
        fileprivate var status: Int?

        init(_ update: Update) { self.update = update }
    }

    let requests: AsyncStream<Request>
    private let continuation: AsyncStream<Request>.Continuation
    private let lock = NSLock()
    private var waiting: [ObjectIdentifier: Request] = [:]
    private var closed = false

    init() {
        (requests, continuation) = AsyncStream.makeStream(of: Request.self)
    }

    /// Hands `update` over and blocks the calling (HTTP) thread until it is answered;
    /// 503 when the inbox is closed, or no answer came within `timeout`.
    func submit(_ update: Update, timeout: Duration) -> Int {
        let request = Request(update)
        let admitted = lock.withLock {
            guard !closed else { return false }
            waiting[ObjectIdentifier(request)] = request
            return true
        }
        guard admitted else { return 503 }
        if case .enqueued = continuation.yield(request) {
            _ = request.answered.wait(timeout: .now() + timeout.seconds)
        }
        return lock.withLock {
            waiting[ObjectIdentifier(request)] = nil
            return request.status ?? 503
        }
    }

    /// Answers `request` (the first answer counts).
    func answer(_ request: Request, status: Int) {
        let first = lock.withLock {
            guard request.status == nil else { return false }
            request.status = status
            return true
        }
        if first { request.answered.signal() }
    }

    /// Refuses new updates and answers 503 to every one still waiting, so Telegram
    /// delivers them again to the next Ingest.
    func close() {
        let left = lock.withLock {
            closed = true
            return Array(waiting.values)
        }
        continuation.finish()
        for request in left { answer(request, status: 503) }
    }
}
