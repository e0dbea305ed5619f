import Foundation

/// Turns an HTTP reply into a result or a `TelegramError`. Every text taken from the
/// reply passes through the redactor first.
struct ReplyDecoder {
    let redactor: TokenRedactor

    func decode<Result: Decodable>(_ response: HTTPResponse, method: String) throws -> Result {
        let decoder = JSONDecoder()
        if let envelope = try? decoder.decode(APIResponse<Result>.self, from: response.body), envelope.ok,
            let result = envelope.result
        {
            return result
        }
        guard let failure = try? decoder.decode(APIFailure.self, from: response.body) else {
            // Not the Bot API talking (a proxy's HTML page, a cut-off body). A 5xx status
            // still means "server trouble, try again later".
            let code: TelegramError.Code = (500...599).contains(response.status) ? .serverError : .invalidResponse
            throw TelegramError(code: code, method: method, httpStatus: response.status)
        }
        guard !failure.ok else {
            // ok:true but the result did not decode as the type this method returns.
            throw TelegramError(
                code: .invalidResponse, method: method, apiDescription: "result does not match \(Result.self)",
                httpStatus: response.status
            )
        }
        let errorCode = failure.errorCode ?? response.status
        throw TelegramError(
            code: .forAPIError(errorCode, parameters: failure.parameters),
            method: method,
            errorCode: errorCode,
            apiDescription: failure.description.map(redactor.redact),
            retryAfter: failure.parameters?.retryAfter,
            migrateToChatID: failure.parameters?.migrateToChatID,
            httpStatus: response.status
        )
    }
}
