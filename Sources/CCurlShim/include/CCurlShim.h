#ifndef RELANCE_CCURLSHIM_H
#define RELANCE_CCURLSHIM_H

/* Swift does not import C variadic functions, so curl_easy_setopt and
 * curl_easy_getinfo are wrapped here once per argument type. */

#include <curl/curl.h>
#include <stddef.h>

CURLcode relance_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode relance_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode relance_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode relance_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode relance_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value);

typedef size_t (*relance_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
CURLcode relance_curl_setopt_data_callback(CURL *handle, CURLoption option, relance_curl_data_callback callback);

CURLcode relance_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode relance_curl_getinfo_string(CURL *handle, CURLINFO info, const char **value);

/* curl_version_info fields that Swift reads awkwardly (a NULL-terminated array of strings). */
const char *relance_curl_version(void);
const char *relance_curl_ssl_version(void);
size_t relance_curl_protocol_count(void);
const char *relance_curl_protocol_at(size_t index);

/* Option numbers whose spelling differs between libcurl releases
 * (Debian's 7.88 spells CURLOPT_MAIL_RCPT_ALLLOWFAILS with three L's). */
CURLoption relance_curlopt_mail_rcpt_allowfails(void);

/* Aborting transfers on SIGTERM: `request` is async-signal-safe; `enable` makes a handle's
 * transfers stop (CURLE_ABORTED_BY_CALLBACK) within about a second once it was called. */
void relance_curl_request_abort(void);
int relance_curl_abort_requested(void);
CURLcode relance_curl_enable_abort(CURL *handle);

#endif
