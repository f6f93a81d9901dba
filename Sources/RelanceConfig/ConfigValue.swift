internal import TOMLKit

/// The configuration file as plain values, copied out of TOMLKit right after
/// parsing so the rest of the reader works on Sendable data.
indirect enum ConfigValue: Sendable {
    case string(String)
    case integer(Int)
    case float(String)
    case bool(Bool)
    case date(year: Int, month: Int, day: Int)
    case other(String)
    case array([ConfigValue])
    case table([(String, ConfigValue)])

    init(_ value: any TOMLValueConvertible) {
        switch value.type {
        case .string: self = .string(value.string ?? "")
        case .int: self = .integer(value.int ?? 0)
        case .double: self = .float(value.debugDescription)
        case .bool: self = .bool(value.bool ?? false)
        case .date:
            let d = value.date!
            self = .date(year: Int(d.year), month: Int(d.month), day: Int(d.day))
        case .array: self = .array((value.array.map { Array($0) } ?? []).map { ConfigValue($0) })
        case .table: self = .table(value.table.map(ConfigValue.members) ?? [])
        case .time, .dateTime: self = .other(value.type.rawValue)
        }
    }

    static func members(_ table: TOMLTable) -> [(String, ConfigValue)] {
        var members: [(String, ConfigValue)] = []
        for (key, value) in table { members.append((key, ConfigValue(value))) }
        return members
    }

    subscript(key: String) -> ConfigValue? {
        guard case .table(let members) = self else { return nil }
        return members.first { $0.0 == key }?.1
    }

    var typeName: String {
        switch self {
        case .string: return "a string"
        case .integer: return "an integer"
        case .float: return "a decimal number"
        case .bool: return "a boolean"
        case .date: return "a date"
        case .other(let kind): return "a \(kind)"
        case .array: return "an array"
        case .table: return "a table"
        }
    }
}
