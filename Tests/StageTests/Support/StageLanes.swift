import Testing

/// The end-to-end suites run in two lanes, each one test at a time, so that at most two
/// harnesses (five PostgreSQL connections each) run at once beside the rest of the
/// suite: together they passed the test server's max_connections (100), and on a 2-core
/// machine they starved other suites' wall-clock assertions.
@Suite(.serialized) enum StageLaneA {}
@Suite(.serialized) enum StageLaneB {}
