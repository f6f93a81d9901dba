/// When a chase ends in the collection file: the formal notice gave a deadline (Code civil art.
/// 1344: the notice is the "interpellation suffisante"; § 286 (1) BGB), the deadline has passed, and
/// something is still owed. Nothing else moves an invoice to `collection`; a person brings it
/// back with `relance resume`.
public enum CollectionRule {
    /// True on the first day after `deadline` with a balance still due.
    public static func isDue(noticeDeadline deadline: LocalDate, today: LocalDate, balance: Money) -> Bool {
        today > deadline && balance.isPositive
    }
}
