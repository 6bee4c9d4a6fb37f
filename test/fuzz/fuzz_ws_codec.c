/* fuzz_ws_codec.c: arbitrary bytes as a stream of client WebSocket frames through
 * ws_frame_parse and a ws_assembler (ws_codec.c), and, cut at NUL bytes, as the header values
 * of an upgrade request through ws_handshake.
 * Invariants: a frame lies inside the input and consumed <= len; every error carries a close
 * code a close frame may hold; a text message is valid UTF-8 (checked by codec.c, a second
 * implementation); a close event's code may be sent and its reason is UTF-8; a message sent
 * again as a client would (masked, in fragments) reads back the same, and as the server sends
 * it (unmasked, in fragments) its payloads join to the same bytes; an accepted handshake has a
 * 28-character accept value and a subprotocol the client offered. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "ws_codec.h"

#define MAX_PAYLOAD 4096
#define MAX_MESSAGE 8192

static void die(const char *what)
{
    fprintf(stderr, "fuzz_ws_codec: %s\n", what);
    abort();
}

static bool error_code_ok(int code)
{
    return code == WS_CLOSE_PROTOCOL_ERROR || code == WS_CLOSE_INVALID_PAYLOAD ||
           code == WS_CLOSE_MESSAGE_TOO_BIG || code == WS_CLOSE_INTERNAL_ERROR;
}

/* Sends msg[0..n) as a client would, in fragments of `piece` bytes (splitting characters),
 * and reads it back: the same opcode and bytes must come out. */
static void check_client_round_trip(ws_opcode op, const uint8_t *msg, size_t n, size_t piece,
                                    const uint8_t mask[4])
{
    harper__buf wire = HARPER__BUF_INIT;
    ws_assembler a;
    ws_event ev;
    ws_error err;
    size_t done = 0;
    size_t pos = 0;
    ws_opcode frame_op = op;
    int n_messages = 0;

    do {
        size_t k = n - done < piece ? n - done : piece;

        if (ws_encode_frame(&wire, frame_op, done + k == n, msg + done, k, mask) != 0)
            die("a data frame could not be encoded");
        done += k;
        frame_op = WS_OP_CONTINUATION;
    } while (done < n);
    ws_assembler_init(&a, 0);
    while (pos < wire.len) {
        ws_frame f;
        size_t used = 0;

        if (ws_frame_parse((const uint8_t *)wire.data + pos, wire.len - pos, SIZE_MAX, &f,
                           &used, &err) != WS_PARSE_FRAME)
            die("a re-encoded frame does not parse");
        if (ws_assembler_feed(&a, &f, &ev, &err) != 0)
            die("a re-encoded message is refused");
        pos += used;
        if (ev.kind != WS_EVENT_NONE) {
            n_messages++;
            if (pos != wire.len || ev.len != n || memcmp(ev.data, msg, n) != 0 ||
                ev.kind != (op == WS_OP_TEXT ? WS_EVENT_TEXT : WS_EVENT_BINARY))
                die("a re-encoded message reads back different");
        }
    }
    if (n_messages != 1)
        die("a re-encoded message did not come out once");
    ws_assembler_free(&a);
    harper__buf_free(&wire);
}

/* Sends msg[0..n) as the server does and walks the unmasked frames by hand. */
static void check_server_frames(ws_opcode op, const uint8_t *msg, size_t n, size_t max_fragment)
{
    harper__buf wire = HARPER__BUF_INIT;
    const uint8_t *w;
    size_t pos = 0;
    size_t joined = 0;
    bool fin = false;

    if (ws_encode_message(&wire, op, msg, n, max_fragment) != 0)
        die("a message could not be encoded");
    w = (const uint8_t *)wire.data;
    while (!fin) {
        size_t len;
        size_t head = 2;

        if (wire.len - pos < 2 || (w[pos + 1] & 0x80) != 0)
            die("a server frame is cut or masked");
        if ((w[pos] & 0x0f) != (pos == 0 ? (unsigned)op : WS_OP_CONTINUATION))
            die("a server fragment has the wrong opcode");
        fin = (w[pos] & 0x80) != 0;
        len = w[pos + 1] & 0x7f;
        if (len == 126) {
            len = (size_t)w[pos + 2] << 8 | w[pos + 3];
            head = 4;
        } else if (len == 127) {
            len = (size_t)harper__get_u64be(w + pos + 2);
            head = 10;
        }
        if (wire.len - pos < head + len || joined + len > n ||
            memcmp(w + pos + head, msg + joined, len) != 0)
            die("server fragments do not join to the message");
        if (op == WS_OP_TEXT && !codec_utf8_valid((const char *)w + pos + head, len))
            die("a server text fragment splits a character");
        joined += len;
        pos += head + len;
    }
    if (pos != wire.len || joined != n)
        die("server frames hold more or less than the message");
    harper__buf_free(&wire);
}

static void check_close_answer(const ws_event *ev)
{
    harper__buf wire = HARPER__BUF_INIT;
    const uint8_t *w;

    if (ev->echo_code != 0 && ev->echo_code != ev->close_code)
        die("a close echoes another code");
    if (ev->close_code != WS_CLOSE_NO_STATUS && !ws_close_code_valid(ev->close_code))
        die("a close event carries a code that may not be sent");
    if (!codec_utf8_valid((const char *)ev->data, ev->len) || ev->len > WS_MAX_CLOSE_REASON)
        die("a close reason is not UTF-8 or too long");
    if (ws_encode_close(&wire, ev->echo_code, (const char *)ev->data, ev->len) != 0)
        die("a close answer could not be encoded");
    w = (const uint8_t *)wire.data;
    if (w[0] != 0x88 || w[1] > WS_MAX_CONTROL_PAYLOAD || wire.len != 2u + w[1] ||
        (ev->echo_code == 0 && w[1] != 0) ||
        (ev->echo_code != 0 && (w[1] != ev->len + 2 || (w[2] << 8 | w[3]) != ev->echo_code ||
                                memcmp(w + 4, ev->data, ev->len) != 0)))
        die("a close answer is not the close received");
    harper__buf_free(&wire);
}

static void check_frames(const uint8_t *data, size_t size)
{
    ws_assembler a;
    size_t pos = 0;
    static const uint8_t mask[4] = {0xa5, 0x00, 0x5a, 0xff};

    ws_assembler_init(&a, MAX_MESSAGE);
    for (;;) {
        ws_frame f;
        ws_event ev;
        ws_error err = {0, ""};
        size_t used = (size_t)-1;
        ws_parse_result r = ws_frame_parse(data + pos, size - pos, MAX_PAYLOAD, &f, &used, &err);

        if (r == WS_PARSE_NEED_MORE)
            break;
        if (r == WS_PARSE_ERROR) {
            if (!error_code_ok(err.close_code) || !ws_close_code_valid(err.close_code))
                die("a parse error has no valid close code");
            break;
        }
        if (r != WS_PARSE_FRAME || used > size - pos || used < 6)
            die("a frame claims more bytes than there are");
        if (f.payload_len > MAX_PAYLOAD || f.payload < data + pos ||
            f.payload + f.payload_len != data + pos + used)
            die("a payload lies outside its frame");
        pos += used;
        if (ws_assembler_feed(&a, &f, &ev, &err) != 0) {
            if (!error_code_ok(err.close_code))
                die("an assembler error has no valid close code");
            break;
        }
        switch (ev.kind) {
        case WS_EVENT_TEXT:
        case WS_EVENT_BINARY: {
            ws_opcode op = ev.kind == WS_EVENT_TEXT ? WS_OP_TEXT : WS_OP_BINARY;

            if (ev.len > MAX_MESSAGE || ev.data == NULL)
                die("a message is over its limit");
            if (op == WS_OP_TEXT && !codec_utf8_valid((const char *)ev.data, ev.len))
                die("a text message is not UTF-8");
            check_client_round_trip(op, ev.data, ev.len, 1 + ev.len % 5, mask);
            check_server_frames(op, ev.data, ev.len, 1 + ev.len % 4);
            break;
        }
        case WS_EVENT_PING:
        case WS_EVENT_PONG:
            if (ev.len > WS_MAX_CONTROL_PAYLOAD)
                die("a control payload is over 125 bytes");
            break;
        case WS_EVENT_CLOSE:
            check_close_answer(&ev);
            break;
        case WS_EVENT_NONE:
            break;
        }
    }
    ws_assembler_free(&a);
}

/* The input cut at NULs gives the request's header values; a field of one byte 0x01 is an
 * absent header. */
static void check_handshake(const uint8_t *data, size_t size)
{
    static const char *const supported[] = {"mqtt", "chat"};
    static const char *const origins[] = {"http://localhost"};
    char *copy = malloc(size + 1);
    const char *field[8] = {NULL};
    ws_handshake_request req;
    ws_handshake_reply reply;
    size_t start = 0;
    int n_fields = 0;
    int status;

    if (copy == NULL)
        return;
    memcpy(copy, data, size);
    copy[size] = '\0';
    for (size_t i = 0; i <= size && n_fields < 8; i++) {
        if (copy[i] != '\0')
            continue;
        field[n_fields++] = strcmp(copy + start, "\x01") == 0 ? NULL : copy + start;
        start = i + 1;
    }
    req.method = field[0];
    req.http_version = field[1];
    req.upgrade = field[2];
    req.connection = field[3];
    req.version = field[4];
    req.key = field[5];
    req.protocols = field[6];
    req.origin = field[7];
    for (int pass = 0; pass < 2; pass++) {
        harper__buf text = HARPER__BUF_INIT;

        status = ws_handshake(&req, pass ? supported : NULL, pass ? 2 : 0, pass ? origins : NULL,
                              pass ? 1 : 0, &reply);
        if (status != reply.status || reply.n_headers > WS_MAX_HEADERS ||
            (status != 101 && status != 400 && status != 403 && status != 405 &&
             status != 426))
            die("a handshake gave an unknown status");
        if (status == 101) {
            if (strlen(reply.accept) != 28)
                die("an accepted handshake has no accept value");
            if (reply.protocol != NULL &&
                (req.protocols == NULL || strstr(req.protocols, reply.protocol) == NULL))
                die("a chosen subprotocol was not offered");
            if (pass && reply.protocol != NULL && strcmp(reply.protocol, "mqtt") != 0 &&
                strcmp(reply.protocol, "chat") != 0)
                die("a chosen subprotocol is not supported");
        }
        ws_handshake_write(&reply, &text);
        if (text.failed || text.len < 12 || memcmp(text.data, "HTTP/1.1 ", 9) != 0)
            die("a handshake answer was not written");
        harper__buf_free(&text);
    }
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 0)
        check_frames(data, size);
    check_handshake(data, size);
    return 0;
}
