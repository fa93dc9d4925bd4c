import CCurl
import Foundation

/// Sends HTTP requests with libcurl and streams the responses back.
///
/// All transfers of one transport share a `curl_multi` handle driven by one dedicated
/// thread, so connections are kept alive and reused (HTTP/2 multiplexed when a TLS server
/// offers it), and no Swift concurrency thread ever blocks on the network.
public final class CurlTransport: Sendable {
    /// A process-wide transport; use it unless you need separate connection limits.
    public static let shared = CurlTransport()

    private let loop: CurlMultiLoop

    /// - Parameter maxConnectionsPerHost: Connections open at once to one host; further
    ///   transfers to that host wait for a free connection (or share one over HTTP/2).
    ///   Up to four times this many idle connections (over all hosts) stay open for reuse.
    public init(maxConnectionsPerHost: Int = 64) {
        _ = CurlGlobal.initResult
        loop = CurlMultiLoop(maxConnectionsPerHost: maxConnectionsPerHost)
        loop.start()
    }

    // Transfers already started keep running; the thread exits after the last one.
    deinit {
        loop.shutdown()
    }

    /// Starts `request` and returns its events: one `.head`, `.body` chunks as they arrive,
    /// then `.end`; or a thrown `TransportError`, possibly after some body.
    ///
    /// Cancelling the consuming task, or dropping the stream, aborts the transfer and closes
    /// its connection; a consumer still reading sees `TransportError` with code `.cancelled`.
    public func execute(_ request: TransportRequest) -> AsyncThrowingStream<TransportEvent, Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: TransportEvent.self, throwing: Error.self)
        if let error = CurlGlobal.initError {
            continuation.finish(throwing: error)
            return stream
        }
        let transfer: CurlTransfer
        do {
            transfer = try CurlTransfer(id: loop.makeTransferID(), request: request, continuation: continuation)
        } catch {
            continuation.finish(throwing: error)
            return stream
        }

        let loop = self.loop
        let id = transfer.id
        let snapshot = transfer.snapshot
        continuation.onTermination = { termination in
            guard case .cancelled = termination else { return }
            // Finish here, not on the curl thread: once this handler returns, the stream
            // ends on its own and a later error would never reach the consumer.
            continuation.finish(throwing: TransportError(
                code: .cancelled, message: "The transfer was cancelled before it completed.",
                metrics: snapshot.current()))
            loop.cancel(id: id)
        }
        if !loop.submit(transfer) {
            continuation.finish(throwing: TransportError(
                code: .cancelled, message: "The transport shut down before the transfer started."))
        }
        return stream
    }
}
