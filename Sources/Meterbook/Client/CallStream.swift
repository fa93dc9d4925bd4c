import Foundation

/// The events of a streaming call, as the service sends them. Iterate it once.
///
/// Iteration throws `MeterbookError` when the stream reports an error or is cut short, and
/// `CancellationError` when the task is cancelled. Stopping early cancels the transfer and records the
/// attempt as cancelled, with the usage seen so far.
public struct CallStream: AsyncSequence, Sendable {
    public typealias Element = SSEEvent

    public let callID: String
    public let api: APIKind
    let attempt: StreamAttempt

    /// The attempt's row once the stream has ended (nil before).
    public var record: AttemptRecord? { attempt.finalRecord }

    public func makeAsyncIterator() -> Iterator { Iterator(attempt: attempt) }

    public struct Iterator: AsyncIteratorProtocol {
        let attempt: StreamAttempt
        public mutating func next() async throws -> SSEEvent? { try await attempt.next() }
    }

    /// The generated text, piece by piece.
    public func textDeltas() -> AsyncThrowingCompactMapSequence<CallStream, String> {
        let api = api
        return compactMap { OutputText.delta(in: $0, api: api) }
    }
}

/// One streaming attempt after its 2xx head: reads the transfer, feeds the observer, records at the end.
// @unchecked Sendable: a CallStream is iterated by one consumer, so `next()` never runs concurrently; the lock
// covers the state that `deinit` and `finalRecord` read from other threads.
final class StreamAttempt: @unchecked Sendable {
    private var events: AsyncThrowingStream<TransportEvent, Error>.AsyncIterator?
    private var observer: AttemptObserver
    private let recorder: Recorder?
    private let attempts: Int
    private var pending: [SSEEvent] = []
    private var pendingError: Error?
    private let lock = NSLock()
    private var recorded: AttemptRecord?

    init(events: AsyncThrowingStream<TransportEvent, Error>.AsyncIterator, observer: AttemptObserver, recorder: Recorder?, attempts: Int) {
        self.events = events
        self.observer = observer
        self.recorder = recorder
        self.attempts = attempts
    }

    deinit {
        // Abandoned before the end: dropping `events` cancels the transfer; record what was seen.
        if recorded == nil { recorder?.record(observer.cancel()) }
    }

    var finalRecord: AttemptRecord? {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    func next() async throws -> SSEEvent? {
        while true {
            if !pending.isEmpty { return pending.removeFirst() }
            if let error = pendingError {
                pendingError = nil
                throw error
            }
            guard events != nil else { return nil }
            do {
                guard let event = try await events?.next() else {
                    finish(observer.cancel())
                    throw CancellationError()
                }
                switch event {
                case .head:
                    continue
                case .body(let chunk):
                    for observed in observer.receiveBody(chunk) {
                        if observed.effect.isError {
                            // The SDKs raise at the error event; stop reading and cancel the rest of the transfer.
                            let record = observer.finish(metrics: nil)
                            finish(record)
                            pendingError = MeterbookError.from(record, attempts: attempts)
                            break
                        }
                        pending.append(observed.event)
                    }
                case .end(let metrics):
                    let record = observer.finish(metrics: metrics)
                    finish(record)
                    if record.outcome != .ok { pendingError = MeterbookError.from(record, attempts: attempts) }
                }
            } catch let error as TransportError {
                let record = observer.fail(error)
                finish(record)
                if error.code == .cancelled { throw CancellationError() }
                throw MeterbookError.from(record, attempts: attempts)
            }
        }
    }

    private func finish(_ record: AttemptRecord) {
        events = nil
        lock.lock()
        recorded = record
        lock.unlock()
        recorder?.record(record)
    }
}
