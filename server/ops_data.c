/* ops_data.c: insert, update and upsert (spec/operations-api.md sections 8.1-8.3), and the
 * helpers every NoSQL operation shares (ops_data.h); ops_delete.c, ops_search.c and
 * ops_conditions.c hold the others.
 *
 * The reference is Harper 4.7 as it answers, which differs from its docs in places: write
 * replies carry neither new_attributes nor txn_time (Harper deletes both before replying) and
 * a key the server generated is reported as null. All records of one request go through one
 * transaction; a request that fails changes nothing, not even the table's attributes. */
#include "ops_data.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "txn.h"

/* ---- shared helpers ---- */

int data_oom(harper_error *err)
{
    err->code = HARPER_ENOMEM;
    snprintf(err->message, sizeof err->message, "out of memory");
    return HARPER_ENOMEM;
}

bool data_truthy(const cJSON *v)
{
    if (v == NULL || cJSON_IsNull(v) || cJSON_IsFalse(v))
        return false;
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0;
    if (cJSON_IsString(v))
        return v->valuestring[0] != '\0';
    return true;
}

void data_js_text(harper__buf *out, const cJSON *v)
{
    const cJSON *item;

    if (v == NULL)
        harper__buf_str(out, "undefined");
    else if (cJSON_IsString(v))
        harper__buf_str(out, v->valuestring);
    else if (cJSON_IsNumber(v))
        harper__json_number(out, v->valuedouble);
    else if (cJSON_IsBool(v))
        harper__buf_str(out, cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsNull(v))
        harper__buf_str(out, "null");
    else if (cJSON_IsArray(v)) {
        /* Array.prototype.toString: elements joined with ',', null ones as empty text. */
        cJSON_ArrayForEach(item, v) {
            if (item != v->child)
                harper__buf_byte(out, ',');
            if (!cJSON_IsNull(item))
                data_js_text(out, item);
        }
    } else {
        harper__buf_str(out, "[object Object]");
    }
}

/* Length in UTF-16 code units, which is what Joi's max() counts. */
static size_t utf16_length(const char *s)
{
    size_t n = 0;

    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if ((*p & 0xc0) != 0x80)
            n++;
        if (*p >= 0xf0)
            n++;    /* a 4-byte sequence is a surrogate pair */
    }
    return n;
}

/* Harper's name pattern /^[\x20-\x2E|\x30-\x5F|\x61-\x7E]*$/: printable ASCII but / and `. */
static bool name_chars_ok(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
        if (*p < 0x20 || *p > 0x7e || *p == '/' || *p == '`')
            return false;
    return true;
}

/* Joi's alternatives of a name string, a number and (attributes only) an array. */
static void check_name_or(harper__buf *errs, const cJSON *v, const char *label, bool required,
                          bool array_ok)
{
    const char *problem[2];
    int n = 0;

    if (v == NULL) {
        if (required)
            harper__buf_join(errs, "'%s' is required", label);
        return;
    }
    if (cJSON_IsNumber(v) || (array_ok && cJSON_IsArray(v)))
        return;
    if (!cJSON_IsString(v)) {
        harper__buf_join(errs, "'%s' must be one of [string, number%s]", label,
                       array_ok ? ", array" : "");
        return;
    }
    if (v->valuestring[0] == '\0') {
        harper__buf_join(errs, "'%s' is not allowed to be empty", label);
        return;
    }
    if (utf16_length(v->valuestring) > 250)
        problem[n++] = "length must be less than or equal to 250 characters long";
    if (!name_chars_ok(v->valuestring))
        problem[n++] = "names cannot include backticks or forward slashes";
    /* One failed rule is reported as itself; more make Joi give up on the alternative. */
    if (n == 1)
        harper__buf_join(errs, "'%s' %s", label, problem[0]);
    else if (n == 2)
        harper__buf_join(errs, "'%s' does not match any of the allowed types", label);
}

void data_check_name(harper__buf *errs, const cJSON *v, const char *label, bool required)
{
    check_name_or(errs, v, label, required, false);
}

void data_check_attr(harper__buf *errs, const cJSON *v, const char *label, bool required)
{
    check_name_or(errs, v, label, required, true);
}

const char *data_name_problem(const char *s)
{
    if (utf16_length(s) > 250)
        return "maximum of 250 characters";
    return name_chars_ok(s) ? NULL : "has illegal characters";
}

void data_database_name(const ops_request *req, harper__buf *out)
{
    const cJSON *db = cJSON_GetObjectItemCaseSensitive(req->body, "database");

    if (!data_truthy(db))
        db = cJSON_GetObjectItemCaseSensitive(req->body, "schema");
    if (data_truthy(db))
        data_js_text(out, db);
    else
        harper__buf_str(out, "data");
}

int data_table_open(harper *h, const char *db, const cJSON *table, data_table *dt,
                    harper_error *err)
{
    harper__buf name = HARPER__BUF_INIT;
    char *json = NULL;
    size_t len = 0;
    const cJSON *pk;
    int rc;

    memset(dt, 0, sizeof *dt);
    data_js_text(&name, table);
    if (harper__buf_cstr(&name) == NULL)
        return data_oom(err);
    rc = harper_table_open(h, db, name.data, &dt->t, err);
    harper__buf_free(&name);
    if (rc == HARPER_OK)
        rc = harper_table_describe(dt->t, HARPER_DESCRIBE_DEFINITION, &json, &len, err);
    if (rc == HARPER_OK) {
        dt->desc = cJSON_ParseWithLength(json, len);
        pk = cJSON_GetObjectItemCaseSensitive(dt->desc, "hash_attribute");
        dt->attrs = cJSON_GetObjectItemCaseSensitive(dt->desc, "attributes");
        dt->schema_defined = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(dt->desc,
                                                                           "schema_defined"));
        /* cJSON fails on the library's own output only for want of memory. */
        if (!cJSON_IsString(pk) || !cJSON_IsArray(dt->attrs))
            rc = data_oom(err);
        else
            dt->pk = pk->valuestring;
    }
    harper_free(json);
    return rc;
}

bool data_open_checked(const ops_request *req, harper__buf *errs, int open_status,
                       harper__buf *db, data_table *dt, ops_reply *reply)
{
    harper_error err = {0};

    if (errs->len > 0) {
        data_reply_errors(reply, 400, errs);
        return false;
    }
    data_database_name(req, db);
    if (harper__buf_cstr(db) == NULL) {
        ops_reply_error(reply, 500, "out of memory");
        return false;
    }
    if (data_table_open(req->h, db->data, cJSON_GetObjectItemCaseSensitive(req->body, "table"),
                        dt, &err) != HARPER_OK) {
        ops_reply_harper_error(reply, &err, open_status);
        return false;
    }
    return true;
}

void data_table_close(data_table *dt)
{
    cJSON_Delete(dt->desc);
    harper_table_close(dt->t);
    memset(dt, 0, sizeof *dt);
}

const cJSON *data_table_attr(const data_table *dt, const char *name)
{
    const cJSON *a;

    cJSON_ArrayForEach(a, dt->attrs) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(a, "attribute");

        if (cJSON_IsString(n) && strcmp(n->valuestring, name) == 0)
            return a;
    }
    return NULL;
}

void data_reply_buf(ops_reply *reply, int status, harper__buf *buf)
{
    size_t len = 0;
    char *text = harper__buf_take(buf, &len);

    harper__buf_free(buf);
    if (text == NULL)
        ops_reply_error(reply, 500, "out of memory");
    else
        ops_reply_raw(reply, status, text, len);
}

void data_reply_errors(ops_reply *reply, int status, harper__buf *errs)
{
    harper__buf body = HARPER__BUF_INIT;

    /* Built here rather than with ops_reply_error: a list of errors can outgrow its buffer. */
    harper__buf_str(&body, "{\"error\":");
    harper__json_string(&body, errs->data != NULL ? errs->data : "", errs->len);
    harper__buf_byte(&body, '}');
    harper__buf_free(errs);
    data_reply_buf(reply, status, &body);
}

/* ---- insert, update, upsert ---- */

enum write_kind { WRITE_INSERT, WRITE_UPDATE, WRITE_UPSERT };

static const struct {
    int lib_kind;
    const char *verb;           /* "inserted 2 of 2 records" */
    const char *hashes;         /* the field listing the written keys */
    bool has_skipped;           /* upsert never skips, and its reply has no skipped_hashes */
} write_kinds[] = {
    [WRITE_INSERT] = {HARPER_WRITE_INSERT, "inserted", "inserted_hashes", true},
    [WRITE_UPDATE] = {HARPER_WRITE_UPDATE, "updated", "update_hashes", true},
    [WRITE_UPSERT] = {HARPER_WRITE_UPSERT, "upserted", "upserted_hashes", false},
};

/* Joi's check of the request (database, schema, table, records in that order) with Harper's
 * custom rule on property names. */
static void check_write_request(const ops_request *req, harper__buf *errs)
{
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(req->body, "records");
    const cJSON *rec;
    int i = 0;

    data_check_name(errs, cJSON_GetObjectItemCaseSensitive(req->body, "database"), "database",
                    false);
    data_check_name(errs, cJSON_GetObjectItemCaseSensitive(req->body, "schema"), "schema",
                    false);
    data_check_name(errs, cJSON_GetObjectItemCaseSensitive(req->body, "table"), "table", true);
    if (records == NULL) {
        harper__buf_join(errs, "'records' is required");
        return;
    }
    if (!cJSON_IsArray(records)) {
        harper__buf_join(errs, "'records' must be an array");
        return;
    }
    cJSON_ArrayForEach(rec, records) {
        const cJSON *p;

        if (!cJSON_IsObject(rec)) {
            harper__buf_join(errs, "'records[%d]' must be of type object", i);
        } else {
            cJSON_ArrayForEach(p, rec) {
                if (p->string[0] != '\0' && strcmp(p->string, "null") != 0 &&
                    strcmp(p->string, "undefined") != 0)
                    continue;
                harper__buf_join(errs, "Invalid attribute name: '%s'", p->string);
            }
        }
        i++;
    }
}

/* Harper's isEmptyOrZeroLength: absent, null, or a string or array of length 0. */
static bool empty_key(const cJSON *k)
{
    return k == NULL || cJSON_IsNull(k) || (cJSON_IsString(k) && k->valuestring[0] == '\0') ||
           (cJSON_IsArray(k) && k->child == NULL);
}

const char *data_bad_key(const cJSON *k)
{
    const cJSON *item;
    const char *why;

    if (cJSON_IsBool(k))
        return "Invalid primary key type: boolean";
    if (cJSON_IsObject(k))
        return "Invalid primary key type: object";
    if (cJSON_IsArray(k)) {
        cJSON_ArrayForEach(item, k) {
            if (cJSON_IsNull(item))
                return "Invalid primary key of null";
            if ((why = data_bad_key(item)) != NULL)
                return why;
        }
    }
    return NULL;
}

/* Appends object key `k` as Harper reports it once its store has taken the object for a
 * collection and marked it so. */
static void collection_key(harper__buf *out, const cJSON *k)
{
    size_t start = out->len;

    harper__json_value(out, k);
    if (out->failed || out->len == start)
        return;
    out->len--;     /* the closing brace */
    harper__buf_str(out, k->child != NULL ? ",\"isCollection\":true}" : "\"isCollection\":true}");
}

/* Whether the properties that would become new attributes of a dynamic table have names
 * Harper accepts (no '`' or '/'). Checked here, before the keys' types, because Harper adds
 * the attributes before it writes; the library would refuse them too, but later. */
static bool new_names_ok(const data_table *dt, const cJSON *records)
{
    const cJSON *rec;
    const cJSON *p;

    if (dt->schema_defined)
        return true;
    cJSON_ArrayForEach(rec, records) {
        cJSON_ArrayForEach(p, rec) {
            if (strpbrk(p->string, "`/") != NULL && data_table_attr(dt, p->string) == NULL)
                return false;
        }
    }
    return true;
}

/* Harper's checks of the records themselves, in its order: per record the key of an update,
 * then the "null"/"undefined" keys it refuses (400); then the names of new attributes (400);
 * then the key types its store refuses (500). Replies and returns false on the first
 * problem. */
static bool check_keys(const data_table *dt, const cJSON *records, enum write_kind kind,
                       ops_reply *reply)
{
    const cJSON *rec;
    const cJSON *k;
    const char *why;

    cJSON_ArrayForEach(rec, records) {
        k = cJSON_GetObjectItemCaseSensitive(rec, dt->pk);
        if (kind == WRITE_UPDATE && empty_key(k)) {
            ops_reply_error(reply, 400, "a valid hash attribute must be provided with update "
                                        "record, check log for more info");
            return false;
        }
        if (!empty_key(k) && cJSON_IsString(k) &&
            (strcmp(k->valuestring, "null") == 0 || strcmp(k->valuestring, "undefined") == 0)) {
            ops_reply_error(reply, 400, "Invalid hash value: '%s' is not a valid hash attribute "
                                        "value, check log for more info", k->valuestring);
            return false;
        }
    }
    if (!new_names_ok(dt, records)) {
        ops_reply_error(reply, 400, "Attribute names cannot include backticks or forward "
                                    "slashes");
        return false;
    }
    cJSON_ArrayForEach(rec, records) {
        k = cJSON_GetObjectItemCaseSensitive(rec, dt->pk);
        if (k == NULL || cJSON_IsNull(k))
            continue;
        /* Insert skips object keys (see write_all); the others fail on the flag Harper's
         * store has set on the object by then. */
        if (cJSON_IsObject(k)) {
            harper__buf text = HARPER__BUF_INIT;

            if (kind == WRITE_INSERT)
                continue;
            harper__buf_str(&text, "Unable to serialize object as a key: ");
            collection_key(&text, k);
            data_reply_errors(reply, 500, &text);
            return false;
        }
        why = data_bad_key(k);
        /* Harper's store refuses an empty array key on upsert (insert skips it, see below). */
        if (why == NULL && kind == WRITE_UPSERT && cJSON_IsArray(k) && k->child == NULL)
            why = "Zero length key is not allowed in LMDB";
        if (why != NULL) {
            ops_reply_error(reply, 500, "%s", why);
            return false;
        }
    }
    return true;
}

/* On a dynamic table, registers every property of the records that is not an attribute yet,
 * all at once (a bad name among them adds none), as Harper does before it writes. */
static bool add_attributes(const data_table *dt, const cJSON *records, ops_reply *reply)
{
    cJSON *names;
    const cJSON *rec;
    const cJSON *p;
    harper_error err = {0};
    char *json = NULL;
    bool ok = true;

    if (dt->schema_defined)
        return true;
    names = cJSON_CreateObject();
    cJSON_ArrayForEach(rec, records) {
        cJSON_ArrayForEach(p, rec) {
            if (names != NULL && cJSON_GetObjectItemCaseSensitive(names, p->string) == NULL &&
                !cJSON_AddNullToObject(names, p->string)) {
                cJSON_Delete(names);
                names = NULL;
            }
        }
    }
    if (names != NULL)
        json = cJSON_PrintUnformatted(names);
    if (json == NULL) {
        ops_reply_error(reply, 500, "out of memory");
        ok = false;
    } else if (harper_table_add_missing_attributes(dt->t, json, strlen(json), NULL, NULL, &err) !=
               HARPER_OK) {
        ops_reply_harper_error(reply, &err, 400);
        ok = false;
    }
    free(json);
    cJSON_Delete(names);
    return ok;
}

int data_write_status(const harper_error *err)
{
    if (strncmp(err->message, "Invalid primary key", 19) == 0 ||
        strncmp(err->message, "Primary key size is too large", 29) == 0)
        return 500;
    if (err->code == HARPER_EINVAL || err->code == HARPER_ENOTABLE)
        return 400;
    return err->code == HARPER_EBUSY ? 503 : 500;
}

/* Appends `k` (NULL: absent) to a JSON array being built in `list`. */
static void list_add(harper__buf *list, const cJSON *k)
{
    harper__buf_byte(list, list->len == 0 ? '[' : ',');
    if (k == NULL)
        harper__buf_str(list, "null");
    else if (cJSON_IsObject(k))
        collection_key(list, k);
    else
        harper__json_value(list, k);
}

static void list_end(harper__buf *list)
{
    if (list->len == 0)
        harper__buf_byte(list, '[');
    harper__buf_byte(list, ']');
}

/* A copy of record `rec` for the library, leaving out its key property `k` when that is null:
 * a record without a key gets a generated one either way, and the library's key replacement
 * drops the property's name. NULL when out of memory. */
static cJSON *record_copy(const cJSON *rec, const cJSON *k)
{
    cJSON *copy = cJSON_Duplicate(rec, 1);

    if (copy != NULL && k != NULL && cJSON_IsNull(k))
        cJSON_DeleteItemFromObjectCaseSensitive(copy, k->string);
    return copy;
}

/* Writes every record in one transaction. *written and *skipped receive JSON arrays of the keys
 * as the client sent them (Harper reports a generated key as null). HARPER_EBUSY when a
 * deadlock broke the transaction and it is worth another try; any other failure fills err. */
static int write_all(const ops_request *req, const data_table *dt, const cJSON *records,
                     enum write_kind kind, harper__buf *written, harper__buf *skipped,
                     size_t *n_written, size_t *n_skipped, harper_error *err)
{
    harper__buf db = HARPER__BUF_INIT;
    harper_txn *txn = NULL;
    const cJSON *rec;
    cJSON *copy;
    int rc;

    data_database_name(req, &db);
    rc = harper__buf_cstr(&db) == NULL ? HARPER_ENOMEM : harper_txn_begin(req->h, db.data, &txn,
                                                                          err);
    if (rc == HARPER_OK && req->username != NULL)
        rc = harper_txn_set_user(txn, req->username);
    cJSON_ArrayForEach(rec, records) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(rec, dt->pk);

        if (rc != HARPER_OK)
            break;
        /* Harper's store finds a record under an empty array or object key (it takes them for
         * collections) and skips the insert. */
        if (kind == WRITE_INSERT && (cJSON_IsObject(k) || (cJSON_IsArray(k) && k->child == NULL))) {
            list_add(skipped, k);
            (*n_skipped)++;
            continue;
        }
        if ((copy = record_copy(rec, k)) == NULL) {
            rc = HARPER_ENOMEM;
            break;
        }
        rc = harper__txn_write_tree(txn, dt->t, write_kinds[kind].lib_kind, NULL, 0, copy, NULL,
                                    NULL, err);
        if (rc == HARPER_OK) {
            list_add(written, k);
            (*n_written)++;
        } else if (rc == HARPER_EEXIST || rc == HARPER_ENOTFOUND) {
            list_add(skipped, k);
            (*n_skipped)++;
            rc = HARPER_OK;
        }
    }
    if (rc == HARPER_OK)
        rc = harper_txn_commit(txn, err);
    else
        harper_txn_abort(txn);
    if (rc == HARPER_ENOMEM)
        snprintf(err->message, sizeof err->message, "out of memory");
    err->code = rc;
    harper__buf_free(&db);
    return rc;
}

static void write_records(const ops_request *req, ops_reply *reply, enum write_kind kind)
{
    const cJSON *records = cJSON_GetObjectItemCaseSensitive(req->body, "records");
    harper__buf errs = HARPER__BUF_INIT;
    harper__buf db = HARPER__BUF_INIT;
    harper__buf written = HARPER__BUF_INIT;
    harper__buf skipped = HARPER__BUF_INIT;
    harper__buf body = HARPER__BUF_INIT;
    harper_error err = {0};
    data_table dt = {0};
    size_t n_written = 0;
    size_t n_skipped = 0;
    int rc = HARPER_EBUSY;

    check_write_request(req, &errs);
    if (!data_open_checked(req, &errs, 400, &db, &dt, reply))
        goto done;
    if (!check_keys(&dt, records, kind, reply) || !add_attributes(&dt, records, reply))
        goto done;
    for (int attempt = 0; attempt < DATA_WRITE_ATTEMPTS && rc == HARPER_EBUSY; attempt++) {
        harper__buf_reset(&written);
        harper__buf_reset(&skipped);
        n_written = n_skipped = 0;
        rc = write_all(req, &dt, records, kind, &written, &skipped, &n_written, &n_skipped,
                       &err);
    }
    if (rc != HARPER_OK) {
        ops_reply_error(reply, data_write_status(&err), "%s",
                        err.message[0] ? err.message : harper_strerror(rc));
        goto done;
    }
    list_end(&written);
    list_end(&skipped);
    harper__buf_printf(&body, "{\"message\":\"%s %zu of %zu records\",\"%s\":",
                       write_kinds[kind].verb, n_written, n_written + n_skipped,
                       write_kinds[kind].hashes);
    harper__buf_append(&body, written.data, written.len);
    if (write_kinds[kind].has_skipped) {
        harper__buf_str(&body, ",\"skipped_hashes\":");
        harper__buf_append(&body, skipped.data, skipped.len);
    }
    harper__buf_byte(&body, '}');
    data_reply_buf(reply, 200, &body);
done:
    data_table_close(&dt);
    harper__buf_free(&db);
    harper__buf_free(&written);
    harper__buf_free(&skipped);
    harper__buf_free(&body);
}

void ops_insert(const ops_request *req, ops_reply *reply)
{
    write_records(req, reply, WRITE_INSERT);
}

void ops_update(const ops_request *req, ops_reply *reply)
{
    write_records(req, reply, WRITE_UPDATE);
}

void ops_upsert(const ops_request *req, ops_reply *reply)
{
    write_records(req, reply, WRITE_UPSERT);
}
