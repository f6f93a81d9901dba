public import RelanceCore

/// The report's pictures as inline SVG: bars for aging and top customers, a
/// line per method for DSO. Geometry is integer arithmetic on minor units and
/// tenths of days, so the pictures are as exact as the figures.
public enum SVGCharts {
    static let bucketColours = ["#2e7d32", "#9ccc65", "#fbc02d", "#f57c00", "#c62828"]

    /// Five vertical bars: not yet due, 1–30, 31–60, 61–90, over 90 days late.
    public static func aging(_ row: AgingBuckets) -> String {
        let width = 600, height = 260, base = 210, top = 30, barWidth = 80, gap = 30, left = 40
        let amounts = row.labelled.map(\.amount.minorUnits)
        let highest = max(amounts.max() ?? 0, 1)
        var svg = open(width: width, height: height, title: "Aging of open receivables in \(row.currency.code)")
        svg += line(x1: left - 10, y1: base, x2: width - 10, y2: base, colour: "#888")
        for (index, bucket) in row.labelled.enumerated() {
            let x = left + index * (barWidth + gap)
            let barHeight = scaled(bucket.amount.minorUnits, of: highest, to: base - top)
            svg += "<rect x=\"\(x)\" y=\"\(base - barHeight)\" width=\"\(barWidth)\" height=\"\(barHeight)\" fill=\"\(bucketColours[index])\"/>"
            svg += text(x: x + barWidth / 2, y: base - barHeight - 6, bucket.amount.decimalString, anchor: "middle", size: 12)
            svg += text(x: x + barWidth / 2, y: base + 18, bucket.label, anchor: "middle", size: 13)
        }
        svg += text(x: left + 2 * (barWidth + gap) + barWidth / 2, y: base + 40, "days past due (\(row.currency.code))", anchor: "middle", size: 12)
        return svg + "</svg>"
    }

    /// DSO month by month: the simple method and the countback method as two lines.
    public static func dso(_ months: [MonthlyDSO]) -> String {
        let width = 640, height = 280, left = 50, right = 20, top = 20, base = 230
        let simple = months.map { $0.simple.map(tenths) }, countback = months.map { $0.countback.map(tenths) }
        let highest = max((simple + countback).compactMap { $0 }.max() ?? 0, 10)
        let step = months.count > 1 ? (width - left - right) / (months.count - 1) : 0
        func x(_ index: Int) -> Int { months.count > 1 ? left + index * step : (width - left - right) / 2 + left }
        func y(_ value: Int) -> Int { base - scaled(Int64(value), of: Int64(highest), to: base - top) }
        var svg = open(width: width, height: height, title: "Days sales outstanding by month (\(months.first?.currency.code ?? ""))")
        svg += line(x1: left, y1: base, x2: width - right, y2: base, colour: "#888")
        svg += line(x1: left, y1: top, x2: left, y2: base, colour: "#888")
        for fraction in 0...4 {
            let value = highest * fraction / 4
            svg += text(x: left - 6, y: y(value) + 4, Ratio(Int128(value), 10).decimal(places: 0), anchor: "end", size: 11)
            if fraction > 0 { svg += line(x1: left, y1: y(value), x2: width - right, y2: y(value), colour: "#eee") }
        }
        for (series, colour) in [(simple, "#1565c0"), (countback, "#ef6c00")] {
            var points: [String] = []
            for (index, value) in series.enumerated() {
                guard let value else { continue }
                points.append("\(x(index)),\(y(value))")
                svg += "<circle cx=\"\(x(index))\" cy=\"\(y(value))\" r=\"3.5\" fill=\"\(colour)\"/>"
            }
            if points.count > 1 { svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2.5\" points=\"\(points.joined(separator: " "))\"/>" }
        }
        for (index, month) in months.enumerated() where months.count <= 12 || index % 2 == 0 {
            svg += text(x: x(index), y: base + 18, month.monthLabel, anchor: "middle", size: 10)
        }
        svg += "<rect x=\"\(left + 10)\" y=\"\(height - 22)\" width=\"12\" height=\"12\" fill=\"#1565c0\"/>"
        svg += text(x: left + 28, y: height - 12, "simple", anchor: "start", size: 12)
        svg += "<rect x=\"\(left + 100)\" y=\"\(height - 22)\" width=\"12\" height=\"12\" fill=\"#ef6c00\"/>"
        svg += text(x: left + 118, y: height - 12, "countback", anchor: "start", size: 12)
        return svg + "</svg>"
    }

    /// Horizontal bars of what the top customers were invoiced, with share and score.
    public static func topCustomers(_ customers: [CustomerStanding]) -> String {
        let rowHeight = 34, width = 680, labelWidth = 200, barSpace = 260
        let height = max(1, customers.count) * rowHeight + 20
        let highest = max(customers.map(\.invoiced.minorUnits).max() ?? 0, 1)
        var svg = open(width: width, height: height, title: "Top customers by amount invoiced")
        for (index, customer) in customers.enumerated() {
            let y = 10 + index * rowHeight
            let bar = max(1, scaled(customer.invoiced.minorUnits, of: highest, to: barSpace))
            svg += text(x: labelWidth - 8, y: y + 19, clipped(customer.name), anchor: "end", size: 13)
            svg += "<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(bar)\" height=\"22\" fill=\"#5c6bc0\"/>"
            let share = customer.share.map { " · " + Ratio($0.numerator * 100, $0.denominator).decimal(places: 1) + " %" } ?? ""
            svg += text(x: labelWidth + bar + 6, y: y + 19, "\(customer.invoiced.decimalString)\(share) · \(customer.score?.rawValue ?? "-")",
                        anchor: "start", size: 12)
        }
        return svg + "</svg>"
    }

    // MARK: - Drawing helpers

    static func open(width: Int, height: Int, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" role=\"img\">"
            + "<title>\(HTMLText.escape(title))</title>"
    }

    static func line(x1: Int, y1: Int, x2: Int, y2: Int, colour: String) -> String {
        "<line x1=\"\(x1)\" y1=\"\(y1)\" x2=\"\(x2)\" y2=\"\(y2)\" stroke=\"\(colour)\" stroke-width=\"1\"/>"
    }

    static func text(x: Int, y: Int, _ content: String, anchor: String, size: Int) -> String {
        "<text x=\"\(x)\" y=\"\(y)\" text-anchor=\"\(anchor)\" font-size=\"\(size)\">\(HTMLText.escape(content))</text>"
    }

    /// `value / whole × length`, rounded half-even, in whole pixels.
    static func scaled(_ value: Int64, of whole: Int64, to length: Int) -> Int {
        guard whole > 0, value > 0 else { return 0 }
        return Int(Rounding.halfEven(Int128(value) * Int128(length), Int128(whole)))
    }

    /// Days in tenths (41.3 → 413).
    static func tenths(_ ratio: Ratio) -> Int { Int(Rounding.halfEven(ratio.numerator * 10, ratio.denominator)) }

    static func clipped(_ name: String) -> String { name.count > 28 ? String(name.prefix(27)) + "…" : name }
}
