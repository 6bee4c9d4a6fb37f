/* codec.h: what the binary body codecs (codec_cbor.c, codec_msgpack.c) share. Pure: bytes in,
 * bytes or tree out, no globals.
 *
 * Writing: a value, given as a cJSON tree or as JSON text as records are stored, is walked
 * once and handed to a format's writer (struct codec_format). Containers are written with a
 * one-byte placeholder head that the format rewrites when the container ends and its count
 * is known, so JSON text needs no second pass; only containers whose head is longer than one
 * byte move their content. Numbers follow cbor-x and msgpackr, which Harper uses: an integer
 * in the uint32 or int32 range is an integer, every other number a float64. An integer
 * written in JSON text beyond 2^53 (Harper reads those as BigInt) that fits 64 bits is an
 * exact 64-bit integer. A string that is not valid UTF-8 is written with U+FFFD for each
 * ill-formed part, a lone \uD800-style surrogate escape as U+FFFD.
 *
 * Reading: a decoder hands each item to a codec_builder, which builds the cJSON tree with the
 * rules a JavaScript decoder (cbor-x, msgpackr) gives a JSON-shaped value:
 *   - map keys become property names: strings as they are, numbers as JavaScript prints them
 *     (1 -> "1", 1.5 -> "1.5"), true/false/null as "true"/"false"/"null"; an array or map as
 *     a key is an error ("Invalid property name type object");
 *   - a repeated key keeps its first position and takes the last value, as `obj[k] = v` does;
 *   - NaN and the infinities read as null (JSON has no such numbers);
 *   - integers beyond 2^53 read as the nearest double (cJSON holds doubles only);
 *   - strings must be valid UTF-8 without NUL characters (cJSON strings end at a NUL);
 *   - nesting deeper than CODEC_MAX_DEPTH is an error.
 * What each format maps beyond that (byte strings, tags, extensions) its header says. */
#ifndef HARPER_SERVER_CODEC_H
#define HARPER_SERVER_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "buf.h"

/* Deepest nesting of arrays and maps either way (a top-level array is depth 1). */
#define CODEC_MAX_DEPTH 256

/* A binary format's writer. Each appends one item to out (allocation failure: out->failed). */
struct codec_format {
    void (*null_value)(harper__buf *out);
    void (*boolean)(harper__buf *out, bool value);
    void (*number)(harper__buf *out, double value);
    /* An exact integer beyond 2^53 from JSON text: -magnitude when negative (magnitude > 0). */
    void (*big_integer)(harper__buf *out, bool negative, uint64_t magnitude);
    /* s[0..n) is valid UTF-8. */
    void (*string)(harper__buf *out, const char *s, size_t n);
    /* Rewrites the one-byte placeholder at out->data[start] as the head of an array or map of
     * `count` elements (pairs for a map), moving what follows if the head is longer. */
    void (*head)(harper__buf *out, size_t start, bool is_map, size_t count);
};

/* Appends the encoding of `v` to out. 0, or -1 with a message in err (err may be NULL) and
 * out as it was: nesting deeper than CODEC_MAX_DEPTH, a raw or invalid cJSON item, or out of
 * memory. Thread-safety: safe. */
int codec_encode_tree(const struct codec_format *f, const cJSON *v, harper__buf *out, char *err,
                      size_t err_size);

/* The same from JSON text json[0..len) (one value, whitespace around it allowed), without
 * building a tree. -1 also for text that is not JSON. Thread-safety: safe. */
int codec_encode_text(const struct codec_format *f, const char *json, size_t len,
                      harper__buf *out, char *err, size_t err_size);

/* For a format's head(): puts head[0..n) where the one-byte placeholder at out->data[start]
 * is, moving what follows when n > 1. */
void codec_replace_placeholder(harper__buf *out, size_t start, const unsigned char *head,
                               size_t n);

/* 1 if s[0..n) is well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF). */
bool codec_utf8_valid(const char *s, size_t n);

/* The length of the sequence at s[0..n) (n > 0): a well-formed character (*valid = 1), or the
 * maximal ill-formed part that TextDecoder and Node replace with one U+FFFD (*valid = 0). */
size_t codec_utf8_next(const char *s, size_t n, bool *valid);

/* Appends s[0..n) with U+FFFD for each ill-formed part, as TextDecoder does. */
void codec_utf8_repair(harper__buf *out, const char *s, size_t n);

/* Appends the code point cp (at most U+10FFFF) as UTF-8. */
void codec_utf8_put(harper__buf *out, uint32_t cp);

/* Writes the time `ms` (milliseconds since 1970, truncated toward zero) as JavaScript's
 * Date.toISOString does, e.g. "2023-11-14T22:13:20.000Z", years outside 0..9999 as +/-YYYYYY.
 * 0, or -1 when JavaScript's Date cannot hold it (NaN, |ms| > 8.64e15). */
int codec_iso_date(double ms, char out[32]);

/* ---- building a tree from a decoder ---- */

struct codec_keyindex;

struct codec_frame {
    cJSON *node;
    uint64_t remaining;     /* elements (pairs for a map) still to come, when definite */
    bool indefinite;        /* ends at a break, not a count */
    bool is_map;
    char *key;              /* the key read, waiting for its value (owned), or NULL */
    struct codec_keyindex *index;   /* hash of the map's keys once it has many, or NULL */
};

struct codec_builder {
    const char *format;     /* "CBOR" or "MessagePack", for messages */
    cJSON *root;
    int depth;              /* open containers */
    bool done;              /* the top-level item is complete */
    bool failed;
    char *err;
    size_t err_size;
    struct codec_frame frames[CODEC_MAX_DEPTH];
};

void codec_builder_init(struct codec_builder *b, const char *format, char *err, size_t err_size);

/* Adds a scalar item (the builder owns it from here; NULL means out of memory). In a key
 * position it becomes the key. 0, or -1 once anything has failed. */
int codec_builder_scalar(struct codec_builder *b, cJSON *item);

/* Opens an array or map of `count` elements (pairs), or an indefinite one ended by
 * codec_builder_break. 0 or -1. */
int codec_builder_open(struct codec_builder *b, bool is_map, uint64_t count, bool indefinite);

/* Ends the innermost indefinite container. 0 or -1 (no such container, or a key without its
 * value). */
int codec_builder_break(struct codec_builder *b);

/* 1 if the next item would be a map key. */
bool codec_builder_at_key(const struct codec_builder *b);

/* Records an error (the first one wins) and returns -1. */
int codec_builder_fail(struct codec_builder *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* A new string item from s[0..n), or NULL with the builder failed (bad UTF-8, a NUL, memory). */
cJSON *codec_builder_string(struct codec_builder *b, const char *s, size_t n);

/* A number item; NaN and infinities give null. NULL: out of memory. */
cJSON *codec_number(double d);

/* The finished tree (the caller's, cJSON_Delete), or NULL after a failure; either way the
 * builder is emptied. */
cJSON *codec_builder_finish(struct codec_builder *b);

#endif
