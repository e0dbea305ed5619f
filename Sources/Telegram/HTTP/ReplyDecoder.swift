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
            // ok:true: Telegram did it (a message went out), only the result is not what
            // this method's type expects. Never an error to retry: report what was read.
            var error = TelegramError(
                code: .acceptedUnreadable, method: method,
                apiDescription: redactor.redact(Self.decodingProblem(Result.self, in: response.body)),
                httpStatus: response.status
            )
            error.acceptedMessageID = (try? decoder.decode(APIResponse<AcceptedMessage>.self, from: response.body))?
                .result?.messageID
            throw error
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

    /// Why the result did not decode, e.g. "result does not match Message: keyNotFound chat".
    private static func decodingProblem<Result: Decodable>(_ type: Result.Type, in body: Data) -> String {
        do {
            _ = try JSONDecoder().decode(APIResponse<Result>.self, from: body)
            return "result missing"
        } catch DecodingError.keyNotFound(let key, _) {
            return "result does not match \(Result.self): no \(key.stringValue)"
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            return "result does not match \(Result.self) at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        } catch {
            return "result does not match \(Result.self)"
        }
    }
}

/// The one field of a sent message that matters when the rest does not decode.
private struct AcceptedMessage: Decodable {
    var messageID: Int?
    enum CodingKeys: String, CodingKey { case messageID = "message_id" }
}
