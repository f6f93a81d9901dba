#ifndef RELANCE_CCURL_SHIM_H
#define RELANCE_CCURL_SHIM_H
#include <curl/curl.h>
#endif
