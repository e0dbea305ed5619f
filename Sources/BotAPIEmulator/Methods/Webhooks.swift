extension EmulatorState {
    /// `setWebhook`: `url` (http or https; the emulator POSTs over plain http only),
    /// `secret_token` (1–256 of A–Z, a–z, 0–9, `_`, `-`, as Telegram allows),
    /// `max_connections` (1–100, default 40), `allowed_updates`.
    func setWebhook(_ parameters: RequestParameters) throws(APIError) -> JSONValue {
        guard let url = parameters["url"]?.stringValue, !url.isEmpty else {
            // An empty url is Telegram's other way to remove the webhook.
            webhook = nil
            return true
        }
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw .badRequest("bad webhook: An HTTPS URL must be provided for webhook")
        }
        let secret = parameters["secret_token"]?.stringValue
        if let secret {
            let allowed = secret.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
            guard (1...256).contains(secret.count), allowed else {
                throw .badRequest("secret token contains unallowed characters")
            }
        }
        let maxConnections = parameters["max_connections"]?.intValue ?? 40
        guard (1...100).contains(maxConnections) else { throw .badRequest("bad webhook: max_connections must be 1-100") }
        if let allowed = parameters["allowed_updates"] {
            guard let list = allowed.arrayValue else { throw .badRequest("can't parse allowed updates JSON array") }
            allowedUpdates = list.compactMap(\.stringValue)
            if !allowedUpdates.isEmpty { updates.removeAll { !allowedUpdates.contains($0.kind) } }
        }
        if parameters["drop_pending_updates"]?.boolValue == true { updates.removeAll() }
        webhook = EmulatedWebhook(url: url, secretToken: secret, maxConnections: maxConnections)
        webhookSets += 1
        return true
    }

    /// `getWebhookInfo`: the registration and how delivery goes.
    func getWebhookInfo() -> JSONValue {
        var info: [String: JSONValue] = [
            "url": .string(webhook?.url ?? ""), "has_custom_certificate": false,
            "pending_update_count": .int(Int64(updates.count)),
        ]
        if let webhook {
            info["max_connections"] = .int(Int64(webhook.maxConnections))
            if !allowedUpdates.isEmpty { info["allowed_updates"] = .array(allowedUpdates.map(JSONValue.string)) }
            if let error = lastWebhookError {
                info["last_error_date"] = .int(Int64(error.date))
                info["last_error_message"] = .string(error.message)
            }
        }
        return .object(info)
    }
}
