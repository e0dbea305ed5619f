import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A small HTTP/1.1 server on loopback: one thread accepts, one thread per connection.
///
/// Plain POSIX sockets rather than SwiftNIO: it builds in seconds instead of minutes,
/// and a thread per connection lets a long poll simply block on a condition variable,
/// which is how the emulator reproduces `getUpdates`. Test traffic is a handful of
/// connections, so threads cost nothing that matters here.
final class HTTPServer: @unchecked Sendable {
    let port: UInt16
    private let listener: Int32
    private let handler: @Sendable (HTTPServerRequest) -> HTTPServerReply
    private let lock = NSLock()
    private var connections: Set<Int32> = []
    private var stopped = false
    private var accepted = 0

    struct StartError: Error, CustomStringConvertible {
        var description: String
    }

    /// Binds 127.0.0.1:`port` (0 picks a free port) and starts accepting.
    init(port: UInt16, handler: @escaping @Sendable (HTTPServerRequest) -> HTTPServerReply) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StartError(description: "socket() failed: errno \(errno)") }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let code = errno
            close(fd)
            throw StartError(description: "cannot listen on 127.0.0.1:\(port): errno \(code)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.listener = fd
        self.port = UInt16(bigEndian: address.sin_port)
        self.handler = handler
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "BotAPIEmulator.accept"
        thread.start()
    }

    /// Connections accepted so far; a client that reuses its connection adds one only.
    var acceptedConnections: Int { lock.withLock { accepted } }

    /// Stops accepting and closes every open connection (in-flight long polls see EOF).
    func stop() {
        // Under the lock: a connection thread removes its fd (under the lock) before
        // closing it, so every fd still in the set is open and not yet reused.
        // Only shut the listener down here: that wakes `accept` with an error, and the
        // accept thread closes it. Closing it here could let that thread call `accept` on
        // an fd number already given to another socket (another emulator's listener).
        lock.withLock {
            stopped = true
            for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
        }
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR { continue }
                close(listener)
                return
            }
            let admitted = lock.withLock {
                guard !stopped else { return false }
                accepted += 1
                connections.insert(fd)
                return true
            }
            guard admitted else {
                close(fd)
                close(listener)
                return
            }
            var noDelay: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            let thread = Thread { [self] in
                HTTPConnection(fd: fd, handler: handler).run()
                lock.withLock { _ = connections.remove(fd) }
                close(fd)
            }
            thread.name = "BotAPIEmulator.connection"
            thread.stackSize = 512 * 1024
            thread.start()
        }
    }
}
