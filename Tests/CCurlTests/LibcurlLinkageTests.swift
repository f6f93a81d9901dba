import CCurlShim
import Testing

@Suite("libcurl linkage")
struct LibcurlLinkageTests {
    @Test("the linked libcurl speaks SMTP and IMAP, with and without TLS")
    func protocols() {
        var names: Set<String> = []
        for index in 0..<relance_curl_protocol_count() {
            if let name = relance_curl_protocol_at(index) { names.insert(String(cString: name)) }
        }
        for needed in ["smtp", "smtps", "imap", "imaps"] {
            #expect(names.contains(needed), "libcurl lacks \(needed)")
        }
        #expect(relance_curl_protocol_at(relance_curl_protocol_count()) == nil)
    }

    @Test("the setopt wrappers reach a real easy handle")
    func setopt() {
        let handle = curl_easy_init()
        defer { curl_easy_cleanup(handle) }
        #expect(relance_curl_setopt_long(handle, CURLOPT_NOSIGNAL, 1) == CURLE_OK)
        #expect(relance_curl_setopt_string(handle, CURLOPT_URL, "smtp://127.0.0.1:1") == CURLE_OK)
        #expect(relance_curl_setopt_long(handle, relance_curlopt_mail_rcpt_allowfails(), 1) == CURLE_OK)
        var code = -1
        #expect(relance_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code) == CURLE_OK)
        #expect(code == 0)
    }
}
