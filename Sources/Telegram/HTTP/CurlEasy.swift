import CCurl
import Foundation

/// A transfer that libcurl refused or could not finish. `message` may contain the URL,
/// and so the token: callers redact it before it goes anywhere.
struct CurlFailure: Error {
    var code: Int
    var message: String
    var cancelled: Bool
}

/// One libcurl easy handle, reused for every request so that libcurl keeps one
/// connection alive (keep-alive, TLS session reuse).
///
/// Not thread-safe: every call must come from the owning client's `BlockingExecutor`
/// thread, which also keeps libcurl's blocking I/O off Swift's cooperative pool.
final class CurlEasy: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// The lowest TLS version libcurl may speak: 1.2 (the highest stays its default, 1.3).
    static let minimumTLSVersion = Int(CURL_SSLVERSION_TLSv1_2)

    init?() {
        guard CurlGlobal.ensureInitialised(), let handle = curl_easy_init() else { return nil }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    func perform(_ request: HTTPRequest, cancellation: CancellationFlag) throws(CurlFailure) -> HTTPResponse {
        // reset drops the previous request's options but keeps the live connection,
        // the DNS cache and the TLS session cache.
        curl_easy_reset(handle)
        errorBuffer[0] = 0
        let context = TransferContext(cancellation: cancellation)
        let unmanaged = Unmanaged.passRetained(context)
        defer { unmanaged.release() }

        var headers: UnsafeMutablePointer<curl_slist>?
        // An empty "Expect:" stops libcurl from waiting for 100-continue before large
        // bodies (a 1 s stall against servers that never answer it).
        headers = curl_slist_append(headers, "Expect:")
        var mime: OpaquePointer?
        defer {
            // Detach before freeing, so neither a later reset nor cleanup of the handle
            // can reach freed memory through a stale option.
            _ = curl_setopt_slist(handle, CURLOPT_HTTPHEADER, nil)
            _ = curl_setopt_mime(handle, nil)
            curl_slist_free_all(headers)
            if let mime { curl_mime_free(mime) }
        }

        var code = configure(request, context: unmanaged.toOpaque())
        switch request.body {
        case .json(let data):
            headers = curl_slist_append(headers, "Content-Type: application/json")
            if code == CURLE_OK { code = curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers) }
            if code == CURLE_OK { code = curl_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(data.count)) }
            // COPYPOSTFIELDS copies the bytes, so the Data need not outlive this call.
            if code == CURLE_OK {
                code = data.withUnsafeBytes { raw in
                    curl_setopt_ptr(
                        handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(emptyBody)))
                }
            }
        case .multipart(let parts):
            if code == CURLE_OK { code = curl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers) }
            mime = curl_mime_init(handle)
            if code == CURLE_OK { code = Self.fill(mime, with: parts) }
            if code == CURLE_OK { code = curl_setopt_mime(handle, mime) }
        }
        if code == CURLE_OK { code = curl_easy_perform(handle) }
        guard code == CURLE_OK else {
            throw CurlFailure(code: Int(code.rawValue), message: failureMessage(code), cancelled: context.cancellation.isCancelled)
        }
        var status = 0
        var connects = 0
        _ = curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        _ = curl_getinfo_long(handle, CURLINFO_NUM_CONNECTS, &connects)
        return HTTPResponse(status: status, body: context.body, newConnections: connects)
    }

    private func configure(_ request: HTTPRequest, context: UnsafeMutableRawPointer) -> CURLcode {
        let steps: [() -> CURLcode] = [
            { curl_setopt_str(self.handle, CURLOPT_URL, request.url) },
            { curl_setopt_str(self.handle, CURLOPT_PROTOCOLS_STR, "http,https") },
            // libcurl must not use signals for timeouts in a multi-threaded process.
            { curl_setopt_long(self.handle, CURLOPT_NOSIGNAL, 1) },
            // Certificates are always checked (peer and host name), and nothing older than
            // TLS 1.2 is spoken: the token travels in every URL.
            { curl_setopt_long(self.handle, CURLOPT_SSL_VERIFYPEER, 1) },
            { curl_setopt_long(self.handle, CURLOPT_SSL_VERIFYHOST, 2) },
            { curl_setopt_long(self.handle, CURLOPT_SSLVERSION, Self.minimumTLSVersion) },
            { curl_setopt_long(self.handle, CURLOPT_CONNECTTIMEOUT_MS, request.connectTimeout.milliseconds) },
            { curl_setopt_long(self.handle, CURLOPT_TIMEOUT_MS, request.timeout.milliseconds) },
            { curl_setopt_long(self.handle, CURLOPT_TCP_KEEPALIVE, 1) },
            { curl_setopt_long(self.handle, CURLOPT_POST, 1) },
            { curl_setopt_str(self.handle, CURLOPT_USERAGENT, "Lienzo") },
            { curl_setopt_errorbuffer(self.handle, self.errorBuffer) },
            { curl_setopt_writefn(self.handle, writeBody) },
            { curl_setopt_ptr(self.handle, CURLOPT_WRITEDATA, context) },
            { curl_setopt_xferinfofn(self.handle, checkCancellation) },
            { curl_setopt_ptr(self.handle, CURLOPT_XFERINFODATA, context) },
            { curl_setopt_long(self.handle, CURLOPT_NOPROGRESS, 0) },
        ]
        for step in steps {
            let code = step()
            if code != CURLE_OK { return code }
        }
        return CURLE_OK
    }

    private static func fill(_ mime: OpaquePointer?, with parts: [MultipartPart]) -> CURLcode {
        guard let mime else { return CURLE_OUT_OF_MEMORY }
        for part in parts {
            guard let item = curl_mime_addpart(mime) else { return CURLE_OUT_OF_MEMORY }
            var code = curl_mime_name(item, part.name)
            // curl_mime_data copies the bytes.
            if code == CURLE_OK {
                code = part.data.withUnsafeBytes { raw in
                    curl_mime_data(item, raw.baseAddress?.assumingMemoryBound(to: CChar.self) ?? UnsafePointer(emptyBody), raw.count)
                }
            }
            if code == CURLE_OK, let fileName = part.fileName { code = curl_mime_filename(item, fileName) }
            if code == CURLE_OK, let type = part.contentType { code = curl_mime_type(item, type) }
            if code != CURLE_OK { return code }
        }
        return CURLE_OK
    }

    private func failureMessage(_ code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        if !detail.isEmpty { return detail }
        return curl_easy_strerror(code).map { String(cString: $0) } ?? "curl error \(code.rawValue)"
    }
}

/// A zero-length buffer for empty bodies: libcurl wants a pointer even for 0 bytes.
nonisolated(unsafe) private let emptyBody: UnsafeMutablePointer<CChar> = {
    let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return pointer
}()

/// Per-transfer state reached from libcurl's C callbacks through an opaque pointer.
private final class TransferContext {
    var body = Data()
    let cancellation: CancellationFlag

    init(cancellation: CancellationFlag) { self.cancellation = cancellation }
}

private func writeBody(_ bytes: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?) -> Int {
    guard let bytes, let context else { return 0 }
    let transfer = Unmanaged<TransferContext>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    transfer.body.append(UnsafeRawPointer(bytes).assumingMemoryBound(to: UInt8.self), count: length)
    return length
}

private func checkCancellation(
    _ context: UnsafeMutableRawPointer?, _: curl_off_t, _: curl_off_t, _: curl_off_t, _: curl_off_t
) -> Int32 {
    guard let context else { return 0 }
    let transfer = Unmanaged<TransferContext>.fromOpaque(context).takeUnretainedValue()
    // Non-zero makes libcurl abort with CURLE_ABORTED_BY_CALLBACK.
    return transfer.cancellation.isCancelled ? 1 : 0
}

extension Duration {
    /// Whole milliseconds, at least 1, for libcurl's `*_MS` options (0 would mean "no limit").
    var milliseconds: Int {
        let (seconds, attoseconds) = components
        return max(1, Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000))
    }
}
