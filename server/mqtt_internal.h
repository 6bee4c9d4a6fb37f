/* mqtt_internal.h: what mqtt_codec.c, mqtt_encode.c and mqtt_props.c share and nobody else
 * calls: a bounds-checked reader over one packet, the error setter, and the v5 property
 * block's reader, writer and comparison. */
#ifndef HARPER_SERVER_MQTT_INTERNAL_H
#define HARPER_SERVER_MQTT_INTERNAL_H

#include <string.h>

#include "mqtt_codec.h"

/* A cursor over p[0..len). Every read checks the bounds and fails without moving. */
struct mqtt_reader {
    const uint8_t *p;
    size_t len;
    size_t pos;
};

static inline size_t mqtt_left(const struct mqtt_reader *r)
{
    return r->len - r->pos;
}

static inline int mqtt_read_u8(struct mqtt_reader *r, uint8_t *v)
{
    if (mqtt_left(r) < 1)
        return -1;
    *v = r->p[r->pos++];
    return 0;
}

static inline int mqtt_read_u16(struct mqtt_reader *r, uint16_t *v)
{
    if (mqtt_left(r) < 2)
        return -1;
    *v = (uint16_t)(r->p[r->pos] << 8 | r->p[r->pos + 1]);
    r->pos += 2;
    return 0;
}

static inline int mqtt_read_u32(struct mqtt_reader *r, uint32_t *v)
{
    if (mqtt_left(r) < 4)
        return -1;
    *v = harper__get_u32be(r->p + r->pos);
    r->pos += 4;
    return 0;
}

/* n bytes as a view. */
static inline int mqtt_read_raw(struct mqtt_reader *r, size_t n, mqtt_bytes *v)
{
    if (mqtt_left(r) < n)
        return -1;
    v->p = n > 0 ? r->p + r->pos : NULL;
    v->len = n;
    r->pos += n;
    return 0;
}

/* Binary Data (and the bytes of a UTF-8 string): a 2-byte length, then the bytes. */
static inline int mqtt_read_bin(struct mqtt_reader *r, mqtt_bytes *v)
{
    size_t start = r->pos;
    uint16_t n;

    if (mqtt_read_u16(r, &n) != 0 || mqtt_read_raw(r, n, v) != 0) {
        r->pos = start;
        return -1;
    }
    return 0;
}

/* Variable Byte Integer: 1 to 4 bytes, 7 bits each, least significant first. -1 when cut
 * short, -2 when a 4th byte still continues or the value uses more bytes than it needs (the
 * v5 rule for every varint inside a packet). */
int mqtt_read_varint(struct mqtt_reader *r, uint32_t *v);

/* Bytes a Variable Byte Integer for v takes (v <= MQTT_MAX_REMAINING). */
size_t mqtt_varint_size(uint32_t v);
void mqtt_put_varint(harper__buf *out, uint32_t v);

/* Binary Data or a UTF-8 string: 2-byte length and the bytes; -1 when over 65535 bytes. */
int mqtt_put_bin(harper__buf *out, mqtt_bytes v);

/* Fills err (may be NULL) and returns -1. */
int mqtt_fail(mqtt_error *err, uint8_t reason, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Where a property block sits: a packet type, or the will properties of a CONNECT. */
#define MQTT_PROPS_WILL 0

/* Reads a property block (its varint length, then the properties) from r into *props for
 * the packet type `where` (or MQTT_PROPS_WILL), checking every property is known, allowed
 * there, not repeated unless the standard allows it, of the right size and in range.
 * 0, or -1 with err set and nothing allocated. */
int mqtt_props_decode(struct mqtt_reader *r, int where, mqtt_props *props, mqtt_error *err);
void mqtt_props_free(mqtt_props *props);

/* The bytes props takes when written, length prefix included. */
size_t mqtt_props_size(const mqtt_props *props);
/* Writes the block, length prefix included; -1 for a value that cannot be written (a string
 * over 65535 bytes, a subscription identifier out of range). */
int mqtt_props_encode(const mqtt_props *props, harper__buf *out);
bool mqtt_props_equal(const mqtt_props *a, const mqtt_props *b);

static inline bool mqtt_bytes_equal(mqtt_bytes a, mqtt_bytes b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

#endif
