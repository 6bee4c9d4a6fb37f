/* keycodec.c: the order-preserving key encoding described in keycodec.h.
 * Owns the byte format and its validation; knows nothing of tables or RocksDB: callers put
 * table and index ids in front of these encodings and build scan bounds from them.
 *
 * Format, after the one-byte tag:
 *   number  8 bytes big-endian: the IEEE-754 bits with the sign bit flipped for positives and
 *           every bit flipped for negatives, so unsigned byte order is numeric order
 *   string  the bytes, each 0x00 written 0x00 0xFF, then a 0x00 terminator
 *   array   each element's encoding, then a 0x00 terminator
 * The decoder accepts canonical encodings only (no -0, NaN or infinity), so equal values
 * always have equal bytes and a decoded value re-encodes to exactly the bytes it came from. */
#include "keycodec.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harper.h"

#define SIGN_BIT ((uint64_t)1 << 63)
#define TERMINATOR 0x00
#define ESCAPE 0xFF

static uint64_t number_to_key(double d)
{
    uint64_t bits;

    if (d == 0)
        d = 0.0;    /* -0 == 0, so it must share 0's bytes or an index would hold both */
    memcpy(&bits, &d, sizeof bits);
    return (bits & SIGN_BIT) ? ~bits : bits | SIGN_BIT;
}

static double key_to_number(uint64_t bits)
{
    double d;

    bits = (bits & SIGN_BIT) ? bits & ~SIGN_BIT : ~bits;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* The encoder never writes NaN, infinity or -0; any other 8 bytes are some finite double. */
static int number_is_canonical(const uint8_t *p)
{
    double d = key_to_number(harper__get_u64be(p));

    return isfinite(d) && !(d == 0 && signbit(d));
}

void harper__key_encode_number(harper__buf *out, double d)
{
    harper__buf_byte(out, HARPER__KEY_NUMBER);
    harper__buf_u64be(out, number_to_key(d));
}

void harper__key_encode_string_prefix(harper__buf *out, const char *s, size_t n)
{
    static const uint8_t escaped_nul[2] = {TERMINATOR, ESCAPE};

    harper__buf_byte(out, HARPER__KEY_STRING);
    /* Copy the runs between NULs whole: most strings have none and take one append. The loop
     * tests n, not a pointer, so that s may be NULL when n is 0. */
    while (n > 0) {
        const char *nul = memchr(s, '\0', n);
        size_t run = nul != NULL ? (size_t)(nul - s) : n;

        harper__buf_append(out, s, run);
        if (nul == NULL)
            break;
        harper__buf_append(out, escaped_nul, sizeof escaped_nul);
        s = nul + 1;
        n -= run + 1;
    }
}

void harper__key_encode_string(harper__buf *out, const char *s, size_t n)
{
    harper__key_encode_string_prefix(out, s, n);
    harper__buf_byte(out, TERMINATOR);
}

static int encode_value(harper__buf *out, const cJSON *v, int depth)
{
    const cJSON *item;
    int rc;

    if (cJSON_IsNull(v)) {
        harper__buf_byte(out, HARPER__KEY_NULL);
    } else if (cJSON_IsFalse(v)) {
        harper__buf_byte(out, HARPER__KEY_FALSE);
    } else if (cJSON_IsTrue(v)) {
        harper__buf_byte(out, HARPER__KEY_TRUE);
    } else if (cJSON_IsNumber(v)) {
        if (!isfinite(v->valuedouble))
            return HARPER_EINVAL;
        harper__key_encode_number(out, v->valuedouble);
    } else if (cJSON_IsString(v) && v->valuestring != NULL) {
        harper__key_encode_string(out, v->valuestring, strlen(v->valuestring));
    } else if (cJSON_IsArray(v)) {
        if (depth >= HARPER__KEY_MAX_DEPTH)
            return HARPER_EINVAL;
        harper__buf_byte(out, HARPER__KEY_ARRAY);
        cJSON_ArrayForEach(item, v) {
            rc = encode_value(out, item, depth + 1);
            if (rc != HARPER_OK)
                return rc;
        }
        harper__buf_byte(out, TERMINATOR);
    } else {
        return HARPER_EINVAL;   /* objects, cJSON_Raw, cJSON_Invalid */
    }
    return HARPER_OK;
}

int harper__key_encode(harper__buf *out, const cJSON *v)
{
    size_t start = out->len;
    int rc;

    if (v == NULL)
        return HARPER_EINVAL;
    rc = encode_value(out, v, 0);
    if (rc == HARPER_OK && out->failed)
        rc = HARPER_ENOMEM;
    if (rc != HARPER_OK)
        out->len = start;   /* a failed call appends nothing */
    return rc;
}

/* Length of the string encoding at p[0] (its tag), or 0 if it has no terminator. Sets
 * *has_nul when the string holds an escaped NUL, which cJSON cannot represent. */
static size_t scan_string(const uint8_t *p, size_t len, int *has_nul)
{
    size_t i = 1;

    for (;;) {
        const uint8_t *zero = i < len ? memchr(p + i, TERMINATOR, len - i) : NULL;

        if (zero == NULL)
            return 0;
        i = (size_t)(zero - p) + 1;
        /* A 0x00 is an escape only when 0xFF follows; no tag is 0xFF, so a terminated string
         * followed by another encoded value is never misread as an escape. */
        if (i < len && p[i] == ESCAPE) {
            *has_nul = 1;
            i++;
            continue;
        }
        return i;
    }
}

/* Length of the one value at p[0..len), or 0 if it is malformed. `depth` counts the arrays
 * around it; recursion is bounded by HARPER__KEY_MAX_DEPTH, so hostile input cannot exhaust
 * the stack. */
static size_t scan_value(const uint8_t *p, size_t len, int depth, int *has_nul)
{
    size_t i;
    size_t n;

    if (len == 0)
        return 0;
    switch (p[0]) {
    case HARPER__KEY_NULL:
    case HARPER__KEY_FALSE:
    case HARPER__KEY_TRUE:
        return 1;
    case HARPER__KEY_NUMBER:
        if (len < 9 || !number_is_canonical(p + 1))
            return 0;
        return 9;
    case HARPER__KEY_STRING:
        return scan_string(p, len, has_nul);
    case HARPER__KEY_ARRAY:
        if (depth >= HARPER__KEY_MAX_DEPTH)
            return 0;
        for (i = 1; i < len; i += n) {
            if (p[i] == TERMINATOR)
                return i + 1;
            n = scan_value(p + i, len - i, depth + 1, has_nul);
            if (n == 0)
                return 0;
        }
        return 0;
    default:
        return 0;
    }
}

size_t harper__key_skip(const uint8_t *p, size_t len)
{
    int has_nul = 0;

    if (p == NULL)
        return 0;
    return scan_value(p, len, 0, &has_nul);
}

/* Builds the cJSON for the value at p, which scan_value has already validated and found free
 * of NULs in strings, so only allocation can fail here. Sets *used to its length. */
static cJSON *build_value(const uint8_t *p, size_t *used)
{
    cJSON *v = NULL;
    cJSON *item;
    char *text;
    size_t i;
    size_t n;

    switch (p[0]) {
    case HARPER__KEY_NULL:
        *used = 1;
        return cJSON_CreateNull();
    case HARPER__KEY_FALSE:
        *used = 1;
        return cJSON_CreateFalse();
    case HARPER__KEY_TRUE:
        *used = 1;
        return cJSON_CreateTrue();
    case HARPER__KEY_NUMBER:
        *used = 9;
        return cJSON_CreateNumber(key_to_number(harper__get_u64be(p + 1)));
    case HARPER__KEY_STRING:
        /* No escapes (no NULs), so the bytes up to the terminator are the string itself. */
        n = strlen((const char *)p + 1);
        *used = n + 2;
        text = malloc(n + 1);
        if (text == NULL)
            return NULL;
        memcpy(text, p + 1, n + 1);
        v = cJSON_CreateString(text);
        free(text);
        return v;
    default:    /* HARPER__KEY_ARRAY */
        v = cJSON_CreateArray();
        if (v == NULL)
            return NULL;
        for (i = 1; p[i] != TERMINATOR; i += n) {
            item = build_value(p + i, &n);
            if (item == NULL) {
                cJSON_Delete(v);
                return NULL;
            }
            cJSON_AddItemToArray(v, item);
        }
        *used = i + 1;
        return v;
    }
}

int harper__key_decode(const uint8_t *p, size_t len, size_t *used, cJSON **out)
{
    int has_nul = 0;
    size_t n;
    size_t built;
    cJSON *v;

    if (p == NULL || out == NULL)
        return HARPER_EINVAL;
    /* Validate the whole value first, so that building can trust every byte and a malformed
     * value is HARPER_ECORRUPT whether or not it also holds a NUL. */
    n = scan_value(p, len, 0, &has_nul);
    if (n == 0)
        return HARPER_ECORRUPT;
    if (has_nul)
        return HARPER_EINVAL;
    v = build_value(p, &built);
    if (v == NULL)
        return HARPER_ENOMEM;
    *out = v;
    if (used != NULL)
        *used = n;
    return HARPER_OK;
}

/* Checks `v` against Harper's primary key rules; on failure writes the message and returns
 * HARPER_EINVAL. The elements of a composite key obey the rules of a whole key. */
static int check_pk(const cJSON *v, int depth, char *msg, size_t msg_size)
{
    const char *type = NULL;
    const char *why = NULL;
    const cJSON *item;
    int rc;

    if (cJSON_IsNull(v)) {
        why = "Invalid primary key of null";
    } else if (cJSON_IsBool(v)) {
        type = "boolean";
    } else if (cJSON_IsObject(v)) {
        type = "object";
    } else if (cJSON_IsNumber(v)) {
        if (!isfinite(v->valuedouble))
            why = "Invalid primary key: numbers must be finite";
    } else if (cJSON_IsString(v) && v->valuestring != NULL) {
        return HARPER_OK;
    } else if (cJSON_IsArray(v)) {
        if (depth >= HARPER__KEY_MAX_DEPTH) {
            why = "Invalid primary key: arrays nested too deeply";
        } else {
            cJSON_ArrayForEach(item, v) {
                rc = check_pk(item, depth + 1, msg, msg_size);
                if (rc != HARPER_OK)
                    return rc;
            }
        }
    } else {
        type = "undefined";     /* cJSON_Raw or cJSON_Invalid: what JavaScript calls no value */
    }
    if (type != NULL) {
        if (msg != NULL && msg_size > 0)
            snprintf(msg, msg_size, "Invalid primary key type: %s", type);
        return HARPER_EINVAL;
    }
    if (why != NULL) {
        if (msg != NULL && msg_size > 0)
            snprintf(msg, msg_size, "%s", why);
        return HARPER_EINVAL;
    }
    return HARPER_OK;
}

int harper__key_encode_pk(harper__buf *out, const cJSON *v, char *msg, size_t msg_size)
{
    size_t start = out->len;
    size_t n;
    int rc;

    if (v == NULL) {
        if (msg != NULL && msg_size > 0)
            snprintf(msg, msg_size, "Invalid primary key of null");
        return HARPER_EINVAL;
    }
    rc = check_pk(v, 0, msg, msg_size);
    if (rc != HARPER_OK)
        return rc;
    rc = harper__key_encode(out, v);
    if (rc != HARPER_OK) {
        if (msg != NULL && msg_size > 0)
            snprintf(msg, msg_size, "%s", rc == HARPER_ENOMEM ? "out of memory" : "invalid key");
        return rc;
    }
    n = out->len - start;
    if (n > HARPER__KEY_MAX_PK) {
        out->len = start;
        if (msg != NULL && msg_size > 0)
            snprintf(msg, msg_size, "Primary key size is too large: %zu", n);
        return HARPER_EINVAL;
    }
    return HARPER_OK;
}
