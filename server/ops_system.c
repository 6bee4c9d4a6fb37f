/* ops_system.c: the super-user operations about the server itself (spec/operations-api.md
 * section 14): configuration, the log and the audit (transaction) log. The log is slog.c's,
 * the configuration config.c's, the audit entries libharper's; system_information is
 * sysinfo.c's. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
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

static void check_string(char *errs, size_t size, const cJSON *v, const char *name, bool required)
{
    if (v == NULL) {
        if (required)
            harper__join(errs, size, "'%s' is required", name);
    } else if (!cJSON_IsString(v)) {
        harper__join(errs, size, "'%s' must be a string", name);
    } else if (v->valuestring[0] == '\0') {
        harper__join(errs, size, "'%s' is not allowed to be empty", name);
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
        harper__join(errs, sizeof errs, "'from' %s", not_a_timestamp);
    if ((p = param(req, "to")) != NULL && !timestamp_value(p, &to))
        harper__join(errs, sizeof errs, "'to' %s", not_a_timestamp);
    if ((p = param(req, "limit")) != NULL) {
        if (!timestamp_value(p, &limit))
            harper__join(errs, sizeof errs, "'limit' must be a number");
        else if (limit < 1)
            harper__join(errs, sizeof errs, "'limit' must be greater than or equal to 1");
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
            harper__join(errs, size, "'%s' is required", name);
        return;
    }
    if (cJSON_IsNumber(v))
        return;
    if (!cJSON_IsString(v)) {
        harper__join(errs, size, "'%s' must be one of [string, number]", name);
        return;
    }
    if (v->valuestring[0] == '\0') {
        harper__join(errs, size, "'%s' is not allowed to be empty", name);
        return;
    }
    if (strlen(v->valuestring) > 250)
        harper__join(errs, size, "'%s' length must be less than or equal to 250 characters long",
                  name);
    if (strpbrk(v->valuestring, "`/") != NULL)
        harper__join(errs, size, "'%s' names cannot include backticks or forward slashes", name);
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
        harper__join(errs, sizeof errs, "'timestamp' is required");
    else if (!timestamp_value(stamp, &before))
        harper__join(errs, sizeof errs, "'timestamp' %s",
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
