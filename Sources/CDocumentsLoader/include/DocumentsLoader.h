// The document libraries (cairo, Pango, libpng, libqrencode) loaded on first use rather than at
// every start of relance: linked normally they added some 6 ms to every command (75 shared
// libraries to map and relocate), for a letter or a QR code most commands never draw.
#ifndef RELANCE_DOCUMENTS_LOADER_H
#define RELANCE_DOCUMENTS_LOADER_H

// Loads the libraries once; 1 when every function relance uses was found, else 0 with the reason
// (dlerror's words) in `message`. Safe to call from any thread.
int relance_documents_load(char *message, int length);

#endif
