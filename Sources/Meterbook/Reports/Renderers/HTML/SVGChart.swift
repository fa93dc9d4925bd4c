import Foundation

/// One series of a bar chart: a name for the legend, a colour, one value per category.
struct BarSeries {
    var name: String
    var color: String
    var values: [Double]
}

/// Inline SVG bar charts: no script, no font or stylesheet from the network, a `<title>` on every bar so hovering
/// shows the exact figure. The markup is well-formed XML.
enum SVGChart {
    static let palette = ["#2563eb", "#f97316", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#ca8a04", "#db2777", "#64748b"]

    /// Vertical bars per category (time buckets), the series side by side or stacked.
    static func columns(categories: [String], series: [BarSeries], stacked: Bool, format: (Double) -> String,
                        width: Double = 880, height: Double = 280) -> String {
        let left = 64.0, right = 16.0, top = 16.0, bottom = 44.0
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let totals = categories.indices.map { index in
            stacked ? series.reduce(0) { $0 + max(0, $1.values[index]) } : series.map { max(0, $0.values[index]) }.max() ?? 0
        }
        let scale = NiceScale(maximum: totals.max() ?? 0)
        var svg = open(width: width, height: height)
        svg += axis(scale: scale, left: left, top: top, plotWidth: plotWidth, plotHeight: plotHeight, format: format)
        guard !categories.isEmpty, !series.isEmpty else {
            return svg + empty(width: width, height: height) + legend(series, y: height - 10) + "</svg>"
        }
        let slot = plotWidth / Double(categories.count)
        let barWidth = stacked ? slot * 0.7 : slot * 0.8 / Double(series.count)
        let labelEvery = max(1, Int((Double(categories.count) / (plotWidth / 56)).rounded(.up)))
        for (index, category) in categories.enumerated() {
            var base = 0.0
            for (seriesIndex, item) in series.enumerated() {
                let value = max(0, item.values[index])
                let barHeight = plotHeight * value / scale.maximum
                let x = left + slot * Double(index) + (stacked ? slot * 0.15 : slot * 0.1 + barWidth * Double(seriesIndex))
                let y = top + plotHeight - barHeight - (stacked ? plotHeight * base / scale.maximum : 0)
                if value > 0 {
                    svg += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(max(barWidth, 1)))\" height=\"\(f(barHeight))\" fill=\"\(item.color)\">"
                    svg += "<title>\(HTML.escape("\(category) · \(item.name): \(format(value))"))</title></rect>"
                }
                if stacked { base += value }
            }
            if index % labelEvery == 0 {
                svg += "<text x=\"\(f(left + slot * (Double(index) + 0.5)))\" y=\"\(f(top + plotHeight + 16))\" class=\"tick\" text-anchor=\"middle\">\(HTML.escape(category))</text>"
            }
        }
        return svg + legend(series, y: height - 10) + "</svg>"
    }

    /// Horizontal bars per category (deployments), the series side by side.
    static func bars(categories: [String], series: [BarSeries], format: (Double) -> String, width: Double = 880) -> String {
        let left = 180.0, right = 90.0, top = 16.0, legendHeight = 28.0
        let rowHeight = 10.0 + 12.0 * Double(max(series.count, 1))
        let plotHeight = rowHeight * Double(max(categories.count, 1))
        let height = top + plotHeight + 24 + legendHeight
        let plotWidth = width - left - right
        let scale = NiceScale(maximum: series.flatMap(\.values).max() ?? 0)
        var svg = open(width: width, height: height)
        for tick in scale.ticks {
            let x = left + plotWidth * tick / scale.maximum
            svg += "<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotHeight))\" class=\"grid\"/>"
            svg += "<text x=\"\(f(x))\" y=\"\(f(top + plotHeight + 16))\" class=\"tick\" text-anchor=\"middle\">\(HTML.escape(format(tick)))</text>"
        }
        guard !categories.isEmpty, !series.isEmpty else {
            return svg + empty(width: width, height: height) + "</svg>"
        }
        for (index, category) in categories.enumerated() {
            let rowTop = top + rowHeight * Double(index)
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(rowTop + rowHeight / 2 + 4))\" class=\"label\" text-anchor=\"end\">\(HTML.escape(category))</text>"
            for (seriesIndex, item) in series.enumerated() {
                let value = max(0, item.values[index])
                let y = rowTop + 5 + 12 * Double(seriesIndex)
                let barWidth = plotWidth * value / scale.maximum
                svg += "<rect x=\"\(f(left))\" y=\"\(f(y))\" width=\"\(f(barWidth))\" height=\"10\" fill=\"\(item.color)\">"
                svg += "<title>\(HTML.escape("\(category) · \(item.name): \(format(value))"))</title></rect>"
                svg += "<text x=\"\(f(left + barWidth + 4))\" y=\"\(f(y + 9))\" class=\"value\">\(HTML.escape(format(value)))</text>"
            }
        }
        return svg + legend(series, y: height - 8) + "</svg>"
    }

    private static func open(width: Double, height: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\">"
    }

    private static func axis(scale: NiceScale, left: Double, top: Double, plotWidth: Double, plotHeight: Double, format: (Double) -> String) -> String {
        var svg = ""
        for tick in scale.ticks {
            let y = top + plotHeight - plotHeight * tick / scale.maximum
            svg += "<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotWidth))\" y2=\"\(f(y))\" class=\"grid\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" class=\"tick\" text-anchor=\"end\">\(HTML.escape(format(tick)))</text>"
        }
        return svg
    }

    private static func empty(width: Double, height: Double) -> String {
        "<text x=\"\(f(width / 2))\" y=\"\(f(height / 2))\" class=\"label\" text-anchor=\"middle\">No data in this range</text>"
    }

    private static func legend(_ series: [BarSeries], y: Double) -> String {
        var svg = ""
        var x = 64.0
        for item in series {
            svg += "<rect x=\"\(f(x))\" y=\"\(f(y - 9))\" width=\"10\" height=\"10\" fill=\"\(item.color)\"/>"
            svg += "<text x=\"\(f(x + 14))\" y=\"\(f(y))\" class=\"label\">\(HTML.escape(item.name))</text>"
            x += 24 + Double(item.name.count) * 7
        }
        return svg
    }

    /// Coordinates with one decimal: enough for a screen, short in the file.
    static func f(_ value: Double) -> String {
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
    }
}

/// An axis from 0 to a round maximum with 4–5 round ticks.
struct NiceScale {
    var maximum: Double
    var ticks: [Double]

    init(maximum value: Double) {
        guard value > 0, value.isFinite else {
            maximum = 1
            ticks = [0, 0.25, 0.5, 0.75, 1]
            return
        }
        let rough = value / 4
        let magnitude = pow(10, floor(log10(rough)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
        let top = ceil(value / step) * step
        maximum = top
        ticks = stride(from: 0.0, through: top + step / 2, by: step).map { $0 }
    }
}
