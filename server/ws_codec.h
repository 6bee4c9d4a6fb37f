/* ws_codec.h: the server side of the WebSocket protocol (RFC 6455) as pure functions: the
 * opening handshake (checking an upgrade request's header values, the Sec-WebSocket-Accept
 * value, the subprotocol, the 101 or refusal answer), a frame parser over a byte buffer, a
 * message assembler that joins fragments and checks what RFC 6455 asks of each message, and
 * the encoders of the frames a server sends. No sockets, no globals, no extension (a
 * permessage-deflate offer is ignored, so RSV bits are always an error).
 *
 * Reading, in the caller's loop:
 *
 *   while ((r = ws_frame_parse(in, len, max, &f, &used, &err)) == WS_PARSE_FRAME) {
 *       if (ws_assembler_feed(&a, &f, &ev, &err) != 0) -> send ws_encode_close(err.close_code)
 *       else act on ev (a message, a ping to answer, a close to echo); in += used; len -= used;
 *   }
 *   r == WS_PARSE_NEED_MORE: read more bytes; r == WS_PARSE_ERROR: close with err.close_code.
 *
 * A frame is returned only once all of its payload is in the buffer, so a connection buffers
 * up to one whole frame (bounded by max_payload). The parser leaves the payload masked in the
 * caller's buffer; the assembler unmasks it into its own storage.
 *
 * The connection itself (reading, writing, timeouts, closing the socket after the close
 * handshake), routing by subprotocol and subscriptions belong to the HTTP layer, not here. */
#ifndef HARPER_SERVER_WS_CODEC_H
#define HARPER_SERVER_WS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* Close codes (RFC 6455 7.4.1) this codec gives or that Harper sends. */
#define WS_CLOSE_NORMAL 1000
#define WS_CLOSE_GOING_AWAY 1001
#define WS_CLOSE_PROTOCOL_ERROR 1002
#define WS_CLOSE_UNSUPPORTED_DATA 1003
#define WS_CLOSE_NO_STATUS 1005          /* never on the wire: a close frame without a code */
#define WS_CLOSE_ABNORMAL 1006           /* never on the wire: the connection dropped */
#define WS_CLOSE_INVALID_PAYLOAD 1007
#define WS_CLOSE_POLICY_VIOLATION 1008
#define WS_CLOSE_MESSAGE_TOO_BIG 1009
#define WS_CLOSE_INTERNAL_ERROR 1011
#define WS_CLOSE_HARPER_MUST_LOGIN 3000  /* Harper's answer to a 401 */
#define WS_CLOSE_HARPER_FORBIDDEN 3003   /* Harper's answer to a 403 */

/* The longest control frame payload, and so of a close reason after its 2-byte code. */
#define WS_MAX_CONTROL_PAYLOAD 125
#define WS_MAX_CLOSE_REASON 123

typedef enum ws_opcode {
    WS_OP_CONTINUATION = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xa,
} ws_opcode;

/* Why the peer's bytes were refused: the code to close with and a short English message (for
 * the log; not meant as the close reason, though it may serve as one). */
typedef struct ws_error {
    int close_code;         /* 1002, 1007 or 1009 from the parser and assembler */
    char message[96];       /* always NUL-terminated */
} ws_error;

/* 1 if `code` may appear in a close frame: 1000-1003, 1007-1014 and 3000-4999. */
bool ws_close_code_valid(int code);

/* ---- the opening handshake -------------------------------------------------------------- */

/* An upgrade request's header values, each NUL-terminated, NULL when the header is absent (a
 * header sent several times is given joined with ", ", as HTTP allows). Spaces and tabs
 * around a value are ignored. */
typedef struct ws_handshake_request {
    const char *method;         /* "GET" */
    const char *http_version;   /* "HTTP/1.1" */
    const char *upgrade;        /* "websocket", any case */
    const char *connection;     /* a token list holding "Upgrade", any case */
    const char *version;        /* Sec-WebSocket-Version: "13" */
    const char *key;            /* Sec-WebSocket-Key: base64 of 16 bytes */
    const char *protocols;      /* Sec-WebSocket-Protocol: "mqtt, other" or NULL */
    const char *origin;         /* Origin, or NULL (clients other than browsers send none) */
} ws_handshake_request;

typedef struct ws_header {
    const char *name;
    const char *value;
} ws_header;

#define WS_ACCEPT_SIZE 29   /* 28 base64 characters and a NUL */
#define WS_MAX_HEADERS 5
#define WS_MAX_PROTOCOL 127 /* the longest subprotocol name ws_handshake can choose */

/* The answer to an upgrade request. Its header values may point into the reply itself (the
 * accept value) and into the request and the supported list, so it is read in place, while
 * both live, and never copied. */
typedef struct ws_handshake_reply {
    int status;                 /* 101, or 400, 403, 405, 426 */
    const char *status_text;    /* "Switching Protocols", "Bad Request", ... */
    const char *protocol;       /* the chosen subprotocol (101 only) in protocol_buf, or NULL */
    const char *body;           /* the text body of a refusal (static), "" for 101 */
    ws_header headers[WS_MAX_HEADERS];
    size_t n_headers;
    char accept[WS_ACCEPT_SIZE];
    char protocol_buf[WS_MAX_PROTOCOL + 1];
} ws_handshake_reply;

/* Writes the Sec-WebSocket-Accept value for the key key[0..len) (as sent, base64): the base64
 * of the SHA-1 of the key followed by the protocol's GUID. 0, or -1 if hashing failed.
 * Thread-safety: safe. */
int ws_handshake_accept(const char *key, size_t len, char out[WS_ACCEPT_SIZE]);

/* Checks an upgrade request and fills *out with the answer. The checks and their refusals
 * follow the `ws` library Harper runs, one by one: a method other than GET is 405 ("Invalid
 * HTTP method"); an HTTP version before 1.1, a Connection without the `upgrade` token, an
 * Upgrade other than `websocket`, a key that is not 22 base64 characters and "==" are 400;
 * a version other than 13 is 426 (RFC 6455 4.4, where `ws` answers 400), and every refusal
 * carries Sec-WebSocket-Version: 13 and Connection: close. A Sec-WebSocket-Protocol that is
 * not a comma-separated list of distinct tokens is 400. An Origin outside `origins` (a list
 * of n_origins exact values, compared without case; NULL: any) is 403; a request without
 * Origin is let through, as only browsers send one.
 *
 * The subprotocol is the first one the client offers that is in supported[0..n_supported)
 * (exact comparison); with supported NULL it is the first one offered, as Harper answers; no
 * match (or a name over WS_MAX_PROTOCOL bytes): no Sec-WebSocket-Protocol in the answer.
 * Returns out->status. Thread-safety: safe. */
int ws_handshake(const ws_handshake_request *req, const char *const *supported,
                 size_t n_supported, const char *const *origins, size_t n_origins,
                 ws_handshake_reply *out);

/* Appends the whole HTTP/1.1 answer of `reply` (status line, headers, Content-Length and the
 * body of a refusal) to out, for a server that writes its own bytes. Allocation failure:
 * out->failed. Thread-safety: safe. */
void ws_handshake_write(const ws_handshake_reply *reply, harper__buf *out);

/* ---- frames ----------------------------------------------------------------------------- */

typedef struct ws_frame {
    bool fin;
    ws_opcode opcode;
    bool masked;                /* always true for a frame the parser returns */
    uint8_t mask[4];
    const uint8_t *payload;     /* in the parsed buffer, still masked; valid while it is */
    size_t payload_len;
} ws_frame;

typedef enum ws_parse_result {
    WS_PARSE_ERROR = -1,        /* err says why and the code to close with */
    WS_PARSE_NEED_MORE = 0,     /* the buffer holds no whole frame yet; nothing consumed */
    WS_PARSE_FRAME = 1,         /* *out is a frame of *consumed bytes */
} ws_parse_result;

/* Reads one client frame at the start of buf[0..len). A frame is refused as soon as its
 * first bytes show it wrong, before the rest arrives: RSV bits set, an unknown opcode, a
 * fragmented control frame or one over 125 bytes, an unmasked frame, a 64-bit length with
 * its top bit set (all 1002); a payload over max_payload (1009). Lengths need not use their
 * shortest form. *consumed is set only for a frame, err (may be NULL) only for an error.
 * Thread-safety: safe. */
ws_parse_result ws_frame_parse(const uint8_t *buf, size_t len, size_t max_payload,
                               ws_frame *out, size_t *consumed, ws_error *err);

/* Applies mask to src[0..n) into dst (dst == src allowed); `offset` is the position of src[0]
 * in the payload, so a payload may be unmasked in pieces. Thread-safety: safe. */
void ws_unmask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t mask[4],
               size_t offset);

/* ---- messages --------------------------------------------------------------------------- */

typedef enum ws_event_kind {
    WS_EVENT_NONE = 0,      /* a fragment was taken in; the message is not complete yet */
    WS_EVENT_TEXT,          /* a whole text message, valid UTF-8 */
    WS_EVENT_BINARY,        /* a whole binary message */
    WS_EVENT_PING,          /* answer with a pong of the same payload (ws_encode_frame) */
    WS_EVENT_PONG,          /* nothing to do */
    WS_EVENT_CLOSE,         /* answer with ws_encode_close(echo_code, reason) then close */
} ws_event_kind;

/* What a frame completed. data[0..len) (unmasked) belongs to the assembler and is valid until
 * its next feed, reset or free. */
typedef struct ws_event {
    ws_event_kind kind;
    const uint8_t *data;    /* the message, the ping or pong payload, or the close reason */
    size_t len;
    int close_code;         /* WS_EVENT_CLOSE: the code received, 1005 when none came */
    int echo_code;          /* WS_EVENT_CLOSE: the code to answer with; 0 (an empty close
                             * frame) when none came, as `ws` answers */
} ws_event;

/* The state of one connection's incoming messages. Zero it, or use ws_assembler_init. */
typedef struct ws_assembler {
    size_t max_message;         /* largest whole message in bytes; 0: no limit */
    ws_opcode message_opcode;   /* TEXT or BINARY while a fragmented message is open, else 0 */
    harper__buf message;        /* the fragments so far, unmasked */
    uint8_t utf8_need;          /* continuation bytes the last text fragment left owed */
    uint8_t utf8_lo;            /* the range the next continuation byte must fall in */
    uint8_t utf8_hi;
    bool done;                  /* a close frame or an error came: later frames are errors */
    bool delivered;             /* `message` holds a message handed out by the last feed */
    uint8_t control[WS_MAX_CONTROL_PAYLOAD];
} ws_assembler;

/* Sets a to no message in progress and a limit of max_message bytes (0: none). */
void ws_assembler_init(ws_assembler *a, size_t max_message);

/* Releases what a holds and leaves it as ws_assembler_init left it. */
void ws_assembler_free(ws_assembler *a);

/* Takes in one frame from ws_frame_parse and says in *ev what it completed. 0, or -1 with err
 * (may be NULL) set, after which the connection is to be closed with err->close_code: a
 * continuation with no message open, or a data frame while one is open (1002); a message
 * over max_message (1009); text that is not UTF-8, checked fragment by fragment so that a
 * character split across fragments is fine but a bad byte fails at once (1007); a close
 * frame with a 1-byte payload or a code that may not be sent (1002) or a reason that is not
 * UTF-8 (1007); any frame after a close (1002); out of memory (1011). Control frames may come
 * between the fragments of a message. Thread-safety: per assembler. */
int ws_assembler_feed(ws_assembler *a, const ws_frame *f, ws_event *ev, ws_error *err);

/* ---- writing server frames (unmasked) --------------------------------------------------- */

/* Appends one frame: opcode, FIN, payload[0..len). mask NULL gives a server frame; a 4-byte
 * mask gives a masked one, as a client sends (for tests). 0, or -1 for a control frame that
 * is fragmented or over 125 bytes or an opcode RFC 6455 does not define (out unchanged), or
 * out of memory (out->failed set, its bytes unchanged). The same holds for the two
 * functions below. Thread-safety: safe. */
int ws_encode_frame(harper__buf *out, ws_opcode opcode, bool fin, const uint8_t *payload,
                    size_t len, const uint8_t *mask);

/* Appends a text or binary message as frames of at most max_fragment payload bytes each (0:
 * one frame). A text message is cut only between characters, so that each fragment is valid
 * UTF-8 by itself when the message is (a character longer than max_fragment stays whole).
 * Thread-safety: safe. */
int ws_encode_message(harper__buf *out, ws_opcode opcode, const uint8_t *data, size_t len,
                      size_t max_fragment);

/* Appends a close frame with `code` and reason[0..len), the reason cut at a character
 * boundary to WS_MAX_CLOSE_REASON bytes; code 0 gives an empty payload (and the reason is
 * left out); -1 for a code ws_close_code_valid refuses. Thread-safety: safe. */
int ws_encode_close(harper__buf *out, int code, const char *reason, size_t len);

#endif
