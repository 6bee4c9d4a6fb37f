/* mqtt_topic.h: what an MQTT topic names (spec mqtt.md 3): the export whose path is its first
 * level, and the record its rest names (see mqtt_topic.c). */
#ifndef HARPER_SERVER_MQTT_TOPIC_H
#define HARPER_SERVER_MQTT_TOPIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "rest.h"
#include "slog.h"

enum mqtt_target_kind {
    MQTT_TARGET_RECORD = 1,     /* Dog/1 */
    MQTT_TARGET_TABLE,          /* a filter with a wildcard after the table: Dog/#, Dog/+ */
    MQTT_TARGET_ROOT            /* Dog: the table's root topic, no record */
};

typedef struct mqtt_target {
    int kind;
    rest_table rt;              /* the table, opened for the target */
    harper_table *t;            /* rt.t */
    const char *path;           /* the export's path */
    const char *pk;             /* rt's primary key name */
    char *key;                  /* RECORD: the key as JSON */
} mqtt_target;

/* Resolves `topic` (a filter when is_filter: wildcards allowed after the first level).
 * 0, or -1 when no export has that path or the id does not fit the key's type. */
int mqtt_target_resolve(struct server *srv, const char *topic, bool is_filter,
                        mqtt_target *out);
void mqtt_target_free(mqtt_target *t);

/* The topic of an event on record id_json: "<path>/<id>", a string id unquoted, an array
 * joined with '/'. 0 or -1. */
int mqtt_topic_of_event(const mqtt_target *t, const char *id_json, size_t len,
                        harper__buf *out);

/* MQTT's matching of a topic against a filter (`+` one level, `#` the rest). */
bool mqtt_filter_matches(const char *filter, const char *topic, size_t len);

/* A client's publish on a record topic: retained, it writes the record (the payload as the
 * whole record, its key set from the topic) or, empty, deletes it; otherwise it is a message.
 * 0, or -1 (logged). */
int mqtt_target_publish(const mqtt_target *t, const char *user, const uint8_t *payload,
                        size_t len, bool retain, server_log *log);

#endif
