/* config_env.c: the configuration's overrides (config.h): the flattened names Harper knows and
 * their legacy aliases, casting text as Harper does, the environment's flattened settings, and
 * HARPER_SET_CONFIG / HARPER_DEFAULT_CONFIG with their state file in <root>/backup. The tree's
 * paths and files are config.c's; validation is config_check.c's. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "config_internal.h"

#define STATE_FILE ".harper-config-state.json"
#define SET_CONFIG "HARPER_SET_CONFIG"
#define DEFAULT_CONFIG "HARPER_DEFAULT_CONFIG"

/* ---- names and values -------------------------------------------------------------------- */

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

/* The dotted path a flattened name stands for (a new string), or NULL. With `components`,
 * unknown names ending in _package or _port name a component's setting, as in Harper. */
char *config_key_path(const char *name, bool components)
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
bool config_parse_number(const char *s, double *out)
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
    if (config_parse_number(s, &number))
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
int config_apply_setting(cJSON *tree, const char *path, const cJSON *raw)
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
        const cJSON *plain = config_path_get(tree, ports[i][1]);

        if (strcmp(path, ports[i][0]) == 0 && cJSON_IsNumber(plain) && cJSON_IsNumber(value) &&
            plain->valuedouble == value->valuedouble)
            rc = config_path_set(tree, ports[i][1], cJSON_CreateNull());
    }
    if (rc == 0 && strcmp(path, "databases") == 0 &&
        (cJSON_IsObject(value) || cJSON_IsArray(value))) {
        /* databases: {db: {path, tables: {t: {path}}}} or [{db: {...}}], merged leaf by leaf. */
        cJSON *leaves = cJSON_CreateObject();
        const cJSON *each = cJSON_IsArray(value) ? value->child : value;

        for (rc = leaves != NULL ? 0 : -1; each != NULL && rc == 0;
             each = cJSON_IsArray(value) ? each->next : NULL)
            rc = cJSON_IsObject(each) ? config_flatten(each, "databases", leaves) : 0;
        for (const cJSON *m = leaves != NULL ? leaves->child : NULL; m != NULL && rc == 0;
             m = m->next)
            rc = config_path_set(tree, m->string, cJSON_Duplicate(m, 1));
        cJSON_Delete(leaves);
        cJSON_Delete(value);
        return rc;
    }
    if (rc != 0) {
        cJSON_Delete(value);
        return -1;
    }
    return config_path_set(tree, path, value);
}

/* The environment's flattened settings, {dotted path: text}. ROOTPATH and HDB_ROOT choose the
 * root folder before there is a file; they are not settings to write. */
cJSON *config_env_settings(void)
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
        path = config_key_path(name, false);
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
        return config_fail(err, err_size,
                           "Invalid JSON syntax in %s: unexpected text at position %ld", name,
                           end != NULL ? (long)(end - text) : 0L);
    if (!cJSON_IsObject(*out)) {
        const char *type = cJSON_IsString(*out) ? "string" : cJSON_IsNumber(*out) ? "number"
                           : cJSON_IsBool(*out) ? "boolean" : "object";

        cJSON_Delete(*out);
        *out = NULL;
        return config_fail(err, err_size, "%s must be a JSON object, got: %s", name, type);
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

static int state_save(const char *root, const cJSON *state)
{
    char *path = state_path(root);
    char *dir = NULL;
    char *text = cJSON_Print(state);
    int rc = -1;

    if (path != NULL && text != NULL && asprintf(&dir, "%s/backup", root) >= 0 &&
        config_make_dirs(dir) == 0)
        rc = config_write_file(path, text, strlen(text));
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
        rc = config_path_set(tree, key, original);
    else
        config_path_delete(tree, key);
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

    if (flat == NULL || config_flatten(layer, "", flat) != 0)
        goto done;
    for (const cJSON *m = flat->child; m != NULL; m = m->next) {
        const cJSON *source = cJSON_GetObjectItemCaseSensitive(sources, m->string);
        const char *from = cJSON_IsString(source) ? source->valuestring : NULL;
        const cJSON *current = config_path_get(tree, m->string);
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
        if (config_path_set(tree, m->string, cJSON_Duplicate(m, 1)) != 0 ||
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
        const cJSON *value = config_path_get(tree, m->string);

        if (cJSON_IsString(m) && strcmp(m->valuestring, name) == 0 && value != NULL &&
            config_path_set(config, m->string, cJSON_Duplicate(value, 1)) != 0)
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
int config_apply_env_json(cJSON *tree, const char *root, bool install, char *err,
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
        config_fail(err, err_size, "out of memory");
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
        const cJSON *was = config_path_get(cJSON_GetObjectItemCaseSensitive(snapshot, "config"),
                                    m->string);
        const cJSON *now = config_path_get(tree, m->string);

        if (snapshot != NULL && (was == NULL || now == NULL ? was != now
                                                            : !cJSON_Compare(was, now, 1)) &&
            cJSON_SetValuestring(m, "user") == NULL) {
            config_fail(err, err_size, "out of memory");
            goto done;
        }
    }
    for (int i = 0; i < 2; i++) {
        if (layers[i] != NULL ? apply_layer(tree, state, layers[i], names[i], install) != 0
                              : drop_layer_keys(tree, state, names[i], NULL) != 0) {
            config_fail(err, err_size, "out of memory applying %s", names[i]);
            goto done;
        }
        if (layers[i] == NULL)
            cJSON_DeleteItemFromObjectCaseSensitive(snapshots, names[i]);
    }
    if (state_save(root, state) != 0)
        config_fail(err, err_size, "cannot write %s/backup/%s: %s", root, STATE_FILE,
                    strerror(errno));
    else
        rc = 0;
done:
    cJSON_Delete(layers[0]);
    cJSON_Delete(layers[1]);
    cJSON_Delete(state);
    return rc;
}

/* Applies the environment's flattened settings, but not those HARPER_SET_CONFIG sets: it
 * wins, as Harper drops such names from the arguments it applies. */
int config_apply_env_settings(cJSON *tree, char *err, size_t err_size)
{
    cJSON *env = config_env_settings();
    cJSON *set = NULL;
    cJSON *set_keys = cJSON_CreateObject();
    int rc = env != NULL && set_keys != NULL ? 0 : -1;

    if (rc == 0 && env_json(SET_CONFIG, &set, err, err_size) != 0) {
        rc = -2;
    } else if (rc == 0 && set != NULL) {
        rc = config_flatten(set, "", set_keys);
    }
    for (const cJSON *m = env != NULL ? env->child : NULL; rc == 0 && m != NULL; m = m->next)
        if (cJSON_GetObjectItem(set_keys, m->string) == NULL)  /* any case, as Harper */
            rc = config_apply_setting(tree, m->string, m);
    if (rc == -1)
        config_fail(err, err_size, "out of memory");
    cJSON_Delete(set);
    cJSON_Delete(set_keys);
    cJSON_Delete(env);
    return rc == 0 ? 0 : -1;
}
