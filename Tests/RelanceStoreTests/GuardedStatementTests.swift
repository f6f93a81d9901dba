@testable import RelanceStore
import Testing

/// How a write-back's row statements are brought together into set-based ones: updates and
/// deletes of one shape gathered between inserts, inserts kept in their order; and the SQL each
/// run becomes.
@Suite("A write-back's statements, gathered by shape")
struct GuardedStatementTests {
    let cancelled = GuardedStatement.Shape.update(table: "reminders", set: ["state", "detail"], extra: "", guards: ["id", "state"], suffix: "")
    let addressed = GuardedStatement.Shape.update(table: "reminders", set: ["message_id"], extra: "", guards: ["id", "state"], suffix: "")
    let event = GuardedStatement.Shape.insert(table: "events", columns: ["at", "line"], conflict: "")

    func statement(_ shape: GuardedStatement.Shape, _ id: String) -> GuardedStatement {
        GuardedStatement(shape: shape, values: shape.parameters.map { _ in .text(id) }, id: id)
    }

    @Test("updates of one shape are gathered across others; an insert is a barrier and inserts keep their order")
    func runs() {
        let statements = [statement(cancelled, "1"), statement(addressed, "2"), statement(cancelled, "3"), statement(event, "e1"),
                          statement(event, "e2"), statement(cancelled, "4"), statement(event, "e3")]
        let runs = GuardedStatement.runs(statements).map { $0.map(\.id) }
        #expect(runs == [["1", "3"], ["2"], ["e1", "e2"], ["4"], ["e3"]])
    }

    @Test("a run's statement binds each parameter as an array, qualifies the guards and returns the rows it touched")
    func setSQL() {
        let guarded = GuardedStatement.Shape.update(table: "reminders", set: ["state"], extra: "lease_owner = NULL", guards: ["id", "updated_at"],
                                                    suffix: " AND lease_owner IS NULL")
        #expect(GuardedStatement.setSQL(guarded, types: ["text", "bigint", "bigint"]) ==
            "UPDATE reminders AS t SET state = v.p1, lease_owner = NULL FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS v(p1, p2, p3) "
            + "WHERE t.id = v.p2 AND t.updated_at = v.p3 AND t.lease_owner IS NULL RETURNING t.id::text")
        #expect(GuardedStatement.setSQL(event, types: ["bigint", "text"]) ==
            "INSERT INTO events (at, line) SELECT p1, p2 FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS v(p1, p2, relance_order) "
            + "ORDER BY relance_order RETURNING 1")
        #expect(statement(cancelled, "7").singleRowSQL == "UPDATE reminders SET state = $1, detail = $2 WHERE id = $3 AND state = $4 RETURNING 1")
    }
}
