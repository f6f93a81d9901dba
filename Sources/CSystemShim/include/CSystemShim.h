#ifndef RELANCE_CSYSTEMSHIM_H
#define RELANCE_CSYSTEMSHIM_H

/* Linux calls that glibc declares only under _GNU_SOURCE, which Swift's Glibc
 * module does not define. */

/* syncfs(2): writes back the whole file system holding fd; 0 or -1 with errno. */
int relance_syncfs(int fd);

#endif
