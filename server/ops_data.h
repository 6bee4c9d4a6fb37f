/* ops_data.h: what the NoSQL operations share: ops_data.c (insert, update, upsert, and the
 * helpers declared first here), ops_delete.c (delete, delete_records_before), ops_search.c
 * (search_by_id, search_by_value, and the search helpers declared last here) and
 * ops_conditions.c (search_by_conditions). Harper's Joi-style parameter checks, JavaScript's
 * view of a request value, what a handler needs to know about a table, reply building.
 *
 * Harper validates a whole request and reports every problem at once, joined with ". ", so the
 * checks append to an error buffer instead of replying; the handler replies once at the end. */
#ifndef HARPER_SERVER_OPS_DATA_H
#define HARPER_SERVER_OPS_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "harper.h"
#include "ops.h"

/* Sets err to HARPER_ENOMEM "out of memory" and returns HARPER_ENOMEM. */
int data_oom(harper_error *err);

/* Whether JavaScript counts `v` as true (absent, null, false, 0 and "" do not). */
bool data_truthy(const cJSON *v);

/* Appends String(v) as JavaScript writes it: "undefined" for NULL, "[object Object]" for an
 * object, array elements joined with ','. Harper puts raw values into some messages so. */
void data_js_text(harper__buf *out, const cJSON *v);

/* Harper's name schema (hdbTable / hdbDatabase): a string of 1 to 250 characters of printable
 * ASCII other than '`' and '/', or a number. Adds Joi's message about `v` (NULL: absent),
 * labelled `label`, to errs. */
void data_check_name(harper__buf *errs, const cJSON *v, const char *label, bool required);

/* Harper's attribute schema: a name as above, a number, or an array (a nested path); adds
 * Joi's message about v (NULL: absent), labelled `label`, to errs. */
void data_check_attr(harper__buf *errs, const cJSON *v, const char *label, bool required);

/* String problems as Harper's search_by_id check words them: "maximum of 250 characters",
 * "has illegal characters", or NULL for a good name. */
const char *data_name_problem(const char *s);

/* The database a request names, as Harper resolves it after validation: "database" if
 * JavaScript-true, else "schema" if true, else "data"; a number becomes its text. */
void data_database_name(const ops_request *req, harper__buf *out);

/* What handlers need to know about a table, read from its description. */
typedef struct data_table {
    harper_table *t;
    cJSON *desc;                /* harper_table_describe's object, owned */
    const char *pk;             /* the primary key attribute, borrowed from desc */
    bool schema_defined;
    const cJSON *attrs;         /* desc's "attributes": [{"attribute": name, ...}, ...] */
} data_table;

/* Opens table `table` (its JSON value from the request, a string or a number) of database
 * `db` and reads its description. Errors as harper_table_open's; data_table_close is safe
 * to call either way. */
int data_table_open(harper *h, const char *db, const cJSON *table, data_table *dt,
                    harper_error *err);
void data_table_close(data_table *dt);

/* The start of a handler on the one table a request names ("table"), once its checks have
 * run: with messages in errs, replies 400 with them (freeing errs); else resolves the
 * database into db (data_database_name) and opens the table into dt, replying 500 out of
 * memory or harper_table_open's error with `open_status` when it is not found. True when dt
 * is open; false once a reply is made, the caller then only frees db and closes dt. */
bool data_open_checked(const ops_request *req, harper__buf *errs, int open_status,
                       harper__buf *db, data_table *dt, ops_reply *reply);

/* The description of attribute `name`, or NULL if the table has none. */
const cJSON *data_table_attr(const data_table *dt, const char *name);

/* Replies with the JSON text built in `buf`, which it takes, or a 500 if building it failed. */
void data_reply_buf(ops_reply *reply, int status, harper__buf *buf);

/* Replies `status` {"error": <the text in errs>} and frees errs. */
void data_reply_errors(ops_reply *reply, int status, harper__buf *errs);

/* ---- writes (ops_data.c), used by ops_delete.c too ---- */

/* Tries of a transaction that lost a deadlock (HARPER_EBUSY) before giving up with a 503. */
#define DATA_WRITE_ATTEMPTS 5

/* What is wrong with primary key `k` (present, not null), in the library's words, or NULL.
 * Checked before anything is written so that a bad key changes nothing. */
const char *data_bad_key(const cJSON *k);

/* Status for a failed write: Harper's store throws plain errors (500) for keys it cannot
 * encode; everything else the library refuses is a client's mistake (400). */
int data_write_status(const harper_error *err);

/* ---- searches (ops_search.c), used by ops_conditions.c too ---- */

/* Joi's number().integer().min(min) on v (NULL: absent, fine), numeric strings accepted as
 * Joi converts them; *out gets the count. */
void data_check_count(harper__buf *errs, const cJSON *v, const char *label, int64_t min,
                      int64_t *out);

/* Joi's bool(): true, false, or the strings "true" and "false" (any case). */
bool data_joi_bool(const cJSON *v, bool *out);

/* get_attributes of search_by_value and search_by_conditions: an array of at least one name,
 * number, array or object. */
void data_check_get_attributes(harper__buf *errs, const cJSON *sel);

/* The select list in effect: "select" wins over "get_attributes" when present at all. */
const cJSON *data_get_attributes(const cJSON *body);

/* Harper's unknown-attribute check over one requested name `d` (NULL: absent): appends it to
 * `names` (", " between) and counts it when the table lacks it; "*", "$..." (meta attributes),
 * arrays (paths) and objects naming an attribute pass. Returns the JavaScript TypeError
 * Harper's check throws on a null or absent name (a 500 in every search), else NULL. */
const char *data_check_known(const data_table *dt, const cJSON *d, harper__buf *names,
                             size_t *count);

/* Replies `status` "unknown attribute 'a, b and c'": Harper joins the names with ", " and then
 * turns the last comma of the text into " and". */
void data_reply_unknown(ops_reply *reply, int status, harper__buf *names);

/* An attribute given as a name, or as a one-step path ["name"]; NULL for what the library
 * cannot search by (a deeper path, a number). */
const char *data_attr_name(const cJSON *v);

/* Adds the projection of get_attributes to q. ["*", ...] means every attribute of a dynamic
 * table, missing ones as null, and the stored record as is on a schema-defined one; a "*"
 * further on selects whole records too (the library's rule). Repeated names count once. */
int data_add_select(const data_table *dt, harper_query *q, const cJSON *sel, harper_error *err);

/* Runs q and replies with the JSON array of its rows, copied as the cursor hands them out. */
void data_reply_rows(ops_reply *reply, const harper_query *q);

/* Adds "sort": {"attribute", "descending", "next": {...}} to q. Replies and returns false
 * when Harper refuses the first level: 400 without an attribute, 404 for one the table
 * lacks. Harper ignores a "next" level it cannot use, and what follows it. */
bool data_add_sort(const data_table *dt, harper_query *q, const cJSON *sort, ops_reply *reply);

#endif
