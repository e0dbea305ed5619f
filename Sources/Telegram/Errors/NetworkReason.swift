/// Why a transfer failed, as an operator fixes it: read from libcurl's `CURLcode`, so a
/// "network error" says whether to look at DNS, a firewall, certificates or a slow link.
public enum NetworkReason: String, Sendable, CustomStringConvertible {
    /// The host name did not resolve (a typo in `TELEGRAM_API_URL`, no DNS).
    case dns = "host name not found (DNS)"
    /// Nothing listens there, or a firewall refused the connection.
    case refused = "connection refused"
    /// The connection or the whole request took longer than its limit.
    case timeout = "timed out"
    /// The TLS handshake failed: an old protocol, a certificate nobody trusted or of another host.
    case tls = "TLS handshake or certificate refused"
    /// Connected, then the connection broke before a whole reply came.
    case connectionLost = "connection lost before the reply"
    case other = "transfer failed"

    public var description: String { rawValue }

    public init(curlCode: Int) {
        switch curlCode {
        case 5, 6: self = .dns  // COULDNT_RESOLVE_PROXY, COULDNT_RESOLVE_HOST
        case 7: self = .refused  // COULDNT_CONNECT
        case 28: self = .timeout  // OPERATION_TIMEDOUT
        // SSL_CONNECT_ERROR, PEER_FAILED_VERIFICATION (51 before libcurl 7.62, then 60),
        // SSL_CERTPROBLEM, SSL_CIPHER, USE_SSL_FAILED, SSL_CACERT_BADFILE,
        // SSL_SHUTDOWN_FAILED, SSL_CRL_BADFILE, SSL_ISSUER_ERROR, SSL_PINNEDPUBKEYNOTMATCH,
        // SSL_INVALIDCERTSTATUS, SSL_CLIENTCERT
        case 35, 51, 58, 59, 60, 64, 77, 80, 82, 83, 90, 91, 98: self = .tls
        case 18, 52, 55, 56: self = .connectionLost  // PARTIAL_FILE, GOT_NOTHING, SEND_ERROR, RECV_ERROR
        default: self = .other
        }
    }
}
