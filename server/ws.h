/* ws.h: WebSocket connections on the REST port (see ws.c). */
#ifndef HARPER_SERVER_WS_H
#define HARPER_SERVER_WS_H

#include <microhttpd.h>

#include "harper.h"
#include "slog.h"

typedef struct ws_conn ws_conn;
typedef struct ws_conns ws_conns;

/* The connections of one listener, so that a stop can end them. */
ws_conns *ws_conns_new(server_log *log);

/* Ends every connection (a close frame 1001) and waits until their threads are done. */
void ws_conns_stop(ws_conns *all);
void ws_conns_free(ws_conns *all);

/* A connection about to be upgraded that will follow table t: record `key` (JSON) or, key
 * NULL, every record (primary key `pk`); with close_code nonzero it only closes with that
 * code and reason (no resource, no login). NULL when out of memory. */
ws_conn *ws_conn_new(ws_conns *all, harper_table *t, const char *key, const char *pk,
                     int close_code, const char *close_reason);

/* Makes c carry MQTT: its messages are the bytes of an MQTT connection whose other end is fd
 * (taken over; the broker serves the peer socket). */
void ws_conn_bridge(ws_conn *c, int fd);

/* Frees a connection that was never started (the upgrade failed). */
void ws_conn_discard(ws_conn *c);

/* Starts serving the upgraded socket on a thread of its own. */
void ws_conn_start(ws_conn *c, int sock, struct MHD_UpgradeResponseHandle *urh);

#endif
