/* ops_system.c: the super-user operations about the server itself (spec/operations-api.md
 * section 14): configuration, the log, the audit (transaction) log, and system_information.
 * The machine facts come from /proc, uname and sysconf (sysinfo.c-style helpers below) with
 * the key names of the systeminformation package Harper reports through; the log is slog.c's,
 * the configuration config.c's, the audit entries libharper's. */
#include <ctype.h>
#include <errno.h>
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ops.h"
#include "server.h"
#include "slog.h"

/* config_set must not run while anything reads the configuration (config.h): this file's
 * reads and writes take this lock. */
static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;

static const cJSON *param(const ops_request *req, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(req->body, name);
}

/* ---- configuration ---- */

void ops_get_configuration(const ops_request *req, ops_reply *reply)
{
    cJSON *snapshot;

    pthread_mutex_lock(&config_lock);
    snapshot = config_snapshot(req->srv->config);
    pthread_mutex_unlock(&config_lock);
    ops_reply_json(reply, 200, snapshot);
}

void ops_set_configuration(const ops_request *req, ops_reply *reply)
{
    char err[512] = "";
    int rc;

    pthread_mutex_lock(&config_lock);
    rc = config_set(req->srv->config, req->body, err, sizeof err);
    pthread_mutex_unlock(&config_lock);
    if (rc != 0)
        ops_reply_error(reply, 400, "%s", err);
    else
        ops_reply_message(reply, "Configuration successfully set. You must restart HarperDB for "
                                 "new config settings to take effect.");
}

/* ---- read_log ---- */

void ops_read_log(const ops_request *req, ops_reply *reply)
{
    char fallback[4096];
    char path[4160];
    char err[1024] = "";
    const char *root;
    cJSON *entries;

    /* The file main.c logs to: logging.path, else hdb.log in logging.root. */
    snprintf(fallback, sizeof fallback, "%s/log", req->srv->root);
    pthread_mutex_lock(&config_lock);
    root = config_string(req->srv->config, "logging.root", fallback);
    snprintf(path, sizeof path, "%s/hdb.log", root);
    if (config_string(req->srv->config, "logging.path", NULL) != NULL)
        snprintf(path, sizeof path, "%s", config_string(req->srv->config, "logging.path", ""));
    pthread_mutex_unlock(&config_lock);
    entries = slog_read(path, req->body, err, sizeof err);
    if (entries == NULL)
        ops_reply_error(reply, 400, "%s", err);
    else
        ops_reply_json(reply, 200, entries);
}

/* ---- the audit log ---- */

static const char not_a_timestamp[] = "must be in timestamp or number of milliseconds format";

/* Joi's date().timestamp(): a number, or a string holding one; else false. */
static bool timestamp_value(const cJSON *v, double *ms)
{
    char *end;

    if (cJSON_IsNumber(v)) {
        *ms = v->valuedouble;
        return true;
    }
    if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
        return false;
    *ms = strtod(v->valuestring, &end);
    while (isspace((unsigned char)*end))
        end++;
    return *end == '\0' && isfinite(*ms);
}

/* Messages joined as Joi joins them. */
static void add_error(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_error(char *buf, size_t size, const char *fmt, ...)
{
    size_t used = strlen(buf);
    va_list ap;

    if (used > 0 && used + 2 < size) {
        memcpy(buf + used, ". ", 3);
        used += 2;
    }
    va_start(ap, fmt);
    vsnprintf(buf + used, size - used, fmt, ap);
    va_end(ap);
}

static void check_string(char *errs, size_t size, const cJSON *v, const char *name, bool required)
{
    if (v == NULL) {
        if (required)
            add_error(errs, size, "'%s' is required", name);
    } else if (!cJSON_IsString(v)) {
        add_error(errs, size, "'%s' must be a string", name);
    } else if (v->valuestring[0] == '\0') {
        add_error(errs, size, "'%s' is not allowed to be empty", name);
    }
}

/* Opens the table named by database (else schema, else "data") and table, answering 404 when
 * it is missing. */
static harper_table *open_table(const ops_request *req, ops_reply *reply)
{
    const cJSON *db = param(req, "database");
    harper_table *t = NULL;
    harper_error err;

    if (db == NULL || cJSON_IsNull(db))
        db = param(req, "schema");
    if (harper_table_open(req->h, cJSON_IsString(db) ? db->valuestring : "data",
                          param(req, "table")->valuestring, &t, &err) != HARPER_OK) {
        ops_reply_harper_error(reply, &err, 404);
        return NULL;
    }
    return t;
}

/* What a view of the audit log does with each entry or transaction. */
struct audit_view {
    cJSON *out;             /* the answer being built */
    double limit;           /* transactions to return; 0: all */
    double count;
    const cJSON *users;     /* username view: the names asked for */
    bool failed;
};

/* Harper names every record write of the log "upsert" except in grouped views, where the
 * operation of the request shows; `put` is always reported as `upsert`. */
static const char *operation_name(const char *op)
{
    return strcmp(op, "put") == 0 ? "upsert" : op;
}

/* A new transaction object from its first entry. `per_record` gives read_audit_log's
 * hash_value shape: the time before the user, and every write named upsert. */
static cJSON *new_group(const cJSON *entry, bool per_record)
{
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(entry, "operation");
    const cJSON *user = cJSON_GetObjectItemCaseSensitive(entry, "user");
    const cJSON *time = cJSON_GetObjectItemCaseSensitive(entry, "txn_time");
    const char *name = cJSON_IsString(op) ? op->valuestring : "upsert";
    double ms = cJSON_IsNumber(time) ? time->valuedouble : 0;
    cJSON *g = cJSON_CreateObject();

    if (g == NULL)
        return NULL;
    if (per_record)
        name = strcmp(name, "delete") == 0 ? "delete" : "upsert";
    cJSON_AddStringToObject(g, "operation", operation_name(name));
    if (per_record)
        cJSON_AddNumberToObject(g, "timestamp", ms);
    /* A write without a user leaves the key out, as Harper's undefined does. */
    if (cJSON_IsString(user))
        cJSON_AddStringToObject(g, "user_name", user->valuestring);
    if (!per_record)
        cJSON_AddNumberToObject(g, "timestamp", ms);
    cJSON_AddItemToObject(g, "hash_values", cJSON_CreateArray());
    cJSON_AddItemToObject(g, "records", cJSON_CreateArray());
    if (cJSON_GetObjectItemCaseSensitive(g, "records") == NULL) {   /* out of memory */
        cJSON_Delete(g);
        return NULL;
    }
    return g;
}

/* Adds the entry's key and record (null for a delete) to group `g`. */
static bool group_add(cJSON *g, cJSON *entry)
{
    cJSON *id = cJSON_DetachItemFromObjectCaseSensitive(entry, "id");
    cJSON *record = cJSON_DetachItemFromObjectCaseSensitive(entry, "record");

    if (id == NULL)
        id = cJSON_CreateNull();
    if (record == NULL)
        record = cJSON_CreateNull();
    if (id == NULL || record == NULL) {
        cJSON_Delete(id);
        cJSON_Delete(record);
        return false;
    }
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(g, "hash_values"), id);
    cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(g, "records"), record);
    return true;
}

static void js_object_set(cJSON *obj, const char *key, cJSON *item);

/* Takes a finished transaction: appended to the list, or filed under its user. Returns false
 * when the limit is reached. */
static bool view_take(struct audit_view *v, cJSON *g)
{
    if (v->users == NULL) {
        cJSON_AddItemToArray(v->out, g);
    } else {
        const cJSON *user = cJSON_GetObjectItemCaseSensitive(g, "user_name");
        bool wanted = false;
        const cJSON *u;

        /* Harper asks search_values.includes(user): a list holds it, a string contains it. */
        if (cJSON_IsString(user) && cJSON_IsString(v->users))
            wanted = strstr(v->users->valuestring, user->valuestring) != NULL;
        for (u = cJSON_IsArray(v->users) ? v->users->child : NULL; u != NULL; u = u->next)
            wanted = wanted || (cJSON_IsString(u) && cJSON_IsString(user) &&
                                strcmp(u->valuestring, user->valuestring) == 0);
        if (!wanted) {
            cJSON_Delete(g);
            return true;
        }
        if (cJSON_GetObjectItemCaseSensitive(v->out, user->valuestring) == NULL) {
            cJSON *list = cJSON_CreateArray();

            if (list != NULL)
                js_object_set(v->out, user->valuestring, list);
        }
        if (!cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(v->out, user->valuestring),
                                  g)) {
            cJSON_Delete(g);
            v->failed = true;
            return false;
        }
    }
    v->count++;
    return !(v->limit > 0 && v->limit <= v->count);
}

/* Walks the audit entries from_ms <= time < to_ms, one group per transaction. */
static int walk_transactions(harper_table *t, double from_ms, double to_ms, struct audit_view *v,
                             harper_error *err)
{
    harper_audit_cursor *c = NULL;
    cJSON *group = NULL;
    double group_time = -1;
    const char *json;
    size_t len;
    int rc = harper_audit_open(t, from_ms > 0 ? from_ms : 0, to_ms > 0 ? to_ms : 0, &c, err);

    while (rc == HARPER_OK && !v->failed && (rc = harper_audit_next(c, &json, &len, err)) == 1) {
        cJSON *entry = cJSON_ParseWithLength(json, len);
        const cJSON *time = cJSON_GetObjectItemCaseSensitive(entry, "txn_time");
        double ms = cJSON_IsNumber(time) ? time->valuedouble : 0;

        rc = HARPER_OK;
        if (entry == NULL) {
            v->failed = true;
            break;
        }
        if (group != NULL && ms != group_time) {
            bool more = view_take(v, group);

            group = NULL;
            if (!more) {
                cJSON_Delete(entry);
                break;
            }
        }
        if (group == NULL) {
            group = new_group(entry, false);
            group_time = ms;
        }
        if (group == NULL || !group_add(group, entry))
            v->failed = true;
        cJSON_Delete(entry);
    }
    if (group != NULL && rc == HARPER_OK && !v->failed)
        view_take(v, group);
    else
        cJSON_Delete(group);
    harper_audit_close(c);
    return rc < 0 ? rc : HARPER_OK;
}

/* Whether `key` is a canonical array index ("0", "17"), which JavaScript objects list first,
 * in numeric order. */
static bool js_index_key(const char *key, unsigned long long *value)
{
    char *end;

    if (key[0] == '\0' || (key[0] == '0' && key[1] != '\0') || !isdigit((unsigned char)key[0]))
        return false;
    errno = 0;
    *value = strtoull(key, &end, 10);
    return *end == '\0' && errno == 0 && *value < 4294967295ULL;
}

/* obj[key] = item with JavaScript's key order: an existing key keeps its place, index keys
 * go before all others in numeric order, other keys at the end. */
static void js_object_set(cJSON *obj, const char *key, cJSON *item)
{
    unsigned long long k;
    unsigned long long other;
    cJSON *at;

    if (cJSON_GetObjectItemCaseSensitive(obj, key) != NULL) {
        cJSON_ReplaceItemInObjectCaseSensitive(obj, key, item);
        return;
    }
    if (!js_index_key(key, &k)) {
        cJSON_AddItemToObject(obj, key, item);
        return;
    }
    for (at = obj->child; at != NULL; at = at->next)
        if (!js_index_key(at->string, &other) || other > k)
            break;
    if (at == NULL) {
        cJSON_AddItemToObject(obj, key, item);
        return;
    }
    item->string = strdup(key);
    if (item->string == NULL) {
        cJSON_Delete(item);
        return;
    }
    /* cJSON inserts before the item at an index; find at's index. */
    {
        int index = 0;

        for (cJSON *p = obj->child; p != at; p = p->next)
            index++;
        cJSON_InsertItemInArray(obj, index, item);
    }
}

/* read_audit_log's hash_value view: {"<id>": [one object per write of that record]}. */
static int hash_value_view(harper_table *t, const cJSON *ids, cJSON *out, harper_error *err)
{
    const cJSON *id;
    int rc = HARPER_OK;

    cJSON_ArrayForEach(id, ids) {
        harper_audit_cursor *c = NULL;
        cJSON *list = cJSON_CreateArray();
        const char *json;
        size_t len;
        char *key = cJSON_IsString(id) ? strdup(id->valuestring) : cJSON_PrintUnformatted(id);

        rc = list != NULL && key != NULL ? harper_audit_open(t, 0, 0, &c, err) : HARPER_ENOMEM;
        while (rc == HARPER_OK && (rc = harper_audit_next(c, &json, &len, err)) == 1) {
            cJSON *entry = cJSON_ParseWithLength(json, len);
            cJSON *one;

            rc = HARPER_OK;
            if (entry == NULL || !cJSON_Compare(cJSON_GetObjectItem(entry, "id"), id, 1)) {
                cJSON_Delete(entry);
                continue;
            }
            /* One record's history shows every write as upsert, deletes as delete. */
            one = new_group(entry, true);
            if (one == NULL || !group_add(one, entry) || !cJSON_AddItemToArray(list, one)) {
                cJSON_Delete(one);
                rc = HARPER_ENOMEM;
            }
            cJSON_Delete(entry);
        }
        harper_audit_close(c);
        if (rc == HARPER_OK && key != NULL) {
            js_object_set(out, key, list);
            list = NULL;
        }
        cJSON_Delete(list);
        cJSON_free(key);
        if (rc != HARPER_OK)
            break;
    }
    return rc;
}

void ops_read_transaction_log(const ops_request *req, ops_reply *reply)
{
    char errs[512] = "";
    double from = 0;
    double to = 0;
    double limit = 0;
    struct audit_view v = {0};
    harper_table *t;
    harper_error err;
    const cJSON *p;

    check_string(errs, sizeof errs, param(req, "schema"), "schema", false);
    check_string(errs, sizeof errs, param(req, "database"), "database", false);
    check_string(errs, sizeof errs, param(req, "table"), "table", true);
    if ((p = param(req, "from")) != NULL && !timestamp_value(p, &from))
        add_error(errs, sizeof errs, "'from' %s", not_a_timestamp);
    if ((p = param(req, "to")) != NULL && !timestamp_value(p, &to))
        add_error(errs, sizeof errs, "'to' %s", not_a_timestamp);
    if ((p = param(req, "limit")) != NULL) {
        if (!timestamp_value(p, &limit))
            add_error(errs, sizeof errs, "'limit' must be a number");
        else if (limit < 1)
            add_error(errs, sizeof errs, "'limit' must be greater than or equal to 1");
    }
    if (errs[0] != '\0') {
        ops_reply_error(reply, 400, "%s", errs);
        return;
    }
    if ((t = open_table(req, reply)) == NULL)
        return;
    v.out = cJSON_CreateArray();
    v.limit = limit;
    if (v.out == NULL || walk_transactions(t, from, to, &v, &err) != HARPER_OK || v.failed) {
        cJSON_Delete(v.out);
        ops_reply_harper_error(reply, &err, 500);
    } else {
        ops_reply_json(reply, 200, v.out);
    }
    harper_table_close(t);
}

void ops_read_audit_log(const ops_request *req, ops_reply *reply)
{
    const cJSON *db = param(req, "database");
    const cJSON *type = param(req, "search_type");
    const cJSON *values = param(req, "search_values");
    const char *search = cJSON_IsString(type) ? type->valuestring : "";
    struct audit_view v = {0};
    harper_table *t;
    harper_error err = {0};
    int rc = HARPER_OK;
    bool audit_on;

    /* Harper reads only `schema` here; `database` is accepted as everywhere else. */
    if (db == NULL || cJSON_IsNull(db))
        db = param(req, "schema");
    if (db == NULL || cJSON_IsNull(db)) {
        ops_reply_error(reply, 500, "database is required");
        return;
    }
    if (param(req, "table") == NULL || cJSON_IsNull(param(req, "table"))) {
        ops_reply_error(reply, 500, "table is required");
        return;
    }
    pthread_mutex_lock(&config_lock);
    audit_on = config_bool(req->srv->config, "logging.auditLog", true);
    pthread_mutex_unlock(&config_lock);
    if (!audit_on) {
        ops_reply_error(reply, 400, "To use this operation audit log must be enabled in "
                                    "harperdb-config.yaml");
        return;
    }
    if (!cJSON_IsString(db) || !cJSON_IsString(param(req, "table"))) {
        ops_reply_error(reply, 400, "'%s' must be a string",
                        cJSON_IsString(db) ? "table" : "database");
        return;
    }
    if ((t = open_table(req, reply)) == NULL)
        return;
    if (type != NULL && !cJSON_IsNull(type) && strcmp(search, "hash_value") != 0 &&
        strcmp(search, "timestamp") != 0 && strcmp(search, "username") != 0) {
        char *printed = cJSON_IsString(type) ? NULL : cJSON_PrintUnformatted(type);

        ops_reply_error(reply, 500, "Invalid searchType '%s'",
                        printed != NULL ? printed : type->valuestring);
        cJSON_free(printed);
        harper_table_close(t);
        return;
    }
    if (strcmp(search, "hash_value") == 0) {
        v.out = cJSON_CreateObject();
        if (!cJSON_IsArray(values)) {
            /* Harper's own words for iterating something that is not a list. */
            ops_reply_error(reply, 500, "t.search_values is not iterable");
        } else if (v.out != NULL) {
            rc = hash_value_view(t, values, v.out, &err);
        }
    } else if (strcmp(search, "username") == 0) {
        v.out = cJSON_CreateObject();
        v.users = values;
        if (!cJSON_IsArray(values) && !cJSON_IsString(values))
            ops_reply_error(reply, 500, "Cannot read properties of undefined (reading 'includes')");
        else if (v.out != NULL)
            rc = walk_transactions(t, 0, 0, &v, &err);
    } else {
        double from = 0;
        double to = 0;
        const cJSON *limit = param(req, "limit");

        if (cJSON_IsArray(values)) {
            timestamp_value(cJSON_GetArrayItem(values, 0), &from);
            timestamp_value(cJSON_GetArrayItem(values, 1), &to);
        }
        if (!timestamp_value(limit, &v.limit))
            v.limit = 0;
        v.out = cJSON_CreateArray();
        if (v.out != NULL)
            rc = walk_transactions(t, from, to, &v, &err);
    }
    harper_table_close(t);
    if (reply->body != NULL) {
        cJSON_Delete(v.out);
    } else if (v.out == NULL || v.failed) {
        cJSON_Delete(v.out);
        ops_reply_error(reply, 500, "out of memory");
    } else if (rc != HARPER_OK) {
        cJSON_Delete(v.out);
        ops_reply_harper_error(reply, &err, 500);
    } else {
        ops_reply_json(reply, 200, v.out);
    }
}

/* A version 4 UUID, as Harper's job ids are. */
static void new_uuid(char out[37])
{
    unsigned char b[16] = {0};

    if (getrandom(b, sizeof b, 0) != (ssize_t)sizeof b) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        for (size_t i = 0; i < sizeof b; i++)
            b[i] = (unsigned char)((ts.tv_nsec >> (i % 4 * 8)) ^ (uintptr_t)&ts >> i ^ i * 131);
    }
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80);
    snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
             b[13], b[14], b[15]);
}

/* The name rules of Harper's hdbDatabase/hdbTable validators: a string (non-empty, at most 250
 * characters, no '/' or '`') or a number. */
static void check_job_name(char *errs, size_t size, const cJSON *v, const char *name,
                           bool required)
{
    if (v == NULL) {
        if (required)
            add_error(errs, size, "'%s' is required", name);
        return;
    }
    if (cJSON_IsNumber(v))
        return;
    if (!cJSON_IsString(v)) {
        add_error(errs, size, "'%s' must be one of [string, number]", name);
        return;
    }
    if (v->valuestring[0] == '\0') {
        add_error(errs, size, "'%s' is not allowed to be empty", name);
        return;
    }
    if (strlen(v->valuestring) > 250)
        add_error(errs, size, "'%s' length must be less than or equal to 250 characters long",
                  name);
    if (strpbrk(v->valuestring, "`/") != NULL)
        add_error(errs, size, "'%s' names cannot include backticks or forward slashes", name);
}

/* delete_audit_logs_before and delete_transaction_logs_before: Harper starts a job and answers
 * with its id; the trim here is quick enough to run before the answer, and its failure (a
 * missing table, as in Harper) only reaches the log. */
void ops_delete_audit_logs_before(const ops_request *req, ops_reply *reply)
{
    const cJSON *op = param(req, "operation");
    bool transaction = cJSON_IsString(op) &&
                       strcmp(op->valuestring, "delete_transaction_logs_before") == 0;
    const cJSON *stamp = param(req, "timestamp");
    char errs[512] = "";
    double before = 0;
    char id[37];
    cJSON *body;
    harper_table *t = NULL;
    harper_error err;

    if (transaction) {
        check_string(errs, sizeof errs, param(req, "schema"), "schema", false);
        check_string(errs, sizeof errs, param(req, "database"), "database", false);
        check_string(errs, sizeof errs, param(req, "table"), "table", true);
    } else {
        check_job_name(errs, sizeof errs, param(req, "schema"), "schema", false);
        check_job_name(errs, sizeof errs, param(req, "database"), "database", false);
        check_job_name(errs, sizeof errs, param(req, "table"), "table", true);
    }
    if (stamp == NULL)
        add_error(errs, sizeof errs, "'timestamp' is required");
    else if (!timestamp_value(stamp, &before))
        add_error(errs, sizeof errs, "'timestamp' %s",
                  transaction ? not_a_timestamp : "is invalid");
    if (errs[0] != '\0') {
        ops_reply_error(reply, 400, "%s", errs);
        return;
    }
    if (cJSON_IsString(param(req, "table"))) {
        const cJSON *db = param(req, "database");

        if (db == NULL || cJSON_IsNull(db))
            db = param(req, "schema");
        if (harper_table_open(req->h, cJSON_IsString(db) ? db->valuestring : "data",
                              param(req, "table")->valuestring, &t, &err) == HARPER_OK &&
            harper_audit_delete_before(t, before, &err) < 0)
            slog_write(req->srv->log, SLOG_ERROR, NULL, "delete_audit_logs_before: %s",
                       err.message);
        harper_table_close(t);
    }
    new_uuid(id);
    body = cJSON_CreateObject();
    if (body != NULL) {
        char message[64];

        snprintf(message, sizeof message, "Starting job with id %s", id);
        cJSON_AddStringToObject(body, "message", message);
        cJSON_AddStringToObject(body, "job_id", id);
    }
    ops_reply_json(reply, 200, body);
}

/* ---- system_information ---- */

/* Reads a small file whole into buf (NUL-terminated); false if it cannot be read. */
static bool read_small(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "re");
    size_t n;

    if (f == NULL)
        return false;
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    return true;
}

/* The number after `key` in text (/proc/meminfo, /proc/cpuinfo style), or -1. */
static double field_number(const char *text, const char *key)
{
    const char *p = strstr(text, key);

    if (p == NULL)
        return -1;
    p += strlen(key);
    while (*p == ' ' || *p == '\t' || *p == ':')
        p++;
    return strtod(p, NULL);
}

/* The rest of the line after `key` and its colon, into out. */
static bool field_text(const char *text, const char *key, char *out, size_t size)
{
    const char *p = strstr(text, key);
    size_t n;

    if (p == NULL)
        return false;
    p += strlen(key);
    while (*p == ' ' || *p == '\t' || *p == ':' || *p == '=' || *p == '"')
        p++;
    n = strcspn(p, "\"\n");
    snprintf(out, size, "%.*s", (int)n, p);
    return true;
}

/* Math.round(v * 10^digits) / 10^digits, as systeminformation rounds. */
static double round_to(double v, int digits)
{
    double scale = pow(10, digits);

    return round(v * scale) / scale;
}

static cJSON *section_system(void)
{
    cJSON *o = cJSON_CreateObject();
    char os[4096] = "";
    char text[256];
    struct utsname u;
    bool have_uname = uname(&u) == 0;

    read_small("/etc/os-release", os, sizeof os);
    cJSON_AddStringToObject(o, "platform", "linux");
    cJSON_AddStringToObject(o, "distro", field_text(os, "\nNAME", text, sizeof text) ||
                                                 field_text(os, "NAME", text, sizeof text)
                                             ? text
                                             : "");
    cJSON_AddStringToObject(o, "release", field_text(os, "VERSION_ID", text, sizeof text) ? text
                                                                                         : "");
    cJSON_AddStringToObject(o, "codename",
                            field_text(os, "VERSION_CODENAME", text, sizeof text) ? text : "");
    cJSON_AddStringToObject(o, "kernel", have_uname ? u.release : "");
    /* Node's names for the machine. */
    cJSON_AddStringToObject(o, "arch", !have_uname                          ? ""
                                       : strcmp(u.machine, "x86_64") == 0  ? "x64"
                                       : strcmp(u.machine, "aarch64") == 0 ? "arm64"
                                                                           : u.machine);
    cJSON_AddStringToObject(o, "hostname", have_uname ? u.nodename : "");
    cJSON_AddStringToObject(o, "fqdn", have_uname ? u.nodename : "");
    return o;
}

/* The IANA name of the local time zone, as Intl reports it. */
static void zone_name(char *out, size_t size)
{
    const char *tz = getenv("TZ");
    char link[512];
    ssize_t n;

    if (tz != NULL && tz[0] != '\0') {
        snprintf(out, size, "%s", tz[0] == ':' ? tz + 1 : tz);
        return;
    }
    n = readlink("/etc/localtime", link, sizeof link - 1);
    if (n > 0) {
        const char *z;

        link[n] = '\0';
        z = strstr(link, "zoneinfo/");
        snprintf(out, size, "%s", z != NULL ? z + 9 : "Etc/UTC");
        return;
    }
    if (read_small("/etc/timezone", out, size)) {
        out[strcspn(out, "\n")] = '\0';
        return;
    }
    snprintf(out, size, "Etc/UTC");
}

static cJSON *section_time(void)
{
    cJSON *o = cJSON_CreateObject();
    struct timespec ts;
    struct tm tm;
    char uptime[64] = "0";
    char zone[128];
    char offset[32];
    int off;

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    read_small("/proc/uptime", uptime, sizeof uptime);
    off = (int)(tm.tm_gmtoff / 60);
    snprintf(offset, sizeof offset, "UTC%c%02d%02d", off < 0 ? '-' : '+', abs(off) / 60 % 100,
             abs(off) % 60);
    zone_name(zone, sizeof zone);
    cJSON_AddNumberToObject(o, "current", (double)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    cJSON_AddNumberToObject(o, "uptime", round_to(strtod(uptime, NULL), 2));
    cJSON_AddStringToObject(o, "timezone", offset);
    cJSON_AddStringToObject(o, "timezoneName", zone);
    return o;
}

/* CPU times of "cpu" and each "cpuN" of /proc/stat, in milliseconds: user, nice, system, idle,
 * irq (the fields Node's os.cpus() reports, which Harper's load figures come from). */
#define MAX_CPUS 256
struct cpu_times {
    int n;                          /* rows: [0] all CPUs, [1..n-1] each */
    double t[MAX_CPUS + 1][5];
};

static void read_cpu_times(struct cpu_times *c)
{
    FILE *f = fopen("/proc/stat", "re");
    char line[512];
    double ms = 1000.0 / (double)sysconf(_SC_CLK_TCK);

    c->n = 0;
    while (f != NULL && c->n <= MAX_CPUS && fgets(line, sizeof line, f) != NULL) {
        double user, nice, sys, idle, iowait, irq;

        if (strncmp(line, "cpu", 3) != 0)
            break;
        if (sscanf(line + strcspn(line, " "), "%lf %lf %lf %lf %lf %lf", &user, &nice, &sys,
                   &idle, &iowait, &irq) != 6)
            continue;
        c->t[c->n][0] = user * ms;
        c->t[c->n][1] = nice * ms;
        c->t[c->n][2] = sys * ms;
        c->t[c->n][3] = idle * ms;
        c->t[c->n][4] = irq * ms;
        c->n++;
    }
    if (f != NULL)
        fclose(f);
}

/* systeminformation measures load since its previous call (since boot on the first). */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cpu_times load_prev;

/* The figures of one CPU (or all, `all`) since `prev`, in systeminformation's key order. */
static void add_load(cJSON *o, const double *now, const double *prev, bool all)
{
    /* Indexes into the times: user, system, nice, idle, irq. */
    static const int order[5] = {0, 2, 1, 3, 4};
    static const char *const pct[2][5] = {
        {"loadUser", "loadSystem", "loadNice", "loadIdle", "loadIrq"},
        {"currentLoadUser", "currentLoadSystem", "currentLoadNice", "currentLoadIdle",
         "currentLoadIrq"}};
    static const char *const raw[5] = {"rawCurrentLoadUser", "rawCurrentLoadSystem",
                                       "rawCurrentLoadNice", "rawCurrentLoadIdle",
                                       "rawCurrentLoadIrq"};
    double d[5];
    double total = 0;

    for (int i = 0; i < 5; i++) {
        d[i] = now[i] - (prev != NULL ? prev[i] : 0);
        total += d[i];
    }
    if (total <= 0)
        total = 1;
    cJSON_AddNumberToObject(o, all ? "currentLoad" : "load", (total - d[3]) / total * 100);
    for (int i = 0; i < 5; i++)
        cJSON_AddNumberToObject(o, pct[all][i], d[order[i]] / total * 100);
    cJSON_AddNumberToObject(o, all ? "currentLoadSteal" : "loadSteal", 0);
    cJSON_AddNumberToObject(o, all ? "currentLoadGuest" : "loadGuest", 0);
    if (all) {
        cJSON_AddNumberToObject(o, "rawCurrentLoad", total - d[3]);
        for (int i = 0; i < 5; i++)
            cJSON_AddNumberToObject(o, raw[i], d[order[i]]);
        cJSON_AddNumberToObject(o, "rawCurrentLoadSteal", 0);
        cJSON_AddNumberToObject(o, "rawCurrentLoadGuest", 0);
    } else {
        cJSON_AddNumberToObject(o, "rawLoadSteal", 0);
        cJSON_AddNumberToObject(o, "rawLoadGuest", 0);
    }
}

static cJSON *current_load(int n_cpus)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *cpus = cJSON_CreateArray();
    struct cpu_times *now = malloc(sizeof *now);
    double loadavg[1] = {0};

    if (o == NULL || cpus == NULL || now == NULL) {
        cJSON_Delete(cpus);
        free(now);
        return o;
    }
    read_cpu_times(now);
    getloadavg(loadavg, 1);
    cJSON_AddNumberToObject(o, "avgLoad", round_to(loadavg[0] / (n_cpus > 0 ? n_cpus : 1), 2));
    pthread_mutex_lock(&load_lock);
    for (int i = 0; i < now->n; i++) {
        const double *prev = i < load_prev.n ? load_prev.t[i] : NULL;

        if (i == 0) {
            add_load(o, now->t[0], prev, true);
        } else {
            cJSON *one = cJSON_CreateObject();

            add_load(one, now->t[i], prev, false);
            cJSON_AddItemToArray(cpus, one);
        }
    }
    load_prev = *now;
    pthread_mutex_unlock(&load_lock);
    cJSON_AddItemToObject(o, "cpus", cpus);
    free(now);
    return o;
}

/* "Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz" -> "Xeon® Gold 6148", systeminformation's brand. */
static void cpu_brand(const char *model, const char *maker, char *out, size_t size)
{
    char buf[256];
    char *p;
    size_t w = 0;

    for (const char *s = model; *s != '\0' && w + 4 < sizeof buf; s++) {
        if (strncmp(s, "(R)", 3) == 0 || strncmp(s, "(r)", 3) == 0) {
            w += (size_t)snprintf(buf + w, sizeof buf - w, "\u00ae");
            s += 2;
        } else if (strncmp(s, "(TM)", 4) == 0 || strncmp(s, "(tm)", 4) == 0) {
            w += (size_t)snprintf(buf + w, sizeof buf - w, "\u2122");
            s += 3;
        } else {
            buf[w++] = *s;
        }
    }
    buf[w] = '\0';
    if ((p = strstr(buf, " @")) != NULL)
        *p = '\0';
    if ((p = strstr(buf, " CPU")) != NULL && (p[4] == '\0' || p[4] == ' '))
        memmove(p, p + 4, strlen(p + 4) + 1);
    p = buf;
    if (strncmp(p, maker, strlen(maker)) == 0) {
        p += strlen(maker);
        if (strncmp(p, "\u00ae", 2) == 0)
            p += 2;
    }
    while (*p == ' ')
        p++;
    snprintf(out, size, "%s", p);
}

static cJSON *section_cpu(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *speed = cJSON_CreateObject();
    cJSON *cores = cJSON_CreateArray();
    char *info = malloc(1 << 20);
    char vendor[64] = "";
    char model[256] = "";
    char brand[256] = "";
    char flags[4096] = "";
    const char *maker;
    int n_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    int physical = 0;
    int sockets = 0;
    double mhz_min = 0, mhz_max = 0, mhz_sum = 0;
    int n_mhz = 0;
    char seen_core[1024] = ",";
    char seen_socket[256] = ",";

    if (o == NULL || speed == NULL || cores == NULL || info == NULL) {
        cJSON_Delete(o);
        cJSON_Delete(speed);
        cJSON_Delete(cores);
        free(info);
        return NULL;
    }
    if (!read_small("/proc/cpuinfo", info, 1 << 20))
        info[0] = '\0';
    field_text(info, "vendor_id", vendor, sizeof vendor);
    field_text(info, "model name", model, sizeof model);
    field_text(info, "flags", flags, sizeof flags);
    maker = strcmp(vendor, "GenuineIntel") == 0   ? "Intel"
            : strcmp(vendor, "AuthenticAMD") == 0 ? "AMD"
                                                  : vendor;
    cpu_brand(model, maker, brand, sizeof brand);
    /* One block per logical CPU: its speed, and which core and socket it belongs to. */
    for (char *block = info; *block != '\0';) {
        char *next = strstr(block, "\n\n");
        double mhz;
        double core_id;
        double phys_id;
        char key[64];

        if (next != NULL)
            *next = '\0';
        mhz = field_number(block, "cpu MHz");
        core_id = field_number(block, "core id");
        phys_id = field_number(block, "physical id");
        if (mhz >= 0) {
            mhz_min = n_mhz == 0 || mhz < mhz_min ? mhz : mhz_min;
            mhz_max = mhz > mhz_max ? mhz : mhz_max;
            mhz_sum += mhz;
            n_mhz++;
            cJSON_AddItemToArray(cores, cJSON_CreateNumber(round_to(mhz / 1000, 2)));
        }
        snprintf(key, sizeof key, "%g:%g,", phys_id, core_id);
        if (strstr(seen_core, key) == NULL && strlen(seen_core) + strlen(key) < sizeof seen_core) {
            strcat(seen_core, key);
            physical++;
        }
        snprintf(key, sizeof key, "%g,", phys_id);
        if (strstr(seen_socket, key) == NULL &&
            strlen(seen_socket) + strlen(key) < sizeof seen_socket) {
            strcat(seen_socket, key);
            sockets++;
        }
        if (next == NULL)
            break;
        block = next + 2;
    }
    cJSON_AddStringToObject(o, "manufacturer", maker);
    cJSON_AddStringToObject(o, "brand", brand);
    cJSON_AddStringToObject(o, "vendor", maker);
    cJSON_AddNumberToObject(o, "speed", n_mhz > 0 ? round_to(mhz_sum / n_mhz / 1000, 2) : 0);
    cJSON_AddNullToObject(o, "speedMin");
    cJSON_AddNullToObject(o, "speedMax");
    cJSON_AddNumberToObject(o, "cores", n_cpus);
    cJSON_AddNumberToObject(o, "physicalCores", physical > 0 ? physical : n_cpus);
    cJSON_AddNumberToObject(o, "performanceCores", physical > 0 ? physical : n_cpus);
    cJSON_AddNumberToObject(o, "efficiencyCores", 0);
    cJSON_AddNumberToObject(o, "processors", sockets > 0 ? sockets : 1);
    cJSON_AddStringToObject(o, "flags", flags);
    cJSON_AddBoolToObject(o, "virtualization",
                          strstr(flags, " vmx") != NULL || strstr(flags, " svm") != NULL);
    cJSON_AddNumberToObject(speed, "min", round_to(mhz_min / 1000, 2));
    cJSON_AddNumberToObject(speed, "max", round_to(mhz_max / 1000, 2));
    cJSON_AddNumberToObject(speed, "avg", n_mhz > 0 ? round_to(mhz_sum / n_mhz / 1000, 2) : 0);
    cJSON_AddItemToObject(speed, "cores", cores);
    cJSON_AddItemToObject(o, "cpu_speed", speed);
    cJSON_AddItemToObject(o, "current_load", current_load(n_cpus));
    free(info);
    return o;
}

static cJSON *section_memory(void)
{
    static const struct {
        const char *name;
        const char *key;
    } direct[] = {{"total", "MemTotal:"}, {"free", "MemFree:"}};
    cJSON *o = cJSON_CreateObject();
    char info[8192] = "";
    char statm[128] = "";
    double total;
    double swap_total;
    double swap_free;
    long page = sysconf(_SC_PAGESIZE);
    long vsz_pages = 0;
    long rss_pages = 0;
    struct mallinfo2 heap = mallinfo2();

    read_small("/proc/meminfo", info, sizeof info);
    read_small("/proc/self/statm", statm, sizeof statm);
    sscanf(statm, "%ld %ld", &vsz_pages, &rss_pages);
    for (size_t i = 0; i < sizeof direct / sizeof direct[0]; i++)
        cJSON_AddNumberToObject(o, direct[i].name, field_number(info, direct[i].key) * 1024);
    total = field_number(info, "MemTotal:") * 1024;
    swap_total = field_number(info, "SwapTotal:") * 1024;
    swap_free = field_number(info, "SwapFree:") * 1024;
    cJSON_AddNumberToObject(o, "used", total - field_number(info, "MemFree:") * 1024);
    cJSON_AddNumberToObject(o, "active", total - field_number(info, "MemAvailable:") * 1024);
    cJSON_AddNumberToObject(o, "available", field_number(info, "MemAvailable:") * 1024);
    cJSON_AddNumberToObject(o, "reclaimable", field_number(info, "SReclaimable:") * 1024);
    cJSON_AddNumberToObject(o, "swaptotal", swap_total);
    cJSON_AddNumberToObject(o, "swapused", swap_total - swap_free);
    cJSON_AddNumberToObject(o, "swapfree", swap_free);
    cJSON_AddNumberToObject(o, "writeback", field_number(info, "Writeback:") * 1024);
    cJSON_AddNumberToObject(o, "dirty", field_number(info, "Dirty:") * 1024);
    /* Node's process.memoryUsage(), from our process: the heap is malloc's. */
    cJSON_AddNumberToObject(o, "rss", (double)rss_pages * (double)page);
    cJSON_AddNumberToObject(o, "heapTotal", (double)heap.arena + (double)heap.hblkhd);
    cJSON_AddNumberToObject(o, "heapUsed", (double)heap.uordblks + (double)heap.hblkhd);
    cJSON_AddNumberToObject(o, "external", 0);
    cJSON_AddNumberToObject(o, "arrayBuffers", 0);
    return o;
}

/* The disk and network sections are opt-in in Harper (operationsApi.sysInfo.*) and off by
 * default; these are its answers when off. */
static cJSON *section_network(void)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNullToObject(o, "default_interface");
    cJSON_AddItemToObject(o, "latency", cJSON_CreateObject());
    cJSON_AddItemToObject(o, "interfaces", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "stats", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "connections", cJSON_CreateArray());
    return o;
}

/* Our own process, in the shape of systeminformation's processes() entries. */
static cJSON *section_processes(void)
{
    static const char states[] = "RSDZTtWX";
    static const char *const state_names[] = {"running", "sleeping", "blocked", "zombie",
                                              "stopped", "stopped", "paging", "dead"};
    cJSON *o = cJSON_CreateObject();
    cJSON *core = cJSON_CreateArray();
    cJSON *p = cJSON_CreateObject();
    char stat[2048] = "";
    char comm[64] = "";
    char cmdline[4096] = "";
    char mem[8192] = "";
    char pstat[4096] = "";
    char *after;
    char state = '?';
    long ppid = 0, prio = 0, nice = 0;
    unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
    long rss = 0;
    double tck = (double)sysconf(_SC_CLK_TCK);
    double btime;
    double up;
    double elapsed;
    char uptime[64] = "0";
    char started[32] = "";
    char user[64] = "";
    struct passwd pw;
    struct passwd *pwp = NULL;
    char pwbuf[1024];
    FILE *f;
    size_t cmd_len = 0;
    const char *exe;
    const char *slash;
    char path[4096];
    char command[4096];

    read_small("/proc/self/stat", stat, sizeof stat);
    read_small("/proc/meminfo", mem, sizeof mem);
    read_small("/proc/uptime", uptime, sizeof uptime);
    read_small("/proc/stat", pstat, sizeof pstat);
    /* The name is in parentheses and may hold spaces: parse after the last ')'. */
    after = strrchr(stat, ')');
    if (after != NULL) {
        char *open = strchr(stat, '(');

        snprintf(comm, sizeof comm, "%.*s", open != NULL ? (int)(after - open - 1) : 0,
                 open != NULL ? open + 1 : "");
        sscanf(after + 2,
               "%c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %ld %ld %*d %*d "
               "%llu %llu %ld",
               &state, &ppid, &utime, &stime, &prio, &nice, &start, &vsize, &rss);
    }
    f = fopen("/proc/self/cmdline", "re");
    if (f != NULL) {
        cmd_len = fread(cmdline, 1, sizeof cmdline - 1, f);
        fclose(f);
    }
    cmdline[cmd_len] = '\0';
    exe = cmdline;
    slash = strrchr(exe, '/');
    snprintf(command, sizeof command, "%s", slash != NULL ? slash + 1 : exe);
    /* The folder of the program, absolute whatever the command line said. */
    {
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);

        path[n > 0 ? n : 0] = '\0';
        if (strrchr(path, '/') != NULL)
            *strrchr(path, '/') = '\0';
    }
    for (size_t i = strlen(exe) + 1; i < cmd_len; i += strlen(cmdline + i) + 1)
        snprintf(command + strlen(command), sizeof command - strlen(command), " %s", cmdline + i);
    btime = field_number(pstat, "btime");
    up = strtod(uptime, NULL);
    elapsed = up - (double)start / tck;
    if (elapsed <= 0)
        elapsed = 1;
    {
        time_t t = (time_t)(btime + (double)start / tck);
        struct tm tm;

        localtime_r(&t, &tm);
        strftime(started, sizeof started, "%Y-%m-%d %H:%M:%S", &tm);
    }
    if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf, &pwp) == 0 && pwp != NULL)
        snprintf(user, sizeof user, "%s", pw.pw_name);
    cJSON_AddNumberToObject(p, "pid", getpid());
    cJSON_AddNumberToObject(p, "parentPid", (double)ppid);
    cJSON_AddStringToObject(p, "name", comm);
    cJSON_AddNumberToObject(p, "cpu", (double)(utime + stime) / tck / elapsed * 100);
    cJSON_AddNumberToObject(p, "cpuu", (double)utime / tck / elapsed * 100);
    cJSON_AddNumberToObject(p, "cpus", (double)stime / tck / elapsed * 100);
    cJSON_AddNumberToObject(p, "mem", round_to((double)rss * (double)sysconf(_SC_PAGESIZE) /
                                                   (field_number(mem, "MemTotal:") * 1024) * 100,
                                               1));
    cJSON_AddNumberToObject(p, "priority", (double)prio);
    cJSON_AddNumberToObject(p, "memVsz", (double)vsize / 1024);
    cJSON_AddNumberToObject(p, "memRss", (double)rss * (double)sysconf(_SC_PAGESIZE) / 1024);
    cJSON_AddNumberToObject(p, "nice", (double)nice);
    cJSON_AddStringToObject(p, "started", started);
    cJSON_AddStringToObject(p, "state", strchr(states, state) != NULL && state != '\0'
                                            ? state_names[strchr(states, state) - states]
                                            : "unknown");
    cJSON_AddStringToObject(p, "tty", "");
    cJSON_AddStringToObject(p, "user", user);
    cJSON_AddStringToObject(p, "command", command);
    cJSON_AddStringToObject(p, "params", "");
    cJSON_AddStringToObject(p, "path", path);
    cJSON_AddItemToArray(core, p);
    cJSON_AddItemToObject(o, "core", core);
    cJSON_AddItemToObject(o, "clustering", cJSON_CreateArray());
    return o;
}

/* table_size and metrics, both from one describe_all: Harper's shapes, with RocksDB-neutral
 * counters only (LMDB's page statistics have no equivalent here). */
static cJSON *section_tables(const ops_request *req, bool metrics)
{
    cJSON *out = metrics ? cJSON_CreateObject() : cJSON_CreateArray();
    char *json = NULL;
    size_t len = 0;
    cJSON *all = NULL;
    const cJSON *db;
    harper_error err;

    if (harper_describe_all(req->h, 0, &json, &len, &err) == HARPER_OK)
        all = cJSON_ParseWithLength(json, len);
    harper_free(json);
    cJSON_ArrayForEach(db, all) {
        const cJSON *t;
        cJSON *tables = NULL;

        if (metrics) {
            cJSON *entry = cJSON_AddObjectToObject(out, db->string);

            tables = entry != NULL ? cJSON_AddObjectToObject(entry, "tables") : NULL;
        }
        cJSON_ArrayForEach(t, db) {
            const cJSON *count = cJSON_GetObjectItemCaseSensitive(t, "record_count");
            const cJSON *size = cJSON_GetObjectItemCaseSensitive(t, "table_size");
            cJSON *row = cJSON_CreateObject();

            if (metrics) {
                cJSON_AddNumberToObject(row, "entryCount", cJSON_GetNumberValue(count));
                cJSON_AddItemToObject(tables, t->string, row);
                continue;
            }
            cJSON_AddStringToObject(row, "schema", db->string);
            cJSON_AddStringToObject(row, "table", t->string);
            cJSON_AddNumberToObject(row, "table_size", cJSON_IsNumber(size) ? size->valuedouble
                                                                           : 0);
            cJSON_AddNumberToObject(row, "record_count",
                                    cJSON_IsNumber(count) ? count->valuedouble : 0);
            cJSON_AddNumberToObject(row, "transaction_log_size", 0);
            cJSON_AddNumberToObject(row, "transaction_log_record_count", 0);
            cJSON_AddItemToArray(out, row);
        }
    }
    cJSON_Delete(all);
    return out;
}

/* Each section in the order Harper's SystemInformationObject declares it; the ones it does
 * not declare follow in the order asked. */
static const char *const fixed_sections[] = {"system", "time", "cpu", "memory", "disk",
                                             "network", "harperdb_processes"};
static const char *const later_sections[] = {"table_size", "metrics", "threads"};

static cJSON *section(const ops_request *req, const char *name)
{
    if (strcmp(name, "system") == 0)
        return section_system();
    if (strcmp(name, "time") == 0)
        return section_time();
    if (strcmp(name, "cpu") == 0)
        return section_cpu();
    if (strcmp(name, "memory") == 0)
        return section_memory();
    if (strcmp(name, "disk") == 0)
        return cJSON_CreateObject();
    if (strcmp(name, "network") == 0)
        return section_network();
    if (strcmp(name, "harperdb_processes") == 0)
        return section_processes();
    if (strcmp(name, "table_size") == 0 || strcmp(name, "metrics") == 0)
        return section_tables(req, name[0] == 'm');
    return cJSON_CreateArray();     /* threads: ours are not Node workers with heaps */
}

static bool asked(const cJSON *list, const char *name)
{
    const cJSON *item;

    cJSON_ArrayForEach(item, list) {
        const char *s = cJSON_GetStringValue(item);

        if (s != NULL && (strcmp(s, name) == 0 ||
                          (strcmp(name, "metrics") == 0 && strcmp(s, "database_metrics") == 0)))
            return true;
    }
    return false;
}

void ops_system_information(const ops_request *req, ops_reply *reply)
{
    const cJSON *list = param(req, "attributes");
    bool all = !cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0;
    cJSON *out = cJSON_CreateObject();
    const cJSON *item;

    for (size_t i = 0; out != NULL && i < sizeof fixed_sections / sizeof fixed_sections[0]; i++)
        if (all || asked(list, fixed_sections[i]))
            cJSON_AddItemToObject(out, fixed_sections[i], section(req, fixed_sections[i]));
    if (all) {
        for (size_t i = 0; out != NULL && i < sizeof later_sections / sizeof later_sections[0];
             i++)
            cJSON_AddItemToObject(out, later_sections[i], section(req, later_sections[i]));
    } else {
        cJSON_ArrayForEach(item, list) {
            const char *s = cJSON_GetStringValue(item);
            const char *name = s != NULL && strcmp(s, "database_metrics") == 0 ? "metrics" : s;

            if (name == NULL || out == NULL || cJSON_GetObjectItemCaseSensitive(out, name))
                continue;
            for (size_t i = 0; i < sizeof later_sections / sizeof later_sections[0]; i++)
                if (strcmp(name, later_sections[i]) == 0)
                    cJSON_AddItemToObject(out, name, section(req, name));
        }
    }
    ops_reply_json(reply, 200, out);
}
