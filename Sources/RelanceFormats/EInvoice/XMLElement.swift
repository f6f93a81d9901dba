import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A parsed XML element by local name (namespace prefixes dropped: UBL and
/// CII element names do not clash), with its attributes, text and children.
final class XMLNode {
    let name: String
    var attributes: [String: String]
    var text = ""
    var children: [XMLNode] = []

    init(name: String, attributes: [String: String]) {
        self.name = name
        self.attributes = attributes
    }

    /// The first descendant along a path of child names (`["LegalMonetaryTotal", "PayableAmount"]`).
    func first(_ path: [String]) -> XMLNode? {
        guard let head = path.first else { return self }
        for child in children where child.name == head {
            if let found = child.first(Array(path.dropFirst())) { return found }
        }
        return nil
    }

    /// Every descendant along the path.
    func all(_ path: [String]) -> [XMLNode] {
        guard let head = path.first else { return [self] }
        return children.filter { $0.name == head }.flatMap { $0.all(Array(path.dropFirst())) }
    }

    func value(_ path: [String]) -> String? {
        let trimmed = first(path)?.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed?.isEmpty == false ? trimmed : nil
    }
}

/// Parses untrusted XML safely: a document with a DTD (`<!DOCTYPE`, `<!ENTITY`)
/// is refused before parsing, so no entity is ever expanded and no external
/// resource is ever loaded; depth and element count are bounded.
enum SafeXML {
    static let maximumDepth = 64
    static let maximumElements = 200_000

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ bytes: [UInt8]) throws(Failure) -> XMLNode {
        // A DTD has no business in an invoice; refusing it closes entity expansion and XXE at once.
        let head = String(decoding: bytes.prefix(65_536), as: UTF8.self).uppercased()
        if head.contains("<!DOCTYPE") || head.contains("<!ENTITY") || bytes.count > 65_536 && containsDTD(bytes) {
            throw Failure(description: "the XML declares a DTD or entities, which invoices never need; refused unread")
        }
        let delegate = TreeBuilder()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = false
        parser.delegate = delegate
        let parsed = parser.parse()
        if delegate.failure == nil, !delegate.stack.isEmpty {
            delegate.failure = "not well-formed XML: the document ends before <\(delegate.stack.last?.name ?? "")> is closed"
        }
        guard parsed, let root = delegate.root, delegate.failure == nil else {
            throw Failure(description: delegate.failure ?? "not well-formed XML (\(parser.parserError.map { "\($0.localizedDescription)" } ?? "unknown error"), line \(parser.lineNumber))")
        }
        return root
    }

    static func containsDTD(_ bytes: [UInt8]) -> Bool {
        let marker = Array("<!".utf8)
        var index = 0
        while index + 8 < bytes.count {
            if bytes[index] == marker[0], bytes[index + 1] == marker[1] {
                let word = String(decoding: bytes[(index + 2)..<min(bytes.count, index + 9)], as: UTF8.self).uppercased()
                if word.hasPrefix("DOCTYPE") || word.hasPrefix("ENTITY") { return true }
            }
            index += 1
        }
        return false
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var stack: [XMLNode] = []
        var root: XMLNode?
        var count = 0
        var failure: String?

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String]) {
            count += 1
            guard stack.count < SafeXML.maximumDepth, count < SafeXML.maximumElements else {
                failure = "the XML is nested deeper than \(SafeXML.maximumDepth) or has more than \(SafeXML.maximumElements) elements"
                parser.abortParsing()
                return
            }
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            let node = XMLNode(name: local, attributes: attributes)
            stack.last?.children.append(node)
            if root == nil { root = node }
            stack.append(node)
        }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            _ = stack.popLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            stack.last?.text += string
        }

        func parser(_ parser: XMLParser, parseErrorOccurred parseError: any Error) {
            if failure == nil { failure = "not well-formed XML at line \(parser.lineNumber)" }
        }

        func parser(_ parser: XMLParser, resolveExternalEntityName name: String, systemID: String?) -> Data? {
            failure = "the XML refers to an external entity"
            parser.abortParsing()
            return nil
        }
    }
}
