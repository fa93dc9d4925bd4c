/// `meterbook export --format`.
public enum ExportFormat: String, Sendable, CaseIterable {
    case csv, ndjson

    public func makeEncoder() -> any RowEncoder {
        switch self {
        case .csv: return CSVRowEncoder()
        case .ndjson: return NDJSONRowEncoder()
        }
    }
}
