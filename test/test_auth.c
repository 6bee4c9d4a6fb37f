/* test_auth.c: users, roles, password hashes and login (lib/auth*.c, lib/password.c) through
 * the public API, with records of system.hdb_user written directly where a test needs a hash
 * the API would never make (Harper's legacy ones). */
#include <pthread.h>

#include <cjson/cJSON.h>

#include "password.h"
#include "test.h"

/* The super_user role as users show it, timestamps aside. */
#define ADMIN_ROLE \
    "{\"permission\":{\"super_user\":true},\"role\":\"super_user\",\"id\":\"super_user\"}"

static harper *open_root(void)
{
    harper *h = NULL;
    harper_error err;

    CHECK_OK(harper_open(test_dir(), NULL, &h, &err), &err);
    return h;
}

/* A root with the tables, the super_user role and the super user admin/password. */
static harper *open_with_admin(void)
{
    harper *h = open_root();
    harper_error err;

    CHECK_EQ_INT(harper_auth_init(h, "admin", "password", &err), 1);
    return h;
}

static void add_user(harper *h, const char *json)
{
    harper_error err;

    CHECK_OK(harper_user_add(h, json, strlen(json), &err), &err);
}

static harper_table *open_system(harper *h, const char *table)
{
    harper_table *t = NULL;
    harper_error err;

    CHECK_OK(harper_table_open(h, "system", table, &t, &err), &err);
    return t;
}

static void put_record(harper *h, const char *table, const char *json)
{
    harper_table *t = open_system(h, table);
    harper_error err;

    CHECK_OK(harper_table_put(t, json, strlen(json), &err), &err);
    harper_table_close(t);
}

/* The stored record `key` (JSON) of a system table, parsed; the caller deletes it. */
static cJSON *stored(harper *h, const char *table, const char *key)
{
    harper_table *t = open_system(h, table);
    harper_error err;
    char *json = NULL;
    size_t len = 0;
    cJSON *v;

    CHECK_OK(harper_table_get(t, key, strlen(key), &json, &len, &err), &err);
    v = cJSON_ParseWithLength(json, len);
    CHECK(v != NULL);
    harper_free(json);
    harper_table_close(t);
    return v;
}

/* Removes the timestamps from every object in v (after checking they are epoch ms), so that
 * the rest can be compared as text. */
static void strip_times(cJSON *v)
{
    static const char *const names[] = {"__createdtime__", "__updatedtime__"};
    cJSON *child;

    for (size_t i = 0; cJSON_IsObject(v) && i < 2; i++) {
        cJSON *t = cJSON_DetachItemFromObjectCaseSensitive(v, names[i]);

        CHECK(t != NULL);
        CHECK(cJSON_IsNumber(t) && t->valuedouble > 1.6e12);
        cJSON_Delete(t);
    }
    cJSON_ArrayForEach(child, v) {
        if (cJSON_IsObject(child) && child->string != NULL &&
            strcmp(child->string, "permission") == 0)
            continue;
        if (cJSON_IsObject(child) || cJSON_IsArray(child))
            strip_times(child);
    }
}

/* Compares JSON text got[0..len) with `want` once timestamps are gone; frees got. */
static void check_json(char *got, size_t len, const char *want)
{
    cJSON *v = cJSON_ParseWithLength(got, len);
    char *text;

    CHECK(v != NULL);
    CHECK_EQ_INT(strlen(got), len);
    strip_times(v);
    text = cJSON_PrintUnformatted(v);
    CHECK_EQ_STR(text, want);
    free(text);
    cJSON_Delete(v);
    harper_free(got);
}

static void check_user(harper *h, const char *name, const char *want)
{
    harper_error err;
    char *json = NULL;
    size_t len = 0;

    CHECK_OK(harper_user_get(h, name, &json, &len, &err), &err);
    check_json(json, len, want);
}

static int user_count(harper *h)
{
    harper_error err;
    char *json = NULL;
    size_t len = 0;
    cJSON *v;
    int n;

    CHECK_OK(harper_user_get(h, NULL, &json, &len, &err), &err);
    v = cJSON_ParseWithLength(json, len);
    CHECK(cJSON_IsArray(v));
    n = cJSON_GetArraySize(v);
    cJSON_Delete(v);
    harper_free(json);
    return n;
}

static int login(harper *h, const char *user, const char *password, harper_error *err)
{
    return harper_user_authenticate(h, user, password, NULL, NULL, err);
}

static void check_add_fails(harper *h, const char *json, int code, const char *message)
{
    harper_error err;
    int before = user_count(h);

    CHECK_ERR(harper_user_add(h, json, strlen(json), &err), code, &err, message);
    CHECK_EQ_INT(user_count(h), before);
}

static void check_alter_fails(harper *h, const char *json, int code, const char *message)
{
    harper_error err;
    char *reply = (char *)"untouched";
    size_t reply_len = 0;

    CHECK_ERR(harper_user_alter(h, json, strlen(json), &reply, &reply_len, &err), code, &err,
              message);
    CHECK(reply == NULL);
}

/* Runs alter_user and checks its reply, txn_time aside, against `want`. */
static void check_alter(harper *h, const char *json, const char *want)
{
    harper_error err;
    char *reply = NULL;
    size_t len = 0;
    cJSON *v;
    cJSON *t;
    char *text;

    CHECK_OK(harper_user_alter(h, json, strlen(json), &reply, &len, &err), &err);
    CHECK_EQ_INT(strlen(reply), len);
    v = cJSON_Parse(reply);
    CHECK(v != NULL);
    t = cJSON_GetObjectItemCaseSensitive(v, "txn_time");
    CHECK(cJSON_IsNumber(t) && t->valuedouble > 1.6e12);
    cJSON_SetNumberValue(t, 0);
    text = cJSON_PrintUnformatted(v);
    CHECK_EQ_STR(text, want);
    free(text);
    cJSON_Delete(v);
    harper_free(reply);
}

/* ---- setting up ---- */

TEST(auth_init_creates_role_and_user_once)
{
    harper *h = open_root();
    harper_error err;
    cJSON *rec;
    const cJSON *pw;

    CHECK_EQ_INT(harper_auth_init(h, "admin", "password", &err), 1);
    CHECK_EQ_INT(harper_auth_init(h, "other", "x", &err), 0);
    CHECK_EQ_INT(harper_auth_init(h, NULL, NULL, &err), 0);
    check_user(h, NULL,
               "[{\"username\":\"admin\",\"role\":" ADMIN_ROLE ",\"active\":true}]");
    rec = stored(h, "hdb_role", "\"super_user\"");
    strip_times(rec);
    {
        char *text = cJSON_PrintUnformatted(rec);

        CHECK_EQ_STR(text, ADMIN_ROLE);
        free(text);
    }
    cJSON_Delete(rec);
    /* Stored as Harper stores a user, with our hash in place of its sha256 one. */
    rec = stored(h, "hdb_user", "\"admin\"");
    pw = cJSON_GetObjectItemCaseSensitive(rec, "password");
    CHECK(cJSON_IsString(pw));
    CHECK(strncmp(pw->valuestring, "$pbkdf2-sha256$i=50000$", 23) == 0);
    CHECK(strstr(pw->valuestring, "password") == NULL);
    CHECK_EQ_STR(cJSON_GetObjectItemCaseSensitive(rec, "hash_function")->valuestring,
                 "pbkdf2-sha256");
    CHECK_EQ_STR(cJSON_GetObjectItemCaseSensitive(rec, "role")->valuestring, "super_user");
    cJSON_Delete(rec);
    CHECK_EQ_INT(harper_user_is_super(h, "admin", &err), 1);
    CHECK_OK(login(h, "admin", "password", &err), &err);
    CHECK_ERR(login(h, "other", "x", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_OK(harper_close(h), NULL);

    /* A restart finds everything in place and creates nothing. */
    h = open_root();
    CHECK_EQ_INT(harper_auth_init(h, "admin", "changed", &err), 0);
    CHECK_OK(login(h, "admin", "password", &err), &err);
    CHECK_EQ_INT(user_count(h), 1);
    CHECK_OK(harper_close(h), NULL);
}

TEST(auth_init_rejects_bad_arguments)
{
    harper *h = open_root();
    harper_error err;

    CHECK_ERR(harper_auth_init(NULL, "a", "b", &err), HARPER_EINVAL, &err, NULL);
    CHECK_ERR(harper_auth_init(h, "", "b", &err), HARPER_EINVAL, &err, "Username can't be blank");
    CHECK_ERR(harper_auth_init(h, "a", NULL, &err), HARPER_EINVAL, &err,
              "Password can't be blank");
    /* Before init there are no user tables: reads say so, logins just fail. */
    {
        char *json = NULL;
        size_t len = 0;

        CHECK_ERR(harper_user_get(h, NULL, &json, &len, &err), HARPER_ENODB, &err, NULL);
    }
    CHECK_ERR(login(h, "admin", "password", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_OK(harper_close(h), NULL);
}

/* ---- add_user ---- */

TEST(auth_add_user_messages)
{
    harper *h = open_with_admin();

    check_add_fails(h, "{}", HARPER_EINVAL,
                    "Username can't be blank,Password can't be blank,Role can't be blank,"
                    "Active can't be blank");
    check_add_fails(h, "{\"username\":\"u\",\"password\":null}", HARPER_EINVAL,
                    "Password can't be blank,Role can't be blank,Active can't be blank");
    check_add_fails(h, "{\"username\":\"u\",\"password\":\"\",\"role\":\"\",\"active\":\"\"}",
                    HARPER_EINVAL, "Role is invalid,Active must be a boolean");
    check_add_fails(h, "{\"username\":\"u\",\"password\":\"p\",\"role\":\"super_user\","
                       "\"active\":\"yes\"}",
                    HARPER_EINVAL, "Active must be a boolean");
    check_add_fails(h, "{\"username\":\"u\",\"password\":\"p\",\"role\":\"zz dev\","
                       "\"active\":true}",
                    HARPER_EINVAL, "Role is invalid");
    check_add_fails(h, "{\"username\":\"u\",\"password\":\"p\",\"role\":5,\"active\":true}",
                    HARPER_EINVAL, "Role is invalid");
    check_add_fails(h, "{\"username\":5,\"password\":7,\"role\":\"super_user\",\"active\":1}",
                    HARPER_EINVAL,
                    "Username must be a string,Password must be a string,"
                    "Active must be a boolean");
    check_add_fails(h, "{\"username\":\"u\",\"password\":\"p\",\"role\":\"nope\","
                       "\"active\":true}",
                    HARPER_ENOTFOUND, "nope role not found");
    /* The role is looked up before the name: an unknown role wins over a taken name. */
    check_add_fails(h, "{\"username\":\"admin\",\"password\":\"p\",\"role\":\"nope\","
                       "\"active\":true}",
                    HARPER_ENOTFOUND, "nope role not found");
    check_add_fails(h, "{\"username\":\"admin\",\"password\":\"p\",\"role\":\"super_user\","
                       "\"active\":true}",
                    HARPER_ECONFLICT, "User admin already exists");
    check_add_fails(h, "{\"username\":", HARPER_EINVAL, "Invalid JSON.");
    check_add_fails(h, "[1]", HARPER_EINVAL, "a JSON object is required");
    CHECK_OK(login(h, "admin", "password", NULL), NULL);
    CHECK_OK(harper_close(h), NULL);
}

TEST(auth_add_user_stores_role_id_and_drops_other_keys)
{
    harper *h = open_with_admin();
    harper_error err;
    cJSON *rec;
    char *text;

    put_record(h, "hdb_role",
               "{\"id\":\"r-7\",\"role\":\"reader\",\"permission\":{\"super_user\":false}}");
    add_user(h, "{\"username\":\"ann\",\"password\":\"pw\",\"role\":\"reader\",\"active\":true,"
                "\"hash_function\":\"md5\",\"refresh_token\":\"t\",\"extra\":1}");
    rec = stored(h, "hdb_user", "\"ann\"");
    cJSON_DeleteItemFromObjectCaseSensitive(rec, "password");
    strip_times(rec);
    text = cJSON_PrintUnformatted(rec);
    CHECK_EQ_STR(text, "{\"username\":\"ann\",\"role\":\"r-7\",\"active\":true,"
                       "\"hash_function\":\"pbkdf2-sha256\"}");
    free(text);
    cJSON_Delete(rec);
    check_user(h, "ann",
               "{\"username\":\"ann\",\"role\":{\"id\":\"r-7\",\"role\":\"reader\","
               "\"permission\":{\"super_user\":false}},\"active\":true}");
    CHECK_EQ_INT(harper_user_is_super(h, "ann", &err), 0);
    CHECK_OK(login(h, "ann", "pw", &err), &err);
    /* Harper keeps an empty password; only alter_user refuses one. */
    add_user(h, "{\"username\":\"\",\"password\":\"\",\"role\":\"reader\",\"active\":false}");
    CHECK_EQ_INT(user_count(h), 3);
    CHECK_OK(harper_close(h), NULL);
}

TEST(auth_add_user_with_duplicate_role_names)
{
    harper *h = open_with_admin();

    put_record(h, "hdb_role", "{\"id\":\"dup1\",\"role\":\"dup\",\"permission\":{}}");
    put_record(h, "hdb_role", "{\"id\":\"dup2\",\"role\":\"dup\",\"permission\":{}}");
    check_add_fails(h, "{\"username\":\"u\",\"password\":\"p\",\"role\":\"dup\",\"active\":true}",
                    HARPER_ECONFLICT,
                    "Multiple dup roles found.  Roles must have unique 'role' value. Please "
                    "update and try again.");
    check_alter_fails(h, "{\"username\":\"admin\",\"role\":\"dup\"}", HARPER_ECONFLICT,
                      "Multiple dup roles found.  Roles must have unique 'role' value. Please "
                      "update and try again.");
    CHECK_OK(harper_close(h), NULL);
}

/* ---- alter_user ---- */

TEST(auth_alter_user_messages)
{
    harper *h = open_with_admin();
    harper_error err;

    check_alter_fails(h, "{}", HARPER_EINVAL, "username is required");
    check_alter_fails(h, "{\"active\":true}", HARPER_EINVAL, "username is required");
    check_alter_fails(h, "{\"username\":\"\",\"active\":true}", HARPER_EINVAL,
                      "username is required");
    check_alter_fails(h, "{\"username\":null,\"active\":true}", HARPER_EINVAL,
                      "username is required");
    check_alter_fails(h, "{\"username\":\"admin\"}", HARPER_EINVAL,
                      "nothing to update, must supply active, role or password to update");
    /* Harper's emptiness test: "" and null count as not given. */
    check_alter_fails(h, "{\"username\":\"admin\",\"password\":\"\",\"role\":null,\"foo\":1}",
                      HARPER_EINVAL,
                      "nothing to update, must supply active, role or password to update");
    check_alter_fails(h, "{\"username\":\"admin\",\"password\":\" \"}", HARPER_EINVAL,
                      "password cannot be an empty string");
    check_alter_fails(h, "{\"username\":\"admin\",\"active\":true,\"password\":\"\"}",
                      HARPER_EINVAL, "password cannot be an empty string");
    check_alter_fails(h, "{\"username\":\"admin\",\"password\":5}", HARPER_EINVAL,
                      "password must be a string");
    check_alter_fails(h, "{\"username\":\"admin\",\"active\":\"true\"}", HARPER_EINVAL,
                      "active must be true or false");
    check_alter_fails(h, "{\"username\":\"admin\",\"active\":\"x\",\"role\":\"\"}", HARPER_EINVAL,
                      "active must be true or false");
    check_alter_fails(h, "{\"username\":\"admin\",\"active\":true,\"role\":\"\"}", HARPER_EINVAL,
                      "If role is specified, it cannot be empty.");
    check_alter_fails(h, "{\"username\":\"admin\",\"role\":\"blahblah\"}", HARPER_ENOTFOUND,
                      "Update failed.  Requested 'blahblah' role not found.");
    check_alter_fails(h, "{\"username\":\"nobody\",\"role\":\"blahblah\"}", HARPER_ENOTFOUND,
                      "Update failed.  Requested 'blahblah' role not found.");
    check_alter_fails(h, "{\"username\":\"admin\",\"role\":5}", HARPER_ENOTFOUND,
                      "Update failed.  Requested '5' role not found.");
    check_alter_fails(h, "not json", HARPER_EINVAL, "Invalid JSON.");
    {
        char *reply = NULL;

        CHECK_ERR(harper_user_alter(h, "{}", 2, &reply, NULL, &err), HARPER_EINVAL, &err, NULL);
    }
    /* Nothing of the failed calls reached the record. */
    check_user(h, "admin", "{\"username\":\"admin\",\"role\":" ADMIN_ROLE ",\"active\":true}");
    CHECK_OK(login(h, "admin", "password", &err), &err);
    CHECK_OK(harper_close(h), NULL);
}

TEST(auth_alter_user_changes_what_is_given)
{
    harper *h = open_with_admin();
    harper_error err;

    put_record(h, "hdb_role", "{\"id\":\"dev\",\"role\":\"developer\",\"permission\":{}}");
    add_user(h, "{\"username\":\"bob\",\"password\":\"one\",\"role\":\"super_user\","
                "\"active\":true}");
    check_alter(h, "{\"username\":\"bob\",\"role\":\"developer\",\"foo\":1}",
                "{\"message\":\"updated 1 of 1 records\",\"txn_time\":0,"
                "\"update_hashes\":[\"bob\"],\"skipped_hashes\":[]}");
    check_user(h, "bob",
               "{\"username\":\"bob\",\"role\":{\"id\":\"dev\",\"role\":\"developer\","
               "\"permission\":{}},\"active\":true}");
    CHECK_EQ_INT(harper_user_is_super(h, "bob", &err), 0);
    CHECK_OK(login(h, "bob", "one", &err), &err);

    /* null means "leave it", unlike in Harper, which would store the null. */
    check_alter(h, "{\"username\":\"bob\",\"active\":false,\"password\":null,\"role\":null}",
                "{\"message\":\"updated 1 of 1 records\",\"txn_time\":0,"
                "\"update_hashes\":[\"bob\"],\"skipped_hashes\":[]}");
    check_user(h, "bob",
               "{\"username\":\"bob\",\"role\":{\"id\":\"dev\",\"role\":\"developer\","
               "\"permission\":{}},\"active\":false}");
    CHECK_ERR(login(h, "bob", "one", &err), HARPER_EAUTH, &err,
              "Cannot complete request: User is inactive");

    check_alter(h, "{\"username\":\"bob\",\"active\":true,\"password\":\"two\"}",
                "{\"message\":\"updated 1 of 1 records\",\"txn_time\":0,"
                "\"update_hashes\":[\"bob\"],\"skipped_hashes\":[]}");
    CHECK_OK(login(h, "bob", "two", &err), &err);

    /* An unknown user is no error: the update skips it. */
    check_alter(h, "{\"username\":\"nobody\",\"active\":true,\"password\":\"x\"}",
                "{\"message\":\"updated 0 of 1 records\",\"txn_time\":0,"
                "\"update_hashes\":[],\"skipped_hashes\":[\"nobody\"]}");
    check_alter(h, "{\"username\":5,\"active\":true}",
                "{\"message\":\"updated 0 of 1 records\",\"txn_time\":0,"
                "\"update_hashes\":[],\"skipped_hashes\":[5]}");
    CHECK_EQ_INT(user_count(h), 2);
    CHECK_OK(harper_close(h), NULL);
}

/* ---- drop_user, list_users ---- */

TEST(auth_drop_user)
{
    harper *h = open_with_admin();
    harper_error err;
    char *json = NULL;
    size_t len = 0;

    add_user(h, "{\"username\":\"carl\",\"password\":\"pw\",\"role\":\"super_user\","
                "\"active\":true}");
    CHECK_OK(login(h, "carl", "pw", &err), &err);
    CHECK_OK(harper_user_drop(h, "carl", &err), &err);
    CHECK_ERR(harper_user_drop(h, "carl", &err), HARPER_ENOTFOUND, &err,
              "User carl does not exist");
    CHECK_ERR(harper_user_drop(h, NULL, &err), HARPER_EINVAL, &err, "Username can't be blank");
    CHECK_ERR(harper_user_get(h, "carl", &json, &len, &err), HARPER_ENOTFOUND, &err,
              "User carl does not exist");
    CHECK(json == NULL);
    CHECK_ERR(harper_user_is_super(h, "carl", &err), HARPER_ENOTFOUND, &err,
              "User carl does not exist");
    CHECK_ERR(login(h, "carl", "pw", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_EQ_INT(user_count(h), 1);
    CHECK_OK(harper_close(h), NULL);
}

TEST(auth_list_users_in_key_order_without_secrets)
{
    harper *h = open_with_admin();

    put_record(h, "hdb_role", "{\"id\":\"gone\",\"role\":\"gone\",\"permission\":{}}");
    add_user(h, "{\"username\":\"zed\",\"password\":\"pw\",\"role\":\"gone\",\"active\":false}");
    add_user(h, "{\"username\":\"amy\",\"password\":\"pw\",\"role\":\"super_user\","
                "\"active\":true}");
    /* Secrets Harper keeps for other features must not show either. */
    put_record(h, "hdb_user", "{\"username\":\"kim\",\"password\":\"x\",\"hash\":\"h\","
                              "\"refresh_token\":\"r\",\"hash_function\":\"md5\","
                              "\"role\":\"super_user\",\"active\":true,\"email\":\"k@x\"}");
    /* A user whose role was removed shows no role, as Harper's undefined prints nothing. */
    {
        harper_table *roles = open_system(h, "hdb_role");
        harper_error err;

        CHECK_OK(harper_table_delete(roles, "\"gone\"", 6, &err), &err);
        harper_table_close(roles);
    }
    check_user(h, NULL,
               "[{\"username\":\"admin\",\"role\":" ADMIN_ROLE ",\"active\":true},"
               "{\"username\":\"amy\",\"role\":" ADMIN_ROLE ",\"active\":true},"
               "{\"username\":\"kim\",\"role\":" ADMIN_ROLE ",\"active\":true,"
               "\"email\":\"k@x\"},"
               "{\"username\":\"zed\",\"active\":false}]");
    {
        harper_error err;

        CHECK_EQ_INT(harper_user_is_super(h, "zed", &err), 0);
    }
    CHECK_OK(harper_close(h), NULL);
}

/* ---- login ---- */

TEST(auth_authenticate_right_wrong_inactive)
{
    harper *h = open_with_admin();
    harper_error err;
    char *json = NULL;
    size_t len = 0;

    add_user(h, "{\"username\":\"dee\",\"password\":\"p:w d\",\"role\":\"super_user\","
                "\"active\":false}");
    CHECK_OK(harper_user_authenticate(h, "admin", "password", &json, &len, &err), &err);
    check_json(json, len, "{\"username\":\"admin\",\"role\":" ADMIN_ROLE ",\"active\":true}");
    CHECK_ERR(login(h, "admin", "Password", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_ERR(login(h, "admin", "", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_ERR(login(h, "nobody", "password", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_ERR(login(h, NULL, "password", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_ERR(login(h, "admin", NULL, &err), HARPER_EAUTH, &err, "Login failed");
    /* Harper says "inactive" before it looks at the password. */
    CHECK_ERR(login(h, "dee", "p:w d", &err), HARPER_EAUTH, &err,
              "Cannot complete request: User is inactive");
    CHECK_ERR(login(h, "dee", "wrong", &err), HARPER_EAUTH, &err,
              "Cannot complete request: User is inactive");
    check_alter(h, "{\"username\":\"dee\",\"active\":true}",
                "{\"message\":\"updated 1 of 1 records\",\"txn_time\":0,"
                "\"update_hashes\":[\"dee\"],\"skipped_hashes\":[]}");
    CHECK_OK(login(h, "dee", "p:w d", &err), &err);
    CHECK_ERR(login(h, "dee", "wrong", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_OK(harper_close(h), NULL);
}

TEST(auth_legacy_hashes_verify)
{
    harper *h = open_with_admin();
    harper_error err;

    /* Made by Python's hashlib, not by our code: salt + hex(digest(password + salt)). */
    put_record(h, "hdb_user",
               "{\"username\":\"old256\",\"hash_function\":\"sha256\",\"role\":\"super_user\","
               "\"active\":true,\"password\":\"abcdefghijklmnope1cd4c765b9ff0e10a4750f64612499e"
               "5208ec3c86f5b5fb08759e62d6dc00c3\"}");
    put_record(h, "hdb_user",
               "{\"username\":\"oldmd5\",\"hash_function\":\"md5\",\"role\":\"super_user\","
               "\"active\":true,\"password\":\"1234567890218ae5787e2730c7f88d91b6c2aea54\"}");
    /* No hash_function: Harper's oldest users, verified as MD5. */
    put_record(h, "hdb_user",
               "{\"username\":\"oldest\",\"role\":\"super_user\",\"active\":true,"
               "\"password\":\"Zy9XwV8uT56a2e5bb671515ab74507997e28f6c31\"}");
    CHECK_OK(login(h, "old256", "secret", &err), &err);
    CHECK_ERR(login(h, "old256", "secreT", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_OK(login(h, "oldmd5", "s3cr3t", &err), &err);
    CHECK_ERR(login(h, "oldmd5", "secret", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_OK(login(h, "oldest", "p\xc3\xa4ssword", &err), &err);
    CHECK_ERR(login(h, "oldest", "password", &err), HARPER_EAUTH, &err, "Login failed");
    /* The name of the function decides, not the length of the hash. */
    put_record(h, "hdb_user",
               "{\"username\":\"old256\",\"hash_function\":\"md5\",\"role\":\"super_user\","
               "\"active\":true,\"password\":\"abcdefghijklmnope1cd4c765b9ff0e10a4750f64612499e"
               "5208ec3c86f5b5fb08759e62d6dc00c3\"}");
    CHECK_ERR(login(h, "old256", "secret", &err), HARPER_EAUTH, &err, "Login failed");
    /* A password change moves a legacy user to PBKDF2. */
    check_alter(h, "{\"username\":\"oldmd5\",\"password\":\"new\"}",
                "{\"message\":\"updated 1 of 1 records\",\"txn_time\":0,"
                "\"update_hashes\":[\"oldmd5\"],\"skipped_hashes\":[]}");
    {
        cJSON *rec = stored(h, "hdb_user", "\"oldmd5\"");

        CHECK_EQ_STR(cJSON_GetObjectItemCaseSensitive(rec, "hash_function")->valuestring,
                     "pbkdf2-sha256");
        cJSON_Delete(rec);
    }
    CHECK_OK(login(h, "oldmd5", "new", &err), &err);
    CHECK_ERR(login(h, "oldmd5", "s3cr3t", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_OK(harper_close(h), NULL);
}

TEST(auth_memo_forgets_changed_passwords)
{
    harper *h = open_with_admin();
    harper_error err;
    cJSON *rec;
    char *text;
    char *hash = NULL;

    /* Twice: the second login is answered from the memo. */
    CHECK_OK(login(h, "admin", "password", &err), &err);
    CHECK_OK(login(h, "admin", "password", &err), &err);
    check_alter(h, "{\"username\":\"admin\",\"password\":\"second\"}",
                "{\"message\":\"updated 1 of 1 records\",\"txn_time\":0,"
                "\"update_hashes\":[\"admin\"],\"skipped_hashes\":[]}");
    CHECK_ERR(login(h, "admin", "password", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_OK(login(h, "admin", "second", &err), &err);
    CHECK_OK(login(h, "admin", "second", &err), &err);

    /* A record rewritten behind the API's back (replication, a restore) is not stale either:
     * the memo is keyed by the stored hash too. */
    CHECK_OK(harper__password_hash("third", 5, &hash, &err), &err);
    rec = stored(h, "hdb_user", "\"admin\"");
    cJSON_ReplaceItemInObjectCaseSensitive(rec, "password", cJSON_CreateString(hash));
    text = cJSON_PrintUnformatted(rec);
    put_record(h, "hdb_user", text);
    free(text);
    free(hash);
    cJSON_Delete(rec);
    CHECK_ERR(login(h, "admin", "second", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_OK(login(h, "admin", "third", &err), &err);

    /* Dropped users are gone from the memo's point of view too. */
    CHECK_OK(harper_user_drop(h, "admin", &err), &err);
    CHECK_ERR(login(h, "admin", "third", &err), HARPER_EAUTH, &err, "Login failed");
    CHECK_OK(harper_close(h), NULL);
}

struct login_worker {
    harper *h;
    const char *password;
    int expect;          /* HARPER_OK or HARPER_EAUTH */
    int rounds;          /* a failed login pays the whole hash each time: keep those few */
    int wrong;           /* results that were not `expect` */
};

static void *login_thread(void *arg)
{
    struct login_worker *w = arg;

    for (int i = 0; i < w->rounds; i++) {
        harper_error err;

        if (login(w->h, "admin", w->password, &err) != w->expect)
            w->wrong++;
    }
    return NULL;
}

TEST(auth_concurrent_logins)
{
    harper *h = open_with_admin();
    struct login_worker right = {h, "password", HARPER_OK, 500, 0};
    struct login_worker wrong = {h, "not it", HARPER_EAUTH, 20, 0};
    pthread_t a;
    pthread_t b;
    harper_error err;

    CHECK_EQ_INT(pthread_create(&a, NULL, login_thread, &right), 0);
    CHECK_EQ_INT(pthread_create(&b, NULL, login_thread, &wrong), 0);
    /* Changes that do not touch the password empty the memo while the threads run. */
    for (int i = 0; i < 20; i++) {
        char *reply = NULL;
        size_t len = 0;
        const char *change = "{\"username\":\"admin\",\"active\":true}";

        CHECK_OK(harper_user_alter(h, change, strlen(change), &reply, &len, &err), &err);
        harper_free(reply);
    }
    CHECK_EQ_INT(pthread_join(a, NULL), 0);
    CHECK_EQ_INT(pthread_join(b, NULL), 0);
    CHECK_EQ_INT(right.wrong, 0);
    CHECK_EQ_INT(wrong.wrong, 0);
    CHECK_OK(harper_close(h), NULL);
}

/* ---- the hash itself ---- */

TEST(auth_password_hash_format_and_bad_stored_hashes)
{
    char *a = NULL;
    char *b = NULL;
    harper_error err;

    CHECK_OK(harper__password_hash("pw", 2, &a, &err), &err);
    CHECK_OK(harper__password_hash("pw", 2, &b, &err), &err);
    /* "$pbkdf2-sha256$i=50000$" + 24 base64 salt + "$" + 44 base64 hash */
    CHECK_EQ_INT(strlen(a), 23 + 24 + 1 + 44);
    CHECK(strncmp(a, "$pbkdf2-sha256$i=50000$", 23) == 0);
    CHECK(a[23 + 24] == '$');
    CHECK(strcmp(a, b) != 0);  /* a fresh salt each time */
    CHECK_EQ_INT(harper__password_verify("pbkdf2-sha256", a, "pw", 2), 1);
    CHECK_EQ_INT(harper__password_verify("pbkdf2-sha256", b, "pw", 2), 1);
    CHECK_EQ_INT(harper__password_verify("pbkdf2-sha256", a, "pwx", 3), 0);
    CHECK_EQ_INT(harper__password_verify("pbkdf2-sha256", a, "Pw", 2), 0);
    CHECK_EQ_INT(harper__password_verify("sha256", a, "pw", 2), 0);
    CHECK_EQ_INT(harper__password_verify("argon2id", a, "pw", 2), 0);
    /* A stored hash that is cut, garbled or asks for absurd work verifies nothing. */
    {
        static const char *const bad[] = {
            "", "$pbkdf2-sha256$i=", "$pbkdf2-sha256$i=0$AAAA$AAAA",
            "$pbkdf2-sha256$i=99999999999$AAAA$AAAA", "$pbkdf2-sha256$i=1$AAAA",
            "$pbkdf2-sha256$i=1$$AAAA", "$pbkdf2-sha256$i=1$AAAA$", "$pbkdf2-sha256$i=1$A!A$AAAA",
            "$pbkdf2-sha256$i=1x$AAAA$AAAA",
        };

        for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
            CHECK_EQ_INT(harper__password_verify("pbkdf2-sha256", bad[i], "", 0), 0);
    }
    a[23 + 24 + 1 + 5] = a[23 + 24 + 1 + 5] == 'A' ? 'B' : 'A';
    CHECK_EQ_INT(harper__password_verify("pbkdf2-sha256", a, "pw", 2), 0);
    /* Legacy: upper-case hex verifies too; a wrong length or a non-hex digit does not. */
    CHECK_EQ_INT(harper__password_verify("md5", "1234567890218AE5787E2730C7F88D91B6C2AEA54",
                                         "s3cr3t", 6), 1);
    CHECK_EQ_INT(harper__password_verify(NULL, "1234567890218ae5787e2730c7f88d91b6c2aea54",
                                         "s3cr3t", 6), 1);
    CHECK_EQ_INT(harper__password_verify("md5", "1234567890218ae5787e2730c7f88d91b6c2aea5",
                                         "s3cr3t", 6), 0);
    CHECK_EQ_INT(harper__password_verify("md5", "1234567890218ae5787e2730c7f88d91b6c2aeg4",
                                         "s3cr3t", 6), 0);
    CHECK_EQ_INT(harper__password_verify("md5", NULL, "s3cr3t", 6), 0);
    free(a);
    free(b);
}
