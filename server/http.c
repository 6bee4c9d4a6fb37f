/* http.c: HTTP with libmicrohttpd. The Operations API on its TCP port and on the root's Unix
 * domain socket (requests on it act as the super user, as the CLI's do), in Harper's
 * processing order: the body is checked first (400), then who is asking (401), then the
 * operation (ops.c); GET /health answers without authentication. The REST interface on the
 * HTTP port (rest.c), whose collection answers stream from a cursor. */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "app.h"
#include "auth_cache.h"
#include "json.h"
#include "ops.h"
#include "rest.h"
#include "server.h"
#include "sse.h"
#include "mqtt_broker.h"
#include "ws.h"
#include "ws_codec.h"
#include "static_files.h"

struct http_server;

/* What a daemon serves. */
struct listener {
    struct http_server *hs;
    bool rest;
};

struct http_server {
    struct server *srv;
    struct MHD_Daemon *tcp;
    struct MHD_Daemon *local;       /* the domain socket */
    struct MHD_Daemon *rest;        /* the HTTP port */
    struct listener ops_listener;
    struct listener rest_listener;
    char *socket_path;
    sse_streams *streams;           /* event streams on the REST port */
    ws_conns *sockets;              /* WebSocket connections on the REST port */
};

/* One request's state while its body arrives. */
struct request {
    char *uri;                      /* as sent, query string included */
    const char *version;            /* "HTTP/1.1": MHD's, valid for the request */
    bool started;
    char *body;
    size_t len;
    size_t cap;
    bool too_big;
};

static const char json_type[] = "application/json; charset=utf-8";

/* The Origin the response to the request this thread is answering may name in CORS headers
 * (NULL: none). Every answer leaves through respond(), which adds them; a thread answers one
 * request at a time, from its start in on_request to its queued response. */
static _Thread_local const char *cors_origin;
static _Thread_local bool cors_credentials;

/* CORS (spec security.md 8): the request's Origin if this port's settings allow it. On the
 * application port an access list of [null] allows nobody (Harper's quirk); the Operations
 * API's own layer allows everybody with [null] or ["*"]. */
static const char *allowed_origin(const struct server *srv, struct MHD_Connection *c, bool rest)
{
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    const char *on = rest ? "http.cors" : "operationsApi.network.cors";
    const cJSON *list = config_get(srv->config, rest ? "http.corsAccessList"
                                                     : "operationsApi.network.corsAccessList");
    const cJSON *item;

    if (origin == NULL || !config_bool(srv->config, on, !rest))
        return NULL;
    if (!cJSON_IsArray(list))
        return rest ? NULL : origin;
    cJSON_ArrayForEach(item, list) {
        if (cJSON_IsString(item) &&
            (strcmp(item->valuestring, "*") == 0 || strcmp(item->valuestring, origin) == 0))
            return origin;
        if (!rest && cJSON_IsNull(item))
            return origin;
    }
    return NULL;
}

static enum MHD_Result respond(struct MHD_Connection *c, unsigned status,
                               struct MHD_Response *resp)
{
    enum MHD_Result rc;

    if (cors_origin != NULL) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", cors_origin);
        if (cors_credentials)
            MHD_add_response_header(resp, "Access-Control-Allow-Credentials", "true");
    }
    rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result queue(struct MHD_Connection *c, int status, const char *type, char *body,
                             size_t len, bool close)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);

    if (resp == NULL) {
        free(body);
        return MHD_NO;
    }
    if (type != NULL)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (close)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    return respond(c, (unsigned)status, resp);
}

static enum MHD_Result queue_reply(struct MHD_Connection *c, ops_reply *reply)
{
    enum MHD_Result rc = queue(c, reply->status, json_type, reply->body, reply->len,
                               reply->close);

    reply->body = NULL;     /* MHD owns it now */
    return rc;
}

static enum MHD_Result queue_error(struct MHD_Connection *c, int status, const char *message)
{
    ops_reply reply = {0, NULL, 0, false};

    ops_reply_error(&reply, status, "%s", message);
    return queue_reply(c, &reply);
}

/* Who the peer is, for the log: "127.0.0.1", "::1" or "local". */
static void peer_name(struct MHD_Connection *c, char *out, size_t size, bool *loopback,
                      bool *local)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info != NULL ? info->client_addr : NULL;

    *loopback = false;
    *local = sa == NULL || sa->sa_family == AF_UNIX;
    snprintf(out, size, "local");
    if (sa != NULL && sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

        inet_ntop(AF_INET, &in->sin_addr, out, (socklen_t)size);
        *loopback = (ntohl(in->sin_addr.s_addr) >> 8) == (127u << 16);
    } else if (sa != NULL && sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

        inet_ntop(AF_INET6, &in6->sin6_addr, out, (socklen_t)size);
        /* The dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d. */
        *loopback = IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr) ||
                    (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr) && in6->sin6_addr.s6_addr[12] == 127);
    }
}

/* Decodes standard base64 into out (NUL-terminated); -1 if it is not base64 or too long. */
static int base64_decode(const char *in, char *out, size_t size)
{
    size_t n = 0;
    unsigned bits = 0;
    int count = 0;

    for (; *in != '\0' && *in != '='; in++) {
        const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *p = strchr(alphabet, *in);

        if (p == NULL)
            return -1;
        bits = bits << 6 | (unsigned)(p - alphabet);
        count += 6;
        if (count >= 8) {
            count -= 8;
            if (n + 1 >= size)
                return -1;
            out[n++] = (char)((bits >> count) & 0xff);
        }
    }
    out[n] = '\0';
    return memchr(out, '\0', n) == NULL ? 0 : -1;
}

/* Settles who the request acts as. 0 and the user, or a status and message to answer. */
static int authenticate(struct http_server *hs, struct MHD_Connection *c, const char *peer,
                        bool loopback, bool local, bool anonymous_ok, char *user,
                        size_t user_size, bool *super, const char **message)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    char decoded[1024];
    char *colon;
    harper_error err;
    int rc;

    *super = false;
    user[0] = '\0';
    if (auth != NULL && auth_cache_get(auth, user, user_size, super))
        return 0;
    if (auth != NULL && strncasecmp(auth, "Basic ", 6) == 0) {
        if (base64_decode(auth + 6, decoded, sizeof decoded) != 0 ||
            (colon = strchr(decoded, ':')) == NULL) {
            slog_write(hs->srv->log, SLOG_WARN, NULL, "%s: malformed Basic credentials", peer);
            *message = "Login failed";
            return 401;
        }
        *colon = '\0';
        if (strlen(decoded) >= user_size) {
            *message = "Login failed";
            return 401;
        }
        /* An empty user and password is the legacy form of "no credentials". */
        if (decoded[0] != '\0' || colon[1] != '\0') {
            rc = harper_user_authenticate(hs->srv->h, decoded, colon + 1, NULL, NULL, &err);
            if (rc != HARPER_OK) {
                slog_write(hs->srv->log, SLOG_WARN, "auth-event",
                           "%s: login failed for user '%.64s'", peer, decoded);
                *message = rc == HARPER_EAUTH && strstr(err.message, "inactive") != NULL
                               ? "Cannot complete request: User is inactive"
                               : "Login failed";
                return 401;
            }
            memcpy(user, decoded, strlen(decoded) + 1);
            *super = harper_user_is_super(hs->srv->h, decoded, NULL) == 1;
            auth_cache_put(auth, user, *super);
            return 0;
        }
    }
    if (local || (loopback && hs->srv->authorize_local)) {
        snprintf(user, user_size, "%s", hs->srv->super_user ? hs->srv->super_user : "");
        *super = true;
        return 0;
    }
    if (anonymous_ok)
        return 0;
    *message = "Must login";
    return 401;
}

static enum MHD_Result handle_operation(struct http_server *hs, struct MHD_Connection *c,
                                        struct request *rq)
{
    ops_reply reply = {0, NULL, 0, false};
    ops_request req;
    cJSON *body;
    const cJSON *op;
    char peer[64];
    char user[256];
    bool loopback;
    bool local;
    bool super;
    const char *message = NULL;
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    int status;
    enum MHD_Result rc;

    peer_name(c, peer, sizeof peer, &loopback, &local);
    if (type != NULL && strncasecmp(type, "application/json", 16) != 0 &&
        strncasecmp(type, "text/plain", 10) != 0) {
        char text[160];

        snprintf(text, sizeof text, "Unsupported Media Type: %.100s", type);
        slog_write(hs->srv->log, SLOG_WARN, NULL, "%s: %s", peer, text);
        return queue_error(c, 415, text);
    }
    body = rq->len > 0 ? cJSON_ParseWithLength(rq->body, rq->len) : NULL;
    if (body == NULL || !cJSON_IsObject(body) || body->child == NULL) {
        slog_write(hs->srv->log, SLOG_WARN, NULL, "%s: invalid JSON body: %.64s", peer,
                   rq->len > 0 ? rq->body : "");
        cJSON_Delete(body);
        return queue_error(c, 400, "Invalid JSON.");
    }
    op = cJSON_GetObjectItemCaseSensitive(body, "operation");
    if (!cJSON_IsString(op) || op->valuestring[0] == '\0') {
        cJSON_Delete(body);
        return queue_error(c, 400, "Request body must include an 'operation' property.");
    }
    status = authenticate(hs, c, peer, loopback, local, false, user, sizeof user, &super,
                          &message);
    if (status != 0) {
        cJSON_Delete(body);
        return queue_error(c, status, message);
    }
    req = (ops_request){hs->srv->h, hs->srv, user[0] ? user : NULL, super, body};
    ops_dispatch(&req, &reply);
    if (reply.body == NULL)
        ops_reply_error(&reply, 500, "operation '%s' gave no answer", op->valuestring);
    if (reply.status >= 500)
        slog_write(hs->srv->log, SLOG_ERROR, NULL, "%s: %s -> %d %.200s", peer,
                   op->valuestring, reply.status, reply.body);
    else
        slog_write(hs->srv->log, SLOG_DEBUG, NULL, "%s: %s -> %d", peer, op->valuestring,
                   reply.status);
    cJSON_Delete(body);
    rc = queue_reply(c, &reply);
    return rc;
}

static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
    ssize_t n = rest_stream_read(cls, buf, max);

    (void)pos;
    return n < 0 ? MHD_CONTENT_READER_END_OF_STREAM : n;
}

static void free_stream(void *cls)
{
    rest_stream_free(cls);
}

static const char *header(struct MHD_Connection *c, const char *name)
{
    return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

/* Answers from application `a`'s static files: 1 when queued (or *rc = MHD_NO), 0 when the
 * path is not one of them (the next handler's turn). */
static int serve_static(enum MHD_Result *rc, struct MHD_Connection *c, const app *a,
                        const char *method, const char *uri)
{
    static_files_request req = {
        .method = method, .path = uri, .if_none_match = header(c, "If-None-Match"),
        .if_modified_since = header(c, "If-Modified-Since"), .if_match = header(c, "If-Match"),
        .if_unmodified_since = header(c, "If-Unmodified-Since"),
        .cache_control = header(c, "Cache-Control"), .range = header(c, "Range"),
        .if_range = header(c, "If-Range")};
    static_files_result *res = malloc(sizeof *res);
    struct MHD_Response *resp = NULL;
    int fd;

    *rc = MHD_NO;
    if (res == NULL)
        return 1;
    switch (static_files_resolve(a, &req, res)) {
    case STATIC_FILES_NEXT:
        free(res);
        return 0;
    case STATIC_FILES_SEND:
        fd = open(res->path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0)
            resp = MHD_create_response_from_fd_at_offset64(res->length, fd, res->offset);
        if (resp == NULL && fd >= 0)
            close(fd);
        break;
    case STATIC_FILES_ERROR:
        resp = MHD_create_response_from_buffer(strlen(res->body), res->body,
                                               MHD_RESPMEM_MUST_COPY);
        break;
    default:
        resp = MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
    }
    if (resp == NULL) {
        free(res);
        return 1;
    }
    if (res->action == STATIC_FILES_SEND || res->action == STATIC_FILES_NOT_MODIFIED) {
        MHD_add_response_header(resp, "ETag", res->etag);
        MHD_add_response_header(resp, "Last-Modified", res->last_modified);
    }
    if (res->action == STATIC_FILES_SEND) {
        MHD_add_response_header(resp, "Cache-Control", STATIC_FILES_CACHE_CONTROL);
        MHD_add_response_header(resp, "Accept-Ranges", STATIC_FILES_ACCEPT_RANGES);
    }
    if (res->content_range[0] != '\0')
        MHD_add_response_header(resp, "Content-Range", res->content_range);
    if (res->action == STATIC_FILES_REDIRECT)
        MHD_add_response_header(resp, "Location", res->location);
    if (res->html) {
        MHD_add_response_header(resp, "Content-Security-Policy", STATIC_FILES_ERROR_CSP);
        MHD_add_response_header(resp, "X-Content-Type-Options", STATIC_FILES_ERROR_NOSNIFF);
    }
    if (res->content_type != NULL &&
        (res->action == STATIC_FILES_SEND || res->action == STATIC_FILES_ERROR))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
    *rc = respond(c, (unsigned)res->status, resp);
    free(res);
    return 1;
}

/* Exactly `Accept: text/event-stream` makes any request on the REST port an event stream. */
static bool rq_accepts_events(struct MHD_Connection *c)
{
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");

    return accept != NULL && strcmp(accept, "text/event-stream") == 0;
}

static enum MHD_Result queue_event_text(struct MHD_Connection *c, int status, const char *text,
                                        bool login)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(text), (void *)text,
                                                                MHD_RESPMEM_MUST_COPY);

    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    if (login)
        MHD_add_response_header(resp, "WWW-Authenticate", "Basic");
    return respond(c, (unsigned)status, resp);
}

/* The name of t's primary key into pk (left as it is when it cannot be read). */
static void table_pk(harper_table *t, char *pk, size_t size)
{
    char *json;
    size_t len;
    harper_error herr;

    if (harper_table_describe(t, HARPER_DESCRIBE_DEFINITION, &json, &len, &herr) ==
        HARPER_OK) {
        cJSON *d = cJSON_ParseWithLength(json, len);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "hash_attribute");

        if (cJSON_IsString(name))
            snprintf(pk, size, "%s", name->valuestring);
        cJSON_Delete(d);
        harper_free(json);
    }
}

/* A Server-Sent Events request (sse.c): the record or table the path names. */
static enum MHD_Result handle_events(struct http_server *hs, struct MHD_Connection *c,
                                     const rest_request *req)
{
    rest_response out;
    harper_table *t = NULL;
    char *key = NULL;
    char err[256];
    char pk[256] = "id";
    struct MHD_Response *resp;
    int found;

    if (req->user == NULL)
        return queue_event_text(c, 401, "data: AccessViolation: Must login\n\n", true);
    found = rest_target(hs->srv, req, &t, &key, &out);
    rest_response_clear(&out);
    if (found == 0) {
        char *text = strdup("Not found\n");

        return text != NULL ? queue(c, 404, NULL, text, strlen(text), false) : MHD_NO;
    }
    if (found < 0)
        return queue_event_text(c, 400, "data: ClientError: invalid id\n\n", false);
    table_pk(t, pk, sizeof pk);
    resp = sse_open(hs->streams, c, t, key, pk, err, sizeof err);
    free(key);
    if (resp == NULL) {
        slog_write(hs->srv->log, SLOG_ERROR, "sse", "%s", err);
        return queue_event_text(c, 500, "data: Error: cannot open the event stream\n\n", false);
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
    MHD_add_response_header(resp, "Vary", "Accept, Accept-Encoding");
    MHD_add_response_header(resp, "Server", "HarperDB");
    return respond(c, 200, resp);
}

static void on_upgraded(void *cls, struct MHD_Connection *c, void *req_cls,
                        const char *extra_in, size_t extra_in_size, MHD_socket sock,
                        struct MHD_UpgradeResponseHandle *urh)
{
    (void)c;
    (void)req_cls;
    (void)extra_in;
    (void)extra_in_size;
    ws_conn_start(cls, sock, urh);
}

/* A WebSocket upgrade (ws.c): the handshake always succeeds when well-formed; a path with no
 * table, or no login, then gets Harper's close codes. */
static enum MHD_Result handle_websocket(struct http_server *hs, struct MHD_Connection *c,
                                        const struct request *rq, const rest_request *req)
{
    ws_handshake_request hreq = {req->method, rq->version, header(c, "Upgrade"),
                                 header(c, "Connection"), header(c, "Sec-WebSocket-Version"),
                                 header(c, "Sec-WebSocket-Key"),
                                 header(c, "Sec-WebSocket-Protocol"), header(c, "Origin")};
    ws_handshake_reply reply;
    struct MHD_Response *resp;
    rest_response out;
    harper_table *t = NULL;
    ws_conn *conn;
    char *key = NULL;
    char reason[160] = "";
    char pk[256] = "id";
    int pair[2] = {-1, -1};
    int code = 0;
    int found;

    if (ws_handshake(&hreq, NULL, 0, NULL, 0, &reply) != 101) {
        resp = MHD_create_response_from_buffer(strlen(reply.body), (void *)reply.body,
                                               MHD_RESPMEM_MUST_COPY);
        if (resp == NULL)
            return MHD_NO;
        for (size_t i = 0; i < reply.n_headers; i++)
            MHD_add_response_header(resp, reply.headers[i].name, reply.headers[i].value);
        return respond(c, (unsigned)reply.status, resp);
    }
    found = rest_target(hs->srv, req, &t, &key, &out);
    rest_response_clear(&out);
    if (reply.protocol != NULL && strcmp(reply.protocol, "mqtt") == 0) {
        /* MQTT over WebSocket: the broker serves one end of a socket pair, the connection
         * thread carries bytes between it and the WebSocket. */
        if (hs->srv->mqtt == NULL || !config_bool(hs->srv->config, "mqtt.webSocket", true) ||
            socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
            code = WS_CLOSE_INTERNAL_ERROR;
            snprintf(reason, sizeof reason, "MQTT over WebSocket is off");
        } else if (mqtt_broker_adopt(hs->srv->mqtt, pair[0], req->user) != 0) {
            close(pair[0]);
            close(pair[1]);
            pair[1] = -1;
            code = WS_CLOSE_INTERNAL_ERROR;
            snprintf(reason, sizeof reason, "the MQTT broker is stopping");
        }
    } else if (found <= 0) {
        code = WS_CLOSE_INTERNAL_ERROR;
        snprintf(reason, sizeof reason, "No resource was found to handle %.*s",
                 (int)(req->path_len > 100 ? 100 : req->path_len), req->path);
    } else if (req->user == NULL) {
        code = WS_CLOSE_HARPER_MUST_LOGIN;
        snprintf(reason, sizeof reason, "AccessViolation: Must login");
    } else {
        table_pk(t, pk, sizeof pk);
    }
    conn = ws_conn_new(hs->sockets, t, key, pk, code, reason);
    free(key);
    if (conn == NULL) {
        if (pair[1] >= 0)
            close(pair[1]);
        return MHD_NO;
    }
    if (code == 0 && pair[1] >= 0)
        ws_conn_bridge(conn, pair[1]);
    resp = MHD_create_response_for_upgrade(on_upgraded, conn);
    if (resp == NULL) {
        ws_conn_discard(conn);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_UPGRADE, "websocket");
    MHD_add_response_header(resp, "Sec-WebSocket-Accept", reply.accept);
    if (reply.protocol != NULL)
        MHD_add_response_header(resp, "Sec-WebSocket-Protocol", reply.protocol);
    return respond(c, MHD_HTTP_SWITCHING_PROTOCOLS, resp);
}

static enum MHD_Result handle_rest(struct http_server *hs, struct MHD_Connection *c,
                                   const char *method, struct request *rq)
{
    rest_response out;
    rest_request req;
    struct MHD_Response *resp;
    const char *query = strchr(rq->uri, '?');
    char peer[64];
    char user[256];
    bool loopback, local, super;
    const char *message = NULL;
    enum MHD_Result rc;
    int status;

    peer_name(c, peer, sizeof peer, &loopback, &local);
    status = authenticate(hs, c, peer, loopback, local, true, user, sizeof user, &super,
                          &message);
    if (status != 0) {
        harper__buf body = HARPER__BUF_INIT;

        harper__buf_str(&body, "{\"error\":");
        harper__json_string(&body, message, strlen(message));
        harper__buf_byte(&body, '}');
        size_t len = body.len;
        char *text = harper__buf_take(&body, NULL);

        return text == NULL ? MHD_NO : queue(c, status, "application/json", text, len, false);
    }
    req = (rest_request){
        .method = method,
        .path = rq->uri,
        .path_len = query != NULL ? (size_t)(query - rq->uri) : strlen(rq->uri),
        .query = query != NULL ? query + 1 : NULL,
        .query_len = query != NULL ? strlen(query + 1) : 0,
        .accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept"),
        .content_type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type"),
        .if_none_match = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "If-None-Match"),
        .body = rq->body,
        .body_len = rq->len,
        .has_body = rq->len > 0,
        .user = user[0] != '\0' ? user : NULL,
        .super = super,
    };
    if (rq_accepts_events(c))
        return handle_events(hs, c, &req);
    if (header(c, "Upgrade") != NULL && strcasecmp(header(c, "Upgrade"), "websocket") == 0)
        return handle_websocket(hs, c, rq, &req);
    rest_handle(hs->srv, &req, &out);
    if (out.status == 0) {
        char *text;

        rest_response_clear(&out);
        for (size_t i = 0; i < hs->srv->n_apps; i++)
            if (serve_static(&rc, c, hs->srv->apps[i], method, rq->uri))
                return rc;
        text = strdup("Not found\n");
        return text != NULL ? queue(c, 404, NULL, text, strlen(text), false) : MHD_NO;
    }
    if (out.stream != NULL) {
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 32 * 1024, read_stream,
                                                 out.stream, free_stream);
        if (resp == NULL)
            rest_stream_free(out.stream);
    } else {
        size_t len = out.has_body ? out.body.len : 0;
        char *body = out.has_body ? harper__buf_take(&out.body, NULL) : NULL;

        resp = MHD_create_response_from_buffer(len, body != NULL ? body : (char *)"",
                                               body != NULL ? MHD_RESPMEM_MUST_FREE
                                                            : MHD_RESPMEM_PERSISTENT);
        if (resp == NULL)
            free(body);
    }
    if (resp == NULL) {
        rest_response_clear(&out);
        return MHD_NO;
    }
    if (out.content_type != NULL && out.has_body)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, out.content_type);
    for (size_t i = 0; i < out.n_headers; i++)
        MHD_add_response_header(resp, out.headers[i].name, out.headers[i].value);
    MHD_add_response_header(resp, "Server", "HarperDB");
    if (out.status >= 400)
        slog_write(hs->srv->log, out.status >= 500 ? SLOG_ERROR : SLOG_DEBUG, "rest",
                   "%s: %s %.200s -> %d", peer, method, rq->uri, out.status);
    rc = respond(c, (unsigned)out.status, resp);
    rest_response_clear(&out);
    return rc;
}

/* An allowed CORS preflight: 200 without authentication. */
static enum MHD_Result preflight(struct http_server *hs, struct MHD_Connection *c, bool rest)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, (char *)"",
                                                                MHD_RESPMEM_PERSISTENT);

    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Access-Control-Allow-Methods",
                            "POST, GET, PUT, DELETE, PATCH, OPTIONS");
    MHD_add_response_header(resp, "Access-Control-Allow-Headers",
                            rest ? config_string(hs->srv->config,
                                                 "http.corsAccessControlAllowHeaders",
                                                 "Accept, Content-Type, Authorization")
                                 : "Content-Type, Authorization, Accept");
    return respond(c, 200, resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **state)
{
    struct listener *l = cls;
    struct http_server *hs = l->hs;
    struct request *rq = *state;

    if (rq == NULL)
        return MHD_NO;
    rq->version = version;
    if (!rq->started) {
        rq->started = true;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;

        *upload_data_size = 0;
        if (rq->too_big)
            return MHD_YES;
        if (rq->len + n > hs->srv->max_body) {
            /* Answering before the upload ends makes MHD close while the client still sends,
             * and the client never reads the 413; so the rest is read and dropped. */
            rq->too_big = true;
            free(rq->body);
            rq->body = NULL;
            rq->len = rq->cap = 0;
            return MHD_YES;
        }
        if (rq->len + n + 1 > rq->cap) {
            size_t cap = rq->cap ? rq->cap : 4096;
            char *grown;

            while (cap < rq->len + n + 1)
                cap *= 2;
            grown = realloc(rq->body, cap);
            if (grown == NULL)
                return MHD_NO;
            rq->body = grown;
            rq->cap = cap;
        }
        memcpy(rq->body + rq->len, upload_data, n);
        rq->len += n;
        rq->body[rq->len] = '\0';
        return MHD_YES;
    }
    cors_origin = allowed_origin(hs->srv, c, l->rest);
    cors_credentials = config_bool(hs->srv->config, "authentication.enableSessions", true);
    if (cors_origin != NULL && strcmp(method, "OPTIONS") == 0)
        return preflight(hs, c, l->rest);
    if (rq->too_big) {
        ops_reply reply = {0, NULL, 0, true};

        slog_write(hs->srv->log, SLOG_WARN, NULL, "request body over %zu bytes refused",
                   hs->srv->max_body);
        ops_reply_error(&reply, 413, "Request body is too large");
        return queue_reply(c, &reply);
    }
    if (l->rest)
        return handle_rest(hs, c, method, rq);
    if (strcmp(url, "/health") == 0 && strcmp(method, "GET") == 0) {
        char *text = strdup("HarperDB is running.");

        return text != NULL ? queue(c, 200, "text/plain; charset=utf-8", text, strlen(text),
                                    false)
                            : MHD_NO;
    }
    if (strcmp(url, "/") == 0 && strcmp(method, "POST") == 0)
        return handle_operation(hs, c, rq);
    return queue_error(c, 404, "Not found");
}

static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why)
{
    struct request *rq = *state;

    (void)cls;
    (void)c;
    (void)why;
    if (rq != NULL) {
        free(rq->uri);
        free(rq->body);
        free(rq);
        *state = NULL;
    }
}

static void on_mhd_error(void *cls, const char *fmt, va_list ap)
{
    struct http_server *hs = cls;
    char text[512];

    vsnprintf(text, sizeof text, fmt, ap);
    text[strcspn(text, "\n")] = '\0';
    slog_write(hs->srv->log, SLOG_WARN, "http", "%s", text);
}

/* The first callback of a request, with the URI as sent: MHD decodes the path it hands to
 * on_request and splits off the query, but REST needs both raw. What it returns becomes the
 * request's state. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    struct request *rq = calloc(1, sizeof *rq);

    (void)cls;
    (void)c;
    if (rq != NULL && (rq->uri = strdup(uri != NULL ? uri : "")) == NULL) {
        free(rq);
        rq = NULL;
    }
    return rq;
}

static struct MHD_Daemon *start(struct listener *l, uint16_t port, int listen_fd,
                                unsigned threads)
{
    struct http_server *hs = l->hs;

    /* ITC lets MHD_quiesce_daemon stop the accept loop of a thread pool. */
    /* ITC also wakes the loop when an event stream is resumed from a writer's thread. */
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
                     MHD_USE_ITC |
                     (l->rest ? MHD_ALLOW_SUSPEND_RESUME | MHD_ALLOW_UPGRADE : 0);

    if (listen_fd < 0)
        flags |= MHD_USE_DUAL_STACK;
    return MHD_start_daemon(
        flags, port, NULL, NULL, on_request, l, MHD_OPTION_EXTERNAL_LOGGER, on_mhd_error, hs,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, hs, MHD_OPTION_URI_LOG_CALLBACK, on_uri, hs,
        MHD_OPTION_THREAD_POOL_SIZE, threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)120, MHD_OPTION_LISTEN_SOCKET,
        listen_fd >= 0 ? listen_fd : MHD_INVALID_SOCKET, MHD_OPTION_END);
}

static int unix_listen(const char *path)
{
    struct sockaddr_un addr;
    int fd;

    if (strlen(path) >= sizeof addr.sun_path)
        return -1;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    strcpy(addr.sun_path, path);
    unlink(path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 64) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

http_server *http_start(struct server *srv, int port, int rest_port, const char *socket_path,
                        unsigned threads, char *err, size_t err_size)
{
    http_server *hs = calloc(1, sizeof *hs);
    int fd = -1;

    if (hs == NULL) {
        snprintf(err, err_size, "out of memory");
        return NULL;
    }
    hs->srv = srv;
    hs->ops_listener = (struct listener){hs, false};
    hs->rest_listener = (struct listener){hs, true};
    if (threads == 0)
        threads = 1;
    hs->tcp = start(&hs->ops_listener, (uint16_t)port, -1, threads);
    if (hs->tcp == NULL) {
        snprintf(err, err_size, "cannot listen on port %d: %s", port, strerror(errno));
        goto fail;
    }
    if (socket_path != NULL) {
        fd = unix_listen(socket_path);
        hs->local = fd >= 0 ? start(&hs->ops_listener, 0, fd, 1) : NULL;
        if (hs->local == NULL) {
            snprintf(err, err_size, "cannot listen on %s: %s", socket_path, strerror(errno));
            if (fd >= 0)
                close(fd);
            goto fail;
        }
        hs->socket_path = strdup(socket_path);
    }
    if (rest_port >= 0) {
        hs->streams = sse_streams_new(srv->log);
        hs->sockets = ws_conns_new(srv->log);
        hs->rest = start(&hs->rest_listener, (uint16_t)rest_port, -1, threads);
        if (hs->rest == NULL) {
            snprintf(err, err_size, "cannot listen on port %d: %s", rest_port, strerror(errno));
            goto fail;
        }
    }
    return hs;
fail:
    http_stop(hs);
    return NULL;
}

void http_stop(http_server *hs)
{
    struct MHD_Daemon *daemons[3];

    if (hs == NULL)
        return;
    /* Stop accepting first (the listening sockets become ours to close), then let requests in
     * flight finish. */
    daemons[0] = hs->tcp;
    daemons[1] = hs->local;
    daemons[2] = hs->rest;
    /* Suspended event streams and upgraded sockets would keep their daemon from stopping:
     * end them first. */
    sse_streams_close(hs->streams);
    ws_conns_stop(hs->sockets);
    for (int i = 0; i < 3; i++) {
        MHD_socket fd;

        if (daemons[i] == NULL)
            continue;
        fd = MHD_quiesce_daemon(daemons[i]);
        MHD_stop_daemon(daemons[i]);
        if (fd != MHD_INVALID_SOCKET)
            close(fd);
    }
    sse_streams_free(hs->streams);
    ws_conns_free(hs->sockets);
    if (hs->socket_path != NULL)
        unlink(hs->socket_path);
    free(hs->socket_path);
    free(hs);
}
