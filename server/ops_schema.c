/* ops_schema.c: databases, tables and attributes (spec/operations-api.md sections 7.1-7.9):
 * Harper's parameter checks and their exact messages, the legacy aliases (schema,
 * hash_attribute), the protected `system` database, and the describe operations. The work
 * and the describe objects themselves are libharper's; this file only speaks Harper's
 * Operations API around them. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "config.h"
#include "json.h"
#include "ops.h"
#include "server.h"

#define MAX_NAME_LEN 250

static const char system_protected[] =
    "The 'system' database, tables and records are used internally by HarperDB and cannot be "
    "updated or removed.";

/* ---- Harper's parameter rules ---- */

/* Validation messages, joined with ". " as Harper's Joi schemas report them. */
typedef struct errors {
    char text[1024];
} errors;

/* Answers 400 with the collected messages; false when there were none. */
static bool errors_reply(const errors *e, ops_reply *reply)
{
    if (e->text[0] == '\0')
        return false;
    ops_reply_error(reply, 400, "%s", e->text);
    return true;
}

/* JavaScript's truthiness, which Harper applies to most optional flags. */
static bool js_truthy(const cJSON *v)
{
    if (v == NULL || cJSON_IsNull(v) || cJSON_IsFalse(v))
        return false;
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0 && !isnan(v->valuedouble);
    if (cJSON_IsString(v))
        return v->valuestring[0] != '\0';
    return true;
}

/* Length as JavaScript counts it (UTF-16 units), which Joi's max() compares. */
static size_t js_length(const char *s)
{
    size_t n = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p & 0xC0) != 0x80)
            n++;
        if (*p >= 0xF0)
            n++;    /* outside the BMP: a surrogate pair */
    }
    return n;
}

/* Harper's name pattern /^[\x20-\x2E|\x30-\x5F|\x61-\x7E]*$/: printable ASCII without '/'
 * and '`' (so no control characters and nothing outside ASCII either). */
static bool name_chars_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p < 0x20 || *p > 0x7E || *p == '/' || *p == '`')
            return false;
    return true;
}

enum {
    RULE_REQUIRED = 1,  /* absent: "'x' is required" */
    RULE_NAME = 2       /* at most 250 characters of the name pattern */
};

/* Checks value `v` (NULL when absent) of the string parameter labelled `label` as Joi's
 * string() would, with `rules`. */
static void check_string(errors *e, const cJSON *v, const char *label, int rules)
{
    if (v == NULL) {
        if (rules & RULE_REQUIRED)
            harper__join(e->text, sizeof e->text, "'%s' is required", label);
        return;
    }
    if (!cJSON_IsString(v)) {
        harper__join(e->text, sizeof e->text, "'%s' must be a string", label);
        return;
    }
    if (v->valuestring[0] == '\0') {
        harper__join(e->text, sizeof e->text, "'%s' is not allowed to be empty", label);
        return;
    }
    if (!(rules & RULE_NAME))
        return;
    if (js_length(v->valuestring) > MAX_NAME_LEN)
        harper__join(e->text, sizeof e->text,
                     "'%s' length must be less than or equal to %d characters long", label,
                     MAX_NAME_LEN);
    if (!name_chars_ok(v->valuestring))
        harper__join(e->text, sizeof e->text,
                     "'%s' names cannot include backticks or forward slashes", label);
}

/* Joi's boolean().strict(). */
static void check_bool(errors *e, const cJSON *body, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, name);

    if (v != NULL && !cJSON_IsBool(v))
        harper__join(e->text, sizeof e->text, "'%s' must be a boolean", name);
}

static const cJSON *param(const ops_request *req, const char *name)
{
    return cJSON_GetObjectItemCaseSensitive(req->body, name);
}

/* A parameter value as JavaScript's String() would give it (for names sent as numbers). */
static void js_text(const cJSON *v, char *out, size_t size)
{
    harper__buf b = HARPER__BUF_INIT;

    if (cJSON_IsString(v)) {
        snprintf(out, size, "%s", v->valuestring);
        return;
    }
    if (cJSON_IsNumber(v))
        harper__json_number(&b, v->valuedouble);
    else if (cJSON_IsBool(v))
        harper__buf_str(&b, cJSON_IsTrue(v) ? "true" : "false");
    else
        harper__buf_str(&b, "null");
    snprintf(out, size, "%.*s", b.failed ? 0 : (int)b.len, b.data != NULL ? b.data : "");
    harper__buf_free(&b);
}

/* Harper's transformReq: the `schema` an operation ends up with is `database` when that is
 * truthy, else `schema` as sent when that is truthy, else "data". */
static const cJSON *transformed_schema(const ops_request *req)
{
    const cJSON *db = param(req, "database");
    const cJSON *schema = param(req, "schema");

    if (js_truthy(db))
        return db;
    if (js_truthy(schema))
        return schema;
    return NULL;    /* "data" */
}

/* The database name an operation works on, in `out`. */
static void database_name(const ops_request *req, char *out, size_t size)
{
    const cJSON *v = transformed_schema(req);

    if (v == NULL)
        snprintf(out, size, "data");
    else
        js_text(v, out, size);
}

/* Writes aimed at `system` are refused for everyone (spec section 3.4); Harper's check reads
 * `schema` before `database`. */
static bool refuse_system(const ops_request *req, ops_reply *reply)
{
    const cJSON *v = param(req, "schema");

    if (v == NULL || cJSON_IsNull(v))
        v = param(req, "database");
    if (cJSON_IsString(v) && strcmp(v->valuestring, "system") == 0) {
        ops_reply_error(reply, 403, "%s", system_protected);
        return true;
    }
    return false;
}

/* Non-super users may not look inside `system` (spec section 3.3). */
static bool refuse_system_describe(const ops_request *req, const char *db, ops_reply *reply)
{
    cJSON *body;
    cJSON *denied;
    char text[160];

    if (req->super_user || strcmp(db, "system") != 0)
        return false;
    body = cJSON_CreateObject();
    denied = cJSON_CreateArray();
    snprintf(text, sizeof text,
             "Your role does not have permission to view database metadata for '%s'", db);
    if (body != NULL && denied != NULL) {
        cJSON_AddStringToObject(body, "error",
                                "This operation is not authorized due to role restrictions "
                                "and/or invalid database items");
        cJSON_AddItemToArray(denied, cJSON_CreateString(text));
        cJSON_AddItemToObject(body, "unauthorized_access", denied);
        denied = NULL;
        cJSON_AddItemToObject(body, "invalid_schema_items", cJSON_CreateArray());
    }
    cJSON_Delete(denied);
    ops_reply_json(reply, 403, body);
    return true;
}

/* {"message": text} plus "replicated": [] when the caller asked for replication: this node
 * has no peers, so there is nobody to report on. */
static void reply_dropped(const ops_request *req, ops_reply *reply, const char *text)
{
    cJSON *body = cJSON_CreateObject();

    if (body != NULL) {
        cJSON_AddStringToObject(body, "message", text);
        if (js_truthy(param(req, "replicated")))
            cJSON_AddItemToObject(body, "replicated", cJSON_CreateArray());
    }
    ops_reply_json(reply, 200, body);
}

/* Whether database `db` exists; if not, Harper's 404. Names Harper could never have created
 * (the library refuses them outright) are simply not found, as in Harper. */
static bool database_found(const ops_request *req, const char *db, ops_reply *reply)
{
    if (harper_db_exists(req->h, db))
        return true;
    ops_reply_error(reply, 404, "database '%s' does not exist", db);
    return false;
}

/* Opens db.table, or answers Harper's 404 for the database or the table. */
static harper_table *open_table(const ops_request *req, const char *db, const char *table,
                                ops_reply *reply)
{
    harper_table *t = NULL;
    harper_error err;
    int rc;

    if (!database_found(req, db, reply))
        return NULL;
    rc = harper_table_open(req->h, db, table, &t, &err);
    if (rc == HARPER_EINVAL)
        ops_reply_error(reply, 404, "Table '%s.%s' does not exist", db, table);
    else if (rc != HARPER_OK)
        ops_reply_harper_error(reply, &err, 404);
    return rc == HARPER_OK ? t : NULL;
}

/* ---- databases ---- */

void ops_create_database(const ops_request *req, ops_reply *reply)
{
    errors e = {""};
    char db[512];
    harper_error err;

    /* Harper checks what was sent, then derives the name. */
    check_string(&e, param(req, "database"), "database", RULE_NAME);
    check_string(&e, param(req, "schema"), "schema", RULE_NAME);
    if (errors_reply(&e, reply))
        return;
    database_name(req, db, sizeof db);
    if (harper_db_create(req->h, db, &err) != HARPER_OK) {
        ops_reply_harper_error(reply, &err, 400);
        return;
    }
    ops_reply_message(reply, "database '%s' successfully created", db);
}

void ops_drop_database(const ops_request *req, ops_reply *reply)
{
    const cJSON *db_param = param(req, "database");
    const cJSON *schema_param = param(req, "schema");
    errors e = {""};
    char db[512];
    char text[600];
    harper_error err;
    int rc;

    check_string(&e, db_param, "database", 0);
    check_string(&e, schema_param, "schema", 0);
    if (db_param == NULL && schema_param == NULL)
        harper__join(e.text, sizeof e.text, "'database' is required");
    if (errors_reply(&e, reply))
        return;
    if (refuse_system(req, reply))
        return;
    database_name(req, db, sizeof db);
    /* Harper looks the name up before anything else: a name it could never have created is
     * simply not there. */
    if (!database_found(req, db, reply))
        return;
    /* A request in flight may hold the database open for a moment: wait it out (5 s). */
    for (int tries = 0;; tries++) {
        struct timespec pause = {0, 10 * 1000 * 1000};

        rc = harper_db_drop(req->h, db, &err);
        if (rc != HARPER_EBUSY || tries >= 500)
            break;
        nanosleep(&pause, NULL);
    }
    if (rc != HARPER_OK) {
        ops_reply_harper_error(reply, &err, 404);
        return;
    }
    snprintf(text, sizeof text, "successfully deleted '%s'", db);
    reply_dropped(req, reply, text);
}

/* ---- tables ---- */

/* Harper's createTable turns `primary_key` into `hash_attribute` (primary_key ?? alias) before
 * checking, so only the missing and wrong-type messages name primary_key. */
static const cJSON *primary_key_param(const ops_request *req)
{
    const cJSON *pk = param(req, "primary_key");

    return pk != NULL && !cJSON_IsNull(pk) ? pk : param(req, "hash_attribute");
}

/* residence: an array of non-empty strings (only clustering could use it). */
static void check_residence(errors *e, const cJSON *residence)
{
    const cJSON *item;
    int i = 0;

    if (residence == NULL)
        return;
    if (!cJSON_IsArray(residence)) {
        harper__join(e->text, sizeof e->text, "'residence' must be an array");
        return;
    }
    cJSON_ArrayForEach(item, residence) {
        char label[32];

        snprintf(label, sizeof label, "residence[%d]", i++);
        check_string(e, item, label, 0);
    }
}

static void check_create_table(const ops_request *req, errors *e)
{
    const cJSON *schema = transformed_schema(req);
    const cJSON *pk = primary_key_param(req);
    const cJSON *residence = param(req, "residence");

    check_string(e, param(req, "database"), "database", RULE_NAME);
    if (schema != NULL)
        check_string(e, schema, "schema", RULE_NAME);
    check_string(e, param(req, "table"), "table", RULE_NAME | RULE_REQUIRED);
    check_residence(e, residence);
    if (pk == NULL || cJSON_IsNull(pk))
        harper__join(e->text, sizeof e->text, "'primary_key' is required");
    else if (!cJSON_IsString(pk))
        harper__join(e->text, sizeof e->text, "'primary_key' must be a string");
    else
        check_string(e, pk, "hash_attribute", RULE_NAME);
}

/* Harper's attribute list in the library's words. Harper passes each item to its table
 * definition as it is, so its own flags assignCreatedTime / assignUpdatedTime work and the
 * library's created_time / updated_time mean nothing. NULL when out of memory. */
static cJSON *attribute_list(const cJSON *attrs)
{
    static const char *const flags[][2] = {{"assignCreatedTime", "created_time"},
                                           {"assignUpdatedTime", "updated_time"}};
    cJSON *list = cJSON_Duplicate(attrs, 1);
    cJSON *items = cJSON_IsArray(list) ? list : NULL;
    cJSON *item;

    cJSON_ArrayForEach(item, items) {
        if (!cJSON_IsObject(item))
            continue;
        for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
            bool on = js_truthy(cJSON_GetObjectItemCaseSensitive(item, flags[i][0]));

            cJSON_DeleteItemFromObjectCaseSensitive(item, flags[i][1]);
            if (on && cJSON_AddBoolToObject(item, flags[i][1], true) == NULL) {
                cJSON_Delete(list);
                return NULL;
            }
        }
    }
    return list;
}

/* The library's table definition from Harper's create_table parameters. NULL with a reply set
 * when a parameter is refused. */
static cJSON *table_definition(const ops_request *req, ops_reply *reply)
{
    const cJSON *attrs = param(req, "attributes");
    const cJSON *exp = param(req, "expiration");
    const cJSON *audit = param(req, "audit");
    cJSON *def = cJSON_CreateObject();
    bool ok = def != NULL;

    ok = ok && cJSON_AddStringToObject(def, "primary_key",
                                       primary_key_param(req)->valuestring) != NULL;
    /* Harper reads the list only when it is truthy; the library checks the items. */
    if (ok && js_truthy(attrs))
        ok = cJSON_AddItemToObject(def, "attributes", attribute_list(attrs));
    if (ok && exp != NULL && !cJSON_IsNull(exp)) {
        double seconds = NAN;

        /* Harper multiplies by 1000, so numeric strings work too. */
        if (cJSON_IsNumber(exp))
            seconds = exp->valuedouble;
        else if (cJSON_IsString(exp) && exp->valuestring[0] != '\0')
            seconds = strtod(exp->valuestring, NULL);
        if (seconds < 0) {
            ops_reply_error(reply, 500, "Expiration can not be negative");
            cJSON_Delete(def);
            return NULL;
        }
        if (!isnan(seconds))
            ok = cJSON_AddNumberToObject(def, "expiration", seconds) != NULL;
    }
    /* Only `false` turns auditing off; anything else leaves the configured default. */
    if (ok && cJSON_IsBool(audit)) {
        ok = cJSON_AddBoolToObject(def, "audit", cJSON_IsTrue(audit)) != NULL;
    } else if (ok && req->srv != NULL && req->srv->config != NULL) {
        ok = cJSON_AddBoolToObject(def, "audit",
                                   config_bool(req->srv->config, "logging.auditLog", true)) != NULL;
    }
    if (!ok) {
        ops_reply_error(reply, 500, "out of memory");
        cJSON_Delete(def);
        return NULL;
    }
    return def;
}

void ops_create_table(const ops_request *req, ops_reply *reply)
{
    errors e = {""};
    char db[512];
    const char *table;
    cJSON *def;
    char *def_text = NULL;
    harper_error err;

    check_create_table(req, &e);
    if (errors_reply(&e, reply))
        return;
    if (js_truthy(param(req, "residence"))) {
        ops_reply_error(reply, 400, "Clustering does not appear to be enabled. Cannot insert "
                                    "table with property 'residence'.");
        return;
    }
    database_name(req, db, sizeof db);
    table = param(req, "table")->valuestring;
    def = table_definition(req, reply);
    if (def == NULL)
        return;
    def_text = cJSON_PrintUnformatted(def);
    cJSON_Delete(def);
    if (def_text == NULL) {
        ops_reply_error(reply, 500, "out of memory");
        return;
    }
    if (harper_table_create(req->h, db, table, def_text, strlen(def_text), &err) != HARPER_OK)
        ops_reply_harper_error(reply, &err, 400);
    else
        ops_reply_message(reply, "table '%s.%s' successfully created.", db, table);
    cJSON_free(def_text);
}

/* database, schema and table as drop_table, drop_attribute and describe_table check them. */
static void check_db_table(const ops_request *req, errors *e, bool with_schema)
{
    check_string(e, param(req, "database"), "database", 0);
    if (with_schema)
        check_string(e, param(req, "schema"), "schema", 0);
    check_string(e, param(req, "table"), "table", RULE_REQUIRED);
}

void ops_drop_table(const ops_request *req, ops_reply *reply)
{
    errors e = {""};
    char db[512];
    char text[800];
    const char *table;
    harper_error err;
    int rc;

    if (refuse_system(req, reply))
        return;
    check_db_table(req, &e, true);
    if (errors_reply(&e, reply))
        return;
    database_name(req, db, sizeof db);
    table = param(req, "table")->valuestring;
    if (!database_found(req, db, reply))
        return;
    rc = harper_table_drop(req->h, db, table, &err);
    if (rc == HARPER_EINVAL) {
        ops_reply_error(reply, 404, "Table '%s.%s' does not exist", db, table);
        return;
    }
    if (rc != HARPER_OK) {
        ops_reply_harper_error(reply, &err, 404);
        return;
    }
    snprintf(text, sizeof text, "successfully deleted table '%s.%s'", db, table);
    reply_dropped(req, reply, text);
}

/* ---- attributes ---- */

void ops_create_attribute(const ops_request *req, ops_reply *reply)
{
    const cJSON *attr = param(req, "attribute");
    const cJSON *indexed = param(req, "indexed");
    errors e = {""};
    char db[512];
    harper_table *t = NULL;
    harper_error err;

    /* Harper checks nothing up front here and fails deep inside for a missing table; we give
     * the messages the other operations give (spec 7.5 accepts that). */
    check_string(&e, param(req, "database"), "database", 0);
    check_string(&e, param(req, "table"), "table", RULE_REQUIRED);
    if (errors_reply(&e, reply))
        return;
    database_name(req, db, sizeof db);
    if ((t = open_table(req, db, param(req, "table")->valuestring, reply)) == NULL)
        return;
    if (attr == NULL || cJSON_IsNull(attr) || (cJSON_IsString(attr) && !attr->valuestring[0]))
        ops_reply_error(reply, 400, "Attribute name is required");
    else if (!cJSON_IsString(attr))
        ops_reply_error(reply, 400, "'attribute' must be a string");
    else if (strpbrk(attr->valuestring, "`/") != NULL)
        ops_reply_error(reply, 400, "Attribute names cannot include backticks or forward slashes");
    else if (harper_table_add_attribute(t, attr->valuestring,
                                        indexed == NULL || cJSON_IsNull(indexed) ||
                                            js_truthy(indexed),
                                        &err) != HARPER_OK)
        ops_reply_harper_error(reply, &err, 404);
    else
        ops_reply_message(reply, "attribute '%s.%s.%s' successfully created.", db,
                          param(req, "table")->valuestring, attr->valuestring);
    harper_table_close(t);
}

void ops_drop_attribute(const ops_request *req, ops_reply *reply)
{
    errors e = {""};
    char db[512];
    const char *name;
    harper_table *t = NULL;
    harper_error err;
    int rc;

    if (refuse_system(req, reply))
        return;
    check_db_table(req, &e, true);
    check_string(&e, param(req, "attribute"), "attribute", RULE_REQUIRED);
    if (errors_reply(&e, reply))
        return;
    database_name(req, db, sizeof db);
    name = param(req, "attribute")->valuestring;
    if ((t = open_table(req, db, param(req, "table")->valuestring, reply)) == NULL)
        return;
    /* Harper refuses the timestamp names on any table, before looking for the attribute. */
    if (strcmp(name, "__createdtime__") == 0 || strcmp(name, "__updatedtime__") == 0) {
        ops_reply_error(reply, 400, "cannot drop internal timestamp attribute: %s", name);
        harper_table_close(t);
        return;
    }
    rc = harper_table_drop_attribute(t, name, &err);
    /* Dropping an attribute that is not there succeeds in Harper. */
    if (rc == HARPER_OK || rc == HARPER_ENOATTR)
        ops_reply_message(reply, "successfully deleted attribute '%s'", name);
    else
        ops_reply_harper_error(reply, &err, 404);
    harper_table_close(t);
}

/* ---- describe ---- */

static int describe_flags(const ops_request *req)
{
    return cJSON_IsTrue(param(req, "exact_count")) ? HARPER_DESCRIBE_EXACT_COUNT : 0;
}

/* Hands a library JSON buffer to the reply. */
static void reply_library_json(ops_reply *reply, char *json, size_t len)
{
    char *copy = malloc(len + 1);

    if (copy == NULL) {
        harper_free(json);
        ops_reply_error(reply, 500, "out of memory");
        return;
    }
    memcpy(copy, json, len);
    copy[len] = '\0';
    harper_free(json);
    ops_reply_raw(reply, 200, copy, len);
}

void ops_describe_table(const ops_request *req, ops_reply *reply)
{
    errors e = {""};
    char db[512];
    harper_table *t = NULL;
    harper_error err;
    char *json = NULL;
    size_t len = 0;

    check_db_table(req, &e, false);
    check_bool(&e, req->body, "exact_count");
    check_bool(&e, req->body, "include_computed");
    if (errors_reply(&e, reply))
        return;
    database_name(req, db, sizeof db);
    if (refuse_system_describe(req, db, reply))
        return;
    if ((t = open_table(req, db, param(req, "table")->valuestring, reply)) == NULL)
        return;
    if (harper_table_describe(t, describe_flags(req), &json, &len, &err) != HARPER_OK)
        ops_reply_harper_error(reply, &err, 404);
    else
        reply_library_json(reply, json, len);
    harper_table_close(t);
}

void ops_describe_database(const ops_request *req, ops_reply *reply)
{
    errors e = {""};
    char db[512];
    harper_error err;
    char *json = NULL;
    size_t len = 0;

    check_string(&e, param(req, "database"), "database", 0);
    check_bool(&e, req->body, "exact_count");
    check_bool(&e, req->body, "include_computed");
    if (errors_reply(&e, reply))
        return;
    database_name(req, db, sizeof db);
    if (refuse_system_describe(req, db, reply) || !database_found(req, db, reply))
        return;
    if (harper_db_describe(req->h, db, describe_flags(req), &json, &len, &err) != HARPER_OK)
        ops_reply_harper_error(reply, &err, 404);
    else
        reply_library_json(reply, json, len);
}

/* Harper's describe_all lists the databases that have tables first, then the empty ones; and
 * when a flag is malformed every table's description fails, leaving each database {}. */
static cJSON *arrange_all(cJSON *all, bool empty_only)
{
    cJSON *out = cJSON_CreateObject();
    cJSON *db;

    if (out == NULL)
        return NULL;
    for (int pass = 0; pass < 2; pass++) {
        cJSON_ArrayForEach(db, all) {
            bool empty = db->child == NULL || empty_only;
            cJSON *item;

            if (empty != (pass == 1))
                continue;
            item = empty ? cJSON_CreateObject() : cJSON_Duplicate(db, 1);
            if (item == NULL || !cJSON_AddItemToObject(out, db->string, item)) {
                cJSON_Delete(item);
                cJSON_Delete(out);
                return NULL;
            }
        }
    }
    return out;
}

void ops_describe_all(const ops_request *req, ops_reply *reply)
{
    const cJSON *exact = param(req, "exact_count");
    const cJSON *computed = param(req, "include_computed");
    bool malformed = (exact != NULL && !cJSON_IsBool(exact)) ||
                     (computed != NULL && !cJSON_IsBool(computed));
    harper_error err;
    char *json = NULL;
    size_t len = 0;
    cJSON *all;

    if (harper_describe_all(req->h, malformed ? 0 : describe_flags(req), &json, &len, &err) !=
        HARPER_OK) {
        ops_reply_harper_error(reply, &err, 500);
        return;
    }
    all = cJSON_ParseWithLength(json, len);
    harper_free(json);
    ops_reply_json(reply, 200, all != NULL ? arrange_all(all, malformed) : NULL);
    cJSON_Delete(all);
}
