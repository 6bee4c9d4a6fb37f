/* codec_cbor.c: CBOR writing (libcbor's head encoders behind codec.h's walk) and reading
 * (libcbor's streaming decoder feeding codec.h's tree builder). The streaming decoder is used
 * rather than cbor_load because cbor_load allocates a declared array length up front: a
 * five-byte body could ask for gigabytes. Here a declared length costs nothing until its
 * elements arrive. */
#include "codec_cbor.h"

#include <cbor.h>

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

/* ---- writing -------------------------------------------------------------------------------- */

/* Runs a libcbor encoder into out; 9 bytes hold any head. */
#define EMIT(out, call_with_buffer)                                                   \
    do {                                                                              \
        unsigned char *dst_ = (unsigned char *)harper__buf_reserve((out), 9);         \
        if (dst_ != NULL)                                                             \
            (out)->len += call_with_buffer;                                           \
    } while (0)

static void put_null(harper__buf *out)
{
    EMIT(out, cbor_encode_null(dst_, 9));
}

static void put_bool(harper__buf *out, bool value)
{
    EMIT(out, cbor_encode_bool(value, dst_, 9));
}

/* cbor-x's rule: `value >>> 0 === value` is an unsigned integer, `value >> 0 === value` a
 * negative one, everything else (fractions, beyond 32 bits, NaN, infinities) a float64. -0
 * passes the first test, so it is written as 0. */
static void put_number(harper__buf *out, double value)
{
    if (value >= 0 && value <= 4294967295.0 && value == (double)(uint32_t)value)
        EMIT(out, cbor_encode_uint((uint32_t)value, dst_, 9));
    else if (value < 0 && value >= -2147483648.0 && value == (double)(int32_t)value)
        EMIT(out, cbor_encode_negint((uint64_t)(-1 - (int64_t)value), dst_, 9));
    else
        EMIT(out, cbor_encode_double(value, dst_, 9));
}

static void put_big_integer(harper__buf *out, bool negative, uint64_t magnitude)
{
    if (negative)
        EMIT(out, cbor_encode_negint(magnitude - 1, dst_, 9));
    else
        EMIT(out, cbor_encode_uint(magnitude, dst_, 9));
}

static void put_string(harper__buf *out, const char *s, size_t n)
{
    EMIT(out, cbor_encode_string_start(n, dst_, 9));
    harper__buf_append(out, s, n);
}

static void put_head(harper__buf *out, size_t start, bool is_map, size_t count)
{
    unsigned char head[9];
    size_t n = is_map ? cbor_encode_map_start(count, head, sizeof head)
                      : cbor_encode_array_start(count, head, sizeof head);

    codec_replace_placeholder(out, start, head, n);
}

static const struct codec_format cbor_format = {
    put_null, put_bool, put_number, put_big_integer, put_string, put_head,
};

int codec_cbor_encode(const cJSON *v, harper__buf *out, char *err, size_t err_size)
{
    return codec_encode_tree(&cbor_format, v, out, err, err_size);
}

int codec_cbor_encode_json(const char *json, size_t len, harper__buf *out, char *err,
                           size_t err_size)
{
    return codec_encode_text(&cbor_format, json, len, out, err, err_size);
}

void codec_cbor_collection_begin(harper__buf *out)
{
    EMIT(out, cbor_encode_indef_array_start(dst_, 9));
}

void codec_cbor_collection_end(harper__buf *out)
{
    EMIT(out, cbor_encode_break(dst_, 9));
}

/* ---- reading -------------------------------------------------------------------------------- */

/* Tags that change how the next item reads; others are skipped. */
enum { TAG_NONE = -1, TAG_DATE_TEXT = 0, TAG_EPOCH = 1, TAG_BIGNUM = 2, TAG_NEG_BIGNUM = 3 };

struct reader {
    struct codec_builder b;
    int tag;                /* the tag on the next item, or TAG_NONE */
    bool in_chunks;         /* inside an indefinite-length text string */
    harper__buf chunks;     /* its text so far */
};

/* The tag applies to the item that follows it only. */
static int take_tag(struct reader *r)
{
    int tag = r->tag;

    r->tag = TAG_NONE;
    return tag;
}

/* Only text chunks may come between an indefinite string's start and its break. */
static bool chunk_misplaced(struct reader *r)
{
    if (r->in_chunks)
        codec_builder_fail(&r->b, "Invalid chunk in an indefinite-length CBOR string");
    return r->b.failed;
}

static void number(struct reader *r, double value)
{
    char date[32];

    if (chunk_misplaced(r))
        return;
    if (take_tag(r) == TAG_EPOCH) {
        if (codec_iso_date(value * 1000, date) == 0)
            codec_builder_scalar(&r->b, cJSON_CreateString(date));
        else
            codec_builder_scalar(&r->b, cJSON_CreateNull());
        return;
    }
    codec_builder_scalar(&r->b, codec_number(value));
}

static void on_uint8(void *ctx, uint8_t v)
{
    number(ctx, v);
}

static void on_uint16(void *ctx, uint16_t v)
{
    number(ctx, v);
}

static void on_uint32(void *ctx, uint32_t v)
{
    number(ctx, v);
}

static void on_uint64(void *ctx, uint64_t v)
{
    number(ctx, (double)v);
}

static void on_negint8(void *ctx, uint8_t v)
{
    number(ctx, -1.0 - v);
}

static void on_negint16(void *ctx, uint16_t v)
{
    number(ctx, -1.0 - v);
}

static void on_negint32(void *ctx, uint32_t v)
{
    number(ctx, -1.0 - v);
}

static void on_negint64(void *ctx, uint64_t v)
{
    number(ctx, -1.0 - (double)v);
}

static void on_float(void *ctx, float v)
{
    number(ctx, v);
}

static void on_double(void *ctx, double v)
{
    number(ctx, v);
}

static void on_bytes(void *ctx, cbor_data data, size_t len)
{
    struct reader *r = ctx;
    int tag;
    double value = 0;

    if (chunk_misplaced(r))
        return;
    tag = take_tag(r);
    if (tag != TAG_BIGNUM && tag != TAG_NEG_BIGNUM) {
        codec_builder_fail(&r->b, "CBOR byte strings are not supported");
        return;
    }
    for (size_t i = 0; i < len; i++)
        value = value * 256 + data[i];
    number(r, tag == TAG_NEG_BIGNUM ? -1 - value : value);
}

static void on_bytes_start(void *ctx)
{
    struct reader *r = ctx;

    if (!chunk_misplaced(r))
        codec_builder_fail(&r->b, "CBOR byte strings are not supported");
}

static void on_string(void *ctx, cbor_data data, size_t len)
{
    struct reader *r = ctx;

    if (r->b.failed)
        return;
    if (r->in_chunks) {
        harper__buf_append(&r->chunks, data, len);
        return;
    }
    take_tag(r);
    codec_builder_scalar(&r->b, codec_builder_string(&r->b, (const char *)data, len));
}

static void on_string_start(void *ctx)
{
    struct reader *r = ctx;

    if (chunk_misplaced(r))
        return;
    take_tag(r);
    r->in_chunks = true;
    harper__buf_reset(&r->chunks);
}

static void on_array_start(void *ctx, size_t size)
{
    struct reader *r = ctx;

    if (chunk_misplaced(r))
        return;
    take_tag(r);
    codec_builder_open(&r->b, false, size, false);
}

static void on_indef_array_start(void *ctx)
{
    struct reader *r = ctx;

    if (chunk_misplaced(r))
        return;
    take_tag(r);
    codec_builder_open(&r->b, false, 0, true);
}

static void on_map_start(void *ctx, size_t size)
{
    struct reader *r = ctx;

    if (chunk_misplaced(r))
        return;
    take_tag(r);
    codec_builder_open(&r->b, true, size, false);
}

static void on_indef_map_start(void *ctx)
{
    struct reader *r = ctx;

    if (chunk_misplaced(r))
        return;
    take_tag(r);
    codec_builder_open(&r->b, true, 0, true);
}

static void on_tag(void *ctx, uint64_t value)
{
    struct reader *r = ctx;

    if (chunk_misplaced(r))
        return;
    r->tag = value <= TAG_NEG_BIGNUM ? (int)value : TAG_NONE;
}

static void on_null(void *ctx)
{
    struct reader *r = ctx;

    if (chunk_misplaced(r))
        return;
    take_tag(r);
    codec_builder_scalar(&r->b, cJSON_CreateNull());
}

static void on_bool(void *ctx, bool value)
{
    struct reader *r = ctx;

    if (chunk_misplaced(r))
        return;
    take_tag(r);
    codec_builder_scalar(&r->b, cJSON_CreateBool(value));
}

static void on_break(void *ctx)
{
    struct reader *r = ctx;

    if (r->b.failed)
        return;
    if (r->in_chunks) {
        r->in_chunks = false;
        if (r->chunks.failed)
            codec_builder_scalar(&r->b, NULL);
        else
            codec_builder_scalar(&r->b, codec_builder_string(&r->b,
                                                             r->chunks.data ? r->chunks.data : "",
                                                             r->chunks.len));
        return;
    }
    if (r->tag != TAG_NONE) {
        codec_builder_fail(&r->b, "A CBOR tag has no content");
        return;
    }
    codec_builder_break(&r->b);
}

static const struct cbor_callbacks callbacks = {
    .uint8 = on_uint8,
    .uint16 = on_uint16,
    .uint32 = on_uint32,
    .uint64 = on_uint64,
    .negint8 = on_negint8,
    .negint16 = on_negint16,
    .negint32 = on_negint32,
    .negint64 = on_negint64,
    .byte_string_start = on_bytes_start,
    .byte_string = on_bytes,
    .string = on_string,
    .string_start = on_string_start,
    .indef_array_start = on_indef_array_start,
    .array_start = on_array_start,
    .indef_map_start = on_indef_map_start,
    .map_start = on_map_start,
    .tag = on_tag,
    .float2 = on_float,
    .float4 = on_float,
    .float8 = on_double,
    .undefined = on_null,
    .null = on_null,
    .boolean = on_bool,
    .indef_break = on_break,
};

int codec_cbor_decode(const void *data, size_t len, cJSON **out, char *err, size_t err_size)
{
    struct reader *r = malloc(sizeof *r);
    const unsigned char *bytes = data;
    size_t pos = 0;

    *out = NULL;
    if (r == NULL) {
        if (err != NULL && err_size > 0)
            snprintf(err, err_size, "Out of memory decoding CBOR data");
        return -1;
    }
    codec_builder_init(&r->b, "CBOR", err, err_size);
    r->tag = TAG_NONE;
    r->in_chunks = false;
    r->chunks = (harper__buf)HARPER__BUF_INIT;
    while (!r->b.failed && !r->b.done) {
        struct cbor_decoder_result res;

        if (pos >= len || bytes == NULL) {
            codec_builder_fail(&r->b, "Unexpected end of CBOR data");
            break;
        }
        res = cbor_stream_decode(bytes + pos, len - pos, &callbacks, r);
        if (res.status == CBOR_DECODER_NEDATA)
            codec_builder_fail(&r->b, "Unexpected end of CBOR data");
        else if (res.status != CBOR_DECODER_FINISHED)
            codec_builder_fail(&r->b, "Invalid CBOR data at byte %zu", pos);
        pos += res.read;
    }
    if (!r->b.failed && pos < len)
        codec_builder_fail(&r->b, "Data read, but end of buffer not reached");
    *out = codec_builder_finish(&r->b);
    harper__buf_free(&r->chunks);
    free(r);
    return *out != NULL ? 0 : -1;
}
