/* main.c: harper-server's command line (Harper's own words: run, dev, stop, status, version,
 * help, and `harper-server OPERATION key=value ...`), the first-start install, and the life of
 * a running server: config, log, library, listeners, then a clean stop on SIGTERM/SIGINT. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "apps.h"
#include "auth_cache.h"
#include "cli.h"
#include "config.h"
#include "harper.h"
#include "http.h"
#include "install.h"
#include "mqtt_broker.h"
#include "rest.h"
#include "ops.h"
#include "server.h"
#include "slog.h"

#define DEFAULT_MAX_BODY ((size_t)1 << 30)  /* Harper's operations body limit, 1 GiB */

static const char usage_text[] =
    "Usage: harper-server [COMMAND] [ARGS]\n"
    "\n"
    "  (none) | run [DIR]   install the root if needed, then run in the foreground\n"
    "  dev [DIR]            run with the dev profile: logs on the console, local requests\n"
    "                       act as the super user\n"
    "  stop                 stop the server running on the root\n"
    "  status               tell whether a server runs on the root\n"
    "  version              print the version\n"
    "  OPERATION key=value  send one Operations API request to the running server, e.g.\n"
    "                       harper-server describe_table database=dev table=dog\n"
    "                       (json=true prints JSON instead of YAML)\n"
    "  help, --help         this text\n"
    "\n"
    "The root folder is $ROOTPATH (or $HDB_ROOT), else ~/hdb. On first start it is installed\n"
    "with the admin user from $HDB_ADMIN_USERNAME and $HDB_ADMIN_PASSWORD; without them the\n"
    "user is 'admin' with a random password, printed once.\n";

/* The first user whose role is super_user, for trusted local requests (a new string). */
static char *first_super_user(harper *h)
{
    char *json = NULL;
    size_t len;
    char *name = NULL;
    cJSON *users;
    const cJSON *u;

    if (harper_user_get(h, NULL, &json, &len, NULL) != HARPER_OK)
        return NULL;
    users = cJSON_ParseWithLength(json, len);
    harper_free(json);
    cJSON_ArrayForEach(u, users) {
        const cJSON *username = cJSON_GetObjectItemCaseSensitive(u, "username");

        if (cJSON_IsString(username) && harper_user_is_super(h, username->valuestring, NULL) == 1) {
            name = strdup(username->valuestring);
            break;
        }
    }
    cJSON_Delete(users);
    return name;
}

/* Creates the first user if the root has none: from the environment, else admin with a
 * random password that is printed this once and stored only hashed. */
static int ensure_admin(struct server *srv, char *err, size_t err_size)
{
    const char *user = getenv("HDB_ADMIN_USERNAME");
    const char *pass = getenv("HDB_ADMIN_PASSWORD");
    char random_pass[24];
    harper_error herr;
    int rc;

    if (user == NULL || user[0] == '\0')
        user = "admin";
    if (pass == NULL || pass[0] == '\0') {
        install_random_password(random_pass, sizeof random_pass, 20);
        pass = random_pass;
    }
    rc = harper_auth_init(srv->h, user, pass, &herr);
    if (rc < 0) {
        snprintf(err, err_size, "cannot set up users: %.400s", herr.message);
        return -1;
    }
    if (rc == 1) {
        slog_write(srv->log, SLOG_NOTIFY, NULL, "created super user '%s'", user);
        if (pass == random_pass)
            printf("Created the super user '%s' with the password: %s\n"
                   "It is shown only this once; change it with alter_user.\n",
                   user, pass);
    }
    return 0;
}

static server_log *open_log(const struct server *srv)
{
    char path[4096];
    const char *dir = config_string(srv->config, "logging.root", NULL);
    const char *file = config_string(srv->config, "logging.path", NULL);
    int level = slog_level_from_name(config_string(srv->config, "logging.level", "warn"));
    bool std_streams = srv->dev || config_bool(srv->config, "logging.stdStreams", false);

    if (file == NULL) {
        snprintf(path, sizeof path, "%s/hdb.log", dir != NULL ? dir : srv->root);
        if (dir == NULL)
            snprintf(path, sizeof path, "%s/log/hdb.log", srv->root);
        file = path;
    }
    if (!config_bool(srv->config, "logging.file", true))
        file = NULL;
    return slog_open(file, level < 0 ? SLOG_WARN : level, std_streams);
}

static unsigned worker_threads(const struct server *srv)
{
    long n = config_int(srv->config, "threads.count", 0);
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);

    if (n <= 0)
        n = cpus > 2 ? cpus - 1 : 2;
    return (unsigned)(n > 64 ? 64 : n);
}

static int run(const char *root, bool dev, const char *app_dir)
{
    struct server srv;
    http_server *http = NULL;
    mqtt_broker *mqtt = NULL;
    long mqtt_port;
    harper_options *opts = NULL;
    harper_error herr;
    char err[512];
    char socket_path[4096];
    sigset_t stop_signals;
    int pid_fd = -1;
    long other = 0;
    long port;
    int sig;
    int status = 1;

    memset(&srv, 0, sizeof srv);
    srv.dev = dev;
    if (!install_is_installed(root)) {
        const char *mode = getenv("DEFAULTS_MODE");

        if (install_root(root, mode == NULL || strcmp(mode, "prod") != 0, err, sizeof err) != 0) {
            fprintf(stderr, "Error: %s\n", err);
            return 1;
        }
    }
    if (install_pid_lock(root, &pid_fd, &other) != 0) {
        if (other > 0)
            fprintf(stderr, "Error: HarperDB is already running (pid: %ld)\n", other);
        else
            fprintf(stderr, "Error: cannot write %s/hdb.pid: %s\n", root, strerror(errno));
        return 1;
    }
    if (config_load(root, &srv.config, err, sizeof err) != 0) {
        fprintf(stderr, "Error: %s\n", err);
        goto done;
    }
    srv.root = (char *)root;
    srv.log = open_log(&srv);
    srv.authorize_local = dev || config_bool(srv.config, "authentication.authorizeLocal", false);
    srv.max_body = (size_t)config_int(srv.config, "operationsApi.network.bodyLimit",
                                      (long)DEFAULT_MAX_BODY);
    harper_options_new(&opts);
    harper_options_set_log(opts, slog_from_library, srv.log, HARPER_LOG_INFO);
    harper_options_set_sync(opts, !config_bool(srv.config, "storage.writeAsync", true));
    if (harper_open(root, opts, &srv.h, &herr) != HARPER_OK) {
        slog_write(srv.log, SLOG_FATAL, NULL, "cannot open the database: %s", herr.message);
        fprintf(stderr, "Error: cannot open the database: %s\n", herr.message);
        goto done;
    }
    if (ensure_admin(&srv, err, sizeof err) != 0) {
        slog_write(srv.log, SLOG_FATAL, NULL, "%s", err);
        fprintf(stderr, "Error: %s\n", err);
        goto done;
    }
    srv.super_user = first_super_user(srv.h);

    /* Block the stop signals before any thread starts, so that only sigwait sees them. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGTERM);
    sigaddset(&stop_signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    port = config_int(srv.config, "operationsApi.network.port", -1);
    if (port < 0) {
        /* A prod install serves only operationsApi.network.securePort, over TLS. */
        slog_write(srv.log, SLOG_FATAL, NULL, "operationsApi.network.port is not set and TLS "
                                               "listeners are not available yet");
        fprintf(stderr, "Error: operationsApi.network.port is not set (TLS-only installs are "
                        "not supported yet); install with DEFAULTS_MODE=dev or set the port\n");
        goto done;
    }
    snprintf(socket_path, sizeof socket_path, "%s/operations-server", root);
    auth_cache_set_ttl(config_int(srv.config, "authentication.cacheTTL", 30000));
    apps_load(&srv, app_dir);
    rest_exports_open(&srv);
    mqtt_port = config_int(srv.config, "mqtt.network.port", -1);
    if (mqtt_port >= 0 && (mqtt = mqtt_broker_start(&srv, (int)mqtt_port, err, sizeof err)) ==
                              NULL) {
        slog_write(srv.log, SLOG_FATAL, NULL, "MQTT: %s", err);
        fprintf(stderr, "Error: MQTT: %s\n", err);
        goto done;
    }
    srv.mqtt = mqtt;
    http = http_start(&srv, (int)port, (int)config_int(srv.config, "http.port", -1), socket_path,
                      worker_threads(&srv), err, sizeof err);
    if (http == NULL) {
        slog_write(srv.log, SLOG_FATAL, NULL, "%s", err);
        fprintf(stderr, "Error: %s\n", err);
        goto done;
    }
    slog_write(srv.log, SLOG_NOTIFY, NULL,
               "HarperDB %s successfully started. Operations API on port %ld, root %s",
               harper_version(), port, root);
    if (sigwait(&stop_signals, &sig) == 0)
        slog_write(srv.log, SLOG_NOTIFY, NULL, "received %s, stopping",
                   sig == SIGTERM ? "SIGTERM" : "SIGINT");
    /* HTTP first: its MQTT-over-WebSocket bridges end their broker connections. */
    http_stop(http);
    http = NULL;
    mqtt_broker_stop(mqtt);
    mqtt = NULL;
    status = 0;
done:
    http_stop(http);
    mqtt_broker_stop(mqtt);
    rest_exports_close(&srv);
    apps_free(&srv);
    if (srv.h != NULL && harper_close(srv.h) != HARPER_OK) {
        slog_write(srv.log, SLOG_ERROR, NULL, "handles were still open at shutdown");
        status = 1;
    }
    harper_options_free(opts);
    free((char *)srv.super_user);
    if (srv.log != NULL)
        slog_write(srv.log, SLOG_NOTIFY, NULL, "HarperDB stopped");
    slog_close(srv.log);
    config_free(srv.config);
    install_pid_release(root, pid_fd);
    return status;
}

static int stop(const char *root)
{
    long pid = install_running_pid(root);

    if (pid <= 0) {
        printf("HarperDB is not running.\n");
        return 0;
    }
    printf("Stopping HarperDB.\n");
    if (kill((pid_t)pid, SIGTERM) != 0) {
        fprintf(stderr, "Error: cannot signal %ld: %s\n", pid, strerror(errno));
        return 1;
    }
    for (int i = 0; i < 600 && install_running_pid(root) != 0; i++)
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    return install_running_pid(root) != 0;
}

static int status(const char *root)
{
    long pid = install_running_pid(root);

    if (!install_is_installed(root))
        printf("harperdb:\n  status: not installed\n");
    else if (pid > 0)
        printf("harperdb:\n  status: running\n  pid: %ld\n", pid);
    else
        printf("harperdb:\n  status: stopped\n");
    return 0;
}

/* `run DIR`: a folder holding harperdb-config.yaml is a root; any other folder is an
 * application, which the REST and components work will load. */
/* `run DIR`: DIR is a root when it holds harperdb-config.yaml (as Harper allows), else an
 * application folder, which *app_dir receives. */
static int check_dir(const char *dir, char **root, const char **app_dir)
{
    struct stat st;
    char config[4096];

    if (stat(dir, &st) != 0) {
        fprintf(stderr, "The folder %s does not exist\n", dir);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "The path %s is not a folder\n", dir);
        return -1;
    }
    snprintf(config, sizeof config, "%s/harperdb-config.yaml", dir);
    if (stat(config, &st) == 0) {
        free(*root);
        *root = strdup(dir);
    } else {
        *app_dir = dir;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 1 ? argv[1] : "run";
    char *root = install_root_path();
    int rc = 1;

    if (root == NULL)
        return 1;
    /* --help anywhere asks for help: `stop --help` must not stop anything. */
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            cmd = "help";
    if (strcmp(cmd, "help") == 0) {
        fputs(usage_text, stdout);
        rc = 0;
    } else if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("%s\n", harper_version());
        rc = 0;
    } else if (strcmp(cmd, "run") == 0 || strcmp(cmd, "dev") == 0) {
        const char *app_dir = NULL;

        if (argc <= 2 || check_dir(argv[2], &root, &app_dir) == 0)
            rc = run(root, strcmp(cmd, "dev") == 0, app_dir);
    } else if (strcmp(cmd, "stop") == 0) {
        rc = stop(root);
    } else if (strcmp(cmd, "status") == 0) {
        rc = status(root);
    } else if (ops_exists(cmd)) {
        rc = cli_operation(root, argc - 1, argv + 1);
    } else {
        fprintf(stderr, "The \"%s\" command is not understood.\n\n%s", cmd, usage_text);
    }
    free(root);
    return rc;
}
