/* ops_users.c: add_user, alter_user, drop_user, list_users and user_info (spec
 * operations-api.md 10.1). libharper's harper_user_* do the checks and speak Harper's messages;
 * this file picks the statuses Harper gives them and shapes user_info. Who may call what is
 * ops.c's business. */
#include <stdlib.h>
#include <string.h>

#include "auth_cache.h"
#include "ops.h"

/* The request body as JSON text for libharper (free()); NULL and a 500 reply when memory runs
 * out. libharper reads only the keys it knows, so "operation" and the rest can stay. */
static char *body_text(const ops_request *req, ops_reply *reply)
{
    char *text = cJSON_PrintUnformatted(req->body);

    if (text == NULL)
        ops_reply_error(reply, 500, "out of memory");
    return text;
}

/* Answers with a buffer libharper returned: copied, as it goes back through harper_free and
 * the reply through free(). */
static void reply_harper_json(ops_reply *reply, char *json, size_t len)
{
    char *copy = malloc(len + 1);

    if (copy == NULL) {
        ops_reply_error(reply, 500, "out of memory");
    } else {
        memcpy(copy, json, len);
        copy[len] = '\0';
        ops_reply_raw(reply, 200, copy, len);
    }
    harper_free(json);
}

/* Logins remembered by the HTTP layer may no longer hold once users changed. */
static void forget_logins(void)
{
    auth_cache_forget();
}

void ops_add_user(const ops_request *req, ops_reply *reply)
{
    char *text = body_text(req, reply);
    harper_error err;
    int rc;

    if (text == NULL)
        return;
    /* Validation 400, unknown role 404, a taken name (or duplicate roles) 409. */
    rc = harper_user_add(req->h, text, strlen(text), &err);
    forget_logins();
    if (rc != HARPER_OK)
        ops_reply_harper_error(reply, &err, 404);
    else
        ops_reply_message(reply, "%s successfully added",
                          cJSON_GetObjectItemCaseSensitive(req->body, "username")->valuestring);
    free(text);
}

void ops_alter_user(const ops_request *req, ops_reply *reply)
{
    char *text = body_text(req, reply);
    char *json = NULL;
    size_t len = 0;
    harper_error err;
    int rc;

    if (text == NULL)
        return;
    rc = harper_user_alter(req->h, text, strlen(text), &json, &len, &err);
    forget_logins();
    if (rc == HARPER_OK)
        reply_harper_json(reply, json, len);
    else if (err.code == HARPER_EINVAL)
        /* Harper's alterUser throws plain Errors for these, which become 500s. */
        ops_reply_error(reply, 500, "%s", err.message);
    else
        ops_reply_harper_error(reply, &err, 404);
    free(text);
}

void ops_drop_user(const ops_request *req, ops_reply *reply)
{
    const cJSON *username = cJSON_GetObjectItemCaseSensitive(req->body, "username");
    char *shown = NULL;
    harper_error err;
    int rc;

    if (username == NULL || cJSON_IsNull(username)) {
        ops_reply_error(reply, 400, "Username can't be blank");
        return;
    }
    /* A name that is not a string is looked up as JavaScript would print it; no user has
     * such a name, so it ends in Harper's "does not exist". */
    if (!cJSON_IsString(username) && (shown = cJSON_PrintUnformatted(username)) == NULL) {
        ops_reply_error(reply, 500, "out of memory");
        return;
    }
    rc = harper_user_drop(req->h, shown != NULL ? shown : username->valuestring, &err);
    forget_logins();
    if (rc != HARPER_OK)
        ops_reply_harper_error(reply, &err, 404);
    else
        ops_reply_message(reply, "%s successfully deleted",
                          shown != NULL ? shown : username->valuestring);
    free(shown);
}

void ops_list_users(const ops_request *req, ops_reply *reply)
{
    char *json = NULL;
    size_t len = 0;
    harper_error err;

    if (harper_user_get(req->h, NULL, &json, &len, &err) != HARPER_OK)
        ops_reply_harper_error(reply, &err, 404);
    else
        reply_harper_json(reply, json, len);
}

/* The first user whose role is a super user's, for a trusted local request (which has no user
 * of its own), parsed; NULL if there is none. Harper runs such a request as that user. */
static cJSON *first_super_user(const ops_request *req, harper_error *err)
{
    char *json = NULL;
    size_t len = 0;
    cJSON *users;
    cJSON *u;
    cJSON *found = NULL;

    if (harper_user_get(req->h, NULL, &json, &len, err) != HARPER_OK)
        return NULL;
    users = cJSON_ParseWithLength(json, len);
    harper_free(json);
    cJSON_ArrayForEach(u, users) {
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(u, "role");
        const cJSON *permission = cJSON_GetObjectItemCaseSensitive(role, "permission");

        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(permission, "super_user"))) {
            found = cJSON_DetachItemViaPointer(users, u);
            break;
        }
    }
    cJSON_Delete(users);
    return found;
}

void ops_user_info(const ops_request *req, ops_reply *reply)
{
    static const char *const shown[] = {"active", "username", "role"};
    harper_error err = {HARPER_ENOTFOUND, "no super user exists"};
    cJSON *user = NULL;
    cJSON *out;

    if (req->username != NULL) {
        char *json = NULL;
        size_t len = 0;

        if (harper_user_get(req->h, req->username, &json, &len, &err) == HARPER_OK) {
            user = cJSON_ParseWithLength(json, len);
            harper_free(json);
            if (user == NULL)
                err = (harper_error){HARPER_ENOMEM, "out of memory"};
        }
    } else {
        user = first_super_user(req, &err);
    }
    if (user == NULL) {
        ops_reply_harper_error(reply, &err, 404);
        return;
    }
    /* Harper answers from the user it authenticated, which holds these three only, in this
     * order: no timestamps, unlike a list_users entry. */
    out = cJSON_CreateObject();
    for (size_t i = 0; out != NULL && i < sizeof shown / sizeof shown[0]; i++) {
        cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(user, shown[i]);

        if (v != NULL)
            cJSON_AddItemToObject(out, shown[i], v);
    }
    cJSON_Delete(user);
    ops_reply_json(reply, 200, out);
}
