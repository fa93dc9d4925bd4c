/// An aligned plain-text table: text columns left-aligned, numbers right-aligned, an optional totals row under a
/// rule. Widths are measured on the plain text, so colour codes added by `style` never break the alignment.
public struct TextTable {
    public var headers: [String]
    /// Which columns are right-aligned.
    public var rightAligned: Set<Int>
    public var rows: [[String]] = []
    /// A row drawn under a rule (totals).
    public var footer: [String]?
    /// Wraps a padded cell in terminal styling: (row index or nil for the header, -1 for the footer, column, text).
    public var style: ((_ row: Int?, _ column: Int, _ cell: String) -> String)?

    public init(headers: [String], rightAligned: Set<Int>, rows: [[String]] = [], footer: [String]? = nil) {
        self.headers = headers
        self.rightAligned = rightAligned
        self.rows = rows
        self.footer = footer
    }

    public func render() -> String {
        let all = [headers] + rows + (footer.map { [$0] } ?? [])
        var widths = Array(repeating: 0, count: headers.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ row: [String], _ rowIndex: Int?) -> String {
            let cells = row.enumerated().map { index, cell -> String in
                let padding = String(repeating: " ", count: max(0, widths[index] - cell.count))
                let isLast = index == row.count - 1
                let padded = rightAligned.contains(index) ? padding + cell : (isLast ? cell : cell + padding)
                return style?(rowIndex, index, padded) ?? padded
            }
            return cells.joined(separator: "  ")
        }
        var lines = [line(headers, nil)]
        lines.append(contentsOf: rows.enumerated().map { line($0.element, $0.offset) })
        if let footer {
            lines.append(String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
            lines.append(line(footer, -1))
        }
        return lines.joined(separator: "\n")
    }
}
