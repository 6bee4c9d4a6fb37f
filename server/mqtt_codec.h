/* mqtt_codec.h: MQTT 3.1.1 and 5.0 control packets as bytes and as structs. Pure: no sockets,
 * no globals, no logging. mqtt_frame cuts a byte stream into packets, mqtt_decode checks one
 * packet against the standards' rules for what is malformed and reads it, mqtt_encode writes
 * any packet (those a broker sends and those a client sends). What a packet means for a
 * session (acks, subscriptions, wills, Harper's reason-code quirks) is the broker's business.
 *
 * Versions: 4 is 3.1.1, 5 is 5.0, 3 is 3.1 (protocol name "MQIsdp"), read and written as
 * 3.1.1 apart from that name. The version is fixed by CONNECT, whose decoding does not need it.
 *
 * Borrowing: every mqtt_bytes in a decoded packet points into the buffer given to mqtt_decode
 * and is valid only as long as that buffer is. The arrays a decode allocates (user properties,
 * subscriptions) are released by mqtt_packet_free.
 *
 * Limits: a packet may carry at most MQTT_MAX_USER_PROPS user properties per property block,
 * MQTT_MAX_SUB_IDS subscription identifiers and MQTT_MAX_TOPICS topic filters; more is refused
 * with reason 0x97 (Quota exceeded), so hostile input allocates a bounded amount. */
#ifndef HARPER_SERVER_MQTT_CODEC_H
#define HARPER_SERVER_MQTT_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define MQTT_MAX_REMAINING 268435455u  /* the largest Remaining Length, 4 bytes of varint */
#define MQTT_MAX_USER_PROPS 128
#define MQTT_MAX_SUB_IDS 32
#define MQTT_MAX_TOPICS 256

/* Control packet types: the high nibble of the first byte. */
typedef enum mqtt_type {
    MQTT_CONNECT = 1,
    MQTT_CONNACK = 2,
    MQTT_PUBLISH = 3,
    MQTT_PUBACK = 4,
    MQTT_PUBREC = 5,
    MQTT_PUBREL = 6,
    MQTT_PUBCOMP = 7,
    MQTT_SUBSCRIBE = 8,
    MQTT_SUBACK = 9,
    MQTT_UNSUBSCRIBE = 10,
    MQTT_UNSUBACK = 11,
    MQTT_PINGREQ = 12,
    MQTT_PINGRESP = 13,
    MQTT_DISCONNECT = 14,
    MQTT_AUTH = 15,             /* 5.0 only */
} mqtt_type;

/* v5 reason codes the codec reports (the rest are the broker's to choose). */
#define MQTT_RC_SUCCESS 0x00
#define MQTT_RC_UNSPECIFIED 0x80
#define MQTT_RC_MALFORMED 0x81
#define MQTT_RC_PROTOCOL_ERROR 0x82
#define MQTT_RC_UNSUPPORTED_VERSION 0x84
#define MQTT_RC_CLIENT_ID_INVALID 0x85
#define MQTT_RC_TOPIC_FILTER_INVALID 0x8F
#define MQTT_RC_TOPIC_NAME_INVALID 0x90
#define MQTT_RC_PACKET_TOO_LARGE 0x95
#define MQTT_RC_QUOTA_EXCEEDED 0x97

/* 3.1.1 CONNACK return codes the codec reports. */
#define MQTT_V3_UNACCEPTABLE_VERSION 0x01
#define MQTT_V3_IDENTIFIER_REJECTED 0x02

/* v5 property identifiers. */
enum mqtt_prop_id {
    MQTT_PROP_PAYLOAD_FORMAT = 0x01,
    MQTT_PROP_MESSAGE_EXPIRY = 0x02,
    MQTT_PROP_CONTENT_TYPE = 0x03,
    MQTT_PROP_RESPONSE_TOPIC = 0x08,
    MQTT_PROP_CORRELATION_DATA = 0x09,
    MQTT_PROP_SUBSCRIPTION_ID = 0x0B,
    MQTT_PROP_SESSION_EXPIRY = 0x11,
    MQTT_PROP_ASSIGNED_CLIENT_ID = 0x12,
    MQTT_PROP_SERVER_KEEP_ALIVE = 0x13,
    MQTT_PROP_AUTH_METHOD = 0x15,
    MQTT_PROP_AUTH_DATA = 0x16,
    MQTT_PROP_REQUEST_PROBLEM_INFO = 0x17,
    MQTT_PROP_WILL_DELAY = 0x18,
    MQTT_PROP_REQUEST_RESPONSE_INFO = 0x19,
    MQTT_PROP_RESPONSE_INFO = 0x1A,
    MQTT_PROP_SERVER_REFERENCE = 0x1C,
    MQTT_PROP_REASON_STRING = 0x1F,
    MQTT_PROP_RECEIVE_MAX = 0x21,
    MQTT_PROP_TOPIC_ALIAS_MAX = 0x22,
    MQTT_PROP_TOPIC_ALIAS = 0x23,
    MQTT_PROP_MAX_QOS = 0x24,
    MQTT_PROP_RETAIN_AVAILABLE = 0x25,
    MQTT_PROP_USER = 0x26,
    MQTT_PROP_MAX_PACKET_SIZE = 0x27,
    MQTT_PROP_WILDCARD_SUB_AVAILABLE = 0x28,
    MQTT_PROP_SUB_ID_AVAILABLE = 0x29,
    MQTT_PROP_SHARED_SUB_AVAILABLE = 0x2A,
};

/* Bytes or UTF-8 text not NUL-terminated; p may be NULL when len is 0. */
typedef struct mqtt_bytes {
    const uint8_t *p;
    size_t len;
} mqtt_bytes;

typedef struct mqtt_user_prop {
    mqtt_bytes name;
    mqtt_bytes value;
} mqtt_user_prop;

/* One v5 property block. A property is there when its bit, MQTT_PROP_BIT(id), is set in
 * `present`; its field is meaningful only then. Subscription identifiers and user properties
 * are there when their counts are non-zero (their bits are kept in step by decode, and
 * ignored by encode). */
#define MQTT_PROP_BIT(id) ((uint64_t)1 << (id))
typedef struct mqtt_props {
    uint64_t present;
    uint8_t payload_format;             /* 0 bytes, 1 UTF-8 */
    uint32_t message_expiry;            /* seconds */
    mqtt_bytes content_type;
    mqtt_bytes response_topic;
    mqtt_bytes correlation_data;
    uint32_t sub_ids[MQTT_MAX_SUB_IDS]; /* 1..268435455; several only in PUBLISH */
    size_t n_sub_ids;
    uint32_t session_expiry;            /* seconds */
    mqtt_bytes assigned_client_id;
    uint16_t server_keep_alive;         /* seconds */
    mqtt_bytes auth_method;
    mqtt_bytes auth_data;
    uint8_t request_problem_info;       /* 0 or 1 */
    uint32_t will_delay;                /* seconds */
    uint8_t request_response_info;      /* 0 or 1 */
    mqtt_bytes response_info;
    mqtt_bytes server_reference;
    mqtt_bytes reason_string;
    uint16_t receive_max;               /* 1..65535 */
    uint16_t topic_alias_max;
    uint16_t topic_alias;               /* 1..65535 */
    uint8_t max_qos;                    /* 0 or 1 */
    uint8_t retain_available;           /* 0 or 1, as are the three below */
    uint8_t wildcard_sub_available;
    uint8_t sub_id_available;
    uint8_t shared_sub_available;
    uint32_t max_packet_size;           /* bytes, 1.. */
    mqtt_user_prop *user;               /* decode: allocated, in packet order; encode: caller's */
    size_t n_user;
} mqtt_props;

/* One topic filter of SUBSCRIBE (with its options) or UNSUBSCRIBE (options 0). */
typedef struct mqtt_sub {
    mqtt_bytes filter;
    uint8_t qos;
    bool no_local;                  /* v5 */
    bool retain_as_published;       /* v5 */
    uint8_t retain_handling;        /* v5: 0 send, 1 send if new, 2 never */
    /* Set by decode: MQTT_RC_TOPIC_FILTER_INVALID when the filter is not a well-formed topic
     * filter (mqtt_filter_check), with `filter_message` (a static string) saying why; else 0.
     * A bad filter does not fail the decode: Harper answers it with a SUBACK failure code
     * rather than closing the connection, so the broker decides. */
    uint8_t filter_error;
    const char *filter_message;
} mqtt_sub;

typedef struct mqtt_connect {
    uint8_t level;                  /* protocol level read: 3, 4 or 5 (encode uses its version) */
    bool clean;                     /* Clean Session (3.1.1) / Clean Start (5.0) */
    uint16_t keep_alive;            /* seconds, 0 = none; every value is valid */
    mqtt_bytes client_id;
    bool has_will;
    uint8_t will_qos;
    bool will_retain;
    mqtt_props will_props;          /* v5 */
    mqtt_bytes will_topic;
    mqtt_bytes will_payload;
    bool has_username;
    mqtt_bytes username;
    bool has_password;
    mqtt_bytes password;
} mqtt_connect;

typedef struct mqtt_publish {
    mqtt_bytes topic;               /* may be empty in v5 with a Topic Alias */
    mqtt_bytes payload;
    uint8_t qos;
    bool dup;
    bool retain;
} mqtt_publish;

/* A packet. `packet_id` is used by PUBLISH (QoS > 0), PUBACK, PUBREC, PUBREL, PUBCOMP,
 * SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK; `reason` by CONNACK (the 3.1.1 return code or
 * the v5 reason code), the v5 PUBACK family, DISCONNECT and AUTH; `props` by every v5 packet
 * that has properties. */
typedef struct mqtt_packet {
    mqtt_type type;
    uint16_t packet_id;
    uint8_t reason;
    mqtt_props props;
    union {
        mqtt_connect connect;
        bool session_present;       /* CONNACK */
        mqtt_publish publish;
        struct {                    /* SUBSCRIBE, UNSUBSCRIBE */
            mqtt_sub *subs;         /* decode: allocated; encode: caller's */
            size_t n_subs;
        } sub;
        mqtt_bytes codes;           /* SUBACK, v5 UNSUBACK: one reason code per filter */
    } u;
} mqtt_packet;

/* Why a decode failed. */
typedef struct mqtt_error {
    uint8_t reason;         /* a v5 reason code (MQTT_RC_*), also the cause for a 3.1.1 peer */
    /* For a CONNECT only: the version a CONNACK answering the failure is written in (4 or 5),
     * or 0 when the standard wants the connection closed without one. A v5 CONNACK carries
     * `reason`; a 3.1.1 CONNACK carries `v3_code` (1: unacceptable protocol version, 2:
     * identifier rejected). */
    uint8_t connack_version;
    uint8_t v3_code;
    char message[128];      /* short English text for the log, NUL-terminated */
} mqtt_error;

/* What mqtt_frame found at the start of a buffer. */
typedef enum mqtt_frame_status {
    MQTT_FRAME_MORE = 0,        /* not a whole packet yet; read more */
    MQTT_FRAME_READY = 1,       /* a whole packet of *packet_len bytes */
    MQTT_FRAME_MALFORMED = -1,  /* the Remaining Length has a 5th byte: close the connection */
    MQTT_FRAME_TOO_LARGE = -2,  /* longer than max_packet (v5: DISCONNECT 0x95, then close) */
} mqtt_frame_status;

/* Looks at buf[0..len), the start of a stream, for one packet: its fixed header (type byte
 * and a Remaining Length of 1 to 4 bytes) and whether all of it is there. *packet_len is the
 * whole packet's size once the Remaining Length is read (MORE, READY, TOO_LARGE), else 0.
 * max_packet bounds the whole packet; 0 means the MQTT limit only. Never reads past len.
 * A Remaining Length written in more bytes than it needs is accepted (3.1.1 allows it).
 * Thread-safety: safe. */
mqtt_frame_status mqtt_frame(const uint8_t *buf, size_t len, size_t max_packet,
                             size_t *packet_len);

/* Decodes p[0..len), exactly one packet as mqtt_frame delimits it, read as protocol
 * `version` (3, 4 or 5; ignored for CONNECT, which carries its own; any other packet without
 * one fails with 0x82). 0 with *out filled (its views borrow p; release it with
 * mqtt_packet_free), or -1 with *out zeroed, nothing allocated and the cause in *err (may be
 * NULL). Never reads outside p[0..len). The reasons given:
 *   0x81 Malformed: a length that disagrees with the Remaining Length, anything cut short or
 *        left over, reserved fixed-header flags (PUBREL, SUBSCRIBE, UNSUBSCRIBE must be 0010,
 *        the others but PUBLISH 0000), packet type 0, AUTH in 3.1.1, QoS 3, DUP at QoS 0,
 *        packet identifier 0, bad UTF-8 (overlong, surrogates, U+0000, past U+10FFFF),
 *        reserved CONNECT, CONNACK or subscription option bits, will QoS/retain without the
 *        will flag, a 3.1.1 password without a user name, a property that is unknown, not
 *        allowed in the packet or cut short, a varint not in its shortest form;
 *   0x82 Protocol Error: a property repeated that may not be, a property value out of range
 *        (a flag not 0 or 1, a Receive Maximum, Topic Alias, Maximum Packet Size or
 *        Subscription Identifier of 0), Authentication Data without a method, SUBSCRIBE or
 *        UNSUBSCRIBE without filters (SUBACK, v5 UNSUBACK without codes), Retain Handling 3,
 *        No Local on a shared subscription, a v5 empty topic without a Topic Alias, a
 *        Response Topic with a wildcard, a packet before the version is known;
 *   0x84 Unsupported Protocol Version: CONNECT with another protocol name or level;
 *   0x85 Client Identifier not valid: an empty one in 3.1.1 without a clean session, in 3.1;
 *   0x90 Topic Name invalid: a PUBLISH or will topic with `+` or `#`, or empty in 3.1.1
 *        (as the standards say; Harper resolves such a topic like any other);
 *   0x97 Quota exceeded: over one of the limits above.
 * Thread-safety: safe. */
int mqtt_decode(const uint8_t *p, size_t len, int version, mqtt_packet *out, mqtt_error *err);

/* Appends the bytes of pkt as protocol `version` (3, 4 or 5) to out. Fields a version lacks
 * are left out (properties and reason codes in 3.1.1). A v5 PUBACK/PUBREC/PUBREL/PUBCOMP
 * with reason 0 and no properties is written in its short form, as Harper writes it.
 * 0, or -1 with out unchanged: a field out of range (QoS 3, packet id 0 where one is needed,
 * a string over 65535 bytes, no topic filters, AUTH in 3.1.1, more than MQTT_MAX_REMAINING
 * bytes) or out of memory. Thread-safety: safe. */
int mqtt_encode(const mqtt_packet *pkt, int version, harper__buf *out);

/* Releases what a decode allocated and zeroes *pkt; NULL is a no-op. Only for packets from
 * mqtt_decode (an encoder's packet points at the caller's arrays). Thread-safety: per packet. */
void mqtt_packet_free(mqtt_packet *pkt);

/* True when a and b carry the same packet: the fields their type uses, compared by value
 * (bytes, not pointers). For tests and the fuzz target. Thread-safety: safe. */
bool mqtt_packet_equal(const mqtt_packet *a, const mqtt_packet *b);

/* True when p[0..len) is well-formed UTF-8 as MQTT wants it: no overlong forms, no
 * surrogates, nothing above U+10FFFF, no U+0000. Thread-safety: safe. */
bool mqtt_utf8_valid(const uint8_t *p, size_t len);

/* 0 when p[0..len) is a well-formed topic filter, else MQTT_RC_TOPIC_FILTER_INVALID with
 * *message (may be NULL) set to Harper's text for the fault: empty, `#` not alone as the last
 * level, `+` not alone in its level. Harper's own rule against dots is the broker's.
 * Thread-safety: safe. */
uint8_t mqtt_filter_check(const uint8_t *p, size_t len, const char **message);

/* The name of a packet type ("PUBLISH"), "?" for another value. Thread-safety: safe. */
const char *mqtt_type_name(int type);

#endif
