/* config.c: harperdb-config.yaml (config.h, spec/configuration.md): Harper 4.7's template and
 * dev overlay, dotted paths in the tree, the file's backups and rewrites, and the API that
 * runs the steps in Harper's order: install, load, get, set. Names, casting and the
 * environment's overrides are config_env.c's; computed values and validation config_check.c's;
 * YAML itself is yaml.c's; which settings mean what is every other module's. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config_internal.h"
#include "yaml.h"

#define CONFIG_FILE "harperdb-config.yaml"
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

int config_fail(char *err, size_t err_size, const char *fmt, ...)
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
cJSON *config_path_get(const cJSON *tree, const char *path)
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
int config_path_set(cJSON *tree, const char *path, cJSON *value)
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

cJSON *config_path_parent(const cJSON *tree, const char *path, const char **key)
{
    const char *dot = strrchr(path, '.');
    char *parent_path;
    cJSON *parent;

    *key = dot != NULL ? dot + 1 : path;
    if (dot == NULL)
        return (cJSON *)tree;
    parent_path = strndup(path, (size_t)(dot - path));
    parent = parent_path != NULL ? config_path_get(tree, parent_path) : NULL;
    free(parent_path);
    return parent;
}

void config_path_delete(cJSON *tree, const char *path)
{
    const char *key;
    cJSON *parent = config_path_parent(tree, path, &key);

    if (cJSON_IsObject(parent))
        cJSON_DeleteItemFromObjectCaseSensitive(parent, key);
}

/* Adds every leaf of `v` (arrays are leaves) to `out` as {dotted path: copy}. */
int config_flatten(const cJSON *v, const char *prefix, cJSON *out)
{
    for (const cJSON *m = v->child; m != NULL; m = m->next) {
        char *path = NULL;
        int rc;

        if (asprintf(&path, "%s%s%s", prefix, *prefix ? "." : "", m->string) < 0)
            return -1;
        if (cJSON_IsObject(m))
            rc = config_flatten(m, path, out);
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

/* ---- files --------------------------------------------------------------------------------- */

/* mkdir -p; new folders are private, like the root Harper makes. */
int config_make_dirs(const char *dir)
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
int config_write_file(const char *path, const char *data, size_t len)
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
    if (asprintf(&dir, "%s/backup", root) < 0 || config_make_dirs(dir) != 0)
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
        config_fail(err, err_size, "%s: cannot write the configuration as YAML", file);
    else if (backup && backup_config(root, file) != 0)
        config_fail(err, err_size, "%s: cannot back up to %s/backup: %s", file, root,
                    strerror(errno));
    else if (config_write_file(file, text.data, text.len) != 0)
        config_fail(err, err_size, "%s: %s", file, strerror(errno));
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
            rc = config_path_set(tree, dev_overlay[i].path, cJSON_Parse(dev_overlay[i].json));
    for (size_t i = 0; rc == 0 && i < 2; i++) {
        bool plain_given = cJSON_GetObjectItemCaseSensitive(env, ports[i].plain) != NULL;
        bool secure_given = cJSON_GetObjectItemCaseSensitive(env, ports[i].secure) != NULL;

        if (dev && !secure_given)
            rc = config_path_set(tree, ports[i].plain, cJSON_CreateNumber(ports[i].dev_port));
        if (rc == 0 && (dev ? !secure_given : plain_given))
            rc = config_path_set(tree, ports[i].secure, cJSON_CreateNull());
    }
    for (const cJSON *m = env->child; rc == 0 && m != NULL; m = m->next)
        rc = config_apply_setting(tree, m->string, m);
    key = config_path_get(tree, "tls.privateKey");
    if (rc == 0 && (key == NULL || cJSON_IsNull(key)))
        rc = asprintf(&text, "%s/keys/privateKey.pem", root) < 0 ? -1
             : config_path_set(tree, "tls.privateKey", cJSON_CreateString(text));
    free(text);
    if (rc == 0)
        rc = config_path_set(tree, "rootPath", cJSON_CreateString(root));
    if (rc != 0)
        return config_fail(err, err_size, "out of memory writing the configuration");
    if (config_apply_env_json(tree, root, true, err, err_size) != 0)
        return -1;
    return config_settle_ports(tree) == 0 ? 0 : config_fail(err, err_size, "out of memory");
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
        return config_fail(err, err_size, "no root folder to install in");
    if ((dir = clean_root(root)) == NULL || asprintf(&file, "%s/%s", dir, CONFIG_FILE) < 0) {
        file = NULL;
        config_fail(err, err_size, "out of memory");
        goto done;
    }
    if (access(file, F_OK) == 0) {
        rc = 0;
        goto done;
    }
    if (config_make_dirs(dir) != 0) {
        config_fail(err, err_size, "%s: %s", dir, strerror(errno));
        goto done;
    }
    if ((tree = template_tree()) == NULL || (env = config_env_settings()) == NULL) {
        config_fail(err, err_size, "out of memory");
        goto done;
    }
    if (install_tree(tree, dir, dev, env, err, err_size) != 0)
        goto done;
    if (config_compute_defaults(tree) != 0) {
        config_fail(err, err_size, "out of memory");
        goto done;
    }
    if (config_validate(tree, err, err_size) == 0)
        rc = write_config(dir, file, tree, false, err, err_size);
done:
    cJSON_Delete(env);
    cJSON_Delete(tree);
    free(file);
    free(dir);
    return rc;
}

static cJSON *fallback_tree(const char *root)
{
    cJSON *tree = cJSON_Parse(fallback_json);
    char *blobs = NULL;

    if (tree != NULL && asprintf(&blobs, "%s/blobs", root) >= 0) {
        const char *paths[] = {blobs};

        if (config_path_set(tree, "storage.blobPaths", cJSON_CreateStringArray(paths, 1)) != 0) {
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
        return config_fail(err, err_size, "no root folder to load the configuration from");
    *out = NULL;
    if ((c = calloc(1, sizeof *c)) == NULL || (c->root = clean_root(root)) == NULL ||
        asprintf(&c->file, "%s/%s", c->root, CONFIG_FILE) < 0) {
        if (c != NULL)
            c->file = NULL;
        config_fail(err, err_size, "out of memory");
        goto done;
    }
    if ((text = read_file(c->file, &len)) == NULL) {
        config_fail(err, err_size, "%s: %s", c->file, strerror(errno));
        goto done;
    }
    if (yaml_to_json(text, len, &tree, message, sizeof message) != 0) {
        config_fail(err, err_size, "%s: %s", c->file, message);
        goto done;
    }
    if (!cJSON_IsObject(tree)) {
        config_fail(err, err_size, "%s: the configuration must be a mapping of settings", c->file);
        goto done;
    }
    root_path = cJSON_GetObjectItemCaseSensitive(tree, "rootPath");
    if ((template = template_tree()) == NULL || config_normalize_threads(tree) != 0 ||
        fill_missing(tree, template) != 0 ||
        (!cJSON_IsString(root_path) && config_path_set(tree, "rootPath",
                                                cJSON_CreateString(c->root)) != 0) ||
        (before = cJSON_Duplicate(tree, 1)) == NULL) {
        config_fail(err, err_size, "out of memory");
        goto done;
    }
    /* Overrides in Harper's order: the JSON variables, then flattened names. */
    if (config_apply_env_json(tree, c->root, false, err, err_size) != 0)
        goto done;
    if (config_settle_ports(tree) != 0 || config_apply_env_settings(tree, err, err_size) != 0)
        goto done;
    /* Written back only when an override changed something, so that otherwise the file stays
     * as the user left it; filled-in and computed values are no change. */
    changed = !cJSON_Compare(before, tree, 1);
    if (config_compute_defaults(tree) != 0) {
        config_fail(err, err_size, "out of memory");
        goto done;
    }
    if (config_validate(tree, message, sizeof message) != 0) {
        config_fail(err, err_size, "%s: %s", c->file, message);
        goto done;
    }
    if (changed && write_config(c->root, c->file, tree, true, err, err_size) != 0)
        goto done;
    if ((c->fallback = fallback_tree(c->root)) == NULL) {
        config_fail(err, err_size, "out of memory");
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
    v = config_path_get(c->tree, path);
    return v != NULL ? v : config_path_get(c->fallback, path);
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
        return config_fail(err, err_size, "set_configuration needs an object of settings");
    if ((work = cJSON_Duplicate(c->tree, 1)) == NULL)
        return config_fail(err, err_size, "out of memory");
    for (const cJSON *m = flat->child; m != NULL; m = m->next) {
        char *path = m->string != NULL ? config_key_path(m->string, true) : NULL;
        int step = path != NULL ? config_apply_setting(work, path, m) : 0;

        free(path);
        if (step != 0) {
            config_fail(err, err_size, "out of memory");
            goto done;
        }
    }
    if (config_compute_defaults(work) != 0) {
        config_fail(err, err_size, "out of memory");
        goto done;
    }
    if (config_validate(work, err, err_size) != 0)
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
