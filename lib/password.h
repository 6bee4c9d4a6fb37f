/* password.h: password hashes: making new ones, checking new and Harper's legacy ones, and the
 * in-memory memo of successful checks. Knows nothing of users or tables; auth.c does.
 *
 * New hashes are PBKDF2-HMAC-SHA256 with 16 random salt bytes, stored as
 *   $pbkdf2-sha256$i=<iterations>$<salt, base64>$<hash, base64>
 * with hash_function "pbkdf2-sha256". Harper's legacy forms still verify:
 *   "sha256": 16 salt characters + lowercase hex SHA-256(password + salt), 80 characters;
 *   "md5" (also what a user without hash_function has): 9 salt characters + hex MD5(password +
 *   salt), 41 characters. */
#ifndef HARPER_PASSWORD_H
#define HARPER_PASSWORD_H

#include <stddef.h>

#include "harper.h"

#define HARPER__PW_FUNCTION "pbkdf2-sha256"

/* Iterations for new hashes: each guess against a stolen hash costs what a login costs, about
 * 55 ms with mbedTLS 2.28 on the build machine (no SHA instructions), while repeated logins
 * stay quick because the memo spares them the hash. */
#define HARPER__PW_ITERATIONS 50000u

/* Hashes password[0..len) with a fresh random salt. On success *out is a new NUL-terminated
 * string in the format above (free()). HARPER_EIO when the kernel gives no random bytes,
 * HARPER_ENOMEM. Thread-safety: safe. */
int harper__password_hash(const char *password, size_t len, char **out, harper_error *err);

/* 1 if password[0..len) matches `stored`, made by `hash_function` ("pbkdf2-sha256", "sha256",
 * "md5"; NULL means "md5", Harper's legacy default), 0 if not, or if the function is unknown or
 * `stored` malformed; HARPER_ENOMEM if mbedTLS cannot allocate. The final comparison is
 * constant-time. Thread-safety: safe. */
int harper__password_verify(const char *hash_function, const char *stored, const char *password,
                            size_t len);

/* harper__password_verify with the memo: a match of this exact (username, hash_function,
 * stored, password) found earlier in the process is answered without hashing, and a new match
 * is remembered. The memo holds keyed digests (HMAC-SHA256 under a random per-process key),
 * never a password, and is bounded (a new entry may evict an old one). Because the stored hash
 * is part of what is remembered, a changed password can never match an old entry. Returns as
 * harper__password_verify.
 * Thread-safety: safe (one mutex, held only for the lookup or the insert, never while
 * hashing). */
int harper__password_check(const char *username, const char *hash_function, const char *stored,
                           const char *password, size_t len);

/* Forgets every remembered match; called on every user or role change. A check under way
 * when this runs does not remember its result. Thread-safety: safe. */
void harper__password_forget_all(void);

#endif
