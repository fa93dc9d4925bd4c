/// One CSV line per report row (header first; key columns, then the contract's figures as raw numbers). Totals
/// are not a line here, since a spreadsheet would add them in twice: use the JSON for totals.
public struct CSVReportRenderer: ReportRenderer {
    public init() {}

    public func render(_ report: UsageReport) -> String {
        let sink = ByteSink()
        var encoder = CSVRowEncoder()
        // Writing to a string cannot fail.
        try? encoder.begin(columns: report.groupings.map(\.name) + UsageMetric.allCases.map(\.rawValue), sink: sink)
        for row in report.rows {
            try? encoder.beginRow(sink: sink)
            for grouping in report.groupings { try? encoder.cell(text: row.keys[grouping.name] ?? nil, sink: sink) }
            for metric in UsageMetric.allCases {
                try? encoder.cell(metric.value(row).cell, sink: sink)
            }
            try? encoder.endRow(sink: sink)
        }
        return sink.text
    }
}

extension JSONNode {
    /// A scalar as a CSV cell (numbers stay numbers).
    var cell: CellValue {
        switch self {
        case .integer(let value): return .integer(value)
        case .number(let value): return .real(value)
        case .bool(let value): return .integer(value ? 1 : 0)
        default: return .null
        }
    }
}
