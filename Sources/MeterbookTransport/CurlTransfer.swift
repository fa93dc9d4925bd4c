import CCurl
import Foundation

/// One libcurl easy handle, its callbacks, and the stream it feeds.
///
/// The transfer owns everything curl points into (header list, error buffer) and frees
/// it in `deinit`, which runs only after the multi loop has removed the handle.
final class CurlTransfer: @unchecked Sendable { // configured on the caller's thread before hand-off, then used only on the curl thread; `snapshot` is the lone cross-thread state and locks itself
    let id: UInt64
    let handle: UnsafeMutableRawPointer
    /// What a cancellation, which is reported off the curl thread, can say about the transfer.
    let snapshot: CurlTransferSnapshot

    private let continuation: AsyncThrowingStream<TransportEvent, Error>.Continuation
    private let errorBuffer: UnsafeMutablePointer<CChar>
    private var headerList: UnsafeMutablePointer<curl_slist>?
    private let isHTTPS: Bool
    private var parser = ResponseHeadParser()
    private var headDelivered = false
    private var responseBytes = 0
    /// Set when a callback aborted the transfer because the consumer went away.
    private var abortedByConsumer = false

    init(
        id: UInt64,
        request: TransportRequest,
        continuation: AsyncThrowingStream<TransportEvent, Error>.Continuation
    ) throws(TransportError) {
        try Self.validate(request)
        guard let handle = curl_easy_init() else {
            throw TransportError(code: .other, message: "libcurl could not create a transfer handle (out of memory?).")
        }
        self.id = id
        self.handle = handle
        self.continuation = continuation
        self.snapshot = CurlTransferSnapshot(requestBytes: request.body?.count ?? 0)
        self.isHTTPS = request.url.lowercased().hasPrefix("https:")
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        // Throwing from here on still runs deinit, which frees the handle.
        try configure(request)
    }

    deinit {
        curl_easy_cleanup(handle)
        curl_slist_free_all(headerList)
        errorBuffer.deallocate()
    }

    // MARK: Callbacks (curl thread)

    func didReceiveHeader(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let head = parser.feed(bytes) else { return true }
        return deliver(head)
    }

    func didReceiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if !headDelivered, !deliver(currentHead()) { return false }
        guard !bytes.isEmpty else { return true }
        responseBytes += bytes.count
        snapshot.update { $0.responseBytes = responseBytes }
        return accept(continuation.yield(.body(Data(bytes))))
    }

    // MARK: Completion (curl thread)

    /// Reports the outcome curl gave for the finished transfer.
    func complete(with code: CURLcode) {
        let metrics = collectMetrics(succeeded: code == CURLE_OK)
        guard code == CURLE_OK else {
            continuation.finish(throwing: error(for: code, metrics: metrics))
            return
        }
        if !headDelivered, !deliver(currentHead()) { return }
        continuation.yield(.end(metrics))
        continuation.finish()
    }

    /// Reports that the transfer was removed before curl finished it.
    func cancel(reason: String) {
        let metrics = collectMetrics(succeeded: false)
        continuation.finish(throwing: TransportError(code: .cancelled, message: reason, metrics: metrics))
    }

    // MARK: Private

    private func deliver(_ head: TransportHead) -> Bool {
        headDelivered = true
        let metrics = collectMetrics(succeeded: false)
        snapshot.update { $0 = metrics }
        return accept(continuation.yield(.head(head)))
    }

    /// A consumer that stopped listening cannot use more bytes: abort instead of downloading them.
    private func accept(_ result: AsyncThrowingStream<TransportEvent, Error>.Continuation.YieldResult) -> Bool {
        if case .terminated = result {
            abortedByConsumer = true
            return false
        }
        return true
    }

    private func currentHead() -> TransportHead {
        if let head = parser.partialHead() { return head }
        let status = getLong(CURLINFO_RESPONSE_CODE)
        return TransportHead(status: status, headers: HTTPHeaders(), httpVersion: httpVersionName() ?? "")
    }

    private func error(for code: CURLcode, metrics: TransportMetrics) -> TransportError {
        let detail = String(cString: errorBuffer)
        let summary = String(cString: curl_easy_strerror(code))
        let message = detail.isEmpty ? summary : detail
        if abortedByConsumer {
            return TransportError(
                code: .cancelled, message: "The consumer stopped reading the response.",
                curlCode: Int(code.rawValue), metrics: metrics)
        }
        return TransportError(
            code: TransportError.Code(curlCode: code), message: message,
            curlCode: Int(code.rawValue), metrics: metrics)
    }

    private func collectMetrics(succeeded: Bool) -> TransportMetrics {
        let nameLookup = getOffT(CURLINFO_NAMELOOKUP_TIME_T)
        let connect = getOffT(CURLINFO_CONNECT_TIME_T)
        let appConnect = getOffT(CURLINFO_APPCONNECT_TIME_T)
        let startTransfer = getOffT(CURLINFO_STARTTRANSFER_TIME_T)
        let total = getOffT(CURLINFO_TOTAL_TIME_T)
        // A transfer that never reached a connection also reports 0 new connections.
        let reused = getLong(CURLINFO_NUM_CONNECTS) == 0 && getLong(CURLINFO_RESPONSE_CODE) != 0
        let milliseconds = { (microseconds: Int) in Double(microseconds) / 1000 }

        var metrics = TransportMetrics()
        if reused {
            // curl still times a cache lookup as "name lookup"; no DNS, connect or handshake happened.
            metrics.dnsMs = 0
            metrics.connectMs = 0
            metrics.tlsMs = isHTTPS ? 0 : nil
        } else {
            if succeeded || nameLookup > 0 { metrics.dnsMs = milliseconds(nameLookup) }
            if succeeded || connect > 0 { metrics.connectMs = milliseconds(max(0, connect - nameLookup)) }
            if appConnect > 0 { metrics.tlsMs = milliseconds(max(0, appConnect - connect)) }
        }
        if succeeded || startTransfer > 0 { metrics.ttfbMs = milliseconds(startTransfer) }
        metrics.totalMs = milliseconds(total)
        metrics.requestBytes = getOffT(CURLINFO_SIZE_UPLOAD_T)
        metrics.responseBytes = responseBytes
        metrics.reusedConnection = reused
        metrics.httpVersion = httpVersionName()
        return metrics
    }

    private func httpVersionName() -> String? {
        switch getLong(CURLINFO_HTTP_VERSION) {
        case CURL_HTTP_VERSION_1_0: "1.0"
        case CURL_HTTP_VERSION_1_1: "1.1"
        case CURL_HTTP_VERSION_2_0: "2"
        case CURL_HTTP_VERSION_3: "3"
        default: nil
        }
    }

    private func getLong(_ info: CURLINFO) -> Int {
        var value = 0
        return curlshim_easy_getinfo_long(handle, info, &value) == CURLE_OK ? value : 0
    }

    private func getOffT(_ info: CURLINFO) -> Int {
        var value: curl_off_t = 0
        return curlshim_easy_getinfo_off_t(handle, info, &value) == CURLE_OK ? Int(value) : 0
    }
}

// MARK: - Configuration

extension CurlTransfer {
    /// Header fields curl derives from the body itself; forwarding a caller's copy would contradict it.
    private static let bodyFramingHeaders = ["content-length", "transfer-encoding", "expect"]

    /// Rejects what would let a caller inject extra header lines or request lines.
    private static func validate(_ request: TransportRequest) throws(TransportError) {
        let lowered = request.url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            throw TransportError(code: .invalidRequest, message: "The URL must start with http:// or https://.")
        }
        guard request.url.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else {
            throw TransportError(code: .invalidRequest, message: "The URL contains spaces or control characters; percent-encode them.")
        }
        guard isToken(request.method) else {
            throw TransportError(code: .invalidRequest, message: "The method \"\(request.method)\" is not a valid HTTP token.")
        }
        for field in request.headers {
            guard isToken(field.name) else {
                throw TransportError(code: .invalidRequest, message: "The header name \"\(field.name)\" is not a valid HTTP token.")
            }
            guard !field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else {
                throw TransportError(code: .invalidRequest, message: "The value of header \(field.name) contains a line break.")
            }
        }
    }

    private static func isToken(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"):
                true
            default:
                // RFC 9110 tchar punctuation: !#$%&'*+-.^_`|~
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    private func configure(_ request: TransportRequest) throws(TransportError) {
        try set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        try set(CURLOPT_URL, string: request.url)
        try set(CURLOPT_PROTOCOLS_STR, string: "http,https")
        try set(CURLOPT_NOSIGNAL, long: 1)
        try set(CURLOPT_NOPROGRESS, long: 1)
        try set(CURLOPT_TCP_NODELAY, long: 1)
        // Streams can sit idle for minutes between events; probes keep NAT entries alive.
        try set(CURLOPT_TCP_KEEPALIVE, long: 1)
        try set(CURLOPT_FOLLOWLOCATION, long: 0)
        try set(CURLOPT_HTTP_VERSION, long: CURL_HTTP_VERSION_2TLS)
        // A proxy passes bodies through untouched: never ask for or decode compression.
        try set(CURLOPT_HTTP_CONTENT_DECODING, long: 0)
        // Through an egress proxy the CONNECT response would otherwise look like the final head.
        try set(CURLOPT_SUPPRESS_CONNECT_HEADERS, long: 1)
        if request.connectTimeout > 0 {
            try set(CURLOPT_CONNECTTIMEOUT_MS, long: Self.milliseconds(request.connectTimeout))
        }
        try set(CURLOPT_TIMEOUT_MS, long: request.timeout > 0 ? Self.milliseconds(request.timeout) : 0)

        let sendsBody = try configureMethodAndBody(request)
        try configureHeaders(request.headers, sendsBody: sendsBody)

        let context = Unmanaged.passUnretained(self).toOpaque()
        try set(CURLOPT_WRITEDATA, pointer: context)
        try check(curlshim_easy_setopt_write_function(handle, CurlCallbacks.write), "the write callback")
        try set(CURLOPT_HEADERDATA, pointer: context)
        try check(curlshim_easy_setopt_header_function(handle, CurlCallbacks.header), "the header callback")
    }

    /// Returns whether the request carries a body (and so curl would add a form Content-Type).
    private func configureMethodAndBody(_ request: TransportRequest) throws(TransportError) -> Bool {
        let method = request.method
        guard request.body != nil || method == "POST" else {
            switch method {
            case "GET": try set(CURLOPT_HTTPGET, long: 1)
            case "HEAD": try set(CURLOPT_NOBODY, long: 1)
            default: try set(CURLOPT_CUSTOMREQUEST, string: method)
            }
            return false
        }
        let body = request.body ?? Data()
        try check(curlshim_easy_setopt_off_t(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)), "the body size")
        // COPYPOSTFIELDS copies, so the Data need not outlive this call; an empty body
        // still needs a non-NULL pointer or curl would read the body from stdin.
        let code = body.isEmpty
            ? curlshim_easy_setopt_string(handle, CURLOPT_COPYPOSTFIELDS, "")
            : body.withUnsafeBytes { curlshim_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: $0.baseAddress)) }
        try check(code, "the request body")
        if method != "POST" { try set(CURLOPT_CUSTOMREQUEST, string: method) }
        return true
    }

    private func configureHeaders(_ headers: HTTPHeaders, sendsBody: Bool) throws(TransportError) {
        var lines: [String] = []
        for field in headers where !Self.bodyFramingHeaders.contains(where: { HTTPHeaders.sameName($0, field.name) }) {
            // "Name:" would tell curl to remove the header; "Name;" sends it with an empty value.
            lines.append(field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)")
        }
        // Headers the caller did not ask for must not appear: curl's own defaults are disabled with "Name:".
        lines.append("Expect:")
        if !headers.contains("Accept") { lines.append("Accept:") }
        if sendsBody, !headers.contains("Content-Type") { lines.append("Content-Type:") }

        for line in lines {
            guard let list = curl_slist_append(headerList, line) else {
                throw TransportError(code: .other, message: "libcurl could not build the header list (out of memory?).")
            }
            headerList = list
        }
        try check(curlshim_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, headerList), "the request headers")
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        max(1, Int((seconds * 1000).rounded(.up)))
    }

    private func set(_ option: CURLoption, long value: Int) throws(TransportError) {
        try check(curlshim_easy_setopt_long(handle, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, string value: String) throws(TransportError) {
        try check(curlshim_easy_setopt_string(handle, option, value), "option \(option.rawValue)")
    }

    private func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer) throws(TransportError) {
        try check(curlshim_easy_setopt_pointer(handle, option, value), "option \(option.rawValue)")
    }

    // An autoclosure: the description is built only for the error, not on every option set.
    private func check(_ code: CURLcode, _ what: @autoclosure () -> String) throws(TransportError) {
        guard code == CURLE_OK else {
            let reason = String(cString: curl_easy_strerror(code))
            throw TransportError(
                code: .invalidRequest, message: "libcurl rejected \(what()): \(reason).",
                curlCode: Int(code.rawValue))
        }
    }
}
