/// One kind of trouble the chaos suite causes; `ChaosMonkey` takes them in turn, each
/// round in a new seeded order.
enum ChaosFault: String, CaseIterable {
    /// SIGKILL of a stage, then a fresh process.
    case killIngest, killRenderer, killDeliver
    /// `pg_ctl restart -m immediate`: every connection cut mid-statement, WAL recovery.
    case restartPostgres
    /// `pg_terminate_backend` of every stage connection; the server stays up.
    case terminateConnections
    /// The Bot API answers 429 with `retry_after` to a run of requests.
    case tooManyRequests
    /// The Bot API answers 5xx (a JSON error or a proxy's HTML page) to a few requests.
    case serverErrors
    /// The Bot API answers a run of requests late, but within the client's timeout.
    case slowReplies
    /// The Bot API takes connections and answers nothing for a while.
    case blackHole
}
