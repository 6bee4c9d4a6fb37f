/* rest_out.c: REST response bodies in the negotiated type. Records are stored as JSON text,
 * so a JSON answer is those bytes; CBOR and MessagePack are transcoded from the text, CSV
 * goes through a tree. A collection streams: the cursor stays open with the response and
 * rows are encoded a chunk at a time as the connection takes them, so memory stays flat
 * whatever the size of the result. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec_cbor.h"
#include "codec_csv.h"
#include "codec_msgpack.h"
#include "json.h"
#include "rest.h"

/* How much encoded text a stream gathers before handing it on. */
#define CHUNK 32768

struct rest_stream {
    harper_query *q;
    harper_cursor *c;
    negotiate_type type;
    bool select_one;
    int state;                  /* 0: before the first row, 1: rows, 2: done */
    size_t n_rows;
    harper__buf pending;
    size_t sent;                /* of pending */
    codec_csv csv;
    char **columns;
    size_t n_columns;
    rest_row_map map;
    void *map_ctx;
    void (*map_free)(void *);
    harper__buf mapped;
};

void rest_header(rest_response *out, const char *name, const char *fmt, ...)
{
    va_list ap;

    if (out->n_headers == REST_MAX_HEADERS)
        return;
    out->headers[out->n_headers].name = name;
    va_start(ap, fmt);
    vsnprintf(out->headers[out->n_headers].value, sizeof out->headers[0].value, fmt, ap);
    va_end(ap);
    out->n_headers++;
}

void rest_response_clear(rest_response *r)
{
    harper__buf_free(&r->body);
}

static const char *content_type(negotiate_type type)
{
    return type == NEGOTIATE_CBOR || type == NEGOTIATE_MSGPACK || type == NEGOTIATE_CSV
               ? negotiate_type_name(type)
               : "application/json";
}

/* Appends one JSON value given as text, in `type`; for CSV `csv` is the open stream. */
static int encode(negotiate_type type, const char *json, size_t len, harper__buf *out,
                  codec_csv *csv)
{
    cJSON *tree;
    int rc;

    switch (type) {
    case NEGOTIATE_CBOR: return codec_cbor_encode_json(json, len, out, NULL, 0);
    case NEGOTIATE_MSGPACK: return codec_msgpack_encode_json(json, len, out, NULL, 0);
    case NEGOTIATE_CSV:
        tree = cJSON_ParseWithLength(json, len);
        if (tree == NULL)
            return -1;
        rc = csv != NULL ? codec_csv_row(csv, tree) : codec_csv_write(tree, NULL, 0, out);
        cJSON_Delete(tree);
        return rc;
    default:
        harper__buf_append(out, json, len);
        return out->failed ? -1 : 0;
    }
}

void rest_error(rest_response *out, negotiate_type type, int status, const char *cls,
                const char *fmt, ...)
{
    harper__buf text = HARPER__BUF_INIT;
    harper__buf json = HARPER__BUF_INIT;
    char message[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    harper__buf_printf(&text, "%s%s%s", cls != NULL ? cls : "", cls != NULL ? ": " : "",
                       message);
    harper__json_string(&json, text.data != NULL ? text.data : "", text.len);
    harper__buf_reset(&out->body);
    if (type == NEGOTIATE_CSV || type == NEGOTIATE_NOT_ACCEPTABLE)
        type = NEGOTIATE_JSON;
    out->status = status;
    out->content_type = content_type(type);
    out->has_body = encode(type, json.data, json.len, &out->body, NULL) == 0;
    rest_header(out, "Vary", "Accept, Accept-Encoding");
    harper__buf_free(&text);
    harper__buf_free(&json);
}

int rest_body_json(rest_response *out, negotiate_type type, const char *json, size_t len)
{
    harper__buf_reset(&out->body);
    if (encode(type, json, len, &out->body, NULL) != 0) {
        rest_error(out, NEGOTIATE_JSON, 500, "Error", "cannot encode the response");
        return -1;
    }
    out->content_type = content_type(type);
    out->has_body = true;
    rest_header(out, "Vary", "Accept, Accept-Encoding");
    if (type == NEGOTIATE_CSV)
        rest_header(out, "Content-Disposition", "%s", CODEC_CSV_DISPOSITION);
    return 0;
}

/* The value of a one-key projected row `{"name":value}`, which our writer printed without
 * blanks. */
static void bare_value(const char **json, size_t *len)
{
    const char *p = *json + 2;
    const char *end = *json + *len;

    while (p < end && *p != '"')
        p += *p == '\\' ? 2 : 1;
    if (p + 2 < end && p[1] == ':' && end[-1] == '}') {
        *json = p + 2;
        *len = (size_t)(end - 1 - (p + 2));
    }
}

/* Encodes rows into s->pending until a chunk is ready or the rows end. */
static void fill(rest_stream *s)
{
    harper_error herr;
    const char *row;
    size_t len;

    if (s->state == 0) {
        if (s->type == NEGOTIATE_CBOR)
            codec_cbor_collection_begin(&s->pending);
        else if (s->type == NEGOTIATE_CSV)
            codec_csv_begin(&s->csv, &s->pending, (const char *const *)s->columns,
                            s->n_columns);
        else if (s->type != NEGOTIATE_MSGPACK)
            harper__buf_byte(&s->pending, '[');
        s->state = 1;
    }
    while (s->state == 1 && s->pending.len - s->sent < CHUNK) {
        int rc = harper_cursor_next(s->c, &row, &len, &herr);

        if (rc == 1 && s->map != NULL) {
            harper__buf_reset(&s->mapped);
            if (s->map(s->map_ctx, row, len, &s->mapped) != 0) {
                snprintf(herr.message, sizeof herr.message, "cannot read related records");
                rc = -1;
            }
            row = s->mapped.data;
            len = s->mapped.len;
        }
        if (rc == 1) {
            bool json = s->type != NEGOTIATE_CBOR && s->type != NEGOTIATE_MSGPACK &&
                        s->type != NEGOTIATE_CSV;

            if (s->select_one && s->map == NULL)
                bare_value(&row, &len);
            if (json && s->n_rows > 0)
                harper__buf_byte(&s->pending, ',');
            if (encode(s->type, row, len, &s->pending, &s->csv) == 0) {
                s->n_rows++;
                continue;
            }
            snprintf(herr.message, sizeof herr.message, "cannot encode a record");
            rc = -1;
        }
        if (rc < 0) {
            /* The status is sent: the error becomes the last element, as Harper does. */
            harper__buf err = HARPER__BUF_INIT;
            harper__buf text = HARPER__BUF_INIT;

            harper__buf_str(&text, "{\"error\":");
            harper__buf_printf(&err, "Error: %s", herr.message);
            harper__json_string(&text, err.data != NULL ? err.data : "", err.len);
            harper__buf_byte(&text, '}');
            if (s->type != NEGOTIATE_CSV && s->n_rows > 0 && s->type == NEGOTIATE_JSON)
                harper__buf_byte(&s->pending, ',');
            if (s->type != NEGOTIATE_CSV)
                encode(s->type, text.data, text.len, &s->pending, NULL);
            harper__buf_free(&err);
            harper__buf_free(&text);
        }
        if (s->type == NEGOTIATE_CBOR)
            codec_cbor_collection_end(&s->pending);
        else if (s->type == NEGOTIATE_CSV)
            codec_csv_end(&s->csv);
        else if (s->type != NEGOTIATE_MSGPACK)
            harper__buf_byte(&s->pending, ']');
        s->state = 2;
    }
}

ssize_t rest_stream_read(rest_stream *s, char *buf, size_t max)
{
    size_t n;

    if (s->sent == s->pending.len) {
        harper__buf_reset(&s->pending);
        s->sent = 0;
        if (s->state == 2)
            return -1;
        fill(s);
        if (s->pending.failed)
            return -1;
    }
    n = s->pending.len - s->sent;
    if (n > max)
        n = max;
    memcpy(buf, s->pending.data + s->sent, n);
    s->sent += n;
    return (ssize_t)n;
}

void rest_stream_free(rest_stream *s)
{
    if (s == NULL)
        return;
    if (s->state == 1 && s->type == NEGOTIATE_CSV)
        codec_csv_end(&s->csv);
    harper_cursor_close(s->c);
    harper_query_free(s->q);
    harper__buf_free(&s->pending);
    harper__buf_free(&s->mapped);
    if (s->map_free != NULL)
        s->map_free(s->map_ctx);
    for (size_t i = 0; i < s->n_columns; i++)
        free(s->columns[i]);
    free(s->columns);
    free(s);
}

int rest_body_rows(rest_response *out, negotiate_type type, harper_query *q, bool select_one,
                   const char *const *columns, size_t n_columns, rest_row_map map,
                   void *map_ctx, void (*map_free)(void *))
{
    rest_stream *s = calloc(1, sizeof *s);
    harper_error herr;

    if (s == NULL) {
        if (map_free != NULL)
            map_free(map_ctx);
        harper_query_free(q);
        rest_error(out, NEGOTIATE_JSON, 500, "Error", "out of memory");
        return -1;
    }
    s->q = q;
    s->map = map;
    s->map_ctx = map_ctx;
    s->map_free = map_free;
    s->type = type == NEGOTIATE_CBOR || type == NEGOTIATE_MSGPACK || type == NEGOTIATE_CSV
                  ? type
                  : NEGOTIATE_JSON;
    s->select_one = select_one;
    if (harper_cursor_open(q, &s->c, &herr) != HARPER_OK) {
        int status = herr.code == HARPER_ENOATTR ? 404 : herr.code == HARPER_ENOMEM ? 500 : 400;

        rest_stream_free(s);
        rest_error(out, type, status, status == 404 ? "HdbError" : "ClientError", "%s",
                   herr.message);
        return -1;
    }
    if (type == NEGOTIATE_CSV && columns != NULL) {
        s->columns = calloc(n_columns != 0 ? n_columns : 1, sizeof *s->columns);
        for (size_t i = 0; s->columns != NULL && i < n_columns; i++)
            if ((s->columns[s->n_columns] = strdup(columns[i])) != NULL)
                s->n_columns++;
    }
    out->status = 200;
    out->content_type = content_type(s->type);
    rest_header(out, "Vary", "Accept, Accept-Encoding");
    if (type == NEGOTIATE_CSV)
        rest_header(out, "Content-Disposition", "%s", CODEC_CSV_DISPOSITION);
    out->stream = s;
    out->has_body = true;
    return 0;
}
