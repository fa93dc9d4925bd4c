import NIOCore

/// Runs Swift tasks on one NIO event loop.
///
/// A connection's request handling runs on its channel's event loop (see ``EventLoopBoundChannel``), so writes to
/// the client go straight into the channel instead of hopping from a concurrency-pool thread to the loop, and an
/// upstream event wakes one thread, not two. On a proxied stream that is one thread hop fewer per event.
final class EventLoopTaskExecutor: TaskExecutor {
    let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
