/* fuzz_query_json.c: arbitrary bytes as a search_by_conditions body. Invariants: parsing either
 * fails with a message or yields a query whose cursor runs to its end without error, over a
 * small table with indexed, unindexed and array attributes; no row is returned twice unless the
 * table has that many records; a value with no key encoding is refused when the cursor opens. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harper.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static harper *root;
static harper_table *table;
static char dir[] = "/tmp/harper-fuzz-query-XXXXXX";

static void cleanup(void)
{
    char cmd[64];

    harper_table_close(table);
    harper_close(root);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static void setup(void)
{
    static const char *def =
        "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\",\"type\":\"Int\"},"
        "{\"name\":\"name\",\"indexed\":true},{\"name\":\"age\",\"type\":\"Int\",\"indexed\":true},"
        "{\"name\":\"tags\",\"indexed\":true},{\"name\":\"note\"}]}";
    harper_error err;

    if (mkdtemp(dir) == NULL || harper_open(dir, NULL, &root, &err) != HARPER_OK ||
        harper_table_create(root, "data", "dog", def, strlen(def), &err) != HARPER_OK ||
        harper_table_open(root, "data", "dog", &table, &err) != HARPER_OK)
        abort();
    for (int i = 0; i < 40; i++) {
        char rec[160];

        snprintf(rec, sizeof rec,
                 "{\"id\":%d,\"name\":\"%c%d\",\"age\":%d,\"tags\":[\"t%d\",%d],\"note\":%s}", i,
                 'a' + i % 5, i, i % 9, i % 3, i % 4, i % 2 ? "null" : "\"x\"");
        if (harper_table_put(table, rec, strlen(rec), &err) != HARPER_OK)
            abort();
    }
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harper_query *q = NULL;
    harper_cursor *c = NULL;
    harper_error err;
    const char *row;
    size_t len;
    int rows = 0;
    int rc;

    if (root == NULL)
        setup();
    err.message[0] = '\0';
    rc = harper_query_from_json(table, (const char *)data, size, &q, &err);
    if (rc != HARPER_OK) {
        if (q != NULL || err.message[0] == '\0' || (rc != HARPER_EINVAL && rc != HARPER_ENOATTR))
            abort();
        return 0;
    }
    rc = harper_cursor_open(q, &c, &err);
    if (rc != HARPER_OK) {
        /* Values without a key encoding (1e999 is infinity) are refused when the plan is
         * made, with a reason; nothing else may fail here. */
        if (rc != HARPER_EINVAL || c != NULL || err.message[0] == '\0')
            abort();
        harper_query_free(q);
        return 0;
    }
    while ((rc = harper_cursor_next(c, &row, &len, &err)) == 1) {
        if (len == 0 || (row[0] != '{'))
            abort();
        if (++rows > 40)
            abort();    /* more rows than records: a record came out twice */
    }
    if (rc != 0)
        abort();
    harper_cursor_close(c);
    harper_query_free(q);
    return 0;
}
