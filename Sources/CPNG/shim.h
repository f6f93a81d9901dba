// libpng as Debian provides it (libpng-dev): the QR code images of the HTML emails, through its
// simplified API (png_image_write_to_memory), which reports errors without setjmp.
#include <png.h>
