import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A small HTTP/1.1 server: one thread accepts, one thread per connection. Lienzo's only
/// socket listener: the Bot API emulator, the stages' `/metrics` and Ingest's webhook
/// all serve through it.
///
/// Plain POSIX sockets rather than SwiftNIO: it builds in seconds instead of minutes,
/// and a thread per connection lets a handler simply block (a long poll on a condition
/// variable, a webhook update on its database transaction). Connections are bounded
/// (`Limits.maxConnections`), so threads cost nothing that matters here.
public final class HTTPServer: @unchecked Sendable {
    /// What one server accepts.
    public struct Limits: Sendable {
        /// A larger body is answered 413 and the connection closed.
        public var maxBodyBytes = 64 << 20
        /// Connections open at once; one more is answered 503 and closed.
        public var maxConnections = 1024
        /// A connection that sends nothing for this long is closed (nil: never), so idle
        /// or slow clients cannot hold every slot.
        public var idleTimeout: Duration?

        public init(maxBodyBytes: Int = 64 << 20, maxConnections: Int = 1024, idleTimeout: Duration? = nil) {
            self.maxBodyBytes = maxBodyBytes
            self.maxConnections = maxConnections
            self.idleTimeout = idleTimeout
        }
    }

    public let host: String
    public let port: UInt16
    private let name: String
    private let limits: Limits
    /// The listening socket's fd (tests watch what becomes of its number).
    let listener: Int32
    private let handler: @Sendable (HTTPServerRequest) -> HTTPServerReply
    private let observer: (@Sendable (Int) -> Void)?
    private let lock = NSLock()
    private var connections: Set<Int32> = []
    private var stopped = false
    /// Set (under the lock) by the accept thread as it closes the listener, so that a later
    /// `stop()` never shuts down that fd number: by then it may be another socket's.
    private var listenerClosed = false
    private var accepted = 0

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Binds `host`:`port` (0 picks a free port) and starts accepting. `name` names the
    /// threads and the `Server` header; `observer` hears the status of every reply written,
    /// the server's own refusals (400, 413, 503) included, for metrics.
    public init(
        host: String = "127.0.0.1", port: UInt16, name: String = "Lienzo", limits: Limits = Limits(),
        observer: (@Sendable (Int) -> Void)? = nil, handler: @escaping @Sendable (HTTPServerRequest) -> HTTPServerReply
    ) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw StartError(description: "socket() failed: errno \(errno)") }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(fd)
            throw StartError(description: "'\(host)' is not an IPv4 address")
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 128) == 0 else {
            let code = errno
            close(fd)
            throw StartError(description: "cannot listen on \(host):\(port) (in use?): errno \(code)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.host = host
        self.listener = fd
        self.port = UInt16(bigEndian: address.sin_port)
        self.name = name
        self.limits = limits
        self.handler = handler
        self.observer = observer
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "\(name).accept"
        thread.start()
    }

    /// Whether the accept thread has closed the listener (after `stop()`).
    var hasClosedListener: Bool { lock.withLock { listenerClosed } }

    /// Connections accepted so far; a client that reuses its connection adds one only.
    public var acceptedConnections: Int { lock.withLock { accepted } }

    /// Stops accepting and closes every open connection (in-flight long polls see EOF).
    /// Calling it again does nothing.
    public func stop() {
        // Under the lock: a connection thread removes its fd (under the lock) before
        // closing it, so every fd still in the set is open and not yet reused.
        // Only shut the listener down here: that wakes `accept` with an error, and the
        // accept thread closes it. Closing it here could let that thread call `accept` on
        // an fd number already given to another socket (another server's listener). For the
        // same reason the listener is shut down only while it is still open: a second
        // stop() after the accept thread closed it shut down whatever socket had since been
        // given that number (stage tests saw PostgreSQL connections of other tests cut,
        // "server closed the connection unexpectedly", with nothing in the server's log).
        lock.withLock {
            stopped = true
            for fd in connections { shutdown(fd, Int32(SHUT_RDWR)) }
            if !listenerClosed { shutdown(listener, Int32(SHUT_RDWR)) }
        }
    }

    /// The accept thread's last act.
    private func closeListener() {
        lock.withLock {
            listenerClosed = true
            close(listener)
        }
    }

    private enum Admission { case admitted, full, stopped }

    private func acceptLoop() {
        while true {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                closeListener()
                return
            }
            let admission = lock.withLock { () -> Admission in
                guard !stopped else { return .stopped }
                guard connections.count < limits.maxConnections else { return .full }
                accepted += 1
                connections.insert(fd)
                return .admitted
            }
            switch admission {
            case .stopped:
                close(fd)
                closeListener()
                return
            case .full:
                writeAll(fd, HTTPConnection.encode(.text(503, "too many connections"), keepAlive: false, server: name))
                observer?(503)
                close(fd)
                continue
            case .admitted:
                break
            }
            var noDelay: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            if let idle = limits.idleTimeout {
                let (seconds, attoseconds) = idle.components
                var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
                setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            }
            let thread = Thread { [self] in
                HTTPConnection(fd: fd, server: name, maxBodyBytes: limits.maxBodyBytes, observer: observer, handler: handler).run()
                lock.withLock { _ = connections.remove(fd) }
                close(fd)
            }
            thread.name = "\(name).connection"
            thread.stackSize = 512 * 1024
            thread.start()
        }
    }
}
