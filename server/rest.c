/* rest.c: Harper's REST interface for exported tables: which export a path names, what the
 * rest of the path means (/Dog describes, /Dog/ is the collection, /Dog/<id> a record,
 * /Dog/<id>.<attr> one value, .json .cbor .msgpack .csv force the type), and the methods
 * (spec rest.md 2-4). Bodies and errors are written by rest_out.c, queries and ids typed by
 * rest_query.c. Permissions of non-super users come with roles (a later issue): any
 * authenticated user may use the tables for now. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec_cbor.h"
#include "codec_msgpack.h"
#include "json.h"
#include "query_url.h"
#include "rest.h"
#include "rest_join.h"
#include "server.h"
#include "txn.h"

#define ALLOW_ALL "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS, TRACE, QUERY, COPY, MOVE"

/* What the part of the path after the export names. */
enum target { T_TABLE, T_COLLECTION, T_RECORD };

struct route {
    rest_table rt;
    enum target target;
    char *id;                   /* T_RECORD: decoded id text */
    size_t id_len;
    char *property;             /* /Dog/1.name: the attribute */
    negotiate_type forced;      /* an extension's type, or NEGOTIATE_NOT_ACCEPTABLE */
};

static rest_export *find_export(const struct server *srv, const char *name, size_t len)
{
    for (size_t i = 0; i < srv->n_exports; i++) {
        rest_export *e = &srv->exports[i];

        if (strlen(e->path) == len && memcmp(e->path, name, len) == 0)
            return e;
    }
    return NULL;
}

/* A table's description, shared by the requests that read it while it is current. */
struct rest_desc {
    _Atomic int refs;
    uint64_t version;           /* harper_table_definition_version when read */
    cJSON *desc;
};

static void desc_unref(rest_desc *d)
{
    if (d != NULL && atomic_fetch_sub(&d->refs, 1) == 1) {
        cJSON_Delete(d->desc);
        free(d);
    }
}

/* The current description of export e's table, read again only when its definition changed:
 * describing and parsing per request was a good part of a GET. */
static rest_desc *desc_get(rest_export *e)
{
    uint64_t version = harper_table_definition_version(e->t);
    harper_error err;
    rest_desc *d = NULL;
    char *json;
    size_t len;

    pthread_mutex_lock(&e->lock);
    if (e->desc != NULL && e->desc->version == version) {
        d = e->desc;
        atomic_fetch_add(&d->refs, 1);
    }
    pthread_mutex_unlock(&e->lock);
    if (d != NULL)
        return d;
    if (harper_table_describe(e->t, HARPER_DESCRIBE_DEFINITION, &json, &len, &err) != HARPER_OK)
        return NULL;
    d = calloc(1, sizeof *d);
    if (d != NULL && (d->desc = cJSON_ParseWithLength(json, len)) == NULL) {
        free(d);
        d = NULL;
    }
    harper_free(json);
    if (d == NULL)
        return NULL;
    d->version = version;
    atomic_store(&d->refs, 2);      /* the export's and the caller's */
    pthread_mutex_lock(&e->lock);
    desc_unref(e->desc);
    e->desc = d;
    pthread_mutex_unlock(&e->lock);
    return d;
}

void rest_exports_open(struct server *srv)
{
    harper_error err;

    for (size_t i = 0; i < srv->n_exports; i++) {
        rest_export *e = &srv->exports[i];

        pthread_mutex_init(&e->lock, NULL);
        e->desc = NULL;
        if (harper_table_open(srv->h, e->db, e->table, &e->t, &err) != HARPER_OK) {
            e->t = NULL;
            slog_write(srv->log, SLOG_ERROR, "rest", "export %s: %s", e->path, err.message);
        }
    }
}

void rest_exports_close(struct server *srv)
{
    for (size_t i = 0; i < srv->n_exports; i++) {
        rest_export *e = &srv->exports[i];

        harper_table_close(e->t);
        e->t = NULL;
        desc_unref(e->desc);
        e->desc = NULL;
        pthread_mutex_destroy(&e->lock);
    }
}

static int open_table(struct server *srv, rest_export *e, rest_table *rt)
{
    bool known;
    const cJSON *pk;

    memset(rt, 0, sizeof *rt);
    rt->h = srv->h;
    rt->srv = srv;
    rt->exp = e;
    rt->t = e->t;
    if (rt->t == NULL || (rt->held = desc_get(e)) == NULL)
        return -1;
    rt->desc = rt->held->desc;
    pk = cJSON_GetObjectItemCaseSensitive(rt->desc, "hash_attribute");
    rt->pk = cJSON_IsString(pk) ? pk->valuestring : "id";
    rt->pk_type = rest_attr_type(rt, rt->pk, &known);
    return 0;
}

static void route_free(struct route *r)
{
    desc_unref(r->rt.held);
    free(r->id);
    free(r->property);
}

/* Splits "<id>[.<ext or attribute>]" (raw) into the route: only the first dot counts, and only
 * when what follows is a type extension or a declared attribute (rest.md 2). */
static int parse_id(struct route *r, const char *raw, size_t len)
{
    const char *dot = memchr(raw, '.', len);
    size_t id_len = len;

    r->forced = NEGOTIATE_NOT_ACCEPTABLE;
    if (dot != NULL) {
        const char *after = dot + 1;
        size_t n = (size_t)(raw + len - after);
        static const struct { const char *ext; negotiate_type type; } exts[] = {
            {"json", NEGOTIATE_JSON}, {"cbor", NEGOTIATE_CBOR},
            {"msgpack", NEGOTIATE_MSGPACK}, {"csv", NEGOTIATE_CSV}};
        char *name = strndup(after, n);
        bool known = false;

        if (name == NULL)
            return -1;
        for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++) {
            if (strcmp(name, exts[i].ext) == 0) {
                r->forced = exts[i].type;
                id_len = (size_t)(dot - raw);
            }
        }
        if (r->forced == NEGOTIATE_NOT_ACCEPTABLE) {
            rest_attr_type(&r->rt, name, &known);
            if (known) {
                r->property = name;
                name = NULL;
                id_len = (size_t)(dot - raw);
            }
        }
        free(name);
    }
    if (harper__qurl_decode(raw, id_len, &r->id, &r->id_len) != 0)
        return -1;
    r->target = id_len == 0 && r->property == NULL ? T_COLLECTION : T_RECORD;
    return 0;
}

/* The route of a request's path, or 0 when no export matches (the caller's 404). */
static int route(struct server *srv, const rest_request *rq, struct route *r)
{
    const char *p = rq->path + 1;
    size_t len = rq->path_len > 0 ? rq->path_len - 1 : 0;
    const char *slash = memchr(p, '/', len);
    size_t seg = slash != NULL ? (size_t)(slash - p) : len;
    rest_export *e;
    char *name = NULL;
    size_t name_len;

    memset(r, 0, sizeof *r);
    if (rq->path_len == 0 || rq->path[0] != '/')
        return 0;
    if (harper__qurl_decode(p, seg, &name, &name_len) != 0)
        return 0;
    e = find_export(srv, name, name_len);
    free(name);
    if (e == NULL) {
        /* An export named "" owns the root: the whole path is its id. */
        e = find_export(srv, "", 0);
        if (e == NULL)
            return 0;
        slash = p - 1;
        seg = 0;
    }
    if (!e->rest || open_table(srv, e, &r->rt) != 0)
        return 0;
    if (slash == NULL) {
        /* /Dog describes the table, but /Dog?x=1 is a collection query. */
        r->target = rq->query != NULL && rq->query_len > 0 ? T_COLLECTION : T_TABLE;
        r->forced = NEGOTIATE_NOT_ACCEPTABLE;
        return 1;
    }
    if (parse_id(r, slash + 1, (size_t)(p + len - (slash + 1))) != 0)
        return -1;
    return 1;
}

/* The record key as JSON text (for the library) from the URL's id. 0, or a 400 in out. */
static int key_json(const struct route *r, negotiate_type type, rest_response *out,
                    char **json)
{
    char msg[400] = "";
    cJSON *v = rest_value_typed(r->rt.pk, r->rt.pk_type, r->id, r->id_len, msg, sizeof msg);

    *json = v != NULL ? cJSON_PrintUnformatted(v) : NULL;
    cJSON_Delete(v);
    if (*json != NULL)
        return 0;
    if (msg[0] != '\0')
        rest_error(out, type, 400, "SyntaxError", "%s", msg);
    else
        rest_error(out, type, 500, "Error", "out of memory");
    return -1;
}

/* ---- GET ---- */

static void get_description(const struct route *r, negotiate_type type, rest_response *out)
{
    harper__buf b = HARPER__BUF_INIT;
    harper_audit_cursor *ac;
    harper_error err;
    const char *row;
    size_t len;
    long long n_audit = 0;

    if (harper_audit_open(r->rt.t, 0, 0, &ac, &err) == HARPER_OK) {
        while (harper_audit_next(ac, &row, &len, &err) == 1)
            n_audit++;
        harper_audit_close(ac);
    }
    harper__buf_str(&b, "{\"records\":\"./\",\"name\":");
    harper__json_string(&b, r->rt.exp->path, strlen(r->rt.exp->path));
    harper__buf_str(&b, ",\"database\":");
    harper__json_string(&b, r->rt.exp->db, strlen(r->rt.exp->db));
    harper__buf_printf(&b, ",\"auditSize\":%lld,\"attributes\":", n_audit);
    harper__json_value(&b, cJSON_GetObjectItemCaseSensitive(r->rt.desc, "attributes"));
    harper__buf_byte(&b, '}');
    out->status = 200;
    if (b.failed)
        rest_error(out, type, 500, "Error", "out of memory");
    else
        rest_body_json(out, type, b.data, b.len);
    harper__buf_free(&b);
}

/* The selected part of one record for `GET /Dog/1?select(...)` or `/Dog/1.name`. NULL when
 * the value is absent (404). */
static cJSON *select_from(cJSON *rec, const harper__qurl_sel *sel, const char *property)
{
    cJSON *out;

    if (property != NULL) {
        cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(rec, property);

        if (cJSON_IsNull(v)) {
            cJSON_Delete(v);
            return NULL;
        }
        return v;
    }
    if (!sel->is_list) {
        cJSON *v = cJSON_DetachItemFromObjectCaseSensitive(rec, sel->name);

        return v != NULL ? v : cJSON_CreateNull();
    }
    out = cJSON_CreateObject();
    for (size_t i = 0; out != NULL && i < sel->n_items; i++) {
        const char *name = sel->items[i].name;
        cJSON *v = name != NULL ? cJSON_GetObjectItemCaseSensitive(rec, name) : NULL;

        if (v != NULL)
            cJSON_AddItemToObject(out, name, cJSON_Duplicate(v, 1));
    }
    return out;
}

static void get_record(const struct route *r, const rest_request *rq, negotiate_type type,
                       rest_response *out)
{
    harper__qurl *u = NULL;
    harper__qurl_error qerr;
    harper_error err;
    char etag[NEGOTIATE_ETAG_SIZE];
    char *key = NULL;
    char *json = NULL;
    size_t len = 0;
    uint64_t version = 0;
    int rc;

    if (key_json(r, type, out, &key) != 0)
        return;
    rc = harper_table_get_versioned(r->rt.t, key, strlen(key), &json, &len, &version, &err);
    free(key);
    if (rc == HARPER_ENOTFOUND) {
        out->status = 404;
        return;
    }
    if (rc != HARPER_OK) {
        rest_error(out, type, rc == HARPER_EINVAL ? 400 : 500, rc == HARPER_EINVAL ? "ClientError"
                                                                                  : "Error",
                   "%s", err.message);
        return;
    }
    negotiate_etag((double)version / 4096.0, etag);
    if (rq->if_none_match != NULL &&
        negotiate_etag_matches(rq->if_none_match, strlen(rq->if_none_match), etag)) {
        out->status = 304;
        harper_free(json);
        return;
    }
    if (rq->query != NULL && rq->query_len > 0 &&
        harper__qurl_parse(rq->query, rq->query_len, &u, &qerr) != 0) {
        rest_error(out, type, qerr.status, qerr.cls, "%s", qerr.message);
        harper_free(json);
        return;
    }
    out->status = 200;
    if (r->property == NULL && u != NULL && u->select != NULL &&
        rest_join_needed(r->rt.srv, r->rt.exp->db, r->rt.exp->table, u->select)) {
        rest_join *j = rest_join_new(r->rt.srv, r->rt.exp->db, r->rt.exp->table, r->rt.pk, u);
        harper__buf b = HARPER__BUF_INIT;

        u = NULL;
        if (j == NULL || rest_join_row(j, json, len, &b) != 0)
            rest_error(out, type, 500, "Error", "cannot read related records");
        else
            rest_body_json(out, type, b.data, b.len);
        harper__buf_free(&b);
        rest_join_free(j);
    } else if (r->property != NULL || (u != NULL && u->select != NULL)) {
        cJSON *rec = cJSON_ParseWithLength(json, len);
        cJSON *part = rec != NULL ? select_from(rec, u != NULL ? u->select : NULL, r->property)
                                  : NULL;
        char *text = part != NULL ? cJSON_PrintUnformatted(part) : NULL;

        if (part == NULL)
            out->status = 404;
        else if (text == NULL)
            rest_error(out, type, 500, "Error", "out of memory");
        else
            rest_body_json(out, type, text, strlen(text));
        free(text);
        cJSON_Delete(part);
        cJSON_Delete(rec);
    } else if (!rest_raw_reply(out, json, len)) {
        rest_body_json(out, type, json, len);
    }
    if (out->status == 200)
        rest_header(out, "ETag", "%s", etag);
    if (r->rt.exp->last_modified) {
        char date[64];
        time_t secs = (time_t)(version / 4096 / 1000);
        struct tm tm;

        gmtime_r(&secs, &tm);
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
        rest_header(out, "Last-Modified", "%s", date);
    }
    harper__qurl_free(u);
    harper_free(json);
}

/* The query of a collection URL; NULL with the error answer in out. */
static harper_query *collection_query(const struct route *r, const rest_request *rq,
                                      negotiate_type type, rest_response *out, bool *select_one,
                                      harper__qurl **joined)
{
    harper_query *q = NULL;
    char err[2200];
    int status = rest_query_build(&r->rt, rq->query, rq->query != NULL ? rq->query_len : 0, &q,
                                  select_one, joined, err, sizeof err);

    if (status != 0)
        rest_error(out, type, status, NULL, "%s", err);   /* err is "Class: message" */
    return q;
}

/* CSV columns: the table's attributes (rest.md 6.1). */
static size_t csv_columns(const rest_table *rt, const char **cols, size_t max)
{
    const cJSON *a;
    size_t n = 0;

    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(rt->desc, "attributes")) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(a, "attribute");

        if (cJSON_IsString(name) && n < max)
            cols[n++] = name->valuestring;
    }
    return n;
}

static void get_collection(const struct route *r, const rest_request *rq, negotiate_type type,
                           rest_response *out)
{
    harper_query *q;
    harper__qurl *joined = NULL;
    rest_join *j = NULL;
    bool select_one = false;
    const char *cols[256];
    size_t n_cols;

    if ((q = collection_query(r, rq, type, out, &select_one, &joined)) == NULL)
        return;
    if (joined != NULL &&
        (j = rest_join_new(r->rt.srv, r->rt.exp->db, r->rt.exp->table, r->rt.pk, joined)) ==
            NULL) {
        harper_query_free(q);
        rest_error(out, type, 500, "Error", "out of memory");
        return;
    }
    n_cols = csv_columns(&r->rt, cols, sizeof cols / sizeof cols[0]);
    rest_body_rows(out, type, q, select_one,
                   type == NEGOTIATE_CSV && !select_one && j == NULL ? cols : NULL, n_cols,
                   j != NULL ? rest_join_row : NULL, j, j != NULL ? rest_join_free : NULL);
}

/* ---- writes ---- */

/* The request body as a tree, read as its Content-Type says. NULL with the answer in out. */
static cJSON *body_tree(const rest_request *rq, negotiate_type type, rest_response *out)
{
    negotiate_body kind;
    char msg[256] = "";
    cJSON *tree = NULL;

    negotiate_body_type(rq->content_type, rq->content_type ? strlen(rq->content_type) : 0,
                        rq->body, rq->body_len, &kind);
    switch (kind.kind) {
    case NEGOTIATE_BODY_JSON:
        tree = cJSON_ParseWithLength(rq->body != NULL ? rq->body : "", rq->body_len);
        if (tree == NULL) {
            const char *at = cJSON_GetErrorPtr();
            long pos = at != NULL && rq->body != NULL && at >= rq->body &&
                               at <= rq->body + rq->body_len
                           ? (long)(at - rq->body)
                           : 0;

            rest_error(out, type, 500, "SyntaxError",
                       rq->body_len == 0 ? "Unexpected end of JSON input"
                                         : "Unexpected token in JSON at position %ld",
                       pos);
        }
        return tree;
    case NEGOTIATE_BODY_CBOR:
        if (codec_cbor_decode(rq->body, rq->body_len, &tree, msg, sizeof msg) != 0)
            rest_error(out, type, 500, "Error", "%s", msg);
        return tree;
    case NEGOTIATE_BODY_MSGPACK:
        if (codec_msgpack_decode(rq->body, rq->body_len, &tree, msg, sizeof msg) != 0)
            rest_error(out, type, 500, "Error", "%s", msg);
        return tree;
    case NEGOTIATE_BODY_TEXT:
    case NEGOTIATE_BODY_BYTES:
    case NEGOTIATE_BODY_TYPED:
        tree = rest_raw_record(&kind, rq->body != NULL ? rq->body : "", rq->body_len, msg,
                               sizeof msg);
        if (tree == NULL)
            rest_error(out, type, 500, "Error", "%s", msg);
        return tree;
    default:
        /* text/plain is one string, and form bodies are not read yet: no record either way */
        rest_error(out, type, 500, "TypeError", "Can not create a record without an object");
        return NULL;
    }
}

/* Writes one record in its own transaction as `user`, retrying a broken deadlock. */
static int write_one(const struct route *r, const rest_request *rq, int kind, cJSON *rec,
                     char **key_out, size_t *key_len, harper_error *err)
{
    int rc = HARPER_EBUSY;

    for (int attempt = 0; attempt < 3 && rc == HARPER_EBUSY; attempt++) {
        harper_txn *txn;
        cJSON *copy = cJSON_Duplicate(rec, 1);

        if (copy == NULL)
            return HARPER_ENOMEM;
        rc = harper_txn_begin(r->rt.h, r->rt.exp->db, &txn, err);
        if (rc != HARPER_OK) {
            cJSON_Delete(copy);
            return rc;
        }
        if (rq->user != NULL)
            harper_txn_set_user(txn, rq->user);
        rc = harper__txn_write_tree(txn, r->rt.t, kind, NULL, 0, copy, key_out, key_len, err);
        if (rc == HARPER_OK)
            rc = harper_txn_commit(txn, err);
        else
            harper_txn_abort(txn);
    }
    return rc;
}

static void write_failed(rest_response *out, negotiate_type type, int rc, const harper_error *e)
{
    if (rc == HARPER_EEXIST)
        rest_error(out, type, 409, "ClientError", "Record already exists");
    else if (rc == HARPER_EINVAL)
        rest_error(out, type, 400, "ClientError", "%s", e->message);
    else
        rest_error(out, type, 500, "Error", "%s", e->message);
}

/* PUT (replace) and PATCH (merge) of /Dog/<id>: the URL's id wins over the body's. */
static void put_record(const struct route *r, const rest_request *rq, negotiate_type type,
                       int kind, rest_response *out)
{
    cJSON *rec = body_tree(rq, type, out);
    cJSON *key = NULL;
    harper_error err;
    char msg[400] = "";
    int rc;

    if (rec == NULL)
        return;
    if (!cJSON_IsObject(rec)) {
        cJSON_Delete(rec);
        rest_error(out, type, 500, "TypeError", "Can not create a record without an object");
        return;
    }
    key = rest_value_typed(r->rt.pk, r->rt.pk_type, r->id, r->id_len, msg, sizeof msg);
    if (key == NULL) {
        cJSON_Delete(rec);
        rest_error(out, type, msg[0] ? 400 : 500, msg[0] ? "SyntaxError" : "Error", "%s",
                   msg[0] ? msg : "out of memory");
        return;
    }
    if (cJSON_GetObjectItemCaseSensitive(rec, r->rt.pk) != NULL)
        cJSON_ReplaceItemInObjectCaseSensitive(rec, r->rt.pk, key);
    else
        cJSON_AddItemToObject(rec, r->rt.pk, key);
    rc = write_one(r, rq, kind, rec, NULL, NULL, &err);
    cJSON_Delete(rec);
    if (rc != HARPER_OK)
        write_failed(out, type, rc, &err);
    else
        out->status = 204;
}

static void post_collection(const struct route *r, const rest_request *rq, negotiate_type type,
                            rest_response *out)
{
    cJSON *rec = body_tree(rq, type, out);
    harper_error err;
    char *key = NULL;
    size_t key_len = 0;
    int rc;

    if (rec == NULL)
        return;
    if (!cJSON_IsObject(rec)) {
        cJSON_Delete(rec);
        rest_error(out, type, 500, "TypeError", "Can not create a record without an object");
        return;
    }
    rc = write_one(r, rq, HARPER_WRITE_INSERT, rec, &key, &key_len, &err);
    cJSON_Delete(rec);
    if (rc != HARPER_OK) {
        write_failed(out, type, rc, &err);
        return;
    }
    out->status = 201;
    rest_body_json(out, type, key, key_len);
    {
        cJSON *k = cJSON_ParseWithLength(key, key_len);

        rest_header(out, "Location", "%s",
                    cJSON_IsString(k) ? k->valuestring : key != NULL ? key : "");
        cJSON_Delete(k);
    }
    harper_free(key);
}

static void delete_record(const struct route *r, negotiate_type type, rest_response *out)
{
    harper_error err;
    char *key = NULL;
    char *old = NULL;
    size_t old_len;
    uint64_t version = 0;
    int rc;

    if (key_json(r, type, out, &key) != 0)
        return;
    /* The answer carries the ETag of the record that was there. */
    if (harper_table_get_versioned(r->rt.t, key, strlen(key), &old, &old_len, &version, &err) ==
        HARPER_OK) {
        char etag[NEGOTIATE_ETAG_SIZE];

        negotiate_etag((double)version / 4096.0, etag);
        rest_header(out, "ETag", "%s", etag);
        harper_free(old);
    }
    rc = harper_table_delete(r->rt.t, key, strlen(key), &err);
    free(key);
    if (rc != HARPER_OK && rc != HARPER_ENOTFOUND) {
        rest_error(out, type, 500, "Error", "%s", err.message);
        return;
    }
    out->status = 200;
    rest_body_json(out, type, "true", 4);
}

/* DELETE /Dog/?query: every matching record (all of them without a query), one transaction. */
static void delete_collection(const struct route *r, const rest_request *rq,
                              negotiate_type type, rest_response *out)
{
    harper_query *q = NULL;
    harper_cursor *c = NULL;
    harper_txn *txn = NULL;
    harper_error err;
    bool select_one;
    const char *row;
    size_t len;
    int rc;

    if ((q = collection_query(r, rq, type, out, &select_one, NULL)) == NULL)
        return;
    rc = harper_query_select(q, r->rt.pk, &err);
    if (rc == HARPER_OK)
        rc = harper_cursor_open(q, &c, &err);
    if (rc == HARPER_OK)
        rc = harper_txn_begin(r->rt.h, r->rt.exp->db, &txn, &err);
    if (rc == HARPER_OK && rq->user != NULL)
        harper_txn_set_user(txn, rq->user);
    while (rc == HARPER_OK && (rc = harper_cursor_next(c, &row, &len, &err)) == 1) {
        const char *v = row;
        size_t vlen = len;
        cJSON *obj = cJSON_ParseWithLength(v, vlen);
        char *key = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(obj, r->rt.pk));

        rc = key != NULL ? harper_txn_delete(txn, r->rt.t, key, strlen(key), &err)
                         : HARPER_ENOMEM;
        if (rc == HARPER_ENOTFOUND)
            rc = HARPER_OK;
        free(key);
        cJSON_Delete(obj);
    }
    harper_cursor_close(c);
    harper_query_free(q);
    if (rc == 0 && txn != NULL)
        rc = harper_txn_commit(txn, &err);
    else if (txn != NULL)
        harper_txn_abort(txn);
    if (rc != HARPER_OK) {
        rest_error(out, type, 500, "Error", "%s", err.message);
        return;
    }
    out->status = 200;
    rest_body_json(out, type, "true", 4);
}

/* ---- the entry ---- */

static bool is(const char *method, const char *name)
{
    return strcmp(method, name) == 0;
}

void rest_handle(struct server *srv, const rest_request *rq, rest_response *out)
{
    struct route r;
    negotiate_type type;
    const char *m = rq->method;
    struct timespec start, end;
    int found;

    memset(out, 0, sizeof *out);
    clock_gettime(CLOCK_MONOTONIC, &start);
    found = route(srv, rq, &r);
    if (found <= 0) {
        route_free(&r);
        if (found < 0)
            rest_error(out, NEGOTIATE_JSON, 500, "Error", "out of memory");
        return;     /* status 0: not ours */
    }
    type = r.forced != NEGOTIATE_NOT_ACCEPTABLE
               ? r.forced
               : negotiate_accept(rq->accept, rq->accept != NULL ? strlen(rq->accept) : 0);
    if (is(m, "OPTIONS")) {
        out->status = 204;
        rest_header(out, "Allow", ALLOW_ALL);
        goto done;
    }
    if (rq->user == NULL) {
        rest_error(out, type == NEGOTIATE_NOT_ACCEPTABLE ? NEGOTIATE_JSON : type, 401,
                   "AccessViolation", "Must login");
        rest_header(out, "WWW-Authenticate", "Basic");
        goto done;
    }
    if (type == NEGOTIATE_NOT_ACCEPTABLE) {
        out->status = 406;
        harper__buf_str(&out->body, NEGOTIATE_406_BODY);
        out->has_body = true;
        goto done;
    }
    if (is(m, "GET") || is(m, "HEAD")) {
        if (r.target == T_TABLE)
            get_description(&r, type, out);
        else if (r.target == T_RECORD)
            get_record(&r, rq, type, out);
        else
            get_collection(&r, rq, type, out);
    } else if (is(m, "PUT") || is(m, "PATCH")) {
        if (r.target == T_RECORD && r.property == NULL)
            put_record(&r, rq, type, is(m, "PUT") ? HARPER_WRITE_PUT : HARPER_WRITE_UPSERT,
                       out);
        else
            rest_error(out, type, 500, "Error", "Can not %s a collection without an id",
                       is(m, "PUT") ? "put" : "patch");
    } else if (is(m, "POST")) {
        if (r.target == T_COLLECTION) {
            post_collection(&r, rq, type, out);
        } else {
            rest_error(out, type, 405, "ClientError",
                       "The %s does not have a post method implemented to handle HTTP method "
                       "POST",
                       r.rt.exp->path);
            rest_header(out, "Allow", "GET, PUT, PATCH, DELETE, TRACE, HEAD, OPTIONS");
        }
    } else if (is(m, "DELETE")) {
        if (r.target == T_RECORD)
            delete_record(&r, type, out);
        else if (r.target == T_COLLECTION)
            delete_collection(&r, rq, type, out);
        else
            rest_error(out, type, 405, "ClientError", "The %s table can not be deleted here",
                       r.rt.exp->path);
    } else if (is(m, "TRACE")) {
        out->status = 200;
        rest_body_json(out, type, "\"HarperDB is the terminating server\"", 36);
    } else {
        rest_error(out, type, 501, "ServerError", "Method %.40s is not recognized", m);
    }
done:
    route_free(&r);
    clock_gettime(CLOCK_MONOTONIC, &end);
    rest_header(out, "Server-Timing", "hdb;dur=%.2f",
                (double)(end.tv_sec - start.tv_sec) * 1e3 +
                    (double)(end.tv_nsec - start.tv_nsec) / 1e6);
}

int rest_target(struct server *srv, const rest_request *rq, harper_table **t, char **key,
                rest_response *out)
{
    struct route r;
    int found;

    *t = NULL;
    *key = NULL;
    memset(out, 0, sizeof *out);
    found = route(srv, rq, &r);
    if (found > 0 && r.target == T_RECORD && r.property == NULL &&
        key_json(&r, NEGOTIATE_JSON, out, key) != 0)
        found = -1;
    if (found > 0 && r.property != NULL)
        found = 0;
    if (found > 0)
        *t = r.rt.t;
    route_free(&r);
    return found;
}
