/* mqtt_encode.c: MQTT packets written as bytes, 3.1.1 or 5.0, for every packet type. The body
 * is built first so that the Remaining Length in front of it is known. Where the standard
 * lets a v5 field be left out, the choice is mqtt-packet's (the encoder Harper uses), so the
 * bytes match Harper's: a PUBACK-type ack drops a success reason with no properties, while
 * DISCONNECT and AUTH always carry a reason code and a property length. Reading is
 * mqtt_codec.c's, property blocks mqtt_props.c's. */
#include "mqtt_internal.h"

static void put_u16(harper__buf *out, uint16_t v)
{
    harper__buf_byte(out, (uint8_t)(v >> 8));
    harper__buf_byte(out, (uint8_t)v);
}

/* The v5 property block; nothing in 3.1.1. */
static int put_props(const mqtt_props *props, int version, harper__buf *out)
{
    return version == 5 ? mqtt_props_encode(props, out) : 0;
}

static bool props_empty(const mqtt_props *props)
{
    return mqtt_props_size(props) == 1 && props->n_user == 0 && props->n_sub_ids == 0;
}

static int put_connect(const mqtt_packet *pkt, int version, harper__buf *b)
{
    const mqtt_connect *c = &pkt->u.connect;
    mqtt_bytes name = {(const uint8_t *)(version == 3 ? "MQIsdp" : "MQTT"), version == 3 ? 6 : 4};
    uint8_t flags = 0;

    if (c->will_qos > 2 || (version != 5 && c->has_password && !c->has_username))
        return -1;
    if (c->clean)
        flags |= 0x02;
    if (c->has_will)
        flags |= (uint8_t)(0x04 | c->will_qos << 3 | (c->will_retain ? 0x20 : 0));
    if (c->has_password)
        flags |= 0x40;
    if (c->has_username)
        flags |= 0x80;
    mqtt_put_bin(b, name);
    harper__buf_byte(b, (uint8_t)version);
    harper__buf_byte(b, flags);
    put_u16(b, c->keep_alive);
    if (put_props(&pkt->props, version, b) != 0 || mqtt_put_bin(b, c->client_id) != 0)
        return -1;
    if (c->has_will && (put_props(&c->will_props, version, b) != 0 ||
                        mqtt_put_bin(b, c->will_topic) != 0 ||
                        mqtt_put_bin(b, c->will_payload) != 0))
        return -1;
    if (c->has_username && mqtt_put_bin(b, c->username) != 0)
        return -1;
    if (c->has_password && mqtt_put_bin(b, c->password) != 0)
        return -1;
    return 0;
}

static int put_publish(const mqtt_packet *pkt, int version, harper__buf *b, uint8_t *first)
{
    const mqtt_publish *pub = &pkt->u.publish;

    if (pub->qos > 2 || (pub->qos > 0 && pkt->packet_id == 0) ||
        (pub->payload.len > 0 && pub->payload.p == NULL))
        return -1;
    *first |= (uint8_t)((pub->dup ? 8 : 0) | pub->qos << 1 | (pub->retain ? 1 : 0));
    if (mqtt_put_bin(b, pub->topic) != 0)
        return -1;
    if (pub->qos > 0)
        put_u16(b, pkt->packet_id);
    if (put_props(&pkt->props, version, b) != 0)
        return -1;
    harper__buf_append(b, pub->payload.p, pub->payload.len);
    return 0;
}

static int put_subscribe(const mqtt_packet *pkt, int version, harper__buf *b)
{
    size_t i;

    if (pkt->u.sub.n_subs == 0 || pkt->u.sub.subs == NULL || pkt->packet_id == 0)
        return -1;
    put_u16(b, pkt->packet_id);
    if (put_props(&pkt->props, version, b) != 0)
        return -1;
    for (i = 0; i < pkt->u.sub.n_subs; i++) {
        const mqtt_sub *s = &pkt->u.sub.subs[i];
        uint8_t options = s->qos;

        if (mqtt_put_bin(b, s->filter) != 0 || s->qos > 2 || s->retain_handling > 2)
            return -1;
        if (version == 5)
            options |= (uint8_t)((s->no_local ? 0x04 : 0) | (s->retain_as_published ? 0x08 : 0) |
                                 s->retain_handling << 4);
        if (pkt->type == MQTT_SUBSCRIBE)
            harper__buf_byte(b, options);
    }
    return 0;
}

/* SUBACK, UNSUBACK: the 3.1.1 UNSUBACK is the packet identifier alone. */
static int put_suback(const mqtt_packet *pkt, int version, harper__buf *b)
{
    if (pkt->packet_id == 0)
        return -1;
    put_u16(b, pkt->packet_id);
    if (version != 5 && pkt->type == MQTT_UNSUBACK)
        return 0;
    if (pkt->u.codes.len == 0 || pkt->u.codes.p == NULL || put_props(&pkt->props, version, b))
        return -1;
    harper__buf_append(b, pkt->u.codes.p, pkt->u.codes.len);
    return 0;
}

static int put_ack(const mqtt_packet *pkt, int version, harper__buf *b)
{
    if (pkt->packet_id == 0)
        return -1;
    put_u16(b, pkt->packet_id);
    if (version != 5 || (pkt->reason == 0 && props_empty(&pkt->props)))
        return 0;
    harper__buf_byte(b, pkt->reason);
    return mqtt_props_encode(&pkt->props, b);
}

static int put_body(const mqtt_packet *pkt, int version, harper__buf *b, uint8_t *first)
{
    switch (pkt->type) {
    case MQTT_CONNECT:
        return put_connect(pkt, version, b);
    case MQTT_CONNACK:
        harper__buf_byte(b, pkt->u.session_present ? 1 : 0);
        harper__buf_byte(b, pkt->reason);
        return put_props(&pkt->props, version, b);
    case MQTT_PUBLISH:
        return put_publish(pkt, version, b, first);
    case MQTT_PUBREL:
        *first |= 2;
        return put_ack(pkt, version, b);
    case MQTT_PUBACK:
    case MQTT_PUBREC:
    case MQTT_PUBCOMP:
        return put_ack(pkt, version, b);
    case MQTT_SUBSCRIBE:
    case MQTT_UNSUBSCRIBE:
        *first |= 2;
        return put_subscribe(pkt, version, b);
    case MQTT_SUBACK:
    case MQTT_UNSUBACK:
        return put_suback(pkt, version, b);
    case MQTT_PINGREQ:
    case MQTT_PINGRESP:
        return 0;
    case MQTT_DISCONNECT:
    case MQTT_AUTH:
        if (version != 5)
            return pkt->type == MQTT_DISCONNECT ? 0 : -1;
        harper__buf_byte(b, pkt->reason);
        return mqtt_props_encode(&pkt->props, b);
    default:
        return -1;
    }
}

int mqtt_encode(const mqtt_packet *pkt, int version, harper__buf *out)
{
    harper__buf body = HARPER__BUF_INIT;
    size_t start = out->len;
    uint8_t first;
    int rc = -1;

    if (pkt == NULL || out == NULL || version < 3 || version > 5 || out->failed)
        return -1;
    first = (uint8_t)((pkt->type & 0x0F) << 4);
    if (put_body(pkt, version, &body, &first) == 0 && !body.failed &&
        body.len <= MQTT_MAX_REMAINING) {
        harper__buf_byte(out, first);
        mqtt_put_varint(out, (uint32_t)body.len);
        harper__buf_append(out, body.data, body.len);
        rc = out->failed ? -1 : 0;
    }
    if (rc != 0 && out->len > start)
        out->len = start;
    harper__buf_free(&body);
    return rc;
}
