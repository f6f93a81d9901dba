import Foundation
import PostgresNIO
import RelanceConfig
import RelanceCore
import RelanceFormats
import RelanceStore

/// What taking a batch of read files into the shared store writes, inside one transaction: the
/// local intake's rules (`Pickup.commit`) on PostgreSQL rows. A new invoice or an amendment is
/// stored and planned; a credit note is a payment on its invoice, which is then planned again or
/// settled; a file seen before (its content hash) changes nothing; a file with a document that
/// cannot be taken changes nothing at all (as the local intake's savepoint).
///
/// A round trip to the server costs more than the work itself, so the batch is not written file
/// by file: what it touches is read in a few statements (the invoices locked), each file is
/// applied in order to that view in memory (`SharedIntakeView`, pure), and the result is written
/// in a few set-based statements, whatever the number of files.
struct SharedIntakeRules: Sendable {
    let configuration: RelanceConfiguration
    let now: Date

    /// One accepted file of the batch.
    struct File: Sendable {
        let read: InvoiceReader.Read
        let hash: String
        /// The bytes its invoices' attachment references name (`SharedAttachmentIntake`).
        var attachments: [(key: String, bytes: [UInt8])] = []
    }

    /// Each file's result, in the order given.
    func commit(_ files: [File], on connection: PostgresConnection) async throws -> [SharedPickup.FileResult] {
        let timestamp = ZonedDateTime.iso8601(now, in: configuration.company.timeZone)
        let ids = Array(Set(files.flatMap { $0.read.documents.map(Self.invoiceID) })).sorted()
        // The invoices' ids first, in one order for every instance: a second instance taking the
        // same invoice (the same file, or another version of it) waits here for this transaction.
        try await SharedQueue.lockInvoices(ids, on: connection)
        let first = try await recordSources(files, on: connection)
        let customers = Array(Set(files.flatMap { file in
            file.read.documents.compactMap { document -> String? in
                if case .invoice(let invoice) = document { return ReminderPlanning.customerKey(invoice.customer) }
                return nil
            }
        })).sorted()
        var view = try await SharedIntakeView.load(ids: ids, customerKeys: customers, configuration: configuration, now: now, timestamp: timestamp,
                                                   on: connection)
        var results: [SharedPickup.FileResult] = []
        for (index, file) in files.enumerated() {
            let name = (file.read.file as NSString).lastPathComponent
            guard first.contains(index) else {
                let (id, _) = Self.identity(file.read.documents.first)
                results.append(SharedPickup.FileResult(reasons: nil, lines: [view.line("ingested", id, IntakeRules.duplicate(file: name))]))
                continue
            }
            var attempt = view
            let reasons = attempt.apply(file.read, name: name, hash: file.hash)
            if reasons.isEmpty {
                results.append(SharedPickup.FileResult(reasons: nil, lines: Array(attempt.events[view.events.count...].map(\.line))))
                view = attempt
            } else {
                results.append(SharedPickup.FileResult(reasons: reasons, lines: []))
            }
        }
        // A rejected file's hash is not kept: dropped again once mended, it is taken.
        let rejected = files.indices.filter { first.contains($0) && results[$0].reasons != nil }.map { files[$0].hash }
        if !rejected.isEmpty {
            try await connection.query("DELETE FROM source_files WHERE hash = ANY(\(rejected))", logger: Self.logger)
        }
        try await view.write(on: connection)
        // The attachments of the files taken, in the transaction that stores their invoices.
        let kept = files.indices.filter { first.contains($0) && results[$0].reasons == nil }.flatMap { files[$0].attachments }
        try await SharedAttachments.store(kept, at: now, on: connection)
        return results
    }

    /// Records the files' hashes; returns the indexes of the files this transaction is the first to
    /// take (a file whose bytes another instance, or an earlier file of this batch, took is not).
    private func recordSources(_ files: [File], on connection: PostgresConnection) async throws -> Set<Int> {
        var firstIndex: [String: Int] = [:]
        for (index, file) in files.enumerated() where firstIndex[file.hash] == nil { firstIndex[file.hash] = index }
        let unique = firstIndex.sorted { $0.value < $1.value }
        guard !unique.isEmpty else { return [] }
        let hashes = unique.map(\.key)
        let names = unique.map { (files[$0.value].read.file as NSString).lastPathComponent }
        let identities = unique.map { Self.identity(files[$0.value].read.documents.first) }
        let rows = try await connection.query("""
            INSERT INTO source_files (hash, name, document_id, kind, ingested_at)
            SELECT hash, name, document_id, kind, \(SharedQueue.seconds(now))
            FROM unnest(\(hashes), \(names), \(identities.map(\.id)), \(identities.map(\.kind))) AS f(hash, name, document_id, kind)
            ON CONFLICT (hash) DO NOTHING
            RETURNING hash
            """, logger: Self.logger)
        var first = Set<Int>()
        for try await hash in rows.decode(String.self) { if let index = firstIndex[hash] { first.insert(index) } }
        return first
    }

    /// The invoice a document is about (its own, or the one a credit note refers to).
    static func invoiceID(_ document: InvoiceReader.Document) -> String {
        switch document {
        case .invoice(let invoice): invoice.id
        case .creditNote(let note): note.refersTo
        }
    }

    static func identity(_ document: InvoiceReader.Document?) -> (id: String, kind: String) {
        switch document {
        case .invoice(let invoice): (invoice.id, "invoice")
        case .creditNote(let note): (note.id, "credit-note")
        case nil: ("", "invoice")
        }
    }

    static let logger = Logger(label: "relance.shared.intake")
}
