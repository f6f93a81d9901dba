// libpng as Debian provides it (libpng-dev): the QR code images of the HTML emails, written by
// CDocumentsLoader's relance_png_write_bilevel (libpng's errors end there, in C, with setjmp).
#include <png.h>
