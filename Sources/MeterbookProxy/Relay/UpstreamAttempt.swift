import Foundation
import Hummingbird
import Meterbook
import NIOConcurrencyHelpers

/// One forwarded attempt: reads upstream's answer from the transport, relays it to the client as it arrives,
/// feeds the same `AttemptObserver` the client library uses, and records the attempt exactly once.
// @unchecked Sendable: used by one task at a time (the request handler until it returns the response,
// then the body writer); only `recorded`, which deinit also reads, is shared, and it locks itself.
final class UpstreamAttempt: @unchecked Sendable {
    enum Head {
        case received(TransportHead)
        /// No response: already recorded as a transport error (or cancelled).
        case failed(TransportError)
    }

    private var events: AsyncThrowingStream<TransportEvent, Error>.AsyncIterator?
    private var observer: AttemptObserver
    private var filter: UsageChunkFilter?
    private let onRecord: @Sendable (AttemptRecord) -> Void
    private let recorded = NIOLockedValueBox(false)

    init(events: AsyncThrowingStream<TransportEvent, Error>, observer: AttemptObserver, onRecord: @escaping @Sendable (AttemptRecord) -> Void) {
        self.events = events.makeAsyncIterator()
        self.observer = observer
        self.onRecord = onRecord
    }

    deinit {
        // Never relayed (the client went away before the body was written): dropping the iterator has
        // cancelled the transfer; record what was seen.
        if !recorded.withLockedValue({ $0 }) { onRecord(observer.cancel()) }
    }

    /// Whether upstream answers with a 2xx event stream (known once the head arrived).
    var isEventStream: Bool { observer.isEventStream }

    /// Removes the include_usage chunk from what the client gets from now on.
    func stripUsageChunk() {
        filter = UsageChunkFilter()
    }

    /// Waits for upstream's status and headers.
    func head() async -> Head {
        do {
            while let event = try await events?.next() {
                switch event {
                case .head(let head):
                    observer.receiveHead(head)
                    return .received(head)
                case .body(let chunk):
                    observer.receiveBody(chunk)
                case .end(let metrics):
                    // Only when curl saw no head at all; the observer records it as a transport error.
                    let record = observer.finish(metrics: metrics)
                    finish(record)
                    return .failed(TransportError(code: .other, message: record.errorMessage ?? "The upstream sent no response.", metrics: metrics))
                }
            }
            let error = TransportError(code: .cancelled, message: "The request was cancelled before upstream answered.")
            finish(observer.fail(error))
            return .failed(error)
        } catch {
            let failure = error as? TransportError ?? TransportError(code: .cancelled, message: "The request was cancelled before upstream answered.")
            finish(observer.fail(failure))
            return .failed(failure)
        }
    }

    /// Relays the body to the client chunk by chunk (event by event when stripping the usage chunk) and
    /// records the attempt at its end. Throws, cutting the client's connection, when upstream broke off or
    /// the client went away, so the client never mistakes a cut answer for a complete one.
    func relay(to writer: inout any ResponseBodyWriter) async throws {
        while true {
            let event: TransportEvent?
            do {
                event = try await events?.next()
            } catch {
                let failure = error as? TransportError ?? TransportError(code: .cancelled, message: "The relay was cancelled.")
                finish(observer.fail(failure))
                throw failure
            }
            guard let event else {
                // The stream ended without `.end`: this task was cancelled (client gone, or shutdown cut it).
                finish(observer.cancel())
                throw CancellationError()
            }
            switch event {
            case .head:
                continue
            case .body(let chunk):
                observer.receiveBody(chunk)
                let out = filter?.feed(chunk) ?? chunk
                if !out.isEmpty { try await write(out, to: &writer) }
            case .end(let metrics):
                if let rest = filter?.finish(), !rest.isEmpty { try await write(rest, to: &writer) }
                finish(observer.finish(metrics: metrics))
                try await writer.finish(nil)
                return
            }
        }
    }

    private func write(_ bytes: Data, to writer: inout any ResponseBodyWriter) async throws {
        do {
            try await writer.write(ByteBuffer(bytes: bytes))
        } catch {
            // The client is gone: stop the transfer (dropping the iterator cancels it) and record what was seen.
            events = nil
            if observer.analyzer.error != nil {
                // The client left after the stream's error event, as the SDKs do: a stream error, not a cancel.
                finish(observer.finish(metrics: nil))
            } else {
                finish(observer.fail(TransportError(code: .cancelled, message: "The client closed the connection.")))
            }
            throw error
        }
    }

    private func finish(_ record: AttemptRecord) {
        events = nil
        let first = recorded.withLockedValue { done in
            defer { done = true }
            return !done
        }
        if first { onRecord(record) }
    }
}
