import CCurl
import Foundation

/// Drives one `curl_multi` handle from a dedicated thread.
///
/// libcurl blocks while it waits for sockets, and Swift's cooperative pool has only as
/// many threads as cores, so curl gets a thread of its own. A multi handle must be used
/// from one thread at a time: every call on it (and on the easy handles it holds) happens
/// on that thread. Other threads only queue commands and call `curl_multi_wakeup`, which
/// libcurl allows from any thread.
final class CurlMultiLoop: @unchecked Sendable { // `commands`, `nextID`, `isShuttingDown` and `isClosed` are guarded by `lock`; `transfers` and `idsByHandle` are touched only on the curl thread
    private enum Command {
        case add(CurlTransfer)
        case cancel(UInt64)
    }

    /// How long the thread sleeps in `curl_multi_poll` when nothing happens; curl shortens
    /// it by itself when one of its own timers (timeouts, keep-alive) is due sooner.
    private static let idlePollMilliseconds: Int32 = 1000

    private let multi: UnsafeMutableRawPointer
    private let lock = NSLock()
    private var commands: [Command] = []
    private var nextID: UInt64 = 0
    private var isShuttingDown = false
    private var isClosed = false

    private var transfers: [UInt64: CurlTransfer] = [:]
    private var idsByHandle: [UnsafeMutableRawPointer: UInt64] = [:]

    init(maxConnectionsPerHost: Int) {
        guard let multi = curl_multi_init() else {
            // Only fails when out of memory; nothing sensible can continue.
            fatalError("libcurl could not create a multi handle")
        }
        self.multi = multi
        // These only fail for an unknown option or a bad value, a programming error.
        let multiplexing = curlshim_multi_setopt_long(multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX)
        precondition(multiplexing == CURLM_OK, "CURLMOPT_PIPELINING rejected")
        let limit = curlshim_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(1, maxConnectionsPerHost))
        precondition(limit == CURLM_OK, "CURLMOPT_MAX_HOST_CONNECTIONS rejected")
    }

    /// Starts the curl thread; it keeps this loop alive until `shutdown()` and the last transfer.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "meterbook-curl"
        thread.start()
    }

    func makeTransferID() -> UInt64 {
        lock.withLock {
            nextID += 1
            return nextID
        }
    }

    /// Hands a configured transfer to the curl thread; false once the loop has shut down.
    func submit(_ transfer: CurlTransfer) -> Bool {
        send(.add(transfer))
    }

    /// Asks the curl thread to abort a transfer; a no-op when it already finished.
    func cancel(id: UInt64) {
        _ = send(.cancel(id))
    }

    /// Lets the thread exit once the running transfers are done, then frees the multi handle.
    func shutdown() {
        lock.withLock {
            guard !isClosed else { return }
            isShuttingDown = true
            curl_multi_wakeup(multi)
        }
    }

    private func send(_ command: Command) -> Bool {
        lock.withLock {
            // Waking up under the lock keeps the multi handle from being cleaned up meanwhile.
            guard !isClosed else { return false }
            commands.append(command)
            curl_multi_wakeup(multi)
            return true
        }
    }

    // MARK: Curl thread

    private func run() {
        var running: Int32 = 0
        while true {
            let (batch, stopping) = lock.withLock {
                defer { commands.removeAll(keepingCapacity: true) }
                return (commands, isShuttingDown)
            }
            for command in batch { apply(command) }

            // A failed perform (out of memory) still leaves finished transfers to collect,
            // and per-transfer errors arrive through curl_multi_info_read.
            curl_multi_perform(multi, &running)
            collectFinishedTransfers()
            // Streams outlive the transport that started them: stop only once they are done.
            if stopping && transfers.isEmpty { break }
            if curl_multi_poll(multi, nil, 0, Self.idlePollMilliseconds, nil) != CURLM_OK {
                // Poll only fails when out of memory or broken; don't spin while it lasts.
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
        tearDown()
    }

    private func apply(_ command: Command) {
        switch command {
        case .add(let transfer):
            transfers[transfer.id] = transfer
            idsByHandle[transfer.handle] = transfer.id
            let code = curl_multi_add_handle(multi, transfer.handle)
            if code != CURLM_OK {
                forget(transfer)
                transfer.complete(with: CURLE_FAILED_INIT)
            }
        case .cancel(let id):
            guard let transfer = transfers[id] else { return }
            curl_multi_remove_handle(multi, transfer.handle)
            forget(transfer)
            transfer.cancel(reason: "The transfer was cancelled before it completed.")
        }
    }

    private func collectFinishedTransfers() {
        var remaining: Int32 = 0
        while let message = curl_multi_info_read(multi, &remaining) {
            // The message is invalid after remove_handle: copy what is needed first.
            guard message.pointee.msg == CURLMSG_DONE, let handle = message.pointee.easy_handle else { continue }
            let result = message.pointee.data.result
            guard let id = idsByHandle[handle], let transfer = transfers[id] else { continue }
            // Metrics are read before removal; the connection is already back in the cache.
            transfer.complete(with: result)
            curl_multi_remove_handle(multi, handle)
            forget(transfer)
        }
    }

    private func forget(_ transfer: CurlTransfer) {
        transfers[transfer.id] = nil
        idsByHandle[transfer.handle] = nil
    }

    private func tearDown() {
        let unstarted = lock.withLock {
            isClosed = true
            defer { commands.removeAll() }
            return commands
        }
        for case .add(let transfer) in unstarted {
            transfer.cancel(reason: "The transport shut down before the transfer started.")
        }
        curl_multi_cleanup(multi)
    }
}
