// libqrencode as Debian provides it (libqrencode-dev): the EPC payment QR codes.
#include <qrencode.h>
