import EmbeddedHTTP
import Foundation
import Logging
import Runtime
import Telegram

/// The HTTP side of Ingest's webhook: every request must be a POST carrying the secret
/// token (compared in constant time; a wrong or missing one is refused with 401 and
/// logged without the token), with an update as its body; the update then goes through
/// the inbox, and the answer says whether its rows were committed. Body size and
/// connections are bounded by the server (413, 503).
struct WebhookReceiver: Sendable {
    static let secretHeader = "x-telegram-bot-api-secret-token"

    let secret: Secret
    let inbox: WebhookInbox
    let answerTimeout: Duration
    let logger: Logger

    func handle(_ request: HTTPServerRequest) -> HTTPServerReply {
        guard request.method == "POST" else { return .text(405, "Telegram POSTs updates here") }
        guard let token = request.headers[Self.secretHeader], secret.matches(token) else {
            // Neither the token sent nor the path (an operator may have put a secret there).
            logger.warning("webhook request refused: wrong or missing secret token", metadata: [
                "lienzo_token_present": "\(request.headers[Self.secretHeader] != nil)",
            ])
            return .text(401, "Unauthorized")
        }
        guard let update = try? JSONDecoder().decode(Update.self, from: request.body) else {
            logger.warning("webhook request refused: the body is not a Telegram update", metadata: ["lienzo_bytes": "\(request.body.count)"])
            return .text(400, "not a Telegram update")
        }
        let status = inbox.submit(update, timeout: answerTimeout)
        return .respond(status: status, body: Data(), contentType: "text/plain")
    }
}
