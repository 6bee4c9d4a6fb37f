/* mqtt_topic.c: MQTT topics as records of exported tables (spec mqtt.md 3 and 6): resolving
 * a topic or filter, the topic of a change event, filter matching, and what a publish
 * does to the record. */
#include "mqtt_topic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_url.h"
#include "server.h"
#include "txn.h"

int mqtt_target_resolve(struct server *srv, const char *topic, bool is_filter,
                        mqtt_target *out)
{
    const char *slash = strchr(topic, '/');
    size_t plen = slash != NULL ? (size_t)(slash - topic) : strlen(topic);
    const rest_export *e = NULL;
    char msg[400];

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < srv->n_exports && e == NULL; i++)
        if (strlen(srv->exports[i].path) == plen &&
            memcmp(srv->exports[i].path, topic, plen) == 0 && plen > 0)
            e = &srv->exports[i];
    if (e == NULL || rest_table_open(srv, e->db, e->table, &out->rt) != 0)
        return -1;
    out->t = out->rt.t;
    out->path = e->path;
    out->pk = out->rt.pk;
    if (slash == NULL || slash[1] == '\0') {
        out->kind = MQTT_TARGET_ROOT;
        return 0;
    }
    if (is_filter && strpbrk(slash + 1, "+#") != NULL) {
        out->kind = MQTT_TARGET_TABLE;
        return 0;
    }
    {
        char *id = NULL;
        size_t id_len;
        cJSON *key;

        if (harper__qurl_decode(slash + 1, strlen(slash + 1), &id, &id_len) != 0) {
            mqtt_target_free(out);
            return -1;
        }
        key = rest_value_typed(out->pk, out->rt.pk_type, id, id_len, msg, sizeof msg);
        free(id);
        out->key = key != NULL ? cJSON_PrintUnformatted(key) : NULL;
        cJSON_Delete(key);
        if (out->key == NULL) {
            mqtt_target_free(out);
            return -1;
        }
    }
    out->kind = MQTT_TARGET_RECORD;
    return 0;
}

void mqtt_target_free(mqtt_target *t)
{
    if (t->rt.t != NULL)
        rest_table_close(&t->rt);
    free(t->key);
    memset(t, 0, sizeof *t);
}

static void id_text(harper__buf *out, const cJSON *v)
{
    if (cJSON_IsString(v)) {
        harper__buf_str(out, v->valuestring);
    } else if (cJSON_IsArray(v)) {
        const cJSON *el;
        bool first = true;

        cJSON_ArrayForEach(el, v) {
            if (!first)
                harper__buf_byte(out, '/');
            first = false;
            id_text(out, el);
        }
    } else {
        char *text = cJSON_PrintUnformatted(v);

        if (text != NULL)
            harper__buf_str(out, text);
        free(text);
    }
}

int mqtt_topic_of_event(const mqtt_target *t, const char *id_json, size_t len,
                        harper__buf *out)
{
    cJSON *id = cJSON_ParseWithLength(id_json, len);

    if (id == NULL)
        return -1;
    harper__buf_str(out, t->path);
    harper__buf_byte(out, '/');
    id_text(out, id);
    cJSON_Delete(id);
    return out->failed ? -1 : 0;
}

bool mqtt_filter_matches(const char *filter, const char *topic, size_t len)
{
    const char *f = filter;
    size_t i = 0;

    for (;;) {
        const char *fend = strchr(f, '/');
        size_t flen = fend != NULL ? (size_t)(fend - f) : strlen(f);
        size_t tend = i;

        if (flen == 1 && f[0] == '#')
            return true;
        while (tend < len && topic[tend] != '/')
            tend++;
        if (!(flen == 1 && f[0] == '+') &&
            (flen != tend - i || memcmp(f, topic + i, flen) != 0))
            return false;
        if (fend == NULL)
            return tend == len;
        if (tend == len)
            /* `a/#` also matches `a` */
            return strcmp(fend + 1, "#") == 0;
        f = fend + 1;
        i = tend + 1;
    }
}

/* The record a retained payload makes: a JSON object when it is one (first byte '{'), else
 * Harper's binary wrapper. */
static cJSON *payload_record(const uint8_t *p, size_t len)
{
    cJSON *rec = len > 0 && p[0] == '{' ? cJSON_ParseWithLength((const char *)p, len) : NULL;
    negotiate_body kind;
    char err[128];

    if (cJSON_IsObject(rec))
        return rec;
    cJSON_Delete(rec);
    kind = (negotiate_body){NEGOTIATE_BODY_BYTES, "application/octet-stream", 24, NULL, 0};
    return rest_raw_record(&kind, (const char *)p, len, err, sizeof err);
}

int mqtt_target_publish(const mqtt_target *t, const char *user, const uint8_t *payload,
                        size_t len, bool retain, server_log *log)
{
    harper_error err;
    harper_txn *txn;
    int rc;

    if (t->kind != MQTT_TARGET_RECORD)
        return -1;      /* root-topic messages are not kept yet */
    if (!retain)
        rc = harper_table_publish(t->t, t->key, strlen(t->key), len > 0 ? (const char *)payload
                                                                        : "null",
                                  len > 0 ? len : 4, &err);
    else if (len == 0)
        rc = harper_table_delete(t->t, t->key, strlen(t->key), &err);
    else {
        cJSON *rec = payload_record(payload, len);
        cJSON *key = cJSON_Parse(t->key);

        rc = rec != NULL && key != NULL ? HARPER_OK : HARPER_ENOMEM;
        if (rc == HARPER_OK) {
            if (cJSON_GetObjectItemCaseSensitive(rec, t->pk) != NULL)
                cJSON_ReplaceItemInObjectCaseSensitive(rec, t->pk, key);
            else
                cJSON_AddItemToObject(rec, t->pk, key);
            key = NULL;
            rc = harper_txn_begin(t->rt.h, cJSON_GetObjectItemCaseSensitive(t->rt.desc,
                                                                            "schema")->valuestring,
                                  &txn, &err);
            if (rc == HARPER_OK) {
                if (user != NULL)
                    harper_txn_set_user(txn, user);
                rc = harper__txn_write_tree(txn, t->t, HARPER_WRITE_PUT, NULL, 0, rec, NULL, NULL,
                                            &err);
                rec = NULL;
                rc = rc == HARPER_OK ? harper_txn_commit(txn, &err)
                                     : (harper_txn_abort(txn), rc);
            }
        } else {
            snprintf(err.message, sizeof err.message, "out of memory");
        }
        cJSON_Delete(rec);
        cJSON_Delete(key);
    }
    if (rc != HARPER_OK && rc != HARPER_ENOTFOUND) {
        slog_write(log, SLOG_WARN, "mqtt", "publish to %s/%s failed: %s", t->path, t->key,
                   err.message);
        return -1;
    }
    return 0;
}
