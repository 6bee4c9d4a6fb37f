/* ops.h: the Operations API: one handler per operation, the request and reply they share, and
 * the helpers that give every reply Harper's exact shape (spec/operations-api.md sections 2-5).
 * http.c parses the body and authenticates; ops.c finds the handler and checks who may call
 * it; the ops_*.c files do the work through libharper. Handlers never see HTTP. */
#ifndef HARPER_SERVER_OPS_H
#define HARPER_SERVER_OPS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "harper.h"

struct server;   /* server.h: configuration, paths, the log */

typedef struct ops_request {
    harper *h;
    struct server *srv;
    const char *username;       /* the authenticated user; NULL when local and trusted */
    bool super_user;
    cJSON *body;                /* the request object; handlers may read and modify it */
} ops_request;

typedef struct ops_reply {
    int status;                 /* HTTP status */
    char *body;                 /* JSON text, malloc'd, NUL-terminated; freed by ops_reply_free */
    size_t len;
    bool close;                 /* answer with Connection: close (restart) */
} ops_reply;

typedef void (*ops_handler)(const ops_request *req, ops_reply *reply);

/* Runs the operation named in req->body (already known to be an object with a non-empty
 * "operation" string): lookup (400 "Operation 'x' not found"), the super-user check (403 with
 * Harper's internal function name), then the handler. */
void ops_dispatch(const ops_request *req, ops_reply *reply);

/* Whether `name` is an operation harper-server knows (the CLI asks before sending). */
bool ops_exists(const char *name);

/* ---- replies ---- */

/* 200 with `v` printed as JSON (numbers as JavaScript prints them); takes ownership of v. */
void ops_reply_json(ops_reply *r, int status, cJSON *v);
/* 200 {"message": text}. */
void ops_reply_message(ops_reply *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* {"error": text} with `status`. */
void ops_reply_error(ops_reply *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* {"error": err->message} with the status Harper gives for err->code in this operation:
 * not_found_status for HARPER_ENODB / HARPER_ENOTABLE / HARPER_ENOTFOUND (400 for writes,
 * 404 for reads, describe, delete and drop: spec INDEX trap 2), 400 for HARPER_EINVAL /
 * HARPER_EEXIST / HARPER_ENOATTR, 401 HARPER_EAUTH, 403 HARPER_EPERM, 409 HARPER_ECONFLICT,
 * 503 HARPER_EBUSY, 500 otherwise. */
void ops_reply_harper_error(ops_reply *r, const harper_error *err, int not_found_status);
/* Takes ownership of JSON text `body` (malloc'd, len bytes) as the reply. */
void ops_reply_raw(ops_reply *r, int status, char *body, size_t len);
void ops_reply_free(ops_reply *r);

/* ---- parameters ---- */

/* "database", else its alias "schema", else "data". NULL (and a 400 reply) if present but not
 * a string. */
const char *ops_database(const ops_request *req, ops_reply *r);

/* The string parameter `name`. Missing: NULL, and when `required` a 400 "'<name>' is required"
 * reply; present but not a string: NULL and 400 "'<name>' must be a string". */
const char *ops_string(const ops_request *req, const char *name, bool required, ops_reply *r);

/* The first present of `name` and `alias` (either may be absent from the body). */
cJSON *ops_param(const ops_request *req, const char *name, const char *alias);

/* ---- the handlers, by file ---- */

/* ops_schema.c: spec sections 7.1-7.9 */
void ops_create_database(const ops_request *req, ops_reply *reply);
void ops_drop_database(const ops_request *req, ops_reply *reply);
void ops_create_table(const ops_request *req, ops_reply *reply);
void ops_drop_table(const ops_request *req, ops_reply *reply);
void ops_create_attribute(const ops_request *req, ops_reply *reply);
void ops_drop_attribute(const ops_request *req, ops_reply *reply);
void ops_describe_all(const ops_request *req, ops_reply *reply);
void ops_describe_database(const ops_request *req, ops_reply *reply);
void ops_describe_table(const ops_request *req, ops_reply *reply);

/* ops_data.c, ops_delete.c, ops_search.c, ops_conditions.c: spec sections 8.1-8.7 and
 * delete_records_before */
void ops_insert(const ops_request *req, ops_reply *reply);
void ops_update(const ops_request *req, ops_reply *reply);
void ops_upsert(const ops_request *req, ops_reply *reply);
void ops_delete(const ops_request *req, ops_reply *reply);
void ops_search_by_id(const ops_request *req, ops_reply *reply);
void ops_search_by_value(const ops_request *req, ops_reply *reply);
void ops_search_by_conditions(const ops_request *req, ops_reply *reply);
void ops_delete_records_before(const ops_request *req, ops_reply *reply);

/* ops_users.c: spec section 10.1 */
void ops_add_user(const ops_request *req, ops_reply *reply);
void ops_alter_user(const ops_request *req, ops_reply *reply);
void ops_drop_user(const ops_request *req, ops_reply *reply);
void ops_list_users(const ops_request *req, ops_reply *reply);
void ops_user_info(const ops_request *req, ops_reply *reply);

/* sysinfo.c and ops_system.c: spec section 14 */
void ops_system_information(const ops_request *req, ops_reply *reply);
void ops_get_configuration(const ops_request *req, ops_reply *reply);
void ops_set_configuration(const ops_request *req, ops_reply *reply);
void ops_read_log(const ops_request *req, ops_reply *reply);
void ops_read_transaction_log(const ops_request *req, ops_reply *reply);
void ops_read_audit_log(const ops_request *req, ops_reply *reply);
void ops_delete_audit_logs_before(const ops_request *req, ops_reply *reply);

#endif
