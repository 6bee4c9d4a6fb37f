/* test_table_define.c: harper_table_define, a table reconciled with a changed definition. */
#include <cjson/cJSON.h>

#include "test.h"

static int define(harper *h, const char *def, int *created, harper_error *err)
{
    return harper_table_define(h, "zoo", "dog", def, strlen(def), created, err);
}

/* How many rows `name == value` finds, or -1 when the query fails. */
static int count_where(harper_table *t, const char *name, const char *value)
{
    harper_query *q;
    harper_cursor *c;
    harper_error err;
    const char *row;
    size_t len;
    int n = 0;

    if (harper_query_new(t, &q, &err) != HARPER_OK)
        return -1;
    if (harper_query_where(q, name, HARPER_EQUALS, value, strlen(value), &err) != HARPER_OK ||
        harper_cursor_open(q, &c, &err) != HARPER_OK) {
        harper_query_free(q);
        return -1;
    }
    while (harper_cursor_next(c, &row, &len, &err) == 1)
        n++;
    harper_cursor_close(c);
    harper_query_free(q);
    return n;
}

static cJSON *attr_of(harper_table *t, const char *name)
{
    harper_error err;
    char *json;
    size_t len;
    static cJSON *desc;
    cJSON *a;

    cJSON_Delete(desc);
    CHECK_OK(harper_table_describe(t, HARPER_DESCRIBE_DEFINITION, &json, &len, &err), &err);
    desc = cJSON_Parse(json);
    harper_free(json);
    cJSON_ArrayForEach(a, cJSON_GetObjectItem(desc, "attributes"))
        if (strcmp(cJSON_GetObjectItem(a, "attribute")->valuestring, name) == 0)
            return a;
    return NULL;
}

TEST(table_define_creates_then_reconciles)
{
    harper *h;
    harper_table *t;
    harper_error err;
    int created = -1;
    char *json;
    size_t len;

    CHECK_OK(harper_open(test_dir(), NULL, &h, &err), &err);
    CHECK_OK(define(h, "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\",\"type\":"
                       "\"Long\"},{\"name\":\"name\",\"type\":\"String\",\"indexed\":true},"
                       "{\"name\":\"age\",\"type\":\"Int\"}]}",
                    &created, &err),
             &err);
    CHECK_EQ_INT(created, 1);
    CHECK_OK(harper_table_open(h, "zoo", "dog", &t, &err), &err);
    for (int i = 1; i <= 20; i++) {
        char rec[128];

        snprintf(rec, sizeof rec, "{\"id\":%d,\"name\":\"dog%d\",\"age\":%d,\"breed\":\"b%d\"}", i,
                 i % 3, i % 5, i % 2);
        CHECK_OK(harper_table_put(t, rec, strlen(rec), &err), &err);
    }
    CHECK_EQ_INT(count_where(t, "name", "\"dog1\""), 7);
    CHECK_EQ_INT(count_where(t, "breed", "\"b1\""), -1);    /* not an attribute yet */

    /* name loses its index, age gains one, breed is new and indexed over the records there. */
    CHECK_OK(define(h, "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\",\"type\":"
                       "\"Long\"},{\"name\":\"age\",\"type\":\"Int\",\"indexed\":true},"
                       "{\"name\":\"breed\",\"type\":\"String\",\"indexed\":true}],"
                       "\"expiration\":60}",
                    &created, &err),
             &err);
    CHECK_EQ_INT(created, 0);
    CHECK_EQ_INT(count_where(t, "breed", "\"b1\""), 10);
    CHECK_EQ_INT(count_where(t, "age", "3"), 4);
    CHECK(attr_of(t, "name") == NULL);
    CHECK(attr_of(t, "breed") != NULL);
    CHECK_EQ_INT(harper_table_check(t, &err), HARPER_OK);
    /* The values of a removed attribute stay in the records. */
    CHECK_OK(harper_table_get(t, "4", 1, &json, &len, &err), &err);
    CHECK(strstr(json, "\"name\":\"dog1\"") != NULL);
    harper_free(json);
    /* New writes keep every index exact. */
    CHECK_OK(harper_table_put(t, "{\"id\":4,\"age\":3,\"breed\":\"b1\"}", 31, &err), &err);
    CHECK_EQ_INT(count_where(t, "breed", "\"b1\""), 11);
    CHECK_EQ_INT(count_where(t, "age", "3"), 5);
    CHECK_EQ_INT(harper_table_check(t, &err), HARPER_OK);

    /* The same definition again changes nothing; a new primary key is refused. */
    CHECK_OK(define(h, "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\",\"type\":"
                       "\"Long\"},{\"name\":\"age\",\"type\":\"Int\",\"indexed\":true},"
                       "{\"name\":\"breed\",\"type\":\"String\",\"indexed\":true}],"
                       "\"expiration\":60}",
                    &created, &err),
             &err);
    CHECK_EQ_INT(count_where(t, "breed", "\"b1\""), 11);
    CHECK_ERR(define(h, "{\"primary_key\":\"key\",\"attributes\":[{\"name\":\"key\"}]}", &created,
                     &err),
              HARPER_EINVAL, &err, "the primary key of zoo.dog cannot change from 'id' to 'key'");
    CHECK_EQ_INT(harper_table_count(t, HARPER_DESCRIBE_EXACT_COUNT, &err), 20);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);

    /* And it all survives a reopen. */
    CHECK_OK(harper_open(test_dir(), NULL, &h, &err), &err);
    CHECK_OK(harper_table_open(h, "zoo", "dog", &t, &err), &err);
    CHECK_EQ_INT(count_where(t, "breed", "\"b1\""), 11);
    CHECK_EQ_INT(harper_table_check(t, &err), HARPER_OK);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}
