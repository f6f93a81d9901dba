#define _GNU_SOURCE
#include <unistd.h>
#include <sys/resource.h>
#include "CSystemShim.h"

int relance_syncfs(int fd) { return syncfs(fd); }

int relance_nice_this_thread(int increment) {
    pid_t tid = gettid();
    int current = getpriority(PRIO_PROCESS, (id_t)tid);
    return setpriority(PRIO_PROCESS, (id_t)tid, current + increment);
}
