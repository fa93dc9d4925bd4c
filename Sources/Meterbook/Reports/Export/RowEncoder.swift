/// One cell as the source holds it. Text points into the source's buffer and is valid only during the call.
public enum CellValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(UnsafeBufferPointer<UInt8>)
}

/// Writes a stream of rows in one format (CSV, NDJSON), cell by cell, so nothing but the current row is held.
/// One encoder per variant, reached as `.csv` / `.ndjson`.
public protocol RowEncoder {
    /// Called once, before any row (CSV writes its header row here).
    mutating func begin(columns: [String], sink: ByteSink) throws
    mutating func beginRow(sink: ByteSink) throws
    /// The next cell of the current row, in column order.
    mutating func cell(_ value: CellValue, sink: ByteSink) throws
    mutating func endRow(sink: ByteSink) throws
}

extension RowEncoder {
    /// A cell given as a Swift value (reports and queries, where speed matters less than in exports).
    public mutating func cell(text: String?, sink: ByteSink) throws {
        guard var text else { return try cell(.null, sink: sink) }
        try text.withUTF8 { try cell(.text($0), sink: sink) }
    }
}

extension RowEncoder where Self == CSVRowEncoder {
    /// RFC 4180 CSV with a header row; text cells that a spreadsheet would run as a formula are neutralised.
    public static var csv: CSVRowEncoder { CSVRowEncoder() }
}

extension RowEncoder where Self == NDJSONRowEncoder {
    /// One JSON object per line, keyed by column name.
    public static var ndjson: NDJSONRowEncoder { NDJSONRowEncoder() }
}
