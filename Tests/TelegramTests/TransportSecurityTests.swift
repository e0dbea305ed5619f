import Foundation
import Runtime
@testable import Telegram
import Testing

/// The Bot API client checks certificates and speaks TLS 1.2 or later: the token travels
/// in every URL. Checked in the sources (no option anywhere turns verification off) and
/// against openssl's own test server on loopback, whose certificate nobody signed.
@Suite struct TransportSecurityTests {
    static let openssl = "/usr/bin/openssl"
    static var hasOpenSSL: Bool { FileManager.default.isExecutableFile(atPath: openssl) }
    static let sources = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources")

    @Test func theClientAsksForTLS12OrLater() {
        // CURL_SSLVERSION_TLSv1_2 in curl.h: DEFAULT, TLSv1, SSLv2, SSLv3, TLSv1_0, TLSv1_1, TLSv1_2.
        #expect(CurlEasy.minimumTLSVersion == 6)
    }

    /// Every line of Sources/ that names a libcurl or libpq verification switch keeps it on.
    @Test func noSourceTurnsCertificateChecksOff() throws {
        var checked: [String: Int] = [:]
        let walker = try #require(FileManager.default.enumerator(at: Self.sources, includingPropertiesForKeys: nil))
        for case let file as URL in walker where ["swift", "c", "h"].contains(file.pathExtension) {
            let text = try String(contentsOf: file, encoding: .utf8)
            for line in text.split(separator: "\n") {
                let code = line.replacingOccurrences(of: " ", with: "")
                if code.contains("CURLOPT_SSL_VERIFYPEER") || code.contains("CURLOPT_PROXY_SSL_VERIFYPEER") {
                    #expect(code.contains("VERIFYPEER,1)"), "\(file.lastPathComponent): \(line)")
                    checked["peer", default: 0] += 1
                }
                if code.contains("CURLOPT_SSL_VERIFYHOST") || code.contains("CURLOPT_PROXY_SSL_VERIFYHOST") {
                    #expect(code.contains("VERIFYHOST,2)"), "\(file.lastPathComponent): \(line)")
                    checked["host", default: 0] += 1
                }
                if code.contains("CURLOPT_SSLVERSION") {
                    #expect(code.contains("minimumTLSVersion"), "\(file.lastPathComponent): \(line)")
                    checked["version", default: 0] += 1
                }
                #expect(!code.contains("CURLOPT_SSL_VERIFYSTATUS,0"), "\(file.lastPathComponent): \(line)")
                #expect(!code.lowercased().contains("sslmode=disable"), "\(file.lastPathComponent): \(line)")
            }
        }
        #expect(checked == ["peer": 1, "host": 1, "version": 1], "the client sets each switch once, in CurlEasy")
    }

    @Test(.enabled(if: TransportSecurityTests.hasOpenSSL)) func aCertificateNobodySignedIsRefused() async throws {
        let server = try TLSTestServer(arguments: [])
        defer { server.stop() }
        let error = try await getMeFailure(server.url)
        // CURLE_PEER_FAILED_VERIFICATION: the handshake went through and the certificate did not.
        #expect(error.curlCode == 60, "\(error.debugDescription)")
        #expect(error.networkReason == .tls && error.description.hasSuffix(": TLS handshake or certificate refused"))
    }

    @Test(.enabled(if: TransportSecurityTests.hasOpenSSL)) func aServerOnlySpeakingTLS11IsRefused() async throws {
        let server = try TLSTestServer(arguments: ["-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0"])
        defer { server.stop() }
        let error = try await getMeFailure(server.url)
        // CURLE_SSL_CONNECT_ERROR ("protocol version"), before any certificate is looked at.
        #expect(error.curlCode == 35, "\(error.debugDescription)")
        #expect(error.networkReason == .tls)
    }

    private func getMeFailure(_ url: String) async throws -> TelegramError {
        let client = try TelegramClient(configuration: TelegramConfiguration(
            token: Secret("123:tls-test"), apiURL: url, connectTimeout: .seconds(5), requestTimeout: .seconds(10)))
        do {
            _ = try await client.getMe()
        } catch let error as TelegramError {
            return error
        }
        throw TLSTestServer.Failure("getMe over \(url) succeeded")
    }
}

/// `openssl s_server` on a free loopback port with a fresh self-signed certificate.
private final class TLSTestServer {
    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    let process = Process()
    let folder: URL
    let url: String

    init(arguments: [String]) throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("lienzo-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Self.run([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", folder.appendingPathComponent("key.pem").path, "-out", folder.appendingPathComponent("cert.pem").path,
        ])
        let output = folder.appendingPathComponent("server.log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        process.executableURL = URL(fileURLWithPath: TransportSecurityTests.openssl)
        process.arguments = [
            "s_server", "-accept", "127.0.0.1:0", "-www", "-cert", folder.appendingPathComponent("cert.pem").path,
            "-key", folder.appendingPathComponent("key.pem").path,
        ] + arguments
        let log = try FileHandle(forWritingTo: output)
        process.standardOutput = log
        process.standardError = log
        try process.run()
        // s_server prints "ACCEPT 127.0.0.1:PORT" once it listens.
        let deadline = Date().addingTimeInterval(10)
        var port: String?
        while port == nil && Date() < deadline {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("ACCEPT ") }), let colon = line.lastIndex(of: ":") {
                port = String(line[line.index(after: colon)...])
            } else {
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            throw Failure("openssl s_server did not start: \((try? String(contentsOf: output, encoding: .utf8)) ?? "")")
        }
        url = "https://127.0.0.1:\(port)"
    }

    func stop() {
        // SIGKILL: the child inherits the test runner's blocked signals, SIGTERM among them.
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: folder)
    }

    private static func run(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TransportSecurityTests.openssl)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure("openssl \(arguments.first ?? "") failed") }
    }
}
