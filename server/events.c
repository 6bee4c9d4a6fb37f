/* events.c: Harper's event object for SSE and WebSocket subscribers, and a blocking send for
 * the connection threads of WebSocket and MQTT. */
#include "events.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "json.h"

void events_json(harper__buf *b, const char *id, size_t id_len, const char *value,
                 size_t value_len, bool value_is_json, double time, const char *type)
{
    harper__buf_str(b, "{\"id\":");
    harper__buf_append(b, id, id_len);
    harper__buf_str(b, ",\"localTime\":");
    harper__json_number(b, time);
    if (value != NULL) {
        harper__buf_str(b, ",\"value\":");
        if (value_is_json)
            harper__buf_append(b, value, value_len);
        else
            harper__json_string(b, value, value_len);
    }
    harper__buf_str(b, ",\"version\":");
    harper__json_number(b, time);
    harper__buf_str(b, ",\"type\":\"");
    harper__buf_str(b, type);
    harper__buf_str(b, "\"}");
}

void events_json_of(harper__buf *b, const harper_event *ev)
{
    const char *type = ev->kind == HARPER_EVENT_PUT      ? "put"
                       : ev->kind == HARPER_EVENT_DELETE ? "delete"
                                                         : "message";
    bool json = true;

    /* A published message is any bytes: JSON stays JSON, anything else becomes a string. */
    if (ev->kind == HARPER_EVENT_MESSAGE) {
        cJSON *v = ev->value_len > 0 ? cJSON_ParseWithLength(ev->value, ev->value_len) : NULL;

        json = v != NULL;
        cJSON_Delete(v);
    }
    events_json(b, ev->id, ev->id_len, ev->value, ev->value_len, json, ev->time, type);
}

bool events_send_all(int sock, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(sock, p, n, MSG_NOSIGNAL);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

bool events_flush(int wake, pthread_mutex_t *lock, harper__buf *queue, const bool *stop,
                  int sock, harper__buf *scratch)
{
    uint64_t count;
    bool open;

    if (read(wake, &count, sizeof count) < 0 && errno != EAGAIN)
        return false;
    pthread_mutex_lock(lock);
    harper__buf_append(scratch, queue->data, queue->len);
    harper__buf_reset(queue);
    open = !*stop;
    pthread_mutex_unlock(lock);
    if (scratch->len > 0 && !events_send_all(sock, scratch->data, scratch->len))
        open = false;
    harper__buf_reset(scratch);
    return open;
}
