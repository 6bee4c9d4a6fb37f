/* fuzz_record.c: arbitrary bytes as a record written to a schema-defined table and a dynamic
 * one. Invariants: a rejected write changes nothing (same count, same index state); an accepted
 * one reads back as a JSON object holding its key; the indexes always agree with the records. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "harper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static harper *root;
static harper_table *tables[2];
static char dir[] = "/tmp/harper-fuzz-record-XXXXXX";

static void cleanup(void)
{
    char cmd[64];

    for (int i = 0; i < 2; i++)
        harper_table_close(tables[i]);
    harper_close(root);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static void setup(void)
{
    static const char *typed =
        "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\",\"type\":\"Long\"},"
        "{\"name\":\"name\",\"type\":\"String\",\"nullable\":false},"
        "{\"name\":\"age\",\"type\":\"Int\",\"indexed\":true},"
        "{\"name\":\"born\",\"type\":\"Date\"},{\"name\":\"tags\",\"type\":\"Array\","
        "\"elements\":\"String\",\"indexed\":true}]}";
    harper_error err;

    if (mkdtemp(dir) == NULL || harper_open(dir, NULL, &root, &err) != HARPER_OK ||
        harper_table_create(root, "data", "typed", typed, strlen(typed), &err) != HARPER_OK ||
        harper_table_create(root, "data", "dyn", "{\"primary_key\":\"id\"}", 20, &err) !=
            HARPER_OK ||
        harper_table_open(root, "data", "typed", &tables[0], &err) != HARPER_OK ||
        harper_table_open(root, "data", "dyn", &tables[1], &err) != HARPER_OK)
        abort();
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harper_error err;

    if (root == NULL)
        setup();
    for (int i = 0; i < 2; i++) {
        harper_table *t = tables[i];
        int64_t before = harper_table_count(t, HARPER_DESCRIBE_EXACT_COUNT, &err);
        char *key = NULL;
        size_t key_len = 0;
        int rc = harper_table_insert(t, (const char *)data, size, &key, &key_len, &err);

        if (rc == HARPER_OK) {
            char *json = NULL;
            size_t len = 0;
            cJSON *rec;

            if (harper_table_get(t, key, key_len, &json, &len, &err) != HARPER_OK)
                abort();
            rec = cJSON_ParseWithLength(json, len);
            if (!cJSON_IsObject(rec) || cJSON_GetObjectItemCaseSensitive(rec, "id") == NULL)
                abort();
            cJSON_Delete(rec);
            harper_free(json);
            if (harper_table_delete(t, key, key_len, &err) != HARPER_OK)
                abort();
        } else if (rc == HARPER_EEXIST || rc == HARPER_EINVAL) {
            if (err.message[0] == '\0')
                abort();    /* every rejection explains itself */
        } else {
            abort();
        }
        harper_free(key);
        if (harper_table_count(t, HARPER_DESCRIBE_EXACT_COUNT, &err) != before ||
            harper_table_check(t, &err) != HARPER_OK)
            abort();
    }
    return 0;
}
