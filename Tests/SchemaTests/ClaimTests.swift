import Schema
import Testing
import TestSupport

@Suite struct ClaimTests {
    @Test func fourClaimersTakeEachOfAThousandJobsExactlyOnce() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        for update in 1...1000 {
            // Three batch keys interleaved so claims also switch keys.
            _ = try await db.queue.enqueueAccepted(Fixtures.request(steps: 4 + update % 3), from: Fixtures.origin(update: Int64(update), user: Int64(update % 17)))
        }
        var connections: [PostgresConnection] = []
        for _ in 0..<4 { connections.append(try await db.connect()) }
        let claims = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for (index, connection) in connections.enumerated() {
                group.addTask {
                    let queue = JobQueue(connection)
                    var mine: [Int64] = []
                    while true {
                        let batch = try await queue.claimRenderBatch(owner: "r\(index)", model: "tiny", limit: 4, leaseSeconds: 60)
                        if batch.isEmpty { return mine }
                        #expect(Set(batch.map(\.request.batchKey)).count == 1)
                        for job in batch { #expect(try await queue.finishRender(job.lease, png: [1, 2, 3].data)) }
                        mine += batch.map(\.lease.jobID)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let all = claims.flatMap { $0 }
        #expect(all.count == 1000)
        #expect(Set(all).count == 1000)
        #expect(claims.allSatisfy { !$0.isEmpty }, "every claimer got work: \(claims.map(\.count))")
        #expect(Set(try await jobStates(db).values) == ["rendered"])
    }

    @Test func aBatchHoldsOnlyTheOldestJobsKeyInFIFOOrder() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        // ids 1..6 alternate 64×64 and 64×96; one job of another model.
        var ids: [Int64] = []
        for update in 1...6 {
            ids.append(try await db.queue.enqueueAccepted(
                Fixtures.request(height: update % 2 == 1 ? 64 : 96), from: Fixtures.origin(update: Int64(update), user: Int64(update))))
        }
        _ = try await db.queue.enqueueAccepted(Fixtures.request(model: "big"), from: Fixtures.origin(update: 99, user: 99))

        let first = try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 2, leaseSeconds: 60)
        #expect(first.map(\.lease.jobID) == [ids[0], ids[2]])
        // The next claim starts from the oldest remaining job: the other key now.
        let second = try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 8, leaseSeconds: 60)
        #expect(second.map(\.lease.jobID) == [ids[1], ids[3], ids[5]])
        #expect(second.allSatisfy { $0.request.height == 96 && $0.lease.attempt == 1 })
        let third = try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 8, leaseSeconds: 60)
        #expect(third.map(\.lease.jobID) == [ids[4]])
        #expect(try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 8, leaseSeconds: 60).isEmpty)
        #expect(try await db.queue.claimRenderBatch(owner: "r", model: "big", limit: 8, leaseSeconds: 60).count == 1)
    }

    @Test func aBusyKeyDoesNotStarveAnOlderJobOfAnotherKey() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        let lonely = try await db.queue.enqueueAccepted(Fixtures.request(sampler: "ddim"), from: Fixtures.origin(update: 1, user: 1))
        var update: Int64 = 2
        func enqueuePopular() async throws {
            _ = try await db.queue.enqueueAccepted(Fixtures.request(), from: Fixtures.origin(update: update, user: update))
            update += 1
        }
        for _ in 0..<4 { try await enqueuePopular() }
        // Popular jobs keep arriving while batches run; the older ddim job still goes first.
        let batch = try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 4, leaseSeconds: 60)
        #expect(batch.map(\.lease.jobID) == [lonely])
        try await enqueuePopular()
        let next = try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 4, leaseSeconds: 60)
        #expect(next.count == 4 && next.allSatisfy { $0.request.sampler == "euler" })
    }
}

extension Array where Element == UInt8 {
    var data: Data { Data(self) }
}

import Foundation

@Suite struct BatchMemoryCapTests {
    @Test func largeImagesAreClaimedInSmallerBatches() async throws {
        let db = try await TestDatabase.make()
        try await db.queue.setUnlimitedQuotas()
        for update in 1...5 {
            _ = try await db.queue.enqueueAccepted(Fixtures.request(width: 512, height: 512), from: Fixtures.origin(update: Int64(update), user: Int64(update)))
        }
        let cap = 2 * 512 * 512
        #expect(try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 4, leaseSeconds: 60, maxPixels: cap).count == 2)
        // A single image larger than the cap is still claimed alone, never starved.
        #expect(try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 4, leaseSeconds: 60, maxPixels: 1000).count == 1)
        #expect(try await db.queue.claimRenderBatch(owner: "r", model: "tiny", limit: 4, leaseSeconds: 60).count == 2)
    }
}
