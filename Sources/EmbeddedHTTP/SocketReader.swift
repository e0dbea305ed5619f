import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Buffered reads from a connected socket, for the request line, headers and body (and
/// a client's status line).
public struct SocketReader {
    let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    /// Reused for every recv, so a request costs no 64 KiB allocation.
    private var chunk = [UInt8](repeating: 0, count: 64 * 1024)

    public init(fd: Int32) { self.fd = fd }

    public enum ReadError: Error { case closed, tooLarge, malformed(String) }

    /// One line without its CRLF; nil when the peer closed before sending anything.
    public mutating func readLine(limit: Int = 16 * 1024) throws(ReadError) -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = String(decoding: buffer[start..<end], as: UTF8.self)
                start = newline + 1
                return line
            }
            guard buffer.count - start < limit else { throw .tooLarge }
            guard try fill() else {
                if buffer.count == start { return nil }
                throw .closed
            }
        }
    }

    public mutating func readBytes(_ count: Int) throws(ReadError) -> Data {
        while buffer.count - start < count {
            guard try fill() else { throw .closed }
        }
        let data = Data(buffer[start..<(start + count)])
        start += count
        return data
    }

    /// Reads more bytes; false at end of stream.
    private mutating func fill() throws(ReadError) -> Bool {
        if start > 0 && start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        while true {
            let received = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if received > 0 {
                buffer.append(contentsOf: chunk[..<received])
                return true
            }
            if received == 0 { return false }
            if errno == EINTR { continue }
            return false
        }
    }
}

/// Writes all of `data`, ignoring a peer that went away (MSG_NOSIGNAL: no SIGPIPE).
public func writeAll(_ fd: Int32, _ data: Data) {
    data.withUnsafeBytes { raw in
        guard var pointer = raw.baseAddress else { return }
        var remaining = raw.count
        while remaining > 0 {
            let sent = send(fd, pointer, remaining, Int32(MSG_NOSIGNAL))
            if sent < 0 && errno == EINTR { continue }
            if sent <= 0 { return }
            pointer += sent
            remaining -= sent
        }
    }
}
