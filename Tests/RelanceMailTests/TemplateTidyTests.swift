@testable import RelanceMail
import Testing

@Suite("Tidying a rendered text")
struct TemplateTidyTests {
    @Test("blank lines: none at the start or the end, at most one in a row; other lines kept as they are", arguments: [
        ("\n\n  \nBonjour,\n\n\n\nVotre facture.  \n \t \nMerci\n\n", "Bonjour,\n\nVotre facture.  \n\nMerci\n"),
        ("one line", "one line\n"),
        ("", "\n"),
        (" \n\t\n", "\n"),
        ("a\n\u{00A0}\u{3000}\nb", "a\n\nb\n"),
        ("é\n\n\nü", "é\n\nü\n"),
        ("a\r\n\r\n\r\nb\r\n", "a\r\n\nb\r\n"),
    ])
    func tidy(input: String, expected: String) {
        #expect(MessageTemplates.tidy(input) == expected)
    }
}
