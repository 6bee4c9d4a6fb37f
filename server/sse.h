/* sse.h: Server-Sent Events streams on the REST port (see sse.c). */
#ifndef HARPER_SERVER_SSE_H
#define HARPER_SERVER_SSE_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "harper.h"
#include "slog.h"

typedef struct sse_stream sse_stream;
typedef struct sse_streams sse_streams;

/* The streams of one listener, so that a stop can end them. */
sse_streams *sse_streams_new(server_log *log);

/* Ends every stream (before the daemon stops: a suspended connection would hold it). */
void sse_streams_close(sse_streams *all);
void sse_streams_free(sse_streams *all);

/* A 200 text/event-stream response following table t: record `key` (JSON) or, key NULL,
 * every record (primary key `pk`). The daemon needs MHD_ALLOW_SUSPEND_RESUME. NULL with a
 * message in err. Thread-safety: safe. */
struct MHD_Response *sse_open(sse_streams *all, struct MHD_Connection *c, harper_table *t,
                              const char *key, const char *pk, char *err, size_t err_size);

#endif
