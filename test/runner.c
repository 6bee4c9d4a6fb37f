/* runner.c: runs the unit tests (every TEST of test/test_*.c, listed in the generated
 * test_list.h), then scripts and commands, each in its own process group with a fresh
 * temporary folder, and prints one line per test and a summary:
 *
 *   test-runner [--script PATH]... [--run NAME COMMAND]... [--list] [FILTER]...
 *
 * --script PATH     runs PATH as the test named after it (test/check_install.sh:
 *                   check_install)
 * --run NAME CMD    runs `/bin/sh -c CMD` as the test NAME (fuzz corpus replays)
 * FILTER            runs only the tests whose name contains one of the filters
 *
 * A unit test fails by test_fail() (the CHECK macros), a crash, a sanitizer report or any
 * non-zero exit; a script or command by an exit status other than 0, or 77 for a skip, whose
 * reason is its last line of output. Children see TEST_DIR (their folder), HARPER_SRC (the
 * repo top, default the current folder) and HARPER_BUILD (default the runner's folder).
 * Each gets TEST_TIMEOUT seconds (default 300), then its whole process group is killed; so is
 * anything it left running when it ends. The folder is removed unless the test failed.
 * Output is shown only for failures. Exit status 0 if and only if no test failed (and, with
 * filters, some test matched). */
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXIT_SKIP 77
#define OUTPUT_MAX (1 << 20)       /* bytes of a test's output kept; the tail wins */
#define DRAIN_SECONDS 2.0          /* how long output may trail a test's exit */
#define DEFAULT_TIMEOUT 300.0

struct unit {
    const char *name;
    void (*fn)(void);
};

static const struct unit units[] = {
#define TEST_ENTRY(name) {#name, test_##name},
#include "test_list.h"
#undef TEST_ENTRY
    {NULL, NULL}};

/* One thing to run: a unit test (fn) or a command (argv, freed with the job). */
struct job {
    const char *name;
    void (*fn)(void);
    char **argv;
    char *owned_name; /* NULL, or `name` when it was made for the job */
};

enum outcome { PASSED, FAILED, SKIPPED };

struct output {
    char *data;
    size_t len;
    bool truncated;
};

static char current_dir[PATH_MAX];       /* the child's test_dir() */
static volatile sig_atomic_t running_pgid; /* group to kill if the runner is interrupted */

const char *test_dir(void)
{
    return current_dir;
}

const char *test_path(const char *rel)
{
    static char paths[4][PATH_MAX];
    static int next;
    char *path = paths[next++ % 4];

    if (snprintf(path, sizeof paths[0], "%s/%s", current_dir, rel) >= (int)sizeof paths[0])
        test_fail(__FILE__, __LINE__, "path too long: %s", rel);
    return path;
}

void test_write_file(const char *rel, const char *text)
{
    char path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof path, "%s", test_path(rel));
    for (char *p = path + strlen(current_dir) + 1; *p != '\0'; p++) {
        if (*p == '/') {
            *p = '\0';
            CHECK(mkdir(path, 0755) == 0 || errno == EEXIST);
            *p = '/';
        }
    }
    f = fopen(path, "w");
    CHECK(f != NULL);
    fputs(text, f);
    fclose(f);
}

void test_skip(const char *why)
{
    fflush(stdout);
    printf("%s\n", why);
    fflush(stdout);
    _exit(EXIT_SKIP);
}

void test_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    /* _exit: a failed test's leaks are not news, and atexit handlers could hide the cause. */
    _exit(1);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_interrupt(int sig)
{
    if (running_pgid > 0)
        kill(-running_pgid, SIGKILL);
    signal(sig, SIG_DFL);
    raise(sig);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *path)
{
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void output_add(struct output *out, const char *p, size_t n)
{
    if (out->len + n > OUTPUT_MAX) {
        /* Keep the tail: a failure is usually explained by what came last. */
        size_t drop = out->len + n - OUTPUT_MAX;
        if (drop >= out->len) {
            p += drop - out->len;
            n -= drop - out->len;
            drop = out->len;
        }
        memmove(out->data, out->data + drop, out->len - drop);
        out->len -= drop;
        out->truncated = true;
    }
    memcpy(out->data + out->len, p, n);
    out->len += n;
}

/* Reads what is there; false at end of file. */
static bool output_read(struct output *out, int fd)
{
    char buf[65536];

    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n > 0) {
            output_add(out, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
}

static void child_run(const struct job *job, int out_fd)
{
    int null_fd = open("/dev/null", O_RDONLY);

    setpgid(0, 0);
    if (null_fd >= 0)
        dup2(null_fd, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(out_fd, STDERR_FILENO);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    setenv("TEST_DIR", current_dir, 1);
    if (job->fn != NULL) {
        job->fn();
        exit(0);
    }
    execv(job->argv[0], job->argv);
    fprintf(stderr, "cannot run %s: %s\n", job->argv[0], strerror(errno));
    _exit(127);
}

/* Runs `job` in a child and waits for it, collecting its output; returns its wait status,
 * or -1 if it ran out of time (it is killed then). */
static int supervise(const struct job *job, double timeout, struct output *out)
{
    int fds[2];
    pid_t pid;
    int status = 0;
    bool exited = false;
    bool open_out = true;
    bool timed_out = false;
    double deadline = now() + timeout;

    if (pipe2(fds, O_CLOEXEC) != 0) {
        fprintf(stderr, "runner: pipe: %s\n", strerror(errno));
        return -2;
    }
    fflush(NULL);
    pid = fork();
    if (pid < 0) {
        fprintf(stderr, "runner: fork: %s\n", strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -2;
    }
    if (pid == 0)
        child_run(job, fds[1]);
    setpgid(pid, pid);
    running_pgid = pid;
    close(fds[1]);
    fcntl(fds[0], F_SETFL, O_NONBLOCK);

    while (!exited || open_out) {
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        double left = deadline - now();
        int wait_ms = left <= 0 ? 0 : left > 0.05 ? 50 : (int)(left * 1000);

        if (poll(&pfd, open_out ? 1 : 0, wait_ms) > 0)
            open_out = output_read(out, fds[0]);
        if (!exited) {
            siginfo_t info = {0};
            /* WNOWAIT: the group is killed while the pid is still ours, then reaped. */
            if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
                info.si_pid == pid) {
                kill(-pid, SIGKILL);
                waitpid(pid, &status, 0);
                exited = true;
                deadline = now() + DRAIN_SECONDS;
            } else if (now() >= deadline) {
                kill(-pid, SIGKILL);
                waitpid(pid, &status, 0);
                exited = timed_out = true;
                deadline = now() + DRAIN_SECONDS;
            }
        } else if (now() >= deadline) {
            break; /* something outside the group holds the pipe open */
        }
    }
    running_pgid = 0;
    close(fds[0]);
    return timed_out ? -1 : status;
}

/* The last non-empty line of the output, for a skip's reason. */
static void last_line(const struct output *out, char *line, size_t size)
{
    size_t end = out->len;
    size_t start;

    while (end > 0 && (out->data[end - 1] == '\n' || out->data[end - 1] == '\r'))
        end--;
    start = end;
    while (start > 0 && out->data[start - 1] != '\n')
        start--;
    if (end - start >= size)
        start = end - (size - 1);
    memcpy(line, out->data + start, end - start);
    line[end - start] = '\0';
}

static void print_indented(const struct output *out)
{
    size_t i = 0;

    if (out->truncated)
        printf("    [... earlier output cut ...]\n");
    while (i < out->len) {
        const char *nl = memchr(out->data + i, '\n', out->len - i);
        size_t n = nl ? (size_t)(nl - (out->data + i)) : out->len - i;
        printf("    %.*s\n", (int)n, out->data + i);
        i += n + 1;
    }
}

static enum outcome run_job(const struct job *job, double timeout, struct output *out)
{
    const char *tmp = getenv("TMPDIR");
    int status;
    char why[256];

    if (tmp == NULL || *tmp == '\0')
        tmp = "/tmp";
    snprintf(current_dir, sizeof current_dir, "%s/harper-test-%s-XXXXXX", tmp, job->name);
    if (mkdtemp(current_dir) == NULL) {
        printf("FAIL %s (cannot make a folder %s: %s)\n", job->name, current_dir,
               strerror(errno));
        return FAILED;
    }
    out->len = 0;
    out->truncated = false;
    status = supervise(job, timeout, out);

    if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        printf("ok %s\n", job->name);
        remove_tree(current_dir);
        return PASSED;
    }
    if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == EXIT_SKIP) {
        last_line(out, why, sizeof why);
        printf("skip %s: %s\n", job->name, why[0] ? why : "(no reason given)");
        remove_tree(current_dir);
        return SKIPPED;
    }
    if (status == -1)
        snprintf(why, sizeof why, "timed out after %.0f s", timeout);
    else if (status < 0)
        snprintf(why, sizeof why, "could not start");
    else if (WIFSIGNALED(status))
        snprintf(why, sizeof why, "killed by signal %d, %s", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(why, sizeof why, "exit status %d", WEXITSTATUS(status));
    printf("FAIL %s (%s)\n", job->name, why);
    print_indented(out);
    printf("    test folder kept: %s\n", current_dir);
    return FAILED;
}

static bool selected(const char *name, char **filters, int n_filters)
{
    if (n_filters == 0)
        return true;
    for (int i = 0; i < n_filters; i++)
        if (strstr(name, filters[i]) != NULL)
            return true;
    return false;
}

/* "test/check_install.sh" -> "check_install", in a new string. */
static char *script_name(const char *path)
{
    const char *base = strrchr(path, '/');
    char *name = strdup(base ? base + 1 : path);
    size_t n = name ? strlen(name) : 0;

    if (n > 3 && strcmp(name + n - 3, ".sh") == 0)
        name[n - 3] = '\0';
    return name;
}

static void set_default_env(const char *argv0)
{
    char exe[PATH_MAX];
    char cwd[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);

    if (getenv("HARPER_BUILD") == NULL && n > 0) {
        exe[n] = '\0';
        *strrchr(exe, '/') = '\0';
        setenv("HARPER_BUILD", exe, 1);
    } else if (getenv("HARPER_BUILD") == NULL) {
        fprintf(stderr, "runner: cannot find my own folder (%s); set HARPER_BUILD\n", argv0);
    }
    if (getenv("HARPER_SRC") == NULL && getcwd(cwd, sizeof cwd) != NULL)
        setenv("HARPER_SRC", cwd, 1);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: test-runner [--script PATH]... [--run NAME COMMAND]... [--list] "
               "[FILTER]...\n");
}

/* Adds a command job; its name is `name` (owned_name: made for it, freed with it). */
static bool add_command(struct job *job, const char *name, char *owned_name, const char *a0,
                        const char *a1, const char *a2)
{
    char **args = calloc(4, sizeof *args);

    if (args == NULL || (name == NULL && owned_name == NULL)) {
        free(args);
        free(owned_name);
        return false;
    }
    /* execv() takes char *const[]; these strings are never written to. */
    args[0] = (char *)a0;
    args[1] = (char *)a1;
    args[2] = (char *)a2;
    *job = (struct job){owned_name ? owned_name : name, NULL, args, owned_name};
    return true;
}

static double timeout_seconds(void)
{
    const char *env = getenv("TEST_TIMEOUT");
    char *end;
    double t;

    if (env == NULL || *env == '\0')
        return DEFAULT_TIMEOUT;
    t = strtod(env, &end);
    if (*end == '\0' && t > 0)
        return t;
    fprintf(stderr, "runner: TEST_TIMEOUT=%s is not a number of seconds; using %.0f\n", env,
            DEFAULT_TIMEOUT);
    return DEFAULT_TIMEOUT;
}

int main(int argc, char **argv)
{
    size_t n_units = sizeof units / sizeof units[0] - 1;
    struct job *jobs = calloc(n_units + (size_t)argc, sizeof *jobs);
    char **filters = calloc((size_t)argc, sizeof *filters);
    struct output out = {malloc(OUTPUT_MAX), 0, false};
    size_t n_jobs = 0;
    int n_filters = 0;
    int n_run = 0;
    int counts[3] = {0, 0, 0};
    bool list = false;
    int status = 2;
    double timeout = timeout_seconds();

    if (jobs == NULL || filters == NULL || out.data == NULL)
        goto out_of_memory;
    for (size_t i = 0; i < n_units; i++)
        jobs[n_jobs++] = (struct job){units[i].name, units[i].fn, NULL, NULL};
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--script") == 0 && i + 1 < argc) {
            const char *path = argv[++i];
            /* Not executable (a lost mode bit): still a bash script by our convention. */
            bool direct = access(path, X_OK) == 0;
            if (!add_command(&jobs[n_jobs], NULL, script_name(path), direct ? path : "/bin/bash",
                             direct ? NULL : path, NULL))
                goto out_of_memory;
            n_jobs++;
        } else if (strcmp(argv[i], "--run") == 0 && i + 2 < argc) {
            if (!add_command(&jobs[n_jobs], argv[i + 1], NULL, "/bin/sh", "-c", argv[i + 2]))
                goto out_of_memory;
            n_jobs++;
            i += 2;
        } else if (strcmp(argv[i], "--list") == 0) {
            list = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            status = 0;
            goto done;
        } else if (argv[i][0] == '-') {
            usage(stderr);
            goto done;
        } else {
            filters[n_filters++] = argv[i];
        }
    }
    set_default_env(argv[0]);
    signal(SIGINT, on_interrupt);
    signal(SIGTERM, on_interrupt);

    for (size_t i = 0; i < n_jobs; i++) {
        if (!selected(jobs[i].name, filters, n_filters))
            continue;
        n_run++;
        if (list)
            printf("%s\n", jobs[i].name);
        else
            counts[run_job(&jobs[i], timeout, &out)]++;
        fflush(stdout);
    }
    if (list) {
        status = 0;
        goto done;
    }
    if (n_run == 0 && n_filters > 0)
        printf("no test matches the filters given\n");
    if (counts[SKIPPED] > 0)
        printf("%d passed, %d failed, %d skipped\n", counts[PASSED], counts[FAILED],
               counts[SKIPPED]);
    else
        printf("%d passed, %d failed\n", counts[PASSED], counts[FAILED]);
    status = counts[FAILED] == 0 && !(n_run == 0 && n_filters > 0) ? 0 : 1;
    goto done;

out_of_memory:
    fprintf(stderr, "runner: out of memory\n");
done:
    for (size_t i = 0; jobs != NULL && i < n_jobs; i++) {
        free(jobs[i].argv);
        free(jobs[i].owned_name);
    }
    free(jobs);
    free(filters);
    free(out.data);
    return status;
}
