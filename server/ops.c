/* ops.c: the Operations API's table of operations, who may call each, and the reply and
 * parameter helpers every handler uses (see ops.h). */
#include "ops.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "json.h"

struct operation {
    const char *name;
    ops_handler handler;
    const char *internal;   /* Harper's function name, as its 403 body names it; NULL: any user */
};

/* Names are exact and case-sensitive, as Harper's lookup is. Aliases are rows of their own. */
static const struct operation operations[] = {
    {"create_database", ops_create_database, "createSchema"},
    {"create_schema", ops_create_database, "createSchema"},
    {"drop_database", ops_drop_database, "dropSchema"},
    {"drop_schema", ops_drop_database, "dropSchema"},
    {"create_table", ops_create_table, "createTable"},
    {"drop_table", ops_drop_table, "dropTable"},
    {"create_attribute", ops_create_attribute, NULL},
    {"drop_attribute", ops_drop_attribute, "dropAttribute"},
    {"describe_all", ops_describe_all, NULL},
    {"describe_database", ops_describe_database, NULL},
    {"describe_schema", ops_describe_database, NULL},
    {"describe_table", ops_describe_table, NULL},
    {"insert", ops_insert, NULL},
    {"update", ops_update, NULL},
    {"upsert", ops_upsert, NULL},
    {"delete", ops_delete, NULL},
    {"search_by_id", ops_search_by_id, NULL},
    {"search_by_hash", ops_search_by_id, NULL},
    {"search_by_value", ops_search_by_value, NULL},
    {"search_by_conditions", ops_search_by_conditions, NULL},
    {"delete_records_before", ops_delete_records_before, "deleteRecordsBefore"},
    {"add_user", ops_add_user, "addUser"},
    {"alter_user", ops_alter_user, "alterUser"},
    {"drop_user", ops_drop_user, "dropUser"},
    {"list_users", ops_list_users, "listUsersExternal"},
    {"user_info", ops_user_info, NULL},
    {"system_information", ops_system_information, "systemInformation"},
    {"get_configuration", ops_get_configuration, "getConfiguration"},
    {"set_configuration", ops_set_configuration, "setConfiguration"},
    {"read_log", ops_read_log, "readLog"},
    {"read_transaction_log", ops_read_transaction_log, "readTransactionLog"},
    {"read_audit_log", ops_read_audit_log, "readAuditLog"},
    {"delete_audit_logs_before", ops_delete_audit_logs_before, "deleteAuditLogsBefore"},
    {"delete_transaction_logs_before", ops_delete_audit_logs_before,
     "deleteTransactionLogsBefore"},
};

static const struct operation *find(const char *name)
{
    for (size_t i = 0; i < sizeof operations / sizeof operations[0]; i++)
        if (strcmp(operations[i].name, name) == 0)
            return &operations[i];
    return NULL;
}

bool ops_exists(const char *name)
{
    return name != NULL && find(name) != NULL;
}

void ops_dispatch(const ops_request *req, ops_reply *reply)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(req->body, "operation");
    const struct operation *op = cJSON_IsString(name) ? find(name->valuestring) : NULL;

    if (op == NULL) {
        ops_reply_error(reply, 400, "Operation '%s' not found",
                        cJSON_IsString(name) ? name->valuestring : "");
        return;
    }
    /* Clients never get to choose to skip authorization. */
    cJSON_DeleteItemFromObjectCaseSensitive(req->body, "bypass_auth");
    if (op->internal != NULL && !req->super_user) {
        cJSON *body = cJSON_CreateObject();
        cJSON *denied = cJSON_CreateArray();
        char text[160];

        snprintf(text, sizeof text, "Operation '%s' is restricted to 'super_user' roles",
                 op->internal);
        cJSON_AddStringToObject(body, "error",
                                "This operation is not authorized due to role restrictions "
                                "and/or invalid database items");
        cJSON_AddItemToArray(denied, cJSON_CreateString(text));
        cJSON_AddItemToObject(body, "unauthorized_access", denied);
        cJSON_AddItemToObject(body, "invalid_schema_items", cJSON_CreateArray());
        ops_reply_json(reply, 403, body);
        return;
    }
    op->handler(req, reply);
}

/* ---- replies ---- */

void ops_reply_raw(ops_reply *r, int status, char *body, size_t len)
{
    free(r->body);
    r->status = status;
    r->body = body;
    r->len = len;
}

void ops_reply_json(ops_reply *r, int status, cJSON *v)
{
    harper__buf out = HARPER__BUF_INIT;
    char *text;
    size_t len = 0;

    if (v == NULL || harper__json_value(&out, v) != 0) {
        harper__buf_free(&out);
        cJSON_Delete(v);
        ops_reply_raw(r, 500, strdup("{\"error\":\"out of memory\"}"), 25);
        return;
    }
    cJSON_Delete(v);
    text = harper__buf_take(&out, &len);
    if (text == NULL)
        ops_reply_raw(r, 500, strdup("{\"error\":\"out of memory\"}"), 25);
    else
        ops_reply_raw(r, status, text, len);
}

/* {"<key>": "<formatted text>"} with `status`. */
static void reply_text(ops_reply *r, int status, const char *key, const char *fmt, va_list ap)
{
    char text[1024];
    cJSON *body = cJSON_CreateObject();

    vsnprintf(text, sizeof text, fmt, ap);
    if (body != NULL)
        cJSON_AddStringToObject(body, key, text);
    ops_reply_json(r, status, body);
}

void ops_reply_message(ops_reply *r, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    reply_text(r, 200, "message", fmt, ap);
    va_end(ap);
}

void ops_reply_error(ops_reply *r, int status, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    reply_text(r, status, "error", fmt, ap);
    va_end(ap);
}

void ops_reply_harper_error(ops_reply *r, const harper_error *err, int not_found_status)
{
    int status;

    switch (err->code) {
    case HARPER_ENODB:
    case HARPER_ENOTABLE:
    case HARPER_ENOTFOUND: status = not_found_status; break;
    case HARPER_EINVAL:
    case HARPER_EEXIST:
    case HARPER_ENOATTR: status = 400; break;
    case HARPER_EAUTH: status = 401; break;
    case HARPER_EPERM: status = 403; break;
    case HARPER_ETOOBIG: status = 413; break;
    case HARPER_ECONFLICT: status = 409; break;
    case HARPER_EBUSY: status = 503; break;
    default: status = 500;
    }
    ops_reply_error(r, status, "%s", err->message[0] ? err->message : harper_strerror(err->code));
}

void ops_reply_free(ops_reply *r)
{
    free(r->body);
    r->body = NULL;
    r->len = 0;
}

/* ---- parameters ---- */

cJSON *ops_param(const ops_request *req, const char *name, const char *alias)
{
    cJSON *v = cJSON_GetObjectItemCaseSensitive(req->body, name);

    if (v == NULL && alias != NULL)
        v = cJSON_GetObjectItemCaseSensitive(req->body, alias);
    return v;
}

const char *ops_database(const ops_request *req, ops_reply *r)
{
    const cJSON *v = ops_param(req, "database", "schema");

    if (v == NULL || cJSON_IsNull(v))
        return "data";
    if (!cJSON_IsString(v)) {
        ops_reply_error(r, 400, "'database' must be a string");
        return NULL;
    }
    return v->valuestring;
}

const char *ops_string(const ops_request *req, const char *name, bool required, ops_reply *r)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(req->body, name);

    if (v == NULL || cJSON_IsNull(v)) {
        if (required)
            ops_reply_error(r, 400, "'%s' is required", name);
        return NULL;
    }
    if (!cJSON_IsString(v)) {
        ops_reply_error(r, 400, "'%s' must be a string", name);
        return NULL;
    }
    return v->valuestring;
}
