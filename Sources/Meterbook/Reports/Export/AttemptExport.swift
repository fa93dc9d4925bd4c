/// `meterbook export`: every attempt in a range, one line each, columns named as CONTRACT.md's table.
public enum AttemptExport {
    /// `id` and every column of `requests`, in table order.
    public static let columns = ["id"] + AttemptRecord.columnNames

    /// Streams the attempts to `sink` (header first for CSV) and returns how many were written: archived days
    /// first (read from `archiveDirectory`, default `archive/` beside the database), then the live database.
    @discardableResult
    public static func write(store: MeterbookStore, archiveDirectory: String? = nil, range: Range<Int64>, filter: AttemptFilter = AttemptFilter(),
                             format: ExportFormat, to sink: ByteSink) throws -> Int {
        try write(sources: store.sources(archiveDirectory: archiveDirectory).reversed(), range: range, filter: filter, format: format, to: sink)
    }

    package static func write(sources: [any AttemptSource], range: Range<Int64>, filter: AttemptFilter, format: ExportFormat, to sink: ByteSink) throws -> Int {
        var encoder = format.makeEncoder()
        try encoder.begin(columns: columns, sink: sink)
        var rows = 0
        for source in sources {
            rows += try source.export(range: range, filter: filter, columns: columns, encoder: &encoder, sink: sink)
        }
        try sink.flush()
        return rows
    }
}
