/* ops_delete.c: delete (spec/operations-api.md section 8.4) and delete_records_before.
 * Harper 4.7 reports every id a delete was given as deleted, found or not, and so do we. */
#include "ops_data.h"

#include <string.h>

#include "json.h"
#include "validate.h"

/* delete_records_before removes records in transactions of this many, as Harper does in
 * chunks, so that one huge delete neither holds every lock nor builds one giant batch. */
#define DELETE_CHUNK 1000

/* ---- delete ---- */

/* Deletes, in one transaction, the records whose keys are the JSON values `first` and the
 * n - 1 siblings after it. Harper 4.7 counts an id as deleted whether or not a record had
 * it, so a missing one is no failure. */
static int delete_keys(const ops_request *req, const char *db, harper_table *t,
                       const cJSON *first, size_t n, harper_error *err)
{
    harper__buf key = HARPER__BUF_INIT;
    harper_txn *txn = NULL;
    const cJSON *id;
    size_t i;
    int rc = HARPER_EBUSY;

    for (int attempt = 0; attempt < DATA_WRITE_ATTEMPTS && rc == HARPER_EBUSY; attempt++) {
        rc = harper_txn_begin(req->h, db, &txn, err);
        if (rc == HARPER_OK && req->username != NULL)
            rc = harper_txn_set_user(txn, req->username);
        for (id = first, i = 0; rc == HARPER_OK && id != NULL && i < n; id = id->next, i++) {
            /* No record has a null or object key; Harper's store answers them unpredictably
             * (sometimes by deleting far more), so they are deleted as the missing ids they
             * are. */
            if (cJSON_IsNull(id) || cJSON_IsObject(id))
                continue;
            harper__buf_reset(&key);
            if (harper__json_value(&key, id) != HARPER_OK || key.failed) {
                rc = data_oom(err);
                break;
            }
            rc = harper_txn_delete(txn, t, key.data, key.len, err);
            if (rc == HARPER_ENOTFOUND)
                rc = HARPER_OK;
        }
        if (rc == HARPER_OK)
            rc = harper_txn_commit(txn, err);
        else
            harper_txn_abort(txn);
        txn = NULL;
    }
    harper__buf_free(&key);
    return rc;
}

/* "2 of 2 records successfully deleted", singular for a total of one. */
static void delete_message(harper__buf *out, size_t n)
{
    harper__buf_printf(out, "%zu of %zu %s successfully deleted", n, n,
                       n == 1 ? "record" : "records");
}

void ops_delete(const ops_request *req, ops_reply *reply)
{
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(req->body, "ids");
    const cJSON *hash_values = cJSON_GetObjectItemCaseSensitive(req->body, "hash_values");
    const cJSON *id;
    harper__buf errs = HARPER__BUF_INIT;
    harper__buf db = HARPER__BUF_INIT;
    harper__buf body = HARPER__BUF_INIT;
    harper_error err = {0};
    data_table dt = {0};
    const char *why;
    int rc;

    /* Harper copies a true `ids` over hash_values before validating, then checks both. */
    if (data_truthy(ids))
        hash_values = ids;
    data_check_name(&errs, cJSON_GetObjectItemCaseSensitive(req->body, "schema"), "schema",
                    false);
    data_check_name(&errs, cJSON_GetObjectItemCaseSensitive(req->body, "database"), "database",
                    false);
    data_check_name(&errs, cJSON_GetObjectItemCaseSensitive(req->body, "table"), "table", true);
    if (hash_values == NULL)
        harper__buf_join(&errs, "'hash_values' is required");
    else if (!cJSON_IsArray(hash_values))
        harper__buf_join(&errs, "'hash_values' must be an array");
    if (ids != NULL && !cJSON_IsArray(ids))
        harper__buf_join(&errs, "'ids' must be an array");
    if (!data_open_checked(req, &errs, 404, &db, &dt, reply))
        goto done;
    cJSON_ArrayForEach(id, hash_values) {
        if (!cJSON_IsObject(id) && (why = data_bad_key(id)) != NULL) {
            ops_reply_error(reply, 500, "%s", why);
            goto done;
        }
    }
    rc = delete_keys(req, db.data, dt.t, hash_values->child,
                     (size_t)cJSON_GetArraySize(hash_values), &err);
    if (rc != HARPER_OK) {
        ops_reply_error(reply, data_write_status(&err), "%s",
                        err.message[0] ? err.message : harper_strerror(rc));
        goto done;
    }
    harper__buf_str(&body, "{\"message\":\"");
    delete_message(&body, (size_t)cJSON_GetArraySize(hash_values));
    harper__buf_str(&body, "\",\"deleted_hashes\":");
    harper__json_value(&body, hash_values);
    /* Always empty: Harper 4.7 reports ids that had no record as deleted too. */
    harper__buf_str(&body, ",\"skipped_hashes\":[]}");
    data_reply_buf(reply, 200, &body);
done:
    data_table_close(&dt);
    harper__buf_free(&db);
    harper__buf_free(&body);
}

/* ---- delete_records_before ---- */

/* Joi's date().iso(): an ISO 8601 string, or a number taken as epoch milliseconds. */
static void check_date(harper__buf *errs, const cJSON *date, double *ms)
{
    if (date == NULL)
        harper__buf_join(errs, "'date' is required");
    else if (cJSON_IsNumber(date))
        *ms = date->valuedouble;
    else if (!cJSON_IsString(date))
        harper__buf_join(errs, "'date' must be a valid date");
    else if (harper__ms_from_iso(date->valuestring, ms) != 0)
        harper__buf_join(errs, "'date' must be in ISO 8601 date format");
}

/* Appends to the array `keys` the primary keys of the records created before `before_ms`. */
static int keys_created_before(const data_table *dt, const cJSON *created, double before_ms,
                               cJSON *keys, harper_error *err)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(created, "type");
    const char *attr = cJSON_GetObjectItemCaseSensitive(created, "attribute")->valuestring;
    harper__buf value = HARPER__BUF_INIT;
    harper_query *q = NULL;
    harper_cursor *c = NULL;
    const char *row;
    size_t row_len;
    int rc;

    /* A time attribute typed Date or String holds ISO text, and the library compares values
     * of one type only. */
    if (cJSON_IsString(type) &&
        (strcmp(type->valuestring, "Date") == 0 || strcmp(type->valuestring, "String") == 0)) {
        char iso[40];

        harper__iso_from_ms(before_ms, iso, sizeof iso);
        harper__json_string(&value, iso, strlen(iso));
    } else {
        harper__json_number(&value, before_ms);
    }
    rc = value.failed ? data_oom(err) : harper_query_new(dt->t, &q, err);
    if (rc == HARPER_OK)
        rc = harper_query_where(q, attr, HARPER_LESS_THAN, value.data, value.len, err);
    if (rc == HARPER_OK)
        rc = harper_query_select(q, dt->pk, err);
    if (rc == HARPER_OK)
        rc = harper_cursor_open(q, &c, err);
    while (rc == HARPER_OK && (rc = harper_cursor_next(c, &row, &row_len, err)) == 1) {
        cJSON *obj = cJSON_ParseWithLength(row, row_len);
        cJSON *k = cJSON_DetachItemFromObjectCaseSensitive(obj, dt->pk);

        /* The row is {"<pk>": key}: only a failed allocation leaves no key. */
        rc = k != NULL && cJSON_AddItemToArray(keys, k) ? HARPER_OK : data_oom(err);
        if (rc != HARPER_OK)
            cJSON_Delete(k);
        cJSON_Delete(obj);
    }
    harper_cursor_close(c);
    harper_query_free(q);
    harper__buf_free(&value);
    return rc;
}

/* Deletes the records whose keys are in the array `keys`, DELETE_CHUNK per transaction. */
static int delete_listed(const ops_request *req, const char *db, harper_table *t,
                         const cJSON *keys, harper_error *err)
{
    const cJSON *first = keys->child;
    size_t left = (size_t)cJSON_GetArraySize(keys);
    int rc = HARPER_OK;

    while (rc == HARPER_OK && left > 0) {
        size_t n = left < DELETE_CHUNK ? left : DELETE_CHUNK;

        rc = delete_keys(req, db, t, first, n, err);
        for (size_t i = 0; i < n; i++)
            first = first->next;
        left -= n;
    }
    return rc;
}

/* Answered when the work is done rather than as a job: harper-server has no job queue, and
 * the message is the one Harper's job would finish with. */
void ops_delete_records_before(const ops_request *req, ops_reply *reply)
{
    harper__buf errs = HARPER__BUF_INIT;
    harper__buf db = HARPER__BUF_INIT;
    harper__buf text = HARPER__BUF_INIT;
    harper_error err = {0};
    data_table dt = {0};
    cJSON *keys = NULL;
    const cJSON *created = NULL;
    const cJSON *a;
    double before_ms = 0;
    size_t n;
    int rc;

    data_check_name(&errs, cJSON_GetObjectItemCaseSensitive(req->body, "schema"), "schema",
                    false);
    data_check_name(&errs, cJSON_GetObjectItemCaseSensitive(req->body, "database"), "database",
                    false);
    data_check_name(&errs, cJSON_GetObjectItemCaseSensitive(req->body, "table"), "table", true);
    check_date(&errs, cJSON_GetObjectItemCaseSensitive(req->body, "date"), &before_ms);
    if (!data_open_checked(req, &errs, 404, &db, &dt, reply))
        goto done;
    cJSON_ArrayForEach(a, dt.attrs) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "attribute");

        if (created == NULL && cJSON_IsString(name) &&
            (strcmp(name->valuestring, "__createdtime__") == 0 ||
             cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(a, "assigned_created_time"))))
            created = a;
    }
    if (created == NULL) {
        ops_reply_error(reply, 400, "Table must have a '__createdtime__' attribute or "
                                    "@createdTime timestamp defined to perform this operation");
        goto done;
    }
    keys = cJSON_CreateArray();
    rc = keys != NULL ? keys_created_before(&dt, created, before_ms, keys, &err) : data_oom(&err);
    if (rc == HARPER_OK)
        rc = delete_listed(req, db.data, dt.t, keys, &err);
    if (rc != HARPER_OK) {
        ops_reply_error(reply, data_write_status(&err), "%s",
                        err.message[0] ? err.message : harper_strerror(rc));
        goto done;
    }
    n = (size_t)cJSON_GetArraySize(keys);
    if (n == 0)
        harper__buf_str(&text, "No records found to delete");
    else
        delete_message(&text, n);
    if (harper__buf_cstr(&text) == NULL)
        ops_reply_error(reply, 500, "out of memory");
    else
        ops_reply_message(reply, "%s", text.data);
done:
    cJSON_Delete(keys);
    data_table_close(&dt);
    harper__buf_free(&db);
    harper__buf_free(&text);
}
