/* config_check.c: the values Harper's validator computes (threads.count, paths under
 * rootPath, the domain socket, ports that give way) and its checks, with Harper's (Joi's)
 * messages in Harper's order. Reading and writing the tree is config.c's; overrides are
 * config_env.c's. */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "config_internal.h"

#define VALIDATION "HarperDB config file validation error: "

/* threads.count when null: max(1, min(max(CPUs - 1, 2), round((MB - 750) / 300))) where MB is
 * the memory, or the container's limit when lower (validation/configValidator.js). */
static long default_threads(void)
{
    static const char *const limits[] = {"/sys/fs/cgroup/memory.max",
                                         "/sys/fs/cgroup/memory/memory.limit_in_bytes"};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    double bytes = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    long n = cpus - 1 > 2 ? cpus - 1 : 2;
    long by_memory;

    for (size_t i = 0; i < 2; i++) {
        FILE *f = fopen(limits[i], "r");
        double limit = 0;

        if (f != NULL) {
            if (fscanf(f, "%lf", &limit) == 1 && limit > 0 && limit < bytes)
                bytes = limit;  /* "max" reads as nothing */
            fclose(f);
        }
    }
    by_memory = (long)floor((round(bytes / 1e6) - 750) / 300 + 0.5);  /* Math.round */
    n = by_memory < n ? by_memory : n;
    return n > 1 ? n : 1;
}

/* `threads: 4` (or null) is short for `threads: {count: 4}`. */
int config_normalize_threads(cJSON *tree)
{
    cJSON *threads = cJSON_GetObjectItemCaseSensitive(tree, "threads");
    cJSON *object;
    cJSON *count;

    if (threads != NULL && !cJSON_IsNumber(threads) && !cJSON_IsNull(threads))
        return 0;
    count = threads != NULL ? cJSON_Duplicate(threads, 0) : cJSON_CreateNull();
    object = cJSON_CreateObject();
    if (object == NULL || count == NULL || !cJSON_AddItemToObject(object, "count", count)) {
        cJSON_Delete(count);
        cJSON_Delete(object);
        return -1;
    }
    return config_path_set(tree, "threads", object);
}

/* Sets <root>/<name> at `path` if it is absent or null (or equal to `placeholder`), when its
 * parent exists. */
static int default_path(cJSON *tree, const char *path, const char *root, const char *name,
                        const char *placeholder)
{
    const char *key;
    const cJSON *parent = config_path_parent(tree, path, &key);
    const cJSON *now = config_path_get(tree, path);
    char *value = NULL;
    int rc = 0;

    if (cJSON_IsObject(parent) && (now == NULL || cJSON_IsNull(now) ||
                                   (placeholder != NULL && cJSON_IsString(now) &&
                                    strcmp(now->valuestring, placeholder) == 0)))
        rc = asprintf(&value, "%s/%s", root, name) < 0 ? -1
             : config_path_set(tree, path, cJSON_CreateString(value));
    free(value);
    return rc;
}

/* What Harper's validator fills in: thread count, paths under rootPath, the domain socket. */
int config_compute_defaults(cJSON *tree)
{
    const cJSON *root = cJSON_GetObjectItemCaseSensitive(tree, "rootPath");
    const cJSON *count;
    const cJSON *legacy = config_path_get(tree, "customFunctions.root");
    char *schema = NULL;
    struct stat st;
    int rc;

    if (config_normalize_threads(tree) != 0)
        return -1;
    count = config_path_get(tree, "threads.count");
    if ((count == NULL || cJSON_IsNull(count)) &&
        config_path_set(tree, "threads.count", cJSON_CreateNumber((double)default_threads())) != 0)
        return -1;
    if (!cJSON_IsString(root))
        return 0;   /* validation reports it */
    if (cJSON_IsString(legacy) &&
        default_path(tree, "componentsRoot", legacy->valuestring, "", NULL) != 0)
        return -1;
    if (asprintf(&schema, "%s/schema", root->valuestring) < 0)
        return -1;
    /* An install older than 4.2 keeps its databases in <root>/schema. */
    rc = default_path(tree, "storage.path", root->valuestring,
                      stat(schema, &st) == 0 ? "schema" : "database", NULL);
    free(schema);
    if (rc != 0 || default_path(tree, "componentsRoot", root->valuestring, "components", NULL) ||
        default_path(tree, "logging.root", root->valuestring, "log", NULL) ||
        default_path(tree, "logging.rotation.path", root->valuestring, "log", NULL) ||
        default_path(tree, "operationsApi.network.domainSocket", root->valuestring,
                     "operations-server", "hdb/operations-server"))
        return -1;
    return 0;
}

/* A plain port equal to its securePort after HARPER_SET_CONFIG gives way (Harper drops it). */
int config_settle_ports(cJSON *tree)
{
    static const char *const pairs[][2] = {{"http.port", "http.securePort"},
                                           {"operationsApi.network.port",
                                            "operationsApi.network.securePort"}};

    for (size_t i = 0; i < 2; i++) {
        const cJSON *plain = config_path_get(tree, pairs[i][0]);
        const cJSON *secure = config_path_get(tree, pairs[i][1]);

        if (cJSON_IsNumber(plain) && plain->valuedouble != 0 && cJSON_IsNumber(secure) &&
            plain->valuedouble == secure->valuedouble &&
            config_path_set(tree, pairs[i][0], cJSON_CreateNull()) != 0)
            return -1;
    }
    return 0;
}

enum rule {
    R_OBJECT, R_AUTH, R_BOOL, R_BOOL_OR_OBJECT, R_NUMBER, R_NUMBER_MIN0, R_NUMBER_MIN1, R_PORT,
    R_THREADS, R_STRING, R_STRING_OR_NULL, R_PATH, R_ARRAY, R_ARRAY_OR_NULL, R_STRING_OR_ARRAY,
    R_HOSTNAME, R_LEVEL, R_HASH, R_MAXSIZE, R_INTERVAL,
};

/* Harper's Joi schema (validation/configValidator.js) in its order, so several errors come out
 * in Harper's order; http.keepAliveTimeout, http.timeout and http.http2 are checked here too.
 * A port must also be a whole number up to 65535, which Harper leaves to Node. */
static const struct {
    const char *path;
    enum rule rule;
} rules[] = {
    {"authentication", R_AUTH}, {"authentication.authorizeLocal", R_BOOL},
    {"authentication.cacheTTL", R_NUMBER}, {"authentication.cookie", R_OBJECT},
    {"authentication.cookie.domains", R_ARRAY}, {"authentication.cookie.expires", R_STRING},
    {"authentication.enableSessions", R_BOOL}, {"authentication.hashFunction", R_HASH},
    {"analytics", R_OBJECT}, {"analytics.aggregatePeriod", R_NUMBER},
    {"analytics.replicate", R_BOOL}, {"replication", R_OBJECT},
    {"replication.hostname", R_HOSTNAME}, {"replication.url", R_STRING_OR_NULL},
    {"replication.port", R_PORT}, {"replication.securePort", R_PORT},
    {"replication.routes", R_ARRAY_OR_NULL}, {"replication.databases", R_STRING_OR_ARRAY},
    {"replication.enableRootCAs", R_BOOL}, {"replication.copyTablesToCatchUp", R_BOOL},
    {"componentsRoot", R_PATH}, {"localStudio", R_OBJECT}, {"localStudio.enabled", R_BOOL},
    {"logging", R_OBJECT}, {"logging.auditAuthEvents", R_OBJECT},
    {"logging.auditAuthEvents.logFailed", R_BOOL},
    {"logging.auditAuthEvents.logSuccessful", R_BOOL}, {"logging.file", R_BOOL},
    {"logging.level", R_LEVEL}, {"logging.rotation", R_OBJECT},
    {"logging.rotation.enabled", R_BOOL}, {"logging.rotation.compress", R_BOOL},
    {"logging.rotation.interval", R_INTERVAL}, {"logging.rotation.maxSize", R_MAXSIZE},
    {"logging.rotation.path", R_STRING_OR_NULL}, {"logging.root", R_PATH},
    {"logging.stdStreams", R_BOOL}, {"logging.auditLog", R_BOOL},
    {"operationsApi", R_OBJECT}, {"operationsApi.network", R_OBJECT},
    {"operationsApi.network.cors", R_BOOL}, {"operationsApi.network.corsAccessList", R_ARRAY},
    {"operationsApi.network.headersTimeout", R_NUMBER_MIN1},
    {"operationsApi.network.keepAliveTimeout", R_NUMBER_MIN1},
    {"operationsApi.network.port", R_PORT}, {"operationsApi.network.securePort", R_PORT},
    {"operationsApi.network.timeout", R_NUMBER_MIN1}, {"rootPath", R_PATH},
    {"mqtt", R_OBJECT}, {"mqtt.network", R_OBJECT}, {"mqtt.network.port", R_PORT},
    {"mqtt.network.securePort", R_PORT}, {"mqtt.network.mtls", R_BOOL_OR_OBJECT},
    {"mqtt.webSocket", R_BOOL}, {"mqtt.requireAuthentication", R_BOOL}, {"http", R_OBJECT},
    {"http.compressionThreshold", R_NUMBER}, {"http.cors", R_BOOL},
    {"http.corsAccessList", R_ARRAY}, {"http.headersTimeout", R_NUMBER_MIN1},
    {"http.keepAliveTimeout", R_NUMBER_MIN1}, {"http.port", R_PORT},
    {"http.securePort", R_PORT}, {"http.maxHeaderSize", R_NUMBER},
    {"http.mtls", R_BOOL_OR_OBJECT}, {"http.timeout", R_NUMBER_MIN1}, {"http.http2", R_BOOL},
    {"threads", R_OBJECT}, {"threads.count", R_THREADS}, {"threads.debug", R_BOOL_OR_OBJECT},
    {"threads.maxHeapMemory", R_NUMBER_MIN0}, {"storage", R_OBJECT},
    {"storage.writeAsync", R_BOOL}, {"storage.caching", R_BOOL},
    {"storage.compression", R_BOOL_OR_OBJECT}, {"storage.compactOnStart", R_BOOL},
    {"storage.compactOnStartKeepBackup", R_BOOL}, {"storage.noReadAhead", R_BOOL},
    {"storage.path", R_PATH}, {"storage.prefetchWrites", R_BOOL},
};

/* A rotation size or interval: a number, then one of `units` (logging.rotation.*); true if
 * valid, else *bad_unit says which message. parseInt's reading: blanks, a sign, a digit. */
static bool valid_with_unit(const char *s, const char *units, bool *bad_unit)
{
    *bad_unit = *s == '\0' || strchr(units, s[strlen(s) - 1]) == NULL;
    while (isspace((unsigned char)*s))
        s++;
    s += *s == '-' || *s == '+';
    return !*bad_unit && isdigit((unsigned char)*s);
}

/* Checks one setting, first converting text as Joi does ("30000" for a number, "true" for a
 * boolean); item sits in parent under `key`. */
static void check_rule(cJSON *parent, const char *key, const char *path, enum rule rule,
                       harper__buf *msgs)
{
    static const char *const levels[] = {"notify", "fatal", "error", "warn", "info", "debug",
                                         "trace"};
    cJSON *v = cJSON_GetObjectItemCaseSensitive(parent, key);
    bool numeric = rule == R_NUMBER || rule == R_NUMBER_MIN0 || rule == R_NUMBER_MIN1 ||
                   rule == R_PORT || rule == R_THREADS;
    bool boolean = rule == R_BOOL || rule == R_BOOL_OR_OBJECT || rule == R_AUTH;
    double number;
    bool bad_unit;

    if (cJSON_IsString(v) && numeric && config_parse_number(v->valuestring, &number))
        cJSON_ReplaceItemInObjectCaseSensitive(parent, key, cJSON_CreateNumber(number));
    else if (cJSON_IsString(v) && boolean && (strcasecmp(v->valuestring, "true") == 0 ||
                                              strcasecmp(v->valuestring, "false") == 0))
        cJSON_ReplaceItemInObjectCaseSensitive(
            parent, key, cJSON_CreateBool(strcasecmp(v->valuestring, "true") == 0));
    v = cJSON_GetObjectItemCaseSensitive(parent, key);
    number = cJSON_IsNumber(v) ? v->valuedouble : 0;
    switch (rule) {
    case R_OBJECT:
        if (!cJSON_IsObject(v))
            harper__buf_join(msgs, "'%s' must be of type object", path);
        break;
    case R_AUTH:
        if (!cJSON_IsObject(v) && !cJSON_IsBool(v))
            harper__buf_join(msgs, "'%s' must be one of [object, boolean]", path);
        break;
    case R_BOOL:
        if (!cJSON_IsBool(v))
            harper__buf_join(msgs, "'%s' must be a boolean", path);
        break;
    case R_BOOL_OR_OBJECT:
        if (!cJSON_IsBool(v) && !cJSON_IsObject(v))
            harper__buf_join(msgs, "'%s' must be one of [boolean, object]", path);
        break;
    case R_PORT:
        if (cJSON_IsNull(v))
            break;
        if (!cJSON_IsNumber(v))
            harper__buf_join(msgs, cJSON_IsString(v) ? "'%s' must be a number"
                                              : "'%s' must be one of [number, string]", path);
        else if (number < 0)
            harper__buf_join(msgs, "'%s' must be greater than or equal to 0", path);
        else if (number > 65535)
            harper__buf_join(msgs, "'%s' must be less than or equal to 65535", path);
        else if (number != floor(number))
            harper__buf_join(msgs, "'%s' must be an integer", path);
        break;
    case R_NUMBER:
    case R_NUMBER_MIN0:
    case R_NUMBER_MIN1:
    case R_THREADS:
        if (!cJSON_IsNumber(v) && !(rule == R_THREADS && cJSON_IsNull(v)))
            harper__buf_join(msgs, "'%s' must be a number", path);
        else if ((rule == R_NUMBER_MIN0 || rule == R_THREADS) && number < 0)
            harper__buf_join(msgs, "'%s' must be greater than or equal to 0", path);
        else if (rule == R_NUMBER_MIN1 && number < 1)
            harper__buf_join(msgs, "'%s' must be greater than or equal to 1", path);
        else if (rule == R_THREADS && number > 1000)
            harper__buf_join(msgs, "'%s' must be less than or equal to 1000", path);
        break;
    case R_STRING:
    case R_STRING_OR_NULL:
    case R_PATH:
        if (!cJSON_IsString(v) && !(rule == R_STRING_OR_NULL && cJSON_IsNull(v)))
            harper__buf_join(msgs, "'%s' must be a string", path);
        else if (rule == R_PATH && strcmp(v->valuestring, "/") != 0 &&
                 (v->valuestring[0] == '\0' ||
                  !(isalnum((unsigned char)v->valuestring[strlen(v->valuestring) - 1]) ||
                    strchr("/\\_:-", v->valuestring[strlen(v->valuestring) - 1]) != NULL)))
            harper__buf_join(msgs, "'%s' with value \"%.200s\" fails to match the directory path "
                      "pattern", path, v->valuestring);
        break;
    case R_ARRAY:
    case R_ARRAY_OR_NULL:
        if (!cJSON_IsArray(v) && !(rule == R_ARRAY_OR_NULL && cJSON_IsNull(v)))
            harper__buf_join(msgs, "'%s' must be an array", path);
        break;
    case R_STRING_OR_ARRAY:
        if (!cJSON_IsString(v) && !cJSON_IsArray(v))
            harper__buf_join(msgs, "'%s' must be one of [string, array]", path);
        break;
    case R_HOSTNAME:
        if (!cJSON_IsString(v) && !cJSON_IsNumber(v) && !cJSON_IsNull(v))
            harper__buf_join(msgs, "'%s' must be one of [string, number]", path);
        break;
    case R_LEVEL:
        for (size_t i = 0; i < 7 && v != NULL; i++)
            if (cJSON_IsString(v) && strcmp(v->valuestring, levels[i]) == 0)
                v = NULL;
        if (v != NULL)
            harper__buf_join(msgs, "'%s' must be one of [notify, fatal, error, warn, info, debug, "
                      "trace]", path);
        break;
    case R_HASH:
        if (!cJSON_IsNull(v) && !(cJSON_IsString(v) && (strcmp(v->valuestring, "md5") == 0 ||
                                                        strcmp(v->valuestring, "sha256") == 0 ||
                                                        strcmp(v->valuestring, "argon2id") == 0)))
            harper__buf_join(msgs, "'%s' must be one of [md5, sha256, argon2id]", path);
        break;
    case R_MAXSIZE:
    case R_INTERVAL:
        if (cJSON_IsNull(v))
            break;
        if (!cJSON_IsString(v))
            harper__buf_join(msgs, "'%s' must be a string", path);
        else if (valid_with_unit(v->valuestring, rule == R_MAXSIZE ? "GMK" : "DHM", &bad_unit))
            break;
        else if (rule == R_MAXSIZE)
            harper__buf_join(msgs, bad_unit
                                       ? "Invalid %s unit. Available units are G, M or K"
                                       : "Invalid %s value. Value should be a number followed by "
                                         "unit e.g. '10M'",
                             path);
        else
            harper__buf_join(msgs, bad_unit
                                       ? "Invalid %s unit. Available units are D, H or M (minutes)"
                                       : "Invalid %s value. Value should be a number followed by "
                                         "unit e.g. '10D'",
                             path);
        break;
    }
}

/* Checks (and converts text in) the whole tree. 0, or -1 with Harper's message in err. */
int config_validate(cJSON *tree, char *err, size_t err_size)
{
    harper__buf msgs = HARPER__BUF_INIT;
    int rc = 0;

    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        const char *key;
        cJSON *parent = config_path_parent(tree, rules[i].path, &key);

        /* Absent is allowed; a parent of another type was reported, or may be (mtls: true). */
        if (cJSON_IsObject(parent) && cJSON_GetObjectItemCaseSensitive(parent, key) != NULL)
            check_rule(parent, key, rules[i].path, rules[i].rule, &msgs);
    }
    for (int i = 0; i < 2; i++) {
        const char *name = i == 0 ? "http" : "operationsApi.network";
        char plain_path[64];
        char secure_path[64];
        const cJSON *plain;
        const cJSON *secure;

        snprintf(plain_path, sizeof plain_path, "%s.port", name);
        snprintf(secure_path, sizeof secure_path, "%s.securePort", name);
        plain = config_path_get(tree, plain_path);
        secure = config_path_get(tree, secure_path);
        /* Harper makes this check before the schema's, so it comes alone. */
        if (cJSON_IsNumber(plain) && plain->valuedouble != 0 && cJSON_IsNumber(secure) &&
            plain->valuedouble == secure->valuedouble) {
            harper__buf_reset(&msgs);
            harper__buf_join(&msgs, "%s and %s cannot be the same value", plain_path, secure_path);
            break;
        }
    }
    if (msgs.failed)
        rc = config_fail(err, err_size, "out of memory validating the configuration");
    else if (msgs.len > 0)
        rc = config_fail(err, err_size, VALIDATION "%.*s", (int)msgs.len, msgs.data);
    harper__buf_free(&msgs);
    return rc;
}
