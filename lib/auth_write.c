/* auth_write.c: add_user, alter_user and drop_user over system.hdb_user: Harper's checks in
 * Harper's order and words (spec operations-api.md 10.1), a role named by its "role" and
 * stored by its "id", and a fresh PBKDF2 hash for every new password. Every change empties the
 * login memo (password.c). Shared helpers and the tables are auth.c's. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "buf.h"
#include "error.h"
#include "json.h"
#include "password.h"

#define MULTIPLE_ROLES \
    "Multiple %s roles found.  Roles must have unique 'role' value. Please update and try again."

static int parse_object(const char *json, size_t len, cJSON **out, harper_error *err)
{
    *out = NULL;
    if (json == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a JSON object is required");
    *out = cJSON_ParseWithLength(json, len);
    if (*out == NULL)
        return harper__error_set(err, HARPER_EINVAL, "Invalid JSON.");
    if (!cJSON_IsObject(*out))
        return harper__error_set(err, HARPER_EINVAL, "a JSON object is required");
    return HARPER_OK;
}

/* The role whose *name* ("role", not "id") is `name`, in *out. HARPER_ENOTFOUND when none,
 * HARPER_ECONFLICT when several; for those two err is untouched, as the caller words them. */
static int find_role(const struct harper__auth_sys *s, const cJSON *name, cJSON **out,
                     harper_error *err)
{
    harper_query *q = NULL;
    harper_cursor *c = NULL;
    size_t value_len = 0;
    char *value = harper__auth_json_text(name, &value_len);
    int found = 0;
    int rc;

    *out = NULL;
    if (value == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    rc = harper_query_new(s->roles, &q, err);
    if (rc == HARPER_OK)
        rc = harper_query_where(q, "role", HARPER_EQUALS, value, value_len, err);
    if (rc == HARPER_OK)
        rc = harper_query_limit(q, 0, 2, err);
    if (rc == HARPER_OK)
        rc = harper_cursor_open(q, &c, err);
    while (rc == HARPER_OK) {
        const char *row;
        size_t row_len;
        int more = harper_cursor_next(c, &row, &row_len, err);

        if (more <= 0) {
            rc = more;
            break;
        }
        if (++found == 1 && (*out = cJSON_ParseWithLength(row, row_len)) == NULL)
            rc = harper__error_set(err, HARPER_ECORRUPT, "a stored role is corrupt");
    }
    if (rc == HARPER_OK && found != 1)
        rc = found == 0 ? HARPER_ENOTFOUND : HARPER_ECONFLICT;
    if (rc != HARPER_OK) {
        cJSON_Delete(*out);
        *out = NULL;
    }
    harper_cursor_close(c);
    harper_query_free(q);
    free(value);
    return rc;
}

int harper__auth_insert_user(const struct harper__auth_sys *s, const char *username,
                             const char *password, size_t password_len, const cJSON *role_id,
                             bool active, harper_error *err)
{
    cJSON *rec = cJSON_CreateObject();
    char *hash = NULL;
    char *text = NULL;
    size_t text_len = 0;
    int rc = HARPER_OK;

    if (rec == NULL)
        return harper__error_set(err, HARPER_ENOMEM, "out of memory");
    rc = harper__password_hash(password, password_len, &hash, err);
    if (rc != HARPER_OK)
        goto done;
    /* Property order as Harper writes a new user. */
    if (cJSON_AddStringToObject(rec, "username", username) == NULL ||
        cJSON_AddStringToObject(rec, "password", hash) == NULL ||
        !cJSON_AddItemToObject(rec, "role", cJSON_Duplicate(role_id, 1)) ||
        cJSON_AddBoolToObject(rec, "active", active) == NULL ||
        cJSON_AddStringToObject(rec, "hash_function", HARPER__PW_FUNCTION) == NULL ||
        (text = harper__auth_json_text(rec, &text_len)) == NULL) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    rc = harper_table_insert(s->users, text, text_len, NULL, NULL, err);
    if (rc == HARPER_EEXIST)
        rc = harper__error_set(err, HARPER_ECONFLICT, "User %s already exists", username);
done:
    free(text);
    free(hash);
    cJSON_Delete(rec);
    return rc;
}

/* add_user's checks, in Harper's (validate.js) order and wording, joined with ",". */
static int check_new_user(const cJSON *req, harper_error *err)
{
    const cJSON *username = cJSON_GetObjectItemCaseSensitive(req, "username");
    const cJSON *password = cJSON_GetObjectItemCaseSensitive(req, "password");
    const cJSON *role = cJSON_GetObjectItemCaseSensitive(req, "role");
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(req, "active");
    const char *problems[4];
    size_t n = 0;
    harper__buf msg = HARPER__BUF_INIT;
    int rc = HARPER_OK;

    if (!harper__auth_present(username))
        problems[n++] = "Username can't be blank";
    else if (!cJSON_IsString(username))
        problems[n++] = "Username must be a string";
    if (!harper__auth_present(password))
        problems[n++] = "Password can't be blank";
    else if (!cJSON_IsString(password))
        problems[n++] = "Password must be a string";
    if (!harper__auth_present(role)) {
        problems[n++] = "Role can't be blank";
    } else {
        /* Harper's format is [\w\-\_]+: ASCII word characters and '-'. */
        const char *p = cJSON_IsString(role) ? role->valuestring : "";

        if (*p == '\0' || p[strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789_-")] != '\0')
            problems[n++] = "Role is invalid";
    }
    if (!harper__auth_present(active))
        problems[n++] = "Active can't be blank";
    else if (!cJSON_IsBool(active))
        problems[n++] = "Active must be a boolean";
    if (n == 0)
        return HARPER_OK;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            harper__buf_byte(&msg, ',');
        harper__buf_str(&msg, problems[i]);
    }
    if (harper__buf_cstr(&msg) == NULL)
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    else
        rc = harper__error_set(err, HARPER_EINVAL, "%s", msg.data);
    harper__buf_free(&msg);
    return rc;
}

/* A role-lookup failure in Harper's words, which differ between add_user and alter_user. */
static int role_error(int rc, const cJSON *name, bool in_alter, harper_error *err)
{
    char *text = NULL;
    const char *shown;

    if (rc != HARPER_ENOTFOUND && rc != HARPER_ECONFLICT)
        return rc;
    /* A name that is not a string shows as JavaScript would print it: 5, true. */
    if (cJSON_IsString(name)) {
        shown = name->valuestring;
    } else {
        text = harper__auth_json_text(name, NULL);
        if (text == NULL)
            return harper__error_set(err, HARPER_ENOMEM, "out of memory");
        shown = text;
    }
    if (rc == HARPER_ENOTFOUND && in_alter)
        harper__error_set(err, rc, "Update failed.  Requested '%s' role not found.", shown);
    else if (rc == HARPER_ENOTFOUND)
        harper__error_set(err, rc, "%s role not found", shown);
    else
        harper__error_set(err, rc, MULTIPLE_ROLES, shown);
    free(text);
    return rc;
}

int harper_user_add(harper *h, const char *json, size_t len, harper_error *err)
{
    struct harper__auth_sys s = {NULL, NULL};
    cJSON *req = NULL;
    cJSON *role = NULL;
    cJSON *existing = NULL;
    const cJSON *username;
    const cJSON *password;
    const cJSON *role_name;
    int rc;

    rc = parse_object(json, len, &req, err);
    if (rc == HARPER_OK)
        rc = check_new_user(req, err);
    if (rc == HARPER_OK)
        rc = harper__auth_open(h, &s, err);
    if (rc != HARPER_OK)
        goto done;
    username = cJSON_GetObjectItemCaseSensitive(req, "username");
    password = cJSON_GetObjectItemCaseSensitive(req, "password");
    role_name = cJSON_GetObjectItemCaseSensitive(req, "role");
    rc = role_error(find_role(&s, role_name, &role, err), role_name, false, err);
    if (rc != HARPER_OK)
        goto done;
    if (cJSON_GetObjectItemCaseSensitive(role, "id") == NULL) {
        rc = harper__error_set(err, HARPER_ECORRUPT, "role %s has no id", role_name->valuestring);
        goto done;
    }
    /* Checked before hashing, so a taken name costs no PBKDF2; the insert checks again. */
    rc = harper__auth_read_user(&s, username->valuestring, &existing, err);
    if (rc == HARPER_OK) {
        rc = harper__error_set(err, HARPER_ECONFLICT, "User %s already exists",
                               username->valuestring);
        goto done;
    }
    if (rc != HARPER_ENOTFOUND)
        goto done;
    rc = harper__auth_insert_user(&s, username->valuestring, password->valuestring,
                                  strlen(password->valuestring),
                                  cJSON_GetObjectItemCaseSensitive(role, "id"),
                                  cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(req, "active")),
                                  err);
    if (rc == HARPER_OK)
        harper__password_forget_all();
done:
    cJSON_Delete(existing);
    cJSON_Delete(role);
    cJSON_Delete(req);
    harper__auth_close(&s);
    return rc;
}

/* alter_user's checks, in Harper's order; its messages are lower-case, unlike add_user's. */
static int check_user_change(const cJSON *req, harper_error *err)
{
    const cJSON *username = cJSON_GetObjectItemCaseSensitive(req, "username");
    const cJSON *password = cJSON_GetObjectItemCaseSensitive(req, "password");
    const cJSON *role = cJSON_GetObjectItemCaseSensitive(req, "role");
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(req, "active");

    /* A number names a record as it would in an update: it is simply not found. */
    if (!harper__auth_given(username) || !(cJSON_IsString(username) || cJSON_IsNumber(username)))
        return harper__error_set(err, HARPER_EINVAL, "username is required");
    if (!harper__auth_given(password) && !harper__auth_given(role) && !harper__auth_given(active))
        return harper__error_set(err, HARPER_EINVAL,
                                 "nothing to update, must supply active, role or password to "
                                 "update");
    if (harper__auth_present(password)) {
        if (!cJSON_IsString(password))
            return harper__error_set(err, HARPER_EINVAL, "password must be a string");
        /* Harper trims before it checks; a password of blanks counts as empty. */
        if (password->valuestring[strspn(password->valuestring, " \t\n\v\f\r")] == '\0')
            return harper__error_set(err, HARPER_EINVAL, "password cannot be an empty string");
    }
    if (harper__auth_present(active) && !cJSON_IsBool(active))
        return harper__error_set(err, HARPER_EINVAL, "active must be true or false");
    if (harper__auth_present(role) && !harper__auth_given(role))
        return harper__error_set(err, HARPER_EINVAL, "If role is specified, it cannot be empty.");
    return HARPER_OK;
}

/* The update reply of alter_user: Harper's update body for one record. hdb_user has declared
 * attributes, so, as for any schema-defined table, there is no "new_attributes". */
static int alter_reply(const char *key, size_t key_len, bool updated, double txn_time,
                       char **reply, size_t *reply_len, harper_error *err)
{
    harper__buf b = HARPER__BUF_INIT;

    harper__buf_printf(&b, "{\"message\":\"updated %d of 1 records\",\"txn_time\":", updated);
    harper__json_number(&b, txn_time);
    harper__buf_str(&b, ",\"update_hashes\":[");
    if (updated)
        harper__buf_append(&b, key, key_len);
    harper__buf_str(&b, "],\"skipped_hashes\":[");
    if (!updated)
        harper__buf_append(&b, key, key_len);
    harper__buf_str(&b, "]}");
    *reply = harper__buf_take(&b, reply_len);
    return *reply != NULL ? HARPER_OK : harper__error_set(err, HARPER_ENOMEM, "out of memory");
}

/* The properties alter_user changes, as a patch for the user record. */
static int user_patch(const cJSON *req, const cJSON *role, cJSON **out, harper_error *err)
{
    const cJSON *password = cJSON_GetObjectItemCaseSensitive(req, "password");
    const cJSON *active = cJSON_GetObjectItemCaseSensitive(req, "active");
    cJSON *patch = cJSON_CreateObject();
    char *hash = NULL;
    bool ok = patch != NULL;
    int rc = HARPER_OK;

    if (ok && harper__auth_present(password)) {
        rc = harper__password_hash(password->valuestring, strlen(password->valuestring), &hash,
                                   err);
        if (rc != HARPER_OK)
            goto done;
        ok = cJSON_AddStringToObject(patch, "password", hash) != NULL &&
             cJSON_AddStringToObject(patch, "hash_function", HARPER__PW_FUNCTION) != NULL;
    }
    if (ok && role != NULL)
        ok = cJSON_AddItemToObject(patch, "role",
                                   cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(role, "id"),
                                                   1));
    if (ok && harper__auth_present(active))
        ok = cJSON_AddBoolToObject(patch, "active", cJSON_IsTrue(active)) != NULL;
    if (!ok)
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
done:
    free(hash);
    if (rc != HARPER_OK) {
        cJSON_Delete(patch);
        patch = NULL;
    }
    *out = patch;
    return rc;
}

int harper_user_alter(harper *h, const char *json, size_t len, char **reply, size_t *reply_len,
                      harper_error *err)
{
    struct harper__auth_sys s = {NULL, NULL};
    cJSON *req = NULL;
    cJSON *role = NULL;
    cJSON *existing = NULL;
    cJSON *patch = NULL;
    harper_txn *txn = NULL;
    const cJSON *role_name;
    char *key = NULL;
    char *text = NULL;
    size_t key_len = 0;
    size_t text_len = 0;
    bool updated = false;
    double txn_time;
    int rc;

    if (reply == NULL || reply_len == NULL)
        return harper__error_set(err, HARPER_EINVAL, "reply and reply_len are required");
    *reply = NULL;
    rc = parse_object(json, len, &req, err);
    if (rc == HARPER_OK)
        rc = check_user_change(req, err);
    if (rc == HARPER_OK)
        rc = harper__auth_open(h, &s, err);
    if (rc != HARPER_OK)
        goto done;
    /* Harper looks the role up before the user: an unknown role is a 404 even for an unknown
     * user. */
    role_name = cJSON_GetObjectItemCaseSensitive(req, "role");
    if (harper__auth_present(role_name)) {
        rc = role_error(find_role(&s, role_name, &role, err), role_name, true, err);
        if (rc == HARPER_OK && cJSON_GetObjectItemCaseSensitive(role, "id") == NULL)
            rc = harper__error_set(err, HARPER_ECORRUPT, "a stored role has no id");
        if (rc != HARPER_OK)
            goto done;
    }
    key = harper__auth_json_text(cJSON_GetObjectItemCaseSensitive(req, "username"), &key_len);
    if (key == NULL) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    /* An unknown user is skipped, not an error; knowing it first spares the hash. */
    rc = harper__auth_read_record(s.users, key, key_len, &existing, err);
    if (rc == HARPER_ENOTFOUND)
        rc = HARPER_OK;
    if (rc == HARPER_OK && existing != NULL)
        rc = user_patch(req, role, &patch, err);
    if (rc == HARPER_OK && patch != NULL &&
        (text = harper__auth_json_text(patch, &text_len)) == NULL)
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    if (rc == HARPER_OK)
        rc = harper_txn_begin(h, HARPER__AUTH_DB, &txn, err);
    if (rc != HARPER_OK)
        goto done;
    txn_time = harper_txn_time(txn);
    if (text != NULL) {
        rc = harper_txn_write(txn, s.users, HARPER_WRITE_UPDATE, key, key_len, text, text_len,
                              NULL, NULL, err);
        /* Dropped between our read and this write: skipped, as Harper's update would. */
        updated = rc == HARPER_OK;
        if (rc == HARPER_ENOTFOUND)
            rc = HARPER_OK;
    }
    if (rc != HARPER_OK) {
        harper_txn_abort(txn);
        goto done;
    }
    rc = harper_txn_commit(txn, err);
    if (rc == HARPER_OK)
        rc = alter_reply(key, key_len, updated, txn_time, reply, reply_len, err);
    if (updated)
        harper__password_forget_all();
done:
    free(text);
    free(key);
    cJSON_Delete(patch);
    cJSON_Delete(existing);
    cJSON_Delete(role);
    cJSON_Delete(req);
    harper__auth_close(&s);
    return rc;
}

int harper_user_drop(harper *h, const char *username, harper_error *err)
{
    struct harper__auth_sys s = {NULL, NULL};
    char *key = NULL;
    size_t key_len = 0;
    int rc;

    if (username == NULL)
        return harper__error_set(err, HARPER_EINVAL, "Username can't be blank");
    rc = harper__auth_open(h, &s, err);
    if (rc == HARPER_OK && (key = harper__auth_name_key(username, &key_len)) == NULL)
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
    if (rc == HARPER_OK)
        rc = harper_table_delete(s.users, key, key_len, err);
    if (rc == HARPER_ENOTFOUND)
        harper__error_set(err, rc, "User %s does not exist", username);
    if (rc == HARPER_OK)
        harper__password_forget_all();
    free(key);
    harper__auth_close(&s);
    return rc;
}
