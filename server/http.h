/* http.h: the HTTP listeners: the Operations API (TCP and the root's Unix domain socket) and
 * the REST interface. */
#ifndef HARPER_SERVER_HTTP_H
#define HARPER_SERVER_HTTP_H

#include <stddef.h>

struct server;

typedef struct http_server http_server;

/* Serves the Operations API on TCP `port` (all interfaces, IPv4 and IPv6) and on the Unix
 * socket `socket_path` when not NULL, and REST on `rest_port` when it is not negative, each
 * with `threads` worker threads. NULL and a message in err on failure. */
http_server *http_start(struct server *srv, int port, int rest_port, const char *socket_path,
                        unsigned threads, char *err, size_t err_size);

/* Stops accepting, lets requests in flight finish, closes everything. NULL does nothing. */
void http_stop(http_server *hs);

#endif
