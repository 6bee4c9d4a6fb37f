/* test_mqtt_codec.c: server/mqtt_codec.c, mqtt_encode.c and mqtt_props.c: hand-written packets
 * of every type in 3.1.1 and 5.0 read field by field and written back byte for byte, round
 * trips of every type with every property its packet allows, the standards' malformed cases
 * with their reason codes, Remaining Length edges, truncation at every offset, the packet
 * size bound and the allocation limits. */
#include "test.h"

#include "mqtt_codec.h"

struct held {
    uint8_t bytes[4096];
    size_t len;
    mqtt_packet pkt;
    mqtt_error err;
};

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;

    while (*hex != '\0') {
        int hi;
        int lo;

        if (*hex == ' ') {
            hex++;
            continue;
        }
        hi = harper__hex_digit(hex[0]);
        lo = harper__hex_digit(hex[1]);
        if (hi < 0 || lo < 0 || n == cap)
            test_fail(__FILE__, __LINE__, "bad test hex at \"%s\"", hex);
        out[n++] = (uint8_t)(hi << 4 | lo);
        hex += 2;
    }
    return n;
}

static const char *hex_of(const void *p, size_t n)
{
    static char text[8192];
    size_t i;

    text[0] = '\0';
    for (i = 0; i < n && 3 * i + 3 < sizeof text; i++)
        snprintf(text + 3 * i, 4, i + 1 < n ? "%02x " : "%02x", ((const uint8_t *)p)[i]);
    return text;
}

/* Decodes hex as `version`; 0 or -1 (then h->err says why). */
static int held_decode(struct held *h, const char *hex, int version)
{
    h->len = unhex(hex, h->bytes, sizeof h->bytes);
    return mqtt_decode(h->bytes, h->len, version, &h->pkt, &h->err);
}

#define DECODE_OK(h, hex, version)                                                           \
    do {                                                                                     \
        if (held_decode((h), (hex), (version)) != 0)                                         \
            test_fail(__FILE__, __LINE__, "decode of %s failed: 0x%02x %s", (hex),           \
                      (h)->err.reason, (h)->err.message);                                    \
    } while (0)

/* A decode that must fail with `reason`; a failed decode leaves a zeroed packet. */
#define DECODE_FAILS(hex, version, want_reason)                                              \
    do {                                                                                     \
        struct held h_;                                                                      \
        mqtt_packet zero_;                                                                   \
        memset(&zero_, 0, sizeof zero_);                                                     \
        if (held_decode(&h_, (hex), (version)) == 0)                                         \
            test_fail(__FILE__, __LINE__, "decode of %s (v%d) succeeded", (hex), (version)); \
        if (h_.err.reason != (want_reason))                                                  \
            test_fail(__FILE__, __LINE__, "%s: reason 0x%02x (%s), want 0x%02x", (hex),      \
                      h_.err.reason, h_.err.message, (want_reason));                         \
        CHECK(h_.err.message[0] != '\0');                                                    \
        CHECK(memcmp(&h_.pkt, &zero_, sizeof zero_) == 0);                                   \
    } while (0)

/* The hex of pkt written as `version`, which must succeed. */
static const char *encoded(const mqtt_packet *pkt, int version)
{
    static char text[8192];
    harper__buf out = HARPER__BUF_INIT;

    if (mqtt_encode(pkt, version, &out) != 0)
        test_fail(__FILE__, __LINE__, "encoding a %s failed", mqtt_type_name(pkt->type));
    snprintf(text, sizeof text, "%s", hex_of(out.data, out.len));
    harper__buf_free(&out);
    return text;
}

/* Decodes hex, writes the packet back and wants the same bytes. */
#define SAME_BYTES(h, hex, version)                                                          \
    do {                                                                                     \
        struct held c_;                                                                      \
        DECODE_OK((h), (hex), (version));                                                    \
        c_.len = unhex((hex), c_.bytes, sizeof c_.bytes);                                    \
        CHECK_EQ_STR(encoded(&(h)->pkt, (version)), hex_of(c_.bytes, c_.len));               \
    } while (0)

/* ---- framing -------------------------------------------------------------------------------- */

static mqtt_frame_status frame_hex(const char *hex, size_t max, size_t *packet_len)
{
    uint8_t b[16];
    size_t n = unhex(hex, b, sizeof b);

    return mqtt_frame(b, n, max, packet_len);
}

TEST(mqtt_codec_frame_remaining_length)
{
    size_t n = 99;

    CHECK_EQ_INT(frame_hex("", 0, &n), MQTT_FRAME_MORE);
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(frame_hex("c0", 0, &n), MQTT_FRAME_MORE);
    CHECK_EQ_INT(frame_hex("c0 00", 0, &n), MQTT_FRAME_READY);       /* 0 */
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(frame_hex("30 7f", 0, &n), MQTT_FRAME_MORE);        /* 127 */
    CHECK_EQ_INT(n, 2 + 127);
    CHECK_EQ_INT(frame_hex("30 80", 0, &n), MQTT_FRAME_MORE);        /* cut in the length */
    CHECK_EQ_INT(n, 0);
    CHECK_EQ_INT(frame_hex("30 80 01", 0, &n), MQTT_FRAME_MORE);     /* 128 */
    CHECK_EQ_INT(n, 3 + 128);
    CHECK_EQ_INT(frame_hex("30 ff 7f", 0, &n), MQTT_FRAME_MORE);     /* 16383 */
    CHECK_EQ_INT(n, 3 + 16383);
    CHECK_EQ_INT(frame_hex("30 80 80 01", 0, &n), MQTT_FRAME_MORE);  /* 16384 */
    CHECK_EQ_INT(n, 4 + 16384);
    CHECK_EQ_INT(frame_hex("30 ff ff 7f", 0, &n), MQTT_FRAME_MORE);  /* 2097151 */
    CHECK_EQ_INT(n, 4 + 2097151);
    CHECK_EQ_INT(frame_hex("30 80 80 80 01", 0, &n), MQTT_FRAME_MORE);  /* 2097152 */
    CHECK_EQ_INT(n, 5 + 2097152);
    CHECK_EQ_INT(frame_hex("30 ff ff ff 7f", 0, &n), MQTT_FRAME_MORE);  /* 268435455 */
    CHECK_EQ_INT(n, 5 + 268435455);
    /* A 4th byte that continues asks for a 5th: malformed, whether or not it is there. */
    CHECK_EQ_INT(frame_hex("30 ff ff ff ff", 0, &n), MQTT_FRAME_MALFORMED);
    CHECK_EQ_INT(frame_hex("30 ff ff ff ff 01", 0, &n), MQTT_FRAME_MALFORMED);
    CHECK_EQ_INT(frame_hex("30 80 80 80 80 00", 0, &n), MQTT_FRAME_MALFORMED);
    /* Needless length bytes are read (3.1.1 does not forbid them). */
    CHECK_EQ_INT(frame_hex("c0 80 00", 0, &n), MQTT_FRAME_READY);
    CHECK_EQ_INT(n, 3);
    /* Two packets in a row: the first is framed alone. */
    CHECK_EQ_INT(frame_hex("c0 00 d0 00", 0, &n), MQTT_FRAME_READY);
    CHECK_EQ_INT(n, 2);
    CHECK_EQ_INT(mqtt_frame(NULL, 0, 0, NULL), MQTT_FRAME_MORE);
}

TEST(mqtt_codec_frame_max_packet)
{
    size_t n = 0;

    CHECK_EQ_INT(frame_hex("30 08", 10, &n), MQTT_FRAME_MORE);        /* 10 bytes: fits */
    CHECK_EQ_INT(n, 10);
    CHECK_EQ_INT(frame_hex("30 09", 10, &n), MQTT_FRAME_TOO_LARGE);   /* 11: known at once */
    CHECK_EQ_INT(n, 11);
    CHECK_EQ_INT(frame_hex("30 ff ff ff 7f", 1024, &n), MQTT_FRAME_TOO_LARGE);
    CHECK_EQ_INT(frame_hex("c0 00", 2, &n), MQTT_FRAME_READY);
    CHECK_EQ_INT(frame_hex("c0 00", 1, &n), MQTT_FRAME_TOO_LARGE);
}

/* PUBLISH packets whose Remaining Length sits at each edge, written and read back. */
TEST(mqtt_codec_remaining_length_edges)
{
    static const uint32_t sizes[] = {0, 127, 128, 16383, 16384, 2097151, 2097152};
    static const char *const heads[] = {"30 00", "30 7f", "30 80 01", "30 ff 7f", "30 80 80 01",
                                        "30 ff ff 7f", "30 80 80 80 01"};
    size_t i;

    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        harper__buf out = HARPER__BUF_INIT;
        mqtt_packet pkt;
        mqtt_packet back;
        uint8_t *payload = calloc(sizes[i] + 1, 1);
        uint8_t head[8];
        size_t head_len = unhex(heads[i], head, sizeof head);
        size_t n = 0;

        CHECK(payload != NULL);
        memset(&pkt, 0, sizeof pkt);
        pkt.type = MQTT_PUBLISH;
        pkt.u.publish.topic.p = (const uint8_t *)"t";
        pkt.u.publish.topic.len = 1;
        pkt.u.publish.payload.p = payload;
        /* The topic takes 3 bytes; a size under that is written with an empty payload. */
        pkt.u.publish.payload.len = sizes[i] >= 3 ? sizes[i] - 3 : 0;
        CHECK_EQ_INT(mqtt_encode(&pkt, 4, &out), 0);
        if (sizes[i] >= 3) {
            CHECK_EQ_STR(hex_of(out.data, head_len), hex_of(head, head_len));
            CHECK_EQ_INT(out.len, head_len + sizes[i]);
        }
        CHECK_EQ_INT(mqtt_frame((uint8_t *)out.data, out.len, 0, &n), MQTT_FRAME_READY);
        CHECK_EQ_INT(n, out.len);
        CHECK_EQ_INT(mqtt_decode((uint8_t *)out.data, out.len, 4, &back, NULL), 0);
        CHECK(mqtt_packet_equal(&pkt, &back));
        mqtt_packet_free(&back);
        harper__buf_free(&out);
        free(payload);
    }
    /* Remaining Length 0 where a packet needs a body, and the largest length itself. */
    DECODE_FAILS("30 00", 4, MQTT_RC_MALFORMED);
    DECODE_FAILS("30 ff ff ff 7f", 4, MQTT_RC_MALFORMED);
    DECODE_FAILS("30 ff ff ff ff 01", 4, MQTT_RC_MALFORMED);
}

/* ---- every packet type, by hand -------------------------------------------------------------- */

TEST(mqtt_codec_connect_v311)
{
    struct held h;
    const mqtt_connect *c = &h.pkt.u.connect;

    SAME_BYTES(&h,
               "10 1e"                  /* CONNECT, 30 bytes */
               "00 04 4d 51 54 54 04"   /* "MQTT", level 4 */
               "ee"                     /* user, password, will retain, will QoS 1, will, clean */
               "00 3c"                  /* keep alive 60 */
               "00 02 63 31"            /* client id "c1" */
               "00 03 77 2f 74"         /* will topic "w/t" */
               "00 03 62 79 65"         /* will payload "bye" */
               "00 01 75"               /* user name "u" */
               "00 01 70",              /* password "p" */
               4);
    CHECK_EQ_INT(h.pkt.type, MQTT_CONNECT);
    CHECK_EQ_INT(c->level, 4);
    CHECK(c->clean);
    CHECK_EQ_INT(c->keep_alive, 60);
    CHECK_EQ_MEM(c->client_id.p, c->client_id.len, "c1");
    CHECK(c->has_will);
    CHECK_EQ_INT(c->will_qos, 1);
    CHECK(c->will_retain);
    CHECK_EQ_MEM(c->will_topic.p, c->will_topic.len, "w/t");
    CHECK_EQ_MEM(c->will_payload.p, c->will_payload.len, "bye");
    CHECK(c->has_username && c->has_password);
    CHECK_EQ_MEM(c->username.p, c->username.len, "u");
    CHECK_EQ_MEM(c->password.p, c->password.len, "p");
    /* The views borrow the input. */
    CHECK(c->client_id.p == h.bytes + 14);
    mqtt_packet_free(&h.pkt);

    /* The smallest: clean session, empty client id, no will, no credentials. */
    SAME_BYTES(&h, "10 0c 00 04 4d 51 54 54 04 02 00 00 00 00", 4);
    CHECK_EQ_INT(h.pkt.u.connect.client_id.len, 0);
    CHECK(!h.pkt.u.connect.has_will && !h.pkt.u.connect.has_username);
    mqtt_packet_free(&h.pkt);
}

TEST(mqtt_codec_connect_v31)
{
    struct held h;

    /* The version argument does not matter for CONNECT, and 3.1 writes as "MQIsdp". */
    SAME_BYTES(&h, "10 11 00 06 4d 51 49 73 64 70 03 02 00 0a 00 03 61 62 63", 3);
    CHECK_EQ_INT(h.pkt.u.connect.level, 3);
    CHECK_EQ_INT(h.pkt.u.connect.keep_alive, 10);
    CHECK_EQ_MEM(h.pkt.u.connect.client_id.p, h.pkt.u.connect.client_id.len, "abc");
    mqtt_packet_free(&h.pkt);
    DECODE_OK(&h, "10 11 00 06 4d 51 49 73 64 70 03 02 00 0a 00 03 61 62 63", 0);
    mqtt_packet_free(&h.pkt);
}

TEST(mqtt_codec_connect_v5)
{
    struct held h;
    const mqtt_connect *c = &h.pkt.u.connect;
    const mqtt_props *p = &h.pkt.props;

    SAME_BYTES(&h,
               "10 34"                      /* CONNECT, 52 bytes */
               "00 04 4d 51 54 54 05"       /* "MQTT", level 5 */
               "06 00 1e"                   /* will (QoS 0), clean start; keep alive 30 */
               "0f"                         /* 15 bytes of properties */
               "11 00 00 00 78"             /*   Session Expiry Interval 120 */
               "21 00 14"                   /*   Receive Maximum 20 */
               "26 00 01 6b 00 01 76"       /*   User Property k=v */
               "00 02 69 64"                /* client id "id" */
               "0e"                         /* 14 bytes of will properties */
               "01 01"                      /*   Payload Format Indicator 1 */
               "03 00 04 74 65 78 74"       /*   Content Type "text" */
               "18 00 00 00 05"             /*   Will Delay Interval 5 */
               "00 01 74"                   /* will topic "t" */
               "00 02 68 69",               /* will payload "hi" */
               5);
    CHECK_EQ_INT(c->level, 5);
    CHECK(c->clean && c->has_will && c->will_qos == 0);
    CHECK_EQ_INT(p->present, MQTT_PROP_BIT(MQTT_PROP_SESSION_EXPIRY) |
                                 MQTT_PROP_BIT(MQTT_PROP_RECEIVE_MAX) |
                                 MQTT_PROP_BIT(MQTT_PROP_USER));
    CHECK_EQ_INT(p->session_expiry, 120);
    CHECK_EQ_INT(p->receive_max, 20);
    CHECK_EQ_INT(p->n_user, 1);
    CHECK_EQ_MEM(p->user[0].name.p, p->user[0].name.len, "k");
    CHECK_EQ_MEM(p->user[0].value.p, p->user[0].value.len, "v");
    CHECK_EQ_INT(c->will_props.payload_format, 1);
    CHECK_EQ_MEM(c->will_props.content_type.p, c->will_props.content_type.len, "text");
    CHECK_EQ_INT(c->will_props.will_delay, 5);
    CHECK_EQ_MEM(c->will_payload.p, c->will_payload.len, "hi");
    mqtt_packet_free(&h.pkt);

    /* v5 allows a password without a user name, and an empty id without clean start. */
    SAME_BYTES(&h, "10 11 00 04 4d 51 54 54 05 40 00 00 00 00 00 00 02 70 77", 5);
    CHECK(!c->has_username && c->has_password && !c->clean);
    CHECK_EQ_MEM(c->password.p, c->password.len, "pw");
    mqtt_packet_free(&h.pkt);
}

TEST(mqtt_codec_connack)
{
    struct held h;
    const mqtt_props *p = &h.pkt.props;

    /* Harper's CONNACK bytes (success, resumed, its swapped refusal codes). */
    SAME_BYTES(&h, "20 02 00 00", 4);
    SAME_BYTES(&h, "20 02 01 00", 4);
    CHECK(h.pkt.u.session_present);
    SAME_BYTES(&h, "20 02 00 86", 4);
    CHECK_EQ_INT(h.pkt.reason, 0x86);
    SAME_BYTES(&h, "20 03 00 00 00", 5);
    SAME_BYTES(&h, "20 03 01 00 00", 5);
    SAME_BYTES(&h, "20 03 00 04 00", 5);
    CHECK_EQ_INT(h.pkt.reason, 0x04);
    SAME_BYTES(&h,
               "20 28 01 00 25"             /* session present, success, 37 bytes of props */
               "11 00 00 00 0a"             /* Session Expiry Interval 10 */
               "12 00 02 69 64"             /* Assigned Client Identifier "id" */
               "13 00 1e"                   /* Server Keep Alive 30 */
               "1f 00 00"                   /* Reason String "" */
               "21 00 0a"                   /* Receive Maximum 10 */
               "22 00 05"                   /* Topic Alias Maximum 5 */
               "24 01"                      /* Maximum QoS 1 */
               "25 00"                      /* Retain Available 0 */
               "27 00 00 10 00"             /* Maximum Packet Size 4096 */
               "28 01 29 00 2a 01",         /* wildcard, subscription id, shared available */
               5);
    CHECK_EQ_MEM(p->assigned_client_id.p, p->assigned_client_id.len, "id");
    CHECK_EQ_INT(p->server_keep_alive, 30);
    CHECK_EQ_INT(p->max_packet_size, 4096);
    CHECK_EQ_INT(p->max_qos, 1);
    CHECK(p->present & MQTT_PROP_BIT(MQTT_PROP_RETAIN_AVAILABLE));
    CHECK_EQ_INT(p->retain_available, 0);
    CHECK(p->present & MQTT_PROP_BIT(MQTT_PROP_REASON_STRING));
    CHECK_EQ_INT(p->reason_string.len, 0);
    mqtt_packet_free(&h.pkt);
}

TEST(mqtt_codec_publish)
{
    struct held h;
    const mqtt_publish *pub = &h.pkt.u.publish;
    const mqtt_props *p = &h.pkt.props;

    SAME_BYTES(&h, "31 07 00 03 44 6f 67 7b 7d", 4);     /* QoS 0, retain, "Dog" {} */
    CHECK(pub->retain && pub->qos == 0 && !pub->dup);
    CHECK_EQ_INT(h.pkt.packet_id, 0);
    CHECK_EQ_MEM(pub->topic.p, pub->topic.len, "Dog");
    CHECK_EQ_MEM(pub->payload.p, pub->payload.len, "{}");
    SAME_BYTES(&h, "32 0a 00 03 61 2f 62 00 07 68 69 21", 4);   /* QoS 1, id 7, "hi!" */
    CHECK_EQ_INT(pub->qos, 1);
    CHECK_EQ_INT(h.pkt.packet_id, 7);
    SAME_BYTES(&h, "3c 05 00 01 61 ff fe", 4);          /* DUP, QoS 2, id 0xfffe, no payload */
    CHECK(pub->dup && pub->qos == 2);
    CHECK_EQ_INT(h.pkt.packet_id, 0xfffe);
    CHECK_EQ_INT(pub->payload.len, 0);
    SAME_BYTES(&h, "30 04 00 01 61 00", 5);             /* v5: empty properties */
    SAME_BYTES(&h,
               "3c 28"                      /* DUP, QoS 2 */
               "00 01 74 00 01"             /* topic "t", id 1 */
               "21"                         /* 33 bytes of properties */
               "01 01"                      /* Payload Format Indicator 1 */
               "02 00 00 00 3c"             /* Message Expiry Interval 60 */
               "03 00 00"                   /* Content Type "" */
               "08 00 01 72"                /* Response Topic "r" */
               "09 00 02 ab cd"             /* Correlation Data ab cd */
               "23 00 05"                   /* Topic Alias 5 */
               "0b 81 01 0b 02"             /* Subscription Identifiers 129 and 2 */
               "26 00 01 61 00 00"          /* User Property a="" */
               "78",                        /* payload "x" */
               5);
    CHECK_EQ_INT(p->n_sub_ids, 2);
    CHECK_EQ_INT(p->sub_ids[0], 129);
    CHECK_EQ_INT(p->sub_ids[1], 2);
    CHECK_EQ_INT(p->topic_alias, 5);
    CHECK_EQ_INT(p->message_expiry, 60);
    CHECK_EQ_STR(hex_of(p->correlation_data.p, p->correlation_data.len), "ab cd");
    CHECK_EQ_MEM(pub->payload.p, pub->payload.len, "x");
    mqtt_packet_free(&h.pkt);
    /* v5: an empty topic with a Topic Alias. */
    SAME_BYTES(&h, "30 07 00 00 03 23 00 01 7a", 5);
    CHECK_EQ_INT(pub->topic.len, 0);
}

TEST(mqtt_codec_acks)
{
    static const char *const v3[] = {"40 02 00 07", "50 02 00 07", "62 02 00 07", "70 02 00 07"};
    static const mqtt_type types[] = {MQTT_PUBACK, MQTT_PUBREC, MQTT_PUBREL, MQTT_PUBCOMP};
    struct held h;
    size_t i;

    for (i = 0; i < 4; i++) {
        SAME_BYTES(&h, v3[i], 4);
        CHECK_EQ_INT(h.pkt.type, types[i]);
        CHECK_EQ_INT(h.pkt.packet_id, 7);
        SAME_BYTES(&h, v3[i], 5);       /* v5 success without properties: the short form */
        CHECK_EQ_INT(h.pkt.reason, 0);
    }
    SAME_BYTES(&h, "40 04 00 07 80 00", 5);             /* Harper's failed publish */
    CHECK_EQ_INT(h.pkt.reason, 0x80);
    DECODE_OK(&h, "40 03 00 07 10", 5);                 /* reason, no property length */
    CHECK_EQ_INT(h.pkt.reason, 0x10);
    CHECK_EQ_STR(encoded(&h.pkt, 5), "40 04 00 07 10 00");
    SAME_BYTES(&h, "50 0a 00 07 00 06 1f 00 03 62 61 64", 5);   /* success with a reason string */
    CHECK_EQ_MEM(h.pkt.props.reason_string.p, h.pkt.props.reason_string.len, "bad");
    mqtt_packet_free(&h.pkt);
}

TEST(mqtt_codec_subscribe)
{
    struct held h;
    const mqtt_sub *s;

    SAME_BYTES(&h,
               "82 10 00 0a"                /* SUBSCRIBE, id 10 */
               "00 05 44 6f 67 2f 23 01"    /* "Dog/#" QoS 1 */
               "00 03 61 2f 2b 02",         /* "a/+" QoS 2 */
               4);
    CHECK_EQ_INT(h.pkt.packet_id, 10);
    CHECK_EQ_INT(h.pkt.u.sub.n_subs, 2);
    s = h.pkt.u.sub.subs;
    CHECK_EQ_MEM(s[0].filter.p, s[0].filter.len, "Dog/#");
    CHECK_EQ_INT(s[0].qos, 1);
    CHECK_EQ_INT(s[0].filter_error, 0);
    CHECK_EQ_MEM(s[1].filter.p, s[1].filter.len, "a/+");
    CHECK_EQ_INT(s[1].qos, 2);
    mqtt_packet_free(&h.pkt);
    SAME_BYTES(&h,
               "82 18 00 0b"                /* SUBSCRIBE, id 11 */
               "09 0b 07"                   /* 9 bytes: Subscription Identifier 7 */
               "26 00 01 6b 00 01 76"       /*   User Property k=v */
               "00 05 44 6f 67 2f 31 2d"    /* "Dog/1": QoS 1, no local, as published, rh 2 */
               "00 01 78 10",               /* "x": QoS 0, rh 1 */
               5);
    s = h.pkt.u.sub.subs;
    CHECK_EQ_INT(h.pkt.props.n_sub_ids, 1);
    CHECK_EQ_INT(h.pkt.props.sub_ids[0], 7);
    CHECK(s[0].qos == 1 && s[0].no_local && s[0].retain_as_published);
    CHECK_EQ_INT(s[0].retain_handling, 2);
    CHECK(s[1].qos == 0 && !s[1].no_local && !s[1].retain_as_published);
    CHECK_EQ_INT(s[1].retain_handling, 1);
    mqtt_packet_free(&h.pkt);
}

/* Bad wildcards do not fail the decode: each filter says what is wrong with it. */
TEST(mqtt_codec_subscribe_bad_filters)
{
    struct held h;
    const mqtt_sub *s;
    const char *why = NULL;

    DECODE_OK(&h,
              "82 1c 00 01"
              "00 07 44 6f 67 2f 23 2f 78 00"      /* "Dog/#/x" */
              "00 06 44 6f 67 2f 61 2b 00"         /* "Dog/a+" */
              "00 00 00"                           /* "" */
              "00 01 23 00",                       /* "#" */
              4);
    s = h.pkt.u.sub.subs;
    CHECK_EQ_INT(h.pkt.u.sub.n_subs, 4);
    CHECK_EQ_INT(s[0].filter_error, MQTT_RC_TOPIC_FILTER_INVALID);
    CHECK_EQ_STR(s[0].filter_message,
                 "Multi-level wildcards can only be used at the end of a topic");
    CHECK_EQ_INT(s[1].filter_error, MQTT_RC_TOPIC_FILTER_INVALID);
    CHECK_EQ_STR(s[1].filter_message, "Single-level wildcards can only be used as a topic "
                                      "level (between or after slashes)");
    CHECK_EQ_STR(s[2].filter_message, "No topic provided");
    CHECK_EQ_INT(s[3].filter_error, 0);
    CHECK(s[3].filter_message == NULL);
    mqtt_packet_free(&h.pkt);

    CHECK_EQ_INT(mqtt_filter_check((const uint8_t *)"+/+/#", 5, &why), 0);
    CHECK_EQ_INT(mqtt_filter_check((const uint8_t *)"a//+", 4, &why), 0);
    CHECK_EQ_INT(mqtt_filter_check((const uint8_t *)"/#", 2, &why), 0);
    CHECK_EQ_INT(mqtt_filter_check((const uint8_t *)"a#", 2, &why), 0x8F);
    CHECK_EQ_INT(mqtt_filter_check((const uint8_t *)"#/", 2, &why), 0x8F);
    CHECK_EQ_INT(mqtt_filter_check((const uint8_t *)"++", 2, &why), 0x8F);
    CHECK_EQ_INT(mqtt_filter_check((const uint8_t *)"a/+b/c", 6, NULL), 0x8F);
}

TEST(mqtt_codec_suback_unsubscribe)
{
    struct held h;

    SAME_BYTES(&h, "90 05 00 0a 00 01 80", 4);
    CHECK_EQ_STR(hex_of(h.pkt.u.codes.p, h.pkt.u.codes.len), "00 01 80");
    SAME_BYTES(&h, "90 06 00 07 00 87 8f 01", 5);      /* the spec's v5 example */
    CHECK_EQ_INT(h.pkt.packet_id, 7);
    CHECK_EQ_STR(hex_of(h.pkt.u.codes.p, h.pkt.u.codes.len), "87 8f 01");
    SAME_BYTES(&h, "a2 07 00 0c 00 03 61 2f 62", 4);
    CHECK_EQ_INT(h.pkt.type, MQTT_UNSUBSCRIBE);
    CHECK_EQ_INT(h.pkt.u.sub.n_subs, 1);
    CHECK_EQ_MEM(h.pkt.u.sub.subs[0].filter.p, h.pkt.u.sub.subs[0].filter.len, "a/b");
    mqtt_packet_free(&h.pkt);
    SAME_BYTES(&h, "a2 0a 00 0c 00 00 05 44 6f 67 2f 31", 5);
    mqtt_packet_free(&h.pkt);
    SAME_BYTES(&h, "b0 02 00 0c", 4);
    CHECK_EQ_INT(h.pkt.u.codes.len, 0);
    SAME_BYTES(&h, "b0 05 00 0c 00 00 11", 5);
    CHECK_EQ_STR(hex_of(h.pkt.u.codes.p, h.pkt.u.codes.len), "00 11");
}

TEST(mqtt_codec_ping_disconnect_auth)
{
    struct held h;

    SAME_BYTES(&h, "c0 00", 4);
    CHECK_EQ_INT(h.pkt.type, MQTT_PINGREQ);
    SAME_BYTES(&h, "d0 00", 5);
    CHECK_EQ_INT(h.pkt.type, MQTT_PINGRESP);
    SAME_BYTES(&h, "e0 00", 4);
    CHECK_EQ_INT(h.pkt.type, MQTT_DISCONNECT);
    SAME_BYTES(&h, "e0 02 00 00", 5);                   /* Harper's v5 DISCONNECT */
    DECODE_OK(&h, "e0 00", 5);                          /* v5, reason left out */
    CHECK_EQ_INT(h.pkt.reason, 0);
    CHECK_EQ_STR(encoded(&h.pkt, 5), "e0 02 00 00");
    DECODE_OK(&h, "e0 01 8e", 5);                       /* reason, no property length */
    CHECK_EQ_INT(h.pkt.reason, 0x8e);
    SAME_BYTES(&h,
               "e0 10 04 0e"                /* Disconnect with Will Message, 14 bytes */
               "11 00 00 00 00"             /* Session Expiry Interval 0 */
               "1c 00 01 73"                /* Server Reference "s" */
               "1f 00 02 6f 6b",            /* Reason String "ok" */
               5);
    CHECK_EQ_INT(h.pkt.reason, 4);
    CHECK_EQ_MEM(h.pkt.props.server_reference.p, h.pkt.props.server_reference.len, "s");
    SAME_BYTES(&h,
               "f0 0d 18 0b"                /* AUTH, Continue authentication */
               "15 00 04 53 43 52 4d"       /* Authentication Method "SCRM" */
               "16 00 01 00",               /* Authentication Data 00 */
               5);
    CHECK_EQ_INT(h.pkt.type, MQTT_AUTH);
    CHECK_EQ_INT(h.pkt.reason, 0x18);
    CHECK_EQ_MEM(h.pkt.props.auth_method.p, h.pkt.props.auth_method.len, "SCRM");
    DECODE_OK(&h, "f0 00", 5);
    CHECK_EQ_INT(h.pkt.reason, 0);
}

/* ---- round trips with every property ------------------------------------------------------- */

static const mqtt_user_prop some_users[] = {
    {{(const uint8_t *)"a", 1}, {(const uint8_t *)"1", 1}},
    {{(const uint8_t *)"a", 1}, {(const uint8_t *)"2", 1}},     /* a name may repeat */
    {{(const uint8_t *)"", 0}, {NULL, 0}},
};

static mqtt_bytes text(const char *s)
{
    mqtt_bytes v = {(const uint8_t *)s, strlen(s)};

    return v;
}

/* Sets each property of ids[] (0-terminated) to a value of its type that is in range. */
static void fill_props(mqtt_props *p, const uint8_t *ids)
{
    for (; *ids != 0; ids++) {
        uint8_t id = *ids;

        p->present |= MQTT_PROP_BIT(id);
        switch (id) {
        case MQTT_PROP_PAYLOAD_FORMAT: p->payload_format = 1; break;
        case MQTT_PROP_MESSAGE_EXPIRY: p->message_expiry = 0x12345678; break;
        case MQTT_PROP_CONTENT_TYPE: p->content_type = text("application/json"); break;
        case MQTT_PROP_RESPONSE_TOPIC: p->response_topic = text("reply/to"); break;
        case MQTT_PROP_CORRELATION_DATA: p->correlation_data = text("\x01\x02"); break;
        case MQTT_PROP_SESSION_EXPIRY: p->session_expiry = 0xFFFFFFFF; break;
        case MQTT_PROP_ASSIGNED_CLIENT_ID: p->assigned_client_id = text("auto-1"); break;
        case MQTT_PROP_SERVER_KEEP_ALIVE: p->server_keep_alive = 0xFFFF; break;
        case MQTT_PROP_AUTH_METHOD: p->auth_method = text("SCRAM-SHA-1"); break;
        case MQTT_PROP_AUTH_DATA: p->auth_data = text("\xff"); break;
        case MQTT_PROP_REQUEST_PROBLEM_INFO: p->request_problem_info = 1; break;
        case MQTT_PROP_WILL_DELAY: p->will_delay = 7; break;
        case MQTT_PROP_REQUEST_RESPONSE_INFO: p->request_response_info = 1; break;
        case MQTT_PROP_RESPONSE_INFO: p->response_info = text("resp/"); break;
        case MQTT_PROP_SERVER_REFERENCE: p->server_reference = text("other:1883"); break;
        case MQTT_PROP_REASON_STRING: p->reason_string = text("r\xc3\xa9son"); break;
        case MQTT_PROP_RECEIVE_MAX: p->receive_max = 100; break;
        case MQTT_PROP_TOPIC_ALIAS_MAX: p->topic_alias_max = 10; break;
        case MQTT_PROP_TOPIC_ALIAS: p->topic_alias = 3; break;
        case MQTT_PROP_MAX_QOS: p->max_qos = 1; break;
        case MQTT_PROP_RETAIN_AVAILABLE: p->retain_available = 1; break;
        case MQTT_PROP_MAX_PACKET_SIZE: p->max_packet_size = 1 << 20; break;
        case MQTT_PROP_WILDCARD_SUB_AVAILABLE: p->wildcard_sub_available = 1; break;
        case MQTT_PROP_SUB_ID_AVAILABLE: p->sub_id_available = 1; break;
        case MQTT_PROP_SHARED_SUB_AVAILABLE: p->shared_sub_available = 1; break;
        case MQTT_PROP_SUBSCRIPTION_ID:
            p->sub_ids[p->n_sub_ids++] = 268435455;
            break;
        case MQTT_PROP_USER:
            p->user = (mqtt_user_prop *)some_users;
            p->n_user = 3;
            break;
        default:
            test_fail(__FILE__, __LINE__, "no test value for property 0x%02x", id);
        }
    }
}

/* Encodes pkt as version, decodes it and wants an equal packet; in 3.1.1 the properties and
 * v5-only fields are dropped first, as the encoder drops them. */
static void round_trip(const mqtt_packet *pkt, int version)
{
    harper__buf out = HARPER__BUF_INIT;
    mqtt_packet want = *pkt;
    mqtt_packet back;
    mqtt_error err;
    size_t n = 0;

    if (mqtt_encode(pkt, version, &out) != 0)
        test_fail(__FILE__, __LINE__, "v%d %s does not encode", version,
                  mqtt_type_name(pkt->type));
    CHECK_EQ_INT(mqtt_frame((uint8_t *)out.data, out.len, 0, &n), MQTT_FRAME_READY);
    CHECK_EQ_INT(n, out.len);
    if (mqtt_decode((uint8_t *)out.data, out.len, version, &back, &err) != 0)
        test_fail(__FILE__, __LINE__, "v%d %s: %s does not decode: %s", version,
                  mqtt_type_name(pkt->type), hex_of(out.data, out.len), err.message);
    if (version != 5) {
        memset(&want.props, 0, sizeof want.props);
        if (pkt->type == MQTT_CONNECT)
            memset(&want.u.connect.will_props, 0, sizeof want.u.connect.will_props);
        if (pkt->type != MQTT_CONNACK)
            want.reason = 0;
        if (pkt->type == MQTT_UNSUBACK)
            memset(&want.u.codes, 0, sizeof want.u.codes);
    }
    if (pkt->type == MQTT_CONNECT)
        want.u.connect.level = (uint8_t)version;
    if (!mqtt_packet_equal(&want, &back))
        test_fail(__FILE__, __LINE__, "v%d %s changed in a round trip: %s", version,
                  mqtt_type_name(pkt->type), hex_of(out.data, out.len));
    mqtt_packet_free(&back);
    harper__buf_free(&out);
}

TEST(mqtt_codec_round_trip_all_types)
{
    static const uint8_t connect_ids[] = {0x11, 0x15, 0x16, 0x17, 0x19, 0x21, 0x22, 0x26, 0x27, 0};
    static const uint8_t will_ids[] = {0x01, 0x02, 0x03, 0x08, 0x09, 0x18, 0x26, 0};
    static const uint8_t connack_ids[] = {0x11, 0x12, 0x13, 0x15, 0x16, 0x1a, 0x1c, 0x1f, 0x21,
                                          0x22, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2a, 0};
    static const uint8_t publish_ids[] = {0x01, 0x02, 0x03, 0x08, 0x09, 0x0b, 0x0b, 0x0b, 0x23,
                                          0x26, 0};
    static const uint8_t ack_ids[] = {0x1f, 0x26, 0};
    static const uint8_t subscribe_ids[] = {0x0b, 0x26, 0};
    static const uint8_t unsubscribe_ids[] = {0x26, 0};
    static const uint8_t disconnect_ids[] = {0x11, 0x1c, 0x1f, 0x26, 0};
    static const uint8_t auth_ids[] = {0x15, 0x16, 0x1f, 0x26, 0};
    static const uint8_t none[] = {0};
    mqtt_sub subs[3];
    mqtt_packet pkt;
    int version;
    int type;

    memset(subs, 0, sizeof subs);
    subs[0].filter = text("Dog/#");
    subs[0].qos = 2;
    subs[0].no_local = true;
    subs[0].retain_handling = 2;
    subs[1].filter = text("Dog/+/status");
    subs[1].qos = 1;
    subs[1].retain_as_published = true;
    subs[2].filter = text("\xe2\x82\xac/\xf0\x9f\x98\x80");     /* U+20AC, U+1F600 */
    for (version = 4; version <= 5; version++) {
        for (type = MQTT_CONNECT; type <= MQTT_AUTH; type++) {
            const uint8_t *ids = none;

            if (type == MQTT_AUTH && version != 5)
                continue;
            memset(&pkt, 0, sizeof pkt);
            pkt.type = (mqtt_type)type;
            pkt.packet_id = 0xA5A5;
            pkt.reason = type == MQTT_CONNACK ? 0x87 : 0x97;
            switch (type) {
            case MQTT_CONNECT: {
                mqtt_connect *c = &pkt.u.connect;

                ids = connect_ids;
                pkt.packet_id = 0;
                pkt.reason = 0;
                c->keep_alive = 65535;
                c->client_id = text("client-1");
                c->has_will = true;
                c->will_qos = 2;
                c->will_retain = true;
                c->will_topic = text("wills/client-1");
                c->will_payload = text("gone");
                c->has_username = c->has_password = true;
                c->username = text("HDB_ADMIN");
                c->password = text("pass\x00word");
                fill_props(&c->will_props, will_ids);
                break;
            }
            case MQTT_CONNACK:
                ids = connack_ids;
                pkt.packet_id = 0;
                pkt.u.session_present = true;
                break;
            case MQTT_PUBLISH:
                ids = publish_ids;
                pkt.reason = 0;
                pkt.u.publish.topic = text("Dog/1");
                pkt.u.publish.payload = text("{\"name\":\"Rex\"}");
                pkt.u.publish.qos = 2;
                pkt.u.publish.dup = pkt.u.publish.retain = true;
                break;
            case MQTT_PUBACK:
            case MQTT_PUBREC:
            case MQTT_PUBREL:
            case MQTT_PUBCOMP:
                ids = ack_ids;
                break;
            case MQTT_SUBSCRIBE:
            case MQTT_UNSUBSCRIBE:
                ids = type == MQTT_SUBSCRIBE ? subscribe_ids : unsubscribe_ids;
                pkt.reason = 0;
                pkt.u.sub.subs = subs;
                pkt.u.sub.n_subs = 3;
                break;
            case MQTT_SUBACK:
            case MQTT_UNSUBACK:
                ids = ack_ids;
                pkt.reason = 0;
                pkt.u.codes = text("\x01\x80\x8f");
                break;
            case MQTT_DISCONNECT:
            case MQTT_AUTH:
                ids = type == MQTT_AUTH ? auth_ids : disconnect_ids;
                pkt.packet_id = 0;
                break;
            default:
                pkt.packet_id = 0;
                pkt.reason = 0;
                break;
            }
            fill_props(&pkt.props, ids);
            if (version == 4 && type == MQTT_SUBSCRIBE) {
                mqtt_sub plain[3];

                /* 3.1.1 has no subscription options but QoS. */
                memcpy(plain, subs, sizeof plain);
                plain[0].no_local = plain[1].retain_as_published = false;
                plain[0].retain_handling = 0;
                pkt.u.sub.subs = plain;
                round_trip(&pkt, version);
                continue;
            }
            if (type == MQTT_UNSUBSCRIBE) {
                mqtt_sub bare[3];

                memset(bare, 0, sizeof bare);
                bare[0].filter = subs[0].filter;
                bare[1].filter = subs[1].filter;
                bare[2].filter = subs[2].filter;
                pkt.u.sub.subs = bare;
                round_trip(&pkt, version);
                continue;
            }
            round_trip(&pkt, version);
        }
    }
    /* 3.1 writes "MQIsdp" and level 3. */
    memset(&pkt, 0, sizeof pkt);
    pkt.type = MQTT_CONNECT;
    pkt.u.connect.clean = true;
    pkt.u.connect.client_id = text("x");
    round_trip(&pkt, 3);
    CHECK_EQ_STR(encoded(&pkt, 3), "10 0f 00 06 4d 51 49 73 64 70 03 02 00 00 00 01 78");
}

TEST(mqtt_codec_encode_refuses)
{
    harper__buf out = HARPER__BUF_INIT;
    mqtt_packet pkt;
    char big[70000];

    memset(&pkt, 0, sizeof pkt);
    pkt.type = MQTT_PUBLISH;
    pkt.u.publish.topic = text("t");
    pkt.u.publish.qos = 1;                              /* packet id 0 */
    CHECK_EQ_INT(mqtt_encode(&pkt, 4, &out), -1);
    pkt.u.publish.qos = 3;
    pkt.packet_id = 1;
    CHECK_EQ_INT(mqtt_encode(&pkt, 4, &out), -1);
    pkt.u.publish.qos = 0;
    memset(big, 'a', sizeof big);
    pkt.u.publish.topic.p = (const uint8_t *)big;
    pkt.u.publish.topic.len = sizeof big;               /* over 65535 bytes */
    CHECK_EQ_INT(mqtt_encode(&pkt, 4, &out), -1);
    CHECK_EQ_INT(out.len, 0);
    memset(&pkt, 0, sizeof pkt);
    pkt.type = MQTT_SUBSCRIBE;
    pkt.packet_id = 1;                                  /* no topic filters */
    CHECK_EQ_INT(mqtt_encode(&pkt, 5, &out), -1);
    pkt.type = MQTT_AUTH;
    CHECK_EQ_INT(mqtt_encode(&pkt, 4, &out), -1);
    CHECK_EQ_INT(mqtt_encode(&pkt, 6, &out), -1);
    pkt.type = 0;
    CHECK_EQ_INT(mqtt_encode(&pkt, 5, &out), -1);
    CHECK_EQ_INT(out.len, 0);
    /* A failed packet leaves what was there before. */
    harper__buf_append(&out, "xy", 2);
    pkt.type = MQTT_PUBACK;
    pkt.packet_id = 0;
    CHECK_EQ_INT(mqtt_encode(&pkt, 4, &out), -1);
    CHECK_EQ_INT(out.len, 2);
    pkt.packet_id = 9;
    CHECK_EQ_INT(mqtt_encode(&pkt, 4, &out), 0);
    CHECK_EQ_STR(hex_of(out.data, out.len), "78 79 40 02 00 09");
    harper__buf_free(&out);
}

/* ---- malformed input ----------------------------------------------------------------------- */

TEST(mqtt_codec_malformed_headers)
{
    DECODE_FAILS("00 00", 4, MQTT_RC_MALFORMED);                    /* type 0 */
    DECODE_FAILS("60 02 00 01", 4, MQTT_RC_MALFORMED);              /* PUBREL flags 0000 */
    DECODE_FAILS("80 06 00 01 00 01 61 00", 4, MQTT_RC_MALFORMED);  /* SUBSCRIBE flags 0000 */
    DECODE_FAILS("a0 05 00 01 00 01 61", 5, MQTT_RC_MALFORMED);     /* UNSUBSCRIBE flags 0000 */
    DECODE_FAILS("41 02 00 01", 4, MQTT_RC_MALFORMED);              /* PUBACK flags 0001 */
    DECODE_FAILS("c2 00", 4, MQTT_RC_MALFORMED);                    /* PINGREQ flags 0010 */
    DECODE_FAILS("e8 00", 5, MQTT_RC_MALFORMED);                    /* DISCONNECT flags */
    DECODE_FAILS("c0 00 c0", 4, MQTT_RC_MALFORMED);                 /* longer than framed */
    DECODE_FAILS("c0 01", 4, MQTT_RC_MALFORMED);                    /* shorter */
    DECODE_FAILS("c0 00", 0, MQTT_RC_PROTOCOL_ERROR);               /* no version yet */
    DECODE_FAILS("f0 00", 4, MQTT_RC_MALFORMED);                    /* AUTH in 3.1.1 */
    DECODE_FAILS("", 4, MQTT_RC_MALFORMED);
}

TEST(mqtt_codec_malformed_bodies)
{
    DECODE_FAILS("36 05 00 01 61 00 01", 4, MQTT_RC_MALFORMED);     /* PUBLISH QoS 3 */
    DECODE_FAILS("38 03 00 01 61", 4, MQTT_RC_MALFORMED);           /* DUP at QoS 0 */
    DECODE_FAILS("32 05 00 01 61 00 00", 4, MQTT_RC_MALFORMED);     /* packet id 0 */
    DECODE_FAILS("32 03 00 01 61", 4, MQTT_RC_MALFORMED);           /* packet id missing */
    DECODE_FAILS("30 05 00 03 61 2f 23", 4, MQTT_RC_TOPIC_NAME_INVALID);  /* "a/#" */
    DECODE_FAILS("30 04 00 02 2b 61", 5, MQTT_RC_TOPIC_NAME_INVALID);     /* "+a" */
    DECODE_FAILS("30 02 00 00", 4, MQTT_RC_TOPIC_NAME_INVALID);     /* empty topic */
    DECODE_FAILS("30 03 00 00 00", 5, MQTT_RC_PROTOCOL_ERROR);      /* empty, no alias */
    DECODE_FAILS("30 03 00 05 61", 4, MQTT_RC_MALFORMED);           /* topic cut short */
    DECODE_FAILS("40 03 00 01 00", 4, MQTT_RC_MALFORMED);           /* 3.1.1 PUBACK + byte */
    DECODE_FAILS("40 02 00 00", 5, MQTT_RC_MALFORMED);              /* PUBACK id 0 */
    DECODE_FAILS("40 01 00", 5, MQTT_RC_MALFORMED);
    DECODE_FAILS("c0 01 00", 4, MQTT_RC_MALFORMED);                 /* PINGREQ with a body */
    DECODE_FAILS("e0 01 00", 4, MQTT_RC_MALFORMED);                 /* 3.1.1 DISCONNECT body */
    DECODE_FAILS("20 02 02 00", 4, MQTT_RC_MALFORMED);              /* CONNACK reserved flag */
    DECODE_FAILS("20 01 00", 4, MQTT_RC_MALFORMED);
    DECODE_FAILS("20 02 00 00", 5, MQTT_RC_MALFORMED);              /* v5: no property length */
    DECODE_FAILS("90 02 00 01", 4, MQTT_RC_PROTOCOL_ERROR);         /* SUBACK without codes */
    DECODE_FAILS("b0 03 00 01 00", 5, MQTT_RC_PROTOCOL_ERROR);      /* v5 UNSUBACK, no codes */
    DECODE_FAILS("b0 03 00 01 00", 4, MQTT_RC_MALFORMED);
}

TEST(mqtt_codec_malformed_utf8)
{
    static const char *const bad[] = {
        "30 04 00 02 c0 80",        /* overlong U+0000 */
        "30 05 00 03 e0 80 80",     /* overlong */
        "30 05 00 03 ed a0 80",     /* U+D800, a surrogate */
        "30 05 00 03 ed bf bf",     /* U+DFFF */
        "30 06 00 04 f4 90 80 80",  /* above U+10FFFF */
        "30 03 00 01 00",           /* U+0000 */
        "30 03 00 01 80",           /* a lone continuation byte */
        "30 04 00 02 e2 82",        /* cut short */
        "30 03 00 01 ff",
    };
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        DECODE_FAILS(bad[i], 4, MQTT_RC_MALFORMED);
    CHECK(mqtt_utf8_valid((const uint8_t *)"\xef\xbf\xbf\xf4\x8f\xbf\xbf\x7f", 8));
    CHECK(mqtt_utf8_valid((const uint8_t *)"\xed\x9f\xbf\xee\x80\x80", 6));
    /* A user property name and a subscription filter are checked too. */
    DECODE_FAILS("e0 08 00 06 26 00 01 ff 00 00", 5, MQTT_RC_MALFORMED);
    DECODE_FAILS("82 06 00 01 00 01 c1 00", 4, MQTT_RC_MALFORMED);
    DECODE_FAILS("a2 05 00 01 00 01 00", 4, MQTT_RC_MALFORMED);
}

TEST(mqtt_codec_malformed_subscribe)
{
    DECODE_FAILS("82 02 00 01", 4, MQTT_RC_PROTOCOL_ERROR);             /* no filters */
    DECODE_FAILS("82 03 00 01 00", 5, MQTT_RC_PROTOCOL_ERROR);
    DECODE_FAILS("a2 02 00 01", 4, MQTT_RC_PROTOCOL_ERROR);
    DECODE_FAILS("82 06 00 01 00 01 61 03", 4, MQTT_RC_MALFORMED);      /* QoS 3 */
    DECODE_FAILS("82 06 00 01 00 01 61 04", 4, MQTT_RC_MALFORMED);      /* 3.1.1 reserved bit */
    DECODE_FAILS("82 05 00 01 00 01 61", 4, MQTT_RC_MALFORMED);         /* options missing */
    DECODE_FAILS("82 06 00 00 00 01 61 00", 4, MQTT_RC_MALFORMED);      /* packet id 0 */
    DECODE_FAILS("82 07 00 01 00 00 01 61 30", 5, MQTT_RC_PROTOCOL_ERROR);  /* Retain Handling 3 */
    DECODE_FAILS("82 07 00 01 00 00 01 61 40", 5, MQTT_RC_MALFORMED);   /* v5 reserved bits */
    /* No Local on "$share/g/t". */
    DECODE_FAILS("82 10 00 01 00 00 0a 24 73 68 61 72 65 2f 67 2f 74 04", 5,
                 MQTT_RC_PROTOCOL_ERROR);
}

TEST(mqtt_codec_malformed_properties)
{
    DECODE_FAILS("e0 03 00 01 7f", 5, MQTT_RC_MALFORMED);               /* unknown 0x7f */
    DECODE_FAILS("e0 03 00 01 00", 5, MQTT_RC_MALFORMED);               /* unknown 0x00 */
    DECODE_FAILS("e0 05 00 03 23 00 01", 5, MQTT_RC_MALFORMED);         /* Topic Alias here */
    DECODE_FAILS("40 06 00 01 00 02 01 01", 5, MQTT_RC_MALFORMED);      /* format in PUBACK */
    DECODE_FAILS("e0 08 00 06 1f 00 00 1f 00 00", 5, MQTT_RC_PROTOCOL_ERROR);  /* twice */
    DECODE_FAILS("e0 03 00 05 1f", 5, MQTT_RC_MALFORMED);               /* length too long */
    DECODE_FAILS("e0 04 00 02 11 00", 5, MQTT_RC_MALFORMED);            /* value cut short */
    DECODE_FAILS("e0 05 00 03 1f 00 05", 5, MQTT_RC_MALFORMED);         /* string cut short */
    DECODE_FAILS("e0 03 00 80 00", 5, MQTT_RC_MALFORMED);               /* length not minimal */
    DECODE_FAILS("e0 03 00 80", 5, MQTT_RC_MALFORMED);                  /* length cut short */
    DECODE_FAILS("30 06 00 01 61 02 01 02", 5, MQTT_RC_PROTOCOL_ERROR); /* format 2 */
    DECODE_FAILS("30 07 00 01 61 03 23 00 00", 5, MQTT_RC_PROTOCOL_ERROR);  /* alias 0 */
    DECODE_FAILS("30 09 00 01 61 05 08 00 02 61 23", 5, MQTT_RC_PROTOCOL_ERROR);  /* "a#" */
    DECODE_FAILS("82 09 00 01 02 0b 00 00 01 61 00", 5, MQTT_RC_PROTOCOL_ERROR);  /* sub id 0 */
    DECODE_FAILS("82 0b 00 01 04 0b 01 0b 02 00 01 61 00", 5, MQTT_RC_PROTOCOL_ERROR);
    DECODE_FAILS("82 0a 00 01 03 0b 81 00 00 01 61 00", 5, MQTT_RC_MALFORMED);  /* not minimal */
    DECODE_FAILS("82 0b 00 01 04 0b ff ff ff ff 00 01 61 00", 5, MQTT_RC_MALFORMED);
    DECODE_FAILS("20 05 00 00 02 24 02", 5, MQTT_RC_PROTOCOL_ERROR);    /* Maximum QoS 2 */
    DECODE_FAILS("20 08 00 00 05 27 00 00 00 00", 5, MQTT_RC_PROTOCOL_ERROR);  /* max size 0 */
    DECODE_FAILS("20 06 00 00 03 21 00 00", 5, MQTT_RC_PROTOCOL_ERROR);  /* receive max 0 */
    DECODE_FAILS("f0 06 00 04 16 00 01 00", 5, MQTT_RC_PROTOCOL_ERROR);  /* data, no method */
    /* Several subscription identifiers are for PUBLISH only. */
    DECODE_OK(&(struct held){0}, "30 08 00 01 61 04 0b 01 0b 02", 5);
}

/* A CONNECT failure says whether and how a CONNACK may answer it. */
static void connect_fails(const char *hex, uint8_t reason, uint8_t connack_version,
                          uint8_t v3_code, int line)
{
    struct held h;

    if (held_decode(&h, hex, 0) == 0)
        test_fail(__FILE__, line, "CONNECT %s decoded", hex);
    if (h.err.reason != reason || h.err.connack_version != connack_version ||
        h.err.v3_code != v3_code)
        test_fail(__FILE__, line, "CONNECT %s: reason 0x%02x, CONNACK v%d code %d (%s)", hex,
                  h.err.reason, h.err.connack_version, h.err.v3_code, h.err.message);
}

TEST(mqtt_codec_malformed_connect)
{
    /* Protocol name "MQTX": no CONNACK. */
    connect_fails("10 0f 00 04 4d 51 54 58 04 02 00 3c 00 03 61 62 63", 0x84, 0, 0, __LINE__);
    /* Level 6, and "MQTT" at level 3: a 3.1.1 CONNACK 0x01. */
    connect_fails("10 0f 00 04 4d 51 54 54 06 02 00 3c 00 03 61 62 63", 0x84, 4, 1, __LINE__);
    connect_fails("10 0f 00 04 4d 51 54 54 03 02 00 3c 00 03 61 62 63", 0x84, 4, 1, __LINE__);
    connect_fails("10 11 00 06 4d 51 49 73 64 70 04 02 00 0a 00 03 61 62 63", 0x84, 4, 1,
                  __LINE__);
    /* Fixed header flags, then the reserved connect flag (v5 may answer with 0x81). */
    connect_fails("11 0f 00 04 4d 51 54 54 04 02 00 3c 00 03 61 62 63", 0x81, 0, 0, __LINE__);
    connect_fails("10 0f 00 04 4d 51 54 54 04 03 00 3c 00 03 61 62 63", 0x81, 0, 0, __LINE__);
    connect_fails("10 10 00 04 4d 51 54 54 05 03 00 3c 00 00 03 61 62 63", 0x81, 5, 0,
                  __LINE__);
    /* Will QoS or retain without the will flag; will QoS 3. */
    connect_fails("10 0f 00 04 4d 51 54 54 04 0a 00 3c 00 03 61 62 63", 0x81, 0, 0, __LINE__);
    connect_fails("10 0f 00 04 4d 51 54 54 04 22 00 3c 00 03 61 62 63", 0x81, 0, 0, __LINE__);
    connect_fails("10 0f 00 04 4d 51 54 54 04 1e 00 3c 00 03 61 62 63", 0x81, 0, 0, __LINE__);
    /* 3.1.1: a password without a user name. */
    connect_fails("10 12 00 04 4d 51 54 54 04 42 00 3c 00 03 61 62 63 00 01 70", 0x81, 0, 0,
                  __LINE__);
    /* An empty client id without a clean session: identifier rejected; 3.1 never allows it. */
    connect_fails("10 0c 00 04 4d 51 54 54 04 00 00 3c 00 00", 0x85, 4, 2, __LINE__);
    connect_fails("10 0e 00 06 4d 51 49 73 64 70 03 02 00 3c 00 00", 0x85, 4, 2, __LINE__);
    /* Will topic with a wildcard (v5: CONNACK 0x90). */
    connect_fails("10 14 00 04 4d 51 54 54 05 06 00 3c 00 00 01 61 00 00 01 23 00 00", 0x90, 5,
                  0, __LINE__);
    /* Cut short, a byte too many, a bad property. */
    connect_fails("10 0d 00 04 4d 51 54 54 04 02 00 3c 00 03 61", 0x81, 0, 0, __LINE__);
    connect_fails("10 10 00 04 4d 51 54 54 04 02 00 3c 00 03 61 62 63 00", 0x81, 0, 0,
                  __LINE__);
    connect_fails("10 13 00 04 4d 51 54 54 05 02 00 3c 03 21 00 00 00 03 61 62 63", 0x82, 5, 0,
                  __LINE__);
    connect_fails("10 12 00 04 4d 51 54 54 05 02 00 3c 02 17 02 00 03 61 62 63", 0x82, 5, 0,
                  __LINE__);
    connect_fails("10 13 00 04 4d 51 54 54 05 02 00 3c 03 16 00 00 00 03 61 62 63", 0x82, 5, 0,
                  __LINE__);
    connect_fails("10 12 00 04 4d 51 54 54 05 02 00 3c 02 24 00 00 03 61 62 63", 0x81, 5, 0,
                  __LINE__);
}

/* ---- truncation and limits ------------------------------------------------------------------ */

TEST(mqtt_codec_truncated_everywhere)
{
    static const struct {
        const char *hex;
        int version;
    } valid[] = {
        {"10 1e 00 04 4d 51 54 54 04 ee 00 3c 00 02 63 31 00 03 77 2f 74 00 03 62 79 65 00 01"
         " 75 00 01 70", 4},
        {"10 34 00 04 4d 51 54 54 05 06 00 1e 0f 11 00 00 00 78 21 00 14 26 00 01 6b 00 01 76"
         " 00 02 69 64 0e 01 01 03 00 04 74 65 78 74 18 00 00 00 05 00 01 74 00 02 68 69", 5},
        {"20 02 00 00", 4},
        {"20 08 01 00 05 11 00 00 00 0a", 5},
        {"32 0a 00 03 61 2f 62 00 07 68 69 21", 4},
        {"3c 12 00 01 74 00 01 0b 01 01 0b 81 01 26 00 01 61 00 00 78", 5},
        {"40 04 00 07 80 00", 5},
        {"62 02 00 07", 4},
        {"82 10 00 0a 00 05 44 6f 67 2f 23 01 00 03 61 2f 2b 02", 4},
        {"82 18 00 0b 09 0b 07 26 00 01 6b 00 01 76 00 05 44 6f 67 2f 31 2d 00 01 78 10", 5},
        {"90 06 00 07 00 87 8f 01", 5},
        {"a2 0a 00 0c 00 00 05 44 6f 67 2f 31", 5},
        {"b0 05 00 0c 00 00 11", 5},
        {"c0 00", 4},
        {"e0 10 04 0e 11 00 00 00 00 1c 00 01 73 1f 00 02 6f 6b", 5},
        {"f0 0d 18 0b 15 00 04 53 43 52 4d 16 00 01 00", 5},
    };
    size_t i;

    for (i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        uint8_t bytes[256];
        size_t n = unhex(valid[i].hex, bytes, sizeof bytes);
        size_t cut;
        mqtt_packet pkt;

        CHECK_EQ_INT(mqtt_decode(bytes, n, valid[i].version, &pkt, NULL), 0);
        mqtt_packet_free(&pkt);
        for (cut = 0; cut < n; cut++) {
            uint8_t *copy = malloc(cut + 1);    /* exactly cut bytes readable, for ASan */
            mqtt_error err;
            size_t len = 0;

            CHECK(copy != NULL);
            memcpy(copy, bytes, cut);
            if (mqtt_frame(copy, cut, 0, &len) != MQTT_FRAME_MORE)
                test_fail(__FILE__, __LINE__, "%s cut at %zu frames", valid[i].hex, cut);
            if (mqtt_decode(copy, cut, valid[i].version, &pkt, &err) == 0)
                test_fail(__FILE__, __LINE__, "%s cut at %zu decodes", valid[i].hex, cut);
            CHECK(err.reason >= 0x80 && err.message[0] != '\0');
            free(copy);
        }
    }
}

TEST(mqtt_codec_limits)
{
    static mqtt_user_prop users[MQTT_MAX_USER_PROPS + 1];
    static mqtt_sub subs[MQTT_MAX_TOPICS + 1];
    harper__buf out = HARPER__BUF_INIT;
    mqtt_packet pkt;
    mqtt_packet back;
    mqtt_error err;
    size_t i;

    for (i = 0; i < MQTT_MAX_USER_PROPS + 1; i++)
        users[i].name = text("n");
    memset(&pkt, 0, sizeof pkt);
    pkt.type = MQTT_DISCONNECT;
    pkt.props.user = users;
    pkt.props.n_user = MQTT_MAX_USER_PROPS;
    CHECK_EQ_INT(mqtt_encode(&pkt, 5, &out), 0);
    CHECK_EQ_INT(mqtt_decode((uint8_t *)out.data, out.len, 5, &back, &err), 0);
    CHECK_EQ_INT(back.props.n_user, MQTT_MAX_USER_PROPS);
    mqtt_packet_free(&back);
    harper__buf_reset(&out);
    pkt.props.n_user = MQTT_MAX_USER_PROPS + 1;
    CHECK_EQ_INT(mqtt_encode(&pkt, 5, &out), 0);
    CHECK_EQ_INT(mqtt_decode((uint8_t *)out.data, out.len, 5, &back, &err), -1);
    CHECK_EQ_INT(err.reason, MQTT_RC_QUOTA_EXCEEDED);
    harper__buf_reset(&out);

    for (i = 0; i < MQTT_MAX_TOPICS + 1; i++)
        subs[i].filter = text("t");
    memset(&pkt, 0, sizeof pkt);
    pkt.type = MQTT_SUBSCRIBE;
    pkt.packet_id = 1;
    pkt.u.sub.subs = subs;
    pkt.u.sub.n_subs = MQTT_MAX_TOPICS;
    CHECK_EQ_INT(mqtt_encode(&pkt, 4, &out), 0);
    CHECK_EQ_INT(mqtt_decode((uint8_t *)out.data, out.len, 4, &back, &err), 0);
    CHECK_EQ_INT(back.u.sub.n_subs, MQTT_MAX_TOPICS);
    mqtt_packet_free(&back);
    harper__buf_reset(&out);
    pkt.u.sub.n_subs = MQTT_MAX_TOPICS + 1;
    CHECK_EQ_INT(mqtt_encode(&pkt, 4, &out), 0);
    CHECK_EQ_INT(mqtt_decode((uint8_t *)out.data, out.len, 4, &back, &err), -1);
    CHECK_EQ_INT(err.reason, MQTT_RC_QUOTA_EXCEEDED);
    harper__buf_reset(&out);

    /* One subscription identifier more than PUBLISH may carry. */
    harper__buf_append(&out, "\x30\x46\x00\x01t\x42", 6);
    for (i = 0; i < MQTT_MAX_SUB_IDS + 1; i++)
        harper__buf_append(&out, "\x0b\x01", 2);
    CHECK_EQ_INT(mqtt_decode((uint8_t *)out.data, out.len, 5, &back, &err), -1);
    CHECK_EQ_INT(err.reason, MQTT_RC_QUOTA_EXCEEDED);
    out.len -= 2;
    out.data[1] = 0x44;
    out.data[5] = 0x40;
    CHECK_EQ_INT(mqtt_decode((uint8_t *)out.data, out.len, 5, &back, &err), 0);
    CHECK_EQ_INT(back.props.n_sub_ids, MQTT_MAX_SUB_IDS);
    mqtt_packet_free(&back);
    harper__buf_free(&out);
}
