import Foundation
import Logging
import Runtime

/// A Bot API client over one libcurl easy handle, so over one reused connection.
///
/// Requests on one client run one at a time, in order, on the client's own
/// `BlockingExecutor` thread: a long `getUpdates` holds the connection for its whole
/// timeout. Give the long-poll loop its own client, and give Deliver as many clients as
/// it wants connections in flight.
///
/// Every method throws `TelegramError` (never carrying the token) or `CancellationError`
/// when the calling task is cancelled mid-request (within about a second).
public final class TelegramClient: Sendable {
    public let configuration: TelegramConfiguration
    public let redactor: TokenRedactor
    private let executor: BlockingExecutor
    private let curl: CurlEasy
    private let logger: Logger

    public init(configuration: TelegramConfiguration, logger: Logger = Logger(label: "lienzo.telegram")) throws {
        guard let curl = CurlEasy() else {
            throw TelegramError(code: .network, method: "curl_easy_init", curlMessage: "libcurl could not start")
        }
        self.configuration = configuration
        self.redactor = TokenRedactor(token: configuration.token)
        self.curl = curl
        self.executor = BlockingExecutor(name: "lienzo.telegram.curl")
        self.logger = logger
    }

    /// Calls any Bot API method with a JSON body; the typed methods in `Methods/` use it.
    /// - Parameter timeout: whole-request limit; `configuration.requestTimeout` when nil.
    public func call<Result: Decodable & Sendable>(
        _ method: String, parameters: some Encodable, timeout: Duration? = nil, as type: Result.Type = Result.self
    ) async throws -> Result {
        let body: Data
        do {
            body = try JSONEncoder().encode(parameters)
        } catch {
            throw TelegramError(code: .badRequest, method: method, apiDescription: "parameters did not encode: \(error)")
        }
        return try await perform(method, body: .json(body), timeout: timeout)
    }

    /// Calls a method with a multipart/form-data body (file uploads).
    func upload<Result: Decodable & Sendable>(_ method: String, parts: [MultipartPart]) async throws -> Result {
        try await perform(method, body: .multipart(parts), timeout: nil)
    }

    private func perform<Result: Decodable & Sendable>(
        _ method: String, body: HTTPRequest.Body, timeout: Duration?
    ) async throws -> Result {
        let request = HTTPRequest(
            url: configuration.url(for: method), body: body,
            timeout: timeout ?? configuration.requestTimeout, connectTimeout: configuration.connectTimeout
        )
        var logger = self.logger
        logger[metadataKey: TelegramLogKey.method] = "\(method)"
        logger.trace("Bot API request")
        let response: HTTPResponse
        do {
            response = try await transfer(request)
        } catch let failure as CurlFailure {
            if failure.cancelled { throw CancellationError() }
            let error = TelegramError(
                code: .network, method: method, curlCode: failure.code, curlMessage: redactor.redact(failure.message),
                host: configuration.apiHost)
            logger.debug("Bot API request failed", metadata: [TelegramLogKey.error: "\(error.debugDescription)"])
            throw error
        }
        do {
            let result: Result = try ReplyDecoder(redactor: redactor).decode(response, method: method)
            logger.trace("Bot API reply", metadata: [TelegramLogKey.newConnection: "\(response.newConnections > 0)"])
            return result
        } catch let error as TelegramError {
            logger.debug("Bot API error reply", metadata: [TelegramLogKey.error: "\(error.debugDescription)"])
            throw error
        }
    }

    private func transfer(_ request: HTTPRequest) async throws -> HTTPResponse {
        let flag = CancellationFlag()
        let outcome = try await withTaskCancellationHandler {
            try await executor.run { [curl] () -> Swift.Result<HTTPResponse, CurlFailure> in
                // Cancelled while queued behind another request: do not start it.
                if flag.isCancelled { return .failure(CurlFailure(code: 42, message: "cancelled", cancelled: true)) }
                do throws(CurlFailure) {
                    return .success(try curl.perform(request, cancellation: flag))
                } catch {
                    return .failure(error)
                }
            }
        } onCancel: {
            flag.cancel()
        }
        return try outcome.get()
    }
}

/// Log metadata keys of this library, prefixed like `Runtime.LogKey`.
enum TelegramLogKey {
    static let method = "lienzo_telegram_method"
    static let error = "lienzo_error"
    static let newConnection = "lienzo_telegram_new_connection"
}
