/* sse.c: Server-Sent Events on the REST port (spec realtime-http.md 1-2 and 4): a request
 * with `Accept: text/event-stream` on /Dog/1 or /Dog/ gets the current record (or every
 * record, in key order) as `put` events, then every change as it commits, each as one
 * `data: <json>\n\n` frame.
 *
 * The stream is an MHD response whose reader drains a queue: when the queue is empty the
 * reader suspends the connection, and the subscription callback (on the writer's thread)
 * appends the event and resumes it. The snapshot of a collection is read from a cursor by the
 * reader itself, a chunk at a time, while live events wait in the queue: snapshot first, then
 * live events in commit order. A queue over QUEUE_LIMIT (a client that does not read) ends
 * the stream instead of growing. */
#include "sse.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "events.h"
#include "slog.h"

#define QUEUE_LIMIT (16u << 20)
#define CHUNK 32768

struct sse_stream {
    sse_streams *owner;
    sse_stream *next;           /* in owner's list */
    struct MHD_Connection *c;
    harper_subscription *sub;
    harper_table *t;            /* borrowed: the export's, open while the server runs */
    harper_query *q;            /* the collection snapshot, until read */
    harper_cursor *cursor;
    const char *pk;             /* the table's primary key name, for snapshot ids */
    char *pk_owned;
    pthread_mutex_t lock;       /* guards what follows */
    harper__buf queue;          /* frames not yet sent */
    size_t sent;                /* of queue */
    bool suspended;
    bool closed;                /* end the response once the queue is sent */
};

struct sse_streams {
    pthread_mutex_t lock;
    sse_stream *list;
    server_log *log;
    bool stopping;              /* sse_streams_close ran: no new streams */
};

sse_streams *sse_streams_new(server_log *log)
{
    sse_streams *all = calloc(1, sizeof *all);

    if (all != NULL) {
        pthread_mutex_init(&all->lock, NULL);
        all->log = log;
    }
    return all;
}

void sse_streams_close(sse_streams *all)
{
    if (all == NULL)
        return;
    pthread_mutex_lock(&all->lock);
    all->stopping = true;
    for (sse_stream *s = all->list; s != NULL; s = s->next) {
        pthread_mutex_lock(&s->lock);
        s->closed = true;
        if (s->suspended) {
            s->suspended = false;
            MHD_resume_connection(s->c);
        }
        pthread_mutex_unlock(&s->lock);
    }
    pthread_mutex_unlock(&all->lock);
}

void sse_streams_free(sse_streams *all)
{
    if (all == NULL)
        return;
    pthread_mutex_destroy(&all->lock);
    free(all);
}

/* Appends one `data: <event>\n\n` frame. */
static void frame(harper__buf *b, const char *id, size_t id_len, const char *value,
                  size_t value_len, double time)
{
    harper__buf_str(b, "data: ");
    events_json(b, id, id_len, value, value_len, true, time, "put");
    harper__buf_str(b, "\n\n");
}

static void on_event(void *ctx, const harper_event *ev)
{
    sse_stream *s = ctx;

    pthread_mutex_lock(&s->lock);
    if (!s->closed) {
        harper__buf_str(&s->queue, "data: ");
        events_json_of(&s->queue, ev);
        harper__buf_str(&s->queue, "\n\n");
        if (s->queue.failed || s->queue.len - s->sent > QUEUE_LIMIT) {
            /* A reader this far behind is dropped, not buffered without bound. */
            s->closed = true;
            slog_write(s->owner->log, SLOG_WARN, "sse", "a slow event-stream client was dropped");
        }
        if (s->suspended) {
            s->suspended = false;
            MHD_resume_connection(s->c);
        }
    }
    pthread_mutex_unlock(&s->lock);
}

/* Appends snapshot frames from the collection cursor (about a chunk); at its end, closes it. */
static void read_snapshot(sse_stream *s, harper__buf *out)
{
    harper_error err;
    const char *row;
    size_t len;

    while (out->len < CHUNK) {
        int rc = harper_cursor_next(s->cursor, &row, &len, &err);
        cJSON *rec;
        char *id;

        if (rc != 1) {
            harper_cursor_close(s->cursor);
            harper_query_free(s->q);
            s->cursor = NULL;
            s->q = NULL;
            return;
        }
        rec = cJSON_ParseWithLength(row, len);
        id = rec != NULL
                 ? cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(rec, s->pk))
                 : NULL;
        if (id != NULL) {
            char *ignored = NULL;
            size_t ignored_len;
            uint64_t version = 0;

            /* Rows carry no version; the record's own read gives it. */
            if (harper_table_get_versioned(s->t, id, strlen(id), &ignored, &ignored_len,
                                           &version, &err) == HARPER_OK)
                harper_free(ignored);
            frame(out, id, strlen(id), row, len, (double)version / 4096.0);
        }
        free(id);
        cJSON_Delete(rec);
    }
}

static ssize_t sse_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    sse_stream *s = cls;
    size_t n;

    (void)pos;
    if (s->cursor != NULL) {
        harper__buf chunk = HARPER__BUF_INIT;

        read_snapshot(s, &chunk);
        /* The snapshot goes before every live event already queued. */
        pthread_mutex_lock(&s->lock);
        if (chunk.len > 0) {
            harper__buf rest = HARPER__BUF_INIT;

            harper__buf_append(&rest, s->queue.data + s->sent, s->queue.len - s->sent);
            harper__buf_reset(&s->queue);
            s->sent = 0;
            harper__buf_append(&s->queue, chunk.data, chunk.len);
            harper__buf_append(&s->queue, rest.data, rest.len);
            harper__buf_free(&rest);
        }
        pthread_mutex_unlock(&s->lock);
        harper__buf_free(&chunk);
    }
    pthread_mutex_lock(&s->lock);
    if (s->sent == s->queue.len) {
        harper__buf_reset(&s->queue);
        s->sent = 0;
        if (s->closed || s->queue.failed) {
            pthread_mutex_unlock(&s->lock);
            return MHD_CONTENT_READER_END_OF_STREAM;
        }
        if (s->cursor == NULL) {
            s->suspended = true;
            MHD_suspend_connection(s->c);
        }
        pthread_mutex_unlock(&s->lock);
        return 0;
    }
    n = s->queue.len - s->sent;
    if (n > max)
        n = max;
    memcpy(buf, s->queue.data + s->sent, n);
    s->sent += n;
    pthread_mutex_unlock(&s->lock);
    return (ssize_t)n;
}

static void sse_free(void *cls)
{
    sse_stream *s = cls;
    sse_stream **at;

    /* After the close returns no callback runs, so the stream can go. */
    harper_subscription_close(s->sub);
    harper_cursor_close(s->cursor);
    harper_query_free(s->q);
    pthread_mutex_lock(&s->owner->lock);
    for (at = &s->owner->list; *at != NULL && *at != s; at = &(*at)->next)
        ;
    if (*at != NULL)
        *at = s->next;
    pthread_mutex_unlock(&s->owner->lock);
    harper__buf_free(&s->queue);
    pthread_mutex_destroy(&s->lock);
    free(s->pk_owned);
    free(s);
}

struct MHD_Response *sse_open(sse_streams *all, struct MHD_Connection *c, harper_table *t,
                              const char *key, const char *pk, char *err, size_t err_size)
{
    sse_stream *s = calloc(1, sizeof *s);
    struct MHD_Response *resp;
    harper_error herr;
    char *json = NULL;
    size_t len;
    uint64_t version;

    if (s == NULL || (s->pk_owned = strdup(pk)) == NULL) {
        free(s);
        harper__format(err, err_size, "out of memory");
        return NULL;
    }
    s->owner = all;
    s->c = c;
    s->t = t;
    s->pk = s->pk_owned;
    pthread_mutex_init(&s->lock, NULL);
    /* Subscribe before reading the current state, so no change falls between the two. */
    if (harper_table_subscribe(t, key, key != NULL ? strlen(key) : 0, on_event, s, &s->sub,
                               &herr) != HARPER_OK) {
        harper__format(err, err_size, "%s", herr.message);
        sse_free(s);
        return NULL;
    }
    if (key != NULL) {
        if (harper_table_get_versioned(t, key, strlen(key), &json, &len, &version, &herr) ==
            HARPER_OK) {
            harper__buf first = HARPER__BUF_INIT;

            frame(&first, key, strlen(key), json, len, (double)version / 4096.0);
            pthread_mutex_lock(&s->lock);
            harper__buf_append(&first, s->queue.data, s->queue.len);
            harper__buf_free(&s->queue);
            s->queue = first;
            pthread_mutex_unlock(&s->lock);
            harper_free(json);
        }
    } else if (harper_query_new(t, &s->q, &herr) != HARPER_OK ||
               harper_cursor_open(s->q, &s->cursor, &herr) != HARPER_OK) {
        harper__format(err, err_size, "%s", herr.message);
        sse_free(s);
        return NULL;
    }
    resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, CHUNK, sse_read, s, sse_free);
    if (resp == NULL) {
        sse_free(s);
        harper__format(err, err_size, "out of memory");
        return NULL;
    }
    pthread_mutex_lock(&all->lock);
    s->next = all->list;
    all->list = s;
    s->closed = all->stopping;
    pthread_mutex_unlock(&all->lock);
    return resp;
}
