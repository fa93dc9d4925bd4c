import CCurl
import Foundation

/// Drives one `curl_multi` handle from a dedicated thread.
///
/// libcurl blocks while it waits for sockets, and Swift's cooperative pool has only as
/// many threads as cores, so curl gets a thread of its own. A multi handle must be used
/// from one thread at a time: every call on it (and on the easy handles it holds) happens
/// on that thread. Other threads only queue commands and write to an eventfd that wakes it.
///
/// The thread waits in epoll and hands curl only the sockets that are ready
/// (`curl_multi_socket_action`). `curl_multi_poll` and `curl_multi_perform` visit every
/// transfer on every wake-up, which with hundreds of open streams was a fifth of a proxy's CPU.
final class CurlMultiLoop: @unchecked Sendable { // `commands`, `nextID`, `isShuttingDown` and `isClosed` are guarded by `lock`; `transfers`, `idsByHandle`, `timerDeadline` and `watchedSockets` are touched only on the curl thread
    private enum Command {
        case add(CurlTransfer)
        case cancel(UInt64)
    }

    /// The longest the thread waits in epoll; curl's timer (timeouts, keep-alive) shortens
    /// the wait when it is due sooner.
    private static let idlePollMilliseconds: Int32 = 1000

    private let multi: UnsafeMutableRawPointer
    private let epoll: Int32
    /// Written by other threads to wake the curl thread.
    private let wakeup: Int32
    private let lock = NSLock()
    private var commands: [Command] = []
    private var nextID: UInt64 = 0
    private var isShuttingDown = false
    private var isClosed = false

    private var transfers: [UInt64: CurlTransfer] = [:]
    private var idsByHandle: [UnsafeMutableRawPointer: UInt64] = [:]
    /// When curl wants `CURL_SOCKET_TIMEOUT` (uptime nanoseconds); nil when it has no timer.
    private var timerDeadline: UInt64?
    /// Sockets registered in epoll, as far as the socket callback knows.
    private var watchedSockets: Set<Int32> = []

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
        // curl's default keeps four idle connections per transfer still running: as a burst of calls ends, most of
        // its connections would close, and the next burst would connect (and handshake) again. The cache is shared
        // by all hosts, so it holds a full per-host pool for a few hosts.
        let idle = curlshim_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 4 * max(1, maxConnectionsPerHost))
        precondition(idle == CURLM_OK, "CURLMOPT_MAXCONNECTS rejected")
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeup = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        // Only fails when the process is out of descriptors or memory.
        precondition(epoll >= 0 && wakeup >= 0, "could not create the transport's epoll or eventfd: \(String(cString: strerror(errno)))")
        precondition(curlshim_epoll_watch(epoll, wakeup, UInt32(EPOLLIN.rawValue), 0) == 0, "could not watch the transport's eventfd")
    }

    /// Starts the curl thread; it keeps this loop alive until `shutdown()` and the last transfer.
    func start() {
        // Set here, not in init: the callbacks find this loop through an unretained pointer to it.
        let context = Unmanaged.passUnretained(self).toOpaque()
        let options = [
            curlshim_multi_setopt_socket_function(multi, CurlMultiLoop.socketCallback),
            curlshim_multi_setopt_pointer(multi, CURLMOPT_SOCKETDATA, context),
            curlshim_multi_setopt_timer_function(multi, CurlMultiLoop.timerCallback),
            curlshim_multi_setopt_pointer(multi, CURLMOPT_TIMERDATA, context),
        ]
        precondition(options.allSatisfy { $0 == CURLM_OK }, "libcurl rejected the socket or timer callback")
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
            wake()
        }
    }

    private func send(_ command: Command) -> Bool {
        lock.withLock {
            // Waking up under the lock keeps the eventfd from being closed meanwhile.
            guard !isClosed else { return false }
            commands.append(command)
            wake()
            return true
        }
    }

    // MARK: Curl thread

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeup, &one, 8)
    }

    private func run() {
        var running: Int32 = 0
        var readyDescriptors = [Int32](repeating: 0, count: 64)
        var readyEvents = [UInt32](repeating: 0, count: 64)
        while true {
            let (batch, stopping) = lock.withLock {
                defer { commands.removeAll(keepingCapacity: true) }
                return (commands, isShuttingDown)
            }
            for command in batch { apply(command) }
            collectFinishedTransfers()
            // Streams outlive the transport that started them: stop only once they are done.
            if stopping && transfers.isEmpty { break }

            let count = curlshim_epoll_wait(epoll, &readyDescriptors, &readyEvents, 64, waitMilliseconds())
            if count < 0 {
                // Only EINTR, or a broken epoll; don't spin while it lasts.
                if errno != EINTR { Thread.sleep(forTimeInterval: 0.01) }
                continue
            }
            for index in 0..<Int(count) {
                let descriptor = readyDescriptors[index]
                if descriptor == wakeup {
                    var value: UInt64 = 0
                    _ = read(wakeup, &value, 8)
                    continue
                }
                let events = readyEvents[index]
                var flags: Int32 = 0
                if events & UInt32(EPOLLIN.rawValue) != 0 { flags |= CURL_CSELECT_IN }
                if events & UInt32(EPOLLOUT.rawValue) != 0 { flags |= CURL_CSELECT_OUT }
                if events & UInt32(EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { flags |= CURL_CSELECT_ERR }
                curl_multi_socket_action(multi, descriptor, flags, &running)
            }
            if let deadline = timerDeadline, DispatchTime.now().uptimeNanoseconds >= deadline {
                timerDeadline = nil
                curl_multi_socket_action(multi, CURL_SOCKET_BAD, 0, &running)
            }
            collectFinishedTransfers()
        }
        tearDown()
    }

    /// Until curl's timer is due; a second when it has none (commands wake the thread anyway).
    private func waitMilliseconds() -> Int32 {
        guard let deadline = timerDeadline else { return Self.idlePollMilliseconds }
        let now = DispatchTime.now().uptimeNanoseconds
        guard deadline > now else { return 0 }
        return Int32(min(UInt64(Self.idlePollMilliseconds), (deadline - now + 999_999) / 1_000_000))
    }

    // MARK: Callbacks (curl thread, from inside curl calls)

    /// curl says which events of a socket to wait for, or that it is done with it.
    private static let socketCallback: curl_socket_callback = { _, socket, what, context, _ in
        guard let context else { return 0 }
        let loop = Unmanaged<CurlMultiLoop>.fromOpaque(context).takeUnretainedValue()
        switch what {
        case CURL_POLL_REMOVE:
            loop.watchedSockets.remove(socket)
            curlshim_epoll_forget(loop.epoll, socket)
        default:
            var events: UInt32 = 0
            if what & CURL_POLL_IN != 0 { events |= UInt32(EPOLLIN.rawValue) }
            if what & CURL_POLL_OUT != 0 { events |= UInt32(EPOLLOUT.rawValue) }
            // Adding a socket curl reuses after a REMOVE, or changing one it is still using, each in one call; the
            // shim still tries the other when the set disagrees (a socket closed and its number reused).
            let registered = !loop.watchedSockets.insert(socket).inserted
            // A failed watch leaves the transfer to its timeout; nothing better can be done from here.
            _ = curlshim_epoll_watch(loop.epoll, socket, events, registered ? 1 : 0)
        }
        return 0
    }

    /// curl asks to be called back after `milliseconds` (-1: no timer; 0: as soon as possible).
    private static let timerCallback: curl_multi_timer_callback = { _, milliseconds, context in
        guard let context else { return 0 }
        let loop = Unmanaged<CurlMultiLoop>.fromOpaque(context).takeUnretainedValue()
        loop.timerDeadline = milliseconds < 0 ? nil : DispatchTime.now().uptimeNanoseconds + UInt64(milliseconds) * 1_000_000
        return 0
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
        // Cleanup may still report sockets to forget, so epoll closes after it.
        curl_multi_cleanup(multi)
        close(epoll)
        close(wakeup)
    }
}
