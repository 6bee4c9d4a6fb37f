/* auth.h: what auth.c and auth_write.c share: the system tables of users and roles, opened per
 * call, and small JSON helpers. The public API (harper_auth_init, harper_user_*) is in
 * harper.h. */
#ifndef HARPER_AUTH_H
#define HARPER_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "harper.h"

#define HARPER__AUTH_DB "system"
#define HARPER__AUTH_USERS "hdb_user"
#define HARPER__AUTH_ROLES "hdb_role"

/* Both tables, for one call. They are opened per call: a harper root has no place to keep
 * them, and an open is a catalog lookup, cheap next to the reads that follow. */
struct harper__auth_sys {
    harper_table *users;
    harper_table *roles;
};

/* Opens both tables; HARPER_ENODB / HARPER_ENOTABLE before harper_auth_init has run. On
 * failure the handles opened are still released by harper__auth_close (always call it). */
int harper__auth_open(harper *h, struct harper__auth_sys *s, harper_error *err);
void harper__auth_close(struct harper__auth_sys *s);

/* `v` as compact JSON (numbers as JavaScript prints them) in a new NUL-terminated string
 * (free()), *len its length (len may be NULL); NULL when memory runs out. */
char *harper__auth_json_text(const cJSON *v, size_t *len);

/* A user name as a primary key, i.e. a JSON string (free()); NULL when memory runs out. */
char *harper__auth_name_key(const char *name, size_t *len);

/* The record of `t` with JSON key key[0..key_len), parsed into *out (cJSON_Delete).
 * HARPER_ENOTFOUND, with err untouched so that callers word it, when there is none. */
int harper__auth_read_record(harper_table *t, const char *key, size_t key_len, cJSON **out,
                             harper_error *err);
/* The stored user named `username`, as harper__auth_read_record. */
int harper__auth_read_user(const struct harper__auth_sys *s, const char *username, cJSON **out,
                           harper_error *err);

/* Stores a new user with a fresh hash of password[0..password_len) and the role id `role_id`.
 * HARPER_ECONFLICT ("User x already exists") if the name is taken. (auth_write.c) */
int harper__auth_insert_user(const struct harper__auth_sys *s, const char *username,
                             const char *password, size_t password_len, const cJSON *role_id,
                             bool active, harper_error *err);

/* Present with a value: Harper's checks treat a null like an absent property. */
static inline bool harper__auth_present(const cJSON *v)
{
    return v != NULL && !cJSON_IsNull(v);
}

/* Present and not "" (Harper's isEmptyOrZeroLength, negated). */
static inline bool harper__auth_given(const cJSON *v)
{
    return harper__auth_present(v) && !(cJSON_IsString(v) && v->valuestring[0] == '\0');
}

#endif
