/* ws_codec.c: RFC 6455 for the server side: the opening handshake, the frame parser, the
 * message assembler and the frame encoders (contracts in ws_codec.h). The handshake checks
 * follow the `ws` library Harper runs, so that a client sees the same refusals. Sockets,
 * timeouts and what a message means are the HTTP layer's. */
#include "ws_codec.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <mbedtls/base64.h>
#include <mbedtls/sha1.h>
#include <mbedtls/version.h>

#include "codec.h"

/* mbedTLS 3 renamed the one-shot hash; 2.x has the _ret form. */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define sha1_once mbedtls_sha1
#else
#define sha1_once mbedtls_sha1_ret
#endif

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

/* Storage for an empty message, so that an event's data is never NULL. */
static const uint8_t empty_payload[1];

static int fail(ws_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(ws_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL) {
        err->close_code = code;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return -1;
}

bool ws_close_code_valid(int code)
{
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
           (code >= 3000 && code <= 4999);
}

/* ---- the opening handshake -------------------------------------------------------------- */

static bool ows(char c)
{
    return c == ' ' || c == '\t';
}

/* The header value s without the spaces and tabs around it: *len bytes from the result, or
 * NULL (and *len 0) for a missing header. */
static const char *trim_or_null(const char *s, size_t *len)
{
    size_t n;

    *len = 0;
    if (s == NULL)
        return NULL;
    n = strlen(s);

    while (n > 0 && ows(s[0])) {
        s++;
        n--;
    }
    while (n > 0 && ows(s[n - 1]))
        n--;
    *len = n;
    return s;
}

static bool equal_nocase(const char *s, size_t n, const char *want)
{
    return strlen(want) == n && strncasecmp(s, want, n) == 0;
}

/* RFC 9110 tchar: what a token (and so a subprotocol name) is made of. */
static bool tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* The next element of a comma-separated list s[0..n) from *pos: 1 with the element (trimmed)
 * in *item, 0 at the end. A list element may be empty. */
static int list_next(const char *s, size_t n, size_t *pos, const char **item, size_t *item_len)
{
    size_t i = *pos;
    size_t start;
    size_t end;

    if (i > n)
        return 0;
    start = i;
    while (i < n && s[i] != ',')
        i++;
    end = i;
    *pos = i + 1;   /* past the comma; past n at the end of the list */
    while (start < end && ows(s[start]))
        start++;
    while (end > start && ows(s[end - 1]))
        end--;
    *item = s + start;
    *item_len = end - start;
    return 1;
}

static bool list_has_nocase(const char *s, size_t n, const char *want)
{
    size_t pos = 0;
    const char *item;
    size_t item_len;

    while (list_next(s, n, &pos, &item, &item_len))
        if (equal_nocase(item, item_len, want))
            return true;
    return false;
}

static bool is_token(const char *s, size_t n)
{
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!tchar((unsigned char)s[i]))
            return false;
    return true;
}

/* A Sec-WebSocket-Protocol value as `ws` reads it: non-empty tokens, no two alike. */
static bool protocol_list_valid(const char *s, size_t n)
{
    size_t pos = 0;
    const char *item;
    size_t item_len;

    while (list_next(s, n, &pos, &item, &item_len)) {
        size_t before = 0;
        const char *other;
        size_t other_len;

        if (!is_token(item, item_len))
            return false;
        while (list_next(s, n, &before, &other, &other_len) && other < item)
            if (other_len == item_len && memcmp(other, item, item_len) == 0)
                return false;
    }
    return true;
}

static bool base64_char(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           c == '+' || c == '/';
}

/* 22 base64 characters and "==": the only spelling of 16 bytes in base64. */
static bool key_valid(const char *s, size_t n)
{
    if (n != 24 || s[22] != '=' || s[23] != '=')
        return false;
    for (size_t i = 0; i < 22; i++)
        if (!base64_char(s[i]))
            return false;
    return true;
}

/* "HTTP/1.1" or a later 1.x; upgrades do not exist in HTTP/1.0 or HTTP/2. */
static bool http_version_valid(const char *s, size_t n)
{
    size_t i = 7;

    if (n < 8 || memcmp(s, "HTTP/1.", 7) != 0)
        return false;
    while (i < n && s[i] == '0')
        i++;
    if (i == n)
        return false;
    for (size_t k = i; k < n; k++)
        if (s[k] < '0' || s[k] > '9')
            return false;
    return true;
}

int ws_handshake_accept(const char *key, size_t len, char out[WS_ACCEPT_SIZE])
{
    static const char guid[] = WS_GUID;
    unsigned char digest[20];
    unsigned char *joined;
    size_t written = 0;
    int rc;

    out[0] = '\0';
    if (key == NULL || len > SIZE_MAX - sizeof guid)
        return -1;
    joined = malloc(len + sizeof guid);
    if (joined == NULL)
        return -1;
    memcpy(joined, key, len);
    memcpy(joined + len, guid, sizeof guid - 1);
    rc = sha1_once(joined, len + sizeof guid - 1, digest);
    free(joined);
    if (rc != 0)
        return -1;
    if (mbedtls_base64_encode((unsigned char *)out, WS_ACCEPT_SIZE, &written, digest,
                              sizeof digest) != 0 || written != WS_ACCEPT_SIZE - 1) {
        out[0] = '\0';
        return -1;
    }
    return 0;
}

static void add_header(ws_handshake_reply *out, const char *name, const char *value)
{
    if (out->n_headers < WS_MAX_HEADERS) {
        out->headers[out->n_headers].name = name;
        out->headers[out->n_headers].value = value;
        out->n_headers++;
    }
}

static int refuse(ws_handshake_reply *out, int status, const char *status_text,
                  const char *body)
{
    out->status = status;
    out->status_text = status_text;
    out->body = body;
    out->protocol = NULL;
    out->n_headers = 0;
    add_header(out, "Connection", "close");
    add_header(out, "Content-Type", "text/html");
    add_header(out, "Sec-WebSocket-Version", "13");
    return status;
}

/* Copies the first offered protocol that `supported` holds (any, when it is NULL) into
 * out->protocol_buf. */
static void choose_protocol(const char *offered, size_t n, const char *const *supported,
                            size_t n_supported, ws_handshake_reply *out)
{
    size_t pos = 0;
    const char *item;
    size_t item_len;

    while (list_next(offered, n, &pos, &item, &item_len)) {
        bool wanted = supported == NULL;

        for (size_t i = 0; !wanted && i < n_supported; i++)
            wanted = supported[i] != NULL && strlen(supported[i]) == item_len &&
                     memcmp(supported[i], item, item_len) == 0;
        if (!wanted)
            continue;
        if (item_len <= WS_MAX_PROTOCOL) {
            memcpy(out->protocol_buf, item, item_len);
            out->protocol_buf[item_len] = '\0';
            out->protocol = out->protocol_buf;
        }
        return;
    }
}

int ws_handshake(const ws_handshake_request *req, const char *const *supported,
                 size_t n_supported, const char *const *origins, size_t n_origins,
                 ws_handshake_reply *out)
{
    const char *value;
    const char *key;
    size_t n;
    size_t key_len;

    memset(out, 0, sizeof *out);
    if (req == NULL)
        return refuse(out, 400, "Bad Request", "Bad Request");
    if (req->method == NULL || strcmp(req->method, "GET") != 0)
        return refuse(out, 405, "Method Not Allowed", "Invalid HTTP method");
    value = trim_or_null(req->http_version, &n);
    if (value == NULL || !http_version_valid(value, n))
        return refuse(out, 400, "Bad Request", "Invalid HTTP version");
    value = trim_or_null(req->connection, &n);
    if (value == NULL || !list_has_nocase(value, n, "upgrade"))
        return refuse(out, 400, "Bad Request", "Invalid Connection header");
    value = trim_or_null(req->upgrade, &n);
    if (value == NULL || !equal_nocase(value, n, "websocket"))
        return refuse(out, 400, "Bad Request", "Invalid Upgrade header");
    key = trim_or_null(req->key, &key_len);
    if (key == NULL || !key_valid(key, key_len))
        return refuse(out, 400, "Bad Request", "Missing or invalid Sec-WebSocket-Key header");
    value = trim_or_null(req->version, &n);
    if (value == NULL || n != 2 || memcmp(value, "13", 2) != 0)
        return refuse(out, 426, "Upgrade Required",
                      "Missing or invalid Sec-WebSocket-Version header");
    value = trim_or_null(req->protocols, &n);
    if (value != NULL && !protocol_list_valid(value, n))
        return refuse(out, 400, "Bad Request", "Invalid Sec-WebSocket-Protocol header");
    value = trim_or_null(req->origin, &n);
    if (origins != NULL && value != NULL) {
        bool allowed = false;

        for (size_t i = 0; !allowed && i < n_origins; i++)
            allowed = origins[i] != NULL && equal_nocase(value, n, origins[i]);
        if (!allowed)
            return refuse(out, 403, "Forbidden", "Forbidden");
    }
    if (ws_handshake_accept(key, key_len, out->accept) != 0)
        return refuse(out, 500, "Internal Server Error", "Internal Server Error");

    out->status = 101;
    out->status_text = "Switching Protocols";
    out->body = "";
    add_header(out, "Upgrade", "websocket");
    add_header(out, "Connection", "Upgrade");
    add_header(out, "Sec-WebSocket-Accept", out->accept);
    value = trim_or_null(req->protocols, &n);
    if (value != NULL) {
        choose_protocol(value, n, supported, n_supported, out);
        if (out->protocol != NULL)
            add_header(out, "Sec-WebSocket-Protocol", out->protocol);
    }
    return out->status;
}

void ws_handshake_write(const ws_handshake_reply *reply, harper__buf *out)
{
    harper__buf_printf(out, "HTTP/1.1 %d %s\r\n", reply->status,
                       reply->status_text != NULL ? reply->status_text : "");
    for (size_t i = 0; i < reply->n_headers && i < WS_MAX_HEADERS; i++)
        harper__buf_printf(out, "%s: %s\r\n", reply->headers[i].name, reply->headers[i].value);
    if (reply->status != 101 && reply->body != NULL)
        harper__buf_printf(out, "Content-Length: %zu\r\n\r\n%s", strlen(reply->body),
                           reply->body);
    else
        harper__buf_str(out, "\r\n");
}

/* ---- frames ----------------------------------------------------------------------------- */

static bool opcode_known(unsigned op)
{
    return op <= WS_OP_BINARY || (op >= WS_OP_CLOSE && op <= WS_OP_PONG);
}

static bool opcode_control(unsigned op)
{
    return (op & 0x8) != 0;
}

ws_parse_result ws_frame_parse(const uint8_t *buf, size_t len, size_t max_payload,
                               ws_frame *out, size_t *consumed, ws_error *err)
{
    unsigned op;
    unsigned len7;
    size_t header;
    uint64_t payload_len;

    if (buf == NULL || len < 1)
        return WS_PARSE_NEED_MORE;
    op = buf[0] & 0x0f;
    if ((buf[0] & 0x70) != 0)
        return fail(err, WS_CLOSE_PROTOCOL_ERROR, "RSV bits set with no extension"),
               WS_PARSE_ERROR;
    if (!opcode_known(op))
        return fail(err, WS_CLOSE_PROTOCOL_ERROR, "unknown opcode 0x%x", op), WS_PARSE_ERROR;
    if (opcode_control(op) && (buf[0] & 0x80) == 0)
        return fail(err, WS_CLOSE_PROTOCOL_ERROR, "fragmented control frame"), WS_PARSE_ERROR;
    if (len < 2)
        return WS_PARSE_NEED_MORE;
    if ((buf[1] & 0x80) == 0)
        return fail(err, WS_CLOSE_PROTOCOL_ERROR, "unmasked client frame"), WS_PARSE_ERROR;
    len7 = buf[1] & 0x7f;
    if (opcode_control(op) && len7 > WS_MAX_CONTROL_PAYLOAD)
        return fail(err, WS_CLOSE_PROTOCOL_ERROR, "control frame over 125 bytes"),
               WS_PARSE_ERROR;
    if (len7 == 126) {
        if (len < 4)
            return WS_PARSE_NEED_MORE;
        payload_len = (uint64_t)buf[2] << 8 | buf[3];
        header = 4;
    } else if (len7 == 127) {
        if (len >= 3 && (buf[2] & 0x80) != 0)
            return fail(err, WS_CLOSE_PROTOCOL_ERROR, "64-bit length with its top bit set"),
                   WS_PARSE_ERROR;
        if (len < 10)
            return WS_PARSE_NEED_MORE;
        payload_len = harper__get_u64be(buf + 2);
        header = 10;
    } else {
        payload_len = len7;
        header = 2;
    }
    header += 4;    /* the mask */
    if (payload_len > max_payload || payload_len > SIZE_MAX - header)
        return fail(err, WS_CLOSE_MESSAGE_TOO_BIG, "frame of %llu bytes over the limit of %zu",
                    (unsigned long long)payload_len, max_payload),
               WS_PARSE_ERROR;
    if (len < header || len - header < payload_len)
        return WS_PARSE_NEED_MORE;

    out->fin = (buf[0] & 0x80) != 0;
    out->opcode = (ws_opcode)op;
    out->masked = true;
    memcpy(out->mask, buf + header - 4, 4);
    out->payload = buf + header;
    out->payload_len = (size_t)payload_len;
    *consumed = header + (size_t)payload_len;
    return WS_PARSE_FRAME;
}

void ws_unmask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t mask[4],
               size_t offset)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i] ^ mask[(offset + i) & 3];
}

/* ---- messages --------------------------------------------------------------------------- */

/* Buffers above this size are given back once their message has been handed out, so that one
 * large message does not pin its memory for the life of the connection. */
#define KEEP_BUFFER_BYTES 65536

void ws_assembler_init(ws_assembler *a, size_t max_message)
{
    memset(a, 0, sizeof *a);
    a->max_message = max_message;
}

void ws_assembler_free(ws_assembler *a)
{
    size_t max_message = a->max_message;

    harper__buf_free(&a->message);
    ws_assembler_init(a, max_message);
}

/* Checks p[0..n) as the next bytes of a text message, carrying a character split at the end
 * over to the next fragment in a->utf8_need/lo/hi. false at the first byte that can start or
 * continue no character. */
static bool utf8_feed(ws_assembler *a, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];

        if (a->utf8_need > 0) {
            if (c < a->utf8_lo || c > a->utf8_hi)
                return false;
            a->utf8_need--;
            a->utf8_lo = 0x80;
            a->utf8_hi = 0xbf;
            continue;
        }
        if (c < 0x80)
            continue;
        a->utf8_lo = 0x80;
        a->utf8_hi = 0xbf;
        /* The second byte's range is what rules out overlong forms, surrogates and code
         * points past U+10FFFF. */
        if (c >= 0xc2 && c <= 0xdf) {
            a->utf8_need = 1;
        } else if (c >= 0xe0 && c <= 0xef) {
            a->utf8_need = 2;
            if (c == 0xe0)
                a->utf8_lo = 0xa0;
            else if (c == 0xed)
                a->utf8_hi = 0x9f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            a->utf8_need = 3;
            if (c == 0xf0)
                a->utf8_lo = 0x90;
            else if (c == 0xf4)
                a->utf8_hi = 0x8f;
        } else {
            return false;
        }
    }
    return true;
}

/* Ends the assembler's life for this connection: after an error nothing more is read. */
static int broken(ws_assembler *a)
{
    a->done = true;
    a->message_opcode = 0;
    return -1;
}

static int take_fragment(ws_assembler *a, const ws_frame *f, ws_event *ev, ws_error *err)
{
    uint8_t *dst;

    if (a->max_message != 0 && f->payload_len > a->max_message - a->message.len)
        return fail(err, WS_CLOSE_MESSAGE_TOO_BIG, "message over the limit of %zu bytes",
                    a->max_message), broken(a);
    dst = (uint8_t *)harper__buf_reserve(&a->message, f->payload_len);
    if (dst == NULL)
        return fail(err, WS_CLOSE_INTERNAL_ERROR, "out of memory for a message"), broken(a);
    if (f->masked)
        ws_unmask(dst, f->payload, f->payload_len, f->mask, 0);
    else if (f->payload_len > 0)
        memcpy(dst, f->payload, f->payload_len);
    if (a->message_opcode == WS_OP_TEXT && !utf8_feed(a, dst, f->payload_len))
        return fail(err, WS_CLOSE_INVALID_PAYLOAD, "text message is not UTF-8"), broken(a);
    a->message.len += f->payload_len;
    if (!f->fin)
        return 0;
    if (a->message_opcode == WS_OP_TEXT && a->utf8_need > 0)
        return fail(err, WS_CLOSE_INVALID_PAYLOAD, "text message ends inside a character"),
               broken(a);
    ev->kind = a->message_opcode == WS_OP_TEXT ? WS_EVENT_TEXT : WS_EVENT_BINARY;
    ev->data = a->message.len > 0 ? (const uint8_t *)a->message.data : empty_payload;
    ev->len = a->message.len;
    a->message_opcode = 0;
    a->delivered = true;
    return 0;
}

static int take_close(ws_assembler *a, size_t n, ws_event *ev, ws_error *err)
{
    int code;

    a->done = true;
    ev->kind = WS_EVENT_CLOSE;
    ev->data = a->control;
    ev->len = 0;
    ev->close_code = WS_CLOSE_NO_STATUS;
    ev->echo_code = 0;
    if (n == 0)
        return 0;
    if (n == 1)
        return fail(err, WS_CLOSE_PROTOCOL_ERROR, "close frame with a 1-byte payload"),
               broken(a);
    code = a->control[0] << 8 | a->control[1];
    if (!ws_close_code_valid(code))
        return fail(err, WS_CLOSE_PROTOCOL_ERROR, "invalid close code %d", code), broken(a);
    if (!codec_utf8_valid((const char *)a->control + 2, n - 2))
        return fail(err, WS_CLOSE_INVALID_PAYLOAD, "close reason is not UTF-8"), broken(a);
    ev->data = a->control + 2;
    ev->len = n - 2;
    ev->close_code = code;
    ev->echo_code = code;
    return 0;
}

int ws_assembler_feed(ws_assembler *a, const ws_frame *f, ws_event *ev, ws_error *err)
{
    memset(ev, 0, sizeof *ev);
    ev->data = empty_payload;
    if (a->delivered) {
        if (a->message.cap > KEEP_BUFFER_BYTES)
            harper__buf_free(&a->message);
        harper__buf_reset(&a->message);
        a->delivered = false;
    }
    if (a->done)
        return fail(err, WS_CLOSE_PROTOCOL_ERROR, "frame after the close"), broken(a);
    if (f->payload_len > 0 && f->payload == NULL)
        return fail(err, WS_CLOSE_INTERNAL_ERROR, "frame without its payload"), broken(a);

    switch (f->opcode) {
    case WS_OP_TEXT:
    case WS_OP_BINARY:
        if (a->message_opcode != 0)
            return fail(err, WS_CLOSE_PROTOCOL_ERROR, "new message before the last one ended"),
                   broken(a);
        harper__buf_reset(&a->message);
        a->message_opcode = f->opcode;
        a->utf8_need = 0;
        return take_fragment(a, f, ev, err);
    case WS_OP_CONTINUATION:
        if (a->message_opcode == 0)
            return fail(err, WS_CLOSE_PROTOCOL_ERROR, "continuation with no message open"),
                   broken(a);
        return take_fragment(a, f, ev, err);
    case WS_OP_CLOSE:
    case WS_OP_PING:
    case WS_OP_PONG:
        /* The parser enforces both, but a frame may come from elsewhere. */
        if (!f->fin || f->payload_len > WS_MAX_CONTROL_PAYLOAD)
            return fail(err, WS_CLOSE_PROTOCOL_ERROR, "malformed control frame"), broken(a);
        if (f->masked)
            ws_unmask(a->control, f->payload, f->payload_len, f->mask, 0);
        else if (f->payload_len > 0)
            memcpy(a->control, f->payload, f->payload_len);
        if (f->opcode == WS_OP_CLOSE)
            return take_close(a, f->payload_len, ev, err);
        ev->kind = f->opcode == WS_OP_PING ? WS_EVENT_PING : WS_EVENT_PONG;
        ev->data = a->control;
        ev->len = f->payload_len;
        return 0;
    }
    return fail(err, WS_CLOSE_PROTOCOL_ERROR, "unknown opcode 0x%x", (unsigned)f->opcode),
           broken(a);
}

/* ---- writing frames --------------------------------------------------------------------- */

int ws_encode_frame(harper__buf *out, ws_opcode opcode, bool fin, const uint8_t *payload,
                    size_t len, const uint8_t *mask)
{
    uint8_t head[14];
    size_t head_len = 2;
    uint8_t *dst;

    if (!opcode_known((unsigned)opcode) || (len > 0 && payload == NULL))
        return -1;
    if (opcode_control((unsigned)opcode) && (!fin || len > WS_MAX_CONTROL_PAYLOAD))
        return -1;
    head[0] = (uint8_t)((fin ? 0x80 : 0) | (unsigned)opcode);
    if (len < 126) {
        head[1] = (uint8_t)len;
    } else if (len <= 0xffff) {
        head[1] = 126;
        head[2] = (uint8_t)(len >> 8);
        head[3] = (uint8_t)len;
        head_len = 4;
    } else {
        head[1] = 127;
        harper__put_u64be(head + 2, (uint64_t)len);
        head_len = 10;
    }
    if (mask != NULL) {
        head[1] |= 0x80;
        memcpy(head + head_len, mask, 4);
        head_len += 4;
    }
    if (len > SIZE_MAX / 2 - head_len) {
        out->failed = 1;
        return -1;
    }
    dst = (uint8_t *)harper__buf_reserve(out, head_len + len);
    if (dst == NULL)
        return -1;
    memcpy(dst, head, head_len);
    if (mask != NULL)
        ws_unmask(dst + head_len, payload, len, mask, 0);
    else if (len > 0)
        memcpy(dst + head_len, payload, len);
    out->len += head_len + len;
    return 0;
}

/* Where a text fragment of at most `room` bytes from data[0..n) should end: after the last
 * character that fits, or after the first one when even it does not. */
static size_t text_cut(const uint8_t *data, size_t n, size_t room)
{
    size_t cut = room;

    if (cut >= n)
        return n;
    while (cut > 0 && (data[cut] & 0xc0) == 0x80)
        cut--;
    if (cut > 0)
        return cut;
    cut = 1;
    while (cut < n && (data[cut] & 0xc0) == 0x80)
        cut++;
    return cut;
}

int ws_encode_message(harper__buf *out, ws_opcode opcode, const uint8_t *data, size_t len,
                      size_t max_fragment)
{
    size_t start_len = out->len;
    size_t done = 0;
    ws_opcode op = opcode;

    if (opcode != WS_OP_TEXT && opcode != WS_OP_BINARY)
        return -1;
    if (max_fragment == 0 || len <= max_fragment)
        return ws_encode_frame(out, opcode, true, data, len, NULL);
    while (done < len) {
        size_t n = len - done;

        if (n > max_fragment)
            n = opcode == WS_OP_TEXT ? text_cut(data + done, n, max_fragment) : max_fragment;
        if (ws_encode_frame(out, op, done + n == len, data + done, n, NULL) != 0) {
            out->len = start_len;
            return -1;
        }
        done += n;
        op = WS_OP_CONTINUATION;
    }
    return 0;
}

int ws_encode_close(harper__buf *out, int code, const char *reason, size_t len)
{
    uint8_t payload[WS_MAX_CONTROL_PAYLOAD];

    if (code == 0)
        return ws_encode_frame(out, WS_OP_CLOSE, true, NULL, 0, NULL);
    if (!ws_close_code_valid(code))
        return -1;
    if (reason == NULL)
        len = 0;
    if (len > WS_MAX_CLOSE_REASON)
        len = text_cut((const uint8_t *)reason, len, WS_MAX_CLOSE_REASON);
    /* A first character longer than the room left would still not fit. */
    if (len > WS_MAX_CLOSE_REASON)
        len = 0;
    payload[0] = (uint8_t)(code >> 8);
    payload[1] = (uint8_t)code;
    if (len > 0)
        memcpy(payload + 2, reason, len);
    return ws_encode_frame(out, WS_OP_CLOSE, true, payload, len + 2, NULL);
}
