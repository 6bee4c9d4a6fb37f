/* ws.c: WebSocket connections on the REST port (spec realtime-http.md 1-3). An upgrade to
 * /Dog/1 or /Dog/ subscribes: the current record (or every record, in key order) as `put`
 * events, then each change, one JSON event object per text frame. Messages from the client
 * are read (pings answered, closes echoed) but, as for Harper's tables, change nothing.
 *
 * libmicrohttpd does the handshake's HTTP part and hands over the socket; each connection
 * then has a thread of its own that waits on the socket and on an eventfd the subscription
 * callback signals after queueing an event. A queue over QUEUE_LIMIT (a client that does
 * not read) ends the connection. The frames are the pure codec's (ws_codec.c). */
#include "ws.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "buf.h"
#include "events.h"
#include "ws_codec.h"

#define QUEUE_LIMIT (16u << 20)
#define MAX_MESSAGE (1u << 20)

struct ws_conn {
    ws_conns *owner;
    ws_conn *next;
    struct MHD_UpgradeResponseHandle *urh;
    int sock;
    int wake;                   /* eventfd: an event was queued, or the server stops */
    pthread_t thread;
    harper_table *t;            /* borrowed: the export's, open while the server runs */
    char *key;                  /* the record's key as JSON, NULL for the table */
    char *pk;
    int close_code;             /* nonzero: close at once with this (no resource, no login) */
    int mqtt_fd;                /* >= 0: MQTT over WebSocket, bridged to the broker here */
    char close_reason[124];
    harper_subscription *sub;
    pthread_mutex_t lock;       /* guards queue and stop */
    harper__buf queue;          /* event frames not yet sent */
    bool stop;
};

struct ws_conns {
    pthread_mutex_t lock;
    ws_conn *list;
    server_log *log;
    bool stopping;
};

ws_conns *ws_conns_new(server_log *log)
{
    ws_conns *all = calloc(1, sizeof *all);

    if (all != NULL) {
        pthread_mutex_init(&all->lock, NULL);
        all->log = log;
    }
    return all;
}

static void wake(ws_conn *c)
{
    uint64_t one = 1;

    if (write(c->wake, &one, sizeof one) < 0 && errno != EAGAIN)
        return;
}

void ws_conns_stop(ws_conns *all)
{
    ws_conn *c;

    if (all == NULL)
        return;
    /* Each thread removes itself from the list as it ends; wait until all have. */
    pthread_mutex_lock(&all->lock);
    all->stopping = true;
    for (c = all->list; c != NULL; c = c->next) {
        pthread_mutex_lock(&c->lock);
        c->stop = true;
        pthread_mutex_unlock(&c->lock);
        wake(c);
    }
    pthread_mutex_unlock(&all->lock);
    for (;;) {
        pthread_mutex_lock(&all->lock);
        c = all->list;
        pthread_mutex_unlock(&all->lock);
        if (c == NULL)
            break;
        usleep(10000);
    }
}

void ws_conns_free(ws_conns *all)
{
    if (all == NULL)
        return;
    pthread_mutex_destroy(&all->lock);
    free(all);
}

/* Appends one text frame holding the event to `out`. */
static void queue_event(harper__buf *out, const char *id, size_t id_len, const char *value,
                        size_t value_len, bool value_is_json, double time, const char *type)
{
    harper__buf text = HARPER__BUF_INIT;

    events_json(&text, id, id_len, value, value_len, value_is_json, time, type);
    if (!text.failed)
        ws_encode_frame(out, WS_OP_TEXT, true, (const uint8_t *)text.data, text.len, NULL);
    harper__buf_free(&text);
}

static void on_event(void *ctx, const harper_event *ev)
{
    ws_conn *c = ctx;
    harper__buf text = HARPER__BUF_INIT;

    events_json_of(&text, ev);
    pthread_mutex_lock(&c->lock);
    if (!c->stop) {
        if (!text.failed)
            ws_encode_frame(&c->queue, WS_OP_TEXT, true, (const uint8_t *)text.data, text.len,
                            NULL);
        if (text.failed || c->queue.failed || c->queue.len > QUEUE_LIMIT) {
            c->stop = true;     /* a client this far behind is dropped, not buffered */
            slog_write(c->owner->log, SLOG_WARN, "ws", "a slow WebSocket client was dropped");
        }
    }
    pthread_mutex_unlock(&c->lock);
    harper__buf_free(&text);
    wake(c);
}

static bool send_close(ws_conn *c, int code, const char *reason)
{
    harper__buf b = HARPER__BUF_INIT;
    bool ok;

    ws_encode_close(&b, code, reason, reason != NULL ? strlen(reason) : 0);
    ok = !b.failed && events_send_all(c->sock, b.data, b.len);
    harper__buf_free(&b);
    return ok;
}

/* The current state: the record, or every record in key order. */
static bool send_snapshot(ws_conn *c)
{
    harper__buf out = HARPER__BUF_INIT;
    harper_error err;
    uint64_t version;
    char *json;
    size_t len;
    bool ok = true;

    if (c->key != NULL) {
        if (harper_table_get_versioned(c->t, c->key, strlen(c->key), &json, &len, &version,
                                       &err) == HARPER_OK) {
            queue_event(&out, c->key, strlen(c->key), json, len, true,
                        (double)version / 4096.0, "put");
            harper_free(json);
        }
    } else {
        harper_query *q = NULL;
        harper_cursor *cur = NULL;
        const char *row;

        if (harper_query_new(c->t, &q, &err) == HARPER_OK &&
            harper_cursor_open(q, &cur, &err) == HARPER_OK) {
            while (ok && harper_cursor_next(cur, &row, &len, &err) == 1) {
                cJSON *rec = cJSON_ParseWithLength(row, len);
                char *id = rec != NULL ? cJSON_PrintUnformatted(
                                             cJSON_GetObjectItemCaseSensitive(rec, c->pk))
                                       : NULL;

                version = 0;
                if (id != NULL && harper_table_get_versioned(c->t, id, strlen(id), &json, &len,
                                                             &version, &err) == HARPER_OK) {
                    queue_event(&out, id, strlen(id), json, len, true,
                                (double)version / 4096.0, "put");
                    harper_free(json);
                }
                free(id);
                cJSON_Delete(rec);
                if (out.len > 65536) {
                    ok = events_send_all(c->sock, out.data, out.len);
                    harper__buf_reset(&out);
                }
            }
        }
        harper_cursor_close(cur);
        harper_query_free(q);
    }
    if (ok && out.len > 0)
        ok = events_send_all(c->sock, out.data, out.len);
    harper__buf_free(&out);
    return ok;
}

/* Reads what the client sent; false when the connection is to end. */
static bool read_client(ws_conn *c, harper__buf *in, ws_assembler *a)
{
    char chunk[16384];
    ssize_t n = recv(c->sock, chunk, sizeof chunk, 0);
    size_t used;
    ws_frame f;
    ws_event ev;
    ws_error err;
    ws_parse_result r;

    if (n <= 0)
        return n < 0 && (errno == EINTR || errno == EAGAIN);
    harper__buf_append(in, chunk, (size_t)n);
    while ((r = ws_frame_parse((const uint8_t *)in->data, in->len, MAX_MESSAGE, &f, &used,
                               &err)) == WS_PARSE_FRAME) {
        if (ws_assembler_feed(a, &f, &ev, &err) != 0) {
            send_close(c, err.close_code, err.message);
            return false;
        }
        memmove(in->data, in->data + used, in->len - used);
        in->len -= used;
        if (ev.kind == WS_EVENT_PING) {
            harper__buf pong = HARPER__BUF_INIT;

            ws_encode_frame(&pong, WS_OP_PONG, true, ev.data, ev.len, NULL);
            if (pong.failed || !events_send_all(c->sock, pong.data, pong.len)) {
                harper__buf_free(&pong);
                return false;
            }
            harper__buf_free(&pong);
        } else if (ev.kind == WS_EVENT_CLOSE) {
            char reason[WS_MAX_CLOSE_REASON + 1];

            snprintf(reason, sizeof reason, "%.*s", (int)ev.len, (const char *)ev.data);
            send_close(c, ev.echo_code, ev.echo_code != 0 ? reason : NULL);
            return false;
        }
        /* Text and binary messages change nothing on a table connection; on an MQTT one they
         * are the MQTT bytes. */
        if ((ev.kind == WS_EVENT_BINARY || ev.kind == WS_EVENT_TEXT) && c->mqtt_fd >= 0 &&
            !events_send_all(c->mqtt_fd, (const char *)ev.data, ev.len))
            return false;
    }
    if (r == WS_PARSE_ERROR) {
        send_close(c, err.close_code, err.message);
        return false;
    }
    return true;
}

/* MQTT over WebSocket: the broker's bytes go out as binary frames, the client's messages go
 * in as bytes, until either side closes or the server stops. */
static void bridge(ws_conn *c, harper__buf *in, ws_assembler *a)
{
    harper__buf out = HARPER__BUF_INIT;
    bool open = true;

    while (open) {
        struct pollfd fds[3] = {{c->sock, POLLIN, 0}, {c->mqtt_fd, POLLIN, 0},
                                {c->wake, POLLIN, 0}};
        char chunk[16384];
        ssize_t n;

        if (poll(fds, 3, -1) < 0 && errno != EINTR)
            break;
        if (fds[2].revents & POLLIN) {
            send_close(c, WS_CLOSE_GOING_AWAY, NULL);
            break;
        }
        if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
            n = recv(c->mqtt_fd, chunk, sizeof chunk, 0);
            if (n <= 0) {
                send_close(c, WS_CLOSE_NORMAL, NULL);   /* the broker closed the session */
                break;
            }
            harper__buf_reset(&out);
            ws_encode_frame(&out, WS_OP_BINARY, true, (const uint8_t *)chunk, (size_t)n, NULL);
            open = !out.failed && events_send_all(c->sock, out.data, out.len);
        }
        if (open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
            open = read_client(c, in, a);
    }
    harper__buf_free(&out);
    shutdown(c->mqtt_fd, SHUT_RDWR);    /* the broker sees the client go */
}

static void *serve(void *arg)
{
    ws_conn *c = arg;
    harper__buf in = HARPER__BUF_INIT;
    harper__buf out = HARPER__BUF_INIT;
    ws_assembler a;
    harper_error err;
    bool open = true;

    ws_assembler_init(&a, MAX_MESSAGE);
    if (c->mqtt_fd >= 0) {
        bridge(c, &in, &a);
        open = false;
    } else if (c->close_code != 0) {
        send_close(c, c->close_code, c->close_reason);
        open = false;
    } else if (harper_table_subscribe(c->t, c->key, c->key != NULL ? strlen(c->key) : 0,
                                      on_event, c, &c->sub, &err) != HARPER_OK) {
        send_close(c, WS_CLOSE_INTERNAL_ERROR, err.message);
        open = false;
    } else {
        /* Events that arrive while the snapshot is sent wait in the queue: snapshot first. */
        open = send_snapshot(c);
    }
    pthread_mutex_lock(&c->lock);
    if (c->stop)
        open = false;
    pthread_mutex_unlock(&c->lock);
    while (open) {
        struct pollfd fds[2] = {{c->sock, POLLIN, 0}, {c->wake, POLLIN, 0}};

        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            break;
        if (fds[1].revents & POLLIN) {
            open = events_flush(c->wake, &c->lock, &c->queue, &c->stop, c->sock, &out);
            if (!open)
                send_close(c, WS_CLOSE_GOING_AWAY, NULL);
        }
        if (open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
            open = read_client(c, &in, &a);
    }
    harper_subscription_close(c->sub);
    ws_assembler_free(&a);
    harper__buf_free(&in);
    harper__buf_free(&out);
    MHD_upgrade_action(c->urh, MHD_UPGRADE_ACTION_CLOSE);
    {
        ws_conn **at;

        pthread_mutex_lock(&c->owner->lock);
        for (at = &c->owner->list; *at != NULL && *at != c; at = &(*at)->next)
            ;
        if (*at != NULL)
            *at = c->next;
        pthread_mutex_unlock(&c->owner->lock);
    }
    close(c->wake);
    if (c->mqtt_fd >= 0)
        close(c->mqtt_fd);
    harper__buf_free(&c->queue);
    pthread_mutex_destroy(&c->lock);
    free(c->key);
    free(c->pk);
    free(c);
    return NULL;
}

ws_conn *ws_conn_new(ws_conns *all, harper_table *t, const char *key, const char *pk,
                     int close_code, const char *close_reason)
{
    ws_conn *c = calloc(1, sizeof *c);

    if (c == NULL)
        return NULL;
    c->owner = all;
    c->t = t;
    c->mqtt_fd = -1;
    c->close_code = close_code;
    snprintf(c->close_reason, sizeof c->close_reason, "%s", close_reason ? close_reason : "");
    c->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    c->key = key != NULL ? strdup(key) : NULL;
    c->pk = strdup(pk != NULL ? pk : "id");
    if (c->wake < 0 || (key != NULL && c->key == NULL) || c->pk == NULL) {
        if (c->wake >= 0)
            close(c->wake);
        free(c->key);
        free(c->pk);
        free(c);
        return NULL;
    }
    pthread_mutex_init(&c->lock, NULL);
    return c;
}

void ws_conn_bridge(ws_conn *c, int fd)
{
    c->mqtt_fd = fd;
}

void ws_conn_discard(ws_conn *c)
{
    if (c == NULL)
        return;
    close(c->wake);
    if (c->mqtt_fd >= 0)
        close(c->mqtt_fd);
    pthread_mutex_destroy(&c->lock);
    free(c->key);
    free(c->pk);
    free(c);
}

void ws_conn_start(ws_conn *c, int sock, struct MHD_UpgradeResponseHandle *urh)
{
    pthread_attr_t attr;
    bool started;

    c->sock = sock;
    c->urh = urh;
    pthread_mutex_lock(&c->owner->lock);
    c->stop = c->owner->stopping;
    c->next = c->owner->list;
    c->owner->list = c;
    pthread_mutex_unlock(&c->owner->lock);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    started = pthread_create(&c->thread, &attr, serve, c) == 0;
    pthread_attr_destroy(&attr);
    if (!started) {
        c->close_code = WS_CLOSE_INTERNAL_ERROR;
        snprintf(c->close_reason, sizeof c->close_reason, "Error: no thread for it");
        serve(c);
    }
}
