/// An aligned plain-text table: text columns left-aligned, numbers right-aligned.
struct TextTable {
    var headers: [String]
    /// Which columns are right-aligned.
    var rightAligned: Set<Int>
    var rows: [[String]] = []
    /// A row drawn under a rule (totals).
    var footer: [String]?

    func render() -> String {
        let all = [headers] + rows + (footer.map { [$0] } ?? [])
        var widths = Array(repeating: 0, count: headers.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        func line(_ row: [String]) -> String {
            row.enumerated().map { index, cell in
                let padding = String(repeating: " ", count: max(0, widths[index] - cell.count))
                return rightAligned.contains(index) ? padding + cell : cell + padding
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }
        var lines = [line(headers)]
        lines.append(contentsOf: rows.map(line))
        if let footer {
            lines.append(String(repeating: "─", count: widths.reduce(0, +) + 2 * (widths.count - 1)))
            lines.append(line(footer))
        }
        return lines.joined(separator: "\n")
    }
}
