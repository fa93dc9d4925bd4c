import Foundation
import GRDB

/// One NDJSON line of an archive (the export's encoding, keyed by column name) turned back into values.
struct ArchiveLine {
    /// Columns stored as REAL: a JSON number there is always a Double, elsewhere an integer.
    static let realColumns: Set<String> = ["latency_ms", "ttfb_ms", "ttft_ms", "dns_ms", "connect_ms", "tls_ms", "cost_usd"]

    let values: [String: DatabaseValue]

    init(_ bytes: UnsafeBufferPointer<UInt8>, path: String) throws {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(buffer: bytes))
        } catch {
            throw ArchiveError(.corrupt, "The archive \(path) holds a line that is not JSON: run meterbook archive verify.")
        }
        guard let dictionary = object as? [String: Any] else {
            throw ArchiveError(.corrupt, "The archive \(path) holds a line that is not a JSON object: run meterbook archive verify.")
        }
        var values: [String: DatabaseValue] = [:]
        for (key, value) in dictionary {
            values[key] = Self.databaseValue(value, real: Self.realColumns.contains(key))
        }
        self.values = values
    }

    private static func databaseValue(_ value: Any, real: Bool) -> DatabaseValue {
        switch value {
        case is NSNull: return .null
        case let text as String: return text.databaseValue
        case let number as NSNumber:
            if real { return number.doubleValue.databaseValue }
            let double = number.doubleValue
            if double.rounded() == double, abs(double) < 9e15 { return number.int64Value.databaseValue }
            return double.databaseValue
        case let object as [String: Any]:
            // tags: back to the stored form, a JSON object with sorted keys.
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("{}".utf8)
            return String(decoding: data, as: UTF8.self).databaseValue
        default: return .null
        }
    }

    var record: AttemptRecord {
        AttemptRecord(row: Row(values.mapValues { $0 as (any DatabaseValueConvertible)? }))
    }

    var startedAt: Int64 { Int64.fromDatabaseValue(values["started_at"] ?? .null) ?? 0 }
}
