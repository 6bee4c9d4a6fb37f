/* rest.h: Harper's REST interface for exported tables (the HTTP port, default 9926), free of
 * any HTTP library: http.c turns a request into a rest_request and sends the rest_response
 * back, streaming its body when it has one. Files:
 *   rest.c        routing (exports, the URL forms) and the methods
 *   rest_query.c  a collection URL's query string as a library query, values typed by the
 *                 attributes' declared types; the id of a record URL
 *   rest_out.c    bodies in the negotiated type (JSON, CBOR, MessagePack, CSV), error bodies,
 *                 streamed collections */
#ifndef HARPER_SERVER_REST_H
#define HARPER_SERVER_REST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "harper.h"
#include "negotiate.h"

struct server;
struct harper__qurl;

typedef struct rest_desc rest_desc;

/* A table reachable over REST: `type Dog @table @export` gives path "Dog". */
typedef struct rest_export {
    char *path;                 /* one segment, "" for the root */
    char *db;
    char *table;
    bool rest;                  /* @export(rest: false) turns the plain methods off */
    bool last_modified;         /* the application's rest.lastModified: Last-Modified headers */
    /* Set by rest_exports_open: */
    harper_table *t;            /* open while the server runs; NULL if it could not be */
    pthread_mutex_t lock;       /* guards desc */
    rest_desc *desc;            /* the table's description as last read, shared */
} rest_export;

/* A relationship field of a table (`brand: Brand @relationship(from: brandId)`): never
 * stored, joined at read time by its keys. */
typedef struct rest_rel {
    char *db;                   /* the table the field belongs to */
    char *table;
    char *name;                 /* the field */
    char *from;                 /* attribute of this table holding the related keys, or NULL */
    char *to;                   /* attribute of the related table holding ours, or NULL */
    char *target_db;
    char *target_table;
    bool many;                  /* the field is a list */
} rest_rel;

/* The relationship `name` of db.table, or NULL. */
const rest_rel *rest_find_rel(const struct server *srv, const char *db, const char *table,
                              const char *name);

/* Opens the tables of srv's exports (after the applications are loaded, before the first
 * request) / closes them (after the last). */
void rest_exports_open(struct server *srv);
void rest_exports_close(struct server *srv);

typedef struct rest_request {
    const char *method;
    const char *path;           /* raw (percent-encoded), without the query */
    size_t path_len;
    const char *query;          /* raw, after the '?'; NULL when there is no '?' */
    size_t query_len;
    const char *accept;         /* header values, NULL when absent */
    const char *content_type;
    const char *if_none_match;
    const char *body;
    size_t body_len;
    bool has_body;              /* Content-Length or Transfer-Encoding was sent */
    const char *user;           /* NULL: anonymous */
    bool super;
} rest_request;

typedef struct rest_stream rest_stream;

#define REST_MAX_HEADERS 6

typedef struct rest_response {
    int status;                 /* 0: no route matched here (the caller answers 404) */
    const char *content_type;   /* static or content_type_buf; NULL: none */
    char content_type_buf[128]; /* a stored record's own type (rest_raw.c) */
    harper__buf body;
    bool has_body;
    struct {
        const char *name;       /* static */
        char value[160];
    } headers[REST_MAX_HEADERS];
    size_t n_headers;
    rest_stream *stream;        /* set: the body comes from rest_stream_read */
} rest_response;

/* Answers one request. Thread-safety: safe (each request its own response). */
void rest_handle(struct server *srv, const rest_request *rq, rest_response *out);

/* What an event stream on this path follows: 1 with the export's table in *t (borrowed: open
 * while the server runs) and the record's key as JSON in *key (free()), or *key NULL for the
 * whole table (`/Dog/`, `/Dog`); 0 when no export matches; -1 with a 400/500 answer in out
 * for an id that does not fit the key's type. */
int rest_target(struct server *srv, const rest_request *rq, harper_table **t, char **key,
                rest_response *out);

/* The next bytes of a streamed body into buf[0..max): their count, 0 when none are ready
 * yet (never: the stream always has data or ends), -1 at the end. Not thread-safe: one
 * response, one reader. */
ssize_t rest_stream_read(rest_stream *s, char *buf, size_t max);
void rest_stream_free(rest_stream *s);

/* Frees what a response holds but its stream (which the caller hands to the sender). */
void rest_response_clear(rest_response *r);

/* ---- shared by the rest*.c files ---- */

/* A table for one request, with what its description says. */
typedef struct rest_table {
    harper *h;
    const struct server *srv;
    const rest_export *exp;
    harper_table *t;            /* the export's */
    rest_desc *held;            /* a reference to the description, released after the request */
    const cJSON *desc;          /* its definition (harper_table_describe, definition only) */
    cJSON *owned_desc;          /* rest_table_open's, freed by rest_table_close */
    const char *pk;             /* borrowed from desc */
    const char *pk_type;        /* NULL: untyped */
} rest_table;

/* A table by name with its description, for joins (exports have theirs kept open). 0 or -1.
 * Release with rest_table_close. */
int rest_table_open(const struct server *srv, const char *db, const char *table,
                    rest_table *rt);
void rest_table_close(rest_table *rt);

/* The declared type of attribute `name` ("Int"...), NULL when untyped or Any; *known says
 * whether the table has the attribute at all. */
const char *rest_attr_type(const rest_table *rt, const char *name, bool *known);

/* Converts URL text to the value of an attribute of declared type `type` (NULL: the auto-cast
 * of an untyped one), as Harper converts ids (spec rest.md 2.1). NULL with the 400 message in
 * err ("Invalid value for attribute ...") when the text does not fit. */
cJSON *rest_value_typed(const char *attr, const char *type, const char *text, size_t len,
                        char *err, size_t err_size);

/* The query of a collection URL as a library query on rt->t. 0, or the HTTP status with the
 * error body's text ("Class: message") in err. *select_one says the rows are bare values
 * (`select(name)`). When the select() names relationships it is left out of the query and
 * *joined (may be NULL: then such a select is refused) receives the parsed query string for a
 * rest_join; otherwise *joined is NULL. */
int rest_query_build(const rest_table *rt, const char *qs, size_t len, harper_query **out,
                     bool *select_one, struct harper__qurl **joined, char *err,
                     size_t err_size);

/* Error replies: `status` with the body "<cls>: <message>" in the negotiated type. */
void rest_error(rest_response *out, negotiate_type type, int status, const char *cls,
                const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A value's body: JSON text json[0..len) in the negotiated type. -1 when it cannot be
 * written (then out holds a 500). */
int rest_body_json(rest_response *out, negotiate_type type, const char *json, size_t len);

/* Rewrites one row (JSON text) into out; 0 or -1. */
typedef int (*rest_row_map)(void *ctx, const char *json, size_t len, harper__buf *out);

/* Streams the rows of `q` (taken over) in the negotiated type; `select_one` rows are bare
 * values; CSV has the given columns (NULL: the first row's keys). With `map`, each row is
 * first rewritten by map(map_ctx, ...); map_free(map_ctx) runs when the stream ends (also on
 * failure here). Returns 0, or -1 with the error answer in out. */
int rest_body_rows(rest_response *out, negotiate_type type, harper_query *q, bool select_one,
                   const char *const *columns, size_t n_columns, rest_row_map map,
                   void *map_ctx, void (*map_free)(void *));

/* The record {contentType, data} that stores a body of another type (rest_raw.c). NULL with
 * the reason in err. */
cJSON *rest_raw_record(const negotiate_body *kind, const char *body, size_t len, char *err,
                       size_t err_size);

/* When json[0..len) is such a record, answers 200 with its data and its type and returns
 * true. */
bool rest_raw_reply(rest_response *out, const char *json, size_t len);

void rest_header(rest_response *out, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
