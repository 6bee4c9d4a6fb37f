/* mqtt_props.c: MQTT 5.0 property blocks, read, written and compared through one table that
 * says, for each property identifier, its data type, its allowed values, the packets it may
 * appear in and the mqtt_props field that holds it. Packets themselves are mqtt_codec.c's. */
#include "mqtt_internal.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

enum kind { K_NONE, K_BYTE, K_U16, K_U32, K_VARINT, K_STR, K_BIN, K_PAIR };
enum rule { R_ANY, R_BOOL, R_NONZERO };

#define W(type) (1u << (type))
#define WILL W(MQTT_PROPS_WILL)
#define ACKS (W(MQTT_PUBACK) | W(MQTT_PUBREC) | W(MQTT_PUBREL) | W(MQTT_PUBCOMP))
#define ALL (0xFFFEu | WILL)

struct prop_def {
    uint8_t kind;
    uint8_t rule;
    uint16_t where;         /* W(type) bits of the packets that may carry it */
    size_t offset;          /* of its field in mqtt_props */
    const char *name;
};

#define F(field) offsetof(mqtt_props, field)

static const struct prop_def defs[MQTT_PROP_SHARED_SUB_AVAILABLE + 1] = {
    [MQTT_PROP_PAYLOAD_FORMAT] = {K_BYTE, R_BOOL, W(MQTT_PUBLISH) | WILL, F(payload_format),
                                  "Payload Format Indicator"},
    [MQTT_PROP_MESSAGE_EXPIRY] = {K_U32, R_ANY, W(MQTT_PUBLISH) | WILL, F(message_expiry),
                                  "Message Expiry Interval"},
    [MQTT_PROP_CONTENT_TYPE] = {K_STR, R_ANY, W(MQTT_PUBLISH) | WILL, F(content_type),
                                "Content Type"},
    [MQTT_PROP_RESPONSE_TOPIC] = {K_STR, R_ANY, W(MQTT_PUBLISH) | WILL, F(response_topic),
                                  "Response Topic"},
    [MQTT_PROP_CORRELATION_DATA] = {K_BIN, R_ANY, W(MQTT_PUBLISH) | WILL, F(correlation_data),
                                    "Correlation Data"},
    [MQTT_PROP_SUBSCRIPTION_ID] = {K_VARINT, R_NONZERO, W(MQTT_PUBLISH) | W(MQTT_SUBSCRIBE),
                                   F(sub_ids), "Subscription Identifier"},
    [MQTT_PROP_SESSION_EXPIRY] = {K_U32, R_ANY,
                                  W(MQTT_CONNECT) | W(MQTT_CONNACK) | W(MQTT_DISCONNECT),
                                  F(session_expiry), "Session Expiry Interval"},
    [MQTT_PROP_ASSIGNED_CLIENT_ID] = {K_STR, R_ANY, W(MQTT_CONNACK), F(assigned_client_id),
                                      "Assigned Client Identifier"},
    [MQTT_PROP_SERVER_KEEP_ALIVE] = {K_U16, R_ANY, W(MQTT_CONNACK), F(server_keep_alive),
                                     "Server Keep Alive"},
    [MQTT_PROP_AUTH_METHOD] = {K_STR, R_ANY, W(MQTT_CONNECT) | W(MQTT_CONNACK) | W(MQTT_AUTH),
                               F(auth_method), "Authentication Method"},
    [MQTT_PROP_AUTH_DATA] = {K_BIN, R_ANY, W(MQTT_CONNECT) | W(MQTT_CONNACK) | W(MQTT_AUTH),
                             F(auth_data), "Authentication Data"},
    [MQTT_PROP_REQUEST_PROBLEM_INFO] = {K_BYTE, R_BOOL, W(MQTT_CONNECT),
                                        F(request_problem_info), "Request Problem Information"},
    [MQTT_PROP_WILL_DELAY] = {K_U32, R_ANY, WILL, F(will_delay), "Will Delay Interval"},
    [MQTT_PROP_REQUEST_RESPONSE_INFO] = {K_BYTE, R_BOOL, W(MQTT_CONNECT),
                                         F(request_response_info),
                                         "Request Response Information"},
    [MQTT_PROP_RESPONSE_INFO] = {K_STR, R_ANY, W(MQTT_CONNACK), F(response_info),
                                 "Response Information"},
    [MQTT_PROP_SERVER_REFERENCE] = {K_STR, R_ANY, W(MQTT_CONNACK) | W(MQTT_DISCONNECT),
                                    F(server_reference), "Server Reference"},
    [MQTT_PROP_REASON_STRING] = {K_STR, R_ANY,
                                 W(MQTT_CONNACK) | ACKS | W(MQTT_SUBACK) | W(MQTT_UNSUBACK) |
                                     W(MQTT_DISCONNECT) | W(MQTT_AUTH),
                                 F(reason_string), "Reason String"},
    [MQTT_PROP_RECEIVE_MAX] = {K_U16, R_NONZERO, W(MQTT_CONNECT) | W(MQTT_CONNACK),
                               F(receive_max), "Receive Maximum"},
    [MQTT_PROP_TOPIC_ALIAS_MAX] = {K_U16, R_ANY, W(MQTT_CONNECT) | W(MQTT_CONNACK),
                                   F(topic_alias_max), "Topic Alias Maximum"},
    [MQTT_PROP_TOPIC_ALIAS] = {K_U16, R_NONZERO, W(MQTT_PUBLISH), F(topic_alias), "Topic Alias"},
    [MQTT_PROP_MAX_QOS] = {K_BYTE, R_BOOL, W(MQTT_CONNACK), F(max_qos), "Maximum QoS"},
    [MQTT_PROP_RETAIN_AVAILABLE] = {K_BYTE, R_BOOL, W(MQTT_CONNACK), F(retain_available),
                                    "Retain Available"},
    [MQTT_PROP_USER] = {K_PAIR, R_ANY, ALL, F(user), "User Property"},
    [MQTT_PROP_MAX_PACKET_SIZE] = {K_U32, R_NONZERO, W(MQTT_CONNECT) | W(MQTT_CONNACK),
                                   F(max_packet_size), "Maximum Packet Size"},
    [MQTT_PROP_WILDCARD_SUB_AVAILABLE] = {K_BYTE, R_BOOL, W(MQTT_CONNACK),
                                          F(wildcard_sub_available),
                                          "Wildcard Subscription Available"},
    [MQTT_PROP_SUB_ID_AVAILABLE] = {K_BYTE, R_BOOL, W(MQTT_CONNACK), F(sub_id_available),
                                    "Subscription Identifier Available"},
    [MQTT_PROP_SHARED_SUB_AVAILABLE] = {K_BYTE, R_BOOL, W(MQTT_CONNACK),
                                        F(shared_sub_available),
                                        "Shared Subscription Available"},
};

#define N_DEFS (sizeof defs / sizeof defs[0])

int mqtt_fail(mqtt_error *err, uint8_t reason, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        err->reason = reason;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int mqtt_read_varint(struct mqtt_reader *r, uint32_t *v)
{
    uint32_t value = 0;
    size_t i;

    for (i = 0; i < 4; i++) {
        uint8_t byte;

        if (i >= mqtt_left(r))
            return -1;
        byte = r->p[r->pos + i];
        value |= (uint32_t)(byte & 0x7F) << (7 * i);
        if ((byte & 0x80) == 0) {
            /* A last byte of 0 after the first means a shorter form existed. */
            if (i > 0 && byte == 0)
                return -2;
            r->pos += i + 1;
            *v = value;
            return 0;
        }
    }
    return -2;
}

size_t mqtt_varint_size(uint32_t v)
{
    return v < 128u ? 1 : v < 16384u ? 2 : v < 2097152u ? 3 : v <= MQTT_MAX_REMAINING ? 4 : 5;
}

void mqtt_put_varint(harper__buf *out, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7F;

        v >>= 7;
        harper__buf_byte(out, v > 0 ? (uint8_t)(byte | 0x80) : byte);
    } while (v > 0);
}

static void *field(mqtt_props *props, const struct prop_def *def)
{
    return (char *)props + def->offset;
}

static const void *cfield(const mqtt_props *props, const struct prop_def *def)
{
    return (const char *)props + def->offset;
}

static int read_string(struct mqtt_reader *r, mqtt_bytes *v, const char *name, mqtt_error *err)
{
    if (mqtt_read_bin(r, v) != 0)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "%s cut short", name);
    if (!mqtt_utf8_valid(v->p, v->len))
        return mqtt_fail(err, MQTT_RC_MALFORMED, "%s is not valid UTF-8", name);
    return 0;
}

/* Reads one property's value into props, checking its range. */
static int read_value(struct mqtt_reader *b, const struct prop_def *def,
                      mqtt_props *props, mqtt_error *err)
{
    uint32_t number = 1;
    int rc = 0;

    switch (def->kind) {
    case K_BYTE:
        rc = mqtt_read_u8(b, field(props, def));
        number = *(uint8_t *)field(props, def);
        break;
    case K_U16:
        rc = mqtt_read_u16(b, field(props, def));
        number = *(uint16_t *)field(props, def);
        break;
    case K_U32:
        rc = mqtt_read_u32(b, field(props, def));
        number = *(uint32_t *)field(props, def);
        break;
    case K_VARINT:
        rc = mqtt_read_varint(b, &number);
        if (rc == -2)
            return mqtt_fail(err, MQTT_RC_MALFORMED, "%s is a malformed varint", def->name);
        if (rc == 0 && number > 0) {
            if (props->n_sub_ids == MQTT_MAX_SUB_IDS)
                return mqtt_fail(err, MQTT_RC_QUOTA_EXCEEDED, "more than %d %ss",
                                 MQTT_MAX_SUB_IDS, def->name);
            props->sub_ids[props->n_sub_ids++] = number;
        }
        break;
    case K_STR:
        return read_string(b, field(props, def), def->name, err);
    case K_BIN:
        rc = mqtt_read_bin(b, field(props, def));
        break;
    case K_PAIR: {
        mqtt_bytes name;
        mqtt_bytes value;

        if (read_string(b, &name, def->name, err) != 0 ||
            read_string(b, &value, def->name, err) != 0)
            return -1;
        if (props->n_user == MQTT_MAX_USER_PROPS)
            return mqtt_fail(err, MQTT_RC_QUOTA_EXCEEDED, "more than %d User Properties",
                             MQTT_MAX_USER_PROPS);
        props->n_user++;
        break;
    }
    }
    if (rc != 0)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "%s cut short", def->name);
    if (def->rule == R_BOOL && number > 1)
        return mqtt_fail(err, MQTT_RC_PROTOCOL_ERROR, "%s is %u, not 0 or 1", def->name,
                         (unsigned)number);
    if (def->rule == R_NONZERO && number == 0)
        return mqtt_fail(err, MQTT_RC_PROTOCOL_ERROR, "%s is 0", def->name);
    return 0;
}

static const struct prop_def *lookup(uint8_t id)
{
    return id < N_DEFS && defs[id].kind != K_NONE ? &defs[id] : NULL;
}

/* The first pass: checks the whole block and counts the user properties. */
static int scan(struct mqtt_reader *b, int where, mqtt_props *props, mqtt_error *err)
{
    while (mqtt_left(b) > 0) {
        uint8_t id = b->p[b->pos++];
        const struct prop_def *def = lookup(id);
        uint64_t bit;
        bool repeatable;

        if (def == NULL)
            return mqtt_fail(err, MQTT_RC_MALFORMED, "unknown property 0x%02x", id);
        bit = MQTT_PROP_BIT(id);
        if ((def->where & W(where)) == 0)
            return mqtt_fail(err, MQTT_RC_MALFORMED, "%s is not allowed in %s", def->name,
                             where == MQTT_PROPS_WILL ? "will properties"
                                                      : mqtt_type_name(where));
        repeatable = id == MQTT_PROP_USER || (id == MQTT_PROP_SUBSCRIPTION_ID &&
                                              where == MQTT_PUBLISH);
        if (!repeatable && (props->present & bit) != 0)
            return mqtt_fail(err, MQTT_RC_PROTOCOL_ERROR, "%s more than once", def->name);
        if (read_value(b, def, props, err) != 0)
            return -1;
        props->present |= bit;
    }
    if ((props->present & MQTT_PROP_BIT(MQTT_PROP_AUTH_DATA)) != 0 &&
        (props->present & MQTT_PROP_BIT(MQTT_PROP_AUTH_METHOD)) == 0)
        return mqtt_fail(err, MQTT_RC_PROTOCOL_ERROR,
                         "Authentication Data without Authentication Method");
    return 0;
}

/* The second pass over a block scan accepted: collects the user properties into props->user,
 * sized by the count scan made. */
static void collect_user(struct mqtt_reader b, mqtt_props *props)
{
    size_t n = 0;

    while (mqtt_left(&b) > 0) {
        const struct prop_def *def = lookup(b.p[b.pos++]);
        uint32_t skip;
        mqtt_bytes view;

        switch (def->kind) {
        case K_BYTE:
            b.pos += 1;
            break;
        case K_U16:
            b.pos += 2;
            break;
        case K_U32:
            b.pos += 4;
            break;
        case K_VARINT:
            mqtt_read_varint(&b, &skip);
            break;
        case K_STR:
        case K_BIN:
            mqtt_read_bin(&b, &view);
            break;
        case K_PAIR:
            mqtt_read_bin(&b, &props->user[n].name);
            mqtt_read_bin(&b, &props->user[n].value);
            n++;
            break;
        }
    }
}

int mqtt_props_decode(struct mqtt_reader *r, int where, mqtt_props *props, mqtt_error *err)
{
    struct mqtt_reader block;
    uint32_t n;
    int rc;

    memset(props, 0, sizeof *props);
    rc = mqtt_read_varint(r, &n);
    if (rc != 0)
        return mqtt_fail(err, MQTT_RC_MALFORMED, rc == -1 ? "property length cut short"
                                                          : "malformed property length");
    if (n > mqtt_left(r))
        return mqtt_fail(err, MQTT_RC_MALFORMED, "property length %u exceeds the packet",
                         (unsigned)n);
    block.p = r->p + r->pos;
    block.len = n;
    block.pos = 0;
    r->pos += n;
    if (scan(&block, where, props, err) != 0) {
        memset(props, 0, sizeof *props);
        return -1;
    }
    if (props->n_user > 0) {
        props->user = calloc(props->n_user, sizeof *props->user);
        if (props->user == NULL) {
            memset(props, 0, sizeof *props);
            return mqtt_fail(err, MQTT_RC_UNSPECIFIED, "out of memory");
        }
        block.pos = 0;
        collect_user(block, props);
    }
    return 0;
}

void mqtt_props_free(mqtt_props *props)
{
    free(props->user);
    props->user = NULL;
    props->n_user = 0;
}

/* Properties written by the table's walk; subscription identifiers and user properties, which
 * may repeat, are written from their arrays. */
static bool single(uint8_t id, const mqtt_props *props)
{
    return id != MQTT_PROP_SUBSCRIPTION_ID && id != MQTT_PROP_USER && defs[id].kind != K_NONE &&
           (props->present & MQTT_PROP_BIT(id)) != 0;
}

static size_t body_size(const mqtt_props *props)
{
    size_t n = 0;
    size_t i;

    for (i = 1; i < N_DEFS; i++) {
        if (!single((uint8_t)i, props))
            continue;
        switch (defs[i].kind) {
        case K_BYTE:
            n += 2;
            break;
        case K_U16:
            n += 3;
            break;
        case K_U32:
            n += 5;
            break;
        default:
            n += 3 + ((const mqtt_bytes *)cfield(props, &defs[i]))->len;
            break;
        }
    }
    for (i = 0; i < props->n_sub_ids && i < MQTT_MAX_SUB_IDS; i++)
        n += 1 + mqtt_varint_size(props->sub_ids[i]);
    for (i = 0; i < props->n_user && props->user != NULL; i++)
        n += 5 + props->user[i].name.len + props->user[i].value.len;
    return n;
}

size_t mqtt_props_size(const mqtt_props *props)
{
    size_t n = body_size(props);

    return mqtt_varint_size(n > MQTT_MAX_REMAINING ? MQTT_MAX_REMAINING + 1u : (uint32_t)n) + n;
}

int mqtt_put_bin(harper__buf *out, mqtt_bytes v)
{
    if (v.len > 65535 || (v.len > 0 && v.p == NULL))
        return -1;
    harper__buf_byte(out, (uint8_t)(v.len >> 8));
    harper__buf_byte(out, (uint8_t)v.len);
    harper__buf_append(out, v.p, v.len);
    return 0;
}

int mqtt_props_encode(const mqtt_props *props, harper__buf *out)
{
    size_t n = body_size(props);
    size_t i;

    if (n > MQTT_MAX_REMAINING || props->n_sub_ids > MQTT_MAX_SUB_IDS ||
        (props->n_user > 0 && props->user == NULL))
        return -1;
    mqtt_put_varint(out, (uint32_t)n);
    for (i = 1; i < N_DEFS; i++) {
        const void *v = cfield(props, &defs[i]);

        if (!single((uint8_t)i, props))
            continue;
        harper__buf_byte(out, (uint8_t)i);
        switch (defs[i].kind) {
        case K_BYTE:
            harper__buf_byte(out, *(const uint8_t *)v);
            break;
        case K_U16:
            harper__buf_byte(out, (uint8_t)(*(const uint16_t *)v >> 8));
            harper__buf_byte(out, (uint8_t)*(const uint16_t *)v);
            break;
        case K_U32:
            harper__buf_u32be(out, *(const uint32_t *)v);
            break;
        default:
            if (mqtt_put_bin(out, *(const mqtt_bytes *)v) != 0)
                return -1;
            break;
        }
    }
    for (i = 0; i < props->n_sub_ids; i++) {
        if (props->sub_ids[i] == 0 || props->sub_ids[i] > MQTT_MAX_REMAINING)
            return -1;
        harper__buf_byte(out, MQTT_PROP_SUBSCRIPTION_ID);
        mqtt_put_varint(out, props->sub_ids[i]);
    }
    for (i = 0; i < props->n_user; i++) {
        harper__buf_byte(out, MQTT_PROP_USER);
        if (mqtt_put_bin(out, props->user[i].name) != 0 ||
            mqtt_put_bin(out, props->user[i].value) != 0)
            return -1;
    }
    return 0;
}

bool mqtt_props_equal(const mqtt_props *a, const mqtt_props *b)
{
    uint64_t many = MQTT_PROP_BIT(MQTT_PROP_SUBSCRIPTION_ID) | MQTT_PROP_BIT(MQTT_PROP_USER);
    size_t i;

    if ((a->present & ~many) != (b->present & ~many) || a->n_sub_ids != b->n_sub_ids ||
        a->n_user != b->n_user)
        return false;
    for (i = 1; i < N_DEFS; i++) {
        const void *x = cfield(a, &defs[i]);
        const void *y = cfield(b, &defs[i]);
        bool same = true;

        if (!single((uint8_t)i, a))
            continue;
        switch (defs[i].kind) {
        case K_BYTE:
            same = *(const uint8_t *)x == *(const uint8_t *)y;
            break;
        case K_U16:
            same = *(const uint16_t *)x == *(const uint16_t *)y;
            break;
        case K_U32:
            same = *(const uint32_t *)x == *(const uint32_t *)y;
            break;
        default:
            same = mqtt_bytes_equal(*(const mqtt_bytes *)x, *(const mqtt_bytes *)y);
            break;
        }
        if (!same)
            return false;
    }
    for (i = 0; i < a->n_sub_ids && i < MQTT_MAX_SUB_IDS; i++)
        if (a->sub_ids[i] != b->sub_ids[i])
            return false;
    for (i = 0; i < a->n_user; i++)
        if (!mqtt_bytes_equal(a->user[i].name, b->user[i].name) ||
            !mqtt_bytes_equal(a->user[i].value, b->user[i].value))
            return false;
    return true;
}
