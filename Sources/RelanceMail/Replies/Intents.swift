public import RelanceCore

/// What a person means, read from their own words in English, French and German with the phrase
/// tables of `ReplyPhrases`: the intents in their order of precedence (a dispute outweighs
/// everything, then a payment said made), each with the phrase and sentence that decided it, a
/// payment's or a promise's date, and a new contact's address.
public enum Intents {
    /// What the reader found.
    public struct Reading: Sendable, Equatable {
        public var intent: ReplyAnalysis.Intent
        /// The date the payment was made (`paid`) or promised for (`promise`), when written.
        public var date: LocalDate?
        /// The phrase that decided, and the sentence it stands in.
        public var phrase: String?
        public var evidence: String?
        /// The address a wrong-contact reply gives instead.
        public var newContact: String?
    }

    static let compiled: [ReplyAnalysis.Intent: [PhrasePattern]] = {
        var table: [ReplyAnalysis.Intent: [PhrasePattern]] = [:]
        for entry in ReplyPhrases.phrases { table[entry.intent, default: []] += entry.phrases.map(PhrasePattern.init) }
        return table
    }()
    static let redirects = ReplyPhrases.redirects.map(PhrasePattern.init)

    /// - Parameters:
    ///   - text: the author's own words (quotes, signature and disclaimer removed), then the subject.
    ///   - reference: the day the message was written, in the company's zone.
    ///   - dayFirst: how to read an ambiguous `03/04` (the configured date order).
    ///   - ownAddresses: the sender's and the company's addresses, which are no new contact.
    public static func read(_ text: String, reference: LocalDate, dayFirst: Bool = true, ownAddresses: Set<String> = []) -> Reading {
        let normalized = NormalizedText(text.replacingOccurrences(of: "’", with: "'"))
        let addresses = ReplyClassifier.allAddresses(in: text).filter { !ownAddresses.contains($0.lowercased()) }
        for intent in ReplyPhrases.precedence {
            var hit = PhraseMatcher.first(of: compiled[intent] ?? [], in: normalized, cancelling: ReplyPhrases.cancelling[intent] ?? [])
            if intent == .wrongContact, hit == nil, !addresses.isEmpty {
                hit = PhraseMatcher.first(of: redirects, in: normalized)
            }
            guard let hit else { continue }
            var reading = Reading(intent: intent, date: nil, phrase: hit.phrase, evidence: hit.evidence, newContact: nil)
            switch intent {
            case .paid:
                reading.date = date(near: hit, in: normalized, reference: reference, dayFirst: dayFirst, direction: .past).flatMap { $0 <= reference ? $0 : nil }
            case .promise:
                reading.date = date(near: hit, in: normalized, reference: reference, dayFirst: dayFirst, direction: .future).flatMap { $0 >= reference ? $0 : nil }
            case .wrongContact:
                reading.newContact = addresses.first
            default:
                break
            }
            return reading
        }
        return Reading(intent: .other, date: nil, phrase: nil, evidence: nil, newContact: nil)
    }

    /// The date the sentence of the phrase states (after the phrase first), else the nearest sentence's.
    static func date(near hit: PhraseHit, in text: NormalizedText, reference: LocalDate, dayFirst: Bool,
                     direction: RelativeDates.Direction) -> LocalDate? {
        let order = [hit.sentence] + text.sentences.indices.filter { $0 != hit.sentence }.sorted { abs($0 - hit.sentence) < abs($1 - hit.sentence) }
        for index in order {
            let sentence = text.sentences[index]
            var found: [(date: LocalDate, at: Int)] = RelativeDates.all(in: sentence.words, reference: reference, direction: direction)
            // Absolute dates, placed at the word they start with.
            for position in sentence.words.indices {
                if let date = TextDates.date(startingAt: position, in: sentence.words, reference: reference, dayFirst: dayFirst, direction: direction) {
                    found.append((date, position))
                }
            }
            guard !found.isEmpty else { continue }
            if index == hit.sentence, let after = found.filter({ $0.at >= hit.range.lowerBound }).min(by: { $0.at < $1.at }) { return after.date }
            return found.min { $0.at < $1.at }?.date
        }
        return nil
    }
}
