import Foundation
import GRDB
import GRDBSQLite

extension AttemptRecord {
    /// Column names in table order (without `id`).
    public static let columnNames: [String] = [
        "call_id", "attempt", "final", "started_at", "provider", "api", "endpoint", "deployment", "model",
        "method", "path", "api_version", "stream", "status", "outcome", "error_type", "error_code", "error_message",
        "latency_ms", "ttfb_ms", "ttft_ms", "dns_ms", "connect_ms", "tls_ms", "request_bytes", "response_bytes",
        "input_tokens", "output_tokens", "total_tokens", "cached_input_tokens", "cache_write_tokens", "reasoning_tokens",
        "usage_json", "cost_usd", "response_id", "request_id", "apim_request_id", "upstream_request_id", "region",
        "retry_after_ms", "ratelimit_remaining_requests", "ratelimit_remaining_tokens", "tags",
    ]

    static let insertSQL = "INSERT INTO requests (\(columnNames.joined(separator: ", "))) VALUES (\(columnNames.map { _ in "?" }.joined(separator: ", ")))"

    /// The `tags` column: a JSON object with sorted keys.
    package var tagsJSON: String {
        guard !tags.isEmpty else { return "{}" }
        // Built by hand: JSONSerialization per row costs more than the insert itself.
        var text = "{"
        for (index, key) in tags.keys.sorted().enumerated() {
            if index > 0 { text += "," }
            JSONNode.writeString(key, to: &text)
            text += ":"
            JSONNode.writeString(tags[key] ?? "", to: &text)
        }
        return text + "}"
    }

    /// Binds every column in `columnNames` order.
    func bind(to statement: OpaquePointer) {
        var index: Int32 = 0
        func text(_ value: String?) {
            index += 1
            if let value {
                sqlite3_bind_text(statement, index, value, -1, sqliteTransient)
            } else {
                sqlite3_bind_null(statement, index)
            }
        }
        func integer(_ value: Int?) {
            index += 1
            if let value { sqlite3_bind_int64(statement, index, Int64(value)) } else { sqlite3_bind_null(statement, index) }
        }
        func real(_ value: Double?) {
            index += 1
            if let value, value.isFinite { sqlite3_bind_double(statement, index, value) } else { sqlite3_bind_null(statement, index) }
        }
        text(callID)
        integer(attempt)
        integer(final ? 1 : 0)
        index += 1
        sqlite3_bind_int64(statement, index, startedAt)
        text(provider.rawValue)
        text(api.rawValue)
        text(endpoint)
        text(deployment)
        text(model)
        text(method)
        text(path)
        text(apiVersion)
        integer(stream ? 1 : 0)
        integer(status)
        text(outcome.rawValue)
        text(errorType)
        text(errorCode)
        text(errorMessage.map { String($0.prefix(Self.maxErrorMessageLength)) })
        real(latencyMs)
        real(ttfbMs)
        real(ttftMs)
        real(dnsMs)
        real(connectMs)
        real(tlsMs)
        integer(requestBytes)
        integer(responseBytes)
        integer(inputTokens)
        integer(outputTokens)
        integer(totalTokens)
        integer(cachedInputTokens)
        integer(cacheWriteTokens)
        integer(reasoningTokens)
        text(usageJSON)
        real(costUSD)
        text(responseID)
        text(requestID)
        text(apimRequestID)
        text(upstreamRequestID)
        text(region)
        integer(retryAfterMs)
        integer(ratelimitRemainingRequests)
        integer(ratelimitRemainingTokens)
        text(tagsJSON)
    }

    /// Reads a `requests` row (`SELECT *`).
    public init(row: Row) {
        self.init(columns: row)
    }

    /// Reads a record from its values by column name (a row, an archive line).
    package init(columns row: some AttemptColumnValues) {
        self.init(
            callID: row["call_id"] ?? "", attempt: row["attempt"] ?? 1, final: (row["final"] as Int? ?? 1) != 0,
            startedAt: row["started_at"] ?? 0,
            provider: Provider(rawValue: row["provider"] ?? "") ?? .other,
            api: APIKind(rawValue: row["api"] ?? "") ?? .other,
            endpoint: row["endpoint"] ?? "", deployment: row["deployment"], method: row["method"] ?? "",
            path: row["path"] ?? "", apiVersion: row["api_version"], stream: (row["stream"] as Int? ?? 0) != 0,
            status: row["status"] ?? 0, outcome: Outcome(rawValue: row["outcome"] ?? "") ?? .httpError
        )
        id = row["id"]
        model = row["model"]
        errorType = row["error_type"]
        errorCode = row["error_code"]
        errorMessage = row["error_message"]
        latencyMs = row["latency_ms"]
        ttfbMs = row["ttfb_ms"]
        ttftMs = row["ttft_ms"]
        dnsMs = row["dns_ms"]
        connectMs = row["connect_ms"]
        tlsMs = row["tls_ms"]
        requestBytes = row["request_bytes"]
        responseBytes = row["response_bytes"]
        inputTokens = row["input_tokens"]
        outputTokens = row["output_tokens"]
        totalTokens = row["total_tokens"]
        cachedInputTokens = row["cached_input_tokens"]
        cacheWriteTokens = row["cache_write_tokens"]
        reasoningTokens = row["reasoning_tokens"]
        usageJSON = row["usage_json"]
        costUSD = row["cost_usd"]
        responseID = row["response_id"]
        requestID = row["request_id"]
        apimRequestID = row["apim_request_id"]
        upstreamRequestID = row["upstream_request_id"]
        region = row["region"]
        retryAfterMs = row["retry_after_ms"]
        ratelimitRemainingRequests = row["ratelimit_remaining_requests"]
        ratelimitRemainingTokens = row["ratelimit_remaining_tokens"]
        let tagsText: String = row["tags"] ?? "{}"
        tags = (try? JSONDecoder().decode([String: String].self, from: Data(tagsText.utf8))) ?? [:]
    }
}

/// SQLite copies the bound text (`SQLITE_TRANSIENT`, a macro Swift cannot import).
private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// Values by column name that a record is read from: a GRDB row, or an archive line's values.
package protocol AttemptColumnValues {
    subscript<Value: DatabaseValueConvertible>(_ column: String) -> Value? { get }
}

extension Row: AttemptColumnValues {}
