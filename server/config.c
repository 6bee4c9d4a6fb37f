/* config.c: harperdb-config.yaml (config.h, spec/configuration.md): Harper 4.7's template and
 * dev overlay, the flattened names and legacy aliases overrides use, casting and validation
 * with Harper's messages, HARPER_SET_CONFIG / HARPER_DEFAULT_CONFIG with their state file,
 * backups and rewrites. YAML itself is yaml.c's; which settings mean what is every other
 * module's. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "yaml.h"

#define CONFIG_FILE "harperdb-config.yaml"
#define STATE_FILE ".harper-config-state.json"
#define SET_CONFIG "HARPER_SET_CONFIG"
#define DEFAULT_CONFIG "HARPER_DEFAULT_CONFIG"
#define VALIDATION "HarperDB config file validation error: "
#define HEADER "# HarperDB configuration file. Refer to " \
               "https://docs.harperdb.io/docs/deployments/configuration\n---\n"

struct server_config {
    char *root;
    char *file;         /* <root>/harperdb-config.yaml */
    cJSON *tree;        /* file + template defaults + computed values + overrides */
    cJSON *fallback;    /* documented defaults the template leaves out; config_get only */
};

/* Harper 4.7.29's config/yaml/defaultConfig.yaml, byte for byte: the keys, their order and
 * the prod values of a new install. */
static const char template_yaml[] =
    HEADER
    "http:\n  compressionThreshold: 0\n  cors: false\n  corsAccessList:\n    - null\n"
    "  keepAliveTimeout: 30000\n  port: null\n  securePort: 9926\n  mtls: false\n"
    "  http2: false\n  timeout: 120000\n"
    "threads:\n  count: null\n  debug: false\n"
    "authentication:\n  authorizeLocal: false\n  cacheTTL: 30000\n  enableSessions: true\n"
    "  operationTokenTimeout: 1d\n  refreshTokenTimeout: 30d\n"
    "analytics:\n  aggregatePeriod: 60\n  replicate: false\n"
    "replication:\n  securePort: 9933\n  enableRootCAs: true\n  hostname: null\n"
    "  databases: '*' # Database name or list of database names to replicate, * defaults to "
    "all databases\n  routes: null\n"
    "componentsRoot: null\n"
    "localStudio:\n  enabled: true\n"
    "logging:\n  auditAuthEvents:\n    logFailed: false\n    logSuccessful: false\n"
    "  auditLog: true\n  auditRetention: 3d\n  file: true\n  level: warn\n  root: null\n"
    "  rotation:\n    enabled: true\n    compress: false\n    interval: null\n"
    "    maxSize: 64M\n    path: null\n  stdStreams: false\n"
    "mqtt:\n  network:\n    port: 1883\n    securePort: 8883\n    mtls: false\n"
    "  webSocket: true\n  requireAuthentication: true\n"
    "operationsApi:\n  network:\n    cors: true\n    corsAccessList:\n      - '*'\n"
    "    domainSocket: hdb/operations-server\n    port: null\n    securePort: 9925\n"
    "rootPath: null\n"
    "storage:\n  writeAsync: false\n  caching: true\n  compression: true\n"
    "  noReadAhead: false\n  path: null\n  prefetchWrites: true\n"
    "tls:\n  privateKey: null\n";

/* Defaults from spec section 3 that the template does not write; <root> paths are added in
 * code. Only config_get and the typed reads see them, so files and get_configuration match
 * Harper's. */
static const char fallback_json[] =
    "{\"http\":{\"corsAccessControlAllowHeaders\":\"Accept, Content-Type, Authorization\","
    "\"headersTimeout\":60000,\"maxHeaderSize\":16394,\"requestQueueLimit\":20000,"
    "\"sessionAffinity\":null},"
    "\"operationsApi\":{\"network\":{\"timeout\":120000,\"keepAliveTimeout\":30000,"
    "\"headersTimeout\":60000,\"mtls\":false}},"
    "\"authentication\":{\"hashFunction\":\"sha256\"},"
    "\"replication\":{\"failOver\":true,\"blobTimeout\":120000},"
    "\"storage\":{\"compactOnStart\":false,\"compactOnStartKeepBackup\":false,"
    "\"maxTransactionQueueTime\":\"45s\"}}";

/* DEFAULTS_MODE=dev (utility/install/installer.js); replication.hostname is the install's
 * REPLICATION_HOSTNAME default. The plain ports are handled apart: see install_tree. */
static const struct {
    const char *path;
    const char *json;
} dev_overlay[] = {
    {"http.cors", "true"}, {"http.corsAccessList", "[\"*\"]"},
    {"authentication.authorizeLocal", "true"}, {"threads.count", "1"},
    {"threads.debug", "true"}, {"logging.stdStreams", "true"}, {"logging.level", "\"info\""},
    {"localStudio.enabled", "true"}, {"replication.hostname", "\"localhost\""},
};

/* Every flattened name Harper knows (utility/hdbTerms.ts CONFIG_PARAMS), '_' between path
 * segments. The environment and set_configuration match them in any case. */
static const char *const known_keys[] = {
    "analytics_aggregatePeriod", "analytics_replicate", "authentication_authorizeLocal",
    "authentication_cacheTTL", "authentication_cookie_domains", "authentication_cookie_expires",
    "authentication_enableSessions", "authentication_operationTokenTimeout",
    "authentication_refreshTokenTimeout", "authentication_hashFunction", "clustering_user",
    "clustering_enabled", "clustering_hubServer_cluster_name",
    "clustering_hubServer_cluster_network_port", "clustering_hubServer_cluster_network_routes",
    "clustering_hubServer_leafNodes_network_port", "clustering_hubServer_network_port",
    "clustering_leafServer_network_port", "clustering_leafServer_network_routes",
    "clustering_leafServer_streams_maxAge", "clustering_leafServer_streams_maxBytes",
    "clustering_leafServer_streams_maxMsgs", "clustering_leafServer_streams_maxConsumeMsgs",
    "clustering_leafServer_streams_maxIngestThreads", "clustering_leafServer_streams_path",
    "clustering_nodeName", "clustering_tls_certificate", "clustering_tls_privateKey",
    "clustering_tls_certificateAuthority", "clustering_tls_insecure", "clustering_tls_verify",
    "clustering_logLevel", "clustering_republishMessages", "clustering_databaseLevel",
    "customFunctions_network_https", "threads_count", "threads_debug",
    "threads_debug_startingPort", "threads_debug_port", "threads_debug_host",
    "threads_debug_waitForDebugger", "threads_maxHeapMemory", "threads_heapSnapshotNearLimit",
    "http_sessionAffinity", "http_compressionThreshold", "http_cors", "http_corsAccessList",
    "http_corsAccessControlAllowHeaders", "http_headersTimeout", "http_keepAliveTimeout",
    "http_maxParamLength", "http_timeout", "http_port", "http_securePort", "http_mtls",
    "http_mtls_required", "http_mtls_user", "http_mtls_certificateVerification",
    "http_mtls_certificateVerification_failureMode", "http_mtls_certificateVerification_crl",
    "http_mtls_certificateVerification_crl_timeout",
    "http_mtls_certificateVerification_crl_cacheTtl",
    "http_mtls_certificateVerification_crl_failureMode",
    "http_mtls_certificateVerification_crl_gracePeriod",
    "http_mtls_certificateVerification_ocsp", "http_mtls_certificateVerification_ocsp_timeout",
    "http_mtls_certificateVerification_ocsp_cacheTtl",
    "http_mtls_certificateVerification_ocsp_errorCacheTtl",
    "http_mtls_certificateVerification_ocsp_failureMode", "http_maxHeaderSize",
    "http_threadRange", "http_requestQueueLimit", "http_maxRequestBodySize", "http_http2",
    "license_mode", "license_region", "localStudio_enabled", "logging_colors",
    "logging_console", "logging_file", "logging_level", "logging_root",
    "logging_external_level", "logging_external_tag", "logging_external_path",
    "logging_rotation_enabled", "logging_rotation_compress", "logging_rotation_interval",
    "logging_rotation_maxSize", "logging_rotation_path", "logging_rotation_retention",
    "logging_stdStreams", "logging_auditLog", "logging_auditRetention",
    "logging_auditAuthEvents_logFailed", "logging_auditAuthEvents_logSuccessful",
    "operationsApi_network_cors", "operationsApi_network_corsAccessList",
    "operationsApi_network_headersTimeout", "operationsApi_network_https",
    "operationsApi_network_keepAliveTimeout", "operationsApi_network_port",
    "operationsApi_network_domainSocket", "operationsApi_network_securePort",
    "operationsApi_network_http2", "operationsApi_network_maxRequestBodySize",
    "operationsApi_tls", "operationsApi_tls_certificate", "operationsApi_tls_privateKey",
    "operationsApi_tls_certificateAuthority", "operationsApi_network_timeout",
    "operationsApi_sysInfo_network", "operationsApi_sysInfo_disk", "replication",
    "replication_hostname", "replication_url", "replication_port", "replication_securePort",
    "replication_routes", "replication_databases", "replication_enableRootCAs",
    "replication_mtls_certificateVerification",
    "replication_mtls_certificateVerification_failureMode",
    "replication_mtls_certificateVerification_crl",
    "replication_mtls_certificateVerification_crl_timeout",
    "replication_mtls_certificateVerification_crl_cacheTtl",
    "replication_mtls_certificateVerification_crl_failureMode",
    "replication_mtls_certificateVerification_crl_gracePeriod",
    "replication_mtls_certificateVerification_ocsp",
    "replication_mtls_certificateVerification_ocsp_timeout",
    "replication_mtls_certificateVerification_ocsp_cacheTtl",
    "replication_mtls_certificateVerification_ocsp_errorCacheTtl",
    "replication_mtls_certificateVerification_ocsp_failureMode", "replication_shard",
    "replication_blobTimeout", "replication_blobConcurrency", "replication_maxPayload",
    "replication_recordConcurrency", "replication_failOver", "rootPath",
    "serialization_bigInt", "storage_writeAsync", "storage_overlappingSync", "storage_caching",
    "storage_compression", "storage_noReadAhead", "storage_prefetchWrites",
    "storage_encryption", "storage_maxTransactionQueueTime", "storage_maxTransactionOpenTime",
    "storage_debugLongTransactions", "storage_path", "storage_blobPaths",
    "storage_blobCleanupSpeed", "storage_audit_path", "storage_maxFreeSpaceToLoad",
    "storage_maxFreeSpaceToRetain", "storage_pageSize", "storage_compression_dictionary",
    "storage_compression_threshold", "storage_compactOnStart",
    "storage_compactOnStartKeepBackup", "storage_reclamation_threshold",
    "storage_reclamation_interval", "storage_reclamation_evictionFactor", "databases",
    "ignoreScripts", "mqtt_network_port", "mqtt_webSocket", "mqtt_network_securePort",
    "mqtt_network_mtls", "mqtt_network_mtls_required", "mqtt_network_mtls_certificateAuthority",
    "mqtt_network_mtls_user", "mqtt_requireAuthentication", "componentsRoot",
    "tls_certificate", "tls_privateKey", "tls_certificateAuthority", "tls_ciphers", "tls",
};

/* Older names (CONFIG_PARAM_MAP), lower case, and the flattened name each stands for. */
static const struct {
    const char *alias;
    const char *key;
} aliases[] = {
    {"hdb_root", "rootPath"}, {"operationsapi_root", "rootPath"},
    {"server_port", "operationsApi_network_port"}, {"certificate", "tls_certificate"},
    {"private_key", "tls_privateKey"}, {"https_on", "operationsApi_network_https"},
    {"cors_on", "operationsApi_network_cors"},
    {"cors_whitelist", "operationsApi_network_corsAccessList"},
    {"cors_accesslist", "operationsApi_network_corsAccessList"},
    {"log_level", "logging_level"}, {"log_path", "logging_root"},
    {"node_name", "clustering_nodeName"}, {"clustering", "clustering_enabled"},
    {"max_http_threads", "threads_count"}, {"max_hdb_processes", "threads_count"},
    {"server_timeout_ms", "operationsApi_network_timeout"},
    {"server_keep_alive_timeout", "operationsApi_network_keepAliveTimeout"},
    {"server_headers_timeout", "operationsApi_network_headersTimeout"},
    {"disable_transaction_log", "logging_auditLog"},
    {"operation_token_timeout", "authentication_operationTokenTimeout"},
    {"refresh_token_timeout", "authentication_refreshTokenTimeout"},
    {"custom_functions_port", "http_port"}, {"custom_functions_directory", "componentsRoot"},
    {"max_custom_function_processes", "threads_count"}, {"log_to_file", "logging_file"},
    {"log_to_stdstreams", "logging_stdStreams"}, {"local_studio_on", "localStudio_enabled"},
    {"clustering_port", "clustering_hubServer_cluster_network_port"},
    {"customfunctions_network_port", "http_port"},
    {"customfunctions_tls_certificate", "tls_certificate"},
    {"customfunctions_network_cors", "http_cors"},
    {"customfunctions_network_corsaccesslist", "http_corsAccessList"},
    {"customfunctions_network_headerstimeout", "http_headersTimeout"},
    {"customfunctions_network_keepalivetimeout", "http_keepAliveTimeout"},
    {"customfunctions_tls_privatekey", "tls_privateKey"},
    {"customfunctions_tls_certificateauthority", "tls_certificateAuthority"},
    {"customfunctions_network_timeout", "http_timeout"}, {"customfunctions_tls", "tls"},
    {"http_threads", "threads_count"}, {"threads", "threads_count"},
    {"customfunctions_processes", "threads_count"}, {"customfunctions_root", "componentsRoot"},
};

static int fail(char *err, size_t err_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && err_size > 0) {
        va_start(ap, fmt);
        vsnprintf(err, err_size, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* ---- paths in the tree ------------------------------------------------------------------- */

/* Copies the first segment of a dotted path into seg and returns the rest (NULL after the
 * last segment); *too_long when the segment does not fit, which no setting's name does. */
static const char *next_segment(const char *path, char seg[256], bool *too_long)
{
    size_t n = strcspn(path, ".");

    *too_long = n >= 256;
    snprintf(seg, 256, "%.*s", *too_long ? 0 : (int)n, path);
    return path[n] == '.' ? path + n + 1 : NULL;
}

/* The value at a dotted path; a segment of digits indexes an array. */
static cJSON *path_get(const cJSON *tree, const char *path)
{
    const cJSON *at = tree;
    char seg[256];
    bool too_long;

    while (path != NULL && at != NULL) {
        path = next_segment(path, seg, &too_long);
        if (too_long)
            return NULL;
        if (cJSON_IsArray(at) && seg[0] != '\0' && strspn(seg, "0123456789") == strlen(seg))
            at = strlen(seg) < 10 ? cJSON_GetArrayItem(at, atoi(seg)) : NULL;
        else
            at = cJSON_IsObject(at) ? cJSON_GetObjectItemCaseSensitive(at, seg) : NULL;
    }
    return (cJSON *)at;
}

/* Sets the value at `path` (taking it), making objects of missing or non-object parents, as
 * Harper's setIn does (`http.mtls: false` becomes `{required: true}`). 0 or -1. */
static int path_set(cJSON *tree, const char *path, cJSON *value)
{
    cJSON *at = tree;
    char seg[256];

    if (value == NULL)
        return -1;
    for (;;) {
        cJSON *child;
        bool too_long;

        path = next_segment(path, seg, &too_long);
        if (too_long) {
            cJSON_Delete(value);
            return -1;
        }
        child = cJSON_GetObjectItemCaseSensitive(at, seg);
        if (path == NULL) {
            if (child != NULL ? cJSON_ReplaceItemInObjectCaseSensitive(at, seg, value)
                              : cJSON_AddItemToObject(at, seg, value))
                return 0;
            cJSON_Delete(value);
            return -1;
        }
        if (!cJSON_IsObject(child)) {
            cJSON *object = cJSON_CreateObject();

            if (object == NULL || !(child != NULL
                                        ? cJSON_ReplaceItemInObjectCaseSensitive(at, seg, object)
                                        : cJSON_AddItemToObject(at, seg, object))) {
                cJSON_Delete(object);
                cJSON_Delete(value);
                return -1;
            }
            child = object;
        }
        at = child;
    }
}

static void path_delete(cJSON *tree, const char *path)
{
    const char *dot = strrchr(path, '.');
    cJSON *parent = tree;

    if (dot != NULL) {
        char *parent_path = strndup(path, (size_t)(dot - path));

        parent = parent_path != NULL ? path_get(tree, parent_path) : NULL;
        free(parent_path);
    }
    if (cJSON_IsObject(parent))
        cJSON_DeleteItemFromObjectCaseSensitive(parent, dot != NULL ? dot + 1 : path);
}

/* Adds every leaf of `v` (arrays are leaves) to `out` as {dotted path: copy}. */
static int flatten(const cJSON *v, const char *prefix, cJSON *out)
{
    for (const cJSON *m = v->child; m != NULL; m = m->next) {
        char *path = NULL;
        int rc;

        if (asprintf(&path, "%s%s%s", prefix, *prefix ? "." : "", m->string) < 0)
            return -1;
        if (cJSON_IsObject(m))
            rc = flatten(m, path, out);
        else
            rc = cJSON_AddItemToObject(out, path, cJSON_Duplicate(m, 1)) ? 0 : -1;
        free(path);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* Adds what `from` has and `to` lacks, recursively, keeping `to`'s values and order. */
static int fill_missing(cJSON *to, const cJSON *from)
{
    for (const cJSON *m = from->child; m != NULL; m = m->next) {
        cJSON *have = cJSON_GetObjectItemCaseSensitive(to, m->string);

        if (have == NULL) {
            cJSON *copy = cJSON_Duplicate(m, 1);

            if (copy == NULL || !cJSON_AddItemToObject(to, m->string, copy)) {
                cJSON_Delete(copy);
                return -1;
            }
        } else if (cJSON_IsObject(have) && cJSON_IsObject(m) && fill_missing(have, m) != 0) {
            return -1;
        }
    }
    return 0;
}

/* ---- names and values -------------------------------------------------------------------- */

/* The dotted path a flattened name stands for (a new string), or NULL. With `components`,
 * unknown names ending in _package or _port name a component's setting, as in Harper. */
static char *key_path(const char *name, bool components)
{
    const char *key = NULL;
    char *path;

    for (size_t i = 0; i < sizeof known_keys / sizeof *known_keys && key == NULL; i++)
        if (strcasecmp(name, known_keys[i]) == 0)
            key = known_keys[i];
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases && key == NULL; i++)
        if (strcasecmp(name, aliases[i].alias) == 0)
            key = aliases[i].key;
    if (key == NULL && components && strlen(name) > 5 &&
        (strcmp(name + strlen(name) - 5, "_port") == 0 ||
         (strlen(name) > 8 && strcmp(name + strlen(name) - 8, "_package") == 0)))
        key = name;
    if (key == NULL || (path = strdup(key)) == NULL)
        return NULL;
    for (char *p = path; *p != '\0'; p++)
        if (*p == '_')
            *p = '.';
    return path;
}

/* A decimal number as JavaScript's Number() reads one (no hex, no Infinity), blanks around. */
static bool parse_number(const char *s, double *out)
{
    char *end;

    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0' || strchr("+-.0123456789", *s) == NULL || strpbrk(s, "xXnNiI") != NULL)
        return false;
    *out = strtod(s, &end);
    while (isspace((unsigned char)*end))
        end++;
    return *end == '\0' && isfinite(*out);
}

/* Harper's castConfigValue: text from the environment or a string in set_configuration
 * becomes a number, boolean, null or JSON array/object when it reads as one. */
static cJSON *cast_value(const cJSON *raw)
{
    const char *s = cJSON_IsString(raw) ? raw->valuestring : NULL;
    size_t n = s != NULL ? strlen(s) : 0;
    double number;

    if (s == NULL)
        return cJSON_Duplicate(raw, 1);
    if (parse_number(s, &number))
        return cJSON_CreateNumber(number);
    if (strcasecmp(s, "true") == 0 || strcasecmp(s, "false") == 0)
        return cJSON_CreateBool(strcasecmp(s, "true") == 0);
    if (strcasecmp(s, "undefined") == 0 || strcmp(s, "null") == 0)
        return cJSON_CreateNull();
    if (n >= 2 && ((s[0] == '{' && s[n - 1] == '}') || (s[0] == '[' && s[n - 1] == ']'))) {
        cJSON *parsed = cJSON_ParseWithLength(s, n);

        if (parsed != NULL)
            return parsed;
    }
    return cJSON_CreateString(s);
}

/* One flattened setting, as Harper's updateConfigValue applies it. A securePort given as text
 * (environment, CLI) equal to the plain port takes its place: the plain port becomes null.
 * Harper compares with the port's text, so a JSON number never does this. */
static int apply_setting(cJSON *tree, const char *path, const cJSON *raw)
{
    static const char *const ports[][2] = {{"http.securePort", "http.port"},
                                           {"operationsApi.network.securePort",
                                            "operationsApi.network.port"}};
    cJSON *value = cast_value(raw);
    int rc = 0;

    if (value == NULL)
        return -1;
    if (strcmp(path, "rootPath") == 0 && cJSON_IsString(value)) {
        size_t n = strlen(value->valuestring);

        if (n > 1 && value->valuestring[n - 1] == '/')
            value->valuestring[n - 1] = '\0';
    }
    for (size_t i = 0; i < 2 && cJSON_IsString(raw); i++) {
        const cJSON *plain = path_get(tree, ports[i][1]);

        if (strcmp(path, ports[i][0]) == 0 && cJSON_IsNumber(plain) && cJSON_IsNumber(value) &&
            plain->valuedouble == value->valuedouble)
            rc = path_set(tree, ports[i][1], cJSON_CreateNull());
    }
    if (rc == 0 && strcmp(path, "databases") == 0 &&
        (cJSON_IsObject(value) || cJSON_IsArray(value))) {
        /* databases: {db: {path, tables: {t: {path}}}} or [{db: {...}}], merged leaf by leaf. */
        cJSON *leaves = cJSON_CreateObject();
        const cJSON *each = cJSON_IsArray(value) ? value->child : value;

        for (rc = leaves != NULL ? 0 : -1; each != NULL && rc == 0;
             each = cJSON_IsArray(value) ? each->next : NULL)
            rc = cJSON_IsObject(each) ? flatten(each, "databases", leaves) : 0;
        for (const cJSON *m = leaves != NULL ? leaves->child : NULL; m != NULL && rc == 0;
             m = m->next)
            rc = path_set(tree, m->string, cJSON_Duplicate(m, 1));
        cJSON_Delete(leaves);
        cJSON_Delete(value);
        return rc;
    }
    if (rc != 0) {
        cJSON_Delete(value);
        return -1;
    }
    return path_set(tree, path, value);
}

/* The environment's flattened settings, {dotted path: text}. ROOTPATH and HDB_ROOT choose the
 * root folder before there is a file; they are not settings to write. */
static cJSON *env_settings(void)
{
    extern char **environ;
    cJSON *out = cJSON_CreateObject();

    for (char **e = environ; out != NULL && e != NULL && *e != NULL; e++) {
        const char *eq = strchr(*e, '=');
        const char *v = eq != NULL ? eq + 1 : "";
        size_t n;
        char name[160];
        char *path;
        char *text;
        cJSON *item;

        if (eq == NULL || (size_t)(eq - *e) >= sizeof name)
            continue;
        snprintf(name, sizeof name, "%.*s", (int)(eq - *e), *e);
        path = key_path(name, false);
        if (path == NULL || strcmp(path, "rootPath") == 0) {
            free(path);
            continue;
        }
        while (isspace((unsigned char)*v))
            v++;
        for (n = strlen(v); n > 0 && isspace((unsigned char)v[n - 1]); n--)
            ;
        text = strndup(v, n);
        item = text != NULL ? cJSON_CreateString(text) : NULL;
        free(text);
        cJSON_DeleteItemFromObjectCaseSensitive(out, path);
        if (item == NULL || !cJSON_AddItemToObject(out, path, item)) {
            cJSON_Delete(item);
            cJSON_Delete(out);
            out = NULL;
        }
        free(path);
    }
    return out;
}

/* ---- HARPER_SET_CONFIG and HARPER_DEFAULT_CONFIG ----------------------------------------- */

/* Parses one of the two variables: NULL in *out when unset or blank. */
static int env_json(const char *name, cJSON **out, char *err, size_t err_size)
{
    const char *text = getenv(name);
    const char *end = NULL;

    *out = NULL;
    if (text == NULL || text[strspn(text, " \t\r\n")] == '\0')
        return 0;
    *out = cJSON_ParseWithOpts(text, &end, 1);
    if (*out == NULL)
        return fail(err, err_size, "Invalid JSON syntax in %s: unexpected text at position %ld",
                    name, end != NULL ? (long)(end - text) : 0L);
    if (!cJSON_IsObject(*out)) {
        const char *type = cJSON_IsString(*out) ? "string" : cJSON_IsNumber(*out) ? "number"
                           : cJSON_IsBool(*out) ? "boolean" : "object";

        cJSON_Delete(*out);
        *out = NULL;
        return fail(err, err_size, "%s must be a JSON object, got: %s", name, type);
    }
    return 0;
}

static char *state_path(const char *root)
{
    char *path = NULL;

    return asprintf(&path, "%s/backup/%s", root, STATE_FILE) < 0 ? NULL : path;
}

/* <root>/backup/.harper-config-state.json: which layer set each flattened key ("sources"),
 * the values they replaced ("originalValues"), and what each layer last set ("snapshots").
 * A missing or unreadable file starts afresh, as in Harper. */
static cJSON *state_load(const char *root)
{
    char *path = state_path(root);
    FILE *f = path != NULL ? fopen(path, "rb") : NULL;
    cJSON *state = NULL;

    if (f != NULL) {
        harper__buf text = HARPER__BUF_INIT;
        char chunk[4096];
        size_t n;

        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            harper__buf_append(&text, chunk, n);
        if (!text.failed && text.len > 0)
            state = cJSON_ParseWithLength(text.data, text.len);
        harper__buf_free(&text);
        fclose(f);
    }
    free(path);
    if (!cJSON_IsObject(state)) {
        cJSON_Delete(state);
        state = cJSON_Parse("{\"version\":\"1.0\",\"sources\":{},\"originalValues\":{},"
                            "\"snapshots\":{}}");
    }
    for (size_t i = 0; state != NULL && i < 3; i++) {
        static const char *const parts[] = {"sources", "originalValues", "snapshots"};

        if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(state, parts[i]))) {
            cJSON_DeleteItemFromObjectCaseSensitive(state, parts[i]);
            if (cJSON_AddObjectToObject(state, parts[i]) == NULL) {
                cJSON_Delete(state);
                state = NULL;
            }
        }
    }
    return state;
}

static int write_file(const char *path, const char *data, size_t len);
static int make_dirs(const char *dir);

static int state_save(const char *root, const cJSON *state)
{
    char *path = state_path(root);
    char *dir = NULL;
    char *text = cJSON_Print(state);
    int rc = -1;

    if (path != NULL && text != NULL && asprintf(&dir, "%s/backup", root) >= 0 &&
        make_dirs(dir) == 0)
        rc = write_file(path, text, strlen(text));
    free(dir);
    free(path);
    free(text);
    return rc;
}

/* Undoes what layer `name` set at `key`: back to the value it replaced, or removed. */
static int restore_key(cJSON *tree, cJSON *state, const char *key)
{
    cJSON *originals = cJSON_GetObjectItemCaseSensitive(state, "originalValues");
    cJSON *original = cJSON_DetachItemFromObjectCaseSensitive(originals, key);
    int rc = 0;

    if (original != NULL)
        rc = path_set(tree, key, original);
    else
        path_delete(tree, key);
    cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(state, "sources"),
                                            key);
    return rc;
}

/* Takes back every key layer `name` set that `keep` (flattened; NULL: none) no longer has. */
static int drop_layer_keys(cJSON *tree, cJSON *state, const char *name, const cJSON *keep)
{
    cJSON *sources = cJSON_GetObjectItemCaseSensitive(state, "sources");
    cJSON *m = sources->child;

    while (m != NULL) {
        cJSON *next = m->next;

        if (cJSON_IsString(m) && strcmp(m->valuestring, name) == 0 &&
            (keep == NULL || cJSON_GetObjectItemCaseSensitive(keep, m->string) == NULL) &&
            restore_key(tree, state, m->string) != 0)
            return -1;
        m = next;
    }
    return 0;
}

/* Applies one layer (Harper's applyRuntimeEnvConfig for one variable). HARPER_SET_CONFIG
 * always wins. HARPER_DEFAULT_CONFIG, at install, sets all but what the user or
 * HARPER_SET_CONFIG set; later, only keys it set before or that hold no value. */
static int apply_layer(cJSON *tree, cJSON *state, const cJSON *layer, const char *name,
                       bool install)
{
    cJSON *sources = cJSON_GetObjectItemCaseSensitive(state, "sources");
    cJSON *originals = cJSON_GetObjectItemCaseSensitive(state, "originalValues");
    cJSON *snapshots = cJSON_GetObjectItemCaseSensitive(state, "snapshots");
    bool is_set = strcmp(name, SET_CONFIG) == 0;
    cJSON *flat = cJSON_CreateObject();
    cJSON *snapshot = NULL;
    cJSON *config = NULL;
    int rc = -1;

    if (flat == NULL || flatten(layer, "", flat) != 0)
        goto done;
    for (const cJSON *m = flat->child; m != NULL; m = m->next) {
        const cJSON *source = cJSON_GetObjectItemCaseSensitive(sources, m->string);
        const char *from = cJSON_IsString(source) ? source->valuestring : NULL;
        const cJSON *current = path_get(tree, m->string);
        bool has_value = current != NULL && !cJSON_IsNull(current);

        /* HARPER_DEFAULT_CONFIG leaves what the user or HARPER_SET_CONFIG set. */
        if (!is_set && from != NULL && strcmp(from, name) != 0)
            continue;
        if (from == NULL && has_value &&
            cJSON_GetObjectItemCaseSensitive(originals, m->string) == NULL &&
            !cJSON_AddItemToObject(originals, m->string, cJSON_Duplicate(current, 1)))
            goto done;
        if (!is_set && !install && from == NULL && has_value)
            continue;
        cJSON_DeleteItemFromObjectCaseSensitive(sources, m->string);
        if (path_set(tree, m->string, cJSON_Duplicate(m, 1)) != 0 ||
            cJSON_AddStringToObject(sources, m->string, name) == NULL)
            goto done;
    }
    /* Keys dropped from the variable since last time; Harper checks a hash of it first, which
     * only saves this walk. */
    if (drop_layer_keys(tree, state, name, flat) != 0 ||
        (snapshot = cJSON_CreateObject()) == NULL ||
        (config = cJSON_AddObjectToObject(snapshot, "config")) == NULL)
        goto done;
    for (const cJSON *m = sources->child; m != NULL; m = m->next) {
        const cJSON *value = path_get(tree, m->string);

        if (cJSON_IsString(m) && strcmp(m->valuestring, name) == 0 && value != NULL &&
            path_set(config, m->string, cJSON_Duplicate(value, 1)) != 0)
            goto done;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(snapshots, name);
    if (cJSON_AddItemToObject(snapshots, name, snapshot)) {
        snapshot = NULL;
        rc = 0;
    }
done:
    cJSON_Delete(snapshot);
    cJSON_Delete(flat);
    return rc;
}

/* Both variables, with their bookkeeping in <root>/backup. A key whose value differs from what
 * a layer last set was edited by hand: it becomes the user's, which HARPER_DEFAULT_CONFIG no
 * longer touches. A variable that is gone takes back everything it set. */
static int apply_env_json(cJSON *tree, const char *root, bool install, char *err,
                          size_t err_size)
{
    static const char *const names[] = {DEFAULT_CONFIG, SET_CONFIG};
    cJSON *layers[2] = {NULL, NULL};
    cJSON *state = NULL;
    cJSON *sources;
    cJSON *snapshots;
    int rc = -1;

    if (env_json(DEFAULT_CONFIG, &layers[0], err, err_size) != 0 ||
        env_json(SET_CONFIG, &layers[1], err, err_size) != 0)
        goto done;
    if ((state = state_load(root)) == NULL) {
        fail(err, err_size, "out of memory");
        goto done;
    }
    sources = cJSON_GetObjectItemCaseSensitive(state, "sources");
    snapshots = cJSON_GetObjectItemCaseSensitive(state, "snapshots");
    if (layers[0] == NULL && layers[1] == NULL && snapshots->child == NULL) {
        rc = 0;
        goto done;
    }
    for (cJSON *m = sources->child; !install && m != NULL; m = m->next) {
        const cJSON *snapshot = cJSON_IsString(m) ? cJSON_GetObjectItemCaseSensitive(
                                                        snapshots, m->valuestring) : NULL;
        const cJSON *was = path_get(cJSON_GetObjectItemCaseSensitive(snapshot, "config"),
                                    m->string);
        const cJSON *now = path_get(tree, m->string);

        if (snapshot != NULL && (was == NULL || now == NULL ? was != now
                                                            : !cJSON_Compare(was, now, 1)) &&
            cJSON_SetValuestring(m, "user") == NULL) {
            fail(err, err_size, "out of memory");
            goto done;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (layers[i] != NULL ? apply_layer(tree, state, layers[i], names[i], install) != 0
                              : drop_layer_keys(tree, state, names[i], NULL) != 0) {
            fail(err, err_size, "out of memory applying %s", names[i]);
            goto done;
        }
        if (layers[i] == NULL)
            cJSON_DeleteItemFromObjectCaseSensitive(snapshots, names[i]);
    }
    if (state_save(root, state) != 0)
        fail(err, err_size, "cannot write %s/backup/%s: %s", root, STATE_FILE, strerror(errno));
    else
        rc = 0;
done:
    cJSON_Delete(layers[0]);
    cJSON_Delete(layers[1]);
    cJSON_Delete(state);
    return rc;
}

/* ---- computed values and validation ------------------------------------------------------ */

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
static int normalize_threads(cJSON *tree)
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
    return path_set(tree, "threads", object);
}

/* Sets <root>/<name> at `path` if it is absent or null (or equal to `placeholder`), when its
 * parent exists. */
static int default_path(cJSON *tree, const char *path, const char *root, const char *name,
                        const char *placeholder)
{
    const char *dot = strrchr(path, '.');
    char *parent_path = dot != NULL ? strndup(path, (size_t)(dot - path)) : NULL;
    const cJSON *parent = dot == NULL ? tree : parent_path != NULL ? path_get(tree, parent_path)
                                                                   : NULL;
    const cJSON *now = path_get(tree, path);
    char *value = NULL;
    int rc = 0;

    free(parent_path);
    if (cJSON_IsObject(parent) && (now == NULL || cJSON_IsNull(now) ||
                                   (placeholder != NULL && cJSON_IsString(now) &&
                                    strcmp(now->valuestring, placeholder) == 0)))
        rc = asprintf(&value, "%s/%s", root, name) < 0 ? -1
             : path_set(tree, path, cJSON_CreateString(value));
    free(value);
    return rc;
}

/* What Harper's validator fills in: thread count, paths under rootPath, the domain socket. */
static int compute_defaults(cJSON *tree)
{
    const cJSON *root = cJSON_GetObjectItemCaseSensitive(tree, "rootPath");
    const cJSON *count;
    const cJSON *legacy = path_get(tree, "customFunctions.root");
    char *schema = NULL;
    struct stat st;
    int rc;

    if (normalize_threads(tree) != 0)
        return -1;
    count = path_get(tree, "threads.count");
    if ((count == NULL || cJSON_IsNull(count)) &&
        path_set(tree, "threads.count", cJSON_CreateNumber((double)default_threads())) != 0)
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
static int settle_ports(cJSON *tree)
{
    static const char *const pairs[][2] = {{"http.port", "http.securePort"},
                                           {"operationsApi.network.port",
                                            "operationsApi.network.securePort"}};

    for (size_t i = 0; i < 2; i++) {
        const cJSON *plain = path_get(tree, pairs[i][0]);
        const cJSON *secure = path_get(tree, pairs[i][1]);

        if (cJSON_IsNumber(plain) && plain->valuedouble != 0 && cJSON_IsNumber(secure) &&
            plain->valuedouble == secure->valuedouble &&
            path_set(tree, pairs[i][0], cJSON_CreateNull()) != 0)
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

static void add_error(harper__buf *msgs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_error(harper__buf *msgs, const char *fmt, ...)
{
    char line[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (msgs->len > 0)
        harper__buf_str(msgs, ". ");    /* how Joi joins its messages */
    harper__buf_str(msgs, line);
}

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

    if (cJSON_IsString(v) && numeric && parse_number(v->valuestring, &number))
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
            add_error(msgs, "'%s' must be of type object", path);
        break;
    case R_AUTH:
        if (!cJSON_IsObject(v) && !cJSON_IsBool(v))
            add_error(msgs, "'%s' must be one of [object, boolean]", path);
        break;
    case R_BOOL:
        if (!cJSON_IsBool(v))
            add_error(msgs, "'%s' must be a boolean", path);
        break;
    case R_BOOL_OR_OBJECT:
        if (!cJSON_IsBool(v) && !cJSON_IsObject(v))
            add_error(msgs, "'%s' must be one of [boolean, object]", path);
        break;
    case R_PORT:
        if (cJSON_IsNull(v))
            break;
        if (!cJSON_IsNumber(v))
            add_error(msgs, cJSON_IsString(v) ? "'%s' must be a number"
                                              : "'%s' must be one of [number, string]", path);
        else if (number < 0)
            add_error(msgs, "'%s' must be greater than or equal to 0", path);
        else if (number > 65535)
            add_error(msgs, "'%s' must be less than or equal to 65535", path);
        else if (number != floor(number))
            add_error(msgs, "'%s' must be an integer", path);
        break;
    case R_NUMBER:
    case R_NUMBER_MIN0:
    case R_NUMBER_MIN1:
    case R_THREADS:
        if (!cJSON_IsNumber(v) && !(rule == R_THREADS && cJSON_IsNull(v)))
            add_error(msgs, "'%s' must be a number", path);
        else if ((rule == R_NUMBER_MIN0 || rule == R_THREADS) && number < 0)
            add_error(msgs, "'%s' must be greater than or equal to 0", path);
        else if (rule == R_NUMBER_MIN1 && number < 1)
            add_error(msgs, "'%s' must be greater than or equal to 1", path);
        else if (rule == R_THREADS && number > 1000)
            add_error(msgs, "'%s' must be less than or equal to 1000", path);
        break;
    case R_STRING:
    case R_STRING_OR_NULL:
    case R_PATH:
        if (!cJSON_IsString(v) && !(rule == R_STRING_OR_NULL && cJSON_IsNull(v)))
            add_error(msgs, "'%s' must be a string", path);
        else if (rule == R_PATH && strcmp(v->valuestring, "/") != 0 &&
                 (v->valuestring[0] == '\0' ||
                  !(isalnum((unsigned char)v->valuestring[strlen(v->valuestring) - 1]) ||
                    strchr("/\\_:-", v->valuestring[strlen(v->valuestring) - 1]) != NULL)))
            add_error(msgs, "'%s' with value \"%.200s\" fails to match the directory path "
                      "pattern", path, v->valuestring);
        break;
    case R_ARRAY:
    case R_ARRAY_OR_NULL:
        if (!cJSON_IsArray(v) && !(rule == R_ARRAY_OR_NULL && cJSON_IsNull(v)))
            add_error(msgs, "'%s' must be an array", path);
        break;
    case R_STRING_OR_ARRAY:
        if (!cJSON_IsString(v) && !cJSON_IsArray(v))
            add_error(msgs, "'%s' must be one of [string, array]", path);
        break;
    case R_HOSTNAME:
        if (!cJSON_IsString(v) && !cJSON_IsNumber(v) && !cJSON_IsNull(v))
            add_error(msgs, "'%s' must be one of [string, number]", path);
        break;
    case R_LEVEL:
        for (size_t i = 0; i < 7 && v != NULL; i++)
            if (cJSON_IsString(v) && strcmp(v->valuestring, levels[i]) == 0)
                v = NULL;
        if (v != NULL)
            add_error(msgs, "'%s' must be one of [notify, fatal, error, warn, info, debug, "
                      "trace]", path);
        break;
    case R_HASH:
        if (!cJSON_IsNull(v) && !(cJSON_IsString(v) && (strcmp(v->valuestring, "md5") == 0 ||
                                                        strcmp(v->valuestring, "sha256") == 0 ||
                                                        strcmp(v->valuestring, "argon2id") == 0)))
            add_error(msgs, "'%s' must be one of [md5, sha256, argon2id]", path);
        break;
    case R_MAXSIZE:
    case R_INTERVAL:
        if (cJSON_IsNull(v))
            break;
        if (!cJSON_IsString(v))
            add_error(msgs, "'%s' must be a string", path);
        else if (valid_with_unit(v->valuestring, rule == R_MAXSIZE ? "GMK" : "DHM", &bad_unit))
            break;
        else if (rule == R_MAXSIZE)
            add_error(msgs, bad_unit ? "Invalid %s unit. Available units are G, M or K"
                      : "Invalid %s value. Value should be a number followed by unit e.g. '10M'",
                      path);
        else
            add_error(msgs, bad_unit ? "Invalid %s unit. Available units are D, H or M (minutes)"
                      : "Invalid %s value. Value should be a number followed by unit e.g. '10D'",
                      path);
        break;
    }
}

/* Checks (and converts text in) the whole tree. 0, or -1 with Harper's message in err. */
static int validate(cJSON *tree, char *err, size_t err_size)
{
    harper__buf msgs = HARPER__BUF_INIT;
    int rc = 0;

    for (size_t i = 0; i < sizeof rules / sizeof *rules; i++) {
        const char *dot = strrchr(rules[i].path, '.');
        char *parent_path = dot != NULL ? strndup(rules[i].path, (size_t)(dot - rules[i].path))
                                        : NULL;
        cJSON *parent = dot == NULL ? tree : parent_path != NULL ? path_get(tree, parent_path)
                                                                 : NULL;
        const char *key = dot != NULL ? dot + 1 : rules[i].path;

        /* Absent is allowed; a parent of another type was reported, or may be (mtls: true). */
        if (cJSON_IsObject(parent) && cJSON_GetObjectItemCaseSensitive(parent, key) != NULL)
            check_rule(parent, key, rules[i].path, rules[i].rule, &msgs);
        free(parent_path);
    }
    for (int i = 0; i < 2; i++) {
        const char *name = i == 0 ? "http" : "operationsApi.network";
        char plain_path[64];
        char secure_path[64];
        const cJSON *plain;
        const cJSON *secure;

        snprintf(plain_path, sizeof plain_path, "%s.port", name);
        snprintf(secure_path, sizeof secure_path, "%s.securePort", name);
        plain = path_get(tree, plain_path);
        secure = path_get(tree, secure_path);
        /* Harper makes this check before the schema's, so it comes alone. */
        if (cJSON_IsNumber(plain) && plain->valuedouble != 0 && cJSON_IsNumber(secure) &&
            plain->valuedouble == secure->valuedouble) {
            harper__buf_reset(&msgs);
            add_error(&msgs, "%s and %s cannot be the same value", plain_path, secure_path);
            break;
        }
    }
    if (msgs.failed)
        rc = fail(err, err_size, "out of memory validating the configuration");
    else if (msgs.len > 0)
        rc = fail(err, err_size, VALIDATION "%.*s", (int)msgs.len, msgs.data);
    harper__buf_free(&msgs);
    return rc;
}

/* ---- files --------------------------------------------------------------------------------- */

/* mkdir -p; new folders are private, like the root Harper makes. */
static int make_dirs(const char *dir)
{
    char *path = strdup(dir);
    int rc = 0;

    if (path == NULL)
        return -1;
    for (char *p = path + 1; rc == 0; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char was = *p;

        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            rc = -1;
        *p = was;
        if (was == '\0')
            break;
    }
    free(path);
    return rc;
}

/* Replaces `path` whole (a temporary file renamed over it), so a crash leaves old or new. */
static int write_file(const char *path, const char *data, size_t len)
{
    char *tmp = NULL;
    int fd = -1;
    int rc = -1;

    if (asprintf(&tmp, "%s.tmp", path) < 0)
        return -1;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    for (size_t done = 0; fd >= 0 && done < len;) {
        ssize_t n = write(fd, data + done, len - done);

        if (n < 0 && errno != EINTR)
            goto done;
        done += n > 0 ? (size_t)n : 0;
    }
    if (fd >= 0 && fsync(fd) == 0 && close(fd) == 0) {
        fd = -1;
        rc = rename(tmp, path);
    }
done:
    if (fd >= 0)
        close(fd);
    if (rc != 0)
        unlink(tmp);
    free(tmp);
    return rc;
}

/* The whole file in a new NUL-terminated buffer, or NULL with errno set. */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    harper__buf text = HARPER__BUF_INIT;
    char chunk[8192];
    size_t n;

    if (f == NULL)
        return NULL;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && text.len <= YAML_MAX_SIZE)
        harper__buf_append(&text, chunk, n);
    fclose(f);
    if (text.failed || harper__buf_cstr(&text) == NULL) {
        harper__buf_free(&text);
        errno = ENOMEM;
        return NULL;
    }
    *len = text.len;
    return harper__buf_take(&text, NULL);
}

/* Copies the current file to <root>/backup/<ISO time, ':' as '-'>-harperdb-config.yaml.bak,
 * never over an earlier backup. No file, nothing to do. */
static int backup_config(const char *root, const char *file)
{
    size_t len = 0;
    char *text = read_file(file, &len);
    char *dir = NULL;
    char *path = NULL;
    struct timespec now;
    int rc = -1;
    int fd = -1;

    if (text == NULL)
        return errno == ENOENT ? 0 : -1;
    clock_gettime(CLOCK_REALTIME, &now);
    if (asprintf(&dir, "%s/backup", root) < 0 || make_dirs(dir) != 0)
        goto done;
    for (int tries = 0; fd < 0 && tries < 1000; tries++) {
        time_t sec = now.tv_sec + (now.tv_nsec / 1000000 + tries) / 1000;
        long ms = (now.tv_nsec / 1000000 + tries) % 1000;
        struct tm tm;
        char stamp[32];

        gmtime_r(&sec, &tm);
        strftime(stamp, sizeof stamp, "%Y-%m-%dT%H-%M-%S", &tm);
        free(path);
        if (asprintf(&path, "%s/%s.%03ldZ-%s.bak", dir, stamp, ms, CONFIG_FILE) < 0) {
            path = NULL;
            goto done;
        }
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0 && errno != EEXIST)
            goto done;
    }
    if (fd >= 0 && write(fd, text, len) == (ssize_t)len && close(fd) == 0) {
        fd = -1;
        rc = 0;
    }
done:
    if (fd >= 0)
        close(fd);
    free(text);
    free(dir);
    free(path);
    return rc;
}

/* Writes the tree as the file, after a backup of what is there when `backup`. */
static int write_config(const char *root, const char *file, const cJSON *tree, bool backup,
                        char *err, size_t err_size)
{
    harper__buf text = HARPER__BUF_INIT;
    int rc = -1;

    harper__buf_str(&text, HEADER);
    if (json_to_yaml(tree, &text) != 0)
        fail(err, err_size, "%s: cannot write the configuration as YAML", file);
    else if (backup && backup_config(root, file) != 0)
        fail(err, err_size, "%s: cannot back up to %s/backup: %s", file, root, strerror(errno));
    else if (write_file(file, text.data, text.len) != 0)
        fail(err, err_size, "%s: %s", file, strerror(errno));
    else
        rc = 0;
    harper__buf_free(&text);
    return rc;
}

/* ---- the API ------------------------------------------------------------------------------ */

static cJSON *template_tree(void)
{
    cJSON *tree = NULL;

    if (yaml_to_json(template_yaml, sizeof template_yaml - 1, &tree, NULL, 0) != 0)
        return NULL;    /* only out of memory: the text is fixed and tested */
    return tree;
}

/* The template after install's overlay and overrides (utility/install/installer.js): dev
 * values unless the environment gives its own; a plain port given (or dev's) nulls its
 * securePort, and in dev a securePort given keeps the plain port off. */
static int install_tree(cJSON *tree, const char *root, bool dev, const cJSON *env, char *err,
                        size_t err_size)
{
    static const struct {
        const char *plain;
        const char *secure;
        double dev_port;
    } ports[] = {{"http.port", "http.securePort", 9926},
                 {"operationsApi.network.port", "operationsApi.network.securePort", 9925}};
    const cJSON *key;
    char *text = NULL;
    int rc = 0;

    for (size_t i = 0; dev && rc == 0 && i < sizeof dev_overlay / sizeof *dev_overlay; i++)
        if (cJSON_GetObjectItemCaseSensitive(env, dev_overlay[i].path) == NULL)
            rc = path_set(tree, dev_overlay[i].path, cJSON_Parse(dev_overlay[i].json));
    for (size_t i = 0; rc == 0 && i < 2; i++) {
        bool plain_given = cJSON_GetObjectItemCaseSensitive(env, ports[i].plain) != NULL;
        bool secure_given = cJSON_GetObjectItemCaseSensitive(env, ports[i].secure) != NULL;

        if (dev && !secure_given)
            rc = path_set(tree, ports[i].plain, cJSON_CreateNumber(ports[i].dev_port));
        if (rc == 0 && (dev ? !secure_given : plain_given))
            rc = path_set(tree, ports[i].secure, cJSON_CreateNull());
    }
    for (const cJSON *m = env->child; rc == 0 && m != NULL; m = m->next)
        rc = apply_setting(tree, m->string, m);
    key = path_get(tree, "tls.privateKey");
    if (rc == 0 && (key == NULL || cJSON_IsNull(key)))
        rc = asprintf(&text, "%s/keys/privateKey.pem", root) < 0 ? -1
             : path_set(tree, "tls.privateKey", cJSON_CreateString(text));
    free(text);
    if (rc == 0)
        rc = path_set(tree, "rootPath", cJSON_CreateString(root));
    if (rc != 0)
        return fail(err, err_size, "out of memory writing the configuration");
    if (apply_env_json(tree, root, true, err, err_size) != 0)
        return -1;
    return settle_ports(tree) == 0 ? 0 : fail(err, err_size, "out of memory");
}

/* The root without a trailing '/', in a new string. */
static char *clean_root(const char *root)
{
    size_t n = strlen(root);

    while (n > 1 && root[n - 1] == '/')
        n--;
    return strndup(root, n);
}

int config_install(const char *root, bool dev, char *err, size_t err_size)
{
    char *dir = NULL;
    char *file = NULL;
    cJSON *tree = NULL;
    cJSON *env = NULL;
    int rc = -1;

    if (root == NULL || root[0] == '\0')
        return fail(err, err_size, "no root folder to install in");
    if ((dir = clean_root(root)) == NULL || asprintf(&file, "%s/%s", dir, CONFIG_FILE) < 0) {
        file = NULL;
        fail(err, err_size, "out of memory");
        goto done;
    }
    if (access(file, F_OK) == 0) {
        rc = 0;
        goto done;
    }
    if (make_dirs(dir) != 0) {
        fail(err, err_size, "%s: %s", dir, strerror(errno));
        goto done;
    }
    if ((tree = template_tree()) == NULL || (env = env_settings()) == NULL) {
        fail(err, err_size, "out of memory");
        goto done;
    }
    if (install_tree(tree, dir, dev, env, err, err_size) != 0)
        goto done;
    if (compute_defaults(tree) != 0) {
        fail(err, err_size, "out of memory");
        goto done;
    }
    if (validate(tree, err, err_size) == 0)
        rc = write_config(dir, file, tree, false, err, err_size);
done:
    cJSON_Delete(env);
    cJSON_Delete(tree);
    free(file);
    free(dir);
    return rc;
}

/* Applies the environment's flattened settings, but not those HARPER_SET_CONFIG sets: it
 * wins, as Harper drops such names from the arguments it applies. */
static int apply_env_settings(cJSON *tree, char *err, size_t err_size)
{
    cJSON *env = env_settings();
    cJSON *set = NULL;
    cJSON *set_keys = cJSON_CreateObject();
    int rc = env != NULL && set_keys != NULL ? 0 : -1;

    if (rc == 0 && env_json(SET_CONFIG, &set, err, err_size) != 0) {
        rc = -2;
    } else if (rc == 0 && set != NULL) {
        rc = flatten(set, "", set_keys);
    }
    for (const cJSON *m = env != NULL ? env->child : NULL; rc == 0 && m != NULL; m = m->next)
        if (cJSON_GetObjectItem(set_keys, m->string) == NULL)  /* any case, as Harper */
            rc = apply_setting(tree, m->string, m);
    if (rc == -1)
        fail(err, err_size, "out of memory");
    cJSON_Delete(set);
    cJSON_Delete(set_keys);
    cJSON_Delete(env);
    return rc == 0 ? 0 : -1;
}

static cJSON *fallback_tree(const char *root)
{
    cJSON *tree = cJSON_Parse(fallback_json);
    char *blobs = NULL;

    if (tree != NULL && asprintf(&blobs, "%s/blobs", root) >= 0) {
        const char *paths[] = {blobs};

        if (path_set(tree, "storage.blobPaths", cJSON_CreateStringArray(paths, 1)) != 0) {
            cJSON_Delete(tree);
            tree = NULL;
        }
        free(blobs);
    } else {
        cJSON_Delete(tree);
        tree = NULL;
    }
    return tree;
}

int config_load(const char *root, server_config **out, char *err, size_t err_size)
{
    server_config *c = NULL;
    cJSON *tree = NULL;
    cJSON *before = NULL;
    cJSON *template = NULL;
    const cJSON *root_path;
    char *text = NULL;
    char message[512];
    size_t len = 0;
    bool changed;
    int rc = -1;

    if (out == NULL || root == NULL || root[0] == '\0')
        return fail(err, err_size, "no root folder to load the configuration from");
    *out = NULL;
    if ((c = calloc(1, sizeof *c)) == NULL || (c->root = clean_root(root)) == NULL ||
        asprintf(&c->file, "%s/%s", c->root, CONFIG_FILE) < 0) {
        if (c != NULL)
            c->file = NULL;
        fail(err, err_size, "out of memory");
        goto done;
    }
    if ((text = read_file(c->file, &len)) == NULL) {
        fail(err, err_size, "%s: %s", c->file, strerror(errno));
        goto done;
    }
    if (yaml_to_json(text, len, &tree, message, sizeof message) != 0) {
        fail(err, err_size, "%s: %s", c->file, message);
        goto done;
    }
    if (!cJSON_IsObject(tree)) {
        fail(err, err_size, "%s: the configuration must be a mapping of settings", c->file);
        goto done;
    }
    root_path = cJSON_GetObjectItemCaseSensitive(tree, "rootPath");
    if ((template = template_tree()) == NULL || normalize_threads(tree) != 0 ||
        fill_missing(tree, template) != 0 ||
        (!cJSON_IsString(root_path) && path_set(tree, "rootPath",
                                                cJSON_CreateString(c->root)) != 0) ||
        (before = cJSON_Duplicate(tree, 1)) == NULL) {
        fail(err, err_size, "out of memory");
        goto done;
    }
    /* Overrides in Harper's order: the JSON variables, then flattened names. */
    if (apply_env_json(tree, c->root, false, err, err_size) != 0)
        goto done;
    if (settle_ports(tree) != 0 || apply_env_settings(tree, err, err_size) != 0)
        goto done;
    /* Written back only when an override changed something, so that otherwise the file stays
     * as the user left it; filled-in and computed values are no change. */
    changed = !cJSON_Compare(before, tree, 1);
    if (compute_defaults(tree) != 0) {
        fail(err, err_size, "out of memory");
        goto done;
    }
    if (validate(tree, message, sizeof message) != 0) {
        fail(err, err_size, "%s: %s", c->file, message);
        goto done;
    }
    if (changed && write_config(c->root, c->file, tree, true, err, err_size) != 0)
        goto done;
    if ((c->fallback = fallback_tree(c->root)) == NULL) {
        fail(err, err_size, "out of memory");
        goto done;
    }
    c->tree = tree;
    tree = NULL;
    *out = c;
    c = NULL;
    rc = 0;
done:
    config_free(c);
    cJSON_Delete(template);
    cJSON_Delete(before);
    cJSON_Delete(tree);
    free(text);
    return rc;
}

void config_free(server_config *c)
{
    if (c == NULL)
        return;
    cJSON_Delete(c->tree);
    cJSON_Delete(c->fallback);
    free(c->file);
    free(c->root);
    free(c);
}

const cJSON *config_get(const server_config *c, const char *path)
{
    const cJSON *v;

    if (c == NULL || path == NULL)
        return NULL;
    v = path_get(c->tree, path);
    return v != NULL ? v : path_get(c->fallback, path);
}

long config_int(const server_config *c, const char *path, long def)
{
    const cJSON *v = config_get(c, path);

    /* In range of long; a fraction is cut, as C does. */
    if (!cJSON_IsNumber(v) || !(v->valuedouble >= (double)LONG_MIN &&
                                v->valuedouble < -(double)LONG_MIN))
        return def;
    return (long)v->valuedouble;
}

bool config_bool(const server_config *c, const char *path, bool def)
{
    const cJSON *v = config_get(c, path);

    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : def;
}

const char *config_string(const server_config *c, const char *path, const char *def)
{
    const cJSON *v = config_get(c, path);

    return cJSON_IsString(v) ? v->valuestring : def;
}

cJSON *config_snapshot(const server_config *c)
{
    return c != NULL ? cJSON_Duplicate(c->tree, 1) : NULL;
}

int config_set(server_config *c, const cJSON *flat, char *err, size_t err_size)
{
    cJSON *work;
    int rc = -1;

    if (c == NULL || !cJSON_IsObject(flat))
        return fail(err, err_size, "set_configuration needs an object of settings");
    if ((work = cJSON_Duplicate(c->tree, 1)) == NULL)
        return fail(err, err_size, "out of memory");
    for (const cJSON *m = flat->child; m != NULL; m = m->next) {
        char *path = m->string != NULL ? key_path(m->string, true) : NULL;
        int step = path != NULL ? apply_setting(work, path, m) : 0;

        free(path);
        if (step != 0) {
            fail(err, err_size, "out of memory");
            goto done;
        }
    }
    if (compute_defaults(work) != 0) {
        fail(err, err_size, "out of memory");
        goto done;
    }
    if (validate(work, err, err_size) != 0)
        goto done;
    /* Nothing changed (unknown names only, or the same values): no backup, no rewrite. */
    if (!cJSON_Compare(work, c->tree, 1) &&
        write_config(c->root, c->file, work, true, err, err_size) != 0)
        goto done;
    cJSON_Delete(c->tree);
    c->tree = work;
    work = NULL;
    rc = 0;
done:
    cJSON_Delete(work);
    return rc;
}
