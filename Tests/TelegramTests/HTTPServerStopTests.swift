import Foundation
import Testing

@testable import EmbeddedHTTP

#if canImport(Glibc)
    import Glibc
#endif

/// `HTTPServer.stop()` twice (the emulator stops its server, then its deinit does again)
/// must not touch the listener's fd number once the accept thread has closed it: the
/// number is free for the next socket, and shutting that one down cut other tests'
/// PostgreSQL connections ("server closed the connection unexpectedly").
struct HTTPServerStopTests {
    @Test func aSecondStopLeavesTheSocketThatReusedTheListenersNumberAlone() async throws {
        // The next socket() takes the lowest free number, almost always the listener's
        // just freed; another thread of the test process may take it first, so try again.
        for _ in 0..<20 {
            let server = try HTTPServer(port: 0) { _ in .text(200, "ok") }
            let number = server.listener
            server.stop()
            let deadline = ContinuousClock.now + .seconds(5)
            while !server.hasClosedListener && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
            #expect(server.hasClosedListener, "the accept thread closes the listener after stop()")
            var pair: [Int32] = [0, 0]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { throw POSIXError(.EMFILE) }
            defer { close(pair[0]); close(pair[1]) }
            guard pair.contains(number) else { continue }
            server.stop()
            // Both ends still carry data: nothing shut either down (MSG_NOSIGNAL: a shut
            // socket fails the send instead of raising SIGPIPE).
            let flags = Int32(MSG_NOSIGNAL)
            var byte: UInt8 = 42
            #expect(send(pair[0], &byte, 1, flags) == 1, "the end with the listener's number still sends")
            byte = 0
            #expect(recv(pair[1], &byte, 1, Int32(MSG_DONTWAIT)) == 1 && byte == 42, "and its peer receives")
            #expect(send(pair[1], &byte, 1, flags) == 1)
            byte = 0
            #expect(recv(pair[0], &byte, 1, Int32(MSG_DONTWAIT)) == 1 && byte == 42, "and it still receives")
            return
        }
        Issue.record("no socket got the listener's number back in 20 tries")
    }
}
