#define _GNU_SOURCE
#include <unistd.h>
#include "CSystemShim.h"

int relance_syncfs(int fd) { return syncfs(fd); }
