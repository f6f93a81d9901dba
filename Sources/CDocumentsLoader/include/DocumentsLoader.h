// The document libraries (cairo, Pango, libpng, libqrencode) loaded on first use rather than at
// every start of relance: linked normally they added some 6 ms to every command (75 shared
// libraries to map and relocate), for a letter or a QR code most commands never draw.
#ifndef RELANCE_DOCUMENTS_LOADER_H
#define RELANCE_DOCUMENTS_LOADER_H

// Loads the libraries once; 1 when every function relance uses was found, else 0 with the reason
// (dlerror's words) in `message`. Safe to call from any thread.
int relance_documents_load(char *message, int length);

#include <stddef.h>

// A PNG of a black-and-white image: `rows` holds `height` rows of `row_bytes` bytes, one bit per
// pixel, most significant bit first, 1 for white and 0 for black. On success, 1 and `*out` (to be
// released with free) of `*out_length` bytes; else 0 and libpng's words in `message`. Call
// relance_documents_load() first.
int relance_png_write_bilevel(const unsigned char *rows, int width, int height, int row_bytes,
                              unsigned char **out, size_t *out_length, char *message, int message_length);

#endif
