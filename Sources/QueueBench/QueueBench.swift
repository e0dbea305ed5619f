import ArgumentParser
import Foundation
import Runtime
import Schema
import Synchronization

/// Jobs per second through the whole queue with no rendering and no Telegram:
/// enqueue → claim (micro-batches) → finish → delivery claim → delivery finish, each stage
/// on its own connections and running at the same time, as the three stages would.
///
///     scripts/queue-bench.sh [--jobs 20000]
@main
struct QueueBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure jobs/s through enqueue → claim → finish → delivery claim → delivery finish.")

    @Option(help: "Jobs to push through.") var jobs = 20_000
    // The defaults model the stages under load. Telegram lets one getUpdates poller per
    // bot, so there is one Ingest, and once updates arrive faster than it handles them
    // every getUpdates answers its limit (INGEST_POLL_LIMIT, 100): runs of /generate
    // messages of up to 100 are enqueued together. Renderers can be many (each claims
    // with SKIP LOCKED); Deliver is one process.
    @Option(help: "Concurrent enqueuing connections (Ingests).") var enqueuers = 1
    @Option(help: "Requests per enqueue call: Ingest enqueues the /generate messages of one getUpdates response together.")
    var enqueueBatch = 100
    @Option(help: "Concurrent render claimers (Renderers).") var renderers = 2
    @Option(help: "Concurrent delivery claimers.") var deliverers = 1
    @Option(help: "Render micro-batch size.") var batch = 4
    @Option(help: "Delivery claim size.") var deliveryBatch = 16
    @Option(help: "Delivered jobs of history seeded first (then ANALYZE), as a table in service has.")
    var history = 50_000
    @Option(help: "PID of the PostgreSQL postmaster on this machine: its reaped children's CPU time is the server side's cost.")
    var serverPid: Int32?
    @Flag(help: "Run the phases one after another on one connection and print each one's rate (to see where time goes).")
    var phases = false
    @Flag(help: "One connection, one batch at a time through every step (a short queue, no contention): each step's time per job.")
    var steady = false

    func validate() throws {
        guard jobs > 0, history >= 0, enqueuers > 0, renderers > 0, deliverers > 0, batch > 0, deliveryBatch > 0,
              enqueueBatch > 0 else {
            throw ValidationError("every count must be positive")
        }
    }

    func run() async throws {
        var configuration = try PostgresConfiguration(environment: Environment())
        configuration.schema = "bench_" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let setup = try await PostgresConnection.connect(configuration)
        try await Migrator().migrate(setup)
        try await JobQueue(setup).setQuotaDefaults(dailyLimit: jobs, maxQueued: jobs)
        if history > 0 { try await setup.query(EmbeddedSQL.Queries.seedBenchHistory, history) }
        try await setup.query(EmbeddedSQL.Queries.analyzeBenchTables)

        if phases {
            try await runPhases(JobQueue(setup))
            return
        }
        if steady {
            try await runSteady(JobQueue(setup))
            return
        }
        // The setup connection (and its seeding work) ends before the measured part.
        await setup.close()
        var connections: [PostgresConnection] = []
        for _ in 0..<(enqueuers + renderers + deliverers) { connections.append(try await PostgresConnection.connect(configuration)) }
        let queues = connections.map(JobQueue.init)
        for queue in queues[enqueuers..<(enqueuers + renderers)] { try await queue.connection.listen(queue.channels.jobsQueued) }
        for queue in queues[(enqueuers + renderers)...] { try await queue.connection.listen(queue.channels.jobsRendered) }
        let serverBefore = try await serverCPUSeconds()
        let counters = Counters()
        let deliveredPhotos = GroupCommit<(lease: JobQueue.Lease, telegramMessageID: Int64), Bool>()
        let png = Data(repeating: 0x42, count: 256)
        let (jobs, batch, deliveryBatch, enqueuers, renderers, enqueueBatch) = (jobs, batch, deliveryBatch, enqueuers, renderers, enqueueBatch)
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<enqueuers {
                let queue = queues[worker]
                group.addTask(executorPreference: queue.connection.taskExecutor) {
                    // Worker w enqueues the chunks w, w + enqueuers, … of `enqueueBatch` requests.
                    for first in stride(from: worker * enqueueBatch, to: jobs, by: enqueuers * enqueueBatch) {
                        let batch = (first..<min(first + enqueueBatch, jobs)).map(Self.benchRequest)
                        for outcome in try await queue.enqueue(batch) {
                            guard case .accepted = outcome else { throw ValidationError("a request was not accepted: \(outcome)") }
                        }
                    }
                }
            }
            for worker in 0..<renderers {
                let queue = queues[enqueuers + worker]
                group.addTask(executorPreference: queue.connection.taskExecutor) {
                    while counters.rendered < jobs {
                        let claimed = try await queue.claimRenderBatch(owner: "r\(worker)", model: "bench", limit: batch, leaseSeconds: 60)
                        // Like the stages: an empty queue waits for NOTIFY (with a short fallback poll).
                        if claimed.isEmpty { _ = try await queue.connection.waitForNotifications(timeout: .milliseconds(20)); continue }
                        _ = try await queue.finishRenders(claimed.map { ($0.lease, png) })
                        counters.add(rendered: claimed.count, batches: 1)
                    }
                }
            }
            for worker in 0..<deliverers {
                let queue = queues[enqueuers + renderers + worker]
                group.addTask(executorPreference: queue.connection.taskExecutor) {
                    while counters.delivered < jobs {
                        let claimed = try await queue.claimDeliveries(owner: "d\(worker)", limit: deliveryBatch, leaseSeconds: 60)
                        if claimed.isEmpty { _ = try await queue.connection.waitForNotifications(timeout: .milliseconds(20)); continue }
                        // As Deliver's sending slots: each photo is recorded as soon as it is
                        // "sent" (here at once), through the group commit the slots share.
                        try await withThrowingTaskGroup(of: Void.self) { sends in
                            for job in claimed {
                                sends.addTask(executorPreference: queue.connection.taskExecutor) {
                                    _ = try await deliveredPhotos.submit((job.lease, job.lease.jobID)) { photos in
                                        let finished = try await queue.finishDeliveries(photos)
                                        return photos.map { finished.contains($0.lease.jobID) }
                                    }
                                }
                            }
                            try await sends.waitForAll()
                        }
                        counters.add(delivered: claimed.count)
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        let seconds = elapsed.seconds
        let meanBatch = Double(counters.rendered) / Double(max(counters.batches, 1))
        print(String(format: "queue bench: %d jobs in %.2f s = %.0f jobs/s (enqueuers %d × batches of %d, renderers %d, deliverers %d, mean render batch %.2f, history %d)",
                     jobs, seconds, Double(jobs) / seconds, enqueuers, enqueueBatch, renderers, deliverers, meanBatch, history))
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let client = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        print(String(format: "client CPU: %.2f s = %.0f µs per job", client, client * 1e6 / Double(jobs)))
        if let serverBefore, let serverAfter = try await serverCPUSeconds(afterClosing: connections) {
            let server = serverAfter - serverBefore
            let perJob = (server + client) * 1e6 / Double(jobs)
            print(String(format: "server CPU: %.2f s = %.0f µs per job", server, server * 1e6 / Double(jobs)))
            print(String(format: "CPU per job: %.0f µs (client + server) = at most %.0f jobs/s on 2 fully available cores", perJob, 2e6 / perJob))
        }
    }
}

extension QueueBench {
    /// CPU seconds of the postmaster's reaped children (backends, autovacuum), after
    /// closing `connections` and giving the postmaster a moment to reap their backends.
    func serverCPUSeconds(afterClosing connections: [PostgresConnection] = []) async throws -> Double? {
        guard let serverPid else { return nil }
        for connection in connections { await connection.close() }
        try await Task.sleep(for: .milliseconds(500))
        return Self.cpuSeconds(of: serverPid, children: true)
    }

    /// CPU seconds (user + system) from /proc/PID/stat: the process's own so far, or
    /// those of its reaped children.
    static func cpuSeconds(of pid: Int32, children: Bool = false) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        // Fields after "comm)" start with field 3 (state); utime and stime are fields 14
        // and 15, cutime and cstime 16 and 17.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let first = children ? 13 : 11
        guard fields.count > first + 1, let user = Double(fields[first]), let system = Double(fields[first + 1]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Each step alone: where does a job's time go? Prints each step's rate and the
    /// server CPU it cost per job (read from this connection's backend process).
    func runPhases(_ queue: JobQueue) async throws {
        let png = Data(repeating: 0x42, count: 256)
        let backend: Int32 = try await queue.connection.query(EmbeddedSQL.Queries.backendPID).first?.decode("pid") ?? 0
        func timed(_ name: String, _ body: () async throws -> Void) async throws {
            let cpuBefore = Self.cpuSeconds(of: backend)
            let started = ContinuousClock.now
            try await body()
            let elapsed = ContinuousClock.now - started
            let seconds = elapsed.seconds
            var server = ""
            if let cpuBefore, let cpuAfter = Self.cpuSeconds(of: backend) {
                server = String(format: ", server CPU %.0f µs per job", (cpuAfter - cpuBefore) * 1e6 / Double(jobs))
            }
            print(String(format: "%-30@ %8.0f jobs/s  (%.3f ms per job%@)", name as NSString, Double(jobs) / seconds,
                         seconds * 1000 / Double(jobs), server as NSString))
        }
        try await timed("enqueue (batches of \(enqueueBatch))") {
            for first in stride(from: 0, to: jobs, by: enqueueBatch) {
                _ = try await queue.enqueue((first..<min(first + enqueueBatch, jobs)).map(Self.benchRequest))
            }
        }
        var claimed: [[JobQueue.ClaimedJob]] = []
        try await timed("claim (batches of \(batch))") {
            while true {
                let next = try await queue.claimRenderBatch(owner: "r", model: "bench", limit: batch, leaseSeconds: 60)
                if next.isEmpty { break }
                claimed.append(next)
            }
        }
        try await timed("finish (batches of \(batch))") {
            for group in claimed { _ = try await queue.finishRenders(group.map { ($0.lease, png) }) }
        }
        var deliveries: [[JobQueue.ClaimedDelivery]] = []
        try await timed("delivery claim (\(deliveryBatch))") {
            while true {
                let next = try await queue.claimDeliveries(owner: "d", limit: deliveryBatch, leaseSeconds: 60)
                if next.isEmpty { break }
                deliveries.append(next)
            }
        }
        try await timed("delivery finish (as claimed)") {
            for group in deliveries { _ = try await queue.finishDeliveries(group.map { ($0.lease, $0.lease.jobID) }) }
        }
    }
}

extension QueueBench {
    /// A batch at a time through every step on one connection, so the queue stays short
    /// and nothing competes for the CPU: the time per job of each step is its cost.
    func runSteady(_ queue: JobQueue) async throws {
        let png = Data(repeating: 0x42, count: 256)
        var spent: [Duration] = Array(repeating: .zero, count: 5)
        func timed<T>(_ step: Int, _ body: () async throws -> T) async throws -> T {
            let started = ContinuousClock.now
            defer { spent[step] += ContinuousClock.now - started }
            return try await body()
        }
        var n = 0
        while n < jobs {
            let count = min(enqueueBatch, jobs - n)
            _ = try await timed(0) { try await queue.enqueue((n..<(n + count)).map(Self.benchRequest)) }
            while true {
                let claimed = try await timed(1) { try await queue.claimRenderBatch(owner: "r", model: "bench", limit: batch, leaseSeconds: 60) }
                if claimed.isEmpty { break }
                _ = try await timed(2) { try await queue.finishRenders(claimed.map { ($0.lease, png) }) }
            }
            while true {
                let deliveries = try await timed(3) { try await queue.claimDeliveries(owner: "d", limit: deliveryBatch, leaseSeconds: 60) }
                if deliveries.isEmpty { break }
                _ = try await timed(4) { try await queue.finishDeliveries(deliveries.map { ($0.lease, $0.lease.jobID) }) }
            }
            n += count
        }
        var total = 0.0
        for (step, name) in ["enqueue (batches of \(enqueueBatch))", "claim (batches of \(batch))", "finish", "delivery claim", "delivery finish"].enumerated() {
            let perJob = spent[step].seconds * 1e6 / Double(jobs)
            total += perJob
            print(String(format: "%-28@ %7.1f µs per job", name as NSString, perJob))
        }
        print(String(format: "%-28@ %7.1f µs per job = %.0f jobs/s on one connection", "all" as NSString, total, 1e6 / total))
    }
}

extension QueueBench {
    /// The n-th request: 500 users, one model and batch key, as one busy Renderer sees.
    static func benchRequest(_ n: Int) -> JobQueue.Enqueue {
        JobQueue.Enqueue(
            RenderRequest(prompt: "bench \(n)", model: "bench", width: 512, height: 512, steps: 20, guidance: 7.5,
                          seed: Int64(n), sampler: "euler"),
            from: TelegramOrigin(updateID: Int64(n), chatID: Int64(n % 500), userID: Int64(n % 500)))
    }
}

/// Progress shared by the loops. Atomics rather than an actor: each loop runs on its
/// connection's thread, and an actor hop per iteration cost two thread switches that
/// the stages themselves never pay.
final class Counters: Sendable {
    private let renderedJobs = Atomic<Int>(0)
    private let renderBatches = Atomic<Int>(0)
    private let deliveredJobs = Atomic<Int>(0)

    var rendered: Int { renderedJobs.load(ordering: .relaxed) }
    var batches: Int { renderBatches.load(ordering: .relaxed) }
    var delivered: Int { deliveredJobs.load(ordering: .relaxed) }

    func add(rendered count: Int = 0, batches: Int = 0, delivered: Int = 0) {
        renderedJobs.add(count, ordering: .relaxed)
        renderBatches.add(batches, ordering: .relaxed)
        deliveredJobs.add(delivered, ordering: .relaxed)
    }
}
