/* http.h: the Operations API's HTTP listeners (TCP and the root's Unix domain socket). */
#ifndef HARPER_SERVER_HTTP_H
#define HARPER_SERVER_HTTP_H

#include <stddef.h>

struct server;

typedef struct http_server http_server;

/* Listens on TCP `port` (all interfaces, IPv4 and IPv6) with `threads` worker threads, and on
 * the Unix socket `socket_path` when not NULL. NULL and a message in err on failure. */
http_server *http_start(struct server *srv, int port, const char *socket_path, unsigned threads,
                        char *err, size_t err_size);

/* Stops accepting, lets requests in flight finish, closes everything. NULL does nothing. */
void http_stop(http_server *hs);

#endif
