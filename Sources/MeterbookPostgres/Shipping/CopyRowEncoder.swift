import Meterbook

/// Writes attempts in PostgreSQL's COPY text format for the central `requests` table (tab-separated, `\N` for NULL,
/// backslash escapes for backslash, tab, LF and CR), and notes on the way what the writer needs besides the rows.
///
/// Rows arrive as the local table's `id` followed by the contract's columns (`sqliteColumns`); each goes out as the
/// central columns (`CentralWriter.columns`): the source's id, the local id, the source's host and file, then the
/// contract's columns.
struct CopyRowEncoder: RowEncoder {
    /// The local columns a row is read from, in order.
    static let sqliteColumns = ["id"] + AttemptRecord.columnNames
    private static let callIDColumn = 1
    private static let attemptColumn = 2
    private static let finalColumn = 3
    private static let startedAtColumn = 4
    private static let day: Int64 = 86_400_000

    /// The source's id and a tab: what each row starts with.
    private let rowStart: [UInt8]
    /// A tab, the source's host, a tab, its file: what follows the local id.
    private let afterID: [UInt8]
    private var column = 0
    private var callID: [UInt8] = []
    private var attempt = 0
    private var final = false
    private var startedAt: Int64 = 0

    private(set) var rows = 0
    private(set) var lastID: Int64 = 0
    private(set) var dayStarts: Set<Int64> = []
    private var lastDayStart: Int64?
    /// Retries (attempt > 1) in the batch, by call.
    private var retries: [String: Retry] = [:]
    /// Calls whose first attempt is in the batch and is not final.
    private var clearedFirstAttempts: Set<String> = []

    private struct Retry {
        var attempt = 0
        var finalRows = 0
        var earliest = Int64.max
        var latest = Int64.min
    }

    init(source: ShipSource) {
        rowStart = Array(source.id.uuidString.lowercased().utf8) + [0x09]
        afterID = [0x09] + Self.escaped(source.host) + [0x09] + Self.escaped(source.database)
    }

    func begin(columns: [String], sink: ByteSink) throws {}

    mutating func beginRow(sink: ByteSink) throws {
        column = 0
        attempt = 0
        final = false
        startedAt = 0
    }

    mutating func cell(_ value: CellValue, sink: ByteSink) throws {
        defer { column += 1 }
        if column == 0 {
            guard case .integer(let id) = value else { throw CentralStoreError(.server, "A local attempt has no id.") }
            try sink.append(rowStart)
            try sink.append(integer: id)
            try sink.append(afterID)
            lastID = max(lastID, id)
            return
        }
        try sink.append(UInt8(ascii: "\t"))
        switch value {
        case .null:
            try Self.appendNull(sink)
        case .integer(let number):
            try sink.append(integer: number)
            note(number)
        case .real(let number):
            if number.isFinite { try sink.append(real: number) } else { try Self.appendNull(sink) }
        case .text(let bytes):
            if column == Self.callIDColumn { callID.removeAll(keepingCapacity: true); callID.append(contentsOf: bytes) }
            try Self.appendEscaped(bytes, sink)
        }
    }

    mutating func endRow(sink: ByteSink) throws {
        try sink.append(UInt8(ascii: "\n"))
        rows += 1
        let dayStart = startedAt - ((startedAt % Self.day) + Self.day) % Self.day
        if dayStart != lastDayStart {
            dayStarts.insert(dayStart)
            lastDayStart = dayStart
        }
        if attempt == 1, !final {
            clearedFirstAttempts.insert(String(decoding: callID, as: UTF8.self))
        } else if attempt > 1 {
            var retry = retries[String(decoding: callID, as: UTF8.self)] ?? Retry()
            retry.attempt = max(retry.attempt, attempt)
            retry.finalRows += final ? 1 : 0
            retry.earliest = min(retry.earliest, startedAt)
            retry.latest = max(retry.latest, startedAt)
            retries[String(decoding: callID, as: UTF8.self)] = retry
        }
    }

    /// The calls whose earlier attempts the central store may hold as final (call id → the batch's highest
    /// attempt), and the span of those retries' starts. Attempts are recorded in order and an earlier attempt's
    /// `final` is cleared before its retry is recorded (proxy and client alike): a call whose first attempt is in
    /// this batch, not final, with no stale final among its retries here, arrives right and needs nothing.
    var callsToUnfinal: (calls: [String: Int], earliest: Int64, latest: Int64) {
        var calls: [String: Int] = [:]
        var earliest = Int64.max, latest = Int64.min
        for (call, retry) in retries where !clearedFirstAttempts.contains(call) || retry.finalRows > 1 {
            calls[call] = retry.attempt
            earliest = min(earliest, retry.earliest)
            latest = max(latest, retry.latest)
        }
        return (calls, earliest, latest)
    }

    /// Notes what the batch needs besides the rows (all integers).
    private mutating func note(_ number: Int64) {
        switch column {
        case Self.attemptColumn: attempt = Int(number)
        case Self.finalColumn: final = number != 0
        case Self.startedAtColumn: startedAt = number
        default: break
        }
    }

    /// One attempt as the cells a live row gives (an archived row, a test's record).
    mutating func encode(_ record: AttemptRecord, sink: ByteSink) throws {
        try beginRow(sink: sink)
        func text(_ value: String?) throws { try cell(text: value, sink: sink) }
        func integer<T: BinaryInteger>(_ value: T?) throws { try cell(value.map { .integer(Int64($0)) } ?? .null, sink: sink) }
        func real(_ value: Double?) throws { try cell(value.map { .real($0) } ?? .null, sink: sink) }
        try integer(record.id ?? 0)
        try text(record.callID)
        try integer(record.attempt)
        try integer(record.final ? 1 : 0)
        try integer(record.startedAt)
        try text(record.provider.rawValue)
        try text(record.api.rawValue)
        try text(record.endpoint)
        try text(record.deployment)
        try text(record.model)
        try text(record.method)
        try text(record.path)
        try text(record.apiVersion)
        try integer(record.stream ? 1 : 0)
        try integer(record.status)
        try text(record.outcome.rawValue)
        try text(record.errorType)
        try text(record.errorCode)
        try text(record.errorMessage)
        try real(record.latencyMs)
        try real(record.ttfbMs)
        try real(record.ttftMs)
        try real(record.dnsMs)
        try real(record.connectMs)
        try real(record.tlsMs)
        try integer(record.requestBytes)
        try integer(record.responseBytes)
        try integer(record.inputTokens)
        try integer(record.outputTokens)
        try integer(record.totalTokens)
        try integer(record.cachedInputTokens)
        try integer(record.cacheWriteTokens)
        try integer(record.reasoningTokens)
        try text(record.usageJSON)
        try real(record.costUSD)
        try text(record.responseID)
        try text(record.requestID)
        try text(record.apimRequestID)
        try text(record.upstreamRequestID)
        try text(record.region)
        try integer(record.retryAfterMs)
        try integer(record.ratelimitRemainingRequests)
        try integer(record.ratelimitRemainingTokens)
        try text(record.tagsJSON)
        try endRow(sink: sink)
    }

    private static func appendNull(_ sink: ByteSink) throws {
        try sink.append(UInt8(ascii: "\\"))
        try sink.append(UInt8(ascii: "N"))
    }

    /// Text with COPY's escapes. A NUL byte, which PostgreSQL's text cannot hold, is left out rather than failing
    /// the batch (and with it every later one).
    private static func appendEscaped(_ bytes: UnsafeBufferPointer<UInt8>, _ sink: ByteSink) throws {
        var runStart = 0
        while true {
            let index = ByteScan.firstIndex(in: bytes, from: runStart, where: ByteScan.needsCopyEscape)
            if index > runStart { try sink.append(UnsafeBufferPointer(rebasing: bytes[runStart..<index])) }
            guard index < bytes.count else { return }
            switch bytes[index] {
            case 0x5C: try sink.append(0x5C); try sink.append(0x5C)
            case 0x09: try sink.append(0x5C); try sink.append(UInt8(ascii: "t"))
            case 0x0A: try sink.append(0x5C); try sink.append(UInt8(ascii: "n"))
            case 0x0D: try sink.append(0x5C); try sink.append(UInt8(ascii: "r"))
            default: break
            }
            runStart = index + 1
        }
    }

    private static func escaped(_ text: String) -> [UInt8] {
        let sink = ByteSink()
        var text = text
        try? text.withUTF8 { try appendEscaped($0, sink) }
        return Array(sink.text.utf8)
    }
}
