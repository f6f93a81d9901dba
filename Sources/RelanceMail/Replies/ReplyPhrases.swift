/// The phrases the reply reader knows, per language and intent: the only place its words live.
///
/// A phrase is matched word by word on folded text (no case, no accents, apostrophes as breaks):
/// `*` stands for up to four other words, and a word ending in `~` for any word it begins
/// ("regl~" is réglé, réglée, réglons). Paid and promise phrases do not count when a negation
/// ("not", "pas", "nicht"…) stands just before them or inside them: "we have not paid" is no payment.
enum ReplyPhrases {
    /// The intents in the order they win when several are said: a dispute outweighs everything.
    /// A payment said made comes next: chasing a paid invoice is the costliest mistake.
    static let precedence: [ReplyAnalysis.Intent] = [.dispute, .paid, .invoiceRequest, .installments, .wrongContact, .promise]

    /// Words that cancel an intent's phrase when they stand just before it or inside it: a negation,
    /// and for a payment said made, the future ("le paiement sera effectué", "die Zahlung wird … erfolgt").
    static var cancelling: [ReplyAnalysis.Intent: Set<String>] {
        [.paid: negators.union(future), .promise: negators, .installments: negators]
    }

    static let future: Set<String> = ["will", "ll", "shall", "going", "sera", "seront", "va", "vont", "vais", "wird", "werden", "werde"]

    static let negators: Set<String> = [
        "not", "t", "never",
        "pas", "jamais", "aucun", "aucune", "rien",
        "nicht", "nie", "kein", "keine", "keinen",
    ]

    static let phrases: [(language: String, intent: ReplyAnalysis.Intent, phrases: [String])] = [
        // MARK: dispute: delivery incomplete or damaged, amount or price wrong, not ordered, quality
        ("en", .dispute, [
            "dispute~", "we contest", "contest this", "disagree", "refuse to pay", "will not pay", "won't pay", "not pay this invoice",
            "incomplete", "damaged", "defective", "faulty", "broken on arrival", "missing items", "items * missing", "parts * missing",
            "goods * not * received", "goods * never arrived", "never delivered", "not * delivered", "not been delivered",
            "wrong amount", "amount is wrong", "amount * incorrect", "incorrect amount", "price * wrong", "wrong price", "price * incorrect",
            "overcharged", "charged twice", "charged * twice", "billed * twice", "not acceptable", "credit note", "invoiced twice", "billed twice", "wrong quantity", "quantity * wrong",
            "not ordered", "never ordered", "did not order", "didn't order", "poor quality", "quality * not acceptable",
            "does not work", "doesn't work", "not working", "was missing", "were missing", "are missing", "is missing", "is not correct",
            "not correct", "you billed", "can only pay for", "only pay for what", "not as ordered", "not what we ordered", "return the goods", "sent back",
        ]),
        ("fr", .dispute, [
            "contest~", "litige", "desaccord", "refus~ de payer", "ne paierons pas", "ne reglerons pas",
            "incomplet~", "endommag~", "abim~", "defectueu~", "casse~", "manqu~", "non conforme", "pas conforme",
            "jamais ete livre~", "pas ete livre~", "jamais livre~", "pas livre~", "marchandise * pas * recu~", "colis * jamais * arrive",
            "montant * errone~", "montant * faux", "montant * inexact", "erreur de prix", "erreur sur le prix", "erreur de montant",
            "prix * ne correspond~", "ne correspond~ pas", "prix * faux", "un avoir", "facture~ deux fois", "en double", "quantite * errone~", "erreur de quantite",
            "pas commande~", "jamais commande~", "n avons pas commande~", "qualite", "ne paierons qu", "ne reglerons qu", "ne payerons qu",
            "pas termine~", "inacheve~", "rectificati~", "pas celui du devis", "ne correspond~ pas au devis", "ne fonctionne pas", "ne marche pas", "retourne~ la marchandise",
        ]),
        ("de", .dispute, [
            "widersprech~", "widerspruch", "einspruch", "bestreiten", "reklamation", "reklamier~", "beanstand~", "zahlung verweiger~",
            "werden nicht zahlen", "nicht bezahlen", "unvollstandig", "beschadigt", "defekt", "kaputt", "fehlerhaft", "mangel~",
            "fehlt", "fehlen", "nie geliefert", "nicht geliefert", "ware * nicht * erhalten", "ware * nie * angekommen",
            "falsche~ betrag", "betrag * falsch", "betrag * stimmt nicht", "preis * falsch", "preis * stimmt nicht", "falsch berechnet",
            "doppelt berechnet", "zweimal berechnet", "menge * falsch", "falsche menge", "nicht bestellt", "nie bestellt",
            "qualitat", "funktioniert nicht", "zuruckgeschickt", "zurucksenden", "entspricht nicht", "stimmen nicht", "nicht der bestellung",
            "nicht mit dem angebot", "nicht dem angebot",
        ]),
        // MARK: invoice-request: never received the invoice, asks for a copy
        ("en", .invoiceRequest, [
            "copy of the invoice", "copy of your invoice", "copy of invoice", "invoice copy", "send * copy", "resend * invoice", "re-send * invoice",
            "send * invoice again", "send the invoice", "send us the invoice", "send me the invoice", "forward * invoice",
            "not received * invoice", "never received * invoice", "did not receive * invoice", "didn't receive * invoice",
            "haven't received * invoice", "have not received * invoice", "no invoice", "cannot find * invoice", "can't find * invoice",
            "invoice * never arrived", "invoice * not arrived", "duplicate invoice", "pdf of the invoice", "attach it", "nothing on file",
            "no record of this invoice", "no record of the invoice", "send it again", "send it to us again", "resend it",
        ]),
        ("fr", .invoiceRequest, [
            "copie de la facture", "copie de votre facture", "copie de facture", "duplicata", "renvoyer * facture", "renvoyez * facture",
            "reenvoyer * facture", "envoyer * facture", "transmettre * facture", "faire parvenir * facture", "adresser * facture",
            "pas recu * facture", "jamais recu * facture", "pas recu votre facture", "facture * pas * parvenue", "facture * jamais * parvenue",
            "facture * pas * recue", "facture * jamais recue", "ne trouvons pas * facture", "ne retrouvons pas * facture", "aucune facture",
            "envoyer une copie", "envoyer la copie", "la facture en pdf", "facture au format pdf", "pas trace de cette facture", "pas de trace",
            "nous la renvoyer", "me la renvoyer", "la renvoyer",
        ]),
        ("de", .invoiceRequest, [
            "kopie der rechnung", "rechnungskopie", "rechnung * erneut", "rechnung * noch einmal", "rechnung * nochmal", "rechnung * zusenden",
            "rechnung * schicken", "rechnung * senden", "rechnung * zukommen", "rechnung * nicht erhalten", "rechnung * nie erhalten",
            "keine rechnung", "rechnung * nicht * angekommen", "rechnung * nicht finden", "rechnung * nicht auffindbar", "duplikat",
            "rechnung als pdf", "kopie * zusenden", "kopie * schicken",
        ]),
        // MARK: installments: asks to pay in several parts
        ("en", .installments, [
            "instalment~", "installment~", "payment plan", "pay in parts", "pay it in parts", "in several payments", "several instalments",
            "spread the payment~", "spread * over", "split the payment", "split * into", "monthly payments", "pay * in * parts", "part payments",
            "pay * bit by bit", "in tranches", "over the next * months", "payment over", "pay over", "pay it over",
        ]),
        ("fr", .installments, [
            "echeancier", "plusieurs fois", "en plusieurs", "paiement echelonne", "reglement echelonne", "echelonner", "etaler", "etalement",
            "mensualites", "plusieurs versements", "plan de paiement", "paiement fractionne", "regler * en * fois", "payer * en * fois",
            "en deux fois", "en trois fois", "en quatre fois",
        ]),
        ("de", .installments, [
            "ratenzahlung", "in raten", "raten zahlen", "ratenplan", "teilzahlung~", "abschlagszahlung~", "in * teilbetragen",
            "in mehreren", "monatliche~ rate~", "aufteilen", "stundung", "in * raten", "ratenvereinbarung", "raten zu",
        ]),
        // MARK: wrong-contact: the person is not in charge
        ("en", .wrongContact, [
            "not the right person", "not the correct person", "wrong person", "wrong contact", "wrong address", "not responsible for",
            "no longer responsible", "not in charge", "no longer in charge", "no longer work~", "left the company", "no longer with",
            "accounts payable is", "not dealing with", "not my department", "now handled by", "handled by another", "not monitored",
        ]),
        ("fr", .wrongContact, [
            "pas la bonne personne", "pas le bon interlocuteur", "pas le bon contact", "mauvais contact", "mauvaise adresse",
            "ne suis pas en charge", "ne suis plus en charge", "ne s occupe plus", "ne m occupe pas", "ne m occupe plus", "ne travaille plus",
            "n est plus dans", "n est plus chez", "ne fait plus partie", "a quitte", "quitte la societe", "quitte l entreprise", "plus en poste",
            "n est pas mon service", "pas de mon ressort", "service comptable est",
        ]),
        ("de", .wrongContact, [
            "nicht zustandig", "nicht mehr zustandig", "falsche~ ansprechpartner", "falsche~ adresse", "falsche~ kontakt",
            "nicht mehr im unternehmen", "nicht mehr bei uns", "nicht mehr fur uns", "hat das unternehmen verlassen", "ausgeschieden",
            "nicht meine abteilung", "zustandig ist", "kummert sich nicht mehr",
        ]),
        // MARK: paid: the customer says they have paid
        ("en", .paid, [
            "already paid", "have paid", "has been paid", "was paid", "were paid", "we paid", "i paid", "paid it", "paid this", "paid the invoice",
            "paid on", "paid yesterday", "paid today", "paid last", "paid this morning", "payment was made", "payment has been made",
            "payment was sent", "payment has been sent", "payment sent", "sent the payment", "sent * payment", "made the payment",
            "made * transfer", "transfer was made", "transfer has been made", "transferred the", "wired the", "has been settled",
            "settled * invoice", "is settled", "was settled", "were settled", "settled on", "settled it", "settled last", "remittance", "payment * went out", "paid in full", "proof of payment", "processed the transfer", "transfer * processed", "taken care of", "paid it at",
        ]),
        ("fr", .paid, [
            "deja regl~", "deja pay~", "avons regl~", "avons pay~", "ai regl~", "ai pay~", "a ete regl~", "a ete pay~", "ont ete regl~",
            "virement * effectue~", "virement * parti", "virement * emis", "paiement * effectue~", "reglement * effectue~", "avons vire",
            "avons effectue~", "ai effectue~", "reglee le", "payee le", "est reglee", "est payee", "avons procede au", "ai procede au",
            "avons bien regl~", "cheque * envoye~", "avons envoye * cheque", "preuve de paiement", "avis de virement",
            "c est regl~", "c est pay~", "viens de regl~", "viens de pay~", "viens de faire le virement", "ai fait le virement", "avons fait le virement",
            "avons * procede au", "ai * procede au", "est soldee", "soldee depuis", "a ete soldee",
        ]),
        ("de", .paid, [
            "bereits bezahlt", "bereits uberwiesen", "bereits beglichen", "zahlung ist * erfolgt", "uberweisung ist * erfolgt", "schon bezahlt", "schon uberwiesen", "haben * bezahlt", "habe * bezahlt",
            "haben * uberwiesen", "habe * uberwiesen", "haben * beglichen", "habe * beglichen", "wurde * bezahlt", "wurde * uberwiesen",
            "wurde * beglichen", "ist * bezahlt", "ist * uberwiesen", "ist * beglichen", "zahlung ist erfolgt", "zahlung erfolgte",
            "uberweisung * getatigt", "uberweisung * veranlasst", "uberweisung * ausgefuhrt", "zahlung * veranlasst", "zahlungsnachweis",
            "zahlungsbeleg", "langst bezahlt", "langst uberwiesen", "langst beglichen",
        ]),
        // MARK: promise: a promise to pay
        ("en", .promise, [
            "will pay", "we'll pay", "i'll pay", "will be paid", "will transfer", "will be transferred", "payment will be made",
            "will settle", "will be settled", "pay by", "pay on", "will send the payment", "will send * payment", "going to pay",
            "will make the payment", "will process * payment", "will be made", "transfer will", "payment will", "scheduled * payment", "payment * scheduled", "payment * planned",
            "expect to pay", "can pay", "intend to pay", "will be in your account", "pay it next", "pay next", "pay at the end",
            "be paid by", "be paid on", "be paid next", "will clear", "clear the balance", "will go out", "payment * go out",
        ]),
        ("fr", .promise, [
            "reglerai", "reglerons", "paierai", "paierons", "payerai", "payerons", "sera regl~", "sera pay~", "seront regl~",
            "virement sera", "virerons", "effectuerons le", "effectuerai le", "procederons au", "procederai au", "allons regler", "allons payer",
            "vais regler", "vais payer", "virement * prevu", "paiement * prevu", "reglement * prevu", "programme~ pour", "planifie~ pour", "ferons le virement",
            "ferai le virement", "sera effectue~", "sera emis", "partira", "recevrez le paiement", "recevrez le reglement", "recevrez le virement", "recevrez votre reglement",
        ]),
        ("de", .promise, [
            "zahlen bis", "zahlen am", "werden * zahlen", "werde * zahlen", "werden * bezahlen", "werde * bezahlen", "uberweisen bis",
            "uberweisen am", "werden * uberweisen", "werde * uberweisen", "wird * bezahlt", "wird * uberwiesen", "wird * beglichen",
            "begleichen bis", "werden ** begleichen", "werde ** begleichen", "zahlen wir", "uberweisen wir", "begleichen wir",
            "wir zahlen", "wir uberweisen", "wir begleichen", "ich zahle", "ich uberweise", "zahlen * bis", "uberweisen * bis",
            "begleichen * bis", "bezahlen * bis", "uberweisung ** geplant", "zahlung ** geplant", "sie erhalten * zahlung",
            "sie erhalten * geld", "sie erhalten * uberweisung", "werden ** bezahlen", "werde ** bezahlen", "werden ** uberweisen", "werde ** uberweisen",
            "zahlung erfolgt", "zahlung * erfolgen", "zahlung * geplant", "uberweisung * geplant", "zahlung * vorgesehen",
            "erhalten sie * zahlung", "erhalten sie * geld", "erhalten sie * uberweisung", "geht * raus", "bekommen * geld", "bekommen * zahlung",
        ]),
    ]

    /// Phrases that send the reminders elsewhere: a wrong contact only when they give an address.
    static let redirects = [
        "please contact", "please write to", "please send * to", "should be sent to", "should go to", "forwarded * to", "send * instead to",
        "please use", "please address", "contact our", "write to our", "send them to",
        "merci de contacter", "veuillez contacter", "adressez-vous", "adresser vos", "merci d ecrire a", "merci d envoyer * a", "a envoyer a",
        "transfere~ a", "ecrire a", "ecrire * a", "envoyer vos relances", "contacter notre", "merci de vous adresser",
        "wenden sie sich", "bitte kontaktieren", "bitte schreiben sie an", "bitte senden sie * an", "richten sie", "weitergeleitet an",
        "schreiben sie an", "schreiben sie * an", "senden sie * an", "kontaktieren sie",
    ]

    // MARK: absences written without auto-reply headers

    /// An absence notice: the author is away (said in the first lines, with no other intent).
    static let absence = [
        "out of the office", "out of office", "away from the office", "away from my desk", "on vacation", "on holiday", "on leave",
        "annual leave", "i am away", "i'm away", "currently away", "limited access to email", "parental leave", "maternity leave",
        "absent", "absente", "en conge", "en conges", "en vacances", "hors du bureau", "actuellement absent~", "conge maternite",
        "abwesend", "nicht im buro", "im urlaub", "ausser haus", "nicht erreichbar", "in elternzeit", "nicht am arbeitsplatz",
    ]

    /// Words that make a stated last day of absence a return date of the day after.
    static let untilCues = ["until", "till", "through", "jusqu au", "jusqu a", "jusqu", "bis zum", "bis", "bis einschliesslich"]
    static let inclusiveCues = ["inclusive", "included", "including", "inclus", "incluse", "compris", "einschliesslich", "inklusive"]
    /// Words that introduce the first day back.
    static let backCues = [
        "back on", "back in the office on", "return on", "returning on", "back", "return", "returning", "from", "office on", "available again",
        "de retour le", "de retour", "retour le", "retour prevu le", "a partir du", "des le", "reprendrai le", "reprise le", "joignable",
        "wieder am", "wieder ab", "zuruck am", "zuruck ab", "ab dem", "ab", "wieder", "erreichbar ab", "erreichbar am",
    ]

    // MARK: what is not the author's own words

    /// Lines that begin what was quoted from an earlier message.
    static let quoteHeaders = [
        "-----original message", "----- original", "-------- message d'origine", "-------- message original", "-----ursprungliche nachricht",
        "-------- weitergeleitete", "-------- forwarded", "de :", "de:", "von:", "from:", "envoye :", "gesendet:", "sent:",
    ]
    /// A line that is only a closing: everything below it is the signature.
    static let closings = [
        "best regards", "kind regards", "regards", "best", "thanks", "thank you", "many thanks", "sincerely", "yours sincerely", "cheers",
        "cordialement", "bien cordialement", "bien a vous", "salutations", "sinceres salutations", "meilleures salutations",
        "bonne journee", "merci", "merci d avance", "merci beaucoup",
        "mit freundlichen grussen", "freundliche grusse", "viele grusse", "beste grusse", "gruss", "grusse", "mfg", "danke",
        "vielen dank", "liebe grusse",
    ]
}
