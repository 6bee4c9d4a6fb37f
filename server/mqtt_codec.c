/* mqtt_codec.c: MQTT packet framing and decoding, with the checks the 3.1.1 and 5.0
 * standards make on what a receiver accepts, and the packet comparison and text checks the
 * rest of the codec shares. Property blocks are read in mqtt_props.c, packets written in
 * mqtt_encode.c; what a packet asks of a session is left to the broker. */
#include "mqtt_internal.h"

#include <stdlib.h>

static const char *const type_names[16] = {
    "reserved", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
    "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT",
    "AUTH",
};

const char *mqtt_type_name(int type)
{
    return type >= 0 && type < 16 ? type_names[type] : "?";
}

/* ---- text checks ---------------------------------------------------------------------------- */

bool mqtt_utf8_valid(const uint8_t *p, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint8_t c = p[i];
        uint32_t cp;
        size_t n;
        size_t k;

        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return false;       /* a continuation byte, C0/C1 (always overlong) or F5..FF */
        }
        if (len - i - 1 < n)
            return false;
        for (k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (p[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n + 1;
    }
    return true;
}

uint8_t mqtt_filter_check(const uint8_t *p, size_t len, const char **message)
{
    const char *why = NULL;
    size_t start = 0;
    size_t i;

    if (len == 0)
        why = "No topic provided";
    for (i = 0; i < len && why == NULL; i++) {
        bool level_end = i + 1 == len || p[i + 1] == '/';

        if (p[i] == '/')
            start = i + 1;
        else if (p[i] == '#' && (i != start || i + 1 != len))
            why = "Multi-level wildcards can only be used at the end of a topic";
        else if (p[i] == '+' && (i != start || !level_end))
            why = "Single-level wildcards can only be used as a topic level (between or after "
                  "slashes)";
    }
    if (message != NULL)
        *message = why;
    return why != NULL ? MQTT_RC_TOPIC_FILTER_INVALID : 0;
}

static bool has_wildcard(mqtt_bytes topic)
{
    return topic.len > 0 && (memchr(topic.p, '+', topic.len) != NULL ||
                             memchr(topic.p, '#', topic.len) != NULL);
}

static bool equals_text(mqtt_bytes v, const char *text)
{
    return v.len == strlen(text) && memcmp(v.p, text, v.len) == 0;
}

/* ---- framing -------------------------------------------------------------------------------- */

mqtt_frame_status mqtt_frame(const uint8_t *buf, size_t len, size_t max_packet,
                             size_t *packet_len)
{
    uint32_t remaining = 0;
    size_t i;

    if (packet_len != NULL)
        *packet_len = 0;
    for (i = 0; i < 4; i++) {
        uint8_t byte;
        size_t total;

        if (buf == NULL || 1 + i >= len)
            return MQTT_FRAME_MORE;
        byte = buf[1 + i];
        remaining |= (uint32_t)(byte & 0x7F) << (7 * i);
        if (byte & 0x80)
            continue;
        total = 2 + i + remaining;
        if (packet_len != NULL)
            *packet_len = total;
        if (max_packet > 0 && total > max_packet)
            return MQTT_FRAME_TOO_LARGE;
        return len >= total ? MQTT_FRAME_READY : MQTT_FRAME_MORE;
    }
    return MQTT_FRAME_MALFORMED;
}

/* ---- decoding ------------------------------------------------------------------------------- */

/* A UTF-8 string field; `what` names it in the message. */
static int read_string(struct mqtt_reader *r, mqtt_bytes *v, const char *what,
                       mqtt_error *err)
{
    if (mqtt_read_bin(r, v) != 0)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "%s cut short", what);
    if (!mqtt_utf8_valid(v->p, v->len))
        return mqtt_fail(err, MQTT_RC_MALFORMED, "%s is not valid UTF-8", what);
    return 0;
}

static int read_packet_id(struct mqtt_reader *r, mqtt_packet *out, mqtt_error *err)
{
    if (mqtt_read_u16(r, &out->packet_id) != 0)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "%s packet identifier cut short",
                         mqtt_type_name(out->type));
    if (out->packet_id == 0)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "%s packet identifier is 0",
                         mqtt_type_name(out->type));
    return 0;
}

/* Reads CONNECT; *known_name tells a protocol level out of range from another protocol. */
static int read_connect(struct mqtt_reader *r, uint8_t flags, mqtt_packet *out,
                        bool *known_name, mqtt_error *err)
{
    mqtt_connect *c = &out->u.connect;
    mqtt_bytes name;
    uint8_t level;
    uint8_t cf;

    if (flags != 0)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "reserved flags 0x%x in CONNECT", flags);
    if (mqtt_read_bin(r, &name) != 0 || mqtt_read_u8(r, &level) != 0)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "CONNECT protocol name cut short");
    *known_name = equals_text(name, "MQTT") || equals_text(name, "MQIsdp");
    if (!*known_name)
        return mqtt_fail(err, MQTT_RC_UNSUPPORTED_VERSION, "unknown protocol name");
    if ((level != 3 && level != 4 && level != 5) || equals_text(name, "MQTT") != (level != 3))
        return mqtt_fail(err, MQTT_RC_UNSUPPORTED_VERSION, "unsupported protocol level %u",
                         level);
    c->level = level;
    if (mqtt_read_u8(r, &cf) != 0 || mqtt_read_u16(r, &c->keep_alive) != 0)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "CONNECT header cut short");
    if (cf & 0x01)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "reserved CONNECT flag set");
    c->clean = (cf & 0x02) != 0;
    c->has_will = (cf & 0x04) != 0;
    c->will_qos = (cf >> 3) & 3;
    c->will_retain = (cf & 0x20) != 0;
    c->has_password = (cf & 0x40) != 0;
    c->has_username = (cf & 0x80) != 0;
    if (!c->has_will && (c->will_qos != 0 || c->will_retain))
        return mqtt_fail(err, MQTT_RC_MALFORMED, "will QoS or retain set without the will flag");
    if (c->will_qos == 3)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "will QoS 3");
    if (level != 5 && c->has_password && !c->has_username)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "password flag without user name");
    if (level == 5 && mqtt_props_decode(r, MQTT_CONNECT, &out->props, err) != 0)
        return -1;
    if (read_string(r, &c->client_id, "client identifier", err) != 0)
        return -1;
    /* v5 lets the server assign an identifier; 3.1.1 only with a clean session, 3.1 never. */
    if (c->client_id.len == 0 && level != 5 && (!c->clean || level == 3))
        return mqtt_fail(err, MQTT_RC_CLIENT_ID_INVALID,
                         "empty client identifier without a clean session");
    if (c->has_will) {
        if (level == 5 && mqtt_props_decode(r, MQTT_PROPS_WILL, &c->will_props, err) != 0)
            return -1;
        if (read_string(r, &c->will_topic, "will topic", err) != 0)
            return -1;
        if (mqtt_read_bin(r, &c->will_payload) != 0)
            return mqtt_fail(err, MQTT_RC_MALFORMED, "will payload cut short");
        if (c->will_topic.len == 0 || has_wildcard(c->will_topic))
            return mqtt_fail(err, MQTT_RC_TOPIC_NAME_INVALID,
                             "will topic is empty or has a wildcard");
    }
    if (c->has_username && read_string(r, &c->username, "user name", err) != 0)
        return -1;
    if (c->has_password && mqtt_read_bin(r, &c->password) != 0)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "password cut short");
    if (mqtt_left(r) > 0)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "bytes after the CONNECT payload");
    return 0;
}

/* Adds to a CONNECT failure what a CONNACK answering it needs: v5 may answer any failure
 * with its reason code once the level is known; 3.1.1 only an unacceptable level (1) or a
 * rejected identifier (2), the failures that have a return code of their own. */
static int decode_connect(struct mqtt_reader *r, uint8_t flags, mqtt_packet *out,
                          mqtt_error *err)
{
    bool known_name = false;

    if (read_connect(r, flags, out, &known_name, err) == 0)
        return 0;
    if (err != NULL) {
        if (err->reason == MQTT_RC_CLIENT_ID_INVALID)
            err->v3_code = MQTT_V3_IDENTIFIER_REJECTED;
        else if (err->reason == MQTT_RC_UNSUPPORTED_VERSION && known_name)
            err->v3_code = MQTT_V3_UNACCEPTABLE_VERSION;
        err->connack_version = out->u.connect.level == 5 ? 5 : err->v3_code != 0 ? 4 : 0;
    }
    return -1;
}

static int decode_connack(struct mqtt_reader *r, int version, mqtt_packet *out,
                          mqtt_error *err)
{
    uint8_t ack;

    if (mqtt_read_u8(r, &ack) != 0 || mqtt_read_u8(r, &out->reason) != 0)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "CONNACK cut short");
    if (ack & 0xFE)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "reserved CONNACK flags set");
    out->u.session_present = ack & 1;
    if (version == 5)
        return mqtt_props_decode(r, MQTT_CONNACK, &out->props, err);
    return 0;
}

static int decode_publish(struct mqtt_reader *r, int version, uint8_t flags, mqtt_packet *out,
                          mqtt_error *err)
{
    mqtt_publish *pub = &out->u.publish;

    pub->dup = (flags & 8) != 0;
    pub->qos = (flags >> 1) & 3;
    pub->retain = (flags & 1) != 0;
    if (pub->qos == 3)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "PUBLISH with QoS 3");
    if (pub->dup && pub->qos == 0)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "PUBLISH with DUP set at QoS 0");
    if (read_string(r, &pub->topic, "topic name", err) != 0)
        return -1;
    if (has_wildcard(pub->topic))
        return mqtt_fail(err, MQTT_RC_TOPIC_NAME_INVALID, "topic name has a wildcard");
    if (pub->qos > 0 && read_packet_id(r, out, err) != 0)
        return -1;
    if (version == 5) {
        if (mqtt_props_decode(r, MQTT_PUBLISH, &out->props, err) != 0)
            return -1;
        if (has_wildcard(out->props.response_topic))
            return mqtt_fail(err, MQTT_RC_PROTOCOL_ERROR, "Response Topic has a wildcard");
    }
    if (pub->topic.len == 0 &&
        (version != 5 || (out->props.present & MQTT_PROP_BIT(MQTT_PROP_TOPIC_ALIAS)) == 0))
        return mqtt_fail(err, version == 5 ? MQTT_RC_PROTOCOL_ERROR : MQTT_RC_TOPIC_NAME_INVALID,
                         "empty topic name without a Topic Alias");
    mqtt_read_raw(r, mqtt_left(r), &pub->payload);
    return 0;
}

/* PUBACK, PUBREC, PUBREL, PUBCOMP; in v5 the reason code and properties may be left out. */
static int decode_ack(struct mqtt_reader *r, int version, mqtt_packet *out, mqtt_error *err)
{
    if (read_packet_id(r, out, err) != 0)
        return -1;
    if (version == 5 && mqtt_left(r) > 0) {
        mqtt_read_u8(r, &out->reason);
        if (mqtt_left(r) > 0)
            return mqtt_props_decode(r, out->type, &out->props, err);
    }
    return 0;
}

/* The topic filters of SUBSCRIBE (with options) or UNSUBSCRIBE. Run once with subs NULL to
 * check them all and count them, then again to fill the array, which cannot fail. */
static int read_filters(struct mqtt_reader r, int version, bool with_options, mqtt_sub *subs,
                        size_t *count, mqtt_error *err)
{
    size_t n = 0;

    while (mqtt_left(&r) > 0) {
        mqtt_sub sub;
        uint8_t options = 0;

        memset(&sub, 0, sizeof sub);
        if (read_string(&r, &sub.filter, "topic filter", err) != 0)
            return -1;
        if (with_options && mqtt_read_u8(&r, &options) != 0)
            return mqtt_fail(err, MQTT_RC_MALFORMED, "subscription options cut short");
        if (options & (version == 5 ? 0xC0 : 0xFC))
            return mqtt_fail(err, MQTT_RC_MALFORMED, "reserved subscription option bits set");
        sub.qos = options & 3;
        sub.no_local = (options & 0x04) != 0;
        sub.retain_as_published = (options & 0x08) != 0;
        sub.retain_handling = (options >> 4) & 3;
        if (sub.qos == 3)
            return mqtt_fail(err, MQTT_RC_MALFORMED, "subscription with QoS 3");
        if (sub.retain_handling == 3)
            return mqtt_fail(err, MQTT_RC_PROTOCOL_ERROR, "Retain Handling 3");
        if (sub.no_local && sub.filter.len >= 7 && memcmp(sub.filter.p, "$share/", 7) == 0)
            return mqtt_fail(err, MQTT_RC_PROTOCOL_ERROR,
                             "No Local on a shared subscription");
        if (n == MQTT_MAX_TOPICS)
            return mqtt_fail(err, MQTT_RC_QUOTA_EXCEEDED, "more than %d topic filters",
                             MQTT_MAX_TOPICS);
        sub.filter_error = mqtt_filter_check(sub.filter.p, sub.filter.len, &sub.filter_message);
        if (subs != NULL)
            subs[n] = sub;
        n++;
    }
    *count = n;
    return 0;
}

static int decode_subscribe(struct mqtt_reader *r, int version, mqtt_packet *out,
                            mqtt_error *err)
{
    bool with_options = out->type == MQTT_SUBSCRIBE;
    size_t n = 0;

    if (read_packet_id(r, out, err) != 0)
        return -1;
    if (version == 5 && mqtt_props_decode(r, out->type, &out->props, err) != 0)
        return -1;
    if (read_filters(*r, version, with_options, NULL, &n, err) != 0)
        return -1;
    if (n == 0)
        return mqtt_fail(err, MQTT_RC_PROTOCOL_ERROR, "%s without topic filters",
                         mqtt_type_name(out->type));
    out->u.sub.subs = calloc(n, sizeof *out->u.sub.subs);
    if (out->u.sub.subs == NULL)
        return mqtt_fail(err, MQTT_RC_UNSPECIFIED, "out of memory");
    read_filters(*r, version, with_options, out->u.sub.subs, &out->u.sub.n_subs, err);
    r->pos = r->len;
    return 0;
}

/* SUBACK, and UNSUBACK (whose 3.1.1 form has nothing after the packet identifier). */
static int decode_suback(struct mqtt_reader *r, int version, mqtt_packet *out, mqtt_error *err)
{
    if (read_packet_id(r, out, err) != 0)
        return -1;
    if (version != 5 && out->type == MQTT_UNSUBACK)
        return 0;
    if (version == 5 && mqtt_props_decode(r, out->type, &out->props, err) != 0)
        return -1;
    if (mqtt_left(r) == 0)
        return mqtt_fail(err, MQTT_RC_PROTOCOL_ERROR, "%s without reason codes",
                         mqtt_type_name(out->type));
    mqtt_read_raw(r, mqtt_left(r), &out->u.codes);
    return 0;
}

/* v5 DISCONNECT and AUTH: reason code and properties, each of which may be left out. */
static int decode_reason(struct mqtt_reader *r, mqtt_packet *out, mqtt_error *err)
{
    if (mqtt_left(r) == 0)
        return 0;
    mqtt_read_u8(r, &out->reason);
    if (mqtt_left(r) == 0)
        return 0;
    return mqtt_props_decode(r, out->type, &out->props, err);
}

static int decode_body(struct mqtt_reader *r, int version, uint8_t flags, mqtt_packet *out,
                       mqtt_error *err)
{
    uint8_t want_flags = 0;

    if (out->type == MQTT_CONNECT)
        return decode_connect(r, flags, out, err);
    if (version == 3)
        version = 4;
    if (version != 4 && version != 5)
        return mqtt_fail(err, MQTT_RC_PROTOCOL_ERROR, "%s before CONNECT",
                         mqtt_type_name(out->type));
    if (out->type == MQTT_PUBREL || out->type == MQTT_SUBSCRIBE || out->type == MQTT_UNSUBSCRIBE)
        want_flags = 2;
    if (out->type != MQTT_PUBLISH && flags != want_flags)
        return mqtt_fail(err, MQTT_RC_MALFORMED, "reserved flags 0x%x in %s", flags,
                         mqtt_type_name(out->type));
    switch (out->type) {
    case MQTT_CONNACK:
        return decode_connack(r, version, out, err);
    case MQTT_PUBLISH:
        return decode_publish(r, version, flags, out, err);
    case MQTT_PUBACK:
    case MQTT_PUBREC:
    case MQTT_PUBREL:
    case MQTT_PUBCOMP:
        return decode_ack(r, version, out, err);
    case MQTT_SUBSCRIBE:
    case MQTT_UNSUBSCRIBE:
        return decode_subscribe(r, version, out, err);
    case MQTT_SUBACK:
    case MQTT_UNSUBACK:
        return decode_suback(r, version, out, err);
    case MQTT_PINGREQ:
    case MQTT_PINGRESP:
        return 0;
    case MQTT_DISCONNECT:
        return version == 5 ? decode_reason(r, out, err) : 0;
    case MQTT_AUTH:
        if (version != 5)
            return mqtt_fail(err, MQTT_RC_MALFORMED, "AUTH in MQTT 3.1.1");
        return decode_reason(r, out, err);
    default:
        return mqtt_fail(err, MQTT_RC_MALFORMED, "reserved packet type 0");
    }
}

int mqtt_decode(const uint8_t *p, size_t len, int version, mqtt_packet *out, mqtt_error *err)
{
    struct mqtt_reader r;
    size_t packet_len = 0;

    if (err != NULL)
        memset(err, 0, sizeof *err);
    if (out == NULL)
        return mqtt_fail(err, MQTT_RC_UNSPECIFIED, "no packet to decode into");
    memset(out, 0, sizeof *out);
    if (mqtt_frame(p, len, 0, &packet_len) != MQTT_FRAME_READY || packet_len != len)
        return mqtt_fail(err, MQTT_RC_MALFORMED,
                         "packet length does not match its Remaining Length");
    r.p = p;
    r.len = len;
    r.pos = 2;
    while (p[r.pos - 1] & 0x80)     /* mqtt_frame checked it ends within 4 bytes */
        r.pos++;
    out->type = (mqtt_type)(p[0] >> 4);
    if (decode_body(&r, version, p[0] & 0x0F, out, err) != 0) {
        mqtt_packet_free(out);
        return -1;
    }
    if (mqtt_left(&r) > 0) {
        mqtt_fail(err, MQTT_RC_MALFORMED, "%zu bytes after the end of %s", mqtt_left(&r),
                  mqtt_type_name(out->type));
        mqtt_packet_free(out);
        return -1;
    }
    return 0;
}

void mqtt_packet_free(mqtt_packet *pkt)
{
    if (pkt == NULL)
        return;
    mqtt_props_free(&pkt->props);
    if (pkt->type == MQTT_CONNECT)
        mqtt_props_free(&pkt->u.connect.will_props);
    if (pkt->type == MQTT_SUBSCRIBE || pkt->type == MQTT_UNSUBSCRIBE)
        free(pkt->u.sub.subs);
    memset(pkt, 0, sizeof *pkt);
}

/* ---- comparing ------------------------------------------------------------------------------ */

static bool connect_equal(const mqtt_connect *a, const mqtt_connect *b)
{
    return a->level == b->level && a->clean == b->clean && a->keep_alive == b->keep_alive &&
           mqtt_bytes_equal(a->client_id, b->client_id) && a->has_will == b->has_will &&
           a->will_qos == b->will_qos && a->will_retain == b->will_retain &&
           mqtt_props_equal(&a->will_props, &b->will_props) &&
           mqtt_bytes_equal(a->will_topic, b->will_topic) &&
           mqtt_bytes_equal(a->will_payload, b->will_payload) &&
           a->has_username == b->has_username && mqtt_bytes_equal(a->username, b->username) &&
           a->has_password == b->has_password && mqtt_bytes_equal(a->password, b->password);
}

static bool subs_equal(const mqtt_packet *a, const mqtt_packet *b)
{
    size_t i;

    if (a->u.sub.n_subs != b->u.sub.n_subs)
        return false;
    for (i = 0; i < a->u.sub.n_subs; i++) {
        const mqtt_sub *x = &a->u.sub.subs[i];
        const mqtt_sub *y = &b->u.sub.subs[i];

        if (!mqtt_bytes_equal(x->filter, y->filter) || x->qos != y->qos ||
            x->no_local != y->no_local || x->retain_as_published != y->retain_as_published ||
            x->retain_handling != y->retain_handling || x->filter_error != y->filter_error)
            return false;
    }
    return true;
}

bool mqtt_packet_equal(const mqtt_packet *a, const mqtt_packet *b)
{
    if (a->type != b->type || a->packet_id != b->packet_id || a->reason != b->reason ||
        !mqtt_props_equal(&a->props, &b->props))
        return false;
    switch (a->type) {
    case MQTT_CONNECT:
        return connect_equal(&a->u.connect, &b->u.connect);
    case MQTT_CONNACK:
        return a->u.session_present == b->u.session_present;
    case MQTT_PUBLISH:
        return mqtt_bytes_equal(a->u.publish.topic, b->u.publish.topic) &&
               mqtt_bytes_equal(a->u.publish.payload, b->u.publish.payload) &&
               a->u.publish.qos == b->u.publish.qos && a->u.publish.dup == b->u.publish.dup &&
               a->u.publish.retain == b->u.publish.retain;
    case MQTT_SUBSCRIBE:
    case MQTT_UNSUBSCRIBE:
        return subs_equal(a, b);
    case MQTT_SUBACK:
    case MQTT_UNSUBACK:
        return mqtt_bytes_equal(a->u.codes, b->u.codes);
    default:
        return true;
    }
}
