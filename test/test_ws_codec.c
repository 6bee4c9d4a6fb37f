/* test_ws_codec.c: server/ws_codec.c: RFC 6455's own examples (the accept key, the masked
 * "Hello", the fragmented "Hel"+"lo", ping and pong, 16- and 64-bit lengths), every refusal
 * of the parser and the assembler with its close code, UTF-8 split across fragments, every
 * truncation of a frame, the handshake checks and the choice of subprotocol, and the server's
 * encoders. */
#include "test.h"

#include "codec.h"
#include "ws_codec.h"

static const uint8_t mask_rfc[4] = {0x37, 0xfa, 0x21, 0x3d};

/* ---- helpers ---------------------------------------------------------------------------- */

/* Appends a masked frame, as a client sends it. */
static void client_frame(harper__buf *b, ws_opcode op, bool fin, const char *payload,
                         size_t len)
{
    CHECK_EQ_INT(ws_encode_frame(b, op, fin, (const uint8_t *)payload, len, mask_rfc), 0);
}

static void client_text(harper__buf *b, ws_opcode op, bool fin, const char *payload)
{
    client_frame(b, op, fin, payload, strlen(payload));
}

/* Runs every frame of b[0..len) through a fresh assembler; returns the kind of the last event
 * (or -1 at an error, with *err set) and leaves the last event in *ev. The assembler is left
 * for the caller to free. */
static int feed_all(ws_assembler *a, const harper__buf *b, ws_event *ev, ws_error *err)
{
    size_t pos = 0;
    int kind = WS_EVENT_NONE;

    while (pos < b->len) {
        ws_frame f;
        size_t used = 0;
        ws_parse_result r = ws_frame_parse((const uint8_t *)b->data + pos, b->len - pos,
                                           1 << 20, &f, &used, err);

        if (r == WS_PARSE_ERROR)
            return -1;
        CHECK_EQ_INT(r, WS_PARSE_FRAME);
        if (ws_assembler_feed(a, &f, ev, err) != 0)
            return -1;
        kind = ev->kind;
        pos += used;
    }
    return kind;
}

/* The close code with which the frames in b end the connection (0 if they do not). */
static int error_code_of(const harper__buf *b, size_t max_message)
{
    ws_assembler a;
    ws_event ev;
    ws_error err = {0, ""};
    int rc;

    ws_assembler_init(&a, max_message);
    rc = feed_all(&a, b, &ev, &err);
    ws_assembler_free(&a);
    return rc < 0 ? err.close_code : 0;
}

static int parse_bytes(const uint8_t *bytes, size_t len, size_t max, ws_frame *f,
                       size_t *used, ws_error *err)
{
    return ws_frame_parse(bytes, len, max, f, used, err);
}

static ws_handshake_request good_request(void)
{
    ws_handshake_request r;

    memset(&r, 0, sizeof r);
    r.method = "GET";
    r.http_version = "HTTP/1.1";
    r.upgrade = "websocket";
    r.connection = "Upgrade";
    r.version = "13";
    r.key = "dGhlIHNhbXBsZSBub25jZQ==";
    return r;
}

static const char *header_of(const ws_handshake_reply *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

/* ---- handshake -------------------------------------------------------------------------- */

TEST(ws_codec_accept_rfc_example)
{
    char accept[WS_ACCEPT_SIZE];
    const char *key = "dGhlIHNhbXBsZSBub25jZQ==";

    CHECK_EQ_INT(ws_handshake_accept(key, strlen(key), accept), 0);
    CHECK_EQ_STR(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(ws_codec_handshake_101)
{
    ws_handshake_request req = good_request();
    ws_handshake_reply reply;
    harper__buf out = HARPER__BUF_INIT;

    req.connection = "keep-alive, Upgrade";
    req.upgrade = " WebSocket ";
    req.key = " dGhlIHNhbXBsZSBub25jZQ==\t";
    CHECK_EQ_INT(ws_handshake(&req, NULL, 0, NULL, 0, &reply), 101);
    CHECK(reply.protocol == NULL);
    CHECK_EQ_STR(header_of(&reply, "Sec-WebSocket-Accept"), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    CHECK(header_of(&reply, "Sec-WebSocket-Protocol") == NULL);
    ws_handshake_write(&reply, &out);
    CHECK_EQ_MEM(out.data, out.len,
                 "HTTP/1.1 101 Switching Protocols\r\n"
                 "Upgrade: websocket\r\n"
                 "Connection: Upgrade\r\n"
                 "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                 "\r\n");
    harper__buf_free(&out);
}

/* The status and body of the answer to req. */
static int refusal(const ws_handshake_request *req, const char **body)
{
    ws_handshake_reply reply;
    int status = ws_handshake(req, NULL, 0, NULL, 0, &reply);

    *body = reply.body;
    if (status != 101) {
        CHECK_EQ_STR(header_of(&reply, "Sec-WebSocket-Version"), "13");
        CHECK_EQ_STR(header_of(&reply, "Connection"), "close");
    }
    return status;
}

TEST(ws_codec_handshake_refusals)
{
    ws_handshake_request req;
    const char *body;

    req = good_request();
    req.method = "POST";
    CHECK_EQ_INT(refusal(&req, &body), 405);
    CHECK_EQ_STR(body, "Invalid HTTP method");
    req = good_request();
    req.http_version = "HTTP/1.0";
    CHECK_EQ_INT(refusal(&req, &body), 400);
    CHECK_EQ_STR(body, "Invalid HTTP version");
    req.http_version = "HTTP/2";
    CHECK_EQ_INT(refusal(&req, &body), 400);
    req = good_request();
    req.connection = "keep-alive";
    CHECK_EQ_INT(refusal(&req, &body), 400);
    CHECK_EQ_STR(body, "Invalid Connection header");
    req.connection = NULL;
    CHECK_EQ_INT(refusal(&req, &body), 400);
    req.connection = "upgrades";
    CHECK_EQ_INT(refusal(&req, &body), 400);
    req = good_request();
    req.upgrade = "h2c";
    CHECK_EQ_INT(refusal(&req, &body), 400);
    CHECK_EQ_STR(body, "Invalid Upgrade header");
    req.upgrade = NULL;
    CHECK_EQ_INT(refusal(&req, &body), 400);

    req = good_request();
    req.key = NULL;
    CHECK_EQ_INT(refusal(&req, &body), 400);
    CHECK_EQ_STR(body, "Missing or invalid Sec-WebSocket-Key header");
    req.key = "dGhlIHNhbXBsZSBub25jZQ";         /* padding missing */
    CHECK_EQ_INT(refusal(&req, &body), 400);
    req.key = "dGhlIHNhbXBsZSBub25jZQ=";
    CHECK_EQ_INT(refusal(&req, &body), 400);
    req.key = "dGhlIHNhbXBsZSBub25jZ!==";       /* not base64 */
    CHECK_EQ_INT(refusal(&req, &body), 400);
    req.key = "dGhlIHNhbXBsZSBub25jZQ1234";     /* 19 bytes */
    CHECK_EQ_INT(refusal(&req, &body), 400);

    req = good_request();
    req.version = "8";
    CHECK_EQ_INT(refusal(&req, &body), 426);
    CHECK_EQ_STR(body, "Missing or invalid Sec-WebSocket-Version header");
    req.version = NULL;
    CHECK_EQ_INT(refusal(&req, &body), 426);
    req.version = "13, 8";
    CHECK_EQ_INT(refusal(&req, &body), 426);
    req.version = " 13 ";
    CHECK_EQ_INT(refusal(&req, &body), 101);

    req = good_request();
    req.protocols = "mqtt, mqtt";
    CHECK_EQ_INT(refusal(&req, &body), 400);
    CHECK_EQ_STR(body, "Invalid Sec-WebSocket-Protocol header");
    req.protocols = "";
    CHECK_EQ_INT(refusal(&req, &body), 400);
    req.protocols = "mqtt,";
    CHECK_EQ_INT(refusal(&req, &body), 400);
    req.protocols = "a,,b";
    CHECK_EQ_INT(refusal(&req, &body), 400);
    req.protocols = "a b";
    CHECK_EQ_INT(refusal(&req, &body), 400);
    req.protocols = "chat, superchat";
    CHECK_EQ_INT(refusal(&req, &body), 101);
}

TEST(ws_codec_handshake_refusal_text)
{
    ws_handshake_request req = good_request();
    ws_handshake_reply reply;
    harper__buf out = HARPER__BUF_INIT;

    req.version = "7";
    CHECK_EQ_INT(ws_handshake(&req, NULL, 0, NULL, 0, &reply), 426);
    ws_handshake_write(&reply, &out);
    CHECK_EQ_MEM(out.data, out.len,
                 "HTTP/1.1 426 Upgrade Required\r\n"
                 "Connection: close\r\n"
                 "Content-Type: text/html\r\n"
                 "Sec-WebSocket-Version: 13\r\n"
                 "Content-Length: 47\r\n"
                 "\r\n"
                 "Missing or invalid Sec-WebSocket-Version header");
    harper__buf_free(&out);
}

TEST(ws_codec_handshake_origin)
{
    static const char *const origins[] = {"https://app.example.com", "http://localhost:3000"};
    ws_handshake_request req = good_request();
    ws_handshake_reply reply;

    CHECK_EQ_INT(ws_handshake(&req, NULL, 0, origins, 2, &reply), 101);
    req.origin = "HTTPS://APP.example.com";
    CHECK_EQ_INT(ws_handshake(&req, NULL, 0, origins, 2, &reply), 101);
    req.origin = "https://evil.example.com";
    CHECK_EQ_INT(ws_handshake(&req, NULL, 0, origins, 2, &reply), 403);
    CHECK_EQ_INT(ws_handshake(&req, NULL, 0, NULL, 0, &reply), 101);
}

TEST(ws_codec_handshake_subprotocol)
{
    static const char *const supported[] = {"mqttv3.1", "mqtt"};
    ws_handshake_request req = good_request();
    ws_handshake_reply reply;

    /* The client's order decides among the supported ones. */
    req.protocols = "chat, mqtt, mqttv3.1";
    CHECK_EQ_INT(ws_handshake(&req, supported, 2, NULL, 0, &reply), 101);
    CHECK_EQ_STR(reply.protocol, "mqtt");
    CHECK_EQ_STR(header_of(&reply, "Sec-WebSocket-Protocol"), "mqtt");
    /* No list: the first one offered, as Harper echoes it. */
    CHECK_EQ_INT(ws_handshake(&req, NULL, 0, NULL, 0, &reply), 101);
    CHECK_EQ_STR(reply.protocol, "chat");
    CHECK_EQ_STR(header_of(&reply, "Sec-WebSocket-Protocol"), "chat");
    /* Nothing in common: no header; names are compared exactly. */
    req.protocols = "chat, MQTT";
    CHECK_EQ_INT(ws_handshake(&req, supported, 2, NULL, 0, &reply), 101);
    CHECK(reply.protocol == NULL);
    CHECK(header_of(&reply, "Sec-WebSocket-Protocol") == NULL);
    CHECK_EQ_INT(reply.n_headers, 3);
    /* None offered. */
    req.protocols = NULL;
    CHECK_EQ_INT(ws_handshake(&req, supported, 2, NULL, 0, &reply), 101);
    CHECK(reply.protocol == NULL);
}

/* ---- frames: the RFC 6455 5.7 examples -------------------------------------------------- */

TEST(ws_codec_rfc_masked_hello)
{
    static const uint8_t bytes[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f,
                                    0x9f, 0x4d, 0x51, 0x58};
    ws_frame f;
    size_t used = 0;
    ws_assembler a;
    ws_event ev;
    ws_error err;
    harper__buf enc = HARPER__BUF_INIT;

    CHECK_EQ_INT(parse_bytes(bytes, sizeof bytes, 1000, &f, &used, &err), WS_PARSE_FRAME);
    CHECK_EQ_INT(used, sizeof bytes);
    CHECK(f.fin);
    CHECK_EQ_INT(f.opcode, WS_OP_TEXT);
    CHECK_EQ_INT(f.payload_len, 5);
    CHECK(f.payload == bytes + 6);
    ws_assembler_init(&a, 0);
    CHECK_EQ_INT(ws_assembler_feed(&a, &f, &ev, &err), 0);
    CHECK_EQ_INT(ev.kind, WS_EVENT_TEXT);
    CHECK_EQ_MEM(ev.data, ev.len, "Hello");
    ws_assembler_free(&a);
    /* The client encoder writes the same bytes. */
    client_text(&enc, WS_OP_TEXT, true, "Hello");
    CHECK_EQ_INT(enc.len, sizeof bytes);
    CHECK(memcmp(enc.data, bytes, sizeof bytes) == 0);
    harper__buf_free(&enc);
}

TEST(ws_codec_rfc_unmasked_hello_is_refused)
{
    static const uint8_t bytes[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    ws_frame f;
    size_t used = 0;
    ws_error err = {0, ""};
    harper__buf enc = HARPER__BUF_INIT;

    CHECK_EQ_INT(parse_bytes(bytes, sizeof bytes, 1000, &f, &used, &err), WS_PARSE_ERROR);
    CHECK_EQ_INT(err.close_code, 1002);
    CHECK_EQ_STR(err.message, "unmasked client frame");
    /* It is what the server sends. */
    CHECK_EQ_INT(ws_encode_message(&enc, WS_OP_TEXT, (const uint8_t *)"Hello", 5, 0), 0);
    CHECK_EQ_INT(enc.len, sizeof bytes);
    CHECK(memcmp(enc.data, bytes, sizeof bytes) == 0);
    harper__buf_free(&enc);
}

TEST(ws_codec_rfc_fragmented_hello)
{
    harper__buf b = HARPER__BUF_INIT;
    harper__buf enc = HARPER__BUF_INIT;
    ws_assembler a;
    ws_event ev;
    ws_error err;
    ws_frame f;
    size_t used;

    client_text(&b, WS_OP_TEXT, false, "Hel");
    CHECK_EQ_INT((uint8_t)b.data[0], 0x01);
    client_text(&b, WS_OP_CONTINUATION, true, "lo");
    CHECK_EQ_INT((uint8_t)b.data[9], 0x80);
    ws_assembler_init(&a, 0);
    CHECK_EQ_INT(ws_frame_parse((uint8_t *)b.data, b.len, 100, &f, &used, &err),
                 WS_PARSE_FRAME);
    CHECK_EQ_INT(used, 9);
    CHECK_EQ_INT(ws_assembler_feed(&a, &f, &ev, &err), 0);
    CHECK_EQ_INT(ev.kind, WS_EVENT_NONE);
    CHECK_EQ_INT(feed_all(&a, &(harper__buf){b.data + 9, b.len - 9, 0, 0}, &ev, &err),
                 WS_EVENT_TEXT);
    CHECK_EQ_MEM(ev.data, ev.len, "Hello");
    ws_assembler_free(&a);
    /* The server's fragments are the RFC's unmasked bytes. */
    CHECK_EQ_INT(ws_encode_message(&enc, WS_OP_TEXT, (const uint8_t *)"Hello", 5, 3), 0);
    CHECK_EQ_INT(enc.len, 9);
    CHECK(memcmp(enc.data, "\x01\x03Hel\x80\x02lo", 9) == 0);
    harper__buf_free(&enc);
    harper__buf_free(&b);
}

TEST(ws_codec_rfc_ping_and_pong)
{
    static const uint8_t pong[] = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f,
                                   0x9f, 0x4d, 0x51, 0x58};
    harper__buf b = HARPER__BUF_INIT;
    harper__buf reply = HARPER__BUF_INIT;
    ws_assembler a;
    ws_event ev;
    ws_error err;

    client_text(&b, WS_OP_PING, true, "Hello");
    ws_assembler_init(&a, 0);
    CHECK_EQ_INT(feed_all(&a, &b, &ev, &err), WS_EVENT_PING);
    CHECK_EQ_MEM(ev.data, ev.len, "Hello");
    /* The answer carries the same payload, unmasked. */
    CHECK_EQ_INT(ws_encode_frame(&reply, WS_OP_PONG, true, ev.data, ev.len, NULL), 0);
    CHECK_EQ_INT(reply.len, 7);
    CHECK(memcmp(reply.data, "\x8a\x05Hello", 7) == 0);
    /* The RFC's masked pong. */
    harper__buf_reset(&b);
    harper__buf_append(&b, pong, sizeof pong);
    CHECK_EQ_INT(feed_all(&a, &b, &ev, &err), WS_EVENT_PONG);
    CHECK_EQ_MEM(ev.data, ev.len, "Hello");
    ws_assembler_free(&a);
    harper__buf_free(&b);
    harper__buf_free(&reply);
}

/* Parses a masked binary frame of n bytes encoded with the given header and checks it. */
static void check_length_form(size_t n, const uint8_t *head, size_t head_len)
{
    uint8_t *payload = malloc(n);
    harper__buf server = HARPER__BUF_INIT;
    harper__buf client = HARPER__BUF_INIT;
    ws_assembler a;
    ws_event ev;
    ws_error err;

    CHECK(payload != NULL);
    for (size_t i = 0; i < n; i++)
        payload[i] = (uint8_t)(i * 7);
    CHECK_EQ_INT(ws_encode_frame(&server, WS_OP_BINARY, true, payload, n, NULL), 0);
    CHECK_EQ_INT(server.len, head_len + n);
    CHECK(memcmp(server.data, head, head_len) == 0);
    CHECK_EQ_INT(ws_encode_frame(&client, WS_OP_BINARY, true, payload, n, mask_rfc), 0);
    CHECK_EQ_INT(client.len, head_len + 4 + n);
    CHECK_EQ_INT((uint8_t)client.data[1], head[1] | 0x80);
    ws_assembler_init(&a, 0);
    CHECK_EQ_INT(feed_all(&a, &client, &ev, &err), WS_EVENT_BINARY);
    CHECK_EQ_INT(ev.len, n);
    CHECK(memcmp(ev.data, payload, n) == 0);
    ws_assembler_free(&a);
    harper__buf_free(&server);
    harper__buf_free(&client);
    free(payload);
}

TEST(ws_codec_rfc_16_and_64_bit_lengths)
{
    static const uint8_t head256[] = {0x82, 0x7e, 0x01, 0x00};
    static const uint8_t head64k[] = {0x82, 0x7f, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00};
    static const uint8_t head125[] = {0x82, 0x7d};
    static const uint8_t head126[] = {0x82, 0x7e, 0x00, 0x7e};
    static const uint8_t head65535[] = {0x82, 0x7e, 0xff, 0xff};

    check_length_form(256, head256, sizeof head256);
    check_length_form(65536, head64k, sizeof head64k);
    check_length_form(125, head125, sizeof head125);
    check_length_form(126, head126, sizeof head126);
    check_length_form(65535, head65535, sizeof head65535);
}

TEST(ws_codec_non_minimal_length_is_read)
{
    /* "Hi" with its length in the 16-bit form. */
    static const uint8_t bytes[] = {0x82, 0xfe, 0x00, 0x02, 0, 0, 0, 0, 'H', 'i'};
    ws_frame f;
    size_t used;
    ws_error err;

    CHECK_EQ_INT(parse_bytes(bytes, sizeof bytes, 10, &f, &used, &err), WS_PARSE_FRAME);
    CHECK_EQ_INT(used, sizeof bytes);
    CHECK_EQ_MEM(f.payload, f.payload_len, "Hi");
}

/* ---- frames: refusals ------------------------------------------------------------------- */

/* The parser's close code for bytes[0..len), which must be an error. */
static int parse_error(const uint8_t *bytes, size_t len, size_t max)
{
    ws_frame f;
    size_t used = 12345;
    ws_error err = {0, ""};

    CHECK_EQ_INT(ws_frame_parse(bytes, len, max, &f, &used, &err), WS_PARSE_ERROR);
    CHECK_EQ_INT(used, 12345);
    CHECK(err.message[0] != '\0');
    return err.close_code;
}

TEST(ws_codec_frame_refusals)
{
    static const uint8_t rsv1[] = {0xc1, 0x80, 0, 0, 0, 0};
    static const uint8_t rsv2[] = {0xa2, 0x80, 0, 0, 0, 0};
    static const uint8_t rsv3[] = {0x92, 0x80, 0, 0, 0, 0};
    static const uint8_t op3[] = {0x83, 0x80, 0, 0, 0, 0};
    static const uint8_t op7[] = {0x87};
    static const uint8_t opb[] = {0x8b, 0x80, 0, 0, 0, 0};
    static const uint8_t opf[] = {0x8f};
    static const uint8_t ping_no_fin[] = {0x09, 0x80, 0, 0, 0, 0};
    static const uint8_t close_no_fin[] = {0x08};
    static const uint8_t ping_126[] = {0x89, 0xfe, 0x00, 0x7e};
    static const uint8_t pong_127[] = {0x8a, 0xff};
    static const uint8_t unmasked[] = {0x82, 0x00};
    static const uint8_t top_bit[] = {0x82, 0xff, 0x80};
    static const uint8_t too_big16[] = {0x82, 0xfe, 0x01, 0x00};
    static const uint8_t too_big64[] = {0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 0};
    static const uint8_t max64[] = {0x82, 0xff, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    ws_frame f;
    size_t used;

    CHECK_EQ_INT(parse_error(rsv1, sizeof rsv1, 100), 1002);
    CHECK_EQ_INT(parse_error(rsv2, sizeof rsv2, 100), 1002);
    CHECK_EQ_INT(parse_error(rsv3, sizeof rsv3, 100), 1002);
    CHECK_EQ_INT(parse_error(op3, sizeof op3, 100), 1002);
    CHECK_EQ_INT(parse_error(op7, sizeof op7, 100), 1002);
    CHECK_EQ_INT(parse_error(opb, sizeof opb, 100), 1002);
    CHECK_EQ_INT(parse_error(opf, sizeof opf, 100), 1002);
    CHECK_EQ_INT(parse_error(ping_no_fin, sizeof ping_no_fin, 100), 1002);
    CHECK_EQ_INT(parse_error(close_no_fin, sizeof close_no_fin, 100), 1002);
    CHECK_EQ_INT(parse_error(ping_126, sizeof ping_126, 1000), 1002);
    CHECK_EQ_INT(parse_error(pong_127, sizeof pong_127, 1000), 1002);
    CHECK_EQ_INT(parse_error(unmasked, sizeof unmasked, 100), 1002);
    CHECK_EQ_INT(parse_error(top_bit, sizeof top_bit, SIZE_MAX), 1002);
    CHECK_EQ_INT(parse_error(too_big16, sizeof too_big16, 255), 1009);
    CHECK_EQ_INT(parse_error(too_big64, sizeof too_big64, 1 << 20), 1009);
    CHECK_EQ_INT(parse_error(max64, sizeof max64, 1 << 20), 1009);
    /* The largest length allowed is only waited for, when the limit allows it. */
    CHECK_EQ_INT(ws_frame_parse(max64, sizeof max64, SIZE_MAX, &f, &used, NULL),
                 sizeof(size_t) == 8 ? WS_PARSE_NEED_MORE : WS_PARSE_ERROR);
}

TEST(ws_codec_frame_limit_is_inclusive)
{
    static const uint8_t frame[] = {0x82, 0x83, 0, 0, 0, 0, 'a', 'b', 'c'};
    ws_frame f;
    size_t used;
    ws_error err;

    CHECK_EQ_INT(parse_bytes(frame, sizeof frame, 3, &f, &used, &err), WS_PARSE_FRAME);
    CHECK_EQ_INT(parse_error(frame, sizeof frame, 2), 1009);
}

/* Every prefix of a frame needs more, or fails as the whole frame does; nothing is read
 * past the prefix (ASan sees it: each prefix is a copy of its own size). */
static void check_prefixes(const uint8_t *bytes, size_t len, ws_parse_result whole)
{
    for (size_t k = 0; k < len; k++) {
        uint8_t *copy = malloc(k > 0 ? k : 1);
        ws_frame f;
        size_t used = 0;
        ws_error err = {0, ""};
        ws_parse_result r;

        CHECK(copy != NULL);
        memcpy(copy, bytes, k);
        r = ws_frame_parse(copy, k, 1 << 20, &f, &used, &err);
        free(copy);
        CHECK(r == WS_PARSE_NEED_MORE || (whole == WS_PARSE_ERROR && r == WS_PARSE_ERROR));
        CHECK_EQ_INT(used, 0);
    }
}

TEST(ws_codec_truncation_at_every_offset)
{
    static const uint8_t top_bit[] = {0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0};
    harper__buf b = HARPER__BUF_INIT;
    char big[70000];

    memset(big, 'x', sizeof big);
    client_text(&b, WS_OP_TEXT, true, "Hello");
    check_prefixes((uint8_t *)b.data, b.len, WS_PARSE_FRAME);
    harper__buf_reset(&b);
    client_frame(&b, WS_OP_BINARY, true, big, 300);
    check_prefixes((uint8_t *)b.data, b.len, WS_PARSE_FRAME);
    harper__buf_reset(&b);
    client_frame(&b, WS_OP_BINARY, true, big, sizeof big);
    check_prefixes((uint8_t *)b.data, 20, WS_PARSE_FRAME);
    harper__buf_reset(&b);
    client_frame(&b, WS_OP_CLOSE, true, "\x03\xe8" "bye", 5);
    check_prefixes((uint8_t *)b.data, b.len, WS_PARSE_FRAME);
    check_prefixes(top_bit, sizeof top_bit, WS_PARSE_ERROR);
    harper__buf_free(&b);
}

/* ---- messages --------------------------------------------------------------------------- */

TEST(ws_codec_fragment_order_refusals)
{
    harper__buf b = HARPER__BUF_INIT;

    /* A continuation with nothing to continue. */
    client_text(&b, WS_OP_CONTINUATION, true, "lo");
    CHECK_EQ_INT(error_code_of(&b, 0), 1002);
    /* A new message while one is open. */
    harper__buf_reset(&b);
    client_text(&b, WS_OP_TEXT, false, "Hel");
    client_text(&b, WS_OP_BINARY, true, "lo");
    CHECK_EQ_INT(error_code_of(&b, 0), 1002);
    harper__buf_reset(&b);
    client_text(&b, WS_OP_BINARY, false, "Hel");
    client_text(&b, WS_OP_TEXT, false, "lo");
    CHECK_EQ_INT(error_code_of(&b, 0), 1002);
    /* After a whole message, a continuation has nothing to continue either. */
    harper__buf_reset(&b);
    client_text(&b, WS_OP_TEXT, true, "Hello");
    client_text(&b, WS_OP_CONTINUATION, true, "!");
    CHECK_EQ_INT(error_code_of(&b, 0), 1002);
    /* Frames after a close. */
    harper__buf_reset(&b);
    client_frame(&b, WS_OP_CLOSE, true, "\x03\xe8", 2);
    client_text(&b, WS_OP_PING, true, "");
    CHECK_EQ_INT(error_code_of(&b, 0), 1002);
    harper__buf_free(&b);
}

TEST(ws_codec_control_frames_between_fragments)
{
    harper__buf b = HARPER__BUF_INIT;
    ws_assembler a;
    ws_event ev;
    ws_error err;

    client_text(&b, WS_OP_TEXT, false, "Hel");
    client_text(&b, WS_OP_PING, true, "p1");
    client_text(&b, WS_OP_CONTINUATION, false, "l");
    client_text(&b, WS_OP_PONG, true, "");
    client_text(&b, WS_OP_CONTINUATION, true, "o");
    ws_assembler_init(&a, 5);
    CHECK_EQ_INT(feed_all(&a, &b, &ev, &err), WS_EVENT_TEXT);
    CHECK_EQ_MEM(ev.data, ev.len, "Hello");
    /* A close in the middle of a message ends it. */
    harper__buf_reset(&b);
    client_text(&b, WS_OP_BINARY, false, "ab");
    client_frame(&b, WS_OP_CLOSE, true, "\x03\xe9", 2);
    CHECK_EQ_INT(feed_all(&a, &b, &ev, &err), WS_EVENT_CLOSE);
    CHECK_EQ_INT(ev.close_code, 1001);
    CHECK_EQ_INT(ev.echo_code, 1001);
    ws_assembler_free(&a);
    harper__buf_free(&b);
}

TEST(ws_codec_message_limit)
{
    harper__buf b = HARPER__BUF_INIT;
    ws_assembler a;
    ws_event ev;
    ws_error err = {0, ""};

    client_text(&b, WS_OP_TEXT, false, "Hel");
    client_text(&b, WS_OP_CONTINUATION, true, "lo");
    CHECK_EQ_INT(error_code_of(&b, 4), 1009);
    CHECK_EQ_INT(error_code_of(&b, 5), 0);
    /* The limit holds for each message, not for the connection. */
    client_text(&b, WS_OP_BINARY, true, "12345");
    client_text(&b, WS_OP_TEXT, true, "");
    ws_assembler_init(&a, 5);
    CHECK_EQ_INT(feed_all(&a, &b, &ev, &err), WS_EVENT_TEXT);
    CHECK_EQ_INT(ev.len, 0);
    CHECK(ev.data != NULL);
    ws_assembler_free(&a);
    harper__buf_free(&b);
}

TEST(ws_codec_utf8_across_fragments)
{
    /* U+1F600 (4 bytes) and U+00E9 (2 bytes), split at every place. */
    static const char text[] = "a\xf0\x9f\x98\x80" "b\xc3\xa9";
    size_t n = sizeof text - 1;

    for (size_t cut = 0; cut <= n; cut++) {
        harper__buf b = HARPER__BUF_INIT;
        ws_assembler a;
        ws_event ev;
        ws_error err;

        client_frame(&b, WS_OP_TEXT, false, text, cut);
        client_frame(&b, WS_OP_CONTINUATION, true, text + cut, n - cut);
        ws_assembler_init(&a, 0);
        CHECK_EQ_INT(feed_all(&a, &b, &ev, &err), WS_EVENT_TEXT);
        CHECK_EQ_INT(ev.len, n);
        CHECK(memcmp(ev.data, text, n) == 0);
        ws_assembler_free(&a);
        harper__buf_free(&b);
    }
}

TEST(ws_codec_utf8_refusals)
{
    static const char *const bad[] = {
        "\xc0\xaf",             /* overlong */
        "\xed\xa0\x80",         /* surrogate */
        "\xf4\x90\x80\x80",     /* past U+10FFFF */
        "\xff",
        "\x80",
        "ab\xe2\x82",           /* ends inside a character */
    };
    harper__buf b = HARPER__BUF_INIT;
    ws_assembler a;
    ws_event ev;
    ws_error err = {0, ""};

    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        harper__buf_reset(&b);
        client_text(&b, WS_OP_TEXT, true, bad[i]);
        CHECK_EQ_INT(error_code_of(&b, 0), 1007);
        /* Binary messages are not checked. */
        harper__buf_reset(&b);
        client_text(&b, WS_OP_BINARY, true, bad[i]);
        CHECK_EQ_INT(error_code_of(&b, 0), 0);
    }
    /* A bad byte fails at its own fragment, before the message ends. */
    harper__buf_reset(&b);
    client_text(&b, WS_OP_TEXT, false, "ok\xce");
    client_text(&b, WS_OP_CONTINUATION, false, "x");
    ws_assembler_init(&a, 0);
    CHECK_EQ_INT(feed_all(&a, &b, &ev, &err), -1);
    CHECK_EQ_INT(err.close_code, 1007);
    ws_assembler_free(&a);
    /* Split across fragments, still ends inside a character. */
    harper__buf_reset(&b);
    client_text(&b, WS_OP_TEXT, false, "\xe2");
    client_text(&b, WS_OP_CONTINUATION, true, "\x82");
    CHECK_EQ_INT(error_code_of(&b, 0), 1007);
    harper__buf_free(&b);
}

/* The event of one client close frame with payload p[0..n), or minus the error's code. The
 * event's data lives in *a, which the caller frees. */
static int close_of(ws_assembler *a, const char *p, size_t n, ws_event *ev)
{
    harper__buf b = HARPER__BUF_INIT;
    ws_error err = {0, ""};
    int rc;

    client_frame(&b, WS_OP_CLOSE, true, p, n);
    ws_assembler_free(a);
    rc = feed_all(a, &b, ev, &err);
    harper__buf_free(&b);
    return rc < 0 ? -err.close_code : rc;
}

TEST(ws_codec_close_codes)
{
    static const int valid[] = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011,
                                1012, 1013, 1014, 3000, 3003, 4000, 4999};
    static const int invalid[] = {0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000,
                                  65535};
    ws_event ev;
    ws_assembler a;

    ws_assembler_init(&a, 0);
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        char p[2] = {(char)(valid[i] >> 8), (char)valid[i]};

        CHECK_EQ_INT(close_of(&a, p, 2, &ev), WS_EVENT_CLOSE);
        CHECK_EQ_INT(ev.close_code, valid[i]);
        CHECK_EQ_INT(ev.echo_code, valid[i]);
        CHECK_EQ_INT(ev.len, 0);
        CHECK(ws_close_code_valid(valid[i]));
    }
    for (size_t i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        char p[2] = {(char)(invalid[i] >> 8), (char)invalid[i]};

        CHECK_EQ_INT(close_of(&a, p, 2, &ev), -1002);
        CHECK(!ws_close_code_valid(invalid[i]));
    }
    ws_assembler_free(&a);
}

TEST(ws_codec_close_payloads)
{
    ws_event ev;
    ws_assembler a;

    ws_assembler_init(&a, 0);
    /* No code: 1005 received, an empty close in answer. */
    CHECK_EQ_INT(close_of(&a, "", 0, &ev), WS_EVENT_CLOSE);
    CHECK_EQ_INT(ev.close_code, 1005);
    CHECK_EQ_INT(ev.echo_code, 0);
    CHECK_EQ_INT(ev.len, 0);
    CHECK_EQ_INT(close_of(&a, "\x03", 1, &ev), -1002);
    CHECK_EQ_INT(close_of(&a, "\x03\xe8" "done \xc3\xa9", 9, &ev), WS_EVENT_CLOSE);
    CHECK_EQ_INT(ev.close_code, 1000);
    CHECK_EQ_MEM(ev.data, ev.len, "done \xc3\xa9");
    CHECK_EQ_INT(close_of(&a, "\x03\xe8" "bad \xc3", 7, &ev), -1007);
    CHECK_EQ_INT(close_of(&a, "\x03\xe8" "\xed\xa0\x80", 5, &ev), -1007);
    ws_assembler_free(&a);
}

/* ---- encoding --------------------------------------------------------------------------- */

TEST(ws_codec_encode_close)
{
    harper__buf b = HARPER__BUF_INIT;
    char reason[200];

    CHECK_EQ_INT(ws_encode_close(&b, 0, "ignored", 7), 0);
    CHECK_EQ_INT(b.len, 2);
    CHECK(memcmp(b.data, "\x88\x00", 2) == 0);
    harper__buf_reset(&b);
    CHECK_EQ_INT(ws_encode_close(&b, 1011, "No resource was found to handle /x", 34), 0);
    CHECK_EQ_INT(b.len, 2 + 2 + 34);
    CHECK(memcmp(b.data, "\x88\x24\x03\xf3No resource", 15) == 0);
    harper__buf_reset(&b);
    CHECK_EQ_INT(ws_encode_close(&b, 3000, NULL, 5), 0);
    CHECK(memcmp(b.data, "\x88\x02\x0b\xb8", 4) == 0);
    /* 122 ASCII bytes then a 2-byte character: the character does not fit in 123. */
    memset(reason, 'r', 122);
    memcpy(reason + 122, "\xc3\xa9zz", 4);
    harper__buf_reset(&b);
    CHECK_EQ_INT(ws_encode_close(&b, 1000, reason, 126), 0);
    CHECK_EQ_INT(b.len, 2 + 2 + 122);
    CHECK_EQ_INT((uint8_t)b.data[1], 124);
    /* 121 then the same: it fits exactly. */
    harper__buf_reset(&b);
    CHECK_EQ_INT(ws_encode_close(&b, 1000, reason + 1, 125), 0);
    CHECK_EQ_INT((uint8_t)b.data[1], 125);
    CHECK(memcmp(b.data + 4 + 121, "\xc3\xa9", 2) == 0);
    /* Codes that may not be sent. */
    harper__buf_reset(&b);
    CHECK_EQ_INT(ws_encode_close(&b, 1005, NULL, 0), -1);
    CHECK_EQ_INT(ws_encode_close(&b, 1006, NULL, 0), -1);
    CHECK_EQ_INT(ws_encode_close(&b, 5000, NULL, 0), -1);
    CHECK_EQ_INT(b.len, 0);
    harper__buf_free(&b);
}

TEST(ws_codec_encode_refusals)
{
    harper__buf b = HARPER__BUF_INIT;
    uint8_t big[126] = {0};

    CHECK_EQ_INT(ws_encode_frame(&b, WS_OP_PING, true, big, 126, NULL), -1);
    CHECK_EQ_INT(ws_encode_frame(&b, WS_OP_PING, false, big, 1, NULL), -1);
    CHECK_EQ_INT(ws_encode_frame(&b, (ws_opcode)3, true, big, 1, NULL), -1);
    CHECK_EQ_INT(ws_encode_message(&b, WS_OP_PING, big, 1, 0), -1);
    CHECK_EQ_INT(b.len, 0);
    CHECK_EQ_INT(ws_encode_frame(&b, WS_OP_PING, true, big, 125, NULL), 0);
    CHECK_EQ_INT(b.len, 127);
    harper__buf_free(&b);
}

TEST(ws_codec_encode_fragmented_text_keeps_characters_whole)
{
    /* "é" (2 bytes) repeated: fragments of 3 bytes hold one character each. */
    static const char text[] = "\xc3\xa9\xc3\xa9\xc3\xa9x";
    harper__buf b = HARPER__BUF_INIT;
    size_t pos = 0;
    size_t n_frames = 0;

    CHECK_EQ_INT(ws_encode_message(&b, WS_OP_TEXT, (const uint8_t *)text, 7, 3), 0);
    /* Frames as the server sends them are unmasked; read their headers directly. */
    while (pos < b.len) {
        uint8_t op = (uint8_t)b.data[pos] & 0x0f;
        size_t n = (uint8_t)b.data[pos + 1];

        CHECK_EQ_INT(op, n_frames == 0 ? WS_OP_TEXT : WS_OP_CONTINUATION);
        CHECK(n >= 1 && n <= 3);
        CHECK(codec_utf8_valid(b.data + pos + 2, n));
        pos += 2 + n;
        n_frames++;
    }
    CHECK_EQ_INT(pos, b.len);
    CHECK_EQ_INT((uint8_t)b.data[0] & 0x80, 0);
    CHECK_EQ_INT(n_frames, 3);
    harper__buf_free(&b);
}
