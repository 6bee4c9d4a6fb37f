/* password.c: password hashing (PBKDF2-HMAC-SHA256 through mbedTLS), verification of new and
 * Harper's legacy hashes, and the memo that spares repeated logins the slow hash.
 * Formats are described in password.h; who stores what is auth.c's business. */
#include "password.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <mbedtls/base64.h>
#include <mbedtls/constant_time.h>
#include <mbedtls/md.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>

#include "buf.h"
#include "error.h"

#define SALT_BYTES 16
#define HASH_BYTES 32
#define PBKDF2_PREFIX "$pbkdf2-sha256$i="
/* Bounds on what a stored hash may ask for: a corrupt or hostile record must not make one
 * login spin for minutes or overflow a buffer. */
#define MAX_ITERATIONS 10000000u
#define MAX_SALT_BYTES 64
#define MAX_HASH_BYTES 64

#define LEGACY_SHA256_SALT 16
#define LEGACY_MD5_SALT 9

/* Fills buf with n bytes from the kernel's generator. 0, or -1 when it cannot. */
static int random_bytes(unsigned char *buf, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = getrandom(buf + got, n - got, 0);

        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        got += (size_t)r;
    }
    return 0;
}

/* PBKDF2-HMAC-SHA256 of password with salt into out[0..out_len). 0, or -1 if mbedTLS cannot
 * allocate its context. */
static int pbkdf2(const char *password, size_t len, const unsigned char *salt, size_t salt_len,
                  unsigned iterations, unsigned char *out, size_t out_len)
{
    mbedtls_md_context_t ctx;
    int rc;

    mbedtls_md_init(&ctx);
    rc = mbedtls_md_setup(&ctx, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1);
    if (rc == 0)
        rc = mbedtls_pkcs5_pbkdf2_hmac(&ctx, (const unsigned char *)password, len, salt,
                                       salt_len, iterations, (uint32_t)out_len, out);
    mbedtls_md_free(&ctx);
    return rc == 0 ? 0 : -1;
}

int harper__password_hash(const char *password, size_t len, char **out, harper_error *err)
{
    unsigned char salt[SALT_BYTES];
    unsigned char hash[HASH_BYTES];
    unsigned char salt_b64[4 * ((SALT_BYTES + 2) / 3) + 1];
    unsigned char hash_b64[4 * ((HASH_BYTES + 2) / 3) + 1];
    size_t salt_b64_len;
    size_t hash_b64_len;
    size_t size;
    int rc = HARPER_OK;

    *out = NULL;
    if (password == NULL)
        return harper__error_set(err, HARPER_EINVAL, "a password is required");
    if (random_bytes(salt, sizeof salt) != 0)
        return harper__error_set(err, HARPER_EIO, "no random bytes for a password salt");
    if (pbkdf2(password, len, salt, sizeof salt, HARPER__PW_ITERATIONS, hash, sizeof hash) != 0) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    /* The buffers are sized for the encodings, so these cannot fail. */
    mbedtls_base64_encode(salt_b64, sizeof salt_b64, &salt_b64_len, salt, sizeof salt);
    mbedtls_base64_encode(hash_b64, sizeof hash_b64, &hash_b64_len, hash, sizeof hash);
    size = sizeof PBKDF2_PREFIX + 10 + 1 + salt_b64_len + 1 + hash_b64_len + 1;
    *out = malloc(size);
    if (*out == NULL) {
        rc = harper__error_set(err, HARPER_ENOMEM, "out of memory");
        goto done;
    }
    snprintf(*out, size, PBKDF2_PREFIX "%u$%s$%s", HARPER__PW_ITERATIONS, (char *)salt_b64,
             (char *)hash_b64);
done:
    mbedtls_platform_zeroize(hash, sizeof hash);
    return rc;
}

/* ---- verification ---- */

/* Decodes the base64 text s[0..n) into out (at most cap bytes). Its length, or -1. */
static long b64_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
    size_t got = 0;

    if (n == 0 || mbedtls_base64_decode(out, cap, &got, (const unsigned char *)s, n) != 0)
        return -1;
    return (long)got;
}

static int verify_pbkdf2(const char *stored, const char *password, size_t len)
{
    const char *p = stored + strlen(PBKDF2_PREFIX);
    const char *salt_end;
    unsigned char salt[MAX_SALT_BYTES];
    unsigned char want[MAX_HASH_BYTES];
    unsigned char got[MAX_HASH_BYTES];
    unsigned long iterations = 0;
    long salt_len;
    long hash_len;
    int rc;

    if (*p < '1' || *p > '9')
        return 0;
    while (*p >= '0' && *p <= '9') {
        iterations = iterations * 10 + (unsigned long)(*p++ - '0');
        if (iterations > MAX_ITERATIONS)
            return 0;
    }
    if (*p++ != '$' || (salt_end = strchr(p, '$')) == NULL)
        return 0;
    salt_len = b64_decode(p, (size_t)(salt_end - p), salt, sizeof salt);
    hash_len = b64_decode(salt_end + 1, strlen(salt_end + 1), want, sizeof want);
    if (salt_len <= 0 || hash_len <= 0)
        return 0;
    if (pbkdf2(password, len, salt, (size_t)salt_len, (unsigned)iterations, got,
               (size_t)hash_len) != 0)
        return HARPER_ENOMEM;
    rc = mbedtls_ct_memcmp(got, want, (size_t)hash_len) == 0;
    mbedtls_platform_zeroize(got, sizeof got);
    return rc;
}

/* Harper's legacy hashes: salt characters, then hex of digest(password + salt). */
static int verify_legacy(mbedtls_md_type_t type, size_t salt_len, const char *stored,
                         const char *password, size_t len)
{
    const mbedtls_md_info_t *info = mbedtls_md_info_from_type(type);
    size_t digest_len = mbedtls_md_get_size(info);
    unsigned char want[MBEDTLS_MD_MAX_SIZE];
    unsigned char got[MBEDTLS_MD_MAX_SIZE];
    const char *hex = stored + salt_len;
    mbedtls_md_context_t ctx;
    int rc;

    if (strlen(stored) != salt_len + 2 * digest_len)
        return 0;
    for (size_t i = 0; i < digest_len; i++) {
        int hi = harper__hex_digit(hex[2 * i]);
        int lo = harper__hex_digit(hex[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return 0;
        want[i] = (unsigned char)(hi << 4 | lo);
    }
    mbedtls_md_init(&ctx);
    rc = mbedtls_md_setup(&ctx, info, 0);
    if (rc == 0)
        rc = mbedtls_md_starts(&ctx);
    if (rc == 0)
        rc = mbedtls_md_update(&ctx, (const unsigned char *)password, len);
    if (rc == 0)
        rc = mbedtls_md_update(&ctx, (const unsigned char *)stored, salt_len);
    if (rc == 0)
        rc = mbedtls_md_finish(&ctx, got);
    mbedtls_md_free(&ctx);
    if (rc != 0)
        return HARPER_ENOMEM;
    rc = mbedtls_ct_memcmp(got, want, digest_len) == 0;
    mbedtls_platform_zeroize(got, sizeof got);
    return rc;
}

int harper__password_verify(const char *hash_function, const char *stored, const char *password,
                            size_t len)
{
    if (stored == NULL || password == NULL)
        return 0;
    if (hash_function == NULL || strcmp(hash_function, "md5") == 0)
        return verify_legacy(MBEDTLS_MD_MD5, LEGACY_MD5_SALT, stored, password, len);
    if (strcmp(hash_function, "sha256") == 0)
        return verify_legacy(MBEDTLS_MD_SHA256, LEGACY_SHA256_SALT, stored, password, len);
    if (strcmp(hash_function, HARPER__PW_FUNCTION) == 0 &&
        strncmp(stored, PBKDF2_PREFIX, strlen(PBKDF2_PREFIX)) == 0)
        return verify_pbkdf2(stored, password, len);
    return 0;
}

/* ---- the memo ---- */

#define MEMO_SLOTS 1024   /* a power of two; direct-mapped, so a collision evicts */
#define MEMO_KEY_BYTES 32

static struct {
    pthread_mutex_t lock;
    unsigned char key[MEMO_KEY_BYTES];  /* written once under memo_once, read-only after */
    bool usable;                        /* set under memo_once: false (no random key) = off */
    uint64_t generation;                /* lock; bumped by forget_all */
    bool used[MEMO_SLOTS];              /* lock */
    unsigned char digest[MEMO_SLOTS][HASH_BYTES];  /* lock */
} memo = {.lock = PTHREAD_MUTEX_INITIALIZER};

static pthread_once_t memo_once = PTHREAD_ONCE_INIT;

static void memo_init(void)
{
    memo.usable = random_bytes(memo.key, sizeof memo.key) == 0;
}

/* Feeds one length-prefixed field, so that no two field lists give the same input. */
static int hmac_field(mbedtls_md_context_t *ctx, const char *p, size_t n)
{
    unsigned char len_be[8];

    for (int i = 0; i < 8; i++)
        len_be[i] = (unsigned char)((uint64_t)n >> (56 - 8 * i));
    if (mbedtls_md_hmac_update(ctx, len_be, sizeof len_be) != 0)
        return -1;
    return mbedtls_md_hmac_update(ctx, (const unsigned char *)p, n);
}

/* The memo's digest of one successful check. 0, or -1 if mbedTLS cannot allocate. */
static int memo_digest(const char *username, const char *hash_function, const char *stored,
                       const char *password, size_t len, unsigned char out[HASH_BYTES])
{
    mbedtls_md_context_t ctx;
    int rc;

    /* No hash_function and "md5" verify alike, so they are remembered alike. */
    if (hash_function == NULL)
        hash_function = "md5";
    mbedtls_md_init(&ctx);
    rc = mbedtls_md_setup(&ctx, mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), 1);
    if (rc == 0)
        rc = mbedtls_md_hmac_starts(&ctx, memo.key, sizeof memo.key);
    if (rc == 0)
        rc = hmac_field(&ctx, username, strlen(username));
    if (rc == 0)
        rc = hmac_field(&ctx, hash_function, strlen(hash_function));
    if (rc == 0)
        rc = hmac_field(&ctx, stored, strlen(stored));
    if (rc == 0)
        rc = hmac_field(&ctx, password, len);
    if (rc == 0)
        rc = mbedtls_md_hmac_finish(&ctx, out);
    mbedtls_md_free(&ctx);
    return rc == 0 ? 0 : -1;
}

static size_t memo_slot(const unsigned char digest[HASH_BYTES])
{
    return ((size_t)digest[0] << 8 | digest[1]) & (MEMO_SLOTS - 1);
}

int harper__password_check(const char *username, const char *hash_function, const char *stored,
                           const char *password, size_t len)
{
    unsigned char digest[HASH_BYTES];
    uint64_t generation;
    size_t slot;
    bool hit;
    int rc;

    if (username == NULL || stored == NULL || password == NULL)
        return 0;
    pthread_once(&memo_once, memo_init);
    if (!memo.usable ||
        memo_digest(username, hash_function, stored, password, len, digest) != 0)
        return harper__password_verify(hash_function, stored, password, len);
    slot = memo_slot(digest);
    pthread_mutex_lock(&memo.lock);
    hit = memo.used[slot] && mbedtls_ct_memcmp(memo.digest[slot], digest, HASH_BYTES) == 0;
    generation = memo.generation;
    pthread_mutex_unlock(&memo.lock);
    if (hit)
        return 1;
    /* The slow part runs unlocked, so one login's hashing never holds up another's. */
    rc = harper__password_verify(hash_function, stored, password, len);
    if (rc == 1) {
        pthread_mutex_lock(&memo.lock);
        /* A user changed while we hashed: the memo was emptied after our read; stay out. */
        if (memo.generation == generation) {
            memcpy(memo.digest[slot], digest, HASH_BYTES);
            memo.used[slot] = true;
        }
        pthread_mutex_unlock(&memo.lock);
    }
    mbedtls_platform_zeroize(digest, sizeof digest);
    return rc;
}

void harper__password_forget_all(void)
{
    pthread_mutex_lock(&memo.lock);
    memo.generation++;
    memset(memo.used, 0, sizeof memo.used);
    mbedtls_platform_zeroize(memo.digest, sizeof memo.digest);
    pthread_mutex_unlock(&memo.lock);
}
