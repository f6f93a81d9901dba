#ifndef RELANCE_CSYSTEMSHIM_H
#define RELANCE_CSYSTEMSHIM_H

/* Linux calls that glibc declares only under _GNU_SOURCE, which Swift's Glibc
 * module does not define. */

/* syncfs(2): writes back the whole file system holding fd; 0 or -1 with errno. */
int relance_syncfs(int fd);

/* Lowers the calling thread's scheduling priority by `increment` nice steps (setpriority(2) on its
 * own thread id: on Linux nice values are per thread); 0 or -1 with errno. */
int relance_nice_this_thread(int increment);

#endif
