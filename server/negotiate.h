/* negotiate.h: REST content negotiation. Pure functions of header values and paths: the
 * response type from Accept or a URL extension, how to read a request body from its
 * Content-Type, the ETag of a record version and the If-None-Match test. Writing the bodies
 * is left to the codec_*.c files and the REST handler. */
#ifndef HARPER_SERVER_NEGOTIATE_H
#define HARPER_SERVER_NEGOTIATE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

/* The response types Harper registers, with its server weights. */
typedef enum negotiate_type {
    NEGOTIATE_NOT_ACCEPTABLE = 0,   /* answer 406 with NEGOTIATE_406_BODY */
    NEGOTIATE_CBOR,                 /* application/cbor, 1.0 */
    NEGOTIATE_MSGPACK,              /* application/x-msgpack, 0.9 */
    NEGOTIATE_JSON,                 /* application/json 0.8; the any-type wildcard 0.5 */
    NEGOTIATE_EVENT_STREAM,         /* text/event-stream, 0.8 (SSE only) */
    NEGOTIATE_YAML,                 /* text/yaml, 0.7 */
    NEGOTIATE_PLAIN,                /* text/plain, 0.2 */
    NEGOTIATE_CSV,                  /* text/csv, 0.1 */
} negotiate_type;

/* The 406 body, sent as plain text with no Content-Type; the trailing ", " is Harper's. */
#define NEGOTIATE_406_BODY                                                                   \
    "ClientError: No supported content types found in Accept header, supported types "      \
    "include: application/json, application/cbor, application/x-msgpack, text/csv, "        \
    "text/plain, text/yaml, text/event-stream, application/x-www-form-urlencoded, */*, "

/* The type chosen by an Accept header value accept[0..len), as Harper chooses: the value is
 * lower-cased and split at commas; each entry is a type and `;`-separated parameters, `q`
 * read as JavaScript's Number() reads it (default 1); a registered type scores its server
 * weight times q and the highest score wins, the first of equal ones. The only wildcard known
 * is the any-type one, served as JSON; `application/` with a star is unknown. No header (accept NULL) or an empty one gives NEGOTIATE_JSON; a
 * header naming no registered type with a positive score gives NEGOTIATE_NOT_ACCEPTABLE.
 * Thread-safety: safe. */
negotiate_type negotiate_accept(const char *accept, size_t len);

/* The type a URL path's extension asks for (.json, .cbor, .msgpack, .csv in its last
 * segment), which replaces the Accept header; *stem_len is the length of the path without the
 * extension. NEGOTIATE_NOT_ACCEPTABLE (and *stem_len = len) when there is none.
 * Thread-safety: safe. */
negotiate_type negotiate_extension(const char *path, size_t len, size_t *stem_len);

/* The Content-Type of a response of type t ("application/json" for JSON), never NULL. */
const char *negotiate_type_name(negotiate_type t);

/* How a request body is read. */
typedef enum negotiate_body_kind {
    NEGOTIATE_BODY_JSON,        /* JSON text */
    NEGOTIATE_BODY_CBOR,        /* codec_cbor_decode */
    NEGOTIATE_BODY_MSGPACK,     /* codec_msgpack_decode */
    NEGOTIATE_BODY_FORM,        /* application/x-www-form-urlencoded: a flat object of strings */
    NEGOTIATE_BODY_STRING,      /* text/plain: the body is one string (negotiate_text) */
    NEGOTIATE_BODY_TEXT,        /* other text/...: {contentType, data: text} (negotiate_text) */
    NEGOTIATE_BODY_BYTES,       /* application/octet-stream: the bytes themselves */
    NEGOTIATE_BODY_TYPED,       /* any other type: {contentType, data: bytes} */
} negotiate_body_kind;

typedef struct negotiate_body {
    negotiate_body_kind kind;
    const char *type;       /* the media type without parameters, for contentType: borrowed
                             * from the header, or a static string when there is none */
    size_t type_len;
    const char *charset;    /* the charset parameter's value, or NULL */
    size_t charset_len;
} negotiate_body;

/* Classifies a body by its Content-Type value content_type[0..len) (NULL: no header), and,
 * when there is no header, by its first byte: `{` is JSON, anything else
 * {contentType: "application/octet-stream", data}. The type is compared without case and
 * with the whitespace around it ignored; parameters other than charset are ignored.
 * Thread-safety: safe. */
void negotiate_body_type(const char *content_type, size_t len, const char *body,
                         size_t body_len, negotiate_body *out);

/* Appends text[0..len) in the charset `charset`[0..charset_len) (NULL: UTF-8) to out as
 * UTF-8, as Node's Buffer.toString reads it: utf-8/utf8 with U+FFFD for malformed bytes,
 * latin1/binary/iso-8859-1, ascii/us-ascii (high bit cleared), utf-16le/utf16le/ucs-2/ucs2;
 * names without case, quotes allowed. 0, or -1 with err = "Unknown encoding: <name>" (err
 * may be NULL) for another charset and nothing appended. Thread-safety: safe. */
int negotiate_text(const char *charset, size_t charset_len, const char *text, size_t len,
                   harper__buf *out, char *err, size_t err_size);

/* Size of an ETag with its quotes and a terminating NUL. */
#define NEGOTIATE_ETAG_SIZE 13

/* Writes the ETag of a record whose version time is `version_ms` (milliseconds, a double):
 * a quote, ten characters from the bytes of the little-endian double, a quote, NUL.
 * Thread-safety: safe. */
void negotiate_etag(double version_ms, char out[NEGOTIATE_ETAG_SIZE]);

/* 1 if an If-None-Match value value[0..len) names the ETag `etag`: byte-for-byte equality, so
 * lists, W/ and * never match, as in Harper. Thread-safety: safe. */
bool negotiate_etag_matches(const char *value, size_t len, const char *etag);

#endif
