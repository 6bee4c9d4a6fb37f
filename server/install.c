/* install.c: the root folder, its first-start layout, and the pid file (see install.h). The pid
 * file is held with an exclusive flock for the server's life: a stale file left by a crash
 * does not block the next start, and a live server is detected even if its pid was reused. */
#include "install.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

char *install_root_path(void)
{
    const char *env = getenv("ROOTPATH");
    const char *home;
    char *root;
    size_t n;

    if (env == NULL || env[0] == '\0')
        env = getenv("HDB_ROOT");
    if (env != NULL && env[0] != '\0') {
        root = strdup(env);
    } else {
        home = getenv("HOME");
        if (home == NULL || home[0] == '\0') {
            struct passwd *pw = getpwuid(getuid());

            home = pw != NULL ? pw->pw_dir : "/tmp";
        }
        n = strlen(home) + 5;
        root = malloc(n);
        if (root != NULL)
            snprintf(root, n, "%s/hdb", home);
    }
    for (n = root != NULL ? strlen(root) : 0; n > 1 && root[n - 1] == '/'; n--)
        root[n - 1] = '\0';
    return root;
}

static void path_in(char *out, size_t size, const char *root, const char *name)
{
    snprintf(out, size, "%s/%s", root, name);
}

bool install_is_installed(const char *root)
{
    char path[4096];
    struct stat st;

    path_in(path, sizeof path, root, "harperdb-config.yaml");
    return stat(path, &st) == 0;
}

static int make_dir(const char *path)
{
    char copy[4096];

    snprintf(copy, sizeof copy, "%s", path);
    for (char *p = copy + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(copy, 0755) == 0 || errno == EEXIST ? 0 : -1;
}

int install_root(const char *root, bool dev, char *err, size_t err_size)
{
    static const char *const dirs[] = {"", "/database", "/log", "/keys", "/backup",
                                       "/components"};
    char path[4096];

    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(path, sizeof path, "%s%s", root, dirs[i]);
        if (make_dir(path) != 0) {
            snprintf(err, err_size, "cannot create %s: %s", path, strerror(errno));
            return -1;
        }
    }
    chmod(strcat(strcpy(path, root), "/keys"), 0700);
    return config_install(root, dev, err, err_size);
}

static long read_pid(int fd)
{
    char text[32];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);

    if (n <= 0)
        return 0;
    text[n] = '\0';
    return strtol(text, NULL, 10);
}

int install_pid_lock(const char *root, int *fd, long *other_pid)
{
    char path[4096];
    char text[32];
    int f;
    int n;

    *other_pid = 0;
    path_in(path, sizeof path, root, "hdb.pid");
    f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f < 0)
        return -1;
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        *other_pid = read_pid(f);
        close(f);
        return -1;
    }
    n = snprintf(text, sizeof text, "%ld\n", (long)getpid());
    if (ftruncate(f, 0) != 0 || pwrite(f, text, (size_t)n, 0) != n) {
        close(f);
        return -1;
    }
    *fd = f;
    return 0;
}

long install_running_pid(const char *root)
{
    char path[4096];
    long pid = 0;
    int f;

    path_in(path, sizeof path, root, "hdb.pid");
    f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0)
        return 0;
    if (flock(f, LOCK_SH | LOCK_NB) != 0)
        pid = read_pid(f);
    else
        flock(f, LOCK_UN);
    close(f);
    return pid;
}

void install_pid_release(const char *root, int fd)
{
    char path[4096];

    if (fd < 0)
        return;
    path_in(path, sizeof path, root, "hdb.pid");
    unlink(path);
    close(fd);
}

void install_random_password(char *out, size_t size, size_t n)
{
    static const char alphabet[] =
        "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    unsigned char bytes[64];

    if (n >= size)
        n = size - 1;
    if (n > sizeof bytes)
        n = sizeof bytes;
    if (getrandom(bytes, n, 0) != (ssize_t)n)
        memset(bytes, 0, sizeof bytes);
    for (size_t i = 0; i < n; i++)
        out[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
    out[n] = '\0';
}
