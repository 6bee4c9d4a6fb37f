/* codec_msgpack.c: MessagePack writing (msgpack-c's packer behind codec.h's walk) and reading
 * (a bounds-checked loop feeding codec.h's tree builder; why not msgpack-c's unpacker is in
 * codec_msgpack.h). */
#include "codec_msgpack.h"

#include <msgpack.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"

/* ---- writing -------------------------------------------------------------------------------- */

static int write_out(void *data, const char *buf, size_t len)
{
    harper__buf *out = data;

    harper__buf_append(out, buf, len);
    return out->failed ? -1 : 0;
}

static msgpack_packer packer(harper__buf *out)
{
    msgpack_packer pk;

    msgpack_packer_init(&pk, out, write_out);
    return pk;
}

static void put_null(harper__buf *out)
{
    msgpack_packer pk = packer(out);

    msgpack_pack_nil(&pk);
}

static void put_bool(harper__buf *out, bool value)
{
    msgpack_packer pk = packer(out);

    if (value)
        msgpack_pack_true(&pk);
    else
        msgpack_pack_false(&pk);
}

/* msgpackr's rule, as cbor-x's: uint32 and int32 values are integers (-0 among them, as 0),
 * every other number a float64. */
static void put_number(harper__buf *out, double value)
{
    msgpack_packer pk = packer(out);

    if (value >= 0 && value <= 4294967295.0 && value == (double)(uint32_t)value)
        msgpack_pack_uint32(&pk, (uint32_t)value);
    else if (value < 0 && value >= -2147483648.0 && value == (double)(int32_t)value)
        msgpack_pack_int32(&pk, (int32_t)value);
    else
        msgpack_pack_double(&pk, value);
}

/* A BigInt in msgpackr: uint64 or int64 when it fits, else (below -2^63) a float64. */
static void put_big_integer(harper__buf *out, bool negative, uint64_t magnitude)
{
    msgpack_packer pk = packer(out);

    if (!negative)
        msgpack_pack_uint64(&pk, magnitude);
    else if (magnitude == UINT64_C(1) << 63)
        msgpack_pack_int64(&pk, INT64_MIN);
    else if (magnitude < UINT64_C(1) << 63)
        msgpack_pack_int64(&pk, -(int64_t)magnitude);
    else
        msgpack_pack_double(&pk, -(double)magnitude);
}

static void put_string(harper__buf *out, const char *s, size_t n)
{
    msgpack_packer pk = packer(out);

    if (msgpack_pack_str(&pk, n) == 0)
        msgpack_pack_str_body(&pk, s, n);
}

static void put_head(harper__buf *out, size_t start, bool is_map, size_t count)
{
    unsigned char head[5];
    size_t n;

    if (count < 16) {
        head[0] = (unsigned char)((is_map ? 0x80 : 0x90) | count);
        n = 1;
    } else if (count <= 0xffff) {
        head[0] = is_map ? 0xde : 0xdc;
        head[1] = (unsigned char)(count >> 8);
        head[2] = (unsigned char)count;
        n = 3;
    } else if (count <= 0xffffffff) {
        head[0] = is_map ? 0xdf : 0xdd;
        harper__put_u32be(head + 1, (uint32_t)count);
        n = 5;
    } else {
        out->failed = 1;    /* MessagePack cannot count this many elements */
        return;
    }
    codec_replace_placeholder(out, start, head, n);
}

static const struct codec_format msgpack_format = {
    put_null, put_bool, put_number, put_big_integer, put_string, put_head,
};

int codec_msgpack_encode(const cJSON *v, harper__buf *out, char *err, size_t err_size)
{
    return codec_encode_tree(&msgpack_format, v, out, err, err_size);
}

int codec_msgpack_encode_json(const char *json, size_t len, harper__buf *out, char *err,
                              size_t err_size)
{
    return codec_encode_text(&msgpack_format, json, len, out, err, err_size);
}

/* ---- reading -------------------------------------------------------------------------------- */

struct input {
    const unsigned char *p;
    size_t len;
    size_t pos;
    struct codec_builder *b;
};

/* Points at the next n bytes and consumes them, or NULL (and fails) if the input ends first. */
static const unsigned char *take(struct input *in, size_t n)
{
    const unsigned char *at = in->p + in->pos;

    if (in->len - in->pos < n) {
        codec_builder_fail(in->b, "Unexpected end of MessagePack data");
        return NULL;
    }
    in->pos += n;
    return at;
}

/* An unsigned big-endian value of n (1, 2, 4 or 8) bytes; 0 after a failure. */
static uint64_t take_uint(struct input *in, size_t n)
{
    const unsigned char *at = take(in, n);
    uint64_t v = 0;

    for (size_t i = 0; at != NULL && i < n; i++)
        v = v << 8 | at[i];
    return v;
}

static void read_string(struct input *in, size_t n)
{
    const unsigned char *at = take(in, n);

    if (at != NULL)
        codec_builder_scalar(in->b, codec_builder_string(in->b, (const char *)at, n));
}

/* An extension value of n data bytes: the timestamp and msgpackr's undefined are read. */
static void read_ext(struct input *in, size_t n)
{
    const unsigned char *type = take(in, 1);
    const unsigned char *at = type != NULL ? take(in, n) : NULL;
    double seconds;
    double nanoseconds = 0;
    char date[32];

    if (at == NULL)
        return;
    if ((int8_t)*type == 0 && n == 1 && at[0] == 0) {
        codec_builder_scalar(in->b, cJSON_CreateNull());
        return;
    }
    if ((int8_t)*type != -1) {
        codec_builder_fail(in->b, "Unknown MessagePack extension type %d", (int8_t)*type);
        return;
    }
    if (n == 4) {
        seconds = harper__get_u32be(at);
    } else if (n == 8) {
        uint64_t v = harper__get_u64be(at);

        nanoseconds = (double)(v >> 34);
        seconds = (double)(v & ((UINT64_C(1) << 34) - 1));
    } else if (n == 12) {
        nanoseconds = harper__get_u32be(at);
        seconds = (double)(int64_t)harper__get_u64be(at + 4);
    } else {
        codec_builder_fail(in->b, "Invalid MessagePack timestamp of %zu bytes", n);
        return;
    }
    if (codec_iso_date(seconds * 1000 + nanoseconds / 1e6, date) == 0)
        codec_builder_scalar(in->b, cJSON_CreateString(date));
    else
        codec_builder_scalar(in->b, cJSON_CreateNull());
}

/* One value's head and, for scalars, its content. */
static void read_item(struct input *in)
{
    struct codec_builder *b = in->b;
    const unsigned char *at = take(in, 1);
    unsigned char c;
    union {
        uint32_t u;
        float f;
    } f32;
    union {
        uint64_t u;
        double d;
    } f64;

    if (at == NULL)
        return;
    c = *at;
    if (c <= 0x7f) {
        codec_builder_scalar(b, cJSON_CreateNumber(c));
    } else if (c <= 0x8f) {
        codec_builder_open(b, true, c & 0x0f, false);
    } else if (c <= 0x9f) {
        codec_builder_open(b, false, c & 0x0f, false);
    } else if (c <= 0xbf) {
        read_string(in, c & 0x1f);
    } else if (c >= 0xe0) {
        codec_builder_scalar(b, cJSON_CreateNumber((int8_t)c));
    } else {
        switch (c) {
        case 0xc0: codec_builder_scalar(b, cJSON_CreateNull()); break;
        case 0xc2: codec_builder_scalar(b, cJSON_CreateFalse()); break;
        case 0xc3: codec_builder_scalar(b, cJSON_CreateTrue()); break;
        case 0xc4: case 0xc5: case 0xc6:
            codec_builder_fail(b, "MessagePack binary values are not supported");
            break;
        case 0xc7: read_ext(in, (size_t)take_uint(in, 1)); break;
        case 0xc8: read_ext(in, (size_t)take_uint(in, 2)); break;
        case 0xc9: read_ext(in, (size_t)take_uint(in, 4)); break;
        case 0xca:
            f32.u = (uint32_t)take_uint(in, 4);
            codec_builder_scalar(b, codec_number(f32.f));
            break;
        case 0xcb:
            f64.u = take_uint(in, 8);
            codec_builder_scalar(b, codec_number(f64.d));
            break;
        case 0xcc: codec_builder_scalar(b, codec_number((double)take_uint(in, 1))); break;
        case 0xcd: codec_builder_scalar(b, codec_number((double)take_uint(in, 2))); break;
        case 0xce: codec_builder_scalar(b, codec_number((double)take_uint(in, 4))); break;
        case 0xcf: codec_builder_scalar(b, codec_number((double)take_uint(in, 8))); break;
        case 0xd0: codec_builder_scalar(b, codec_number((int8_t)take_uint(in, 1))); break;
        case 0xd1: codec_builder_scalar(b, codec_number((int16_t)take_uint(in, 2))); break;
        case 0xd2: codec_builder_scalar(b, codec_number((int32_t)take_uint(in, 4))); break;
        case 0xd3:
            codec_builder_scalar(b, codec_number((double)(int64_t)take_uint(in, 8)));
            break;
        case 0xd4: read_ext(in, 1); break;
        case 0xd5: read_ext(in, 2); break;
        case 0xd6: read_ext(in, 4); break;
        case 0xd7: read_ext(in, 8); break;
        case 0xd8: read_ext(in, 16); break;
        case 0xd9: read_string(in, (size_t)take_uint(in, 1)); break;
        case 0xda: read_string(in, (size_t)take_uint(in, 2)); break;
        case 0xdb: read_string(in, (size_t)take_uint(in, 4)); break;
        case 0xdc: codec_builder_open(b, false, take_uint(in, 2), false); break;
        case 0xdd: codec_builder_open(b, false, take_uint(in, 4), false); break;
        case 0xde: codec_builder_open(b, true, take_uint(in, 2), false); break;
        case 0xdf: codec_builder_open(b, true, take_uint(in, 4), false); break;
        default:
            codec_builder_fail(b, "Unknown MessagePack token %u", c);
            break;
        }
    }
}

int codec_msgpack_decode(const void *data, size_t len, cJSON **out, char *err, size_t err_size)
{
    struct codec_builder *b = malloc(sizeof *b);
    struct input in = {data, data != NULL ? len : 0, 0, b};

    *out = NULL;
    if (b == NULL) {
        if (err != NULL && err_size > 0)
            snprintf(err, err_size, "Out of memory decoding MessagePack data");
        return -1;
    }
    codec_builder_init(b, "MessagePack", err, err_size);
    while (!b->failed && !b->done)
        read_item(&in);
    if (!b->failed && in.pos < in.len)
        codec_builder_fail(b, "Data read, but end of buffer not reached");
    *out = codec_builder_finish(b);
    free(b);
    return *out != NULL ? 0 : -1;
}
