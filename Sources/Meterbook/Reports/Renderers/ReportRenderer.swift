/// Turns a usage report into one output format. One type per format, reached as `.table(...)`, `.json`, ...
public protocol ReportRenderer {
    func render(_ report: UsageReport) -> String
}

/// `meterbook report --format`.
public enum ReportFormat: String, Sendable, CaseIterable {
    case table, json, csv, markdown, html

    /// The renderer; `color` only matters to the terminal table.
    public func renderer(color: Bool = false) -> any ReportRenderer {
        switch self {
        case .table: return TableReportRenderer(color: color)
        case .json: return JSONReportRenderer()
        case .csv: return CSVReportRenderer()
        case .markdown: return MarkdownReportRenderer()
        case .html: return HTMLReportRenderer()
        }
    }

    /// Whether the format has room for the report's notes (an empty report's explanation); others send them to stderr.
    public var showsNotes: Bool { self == .table || self == .markdown || self == .html }
}

extension ReportRenderer where Self == JSONReportRenderer {
    public static var json: JSONReportRenderer { JSONReportRenderer() }
}

extension ReportRenderer where Self == CSVReportRenderer {
    public static var csv: CSVReportRenderer { CSVReportRenderer() }
}

extension ReportRenderer where Self == MarkdownReportRenderer {
    public static var markdown: MarkdownReportRenderer { MarkdownReportRenderer() }
}

extension ReportRenderer where Self == HTMLReportRenderer {
    public static var html: HTMLReportRenderer { HTMLReportRenderer() }
}

extension ReportRenderer where Self == TableReportRenderer {
    public static func table(color: Bool) -> TableReportRenderer { TableReportRenderer(color: color) }
}

extension UsageReport {
    /// A row's key text for tables: NULL (attempts without a deployment, model or tag) shows as `(none)`.
    static func keyText(_ row: UsageRow, _ grouping: Grouping) -> String {
        (row.keys[grouping.name] ?? nil) ?? "(none)"
    }

    /// The key columns a table shows: the groupings, or one `scope` column when the report is ungrouped.
    var keyHeaders: [String] { groupings.isEmpty ? ["scope"] : groupings.map(\.name) }

    func keyCells(_ row: UsageRow) -> [String] {
        groupings.isEmpty ? ["all"] : groupings.map { Self.keyText(row, $0) }
    }

    var title: String { "Usage \(days.description) (UTC)" + (filter.isEmpty ? "" : ", \(filter.summary)") }
}
