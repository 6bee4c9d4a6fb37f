/* auth.c: users and roles as Harper keeps them, records of system.hdb_user (key "username")
 * and system.hdb_role (key "id"), read and written through libharper's own public table API.
 * This file holds the tables' definitions, harper_auth_init, the helpers auth_write.c shares
 * (auth.h) and the read side: listing users, login, the super-user test. auth_write.c holds
 * add_user / alter_user / drop_user. How a password is hashed and the memo of good logins live
 * in password.c; HTTP statuses are the server's business. */
#include "auth.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "error.h"
#include "json.h"
#include "password.h"

/* Harper's attributes of both tables. Timestamps come last, updated before created, so that
 * records print in the order Harper's do. Only what is searched is indexed: the role name
 * (add_user looks roles up by it) and a user's role (which users a role has). */
static const char USER_DEF[] =
    "{\"primary_key\":\"username\",\"attributes\":["
    "{\"name\":\"username\"},{\"name\":\"password\"},{\"name\":\"role\",\"indexed\":true},"
    "{\"name\":\"active\"},{\"name\":\"hash_function\"},{\"name\":\"hash\"},"
    "{\"name\":\"refresh_token\"},{\"name\":\"__updatedtime__\",\"indexed\":true},"
    "{\"name\":\"__createdtime__\",\"indexed\":true}]}";
static const char ROLE_DEF[] =
    "{\"primary_key\":\"id\",\"attributes\":["
    "{\"name\":\"id\"},{\"name\":\"permission\"},{\"name\":\"role\",\"indexed\":true},"
    "{\"name\":\"__updatedtime__\",\"indexed\":true},"
    "{\"name\":\"__createdtime__\",\"indexed\":true}]}";
/* The one role an install creates; property order as Harper's list_roles prints it. */
static const char SUPER_ROLE[] =
    "{\"permission\":{\"super_user\":true},\"role\":\"super_user\",\"id\":\"super_user\"}";

#define LOGIN_FAILED "Login failed"
#define USER_INACTIVE "Cannot complete request: User is inactive"

/* ---- shared helpers (auth.h) ---- */

int harper__auth_open(harper *h, struct harper__auth_sys *s, harper_error *err)
{
    int rc;

    s->users = NULL;
    s->roles = NULL;
    if (h == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a harper root is required");
    rc = harper_table_open(h, HARPER__AUTH_DB, HARPER__AUTH_USERS, &s->users, err);
    if (rc == HARPER_OK)
        rc = harper_table_open(h, HARPER__AUTH_DB, HARPER__AUTH_ROLES, &s->roles, err);
    return rc;
}

void harper__auth_close(struct harper__auth_sys *s)
{
    harper_table_close(s->users);
    harper_table_close(s->roles);
}

char *harper__auth_json_text(const cJSON *v, size_t *len)
{
    harper__buf b = HARPER__BUF_INIT;

    if (harper__json_value(&b, v) != 0 || b.failed) {
        harper__buf_free(&b);
        return NULL;
    }
    return harper__buf_take(&b, len);
}

char *harper__auth_name_key(const char *name, size_t *len)
{
    harper__buf b = HARPER__BUF_INIT;

    harper__json_string(&b, name, strlen(name));
    return harper__buf_take(&b, len);
}

/* Hands `v` to the caller as JSON text (harper_free). */
static int emit(const cJSON *v, char **json, size_t *len, harper_error *err)
{
    *json = harper__auth_json_text(v, len);
    return *json != NULL ? HARPER_OK : harper__error_set(err, HARPER_ENOMEM, "out of memory");
}

int harper__auth_read_record(harper_table *t, const char *key, size_t key_len, cJSON **out,
                             harper_error *err)
{
    char *json = NULL;
    size_t len = 0;
    int rc;

    *out = NULL;
    rc = harper_table_get(t, key, key_len, &json, &len, err);
    if (rc == HARPER_OK) {
        *out = cJSON_ParseWithLength(json, len);
        if (*out == NULL)
            rc = harper__error_set(err, HARPER_ECORRUPT, "a stored user or role is corrupt");
    }
    harper_free(json);
    return rc;
}

int harper__auth_read_user(const struct harper__auth_sys *s, const char *username, cJSON **out,
                           harper_error *err)
{
    size_t key_len;
    char *key = harper__auth_name_key(username, &key_len);
    int rc;

    *out = NULL;
    if (key == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    rc = harper__auth_read_record(s->users, key, key_len, out, err);
    free(key);
    return rc;
}

/* Turns a stored user into what list_users shows: secrets removed, "role" (the role's id)
 * replaced in place by the role record. A role that no longer exists leaves no "role", as
 * Harper's undefined does in JSON. */
static int user_view(const struct harper__auth_sys *s, cJSON *user, harper_error *err)
{
    static const char *const secrets[] = {"password", "hash", "refresh_token", "hash_function"};
    cJSON *role_id;
    cJSON *role = NULL;
    char *key;
    size_t key_len;
    int rc;

    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        cJSON_DeleteItemFromObjectCaseSensitive(user, secrets[i]);
    role_id = cJSON_GetObjectItemCaseSensitive(user, "role");
    if (role_id == NULL)
        return HARPER_OK;
    key = harper__auth_json_text(role_id, &key_len);
    if (key == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    rc = harper__auth_read_record(s->roles, key, key_len, &role, err);
    free(key);
    if (rc == HARPER_ENOTFOUND) {
        cJSON_Delete(cJSON_DetachItemViaPointer(user, role_id));
        return HARPER_OK;
    }
    /* By name, not by pointer: only this sets the new item's key (and keeps its place). */
    if (rc == HARPER_OK && !cJSON_ReplaceItemInObjectCaseSensitive(user, "role", role)) {
        cJSON_Delete(role);
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    }
    return rc;
}

/* ---- setting up ---- */

static int create_table(harper *h, const char *name, const char *def, harper_error *err)
{
    int rc = harper_table_create(h, HARPER__AUTH_DB, name, def, strlen(def), err);

    return rc == HARPER_EEXIST ? HARPER_OK : rc;
}

/* 1 if the user table has a record, 0 if not, or an error. */
static int any_user(const struct harper__auth_sys *s, harper_error *err)
{
    harper_query *q = NULL;
    harper_cursor *c = NULL;
    const char *row;
    size_t row_len;
    int rc;

    rc = harper_query_new(s->users, &q, err);
    if (rc == HARPER_OK)
        rc = harper_query_limit(q, 0, 1, err);
    if (rc == HARPER_OK)
        rc = harper_cursor_open(q, &c, err);
    if (rc == HARPER_OK)
        rc = harper_cursor_next(c, &row, &row_len, err);
    harper_cursor_close(c);
    harper_query_free(q);
    return rc;
}

int harper_auth_init(harper *h, const char *username, const char *password, harper_error *err)
{
    struct harper__auth_sys s = {NULL, NULL};
    cJSON *super_id = NULL;
    int rc;

    if (h == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a harper root is required");
    if (username != NULL && username[0] == '\0')
        return harper__error_set(err, HARPER_EINVAL, "Username can't be blank");
    if (username != NULL && password == NULL)
        return harper__error_set(err, HARPER_EINVAL, "Password can't be blank");
    rc = create_table(h, HARPER__AUTH_USERS, USER_DEF, err);
    if (rc == HARPER_OK)
        rc = create_table(h, HARPER__AUTH_ROLES, ROLE_DEF, err);
    if (rc == HARPER_OK)
        rc = harper__auth_open(h, &s, err);
    if (rc == HARPER_OK) {
        rc = harper_table_insert(s.roles, SUPER_ROLE, strlen(SUPER_ROLE), NULL, NULL, err);
        if (rc == HARPER_EEXIST)
            rc = HARPER_OK;
    }
    if (rc == HARPER_OK && username != NULL) {
        rc = any_user(&s, err);
        if (rc == 0) {
            super_id = cJSON_CreateString("super_user");
            rc = super_id == NULL
                     ? harper__error_set(err, HARPER_ENOMEM, "out of memory")
                     : harper__auth_insert_user(&s, username, password, strlen(password),
                                                super_id, true, err);
            /* Another thread's init got there first: users exist now, which is all we
             * promised. */
            rc = rc == HARPER_OK ? 1 : rc == HARPER_ECONFLICT ? 0 : rc;
        } else if (rc == 1) {
            rc = 0;
        }
    }
    if (rc >= 0)
        harper__password_forget_all();
    cJSON_Delete(super_id);
    harper__auth_close(&s);
    return rc;
}

/* ---- reading users ---- */

int harper_user_get(harper *h, const char *username, char **json, size_t *len, harper_error *err)
{
    struct harper__auth_sys s = {NULL, NULL};
    harper_query *q = NULL;
    harper_cursor *c = NULL;
    cJSON *out = NULL;
    int rc;

    if (json == NULL || len == NULL)
        return harper__error_set(err, HARPER_EINVAL, "json and len are required");
    *json = NULL;
    rc = harper__auth_open(h, &s, err);
    if (rc == HARPER_OK && username != NULL) {
        rc = harper__auth_read_user(&s, username, &out, err);
        if (rc == HARPER_ENOTFOUND)
            harper__error_set(err, rc, "User %s does not exist", username);
        if (rc == HARPER_OK)
            rc = user_view(&s, out, err);
    } else if (rc == HARPER_OK) {
        /* Every user, in key order, as list_users shows them. */
        out = cJSON_CreateArray();
        rc = out != NULL ? harper_query_new(s.users, &q, err)
                         : harper__error_set(err, HARPER_ENOMEM, "out of memory");
        if (rc == HARPER_OK)
            rc = harper_cursor_open(q, &c, err);
        while (rc == HARPER_OK) {
            const char *row;
            size_t row_len;
            cJSON *user;
            int more = harper_cursor_next(c, &row, &row_len, err);

            if (more <= 0) {
                rc = more;
                break;
            }
            user = cJSON_ParseWithLength(row, row_len);
            if (user == NULL) {
                rc = harper__error_set(err, HARPER_ECORRUPT, "a stored user is corrupt");
                break;
            }
            cJSON_AddItemToArray(out, user);
            rc = user_view(&s, user, err);
        }
    }
    if (rc == HARPER_OK)
        rc = emit(out, json, len, err);
    harper_cursor_close(c);
    harper_query_free(q);
    cJSON_Delete(out);
    harper__auth_close(&s);
    return rc;
}

int harper_user_authenticate(harper *h, const char *username, const char *password, char **json,
                             size_t *len, harper_error *err)
{
    struct harper__auth_sys s = {NULL, NULL};
    cJSON *user = NULL;
    const cJSON *stored;
    const cJSON *function;
    int rc;

    if (username == NULL || password == NULL)
        return harper__error_set(err, HARPER_EAUTH, LOGIN_FAILED);
    if (json != NULL && len == NULL)
        return harper__error_set(err, HARPER_EINVAL, "len is required with json");
    rc = harper__auth_open(h, &s, err);
    if (rc == HARPER_OK)
        rc = harper__auth_read_user(&s, username, &user, err);
    /* Without user tables nobody can log in; the caller learns no more than that. */
    if (rc == HARPER_ENOTFOUND || rc == HARPER_ENODB || rc == HARPER_ENOTABLE) {
        rc = harper__error_set(err, HARPER_EAUTH, LOGIN_FAILED);
        goto done;
    }
    if (rc != HARPER_OK)
        goto done;
    /* Harper tells an inactive user so before it checks the password. */
    if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(user, "active"))) {
        rc = harper__error_set(err, HARPER_EAUTH, USER_INACTIVE);
        goto done;
    }
    stored = cJSON_GetObjectItemCaseSensitive(user, "password");
    function = cJSON_GetObjectItemCaseSensitive(user, "hash_function");
    if (!cJSON_IsString(stored) ||
        (harper__auth_present(function) && !cJSON_IsString(function))) {
        rc = harper__error_set(err, HARPER_EAUTH, LOGIN_FAILED);
        goto done;
    }
    rc = harper__password_check(username, cJSON_IsString(function) ? function->valuestring : NULL,
                                stored->valuestring, password, strlen(password));
    if (rc < 0) {
        rc = harper__error_set(err, rc, "out of memory");
        goto done;
    }
    if (rc == 0) {
        rc = harper__error_set(err, HARPER_EAUTH, LOGIN_FAILED);
        goto done;
    }
    rc = HARPER_OK;
    if (json != NULL) {
        *json = NULL;
        rc = user_view(&s, user, err);
        if (rc == HARPER_OK)
            rc = emit(user, json, len, err);
    }
done:
    cJSON_Delete(user);
    harper__auth_close(&s);
    return rc;
}

int harper_user_is_super(harper *h, const char *username, harper_error *err)
{
    struct harper__auth_sys s = {NULL, NULL};
    cJSON *user = NULL;
    const cJSON *role;
    const cJSON *permission;
    int rc;

    if (username == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a username is required");
    rc = harper__auth_open(h, &s, err);
    if (rc == HARPER_OK)
        rc = harper__auth_read_user(&s, username, &user, err);
    if (rc == HARPER_ENOTFOUND)
        harper__error_set(err, rc, "User %s does not exist", username);
    if (rc == HARPER_OK)
        rc = user_view(&s, user, err);
    if (rc == HARPER_OK) {
        role = cJSON_GetObjectItemCaseSensitive(user, "role");
        permission = cJSON_GetObjectItemCaseSensitive(role, "permission");
        rc = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(permission, "super_user"));
    }
    cJSON_Delete(user);
    harper__auth_close(&s);
    return rc;
}
