/* main.c: harper-server's entry point, for now a placeholder: it opens the root folder with
 * libharper and answers GET /health on the Operations API port until SIGINT or SIGTERM.
 * The Operations API, REST, MQTT and harperdb-config.yaml will replace its insides.
 *
 *   harper-server [run|dev] [APP_DIR] | version | --help
 *
 * Root folder: $ROOTPATH, else $HDB_ROOT, else ~/hdb. Port: $OPERATIONSAPI_NETWORK_PORT (as
 * Harper's config override names it), else 9925. */
#include <errno.h>
#include <microhttpd.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harper.h"

#define DEFAULT_PORT 9925

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

/* One line per event on stderr: time, level, module, message. */
static void log_line(int level, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void log_line(int level, const char *module, const char *fmt, ...)
{
    struct timespec ts;
    struct tm tm;
    char when[32];
    char msg[1024];
    va_list ap;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s.%03ldZ %s %s: %s\n", when, ts.tv_nsec / 1000000L,
            level_names[level < 0 ? 0 : level > 3 ? 3 : level], module, msg);
}

static void lib_log(int level, const char *module, const char *message, void *user)
{
    (void)user;
    log_line(level, module, "%s", message);
}

static void http_log(void *cls, const char *fmt, va_list ap)
{
    char msg[1024];
    size_t n;

    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    n = strlen(msg);
    while (n > 0 && msg[n - 1] == '\n')
        msg[--n] = '\0';
    log_line(HARPER_LOG_WARN, "http", "%s", msg);
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned int status,
                             const char *type, const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret;

    if (r == NULL)
        return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* libmicrohttpd calls this once with the headers, once per piece of body, then once more.
 * Answering only at that last call keeps the connection alive: an answer before the end of
 * the request makes libmicrohttpd close it. Nothing here needs a body, so it is skipped. */
static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
    static int headers_seen;

    (void)cls;
    (void)version;
    (void)upload_data;
    if (*req_cls == NULL) {
        *req_cls = &headers_seen;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if ((strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) &&
        strcmp(url, "/health") == 0)
        return reply(conn, MHD_HTTP_OK, "text/plain; charset=utf-8", "HarperDB is running.");
    return reply(conn, MHD_HTTP_NOT_FOUND, "application/json", "{\"error\":\"Not found\"}");
}

static void usage(FILE *f)
{
    fprintf(f, "usage: harper-server [run|dev] [APP_DIR]   serve (root: $ROOTPATH, $HDB_ROOT"
               " or ~/hdb)\n"
               "       harper-server version              print the version\n");
}

/* $ROOTPATH, $HDB_ROOT or ~/hdb, in `buf`. */
static const char *root_path(char *buf, size_t size)
{
    const char *root = getenv("ROOTPATH");
    const char *home = getenv("HOME");

    if (root == NULL || *root == '\0')
        root = getenv("HDB_ROOT");
    if (root != NULL && *root != '\0')
        return root;
    if (home == NULL || *home == '\0') {
        struct passwd *pw = getpwuid(getuid());
        home = pw != NULL ? pw->pw_dir : "/";
    }
    snprintf(buf, size, "%s/hdb", home);
    return buf;
}

static int port_number(void)
{
    const char *env = getenv("OPERATIONSAPI_NETWORK_PORT");
    char *end;
    long port;

    if (env == NULL || *env == '\0')
        return DEFAULT_PORT;
    port = strtol(env, &end, 10);
    if (*end != '\0' || port < 1 || port > 65535)
        return -1;
    return (int)port;
}

static int serve(const char *app_dir)
{
    char buf[4096];
    const char *root = root_path(buf, sizeof buf);
    int port = port_number();
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    harper_options *opts = NULL;
    harper *h = NULL;
    harper_error err = {0};
    struct MHD_Daemon *daemon;
    sigset_t stop;
    int sig;
    int rc;

    if (port < 0) {
        log_line(HARPER_LOG_ERROR, "main", "OPERATIONSAPI_NETWORK_PORT is not a port number");
        return 1;
    }
    /* Blocked before any thread starts, so every thread inherits it and sigwait() below is
     * the only taker. */
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);

    rc = harper_options_new(&opts);
    if (rc == HARPER_OK)
        rc = harper_options_set_log(opts, lib_log, NULL, HARPER_LOG_INFO);
    if (rc == HARPER_OK)
        rc = harper_open(root, opts, &h, &err);
    harper_options_free(opts);
    if (rc != HARPER_OK) {
        log_line(HARPER_LOG_ERROR, "main", "cannot open root %s: %s: %s", root,
                 harper_strerror(rc), err.message);
        return 1;
    }
    if (app_dir != NULL)
        log_line(HARPER_LOG_WARN, "main", "application %s not loaded: components are not "
                 "implemented yet", app_dir);

    daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG,
                              (uint16_t)port, NULL, NULL, handle, NULL,
                              MHD_OPTION_EXTERNAL_LOGGER, http_log, NULL,
                              MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)(cores > 0 ? cores : 1),
                              MHD_OPTION_END);
    if (daemon == NULL) {
        log_line(HARPER_LOG_ERROR, "main", "cannot listen on port %d", port);
        harper_close(h);
        return 1;
    }
    log_line(HARPER_LOG_INFO, "main", "harper-server %s listening on %d, root %s",
             harper_version(), port, root);

    while (sigwait(&stop, &sig) != 0)
        ;
    log_line(HARPER_LOG_INFO, "main", "%s: stopping", strsignal(sig));
    MHD_stop_daemon(daemon);
    rc = harper_close(h);
    if (rc != HARPER_OK) {
        log_line(HARPER_LOG_ERROR, "main", "closing the root: %s", harper_strerror(rc));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "run";

    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "version") == 0 && argc == 2) {
        printf("%s\n", harper_version());
        return 0;
    }
    if ((strcmp(cmd, "run") == 0 || strcmp(cmd, "dev") == 0) && argc <= 3)
        return serve(argc == 3 ? argv[2] : NULL);
    usage(stderr);
    return 2;
}
