import CCurl

/// `curl_global_init` is not thread-safe and must run once before any easy handle;
/// a `static let` gives exactly-once initialisation with the runtime's own locking.
enum CurlGlobal {
    private static let initialised: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    static func ensureInitialised() -> Bool {
        initialised == CURLE_OK
    }
}
