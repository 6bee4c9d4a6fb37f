/* fuzz_mqtt_codec.c: arbitrary bytes as an MQTT stream (mqtt_frame, mqtt_decode, mqtt_encode).
 * The first byte picks the protocol version (its value mod 3: 0 for 3.1, 1 for 3.1.1, 2 for
 * 5.0); the rest is cut into packets as a broker would cut its input. Each packet is decoded
 * from a buffer of exactly its size, so a read past it is caught. Invariants: a failed decode
 * leaves a zeroed packet, nothing allocated (the leak check) and an error with a reason code
 * and a message; a packet that decodes encodes, its bytes decode to an equal packet, and
 * encoding that gives the same bytes again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtt_codec.h"

static void die(const char *what, const mqtt_packet *pkt)
{
    fprintf(stderr, "fuzz_mqtt_codec: %s (%s)\n", what, mqtt_type_name(pkt->type));
    abort();
}

static void check_failure(const mqtt_packet *pkt, const mqtt_error *err)
{
    static const mqtt_packet zero;

    if (memcmp(pkt, &zero, sizeof zero) != 0)
        die("a failed decode left a packet", pkt);
    if (err->reason < 0x80 || memchr(err->message, '\0', sizeof err->message) == NULL ||
        err->message[0] == '\0')
        die("a failed decode gave no reason or message", pkt);
    if (err->connack_version != 0 && err->connack_version != 4 && err->connack_version != 5)
        die("a CONNACK version that is none", pkt);
}

static void check_packet(const uint8_t *bytes, size_t len, int version)
{
    harper__buf first = HARPER__BUF_INIT;
    harper__buf second = HARPER__BUF_INIT;
    uint8_t *copy = malloc(len);
    mqtt_packet pkt;
    mqtt_packet again;
    mqtt_error err;

    if (copy == NULL)
        return;
    memcpy(copy, bytes, len);
    memset(&err, 'x', sizeof err);
    if (mqtt_decode(copy, len, version, &pkt, &err) != 0) {
        check_failure(&pkt, &err);
        free(copy);
        return;
    }
    if (pkt.type == MQTT_CONNECT)
        version = pkt.u.connect.level;
    if (mqtt_encode(&pkt, version, &first) != 0)
        die("a decoded packet does not encode", &pkt);
    if (mqtt_decode((const uint8_t *)first.data, first.len, version, &again, &err) != 0) {
        fprintf(stderr, "%s\n", err.message);
        die("an encoded packet does not decode", &pkt);
    }
    if (!mqtt_packet_equal(&pkt, &again))
        die("an encoded packet decodes to another", &pkt);
    if (mqtt_encode(&again, version, &second) != 0 || second.len != first.len ||
        memcmp(first.data, second.data, first.len) != 0)
        die("encoding is not stable", &pkt);
    mqtt_packet_free(&again);
    mqtt_packet_free(&pkt);
    harper__buf_free(&first);
    harper__buf_free(&second);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t offset = 1;
    int version;

    if (size == 0)
        return 0;
    version = 3 + data[0] % 3;
    while (offset < size) {
        size_t left = size - offset;
        size_t packet_len = 0;
        mqtt_frame_status status = mqtt_frame(data + offset, left, 0, &packet_len);

        if (status == MQTT_FRAME_MORE && packet_len != 0 && packet_len <= left)
            abort();
        if (status != MQTT_FRAME_READY)
            break;
        if (packet_len < 2 || packet_len > left)
            abort();
        check_packet(data + offset, packet_len, version);
        offset += packet_len;
    }
    /* The whole rest as one packet too, framed or not: decode must refuse what it cannot use. */
    if (offset < size)
        check_packet(data + offset, size - offset, version);
    return 0;
}
