/* install.h: the root folder: finding it, laying it out on first start, and the pid file that
 * makes `stop`/`status` work and keeps a second server off the same root. */
#ifndef HARPER_SERVER_INSTALL_H
#define HARPER_SERVER_INSTALL_H

#include <stdbool.h>
#include <stddef.h>

/* $ROOTPATH, else $HDB_ROOT, else ~/hdb, as a new string without a trailing '/'. */
char *install_root_path(void);

/* Whether <root>/harperdb-config.yaml exists. */
bool install_is_installed(const char *root);

/* Creates <root> with database/, log/, keys/, backup/, components/ and the config file (dev or
 * prod profile). 0, or -1 with a message. */
int install_root(const char *root, bool dev, char *err, size_t err_size);

/* Takes <root>/hdb.pid for this process: 0 and the open descriptor in *fd (keep it open while
 * running), or -1 with *other_pid set when a live server holds it (0 if unknown). */
int install_pid_lock(const char *root, int *fd, long *other_pid);
/* The pid of the server running on `root`, or 0 when none is. */
long install_running_pid(const char *root);
void install_pid_release(const char *root, int fd);

/* A new random password of `n` letters and digits (n < size). */
void install_random_password(char *out, size_t size, size_t n);

#endif
