import Foundation

/// CONTRACT.md's JSON: `{"from","to","generated_at","rows":[...],"totals":{...}}`, each row carrying only the
/// grouping keys asked for, then every figure under its contract name.
public struct JSONReportRenderer: ReportRenderer {
    public init() {}

    public func render(_ report: UsageReport) -> String {
        document(report).render(pretty: true) + "\n"
    }

    public func document(_ report: UsageReport) -> JSONNode {
        .object([
            ("from", .string(report.days.from.description)),
            ("to", .string(report.days.to.description)),
            ("generated_at", .string(Self.timestamp(report.generatedAt))),
            ("rows", .array(report.rows.map { row(report, $0, keys: true) })),
            ("totals", row(report, report.totals, keys: false)),
        ])
    }

    func row(_ report: UsageReport, _ row: UsageRow, keys: Bool) -> JSONNode {
        let keyMembers: [(String, JSONNode)] = keys ? report.groupings.map { ($0.name, .text(row.keys[$0.name] ?? nil)) } : []
        return .object(keyMembers + UsageMetric.allCases.map { ($0.rawValue, $0.value(row)) })
    }

    /// ISO 8601 in UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        timestamp(epochMs: Int64((date.timeIntervalSince1970 * 1000).rounded(.down)))
    }

    static func timestamp(epochMs milliseconds: Int64) -> String {
        let day = UTCDay(containing: milliseconds)
        let within = milliseconds - day.startMs
        return String(format: "%@T%02lld:%02lld:%02lld.%03lldZ", day.description, within / 3_600_000, within / 60_000 % 60,
                      within / 1000 % 60, within % 1000)
    }
}
