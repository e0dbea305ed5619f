/// An `ok:false` reply, with the Bot API's own descriptions.
struct APIError: Error {
    var code: Int
    var description: String
    var parameters: JSONValue?

    static func badRequest(_ detail: String) -> APIError {
        APIError(code: 400, description: "Bad Request: \(detail)")
    }

    static let unauthorized = APIError(code: 401, description: "Unauthorized")
    static let notFound = APIError(code: 404, description: "Not Found")
    static let chatNotFound = APIError.badRequest("chat not found")

    var json: JSONValue {
        var fields: [String: JSONValue] = ["ok": false, "error_code": .int(Int64(code)), "description": .string(description)]
        if let parameters { fields["parameters"] = parameters }
        return .object(fields)
    }
}
