/* keycodec.h: order-preserving binary encoding of JSON values, for primary keys and index
 * entries. memcmp order of two encodings equals the order of the values:
 *   null < false < true < numbers (numeric order) < strings (bytewise UTF-8) < arrays
 * Arrays compare element by element, a prefix first. An encoding is self-delimiting, so
 * encodings concatenate into composite keys (index entry = value ++ primary key) and decode
 * back one value at a time. Objects and non-finite numbers have no encoding. */
#ifndef HARPER_KEYCODEC_H
#define HARPER_KEYCODEC_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"

/* Type tags: the first byte of every encoding. 0x00 is reserved as the terminator of strings
 * and arrays, and no tag is 0xFF, so inside a string 0x00 0xFF is always an escaped NUL and a
 * 0x00 followed by anything else (or nothing) always the terminator. */
enum {
    HARPER__KEY_NULL = 0x01,
    HARPER__KEY_FALSE = 0x02,
    HARPER__KEY_TRUE = 0x03,
    HARPER__KEY_NUMBER = 0x04,
    HARPER__KEY_STRING = 0x05,
    HARPER__KEY_ARRAY = 0x06
};

/* Arrays may nest this deep (a flat array is depth 1); deeper ones neither encode nor decode,
 * which bounds the decoder's recursion on hostile bytes. */
#define HARPER__KEY_MAX_DEPTH 32

/* Appends the encoding of `v` to `out`. HARPER_EINVAL for an object, a non-finite number, or
 * an array nested deeper than HARPER__KEY_MAX_DEPTH; HARPER_ENOMEM if `out` could not grow (or
 * had already failed). -0 encodes as 0. On failure `out` is as it was. */
int harper__key_encode(harper__buf *out, const cJSON *v);

/* Append the encoding of a number / a string of `n` bytes (may contain NUL). The number must
 * be finite (not checked here). Allocation failure is left in out->failed. */
void harper__key_encode_number(harper__buf *out, double d);
void harper__key_encode_string(harper__buf *out, const char *s, size_t n);

/* Appends the encoding of string `s` without its terminator: every encoded string that starts
 * with `s` starts with these bytes (for starts_with range scans). */
void harper__key_encode_string_prefix(harper__buf *out, const char *s, size_t n);

/* Length of the one encoded value at the start of p[0..len), or 0 if it is malformed:
 * truncated, a bad tag, a missing terminator, arrays nested too deep, or a number that no
 * finite double other than -0 encodes to (the encoder never writes those bytes). Never reads
 * past p[len - 1]. Strings holding NUL are fine here. */
size_t harper__key_skip(const uint8_t *p, size_t len);

/* Decodes the one value at the start of p[0..len) into a new cJSON (cJSON_Delete) and its
 * length into *used (`used` may be NULL). HARPER_ECORRUPT if malformed (exactly when
 * harper__key_skip returns 0); HARPER_EINVAL if it is well formed but holds a string with a NUL
 * byte, which a cJSON string cannot carry; HARPER_ENOMEM. *out and *used are set only on
 * success. A decoded value re-encodes to exactly the bytes it was decoded from. */
int harper__key_decode(const uint8_t *p, size_t len, size_t *used, cJSON **out);

/* Checks `v` against Harper's primary key rules and appends its encoding to `out`: numbers,
 * strings, and arrays of those (composite keys, nesting allowed). HARPER_EINVAL, with the
 * message in msg[0..msg_size) (msg may be NULL), as Harper words it:
 *   "Invalid primary key of null"           null (also as an element of a composite key)
 *   "Invalid primary key type: boolean"     likewise for "object"
 *   "Primary key size is too large: <n>"    n, the encoded length, is over HARPER__KEY_MAX_PK
 * Non-finite numbers and over-deep arrays are HARPER_EINVAL too; HARPER_ENOMEM ("out of
 * memory"). On failure `out` is as it was. */
int harper__key_encode_pk(harper__buf *out, const cJSON *v, char *msg, size_t msg_size);

#define HARPER__KEY_MAX_PK 1978

#endif
