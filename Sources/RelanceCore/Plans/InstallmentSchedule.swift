/// One part of a payment plan: its number (1 first), its due date and its amount.
public struct Installment: Hashable, Sendable {
    public let number: Int
    public let due: LocalDate
    public let amount: Money

    public init(number: Int, due: LocalDate, amount: Money) {
        self.number = number
        self.due = due
        self.amount = amount
    }
}

/// How a customer in difficulty pays an invoice's balance in parts, as a person agreed it with
/// them (`relance installments INVOICE --parts N --first D [--every DAYS | --dates …] [--amounts …]`).
/// The schedule is decided here, pure: equal parts by default, the cent that does not divide
/// going to the last part, so the parts always add up to the balance exactly.
public enum InstallmentSchedule {
    /// The most parts a plan may have (five years of monthly parts).
    public static let maximumParts = 60

    /// Why a schedule cannot be agreed as asked.
    public enum Refusal: Error, Equatable, Sendable, CustomStringConvertible {
        case partsOutOfRange(Int)
        case nothingOwed
        case firstInThePast(LocalDate)
        case datesCount(given: Int, parts: Int)
        case datesNotIncreasing(LocalDate)
        case firstDoesNotMatch(first: LocalDate, dates: LocalDate)
        case spacing(Int)
        case amountsCount(given: Int, parts: Int)
        case amountNotPositive(Money)
        case amountsDoNotAddUp(sum: Money, balance: Money)
        case currency(Money)

        public var description: String {
            switch self {
            case .partsOutOfRange(let parts): return "a plan has 2 to \(InstallmentSchedule.maximumParts) parts, not \(parts)"
            case .nothingOwed: return "nothing is owed on this invoice"
            case .firstInThePast(let day): return "the first instalment's date \(day.iso) is already past"
            case .datesCount(let given, let parts): return "\(given) dates given for \(parts) parts"
            case .datesNotIncreasing(let day): return "the dates must follow each other: \(day.iso) comes too early"
            case .firstDoesNotMatch(let first, let dates): return "--first \(first.iso) is not the first of --dates (\(dates.iso))"
            case .spacing(let days): return "instalments are 1 to 366 days apart, not \(days)"
            case .amountsCount(let given, let parts): return "\(given) amounts given for \(parts) parts"
            case .amountNotPositive(let amount): return "each instalment must be more than zero, not \(amount)"
            case .amountsDoNotAddUp(let sum, let balance): return "the amounts add up to \(sum), the balance is \(balance)"
            case .currency(let amount): return "\(amount) is not in the invoice's currency"
            }
        }
    }

    /// The parts of a plan for `balance`.
    /// - Parameters:
    ///   - first: the first part's due date (may be nil when `dates` are given).
    ///   - everyDays: days between two parts (30 when neither this nor `dates` is given).
    ///   - dates: every part's due date, in order (instead of `everyDays`).
    ///   - amounts: every part's amount (instead of equal parts); they must add up to `balance`.
    public static func make(balance: Money, parts: Int, first: LocalDate?, everyDays: Int?, dates: [LocalDate]?,
                            amounts: [Money]?, today: LocalDate) throws(Refusal) -> [Installment] {
        guard (2...maximumParts).contains(parts) else { throw .partsOutOfRange(parts) }
        guard balance.isPositive else { throw .nothingOwed }
        let days: [LocalDate]
        if let dates {
            guard dates.count == parts else { throw .datesCount(given: dates.count, parts: parts) }
            for (earlier, later) in zip(dates, dates.dropFirst()) where later <= earlier { throw .datesNotIncreasing(later) }
            if let first, first != dates[0] { throw .firstDoesNotMatch(first: first, dates: dates[0]) }
            days = dates
        } else {
            let step = everyDays ?? 30
            guard (1...366).contains(step) else { throw .spacing(step) }
            let start = first ?? today
            days = (0..<parts).map { start.adding(days: $0 * step) }
        }
        guard days[0] >= today else { throw .firstInThePast(days[0]) }
        let split: [Money]
        if let amounts {
            guard amounts.count == parts else { throw .amountsCount(given: amounts.count, parts: parts) }
            var sum = Money.zero(balance.currency)
            for amount in amounts {
                guard amount.currency == balance.currency else { throw .currency(amount) }
                guard amount.isPositive else { throw .amountNotPositive(amount) }
                sum = sum + amount
            }
            guard sum == balance else { throw .amountsDoNotAddUp(sum: sum, balance: balance) }
            split = amounts
        } else {
            let share = balance.minorUnits / Int64(parts)
            guard share > 0 else { throw .amountNotPositive(Money(minorUnits: share, currency: balance.currency)) }
            let last = balance.minorUnits - share * Int64(parts - 1)
            split = (0..<parts).map { Money(minorUnits: $0 == parts - 1 ? last : share, currency: balance.currency) }
        }
        return zip(days, split).enumerated().map { Installment(number: $0.offset + 1, due: $0.element.0, amount: $0.element.1) }
    }
}
