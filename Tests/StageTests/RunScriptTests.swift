import Foundation
import Testing
import TestSupport

/// `scripts/run.sh` as a person meets it (#16): bad settings are all reported before
/// anything is built or started, one Ctrl-C is one graceful stop, a second one stops now.
/// The stages are stand-in scripts (`LIENZO_BIN`) that log the signals they get.
@Suite struct RunScriptTests {
    static let token = "123456789:AAE" + String(repeating: "x", count: 32)
    static let model = StageProcess.repositoryRoot.appendingPathComponent("Tests/DiffusionTests/Fixtures/sd1-tiny").path

    @Test func everyBadSettingIsReportedAtOnceBeforeAnythingStarts() async throws {
        let folder = try ScratchFolder.make("run-sh")
        let checkpoint = folder.appendingPathComponent("model.ckpt").path
        FileManager.default.createFile(atPath: checkpoint, contents: Data("weights".utf8))
        let cases: [(token: String, model: String, problems: [String])] = [
            ("", "", ["TELEGRAM_BOT_TOKEN is not set", "LIENZO_MODEL is not set"]),
            ("bot123456:AAE-copied-from-a-url", checkpoint, [
                "TELEGRAM_BOT_TOKEN does not look like a bot token", "drop the leading \"bot\"",
                "LIENZO_MODEL=\(checkpoint): neither a diffusers folder nor a .safetensors file",
            ]),
            ("123456:short", folder.path, [
                "5 characters after the colon", "LIENZO_MODEL=\(folder.path): not a diffusers model folder (no unet/ inside)",
            ]),
            (Self.token, folder.appendingPathComponent("missing.safetensors").path, ["missing.safetensors: no such file or folder"]),
        ]
        for (token, model, problems) in cases {
            // A check that let these through would fail on the missing LIENZO_BIN, never build.
            let run = try Self.runScript(environment: [
                "TELEGRAM_BOT_TOKEN": token, "LIENZO_MODEL": model, "LIENZO_BIN": "/nonexistent", "DATABASE_URL": "host=/nonexistent",
            ])
            let status = await run.waitForExit(timeout: .seconds(20))
            #expect(status == 2, "\(run.log)")
            #expect(run.log.hasPrefix("run.sh cannot start; fix these first:\n"), "\(run.log)")
            for problem in problems { #expect(run.log.contains(problem), "\(problem) in \(run.log)") }
            #expect(!run.log.contains("using the private PostgreSQL") && !run.log.contains("Compiling"))
            if token.count > 6 { #expect(!run.log.contains(token.dropFirst(7)), "the token is never echoed") }
        }
    }

    @Test func oneCtrlCIsOneGracefulStop() async throws {
        let bot = try await StandInBot.start()
        bot.run.signalGroup(SIGINT)
        let status = await bot.run.waitForExit(timeout: .seconds(20))
        #expect(status == 0, "\(bot.run.log)")
        #expect(bot.signals.sorted() == ["Deliver TERM", "Ingest TERM", "Renderer TERM"], "one SIGTERM each, no SIGINT from the terminal")
        #expect(bot.run.log.contains("stopping gracefully") && bot.run.log.hasSuffix("Lienzo stopped\n"), "\(bot.run.log)")
        #expect(!bot.run.log.contains("exited by itself"))
    }

    /// The README's run command brings up metrics on all three stages, at the ports
    /// deploy/prometheus/prometheus.yml scrapes.
    @Test func everyStageServesMetricsAtTheScrapedPorts() async throws {
        let bot = try await StandInBot.start()
        #expect(bot.ports.sorted() == ["Deliver", "Ingest", "Renderer"].map { "\($0) ports 9464 9465 9466" })
        bot.run.signalGroup(SIGINT)
        #expect(await bot.run.waitForExit(timeout: .seconds(20)) == 0, "\(bot.run.log)")
    }

    @Test func aSecondCtrlCStopsNow() async throws {
        // Stages that finish only on their second SIGTERM, as the Renderer does mid-batch.
        let bot = try await StandInBot.start(termsToStop: 2)
        bot.run.signalGroup(SIGINT)
        try await bot.waitForLog { $0.filter { $0.hasSuffix("TERM") }.count == 3 }
        #expect(await bot.run.waitForExit(timeout: .milliseconds(300)) == nil, "the graceful stop is waited for")
        bot.run.signalGroup(SIGINT)
        let status = await bot.run.waitForExit(timeout: .seconds(20))
        #expect(status == 0, "\(bot.run.log)")
        #expect(bot.signals.filter { $0.hasSuffix("TERM") }.count == 6 && !bot.signals.contains { $0.hasSuffix("INT") })
        #expect(bot.run.log.contains("stopping now"), "\(bot.run.log)")
        #expect(!bot.run.log.contains("exited by itself"))
    }

    @Test func aStageThatExitsByItselfStopsTheOthersAndFails() async throws {
        let bot = try await StandInBot.start(crashing: "Renderer")
        let status = await bot.run.waitForExit(timeout: .seconds(20))
        #expect(status == 3, "\(bot.run.log)")
        #expect(bot.run.log.contains("Renderer exited by itself (status 3); stopping the others"), "\(bot.run.log)")
        #expect(bot.signals.sorted() == ["Deliver TERM", "Ingest TERM"])
    }

    @Test func aBuildNewerThanEverySourceIsCurrent() async throws {
        let bin = try ScratchFolder.make("run-sh")
        for product in ["Ingest", "Renderer", "Deliver"] {
            let path = bin.appendingPathComponent(product).path
            FileManager.default.createFile(atPath: path, contents: Data(), attributes: [.posixPermissions: 0o755])
        }
        let check = { () async throws -> (Int32?, String) in
            let run = try StageProcess(script: "scripts/lib/build-is-current.sh", arguments: [bin.path, "Ingest", "Renderer", "Deliver"], environment: [:])
            return (await run.waitForExit(timeout: .seconds(20)), run.log)
        }
        #expect(try await check().0 == 0)
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 0)], ofItemAtPath: bin.appendingPathComponent("Renderer").path)
        let (stale, why) = try await check()
        #expect(stale == 1 && why.hasSuffix("changed since the last build\n"), "\(why)")
        try FileManager.default.removeItem(at: bin.appendingPathComponent("Deliver"))
        let (missing, whyMissing) = try await check()
        #expect(missing == 1 && whyMissing == "Deliver is not built yet\n")
    }

    /// `scripts/run.sh` as a terminal starts it: in a process group of its own, with no
    /// signal blocked. A child inherits the mask of the thread that spawns it, and the test
    /// runner's threads block SIGINT and SIGCHLD, so python3 clears it and execs the script.
    static func runScript(environment: [String: String]) throws -> StageProcess {
        let unblocked = "import os, signal, sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])"
        let script = StageProcess.repositoryRoot.appendingPathComponent("scripts/run.sh").path
        return try StageProcess(path: "/usr/bin/python3", arguments: ["-c", unblocked, script], environment: environment)
    }

}

/// run.sh over stand-in stages: bash scripts that log "NAME TERM" / "NAME INT" for each
/// signal, stop after `termsToStop` SIGTERMs, and (the `crashing` one) exit 3 on their own.
private struct StandInBot {
    let run: StageProcess
    let log: URL

    static let stage = """
        #!/usr/bin/env bash
        name=$(basename "$0")
        if [ "${1:-}" = migrate ]; then exit 0; fi
        terms=0
        trap 'terms=$((terms + 1)); echo "$name TERM" >> "$STAND_IN_LOG"; [ $terms -ge $STAND_IN_TERMS ] && exit 0' TERM
        trap 'echo "$name INT" >> "$STAND_IN_LOG"; exit 0' INT
        echo "$name ports ${LIENZO_METRICS_PORT:-} ${INGEST_METRICS_PORT:-} ${DELIVER_METRICS_PORT:-}" >> "$STAND_IN_LOG"
        echo "$name started" >> "$STAND_IN_LOG"
        if [ "$name" = "$STAND_IN_CRASH" ]; then sleep 0.3; exit 3; fi
        while :; do sleep 0.05; done
        """

    static func start(termsToStop: Int = 1, crashing: String = "") async throws -> StandInBot {
        let bin = try ScratchFolder.make("run-sh")
        for name in ["Ingest", "Renderer", "Deliver"] {
            let path = bin.appendingPathComponent(name).path
            FileManager.default.createFile(atPath: path, contents: Data(stage.utf8), attributes: [.posixPermissions: 0o755])
        }
        let log = bin.appendingPathComponent("signals.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let run = try RunScriptTests.runScript(environment: [
            "TELEGRAM_BOT_TOKEN": RunScriptTests.token, "LIENZO_MODEL": RunScriptTests.model, "LIENZO_BIN": bin.path,
            "DATABASE_URL": "host=/stand-in", "STAND_IN_LOG": log.path, "STAND_IN_TERMS": "\(termsToStop)", "STAND_IN_CRASH": crashing,
        ])
        let bot = StandInBot(run: run, log: log)
        try await bot.waitForLog { lines in lines.filter { $0.hasSuffix("started") }.count == 3 }
        try await bot.waitForLog { _ in run.log.contains("Lienzo is running") }
        return bot
    }

    /// The signals the stages got, one "NAME SIGNAL" each.
    var signals: [String] { lines.filter { !$0.hasSuffix("started") && !$0.contains(" ports") } }

    /// "NAME ports RENDERER INGEST DELIVER": the metrics ports each stage was started with.
    var ports: [String] { lines.filter { $0.contains(" ports") } }

    private var lines: [String] {
        ((try? String(contentsOf: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func waitForLog(_ predicate: ([String]) -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !predicate(lines) {
            guard ContinuousClock.now < deadline else { throw TestFailure("stand-in stages: \(lines); run.sh: \(run.log)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
