#include "CCurlShim.h"

CURLcode relance_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode relance_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode relance_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode relance_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode relance_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}

CURLcode relance_curl_setopt_data_callback(CURL *handle, CURLoption option, relance_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}

CURLcode relance_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

CURLcode relance_curl_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return curl_easy_getinfo(handle, info, value);
}

const char *relance_curl_version(void) {
    return curl_version_info(CURLVERSION_NOW)->version;
}

const char *relance_curl_ssl_version(void) {
    const char *ssl = curl_version_info(CURLVERSION_NOW)->ssl_version;
    return ssl ? ssl : "";
}

size_t relance_curl_protocol_count(void) {
    const char *const *protocols = curl_version_info(CURLVERSION_NOW)->protocols;
    size_t count = 0;
    while (protocols && protocols[count]) { count++; }
    return count;
}

const char *relance_curl_protocol_at(size_t index) {
    if (index >= relance_curl_protocol_count()) { return NULL; }
    return curl_version_info(CURLVERSION_NOW)->protocols[index];
}

CURLoption relance_curlopt_mail_rcpt_allowfails(void) {
    /* Option 290 (CURLOPTTYPE_LONG): ALLLOWFAILS up to 8.1, ALLOWFAILS after. */
    return (CURLoption)(CURLOPTTYPE_LONG + 290);
}

/* The daemon's SIGTERM: a flag a signal handler may set (async-signal-safe), which every
 * transfer's progress callback reads about once a second, so a stalled server never
 * keeps the daemon past its stop timeout. */
#include <signal.h>
static volatile sig_atomic_t relance_abort_flag = 0;

void relance_curl_request_abort(void) { relance_abort_flag = 1; }

int relance_curl_abort_requested(void) { return relance_abort_flag; }

static int relance_curl_progress(void *clientp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow) {
    (void)clientp; (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
    return relance_abort_flag ? 1 : 0;
}

CURLcode relance_curl_enable_abort(CURL *handle) {
    CURLcode code = curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, relance_curl_progress);
    if (code != CURLE_OK) return code;
    return curl_easy_setopt(handle, CURLOPT_NOPROGRESS, 0L);
}
