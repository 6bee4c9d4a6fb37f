/* mqtt_broker.c: the MQTT broker on mqtt.network.port (spec mqtt.md), first version: topics
 * are records of exported tables (`Dog/1`), a retained publish writes or deletes the record,
 * any other publish is a message; subscribers get the current record, then every change, by
 * libharper's pub/sub, whatever wrote it. Sessions are not durable yet (no offline queue);
 * QoS 1 and 2 flows are acknowledged as Harper acknowledges them, without redelivery.
 *
 * One thread accepts; each connection has a thread that waits on its socket and on an
 * eventfd its subscriptions signal after queueing a PUBLISH (writers never block on a
 * client). A queue over QUEUE_LIMIT drops the connection. Packets are the pure codec's
 * (mqtt_codec.c); what a topic names is mqtt_topic.c's. */
#include "mqtt_broker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "mqtt_codec.h"
#include "mqtt_topic.h"
#include "server.h"

#define QUEUE_LIMIT (16u << 20)
#define MAX_PACKET (16u << 20)
#define MAX_SUBS 64

struct mqtt_sub_state {
    char *filter;
    uint8_t qos;
    harper_subscription *sub;
    struct conn *conn;
    mqtt_target target;
};

struct conn {
    mqtt_broker *b;
    struct conn *next;
    int sock;
    int wake;
    int version;                /* 0 until CONNECT */
    bool connected;
    char user[256];
    bool has_user;
    char transport_user[256];   /* MQTT over WebSocket: who the upgrade authenticated */
    bool has_transport_user;
    uint16_t keep_alive;
    struct mqtt_sub_state subs[MAX_SUBS];
    size_t n_subs;
    /* the will, published on an abrupt close */
    bool has_will;
    char *will_topic;
    harper__buf will_payload;
    bool will_retain;
    pthread_mutex_t lock;       /* guards queue, next_id, stop */
    harper__buf queue;
    uint16_t next_id;
    bool stop;
};

struct mqtt_broker {
    struct server *srv;
    int listen_fd;
    pthread_t acceptor;
    pthread_mutex_t lock;
    struct conn *list;
    bool stopping;
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void wake(struct conn *c)
{
    uint64_t one = 1;

    if (write(c->wake, &one, sizeof one) < 0 && errno != EAGAIN)
        return;
}

static bool send_packet(struct conn *c, const mqtt_packet *pkt)
{
    harper__buf out = HARPER__BUF_INIT;
    bool ok = mqtt_encode(pkt, c->version != 0 ? c->version : 4, &out) == 0 &&
              events_send_all(c->sock, out.data, out.len);

    harper__buf_free(&out);
    return ok;
}

static bool send_ack(struct conn *c, mqtt_type type, uint16_t id, uint8_t reason)
{
    mqtt_packet p;

    memset(&p, 0, sizeof p);
    p.type = type;
    p.packet_id = id;
    p.reason = c->version == 5 ? reason : 0;
    return send_packet(c, &p);
}

/* Queues a PUBLISH of `payload` on `topic` for the connection (from any thread). */
static void queue_publish(struct conn *c, const char *topic, size_t topic_len,
                          const char *payload, size_t len, uint8_t qos)
{
    mqtt_packet p;

    memset(&p, 0, sizeof p);
    p.type = MQTT_PUBLISH;
    p.u.publish.topic = (mqtt_bytes){(const uint8_t *)topic, topic_len};
    p.u.publish.payload = (mqtt_bytes){(const uint8_t *)payload, len};
    p.u.publish.qos = qos;
    pthread_mutex_lock(&c->lock);
    if (!c->stop) {
        /* Harper's counter wraps below 65500; QoS 0 packets carry none on the wire. */
        c->next_id = (uint16_t)(c->next_id % 65499 + 1);
        p.packet_id = qos > 0 ? c->next_id : 0;
        if (mqtt_encode(&p, c->version, &c->queue) != 0 || c->queue.len > QUEUE_LIMIT) {
            c->stop = true;
            slog_write(c->b->srv->log, SLOG_WARN, "mqtt", "a slow MQTT client was dropped");
        }
    }
    pthread_mutex_unlock(&c->lock);
    wake(c);
}

static void on_event(void *ctx, const harper_event *ev)
{
    struct mqtt_sub_state *s = ctx;
    harper__buf topic = HARPER__BUF_INIT;

    if (mqtt_topic_of_event(&s->target, ev->id, ev->id_len, &topic) == 0 &&
        mqtt_filter_matches(s->filter, topic.data, topic.len)) {
        if (ev->kind == HARPER_EVENT_DELETE)
            queue_publish(s->conn, topic.data, topic.len, "null", 4, s->qos);
        else
            queue_publish(s->conn, topic.data, topic.len, ev->value, ev->value_len, s->qos);
    }
    harper__buf_free(&topic);
}

/* ---- client packets ---- */

static bool on_connect(struct conn *c, const mqtt_packet *p, bool loopback)
{
    const mqtt_connect *m = &p->u.connect;
    struct server *srv = c->b->srv;
    mqtt_packet ack;
    bool ok = true;

    c->version = m->level == 5 ? 5 : 4;
    c->keep_alive = m->keep_alive;
    if (m->has_username) {
        char user[256], pass[256];
        harper_error err;

        snprintf(user, sizeof user, "%.*s", (int)m->username.len, (const char *)m->username.p);
        snprintf(pass, sizeof pass, "%.*s", (int)m->password.len, (const char *)m->password.p);
        ok = m->has_password &&
             harper_user_authenticate(srv->h, user, pass, NULL, NULL, &err) == HARPER_OK;
        if (ok) {
            snprintf(c->user, sizeof c->user, "%s", user);
            c->has_user = true;
        }
    } else if (c->has_transport_user) {
        snprintf(c->user, sizeof c->user, "%s", c->transport_user);
        c->has_user = true;
    } else if (loopback && srv->authorize_local) {
        snprintf(c->user, sizeof c->user, "%s", srv->super_user ? srv->super_user : "");
        c->has_user = true;
    } else {
        ok = !config_bool(srv->config, "mqtt.requireAuthentication", true);
    }
    memset(&ack, 0, sizeof ack);
    ack.type = MQTT_CONNACK;
    /* Harper's wire bytes for a refusal are swapped between the versions (mqtt.md 4.2). */
    ack.reason = ok ? 0 : c->version == 5 ? 0x04 : 0x86;
    c->connected = ok;
    if (ok && m->has_will) {
        c->has_will = true;
        c->will_topic = strndup((const char *)m->will_topic.p, m->will_topic.len);
        harper__buf_append(&c->will_payload, m->will_payload.p, m->will_payload.len);
        c->will_retain = m->will_retain;
    }
    return send_packet(c, &ack);
}

/* The initial state of a subscription: the record, or the matching records of the table. */
static void send_current(struct conn *c, struct mqtt_sub_state *s)
{
    harper__buf topic = HARPER__BUF_INIT;
    harper_error err;
    char *json;
    size_t len;

    if (s->target.kind == MQTT_TARGET_RECORD) {
        if (harper_table_get(s->target.t, s->target.key, strlen(s->target.key), &json, &len,
                             &err) == HARPER_OK) {
            if (mqtt_topic_of_event(&s->target, s->target.key, strlen(s->target.key), &topic) ==
                0)
                queue_publish(c, topic.data, topic.len, json, len, s->qos);
            harper_free(json);
        }
    } else if (s->target.kind == MQTT_TARGET_TABLE) {
        harper_query *q = NULL;
        harper_cursor *cur = NULL;
        const char *row;

        if (harper_query_new(s->target.t, &q, &err) == HARPER_OK &&
            harper_cursor_open(q, &cur, &err) == HARPER_OK) {
            while (harper_cursor_next(cur, &row, &len, &err) == 1) {
                cJSON *rec = cJSON_ParseWithLength(row, len);
                char *id = rec != NULL ? cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(
                                             rec, s->target.pk))
                                       : NULL;

                harper__buf_reset(&topic);
                if (id != NULL && mqtt_topic_of_event(&s->target, id, strlen(id), &topic) == 0 &&
                    mqtt_filter_matches(s->filter, topic.data, topic.len))
                    queue_publish(c, topic.data, topic.len, row, len, s->qos);
                free(id);
                cJSON_Delete(rec);
            }
        }
        harper_cursor_close(cur);
        harper_query_free(q);
    }
    harper__buf_free(&topic);
}

static void drop_sub(struct conn *c, size_t i)
{
    harper_subscription_close(c->subs[i].sub);
    mqtt_target_free(&c->subs[i].target);
    free(c->subs[i].filter);
    /* The callbacks' contexts are the slots: keep them where they are, mark the slot free. */
    memset(&c->subs[i], 0, sizeof c->subs[i]);
}

static bool on_subscribe(struct conn *c, const mqtt_packet *p)
{
    uint8_t codes[MQTT_MAX_TOPICS];
    struct mqtt_sub_state *fresh[MQTT_MAX_TOPICS];
    size_t n_fresh = 0;
    mqtt_packet ack;
    harper_error err;
    bool ok;

    for (size_t i = 0; i < p->u.sub.n_subs; i++) {
        const mqtt_sub *sub = &p->u.sub.subs[i];
        char *filter = strndup((const char *)sub->filter.p, sub->filter.len);
        struct mqtt_sub_state *slot = NULL;
        uint8_t fail = c->version == 5 ? 0x8F : 0x80;

        codes[i] = sub->filter_error != 0 ? 0x80 : fail;
        if (filter == NULL || sub->filter_error != 0 || !c->has_user) {
            if (!c->has_user)
                codes[i] = 0x80;
            free(filter);
            continue;
        }
        /* The same filter again replaces the subscription. */
        for (size_t k = 0; k < MAX_SUBS; k++)
            if (c->subs[k].filter != NULL && strcmp(c->subs[k].filter, filter) == 0)
                drop_sub(c, k);
        for (size_t k = 0; k < MAX_SUBS && slot == NULL; k++)
            if (c->subs[k].filter == NULL)
                slot = &c->subs[k];
        if (slot == NULL) {
            codes[i] = 0x80;
            free(filter);
            continue;
        }
        if (mqtt_target_resolve(c->b->srv, filter, true, &slot->target) != 0) {
            slog_write(c->b->srv->log, SLOG_WARN, "mqtt",
                       "The topic %s does not exist, no resource has been defined to handle "
                       "this topic",
                       filter);
            free(filter);
            continue;
        }
        slot->filter = filter;
        slot->qos = sub->qos;
        slot->conn = c;
        if (slot->target.kind != MQTT_TARGET_ROOT &&
            harper_table_subscribe(slot->target.t,
                                   slot->target.kind == MQTT_TARGET_RECORD ? slot->target.key
                                                                           : NULL,
                                   slot->target.kind == MQTT_TARGET_RECORD
                                       ? strlen(slot->target.key)
                                       : 0,
                                   on_event, slot, &slot->sub, &err) != HARPER_OK) {
            drop_sub(c, (size_t)(slot - c->subs));
            continue;
        }
        codes[i] = sub->qos;
        if (sub->retain_handling != 2)
            fresh[n_fresh++] = slot;
    }
    memset(&ack, 0, sizeof ack);
    ack.type = MQTT_SUBACK;
    ack.packet_id = p->packet_id;
    ack.u.codes = (mqtt_bytes){codes, p->u.sub.n_subs};
    ok = send_packet(c, &ack);
    /* The SUBACK goes first, then the current state (the spec allows either order). */
    for (size_t i = 0; ok && i < n_fresh; i++)
        send_current(c, fresh[i]);
    return ok;
}

static bool on_unsubscribe(struct conn *c, const mqtt_packet *p)
{
    uint8_t codes[MQTT_MAX_TOPICS];
    mqtt_packet ack;

    for (size_t i = 0; i < p->u.sub.n_subs; i++) {
        const mqtt_bytes *f = &p->u.sub.subs[i].filter;

        codes[i] = 0;
        for (size_t k = 0; k < MAX_SUBS; k++)
            if (c->subs[k].filter != NULL && strlen(c->subs[k].filter) == f->len &&
                memcmp(c->subs[k].filter, f->p, f->len) == 0)
                drop_sub(c, k);
    }
    memset(&ack, 0, sizeof ack);
    ack.type = MQTT_UNSUBACK;
    ack.packet_id = p->packet_id;
    ack.u.codes = (mqtt_bytes){codes, p->u.sub.n_subs};
    return send_packet(c, &ack);
}

/* A publish by the client (or its will): a retained one writes the record, others are
 * messages. true when it was carried out. */
static bool apply_publish(struct conn *c, const char *topic, size_t topic_len,
                          const uint8_t *payload, size_t len, bool retain)
{
    mqtt_target target;
    char *name = strndup(topic, topic_len);
    bool ok = false;

    if (name == NULL || !c->has_user ||
        mqtt_target_resolve(c->b->srv, name, false, &target) != 0) {
        if (name != NULL)
            slog_write(c->b->srv->log, SLOG_WARN, "mqtt",
                       "Can not publish to topic %s as it does not exist, no resource has been "
                       "defined to handle this topic",
                       name);
        free(name);
        return false;
    }
    free(name);
    ok = mqtt_target_publish(&target, c->has_user ? c->user : NULL, payload, len, retain,
                             c->b->srv->log) == 0;
    mqtt_target_free(&target);
    return ok;
}

static bool on_publish(struct conn *c, const mqtt_packet *p)
{
    const mqtt_publish *m = &p->u.publish;
    bool done = apply_publish(c, (const char *)m->topic.p, m->topic.len, m->payload.p,
                              m->payload.len, m->retain);

    if (m->qos == 1)
        return send_ack(c, MQTT_PUBACK, p->packet_id, done ? 0 : 0x80);
    if (m->qos == 2)
        return send_ack(c, MQTT_PUBREC, p->packet_id, done ? 0 : 0x80);
    return true;
}

/* One packet; false when the connection is to end (graceful says whether without a will). */
static bool on_packet(struct conn *c, const uint8_t *bytes, size_t len, bool loopback,
                      bool *graceful)
{
    mqtt_packet p;
    mqtt_error err;
    bool ok = true;

    if (mqtt_decode(bytes, len, c->version, &p, &err) != 0) {
        slog_write(c->b->srv->log, SLOG_WARN, "mqtt", "closing a connection: %s", err.message);
        if (c->version == 5 && c->connected) {
            mqtt_packet d;

            memset(&d, 0, sizeof d);
            d.type = MQTT_DISCONNECT;
            d.reason = err.reason;
            send_packet(c, &d);
        }
        return false;
    }
    if (!c->connected && p.type != MQTT_CONNECT) {
        mqtt_packet_free(&p);
        return false;   /* before a successful CONNECT nothing else is taken */
    }
    switch (p.type) {
    case MQTT_CONNECT: ok = c->version == 0 && on_connect(c, &p, loopback); break;
    case MQTT_SUBSCRIBE: ok = on_subscribe(c, &p); break;
    case MQTT_UNSUBSCRIBE: ok = on_unsubscribe(c, &p); break;
    case MQTT_PUBLISH: ok = on_publish(c, &p); break;
    case MQTT_PUBREL: ok = send_ack(c, MQTT_PUBCOMP, p.packet_id, 0); break;
    case MQTT_PUBREC: ok = send_ack(c, MQTT_PUBREL, p.packet_id, 0); break;
    case MQTT_PINGREQ: {
        mqtt_packet pong;

        memset(&pong, 0, sizeof pong);
        pong.type = MQTT_PINGRESP;
        ok = send_packet(c, &pong);
        break;
    }
    case MQTT_DISCONNECT:
        *graceful = true;
        ok = false;
        break;
    default: break;     /* PUBACK, PUBCOMP, AUTH: nothing to do */
    }
    mqtt_packet_free(&p);
    return ok;
}

static void *serve(void *arg)
{
    struct conn *c = arg;
    harper__buf in = HARPER__BUF_INIT;
    harper__buf out = HARPER__BUF_INIT;
    struct sockaddr_storage peer;
    socklen_t peer_len = sizeof peer;
    bool loopback = false;
    bool open = true;
    bool graceful = false;
    int64_t last = now_ms();

    if (getpeername(c->sock, (struct sockaddr *)&peer, &peer_len) == 0) {
        if (peer.ss_family == AF_INET)
            loopback = (ntohl(((struct sockaddr_in *)&peer)->sin_addr.s_addr) >> 24) == 127;
        else if (peer.ss_family == AF_INET6) {
            const struct in6_addr *a = &((struct sockaddr_in6 *)&peer)->sin6_addr;

            loopback = IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
        }
    }
    while (open) {
        struct pollfd fds[2] = {{c->sock, POLLIN, 0}, {c->wake, POLLIN, 0}};
        int timeout = c->keep_alive > 0 ? 500 : -1;

        if (poll(fds, 2, timeout) < 0 && errno != EINTR)
            break;
        if (c->keep_alive > 0 && now_ms() - last > (int64_t)c->keep_alive * 1500)
            break;      /* 1.5 x keepalive without a packet: dropped, the will goes out */
        if (fds[1].revents & POLLIN)
            open = events_flush(c->wake, &c->lock, &c->queue, &c->stop, c->sock, &out);
        if (open && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
            char chunk[16384];
            ssize_t n = recv(c->sock, chunk, sizeof chunk, 0);
            size_t plen;
            mqtt_frame_status st;

            if (n <= 0) {
                open = n < 0 && (errno == EINTR || errno == EAGAIN);
                continue;
            }
            last = now_ms();
            harper__buf_append(&in, chunk, (size_t)n);
            while (open && (st = mqtt_frame((const uint8_t *)in.data, in.len, MAX_PACKET,
                                            &plen)) == MQTT_FRAME_READY) {
                open = on_packet(c, (const uint8_t *)in.data, plen, loopback, &graceful);
                memmove(in.data, in.data + plen, in.len - plen);
                in.len -= plen;
            }
            if (open && st < 0)
                open = false;
        }
    }
    for (size_t k = 0; k < MAX_SUBS; k++)
        if (c->subs[k].filter != NULL)
            drop_sub(c, k);
    /* A will is for a connection that dropped, not for one the server stops. */
    if (c->connected && c->has_will && !graceful && !c->b->stopping)
        apply_publish(c, c->will_topic, strlen(c->will_topic),
                      (const uint8_t *)c->will_payload.data, c->will_payload.len, c->will_retain);
    close(c->sock);
    {
        struct conn **at;

        pthread_mutex_lock(&c->b->lock);
        for (at = &c->b->list; *at != NULL && *at != c; at = &(*at)->next)
            ;
        if (*at != NULL)
            *at = c->next;
        pthread_mutex_unlock(&c->b->lock);
    }
    close(c->wake);
    harper__buf_free(&in);
    harper__buf_free(&out);
    harper__buf_free(&c->queue);
    harper__buf_free(&c->will_payload);
    free(c->will_topic);
    pthread_mutex_destroy(&c->lock);
    free(c);
    return NULL;
}

int mqtt_broker_adopt(mqtt_broker *b, int fd, const char *user)
{
    struct conn *c;
    pthread_attr_t attr;
    pthread_t th;

    if (b == NULL)
        return -1;
    c = calloc(1, sizeof *c);
    if (c == NULL || (c->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        free(c);
        return -1;
    }
    c->b = b;
    c->sock = fd;
    if (user != NULL) {
        snprintf(c->transport_user, sizeof c->transport_user, "%s", user);
        c->has_transport_user = true;
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_mutex_lock(&b->lock);
    if (b->stopping) {
        pthread_mutex_unlock(&b->lock);
        close(c->wake);
        pthread_mutex_destroy(&c->lock);
        free(c);
        return -1;
    }
    c->next = b->list;
    b->list = c;
    pthread_mutex_unlock(&b->lock);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &attr, serve, c) != 0)
        serve(c);
    pthread_attr_destroy(&attr);
    return 0;
}

static void *accept_loop(void *arg)
{
    mqtt_broker *b = arg;

    for (;;) {
        int fd = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);

        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            return NULL;    /* the listening socket was shut down: stopping */
        }
        if (mqtt_broker_adopt(b, fd, NULL) != 0)
            close(fd);
    }
}

mqtt_broker *mqtt_broker_start(struct server *srv, int port, char *err, size_t err_size)
{
    mqtt_broker *b = calloc(1, sizeof *b);
    struct sockaddr_in6 addr;
    int one = 1, zero = 0;

    if (b == NULL) {
        harper__format(err, err_size, "out of memory");
        return NULL;
    }
    b->srv = srv;
    pthread_mutex_init(&b->lock, NULL);
    b->listen_fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&addr, 0, sizeof addr);
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons((uint16_t)port);
    addr.sin6_addr = in6addr_any;
    if (b->listen_fd < 0 ||
        setsockopt(b->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        setsockopt(b->listen_fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero) != 0 ||
        bind(b->listen_fd, (struct sockaddr *)&addr, sizeof addr) != 0 ||
        listen(b->listen_fd, 128) != 0 ||
        pthread_create(&b->acceptor, NULL, accept_loop, b) != 0) {
        harper__format(err, err_size, "cannot listen on port %d: %s", port, strerror(errno));
        if (b->listen_fd >= 0)
            close(b->listen_fd);
        pthread_mutex_destroy(&b->lock);
        free(b);
        return NULL;
    }
    return b;
}

void mqtt_broker_stop(mqtt_broker *b)
{
    struct conn *c;

    if (b == NULL)
        return;
    pthread_mutex_lock(&b->lock);
    b->stopping = true;
    pthread_mutex_unlock(&b->lock);
    shutdown(b->listen_fd, SHUT_RDWR);
    pthread_join(b->acceptor, NULL);
    close(b->listen_fd);
    pthread_mutex_lock(&b->lock);
    for (c = b->list; c != NULL; c = c->next) {
        pthread_mutex_lock(&c->lock);
        c->stop = true;
        pthread_mutex_unlock(&c->lock);
        shutdown(c->sock, SHUT_RDWR);
        wake(c);
    }
    pthread_mutex_unlock(&b->lock);
    /* Each connection's thread takes itself off the list as it ends. */
    for (;;) {
        pthread_mutex_lock(&b->lock);
        c = b->list;
        pthread_mutex_unlock(&b->lock);
        if (c == NULL)
            break;
        usleep(10000);
    }
    pthread_mutex_destroy(&b->lock);
    free(b);
}
