/* test_config.c: server/config.c: install (template, dev overlay, ports), load with its
 * overrides (flattened environment names, legacy aliases, HARPER_SET_CONFIG,
 * HARPER_DEFAULT_CONFIG), backups, set_configuration's validation and messages, malformed
 * files. Each test runs in its own process, so it sets the environment it needs. */
#include "test.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "config.h"

#define HEADER "# HarperDB configuration file. Refer to " \
               "https://docs.harperdb.io/docs/deployments/configuration\n---\n"

/* The environment without anything that could name a setting: only what the runner and the
 * sanitizers need stays. */
static void clean_env(void)
{
    static const char *const keep[] = {"PATH", "HOME", "TMPDIR", "TEST_DIR", "HARPER_SRC",
                                       "HARPER_BUILD", "ASAN_OPTIONS", "UBSAN_OPTIONS",
                                       "LSAN_OPTIONS"};
    char *saved[sizeof keep / sizeof *keep];

    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
        const char *v = getenv(keep[i]);

        saved[i] = v != NULL ? strdup(v) : NULL;
    }
    clearenv();
    for (size_t i = 0; i < sizeof keep / sizeof *keep; i++) {
        if (saved[i] != NULL)
            setenv(keep[i], saved[i], 1);
        free(saved[i]);
    }
}

/* <test dir>/<name> in a static buffer (one at a time). */
static const char *in_dir(const char *name)
{
    static char path[4096];

    snprintf(path, sizeof path, "%s/%s", test_dir(), name);
    return path;
}

static char *root_dir(void)
{
    char *root = strdup(in_dir("root"));

    CHECK(root != NULL);
    return root;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text = calloc(1, 1 << 16);
    size_t n;

    CHECK(f != NULL && text != NULL);
    n = fread(text, 1, (1 << 16) - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");

    CHECK(f != NULL);
    CHECK_EQ_INT(fwrite(text, 1, strlen(text), f), strlen(text));
    CHECK_EQ_INT(fclose(f), 0);
}

static char *config_text(const char *root)
{
    char path[4096];

    snprintf(path, sizeof path, "%s/harperdb-config.yaml", root);
    return read_text(path);
}

/* How many backups <root>/backup holds; the newest name (by sort) in `newest` if asked. */
static int count_backups(const char *root, char newest[256])
{
    char dir[4096];
    DIR *d;
    struct dirent *e;
    int n = 0;

    snprintf(dir, sizeof dir, "%s/backup", root);
    if ((d = opendir(dir)) == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        const char *suffix = "-harperdb-config.yaml.bak";

        if (len > strlen(suffix) && strcmp(e->d_name + len - strlen(suffix), suffix) == 0) {
            n++;
            if (newest != NULL && strcmp(e->d_name, newest) > 0)
                snprintf(newest, 256, "%s", e->d_name);
        }
    }
    closedir(d);
    return n;
}

static server_config *load_ok(const char *root)
{
    char err[512] = "";
    server_config *c = NULL;

    if (config_load(root, &c, err, sizeof err) != 0)
        test_fail(__FILE__, __LINE__, "config_load failed: %s", err);
    return c;
}

static void install_ok(const char *root, bool dev)
{
    char err[512] = "";

    if (config_install(root, dev, err, sizeof err) != 0)
        test_fail(__FILE__, __LINE__, "config_install failed: %s", err);
}

/* config_set with a JSON object text; the return code, the message in err. */
static int set_json(server_config *c, const char *json, char *err, size_t err_size)
{
    cJSON *flat = cJSON_Parse(json);
    int rc;

    CHECK(flat != NULL);
    err[0] = '\0';
    rc = config_set(c, flat, err, err_size);
    cJSON_Delete(flat);
    return rc;
}

static bool is_null(const server_config *c, const char *path)
{
    return cJSON_IsNull(config_get(c, path));
}

/* Harper 4.7.29's file after `harperdb install` with DEFAULTS_MODE=dev and
 * REPLICATION_HOSTNAME=localhost (the reference's, with its HARPER_SET_CONFIG ports put back),
 * for the root /R. */
static const char dev_file[] =
    HEADER
    "http:\n  compressionThreshold: 0\n  cors: true\n  corsAccessList:\n    - \"*\"\n"
    "  keepAliveTimeout: 30000\n  port: 9926\n  securePort: null\n  mtls: false\n"
    "  http2: false\n  timeout: 120000\nthreads:\n  count: 1\n  debug: true\n"
    "authentication:\n  authorizeLocal: true\n  cacheTTL: 30000\n  enableSessions: true\n"
    "  operationTokenTimeout: 1d\n  refreshTokenTimeout: 30d\nanalytics:\n"
    "  aggregatePeriod: 60\n  replicate: false\nreplication:\n  securePort: 9933\n"
    "  enableRootCAs: true\n  hostname: localhost\n  databases: \"*\"\n  routes: null\n"
    "componentsRoot: /R/components\nlocalStudio:\n  enabled: true\nlogging:\n"
    "  auditAuthEvents:\n    logFailed: false\n    logSuccessful: false\n  auditLog: true\n"
    "  auditRetention: 3d\n  file: true\n  level: info\n  root: /R/log\n"
    "  rotation:\n    enabled: true\n    compress: false\n    interval: null\n"
    "    maxSize: 64M\n    path: /R/log\n  stdStreams: true\nmqtt:\n  network:\n"
    "    port: 1883\n    securePort: 8883\n    mtls: false\n  webSocket: true\n"
    "  requireAuthentication: true\noperationsApi:\n  network:\n    cors: true\n"
    "    corsAccessList:\n      - \"*\"\n    domainSocket: /R/operations-server\n"
    "    port: 9925\n    securePort: null\nrootPath: /R\nstorage:\n"
    "  writeAsync: false\n  caching: true\n  compression: true\n  noReadAhead: false\n"
    "  path: /R/database\n  prefetchWrites: true\ntls:\n"
    "  privateKey: /R/keys/privateKey.pem\n";

/* dev_file with /R replaced by `root`, in a new string. */
static char *expected_dev_file(const char *root)
{
    size_t cap = sizeof dev_file + 16 * strlen(root);
    char *out = calloc(1, cap);
    char *o = out;

    CHECK(out != NULL);
    for (const char *p = dev_file; *p != '\0'; p++) {
        if (p[0] == '/' && p[1] == 'R' && (p[2] == '/' || p[2] == '\n')) {
            o += sprintf(o, "%s", root);
            p++;
        } else {
            *o++ = *p;
        }
    }
    return out;
}

TEST(config_install_dev_writes_harpers_file)
{
    char *root = root_dir();
    char *want = expected_dev_file(root);
    char *text;
    server_config *c;

    clean_env();
    install_ok(root, true);
    text = config_text(root);
    CHECK_EQ_STR(text, want);
    c = load_ok(root);
    CHECK_EQ_INT(config_int(c, "http.port", 0), 9926);
    CHECK(is_null(c, "http.securePort"));
    CHECK_EQ_INT(config_int(c, "operationsApi.network.port", 0), 9925);
    CHECK(is_null(c, "operationsApi.network.securePort"));
    CHECK_EQ_INT(config_int(c, "threads.count", 0), 1);
    CHECK(config_bool(c, "authentication.authorizeLocal", false));
    CHECK(config_bool(c, "logging.stdStreams", false));
    CHECK_EQ_STR(config_string(c, "logging.level", ""), "info");
    CHECK_EQ_STR(config_string(c, "rootPath", ""), root);
    CHECK_EQ_STR(config_string(c, "http.corsAccessList.0", ""), "*");
    /* Loading with nothing to override leaves the file alone. */
    CHECK_EQ_INT(count_backups(root, NULL), 0);
    free(text);
    text = config_text(root);
    CHECK_EQ_STR(text, want);
    free(text);
    free(want);
    config_free(c);
    free(root);
}

TEST(config_install_prod_keeps_template_values)
{
    char *root = root_dir();
    char err[512];
    char *text;
    char *again;
    server_config *c;
    char want[4200];

    clean_env();
    install_ok(root, false);
    c = load_ok(root);
    CHECK(is_null(c, "http.port"));
    CHECK_EQ_INT(config_int(c, "http.securePort", 0), 9926);
    CHECK(is_null(c, "operationsApi.network.port"));
    CHECK_EQ_INT(config_int(c, "operationsApi.network.securePort", 0), 9925);
    CHECK(!config_bool(c, "http.cors", true));
    CHECK(is_null(c, "http.corsAccessList.0"));
    CHECK(!config_bool(c, "authentication.authorizeLocal", true));
    CHECK_EQ_STR(config_string(c, "logging.level", ""), "warn");
    CHECK(!config_bool(c, "logging.stdStreams", true));
    CHECK(!config_bool(c, "threads.debug", true));
    CHECK(is_null(c, "replication.hostname"));
    CHECK(config_int(c, "threads.count", 0) >= 1);
    snprintf(want, sizeof want, "%s/keys/privateKey.pem", root);
    CHECK_EQ_STR(config_string(c, "tls.privateKey", ""), want);
    snprintf(want, sizeof want, "%s/database", root);
    CHECK_EQ_STR(config_string(c, "storage.path", ""), want);
    snprintf(want, sizeof want, "%s/operations-server", root);
    CHECK_EQ_STR(config_string(c, "operationsApi.network.domainSocket", ""), want);
    /* The computed thread count is written, as Harper's validator does at install. */
    text = config_text(root);
    snprintf(want, sizeof want, "threads:\n  count: %ld\n  debug: false\n",
             config_int(c, "threads.count", 0));
    CHECK(strstr(text, want) != NULL);
    /* A second install changes nothing. */
    CHECK_EQ_INT(config_install(root, true, err, sizeof err), 0);
    again = config_text(root);
    CHECK_EQ_STR(again, text);
    free(again);
    free(text);
    config_free(c);
    free(root);
}

TEST(config_install_takes_ports_from_env)
{
    char *root = root_dir();
    char dev_root[4200];
    server_config *c;

    clean_env();
    setenv("HTTP_PORT", "9999", 1);
    setenv("OPERATIONSAPI_NETWORK_PORT", "9998", 1);
    setenv("ROOTPATH", "/somewhere/else", 1);   /* chooses the root; never written */
    install_ok(root, false);
    c = load_ok(root);
    CHECK_EQ_INT(config_int(c, "http.port", 0), 9999);
    CHECK(is_null(c, "http.securePort"));
    CHECK_EQ_INT(config_int(c, "operationsApi.network.port", 0), 9998);
    CHECK(is_null(c, "operationsApi.network.securePort"));
    CHECK_EQ_STR(config_string(c, "rootPath", ""), root);
    config_free(c);
    /* dev with a securePort given: no plain port. */
    clean_env();
    setenv("HTTP_SECUREPORT", "4443", 1);
    snprintf(dev_root, sizeof dev_root, "%s/dev/", root);   /* trailing '/' is dropped */
    install_ok(dev_root, true);
    c = load_ok(dev_root);
    CHECK(is_null(c, "http.port"));
    CHECK_EQ_INT(config_int(c, "http.securePort", 0), 4443);
    CHECK_EQ_INT(config_int(c, "operationsApi.network.port", 0), 9925);
    dev_root[strlen(dev_root) - 1] = '\0';
    CHECK_EQ_STR(config_string(c, "rootPath", ""), dev_root);
    config_free(c);
    free(root);
}

TEST(config_load_applies_env_and_backs_up)
{
    char *root = root_dir();
    char *before;
    char *after;
    char *backup;
    char newest[256] = "";
    char path[4600];
    server_config *c;

    clean_env();
    install_ok(root, true);
    before = config_text(root);
    setenv("HTTP_PORT", "9111", 1);
    setenv("operationsApi_network_port", " 9112 ", 1);  /* any case, trimmed */
    setenv("Logging_Level", "debug", 1);
    setenv("LOGGING_ROTATION_ENABLED", "FALSE", 1);
    setenv("HTTP_CORSACCESSLIST", "[\"https://a.example\",\"b\"]", 1);
    setenv("THREADS_COUNT", "3", 1);
    setenv("AUTHENTICATION_OPERATIONTOKENTIMEOUT", "2d", 1);
    setenv("REPLICATION_ROUTES", "null", 1);
    setenv("NOT_A_SETTING", "1", 1);
    c = load_ok(root);
    CHECK_EQ_INT(config_int(c, "http.port", 0), 9111);
    CHECK_EQ_INT(config_int(c, "operationsApi.network.port", 0), 9112);
    CHECK_EQ_STR(config_string(c, "logging.level", ""), "debug");
    CHECK(!config_bool(c, "logging.rotation.enabled", true));
    CHECK_EQ_STR(config_string(c, "http.corsAccessList.0", ""), "https://a.example");
    CHECK_EQ_STR(config_string(c, "http.corsAccessList.1", ""), "b");
    CHECK_EQ_INT(config_int(c, "threads.count", 0), 3);
    CHECK_EQ_STR(config_string(c, "authentication.operationTokenTimeout", ""), "2d");
    CHECK(is_null(c, "replication.routes"));
    CHECK(config_get(c, "not") == NULL);
    config_free(c);
    /* Written back, after one backup of the old file named by the time. */
    after = config_text(root);
    CHECK(strstr(after, "\n  port: 9111\n") != NULL);
    CHECK(strstr(after, "  corsAccessList:\n    - https://a.example\n    - b\n") != NULL);
    CHECK(strstr(after, "    enabled: false\n") != NULL);
    CHECK_EQ_INT(count_backups(root, newest), 1);
    CHECK_EQ_INT(strlen(newest), strlen("2025-01-01T00-00-00.000Z-harperdb-config.yaml.bak"));
    CHECK(newest[4] == '-' && newest[10] == 'T' && newest[13] == '-' && newest[16] == '-' &&
          newest[19] == '.' && newest[23] == 'Z');
    snprintf(path, sizeof path, "%s/backup/%s", root, newest);
    backup = read_text(path);
    CHECK_EQ_STR(backup, before);
    /* The same environment again: nothing changes, no new backup. */
    c = load_ok(root);
    CHECK_EQ_INT(count_backups(root, NULL), 1);
    config_free(c);
    free(backup);
    free(after);
    free(before);
    free(root);
}

TEST(config_load_legacy_aliases)
{
    char *root = root_dir();
    server_config *c;

    clean_env();
    install_ok(root, true);
    setenv("SERVER_PORT", "9200", 1);
    setenv("LOG_LEVEL", "error", 1);
    setenv("LOG_PATH", "/var/log/harper", 1);
    setenv("MAX_HTTP_THREADS", "2", 1);
    setenv("HDB_ROOT", "/not/this", 1);
    c = load_ok(root);
    CHECK_EQ_INT(config_int(c, "operationsApi.network.port", 0), 9200);
    CHECK_EQ_STR(config_string(c, "logging.level", ""), "error");
    CHECK_EQ_STR(config_string(c, "logging.root", ""), "/var/log/harper");
    CHECK_EQ_INT(config_int(c, "threads.count", 0), 2);
    CHECK_EQ_STR(config_string(c, "rootPath", ""), root);
    config_free(c);
    free(root);
}

TEST(config_secure_port_text_replaces_plain_port)
{
    char *root = root_dir();
    server_config *c;

    clean_env();
    install_ok(root, true);
    setenv("HTTP_SECUREPORT", "9926", 1);
    c = load_ok(root);
    CHECK(is_null(c, "http.port"));
    CHECK_EQ_INT(config_int(c, "http.securePort", 0), 9926);
    config_free(c);
    free(root);
}

TEST(config_set_config_env_wins_and_is_undone)
{
    char *root = root_dir();
    char state_path[4200];
    char *state;
    server_config *c;

    clean_env();
    install_ok(root, true);
    setenv("HARPER_SET_CONFIG", "{\"logging\":{\"level\":\"error\"},\"http\":{\"port\":9300},"
           "\"mqtt\":{\"network\":{\"port\":11883}}}", 1);
    setenv("LOGGING_LEVEL", "debug", 1);    /* loses to HARPER_SET_CONFIG */
    setenv("HTTP_CORS", "false", 1);
    c = load_ok(root);
    CHECK_EQ_STR(config_string(c, "logging.level", ""), "error");
    CHECK_EQ_INT(config_int(c, "http.port", 0), 9300);
    CHECK_EQ_INT(config_int(c, "mqtt.network.port", 0), 11883);
    CHECK(!config_bool(c, "http.cors", true));
    config_free(c);
    snprintf(state_path, sizeof state_path, "%s/backup/.harper-config-state.json", root);
    state = read_text(state_path);
    CHECK(strstr(state, "\"logging.level\":\t\"HARPER_SET_CONFIG\"") != NULL);
    CHECK(strstr(state, "\"http.port\":\t9926") != NULL);     /* the value it replaced */
    free(state);
    /* Dropping a key from the variable puts back what it replaced. */
    clean_env();
    setenv("HARPER_SET_CONFIG", "{\"logging\":{\"level\":\"error\"}}", 1);
    c = load_ok(root);
    CHECK_EQ_STR(config_string(c, "logging.level", ""), "error");
    CHECK_EQ_INT(config_int(c, "http.port", 0), 9926);
    CHECK_EQ_INT(config_int(c, "mqtt.network.port", 0), 1883);
    config_free(c);
    /* And so does dropping the variable. */
    clean_env();
    c = load_ok(root);
    CHECK_EQ_STR(config_string(c, "logging.level", ""), "info");
    config_free(c);
    free(root);
}

TEST(config_default_config_env_yields_to_user)
{
    char *root = root_dir();
    char err[512];
    server_config *c;

    clean_env();
    setenv("HARPER_DEFAULT_CONFIG", "{\"logging\":{\"level\":\"debug\"},"
           "\"http\":{\"compressionThreshold\":500}}", 1);
    install_ok(root, false);
    c = load_ok(root);
    CHECK_EQ_STR(config_string(c, "logging.level", ""), "debug");
    CHECK_EQ_INT(config_int(c, "http.compressionThreshold", 0), 500);
    /* The user changes the level: the default no longer touches it. */
    CHECK_EQ_INT(set_json(c, "{\"logging_level\":\"error\"}", err, sizeof err), 0);
    config_free(c);
    setenv("HARPER_DEFAULT_CONFIG", "{\"logging\":{\"level\":\"trace\"},"
           "\"http\":{\"compressionThreshold\":700}}", 1);
    c = load_ok(root);
    CHECK_EQ_STR(config_string(c, "logging.level", ""), "error");
    CHECK_EQ_INT(config_int(c, "http.compressionThreshold", 0), 700);
    config_free(c);
    /* A key dropped from it goes back to the template's value. */
    setenv("HARPER_DEFAULT_CONFIG", "{\"logging\":{\"level\":\"trace\"}}", 1);
    c = load_ok(root);
    CHECK_EQ_INT(config_int(c, "http.compressionThreshold", -1), 0);
    CHECK_EQ_STR(config_string(c, "logging.level", ""), "error");
    config_free(c);
    free(root);
}

TEST(config_env_json_errors)
{
    char *root = root_dir();
    char err[512];
    server_config *c = NULL;

    clean_env();
    install_ok(root, true);
    setenv("HARPER_SET_CONFIG", "{\"logging\":", 1);
    CHECK_EQ_INT(config_load(root, &c, err, sizeof err), -1);
    CHECK(c == NULL);
    CHECK_EQ_STR(err, "Invalid JSON syntax in HARPER_SET_CONFIG: unexpected text at position 11");
    setenv("HARPER_SET_CONFIG", "[1]", 1);
    CHECK_EQ_INT(config_load(root, &c, err, sizeof err), -1);
    CHECK_EQ_STR(err, "HARPER_SET_CONFIG must be a JSON object, got: object");
    clean_env();
    setenv("HARPER_DEFAULT_CONFIG", "5", 1);
    CHECK_EQ_INT(config_load(root, &c, err, sizeof err), -1);
    CHECK_EQ_STR(err, "HARPER_DEFAULT_CONFIG must be a JSON object, got: number");
    free(root);
}

TEST(config_set_validates_with_harpers_messages)
{
    static const struct {
        const char *json;
        const char *message;
    } cases[] = {
        {"{\"http_cors\":\"yes\"}", "'http.cors' must be a boolean"},
        {"{\"logging_level\":\"loud\"}",
         "'logging.level' must be one of [notify, fatal, error, warn, info, debug, trace]"},
        {"{\"http_port\":true}", "'http.port' must be one of [number, string]"},
        {"{\"http_port\":\"abc\"}", "'http.port' must be a number"},
        {"{\"http_port\":-1}", "'http.port' must be greater than or equal to 0"},
        {"{\"http_port\":70000}", "'http.port' must be less than or equal to 65535"},
        {"{\"http_port\":1.5}", "'http.port' must be an integer"},
        {"{\"http_securePort\":9926}", "http.port and http.securePort cannot be the same value"},
        {"{\"operationsApi_network_securePort\":9925}",
         "operationsApi.network.port and operationsApi.network.securePort cannot be the same "
         "value"},
        {"{\"threads_count\":\"x\"}", "'threads.count' must be a number"},
        {"{\"threads_count\":1001}", "'threads.count' must be less than or equal to 1000"},
        {"{\"http_cors\":\"yes\",\"logging_level\":\"x\"}",
         "'logging.level' must be one of [notify, fatal, error, warn, info, debug, trace]. "
         "'http.cors' must be a boolean"},
        {"{\"logging_rotation_maxSize\":\"10X\"}",
         "Invalid logging.rotation.maxSize unit. Available units are G, M or K"},
        {"{\"logging_rotation_maxSize\":\"MM\"}",
         "Invalid logging.rotation.maxSize value. Value should be a number followed by unit "
         "e.g. '10M'"},
        {"{\"logging_rotation_interval\":\"1W\"}",
         "Invalid logging.rotation.interval unit. Available units are D, H or M (minutes)"},
        {"{\"authentication_hashFunction\":\"md4\"}",
         "'authentication.hashFunction' must be one of [md5, sha256, argon2id]"},
        {"{\"http_corsAccessList\":\"*\"}", "'http.corsAccessList' must be an array"},
        {"{\"replication\":5}", "'replication' must be of type object"},
        {"{\"rootPath\":\"/tmp/x \"}",
         "'rootPath' with value \"/tmp/x \" fails to match the directory path pattern"},
    };
    char *root = root_dir();
    char *before;
    char *after;
    char err[512];
    char want[512];
    server_config *c;

    clean_env();
    install_ok(root, true);
    c = load_ok(root);
    before = config_text(root);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        snprintf(want, sizeof want, "HarperDB config file validation error: %s",
                 cases[i].message);
        if (set_json(c, cases[i].json, err, sizeof err) != -1 || strcmp(err, want) != 0)
            test_fail(__FILE__, __LINE__, "config_set(%s): \"%s\", want \"%s\"",
                      cases[i].json, err, want);
    }
    /* Nothing changed: not the settings, not the file, no backup. */
    CHECK(config_bool(c, "http.cors", false));
    CHECK_EQ_INT(config_int(c, "http.port", 0), 9926);
    CHECK_EQ_STR(config_string(c, "logging.level", ""), "info");
    after = config_text(root);
    CHECK_EQ_STR(after, before);
    CHECK_EQ_INT(count_backups(root, NULL), 0);
    free(after);
    free(before);
    config_free(c);
    free(root);
}

TEST(config_set_applies_known_keys_and_ignores_others)
{
    char *root = root_dir();
    char err[512];
    char *text;
    cJSON *snapshot;
    server_config *c;

    clean_env();
    install_ok(root, true);
    c = load_ok(root);
    CHECK_EQ_INT(set_json(c, "{\"operation\":\"set_configuration\",\"bogus_key\":1,"
                          "\"LOGGING_LEVEL\":\"trace\",\"http_port\":\"9927\","
                          "\"log_to_stdstreams\":\"false\",\"http_mtls_required\":true,"
                          "\"myApp_port\":3000,\"hdb_user\":{\"username\":\"admin\"}}",
                          err, sizeof err), 0);
    CHECK_EQ_STR(config_string(c, "logging.level", ""), "trace");
    CHECK(cJSON_IsNumber(config_get(c, "http.port")));
    CHECK_EQ_INT(config_int(c, "http.port", 0), 9927);
    CHECK(!config_bool(c, "logging.stdStreams", true));
    CHECK(config_bool(c, "http.mtls.required", false));     /* mtls: false became an object */
    CHECK_EQ_INT(config_int(c, "myApp.port", 0), 3000);
    snapshot = config_snapshot(c);
    CHECK(cJSON_GetObjectItem(snapshot, "bogus_key") == NULL);
    CHECK(cJSON_GetObjectItem(snapshot, "bogus") == NULL);
    CHECK(cJSON_GetObjectItem(snapshot, "operation") == NULL);
    CHECK(cJSON_GetObjectItem(snapshot, "hdb_user") == NULL);
    cJSON_Delete(snapshot);
    text = config_text(root);
    CHECK(strstr(text, "  level: trace\n") != NULL);
    CHECK(strstr(text, "  mtls:\n    required: true\n") != NULL);
    CHECK(strstr(text, "myApp:\n  port: 3000\n") != NULL);
    CHECK_EQ_INT(count_backups(root, NULL), 1);
    free(text);
    /* Unknown names only, or the same values: no rewrite, no backup. */
    CHECK_EQ_INT(set_json(c, "{\"nothing_known\":1,\"logging_level\":\"trace\"}", err,
                          sizeof err), 0);
    CHECK_EQ_INT(count_backups(root, NULL), 1);
    config_free(c);
    /* What was set is what loads. */
    c = load_ok(root);
    CHECK_EQ_INT(config_int(c, "http.port", 0), 9927);
    CHECK_EQ_STR(config_string(c, "logging.level", ""), "trace");
    config_free(c);
    free(root);
}

TEST(config_malformed_file_names_file_line_and_column)
{
    char *root = root_dir();
    char file[4200];
    char want[4400];
    char err[512];
    server_config *c = NULL;

    clean_env();
    mkdir(root, 0700);
    snprintf(file, sizeof file, "%s/harperdb-config.yaml", root);
    write_text(file, "http:\n  port: 9926\n cors: true\n");
    CHECK_EQ_INT(config_load(root, &c, err, sizeof err), -1);
    CHECK(c == NULL);
    snprintf(want, sizeof want, "%s: did not find expected key at line 3, column 2", file);
    CHECK_EQ_STR(err, want);
    write_text(file, "http:\n  cors: maybe\n");
    CHECK_EQ_INT(config_load(root, &c, err, sizeof err), -1);
    snprintf(want, sizeof want,
             "%s: HarperDB config file validation error: 'http.cors' must be a boolean", file);
    CHECK_EQ_STR(err, want);
    write_text(file, "- a list\n");
    CHECK_EQ_INT(config_load(root, &c, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: the configuration must be a mapping of settings", file);
    CHECK_EQ_STR(err, want);
    /* A bad value from the environment is caught the same way, and nothing is written. */
    write_text(file, "http:\n  cors: true\n");
    setenv("LOGGING_LEVEL", "LOUD", 1);
    CHECK_EQ_INT(config_load(root, &c, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: HarperDB config file validation error: 'logging.level' "
             "must be one of [notify, fatal, error, warn, info, debug, trace]", file);
    CHECK_EQ_STR(err, want);
    CHECK_EQ_INT(count_backups(root, NULL), 0);
    unlink(file);
    CHECK_EQ_INT(config_load(root, &c, err, sizeof err), -1);
    snprintf(want, sizeof want, "%s: No such file or directory", file);
    CHECK_EQ_STR(err, want);
    free(root);
}

TEST(config_minimal_file_gets_defaults)
{
    char *root = root_dir();
    char file[4200];
    char want[4200];
    char *text;
    server_config *c;

    clean_env();
    mkdir(root, 0700);
    snprintf(file, sizeof file, "%s/harperdb-config.yaml", root);
    write_text(file, "threads: 4\nhttp:\n  port: 8080\n  cors: \"true\"\n");
    c = load_ok(root);
    CHECK_EQ_INT(config_int(c, "threads.count", 0), 4);
    CHECK_EQ_INT(config_int(c, "http.port", 0), 8080);
    CHECK_EQ_INT(config_int(c, "http.securePort", 0), 9926);
    CHECK(config_bool(c, "http.cors", false));      /* text converted, as Joi does */
    CHECK_EQ_INT(config_int(c, "mqtt.network.port", 0), 1883);
    CHECK_EQ_STR(config_string(c, "rootPath", ""), root);
    snprintf(want, sizeof want, "%s/components", root);
    CHECK_EQ_STR(config_string(c, "componentsRoot", ""), want);
    /* Documented defaults the template leaves out are readable, not written. */
    CHECK_EQ_INT(config_int(c, "http.headersTimeout", 0), 60000);
    CHECK_EQ_STR(config_string(c, "authentication.hashFunction", ""), "sha256");
    snprintf(want, sizeof want, "%s/blobs", root);
    CHECK_EQ_STR(config_string(c, "storage.blobPaths.0", ""), want);
    CHECK_EQ_INT(config_int(c, "logging.level", 7), 7);             /* not a number */
    CHECK(config_bool(c, "no.such.key", true));
    CHECK_EQ_STR(config_string(c, "http.port", "def"), "def");
    /* Defaults filled in are not a change: the file is as written. */
    text = read_text(file);
    CHECK_EQ_STR(text, "threads: 4\nhttp:\n  port: 8080\n  cors: \"true\"\n");
    free(text);
    config_free(c);
    free(root);
}
