/* slog.c: harper-server's log file in Harper's line format (slog.h). One write() per line on
 * an O_APPEND descriptor, so lines from many threads never interleave and need no lock.
 * Reading it back for read_log is slog_read.c's. Rotation is left to logrotate-style tools
 * for now. */
#include "slog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "harper.h"

struct server_log {
    int fd;             /* the log file, O_APPEND; -1 when there is none (stderr only) */
    int level;          /* lines below it are dropped; notify always passes */
    bool std_streams;   /* also copy each line to stderr */
};

static const char *const level_names[] = {"trace", "debug", "info", "warn",
                                          "error", "fatal", "notify"};
#define N_LEVELS ((int)(sizeof level_names / sizeof level_names[0]))

/* ---- writing ---- */

/* Creates every missing folder above the file `path`. */
static void make_parents(const char *path)
{
    char *copy = strdup(path);

    if (copy == NULL)
        return;
    for (char *p = copy + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(copy, 0755) != 0 && errno != EEXIST)
            break;
        *p = '/';
    }
    free(copy);
}

server_log *slog_open(const char *path, int level, bool std_streams)
{
    server_log *log = calloc(1, sizeof *log);

    if (log == NULL)
        return NULL;
    log->fd = -1;
    log->level = level < 0 ? SLOG_INFO : level;
    log->std_streams = std_streams;
    if (path != NULL) {
        make_parents(path);
        log->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
        if (log->fd < 0) {
            free(log);
            return NULL;
        }
    }
    return log;
}

void slog_close(server_log *log)
{
    if (log == NULL)
        return;
    if (log->fd >= 0)
        close(log->fd);
    free(log);
}

const char *slog_level_name(int level)
{
    return level >= 0 && level < N_LEVELS ? level_names[level] : NULL;
}

int slog_level_from_name(const char *name)
{
    for (int i = 0; name != NULL && i < N_LEVELS; i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return i;
    return -1;
}

/* Harper names threads <name>/<id>: the main thread main/0, the others (ours are the HTTP
 * workers) http/1, http/2, ... in the order they first log. */
static _Thread_local int thread_number = -1;
static atomic_int next_thread_number = 1;

static int current_thread_number(void)
{
    if (thread_number < 0)
        thread_number = (pid_t)syscall(SYS_gettid) == getpid()
                            ? 0
                            : atomic_fetch_add(&next_thread_number, 1);
    return thread_number;
}

/* Writes all of p[0..n), retrying short writes; one call in the normal case. */
static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

static void vwrite_line(server_log *log, int level, const char *tag, const char *fmt, va_list ap)
{
    char head[160];
    char stack[2048];
    char *msg = stack;
    char *line;
    int head_len;
    int msg_len;
    size_t stamp_len;
    struct timespec ts;
    struct tm tm;
    va_list copy;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    stamp_len = strftime(head, sizeof head, "%Y-%m-%dT%H:%M:%S", &tm);
    head_len = snprintf(head + stamp_len, sizeof head - stamp_len, ".%03ldZ [%s/%d] [%s]%s%s%s: ",
                        ts.tv_nsec / 1000000L, current_thread_number() == 0 ? "main" : "http",
                        current_thread_number(), level_names[level], tag != NULL ? " [" : "",
                        tag != NULL ? tag : "", tag != NULL ? "]" : "");
    if (head_len < 0)
        return;
    head_len += (int)stamp_len;
    if (head_len >= (int)sizeof head)
        head_len = (int)sizeof head - 1;
    va_copy(copy, ap);
    msg_len = vsnprintf(stack, sizeof stack, fmt, ap);
    if (msg_len >= (int)sizeof stack) {
        /* A long message (a stack or a record) gets its own buffer; without one, it is cut. */
        msg = malloc((size_t)msg_len + 1);
        if (msg != NULL) {
            vsnprintf(msg, (size_t)msg_len + 1, fmt, copy);
        } else {
            msg = stack;
            msg_len = (int)sizeof stack - 1;
        }
    }
    va_end(copy);
    if (msg_len < 0)
        msg_len = 0;
    line = malloc((size_t)head_len + (size_t)msg_len + 1);
    if (line != NULL) {
        memcpy(line, head, (size_t)head_len);
        memcpy(line + head_len, msg, (size_t)msg_len);
        line[head_len + msg_len] = '\n';
        if (log->fd >= 0)
            write_all(log->fd, line, (size_t)head_len + (size_t)msg_len + 1);
        /* The console copy leaves out the time when the file has it, as Harper's does. */
        if (log->fd < 0)
            write_all(STDERR_FILENO, line, (size_t)head_len + (size_t)msg_len + 1);
        else if (log->std_streams)
            write_all(STDERR_FILENO, line + stamp_len + 6,
                      (size_t)head_len - stamp_len - 6 + (size_t)msg_len + 1);
        free(line);
    }
    if (msg != stack)
        free(msg);
}

void slog_write(server_log *log, int level, const char *tag, const char *fmt, ...)
{
    static server_log fallback = {-1, SLOG_INFO, false};
    va_list ap;

    if (log == NULL)
        log = &fallback;
    if (level < 0 || level >= N_LEVELS || (level < log->level && level != SLOG_NOTIFY))
        return;
    va_start(ap, fmt);
    vwrite_line(log, level, tag, fmt, ap);
    va_end(ap);
}

void slog_from_library(int level, const char *module, const char *message, void *user)
{
    static const int map[] = {SLOG_ERROR, SLOG_WARN, SLOG_INFO, SLOG_DEBUG};
    int our = level >= 0 && level <= HARPER_LOG_DEBUG ? map[level] : SLOG_DEBUG;

    slog_write(user, our, module, "%s", message);
}
