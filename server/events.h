/* events.h: what the streaming faces (SSE, WebSocket, MQTT) share about libharper events and
 * their sockets (see events.c). */
#ifndef HARPER_SERVER_EVENTS_H
#define HARPER_SERVER_EVENTS_H

#include <stdbool.h>
#include <pthread.h>
#include <stddef.h>

#include "buf.h"
#include "harper.h"

/* Harper's event object: {"id","localTime","value","version","type"} (spec realtime-http.md
 * 2), the value copied as JSON text or, value_is_json false, written as a JSON string. */
void events_json(harper__buf *b, const char *id, size_t id_len, const char *value,
                 size_t value_len, bool value_is_json, double time, const char *type);

/* Appends ev as that object. */
void events_json_of(harper__buf *b, const harper_event *ev);

/* Writes all of p[0..n) to a blocking socket; false on failure. */
bool events_send_all(int sock, const char *p, size_t n);

/* A connection thread's turn at what its subscriptions queued: clears the eventfd `wake`,
 * takes *queue (under lock) and sends it on sock, using scratch. false when the connection is
 * to end: *stop was set, or the send failed. */
bool events_flush(int wake, pthread_mutex_t *lock, harper__buf *queue, const bool *stop,
                  int sock, harper__buf *scratch);

#endif
