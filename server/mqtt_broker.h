/* mqtt_broker.h: the MQTT broker's listener (see mqtt_broker.c). */
#ifndef HARPER_SERVER_MQTT_BROKER_H
#define HARPER_SERVER_MQTT_BROKER_H

#include <stddef.h>

struct server;

typedef struct mqtt_broker mqtt_broker;

/* Listens on TCP `port` (IPv4 and IPv6). NULL with a message in err. */
mqtt_broker *mqtt_broker_start(struct server *srv, int port, char *err, size_t err_size);

/* Serves an MQTT connection on socket fd (taken over), such as one end of a socketpair
 * bridged from a WebSocket; `user` (may be NULL) is who the transport authenticated, used when
 * CONNECT carries no username. 0, or -1 (fd left to the caller). */
int mqtt_broker_adopt(mqtt_broker *b, int fd, const char *user);

/* Stops accepting, ends every connection (no wills) and waits for their threads. */
void mqtt_broker_stop(mqtt_broker *b);

#endif
