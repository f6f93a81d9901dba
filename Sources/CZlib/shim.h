#ifndef RELANCE_CZLIB_SHIM_H
#define RELANCE_CZLIB_SHIM_H
#include <zlib.h>
#endif
