import Bot
import Foundation
import Logging
import Runtime
import Schema
import ServiceLifecycle
import Telegram

/// Deliver: sends everything the bot says. One dispatcher claims outbox rows, rendered
/// jobs and due status edits (never more than `maxInFlight` held), queues them per
/// chat and hands them to free senders as the `SendPacer` allows, so a chat that must
/// wait delays only itself. It wakes on NOTIFY and polls with jitter as a fallback,
/// and runs the lease rescuer. On shutdown it stops claiming, lets sends in flight
/// finish and hands unsent rows back.
public struct DeliverService: Service {
    let connection: PostgresConnection
    let listenConnection: PostgresConnection
    let senders: [DeliverSender]
    let configuration: DeliverConfiguration
    let owner: String
    let logger: Logger

    /// - Parameters:
    ///   - senders: one (Bot API client, database connection) per parallel send.
    ///   - tokenCounter: finds the part of a prompt CLIP will not read, quoted in the
    ///     acknowledgement; the same counter Ingest uses.
    public init(
        connection: PostgresConnection, listenConnection: PostgresConnection,
        senders: [(client: TelegramClient, connection: PostgresConnection)],
        configuration: DeliverConfiguration, owner: String,
        tokenCounter: any PromptTokenCounter = EstimatedCLIPTokenCounter(), logger: Logger
    ) {
        self.connection = connection
        self.listenConnection = listenConnection
        let deliveredPhotos = GroupCommit<DeliverSender.DeliveredPhoto, JobLatency?>()
        self.senders = senders.map {
            DeliverSender(client: $0.client, connection: $0.connection, configuration: configuration,
                          tokenCounter: tokenCounter, deliveredPhotos: deliveredPhotos, logger: logger)
        }
        self.configuration = configuration
        self.owner = owner
        self.logger = logger
    }

    struct Finished: Sendable {
        var sender: Int
        var item: DeliverItem
        var outcome: DeliverOutcome
    }

    public func run() async throws {
        let queue = JobQueue(connection)
        let wake = WakeSignal()
        let claimWanted = Flag()
        let stop = Flag()
        let mailbox = Mailbox<Finished>()
        for channel in [queue.channels.outbox, queue.channels.jobsRendered] {
            try await listenConnection.listen(channel)
        }
        var dispatcher = Dispatcher(service: self, queue: queue)
        await withDiscardingTaskGroup { group in
            group.addTask {
                await listen(stop: stop, claimWanted: claimWanted, wake: wake)
            }
            await withGracefulShutdownHandler {
                await dispatcher.loop(group: &group, wake: wake, claimWanted: claimWanted, stop: stop, mailbox: mailbox)
            } onGracefulShutdown: {
                stop.raise()
                wake.signal()
            }
            stop.raise()
        }
        logger.info("stopped")
    }

    /// Turns notifications into claim requests.
    private func listen(stop: Flag, claimWanted: Flag, wake: WakeSignal) async {
        while !stop.isRaised && !Task.isCancelled {
            do {
                if !(try await listenConnection.waitForNotifications(timeout: .milliseconds(500))).isEmpty {
                    claimWanted.raise()
                    wake.signal()
                }
            } catch {
                logger.warning("notification connection lost; polling until it is back", metadata: [LogKey.error: "\(error)"])
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
