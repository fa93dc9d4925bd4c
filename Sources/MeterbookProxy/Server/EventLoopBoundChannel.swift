import HummingbirdCore
import Logging
import NIOCore

/// A Hummingbird child channel whose connections are handled on their own event loop.
///
/// Hummingbird runs each connection's handler as a task on the global concurrency pool, and every response write
/// then hops to the channel's event loop. With the loop as the task's executor preference, reading the request,
/// the proxy's handler and the relay's writes all run on the loop; the handler's work never blocks (the recorder
/// and the upstream transport only queue), so the loop's other connections are not held up.
struct EventLoopBoundChannel<Base: ServerChildChannel>: ServerChildChannel {
    let base: Base

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Base.Value> {
        base.setup(channel: channel, logger: logger)
    }

    func handle(value: Base.Value, logger: Logger) async {
        await withTaskExecutorPreference(EventLoopTaskExecutor(value.channel.eventLoop)) {
            await base.handle(value: value, logger: logger)
        }
    }
}
