/* test_query.c: queries through the public API on real RocksDB: every comparator on indexed
 * and non-indexed attributes (same rows either way), in and its point-lookup plans, groups,
 * arrays, sorting, offset/limit, projection, from_json errors, snapshots, dropped tables, and a
 * randomized comparison of an indexed table, its non-indexed twin and a brute-force evaluation
 * written here. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include <cjson/cJSON.h>

#include "query.h"
#include "test.h"

/* ---- helpers ---- */

static harper *open_root(void)
{
    harper *h = NULL;
    harper_error err;

    CHECK_OK(harper_open(test_dir(), NULL, &h, &err), &err);
    return h;
}

static harper_table *make_table(harper *h, const char *name, const char *def)
{
    harper_table *t = NULL;
    harper_error err;

    CHECK_OK(harper_table_create(h, "data", name, def, strlen(def), &err), &err);
    CHECK_OK(harper_table_open(h, "data", name, &t, &err), &err);
    return t;
}

static void put(harper_table *t, const char *json)
{
    harper_error err;

    CHECK_OK(harper_table_put(t, json, strlen(json), &err), &err);
}

/* A growing string. */
struct text {
    char *p;
    size_t len;
    size_t cap;
};

static void text_add(struct text *s, const char *p, size_t n)
{
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->p = realloc(s->p, s->cap);
        CHECK(s->p != NULL);
    }
    memcpy(s->p + s->len, p, n);
    s->len += n;
    s->p[s->len] = '\0';
}

/* Every row of a cursor on `q`, as "[row,row,...]" (free()). */
static char *rows_of_query(const harper_query *q)
{
    struct text s = {NULL, 0, 0};
    harper_cursor *c = NULL;
    harper_error err;
    const char *row;
    size_t len;
    int rc;
    int n = 0;

    CHECK_OK(harper_cursor_open(q, &c, &err), &err);
    text_add(&s, "[", 1);
    while ((rc = harper_cursor_next(c, &row, &len, &err)) == 1) {
        if (n++ > 0)
            text_add(&s, ",", 1);
        text_add(&s, row, len);
    }
    CHECK_OK(rc, &err);
    CHECK_EQ_INT(harper_cursor_next(c, &row, &len, &err), 0);   /* the end stays the end */
    harper_cursor_close(c);
    text_add(&s, "]", 1);
    return s.p;
}

static char *rows_of(harper_table *t, const char *query)
{
    harper_query *q = NULL;
    harper_error err;
    char *rows;

    CHECK_OK(harper_query_from_json(t, query, strlen(query), &q, &err), &err);
    rows = rows_of_query(q);
    harper_query_free(q);
    return rows;
}

#define CHECK_ROWS(t, query, want)              \
    do {                                        \
        char *got_rows = rows_of((t), (query)); \
        CHECK_EQ_STR(got_rows, (want));         \
        free(got_rows);                         \
    } while (0)

/* from_json must fail with `code` and exactly `msg`. */
static void check_bad_query(harper_table *t, const char *query, int code, const char *msg)
{
    harper_query *q = (harper_query *)&q;   /* not NULL: the call must clear it */
    harper_error err;
    int rc = harper_query_from_json(t, query, strlen(query), &q, &err);

    if (rc != code || strcmp(err.message, msg) != 0)
        test_fail(__FILE__, __LINE__, "query %s: %d \"%s\", want %d \"%s\"", query, rc,
                  rc != 0 ? err.message : "", code, msg);
    CHECK(q == NULL);
}

/* ---- the dog tables: the same records in an indexed table and a non-indexed twin ---- */

static const char *const dogs[] = {
    "{\"id\":1,\"name\":\"Penny\",\"age\":5,\"breed\":\"Poodle\",\"tags\":[\"small\",\"white\"],"
    "\"owner\":\"Kyle\"}",
    "{\"id\":2,\"name\":\"Harper\",\"age\":3,\"breed\":\"Mutt\",\"tags\":[\"big\"],\"owner\":null}",
    "{\"id\":3,\"name\":\"Penelope\",\"age\":8,\"breed\":\"Poodle\",\"tags\":\"solo\"}",
    "{\"id\":4,\"name\":\"Billy\",\"age\":10,\"breed\":\"Beagle\",\"tags\":[\"small\",\"big\","
    "\"small\"],\"owner\":\"Kyle\"}",
    "{\"id\":5,\"name\":\"Rex\",\"age\":null,\"breed\":\"Mutt\",\"tags\":[],\"owner\":\"Zoe\"}",
    "{\"id\":6,\"name\":\"42\",\"age\":1,\"breed\":\"Beagle\",\"tags\":[3,\"3\"],\"owner\":7}",
};
#define N_DOGS 6

static const char *const dog_def =
    "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\",\"type\":\"Int\"},"
    "{\"name\":\"name\",\"type\":\"String\",\"indexed\":true},"
    "{\"name\":\"age\",\"type\":\"Int\",\"indexed\":true},{\"name\":\"breed\",\"type\":\"String\"},"
    "{\"name\":\"tags\",\"indexed\":true},{\"name\":\"owner\",\"indexed\":true}]}";
static const char *const twin_def =
    "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\",\"type\":\"Int\"},"
    "{\"name\":\"name\",\"type\":\"String\"},{\"name\":\"age\",\"type\":\"Int\"},"
    "{\"name\":\"breed\",\"type\":\"String\"},{\"name\":\"tags\"},{\"name\":\"owner\"}]}";

static harper_table *make_dogs(harper *h, const char *name, const char *def)
{
    harper_table *t = make_table(h, name, def);

    for (int i = 0; i < N_DOGS; i++)
        put(t, dogs[i]);
    return t;
}

/* "[dog a,dog b,...]" for a list of ids such as "2,4" ("" for none). */
static char *dog_rows(const char *ids)
{
    struct text s = {NULL, 0, 0};
    const char *p = ids;

    text_add(&s, "[", 1);
    while (*p != '\0') {
        int id = (int)strtol(p, (char **)&p, 10);

        CHECK(id >= 1 && id <= N_DOGS);
        if (s.len > 1)
            text_add(&s, ",", 1);
        text_add(&s, dogs[id - 1], strlen(dogs[id - 1]));
        if (*p == ',')
            p++;
    }
    text_add(&s, "]", 1);
    return s.p;
}

/* Each query gives the dogs with ids[i], the same from the indexed table and its twin. */
static void check_both(harper_table *dog, harper_table *twin, const char *const *queries,
                       const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *want = dog_rows(ids[i]);

        CHECK_ROWS(dog, queries[i], want);
        CHECK_ROWS(twin, queries[i], want);
        free(want);
    }
}

/* The query {"conditions":[{attribute, comparator, value}], sort by id} must give the dogs
 * `ids`, on the indexed table and on its twin. */
static void check_cond(harper_table *dog, harper_table *twin, const char *attr, const char *cmp,
                       const char *value, const char *ids)
{
    char query[512];
    char *want = dog_rows(ids);
    harper_table *tables[2] = {dog, twin};

    snprintf(query, sizeof query,
             "{\"conditions\":[{\"attribute\":\"%s\",\"comparator\":\"%s\",\"value\":%s}],"
             "\"sort\":{\"attribute\":\"id\"}}",
             attr, cmp, value);
    for (int i = 0; i < 2; i++) {
        char *got = rows_of(tables[i], query);

        if (strcmp(got, want) != 0)
            test_fail(__FILE__, __LINE__, "%s table, %s %s %s:\n got %s\nwant %s",
                      i == 0 ? "indexed" : "twin", attr, cmp, value, got, want);
        free(got);
    }
    free(want);
}

TEST(query_every_comparator_indexed_or_not)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    harper_table *twin = make_dogs(h, "twin", twin_def);

    check_cond(dog, twin, "name", "equals", "\"Penny\"", "1");
    check_cond(dog, twin, "name", "not_equal", "\"Penny\"", "2,3,4,5,6");
    check_cond(dog, twin, "name", "greater_than", "\"P\"", "1,3,5");
    check_cond(dog, twin, "name", "starts_with", "\"Pen\"", "1,3");
    check_cond(dog, twin, "name", "starts_with", "4", "6");     /* a number as its text */
    check_cond(dog, twin, "name", "ends_with", "\"y\"", "1,4");
    check_cond(dog, twin, "name", "contains", "\"e\"", "1,2,3,5");
    check_cond(dog, twin, "age", "greater_than", "5", "3,4");
    check_cond(dog, twin, "age", "greater_than_equal", "5", "1,3,4");
    check_cond(dog, twin, "age", "less_than", "5", "2,6");
    check_cond(dog, twin, "age", "less_than_equal", "3", "2,6");
    check_cond(dog, twin, "age", "between", "[3,8]", "1,2,3");
    check_cond(dog, twin, "age", "between", "[8,3]", "");
    check_cond(dog, twin, "age", "equals", "null", "5");
    check_cond(dog, twin, "age", "greater_than", "\"1\"", "");  /* strings never match numbers */
    check_cond(dog, twin, "age", "equals", "\"5\"", "");        /* type-exact */
    check_cond(dog, twin, "breed", "equals", "\"Poodle\"", "1,3");
    /* Arrays: any element; not_equal: no element. */
    check_cond(dog, twin, "tags", "equals", "\"small\"", "1,4");
    check_cond(dog, twin, "tags", "equals", "\"solo\"", "3");
    check_cond(dog, twin, "tags", "not_equal", "\"small\"", "2,3,5,6");
    check_cond(dog, twin, "tags", "contains", "\"mal\"", "1,4");
    check_cond(dog, twin, "tags", "contains", "3", "6");
    check_cond(dog, twin, "tags", "greater_than", "\"c\"", "1,3,4");
    check_cond(dog, twin, "tags", "less_than", "5", "6");
    check_cond(dog, twin, "tags", "between", "[\"a\",\"c\"]", "2,4");
    check_cond(dog, twin, "owner", "equals", "null", "2");      /* a missing one is not null */
    check_cond(dog, twin, "owner", "not_equal", "\"Kyle\"", "2,3,5,6");
    check_cond(dog, twin, "owner", "greater_than", "5", "6");
    check_cond(dog, twin, "owner", "greater_than", "\"A\"", "1,4,5");
    check_cond(dog, twin, "owner", "between", "[7,\"L\"]", "1,4,6");
    check_cond(dog, twin, "id", "equals", "6", "6");
    check_cond(dog, twin, "id", "equals", "\"6\"", "");
    check_cond(dog, twin, "id", "greater_than", "4", "5,6");
    check_cond(dog, twin, "id", "less_than_equal", "2", "1,2");
    check_cond(dog, twin, "id", "between", "[2,3]", "2,3");
    harper_table_close(dog);
    harper_table_close(twin);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

TEST(query_index_order_and_array_dedupe)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    harper_table *twin = make_dogs(h, "twin", twin_def);
    char *want;

    /* Unsorted: index order on the indexed table, key order on the twin. */
    want = dog_rows("6,2,1,3,4");
    CHECK_ROWS(dog, "{\"conditions\":[{\"attribute\":\"age\",\"comparator\":\"greater_than\","
                    "\"value\":0}]}", want);
    free(want);
    want = dog_rows("1,2,3,4,6");
    CHECK_ROWS(twin, "{\"conditions\":[{\"attribute\":\"age\",\"comparator\":\"greater_than\","
                     "\"value\":0}]}", want);
    free(want);
    /* Dog 4 has "big" and "small" twice, dog 1 "small" and "white": each comes once, at its
     * first matching element. */
    want = dog_rows("2,4,1,3");
    CHECK_ROWS(dog, "{\"conditions\":[{\"attribute\":\"tags\",\"comparator\":\"greater_than\","
                    "\"value\":\"a\"}]}", want);
    free(want);
    /* Sorting by a possibly array-valued attribute compares whole values (arrays after
     * strings), whichever way the rows were found. */
    want = dog_rows("1,4,2,3");
    CHECK_ROWS(dog, "{\"conditions\":[{\"attribute\":\"owner\",\"comparator\":\"not_equal\","
                    "\"value\":0},{\"attribute\":\"tags\",\"comparator\":\"greater_than\","
                    "\"value\":\"a\"}],\"sort\":{\"attribute\":\"tags\",\"descending\":true}}",
               want);
    free(want);
    want = dog_rows("1,4,2,3");
    CHECK_ROWS(twin, "{\"conditions\":[{\"attribute\":\"tags\",\"comparator\":\"greater_than\","
                     "\"value\":\"a\"}],\"sort\":{\"attribute\":\"tags\",\"descending\":true}}",
               want);
    free(want);
    harper_table_close(dog);
    harper_table_close(twin);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

TEST(query_groups_nest)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    harper_table *twin = make_dogs(h, "twin", twin_def);
    const char *queries[] = {
        /* breed Poodle or (age < 4 and owner missing-or-not Kyle) */
        "{\"operator\":\"OR\",\"conditions\":[{\"attribute\":\"breed\",\"value\":\"Poodle\"},"
        "{\"operator\":\"and\",\"conditions\":[{\"attribute\":\"age\",\"comparator\":\"less_than\","
        "\"value\":4},{\"attribute\":\"owner\",\"comparator\":\"not_equal\",\"value\":\"Kyle\"}]}"
        "],\"sort\":{\"attribute\":\"id\"}}",
        /* tags small and (name starts P or age > 9) */
        "{\"conditions\":[{\"attribute\":\"tags\",\"value\":\"small\"},{\"operator\":\"or\","
        "\"conditions\":[{\"attribute\":\"name\",\"comparator\":\"starts_with\",\"value\":\"P\"},"
        "{\"attribute\":\"age\",\"comparator\":\"greater_than\",\"value\":9}]}],"
        "\"sort\":{\"attribute\":\"id\"}}",
        /* and inside and inside and */
        "{\"conditions\":[{\"operator\":\"and\",\"conditions\":[{\"operator\":\"and\","
        "\"conditions\":[{\"attribute\":\"age\",\"comparator\":\"between\",\"value\":[1,8]}]},"
        "{\"attribute\":\"breed\",\"comparator\":\"not_equal\",\"value\":\"Mutt\"}]}],"
        "\"sort\":{\"attribute\":\"id\"}}",
    };
    const char *ids[] = {"1,2,3,6", "1,4", "1,3,6"};

    check_both(dog, twin, queries, ids, 3);
    harper_table_close(dog);
    harper_table_close(twin);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

TEST(query_sort_offset_limit)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    harper_table *twin = make_dogs(h, "twin", twin_def);
    const char *queries[] = {
        "{\"conditions\":[{\"attribute\":\"id\",\"comparator\":\"greater_than\",\"value\":0}],"
        "\"sort\":{\"attribute\":\"breed\",\"next\":{\"attribute\":\"age\",\"descending\":true}}}",
        "{\"conditions\":[{\"attribute\":\"id\",\"comparator\":\"greater_than\",\"value\":0}],"
        "\"sort\":{\"attribute\":\"breed\",\"next\":{\"attribute\":\"age\",\"descending\":true}},"
        "\"offset\":1,\"limit\":3}",
        /* streams backwards through the age index on the indexed table */
        "{\"conditions\":[{\"attribute\":\"age\",\"comparator\":\"greater_than_equal\","
        "\"value\":0}],\"sort\":{\"attribute\":\"age\",\"descending\":true}}",
        "{\"conditions\":[{\"attribute\":\"age\",\"comparator\":\"greater_than_equal\","
        "\"value\":0}],\"sort\":{\"attribute\":\"age\",\"descending\":true},\"offset\":1,"
        "\"limit\":2}",
        /* null sorts first, so last when descending */
        "{\"conditions\":[{\"attribute\":\"breed\",\"comparator\":\"not_equal\",\"value\":\"x\"}],"
        "\"sort\":{\"attribute\":\"age\",\"descending\":true}}",
        "{\"conditions\":[{\"attribute\":\"breed\",\"comparator\":\"not_equal\",\"value\":\"x\"}],"
        "\"sort\":{\"attribute\":\"id\",\"descending\":true},\"limit\":2}",
        "{\"conditions\":[{\"attribute\":\"breed\",\"comparator\":\"not_equal\",\"value\":\"x\"}],"
        "\"sort\":{\"attribute\":\"breed\",\"descending\":true},\"offset\":4}",
        "{\"conditions\":[{\"attribute\":\"breed\",\"comparator\":\"not_equal\",\"value\":\"x\"}],"
        "\"offset\":10,\"sort\":{\"attribute\":\"breed\"}}",
        "{\"conditions\":[{\"attribute\":\"breed\",\"comparator\":\"not_equal\",\"value\":\"x\"}],"
        "\"offset\":2,\"limit\":1}",
    };
    /* Ties on one key go to the key in the same direction: Beagle 6 before 4 descending. */
    const char *ids[] = {"4,6,2,5,3,1", "6,2,5", "4,3,1,2,6", "3,1", "4,3,1,2,6,5", "6,5",
                         "6,4", "", "3"};

    check_both(dog, twin, queries, ids, 9);
    harper_table_close(dog);
    harper_table_close(twin);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

TEST(query_projection)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    char *want;

    CHECK_ROWS(dog,
               "{\"conditions\":[{\"attribute\":\"id\",\"comparator\":\"between\",\"value\":[2,3]"
               "}],\"get_attributes\":[\"name\",\"owner\",\"id\"]}",
               "[{\"name\":\"Harper\",\"owner\":null,\"id\":2},"
               "{\"name\":\"Penelope\",\"owner\":null,\"id\":3}]");
    /* select wins over get_attributes; arrays come back whole */
    CHECK_ROWS(dog,
               "{\"conditions\":[{\"attribute\":\"tags\",\"value\":\"big\"}],\"select\":[\"tags\"],"
               "\"get_attributes\":[\"nope\"],\"sort\":{\"attribute\":\"age\"}}",
               "[{\"tags\":[\"big\"]},{\"tags\":[\"small\",\"big\",\"small\"]}]");
    want = dog_rows("5,6");
    CHECK_ROWS(dog,
               "{\"conditions\":[{\"attribute\":\"id\",\"comparator\":\"greater_than\",\"value\":4"
               "}],\"get_attributes\":[\"*\"]}", want);
    free(want);
    harper_table_close(dog);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

/* A whole-record row is the stored record byte for byte, as harper_table_get returns it. */
TEST(query_rows_are_stored_bytes)
{
    harper *h = open_root();
    harper_table *t = make_table(h, "n", "{\"primary_key\":\"id\"}");
    harper_query *q = NULL;
    harper_cursor *c = NULL;
    harper_error err;
    const char *row;
    size_t len;
    char *stored = NULL;
    size_t stored_len = 0;

    put(t, "{\"id\":\"a\",\"x\":1.5e-7,\"y\":\"\\u00e9\\n\",\"z\":{\"deep\":[1,{}]}}");
    CHECK_OK(harper_table_get(t, "\"a\"", 3, &stored, &stored_len, &err), &err);
    CHECK_OK(harper_query_new(t, &q, &err), &err);
    CHECK_OK(harper_cursor_open(q, &c, &err), &err);
    harper_query_free(q);   /* the cursor does not need it */
    CHECK_EQ_INT(harper_cursor_next(c, &row, &len, &err), 1);
    CHECK_EQ_INT(len, stored_len);
    CHECK(memcmp(row, stored, len) == 0);
    CHECK_EQ_INT(harper_cursor_next(c, &row, &len, &err), 0);
    harper_cursor_close(c);
    harper_free(stored);
    harper_table_close(t);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

TEST(query_from_json_errors)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    char *want;

    check_bad_query(dog, "{", HARPER_EINVAL, "the query is not valid JSON");
    check_bad_query(dog, "{} x", HARPER_EINVAL, "the query is not valid JSON");
    check_bad_query(dog, "[]", HARPER_EINVAL, "the query must be a JSON object");
    check_bad_query(dog, "{}", HARPER_EINVAL, "'conditions' is required");
    check_bad_query(dog, "{\"conditions\":{}}", HARPER_EINVAL, "'conditions' must be an array");
    check_bad_query(dog, "{\"conditions\":[]}", HARPER_EINVAL,
                    "'conditions' must contain at least 1 item");
    check_bad_query(dog, "{\"operator\":\"xor\",\"conditions\":[{\"attribute\":\"age\","
                         "\"value\":1}]}", HARPER_EINVAL, "'operator' must be one of [and, or]");
    check_bad_query(dog, "{\"conditions\":[7]}", HARPER_EINVAL,
                    "'conditions[0]' must be of type object");
    check_bad_query(dog, "{\"conditions\":[{\"comparator\":\"equals\",\"value\":1}]}",
                    HARPER_EINVAL, "'conditions[0].attribute' is required");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":1,\"value\":1}]}", HARPER_EINVAL,
                    "'conditions[0].attribute' must be a string");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"comparator\":\"like\","
                         "\"value\":1}]}", HARPER_EINVAL,
                    "'conditions[0].comparator' must be one of [equals, not_equal, greater_than, "
                    "greater_than_equal, less_than, less_than_equal, starts_with, ends_with, "
                    "contains, between]");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\"}]}", HARPER_EINVAL,
                    "'conditions[0].value' is required");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"comparator\":\"between\","
                         "\"value\":[1]}]}", HARPER_EINVAL,
                    "'conditions[0].value' must be an array of 2 strings or numbers");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"comparator\":\"between\","
                         "\"value\":[1,null]}]}", HARPER_EINVAL,
                    "'conditions[0].value' must be an array of 2 strings or numbers");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"comparator\":"
                         "\"greater_than\",\"value\":null}]}", HARPER_EINVAL,
                    "'conditions[0].value' must be a string or a number");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"value\":1},{\"operator\":"
                         "\"or\",\"conditions\":[{\"attribute\":\"age\"}]}]}", HARPER_EINVAL,
                    "'conditions[1].conditions[0].value' is required");
    check_bad_query(dog, "{\"conditions\":[{\"operator\":\"nor\",\"conditions\":[]}]}",
                    HARPER_EINVAL, "'conditions[0].operator' must be one of [and, or]");
    check_bad_query(dog, "{\"conditions\":[{\"conditions\":[]}]}", HARPER_EINVAL,
                    "'conditions[0].conditions' must contain at least 1 item");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"value\":1}],\"limit\":0}",
                    HARPER_EINVAL, "'limit' must be greater than or equal to 1");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"value\":1}],\"limit\":1.5}",
                    HARPER_EINVAL, "'limit' must be an integer");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"value\":1}],\"limit\":\"5\"}",
                    HARPER_EINVAL, "'limit' must be a number");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"value\":1}],\"offset\":-1}",
                    HARPER_EINVAL, "'offset' must be greater than or equal to 0");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"value\":1}],\"sort\":[]}",
                    HARPER_EINVAL, "'sort' must be of type object");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"value\":1}],\"sort\":{}}",
                    HARPER_EINVAL, "'sort.attribute' is required");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"value\":1}],\"sort\":"
                         "{\"attribute\":\"age\",\"next\":{\"attribute\":\"name\","
                         "\"descending\":\"yes\"}}}",
                    HARPER_EINVAL, "'sort.next.descending' must be a boolean");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"value\":1}],"
                         "\"get_attributes\":\"name\"}",
                    HARPER_EINVAL, "'get_attributes' must be an array");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"value\":1}],"
                         "\"select\":[]}",
                    HARPER_EINVAL, "'select' must contain at least 1 item");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"value\":1}],"
                         "\"get_attributes\":[\"id\",2]}",
                    HARPER_EINVAL, "'get_attributes[1]' must be a string");
    /* Unknown attributes, once the shape is right. */
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"foo\",\"value\":1}]}", HARPER_ENOATTR,
                    "unknown attribute 'foo'");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"foo\",\"value\":1}],\"limit\":0}",
                    HARPER_EINVAL, "'limit' must be greater than or equal to 1");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"value\":1}],\"sort\":"
                         "{\"attribute\":\"age\",\"next\":{\"attribute\":\"bar\"}}}",
                    HARPER_ENOATTR, "unknown attribute 'bar'");
    check_bad_query(dog, "{\"conditions\":[{\"attribute\":\"age\",\"value\":1}],"
                         "\"get_attributes\":[\"name\",\"baz\"]}",
                    HARPER_ENOATTR, "unknown attribute 'baz'");
    /* Legacy names (the index on name gives the order); the canonical one wins, even when
     * it says null. */
    want = dog_rows("3,1");
    CHECK_ROWS(dog, "{\"conditions\":[{\"search_attribute\":\"name\",\"search_type\":"
                    "\"starts_with\",\"search_value\":\"Pen\"}]}", want);
    free(want);
    want = dog_rows("5");
    CHECK_ROWS(dog, "{\"operation\":\"search_by_conditions\",\"conditions\":[{\"attribute\":"
                    "\"name\",\"search_attribute\":\"foo\",\"value\":\"Rex\",\"search_value\":"
                    "\"x\"}]}", want);
    free(want);
    want = dog_rows("2");
    CHECK_ROWS(dog, "{\"conditions\":[{\"attribute\":\"owner\",\"value\":null,"
                    "\"search_value\":\"Kyle\"}]}", want);
    free(want);
    harper_table_close(dog);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

TEST(query_builder_calls)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    harper_query *q = NULL;
    harper_error err;
    char *rows;

    CHECK_OK(harper_query_new(dog, &q, &err), &err);
    rows = rows_of_query(q);    /* no conditions: everything, in key order */
    {
        char *want = dog_rows("1,2,3,4,5,6");

        CHECK_EQ_STR(rows, want);
        free(want);
    }
    free(rows);
    CHECK_OK(harper_query_where(q, "name", HARPER_STARTS_WITH, " \"P\" ", 5, &err), &err);
    CHECK_OK(harper_query_group_begin(q, HARPER_OR, &err), &err);
    CHECK_OK(harper_query_where(q, "age", HARPER_EQUALS, "5", 1, &err), &err);
    CHECK_OK(harper_query_where(q, "age", HARPER_EQUALS, "8", 1, &err), &err);
    CHECK_OK(harper_query_group_end(q, &err), &err);
    CHECK_OK(harper_query_sort(q, "id", 1, &err), &err);
    CHECK_OK(harper_query_select(q, "name", &err), &err);
    CHECK_OK(harper_query_select(q, "age", &err), &err);
    rows = rows_of_query(q);
    CHECK_EQ_STR(rows, "[{\"name\":\"Penelope\",\"age\":8},{\"name\":\"Penny\",\"age\":5}]");
    free(rows);

    CHECK_ERR(harper_query_where(q, "foo", HARPER_EQUALS, "1", 1, &err), HARPER_ENOATTR, &err,
              "unknown attribute 'foo'");
    CHECK_ERR(harper_query_where(q, "age", HARPER_EQUALS, "{", 1, &err), HARPER_EINVAL, &err,
              "'value' is not valid JSON");
    CHECK_ERR(harper_query_where(q, "age", HARPER_EQUALS, "1 2", 3, &err), HARPER_EINVAL, &err,
              "'value' is not valid JSON");
    CHECK_ERR(harper_query_where(q, "age", 99, "1", 1, &err), HARPER_EINVAL, &err,
              "unknown comparator 99");
    CHECK_ERR(harper_query_where(q, "age", HARPER_LESS_THAN, "true", 4, &err), HARPER_EINVAL,
              &err, "'value' must be a string or a number");
    CHECK_ERR(harper_query_group_end(q, &err), HARPER_EMISUSE, &err, "no group is open");
    CHECK_ERR(harper_query_set_logic(q, 7, &err), HARPER_EINVAL, &err,
              "'operator' must be one of [and, or]");
    CHECK_ERR(harper_query_sort(q, "nope", 0, &err), HARPER_ENOATTR, &err,
              "unknown attribute 'nope'");
    CHECK_ERR(harper_query_select(q, "nope", &err), HARPER_ENOATTR, &err,
              "unknown attribute 'nope'");
    CHECK_ERR(harper_query_limit(q, -1, 5, &err), HARPER_EINVAL, &err,
              "'offset' must be greater than or equal to 0");
    CHECK_ERR(harper_query_limit(q, 0, 0, &err), HARPER_EINVAL, &err,
              "'limit' must be greater than or equal to 1");
    /* The failed calls changed nothing. */
    rows = rows_of_query(q);
    CHECK_EQ_STR(rows, "[{\"name\":\"Penelope\",\"age\":8},{\"name\":\"Penny\",\"age\":5}]");
    free(rows);
    CHECK_OK(harper_query_limit(q, 1, -1, &err), &err);
    rows = rows_of_query(q);
    CHECK_EQ_STR(rows, "[{\"name\":\"Penny\",\"age\":5}]");
    free(rows);
    harper_query_free(q);
    harper_query_free(NULL);
    harper_cursor_close(NULL);
    harper_table_close(dog);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

/* ---- in: equals against any element, answered with point lookups ---- */

/* `attr in value`, sorted by `sort` ("-x": descending; NULL: by id), as builder calls. */
static harper_query *in_query(harper_table *t, const char *attr, const char *value,
                              const char *sort)
{
    harper_query *q = NULL;
    harper_error err;

    if (sort == NULL)
        sort = "id";
    CHECK_OK(harper_query_new(t, &q, &err), &err);
    CHECK_OK(harper_query_where(q, attr, HARPER_IN, value, strlen(value), &err), &err);
    CHECK_OK(harper_query_sort(q, sort + (sort[0] == '-'), sort[0] == '-', &err), &err);
    return q;
}

/* The rows of `q` must be the dogs `ids`, in that order. */
static void check_query_rows(const harper_query *q, const char *ids, const char *what)
{
    char *want = dog_rows(ids);
    char *got = rows_of_query(q);

    if (strcmp(got, want) != 0)
        test_fail(__FILE__, __LINE__, "%s:\n got %s\nwant %s", what, got, want);
    free(got);
    free(want);
}

/* attr in value, sorted by `sort`, gives the dogs `ids` on the indexed table and its twin. */
static void check_in(harper_table *dog, harper_table *twin, const char *attr, const char *value,
                     const char *sort, const char *ids)
{
    harper_table *tables[2] = {dog, twin};
    char what[256];

    for (int i = 0; i < 2; i++) {
        harper_query *q = in_query(tables[i], attr, value, sort);

        snprintf(what, sizeof what, "%s table, %s in %s sorted by %s", i ? "twin" : "indexed",
                 attr, value, sort ? sort : "id");
        check_query_rows(q, ids, what);
        harper_query_free(q);
    }
}

static harper__explain explain(const harper_query *q)
{
    harper__explain x;
    harper_error err;

    CHECK_OK(harper__query_explain(q, &x, &err), &err);
    return x;
}

TEST(query_in_indexed_or_not)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    harper_table *twin = make_dogs(h, "twin", twin_def);

    check_in(dog, twin, "name", "[\"Penny\",\"Rex\",\"nobody\"]", NULL, "1,5");
    check_in(dog, twin, "name", "[\"Rex\",\"Rex\",\"Rex\"]", NULL, "5");
    check_in(dog, twin, "name", "[42,\"42\"]", NULL, "6");       /* 42 is not "42" */
    check_in(dog, twin, "age", "[5,3,\"5\",\"8\"]", NULL, "1,2");
    check_in(dog, twin, "age", "[null,10]", NULL, "4,5");
    check_in(dog, twin, "age", "[]", NULL, "");
    check_in(dog, twin, "breed", "[\"Mutt\",\"Beagle\"]", NULL, "2,4,5,6");
    /* Arrays: any element equal to any value; a record holding two values comes once. */
    check_in(dog, twin, "tags", "[\"small\",\"big\"]", NULL, "1,2,4");
    check_in(dog, twin, "tags", "[\"big\",\"white\",\"solo\"]", NULL, "1,2,3,4");
    check_in(dog, twin, "tags", "[3]", NULL, "6");
    check_in(dog, twin, "tags", "[\"3\",3]", NULL, "6");
    check_in(dog, twin, "tags", "[[\"small\",\"white\"]]", NULL, "");  /* elements one by one */
    check_in(dog, twin, "tags", "[{\"a\":1},\"solo\"]", NULL, "3");     /* an object: a filter */
    check_in(dog, twin, "owner", "[null,7,\"7\"]", NULL, "2,6");    /* missing is not null */
    check_in(dog, twin, "owner", "[\"Kyle\",\"Zoe\"]", "-id", "5,4,1");
    /* The primary key, compared whole and type-exact. */
    check_in(dog, twin, "id", "[4,2,4,99,\"3\"]", NULL, "2,4");
    check_in(dog, twin, "id", "[6,1]", "-id", "6,1");
    check_in(dog, twin, "id", "[]", NULL, "");
    harper_table_close(dog);
    harper_table_close(twin);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

TEST(query_in_plans_point_lookups)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    harper_table *twin = make_dogs(h, "twin", twin_def);
    harper_query *q;
    harper__explain x;
    harper_error err;

    q = in_query(dog, "name", "[\"Rex\",\"Penny\",\"Rex\",\"Billy\"]", "name");
    x = explain(q);
    CHECK_EQ_INT(x.drive, HARPER__DRIVE_INDEX);
    CHECK_EQ_STR(x.driver, "name");
    CHECK_EQ_INT(x.comparator, HARPER_IN);
    CHECK_EQ_INT((int)x.n_ranges, 3);     /* distinct values */
    CHECK(x.stream && !x.reverse && !x.dedupe);
    harper_query_free(q);
    q = in_query(dog, "id", "[3,1,2]", "-id");
    x = explain(q);
    CHECK_EQ_INT(x.drive, HARPER__DRIVE_RECORDS);
    CHECK_EQ_STR(x.driver, "id");
    CHECK_EQ_INT((int)x.n_ranges, 3);
    CHECK(x.stream && x.reverse);
    harper_query_free(q);
    /* Several values of an attribute that may hold arrays: a record can be met twice. */
    q = in_query(dog, "tags", "[\"small\",\"big\"]", NULL);
    x = explain(q);
    CHECK(x.drive == HARPER__DRIVE_INDEX && x.n_ranges == 2 && x.dedupe && !x.stream);
    harper_query_free(q);
    q = in_query(dog, "tags", "[\"small\",\"small\"]", NULL);
    CHECK(!explain(q).dedupe);
    harper_query_free(q);
    /* An object has no index entry: the in filters a full scan instead. */
    q = in_query(dog, "tags", "[{\"a\":1},\"solo\"]", NULL);
    x = explain(q);
    CHECK(x.drive == HARPER__DRIVE_RECORDS && x.driver[0] == '\0' && x.n_ranges == 1);
    harper_query_free(q);
    q = in_query(dog, "age", "[]", NULL);
    CHECK(explain(q).drive == HARPER__DRIVE_NONE);
    harper_query_free(q);
    /* equals beats in, which beats a range, whatever the order written. */
    q = in_query(dog, "age", "[1,3,5]", NULL);
    CHECK_OK(harper_query_where(q, "name", HARPER_EQUALS, "\"Penny\"", 7, &err), &err);
    CHECK_OK(harper_query_where(q, "owner", HARPER_GREATER_THAN, "\"A\"", 3, &err), &err);
    CHECK_EQ_STR(explain(q).driver, "name");
    check_query_rows(q, "1", "age in, name equals, owner range");
    harper_query_free(q);
    q = in_query(dog, "name", "[\"Penny\",\"Billy\",\"Rex\"]", NULL);
    CHECK_OK(harper_query_where(q, "age", HARPER_GREATER_THAN, "4", 1, &err), &err);
    CHECK_EQ_STR(explain(q).driver, "name");
    check_query_rows(q, "1,4", "name in, age range");
    harper_query_free(q);
    /* A single value counts as equals; the primary key wins the tie. */
    q = in_query(dog, "age", "[5]", NULL);
    CHECK_OK(harper_query_where(q, "id", HARPER_IN, "[1,2]", 5, &err), &err);
    CHECK_EQ_STR(explain(q).driver, "age");
    check_query_rows(q, "1", "age in one, id in two");
    harper_query_free(q);
    /* Text projection over an exact in scan. */
    q = in_query(dog, "name", "[\"Rex\",\"Penny\"]", "name");
    CHECK_OK(harper_query_select(q, "id", &err), &err);
    CHECK(explain(q).project_text);
    {
        char *rows = rows_of_query(q);

        CHECK_EQ_STR(rows, "[{\"id\":1},{\"id\":5}]");
        free(rows);
    }
    harper_query_free(q);
    harper_table_close(dog);
    harper_table_close(twin);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

TEST(query_in_sort_limit_groups)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    harper_table *twin = make_dogs(h, "twin", twin_def);
    harper_table *tables[2] = {dog, twin};
    const char *names = "[\"Harper\",\"Penelope\"]";
    harper_error err;

    /* Sorted by the attribute itself: streamed from the index in value order. */
    check_in(dog, twin, "name", "[\"Rex\",\"Penny\",\"Billy\",\"42\"]", "name", "6,4,1,5");
    check_in(dog, twin, "name", "[\"Rex\",\"Penny\",\"Billy\",\"42\"]", "-name", "5,1,4,6");
    check_in(dog, twin, "age", "[10,1,5,null]", "age", "5,6,1,4");
    check_in(dog, twin, "age", "[10,1,5,null]", "-age", "4,1,6,5");
    check_in(dog, twin, "id", "[5,2,3]", "id", "2,3,5");
    /* ... by another attribute: collected and sorted. */
    check_in(dog, twin, "name", "[\"Rex\",\"Penny\",\"Billy\",\"42\"]", "age", "5,6,1,4");
    check_in(dog, twin, "name", "[\"Rex\",\"Penny\",\"Billy\",\"42\"]", "-breed", "1,5,6,4");
    check_in(dog, twin, "tags", "[\"big\",\"small\",3]", "-tags", "1,4,2,6");
    for (int i = 0; i < 2; i++) {
        harper_query *q = in_query(tables[i], "name", "[\"Rex\",\"Penny\",\"Billy\",\"42\"]",
                                   "-name");

        /* offset and limit over the streamed rows, then over collected ones */
        CHECK_OK(harper_query_limit(q, 1, 2, &err), &err);
        check_query_rows(q, "1,4", "in, descending, offset 1 limit 2");
        harper_query_free(q);
        q = in_query(tables[i], "tags", "[\"big\",\"small\",\"solo\"]", "-id");
        CHECK_OK(harper_query_limit(q, 1, 2, &err), &err);
        check_query_rows(q, "3,2", "in on an array attribute, offset 1 limit 2");
        harper_query_free(q);
        q = in_query(tables[i], "tags", "[\"big\",\"small\",\"solo\"]", "name");
        CHECK_OK(harper_query_limit(q, 2, -1, &err), &err);
        check_query_rows(q, "3,1", "in on an array attribute, sorted by name, offset 2");
        harper_query_free(q);

        /* and: tags in [small, big] and age in [3, 10, 99] */
        q = in_query(tables[i], "tags", "[\"small\",\"big\"]", NULL);
        CHECK_OK(harper_query_where(q, "age", HARPER_IN, "[3,10,99]", 9, &err), &err);
        check_query_rows(q, "2,4", "in and in");
        harper_query_free(q);
        /* breed Poodle and (name in [Harper, Penelope] or owner in [7]) */
        CHECK_OK(harper_query_new(tables[i], &q, &err), &err);
        CHECK_OK(harper_query_where(q, "breed", HARPER_NOT_EQUAL, "\"Mutt\"", 6, &err), &err);
        CHECK_OK(harper_query_group_begin(q, HARPER_OR, &err), &err);
        CHECK_OK(harper_query_where(q, "name", HARPER_IN, names, strlen(names), &err), &err);
        CHECK_OK(harper_query_where(q, "owner", HARPER_IN, "[7]", 3, &err), &err);
        CHECK_OK(harper_query_group_end(q, &err), &err);
        CHECK_OK(harper_query_sort(q, "id", 0, &err), &err);
        check_query_rows(q, "3,6", "not_equal and (in or in)");
        harper_query_free(q);
        /* or at the top: id in [1, 2] or tags in [] */
        CHECK_OK(harper_query_new(tables[i], &q, &err), &err);
        CHECK_OK(harper_query_set_logic(q, HARPER_OR, &err), &err);
        CHECK_OK(harper_query_where(q, "id", HARPER_IN, "[2,1]", 5, &err), &err);
        CHECK_OK(harper_query_where(q, "tags", HARPER_IN, "[]", 2, &err), &err);
        check_query_rows(q, "1,2", "in or empty in");
        harper_query_free(q);
    }
    harper_table_close(dog);
    harper_table_close(twin);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

TEST(query_in_builder_errors)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    harper_query *q = NULL;
    harper_cursor *c = NULL;
    harper_error err;

    CHECK_OK(harper_query_new(dog, &q, &err), &err);
    CHECK_ERR(harper_query_where(q, "age", HARPER_IN, "5", 1, &err), HARPER_EINVAL, &err,
              "'value' must be an array of the values to match");
    CHECK_ERR(harper_query_where(q, "age", HARPER_IN, "{\"a\":[1]}", 9, &err), HARPER_EINVAL,
              &err, "'value' must be an array of the values to match");
    CHECK_OK(harper_query_where(q, "age", HARPER_IN, "[1,1e999]", 9, &err), &err);
    CHECK_ERR(harper_cursor_open(q, &c, &err), HARPER_EINVAL, &err,
              "the value of 'age' is a number too large to compare");
    CHECK(c == NULL);
    harper_query_free(q);
    harper_table_close(dog);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

/* A join's shape: thousands of keys, few of them present, in a large table. The plan must
 * look each key up (one point range per distinct key), not scan. */
TEST(query_in_many_keys_looks_up)
{
    enum { RECORDS = 200000, KEYS = 5000, PRESENT = 10, BATCH = 20000 };
    harper *h = open_root();
    harper_table *t = make_table(h, "ref", "{\"primary_key\":\"id\",\"attributes\":["
                                           "{\"name\":\"id\",\"type\":\"Int\"},{\"name\":\"fk\","
                                           "\"type\":\"String\",\"indexed\":true}]}");
    harper_error err;
    struct text fks = {NULL, 0, 0};
    struct text ids = {NULL, 0, 0};
    struct text want = {NULL, 0, 0};
    struct text want_desc = {NULL, 0, 0};
    harper_query *q = NULL;
    harper__explain x;
    char buf[64];
    char *rows;

    for (int base = 0; base < RECORDS; base += BATCH) {
        harper_txn *txn = NULL;

        CHECK_OK(harper_txn_begin(h, "data", &txn, &err), &err);
        for (int i = base; i < base + BATCH; i++) {
            int n = snprintf(buf, sizeof buf, "{\"id\":%d,\"fk\":\"k%06d\"}", i, i);

            CHECK_OK(harper_txn_write(txn, t, HARPER_WRITE_PUT, NULL, 0, buf, (size_t)n, NULL,
                                      NULL, &err), &err);
        }
        CHECK_OK(harper_txn_commit(txn, &err), &err);
    }
    /* Keys absent from the table, with the present ones among them, in no order. */
    text_add(&fks, "[", 1);
    text_add(&ids, "[", 1);
    for (int k = 0; k < KEYS; k++) {
        int present = k % (KEYS / PRESENT) == 7;
        int id = present ? (KEYS - k) * 37 : RECORDS + k * 13;
        int n = snprintf(buf, sizeof buf, "%s\"%c%06d\"", k ? "," : "", present ? 'k' : 'x', id);

        text_add(&fks, buf, (size_t)n);
        n = snprintf(buf, sizeof buf, "%s%d", k ? "," : "", id);
        text_add(&ids, buf, (size_t)n);
    }
    text_add(&fks, "]", 1);
    text_add(&ids, "]", 1);
    /* The present ones are ids 37 * (KEYS - k) for k = 7, 507, ...: descending. */
    text_add(&want, "[", 1);
    text_add(&want_desc, "[", 1);
    for (int i = 0; i < PRESENT; i++) {
        int k = 7 + (PRESENT - 1 - i) * (KEYS / PRESENT);
        int n = snprintf(buf, sizeof buf, "%s{\"id\":%d,\"fk\":\"k%06d\"}", i ? "," : "",
                         (KEYS - k) * 37, (KEYS - k) * 37);

        text_add(&want, buf, (size_t)n);
        k = 7 + i * (KEYS / PRESENT);
        n = snprintf(buf, sizeof buf, "%s{\"id\":%d,\"fk\":\"k%06d\"}", i ? "," : "",
                     (KEYS - k) * 37, (KEYS - k) * 37);
        text_add(&want_desc, buf, (size_t)n);
    }
    text_add(&want, "]", 1);
    text_add(&want_desc, "]", 1);

    q = in_query(t, "fk", fks.p, "fk");
    x = explain(q);
    CHECK_EQ_INT(x.drive, HARPER__DRIVE_INDEX);
    CHECK_EQ_STR(x.driver, "fk");
    CHECK_EQ_INT(x.comparator, HARPER_IN);
    CHECK_EQ_INT((int)x.n_ranges, KEYS);
    CHECK(x.stream && !x.dedupe);
    rows = rows_of_query(q);
    CHECK_EQ_STR(rows, want.p);
    free(rows);
    harper_query_free(q);

    q = in_query(t, "fk", fks.p, "-fk");
    x = explain(q);
    CHECK(x.n_ranges == KEYS && x.stream && x.reverse);
    rows = rows_of_query(q);
    CHECK_EQ_STR(rows, want_desc.p);
    free(rows);
    harper_query_free(q);

    q = in_query(t, "id", ids.p, "id");
    x = explain(q);
    CHECK_EQ_INT(x.drive, HARPER__DRIVE_RECORDS);
    CHECK_EQ_INT(x.comparator, HARPER_IN);
    CHECK_EQ_INT((int)x.n_ranges, KEYS);
    CHECK(x.stream);
    rows = rows_of_query(q);
    CHECK_EQ_STR(rows, want.p);
    free(rows);
    harper_query_free(q);
    q = in_query(t, "id", ids.p, "-id");
    rows = rows_of_query(q);
    CHECK_EQ_STR(rows, want_desc.p);
    free(rows);
    harper_query_free(q);

    free(fks.p);
    free(want_desc.p);
    free(ids.p);
    free(want.p);
    harper_table_close(t);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

TEST(query_cursor_reads_a_snapshot)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    const char *queries[] = {
        "{\"conditions\":[{\"attribute\":\"id\",\"comparator\":\"greater_than\",\"value\":0}]}",
        "{\"conditions\":[{\"attribute\":\"tags\",\"value\":\"small\"}]}",
        "{\"conditions\":[{\"attribute\":\"breed\",\"comparator\":\"not_equal\",\"value\":\"x\"}],"
        "\"sort\":{\"attribute\":\"name\"}}",
    };
    const char *ids[] = {"1,2,3,4,5,6", "1,4", "6,4,2,3,1,5"};
    harper_cursor *c[3];
    harper_query *q;
    harper_error err;
    struct text got[3] = {{NULL, 0, 0}, {NULL, 0, 0}, {NULL, 0, 0}};
    const char *row;
    size_t len;

    for (int i = 0; i < 3; i++) {
        CHECK_OK(harper_query_from_json(dog, queries[i], strlen(queries[i]), &q, &err), &err);
        CHECK_OK(harper_cursor_open(q, &c[i], &err), &err);
        harper_query_free(q);
        text_add(&got[i], "[", 1);
    }
    /* The first row of each is read before the writes, the rest after. */
    for (int i = 0; i < 3; i++) {
        CHECK_EQ_INT(harper_cursor_next(c[i], &row, &len, &err), 1);
        text_add(&got[i], row, len);
    }
    put(dog, "{\"id\":7,\"name\":\"Aaron\",\"age\":2,\"breed\":\"Pug\",\"tags\":[\"small\"]}");
    put(dog, "{\"id\":4,\"name\":\"Billy\",\"age\":11,\"breed\":\"Beagle\",\"tags\":[]}");
    CHECK_OK(harper_table_delete(dog, "3", 1, &err), &err);
    CHECK_OK(harper_table_delete(dog, "6", 1, &err), &err);
    for (int i = 0; i < 3; i++) {
        int rc;
        char *want = dog_rows(ids[i]);

        while ((rc = harper_cursor_next(c[i], &row, &len, &err)) == 1) {
            text_add(&got[i], ",", 1);
            text_add(&got[i], row, len);
        }
        CHECK_OK(rc, &err);
        text_add(&got[i], "]", 1);
        CHECK_EQ_STR(got[i].p, want);
        free(want);
        free(got[i].p);
    }
    /* Open cursors keep the root open, and their table alive without its handle. */
    harper_table_close(dog);
    CHECK_EQ_INT(harper_close(h), HARPER_EBUSY);
    for (int i = 0; i < 3; i++)
        harper_cursor_close(c[i]);
    /* A new cursor sees the writes. */
    CHECK_OK(harper_table_open(h, "data", "dog", &dog, &err), &err);
    CHECK_ROWS(dog, queries[1], "[{\"id\":1,\"name\":\"Penny\",\"age\":5,\"breed\":\"Poodle\","
                                "\"tags\":[\"small\",\"white\"],\"owner\":\"Kyle\"},"
                                "{\"id\":7,\"name\":\"Aaron\",\"age\":2,\"breed\":\"Pug\","
                                "\"tags\":[\"small\"]}]");
    harper_table_close(dog);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

TEST(query_dropped_table_and_attribute)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    const char *by_breed = "{\"conditions\":[{\"attribute\":\"breed\",\"value\":\"Mutt\"}]}";
    harper_query *q = NULL;
    harper_query *q2 = NULL;
    harper_cursor *c = NULL;
    harper_cursor *open_before = NULL;
    harper_error err;
    const char *row;
    size_t len;

    /* An attribute dropped after the query was built. */
    CHECK_OK(harper_query_from_json(dog, by_breed, strlen(by_breed), &q, &err), &err);
    CHECK_OK(harper_table_drop_attribute(dog, "breed", &err), &err);
    CHECK_ERR(harper_cursor_open(q, &c, &err), HARPER_ENOATTR, &err, "unknown attribute 'breed'");
    CHECK(c == NULL);
    harper_query_free(q);

    CHECK_OK(harper_query_new(dog, &q, &err), &err);
    CHECK_OK(harper_cursor_open(q, &open_before, &err), &err);
    CHECK_OK(harper_table_drop(h, "data", "dog", &err), &err);
    CHECK_ERR(harper_cursor_open(q, &c, &err), HARPER_ENOTABLE, &err,
              "Table 'data.dog' does not exist");
    CHECK_ERR(harper_cursor_next(open_before, &row, &len, &err), HARPER_ENOTABLE, &err,
              "Table 'data.dog' does not exist");
    CHECK_ERR(harper_query_new(dog, &q2, &err), HARPER_ENOTABLE, &err,
              "Table 'data.dog' does not exist");
    CHECK_ERR(harper_query_from_json(dog, by_breed, strlen(by_breed), &q2, &err),
              HARPER_ENOTABLE, &err, "Table 'data.dog' does not exist");
    harper_cursor_close(open_before);
    harper_query_free(q);
    harper_table_close(dog);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

static _Atomic int writes_done;

/* Rewrites records 1..100 (tag "old2") and adds 101..400 (tag "new"), age = id. */
static void *busy_writer(void *arg)
{
    harper_table *t = arg;
    char json[128];
    harper_error err;

    for (int id = 1; id <= 400; id++) {
        snprintf(json, sizeof json, "{\"id\":%d,\"age\":%d,\"tags\":[\"%s\"]}", id, id,
                 id <= 100 ? "old2" : "new");
        if (harper_table_put(t, json, strlen(json), &err) != HARPER_OK) {
            writes_done = 1000;     /* do not leave the reader waiting */
            return (void *)1;
        }
        writes_done++;
    }
    return NULL;
}

/* Cursors opened before a writer thread starts see exactly the records of that moment, by
 * key scan, by index scan and sorted, however the writes interleave with their reads. */
TEST(query_cursor_consistent_under_concurrent_writes)
{
    harper *h = open_root();
    harper_table *t = make_table(h, "dog", "{\"primary_key\":\"id\",\"attributes\":["
                                           "{\"name\":\"id\",\"type\":\"Int\"},"
                                           "{\"name\":\"age\",\"type\":\"Int\","
                                           "\"indexed\":true},{\"name\":\"tags\","
                                           "\"indexed\":true}]}");
    const char *queries[] = {
        "{\"conditions\":[{\"attribute\":\"id\",\"comparator\":\"greater_than\","
        "\"value\":0}]}",
        "{\"conditions\":[{\"attribute\":\"age\",\"comparator\":\"less_than\","
        "\"value\":1000}],\"sort\":{\"attribute\":\"age\",\"descending\":true}}",
        "{\"conditions\":[{\"attribute\":\"tags\",\"value\":\"old\"}],"
        "\"sort\":{\"attribute\":\"tags\"}}",
    };
    harper_cursor *c[3];
    pthread_t writer;
    void *writer_rc;
    harper_error err;
    char json[128];

    for (int id = 1; id <= 100; id++) {
        snprintf(json, sizeof json, "{\"id\":%d,\"age\":%d,\"tags\":[\"old\",\"x\"]}", id,
                 id);
        put(t, json);
    }
    for (int i = 0; i < 3; i++) {
        harper_query *q = NULL;

        CHECK_OK(harper_query_from_json(t, queries[i], strlen(queries[i]), &q, &err), &err);
        CHECK_OK(harper_cursor_open(q, &c[i], &err), &err);
        harper_query_free(q);
    }
    CHECK_EQ_INT(pthread_create(&writer, NULL, busy_writer, t), 0);
    while (writes_done < 50)    /* reading starts once a good part is rewritten */
        sched_yield();
    for (int i = 0; i < 3; i++) {
        const char *row;
        size_t len;
        int n = 0;
        int rc;

        while ((rc = harper_cursor_next(c[i], &row, &len, &err)) == 1) {
            int want = i == 1 ? 100 - n : n + 1;

            snprintf(json, sizeof json, "{\"id\":%d,\"age\":%d,\"tags\":[\"old\",\"x\"]}",
                     want, want);
            CHECK_EQ_MEM(row, len, json);
            n++;
        }
        CHECK_OK(rc, &err);
        CHECK_EQ_INT(n, 100);
        harper_cursor_close(c[i]);
    }
    CHECK_EQ_INT(pthread_join(writer, &writer_rc), 0);
    CHECK(writer_rc == NULL);
    harper_table_close(t);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

/* ---- randomized: an indexed table, its non-indexed twin and a brute force must agree ---- */

#define R_RECORDS 80
#define R_QUERIES 500

static unsigned long rng;

static unsigned rnd(unsigned n)
{
    rng = rng * 6364136223846793005ul + 1442695040888963407ul;
    return (unsigned)(rng >> 33) % n;
}

static const char *const r_strings[] = {"", "a", "ab", "abc", "b", "ba", "c", "3", "2.5"};
static const double r_numbers[] = {-2, 0, 1, 2, 2.5, 3, 5, 25};
static const char *const r_attrs[] = {"id", "a", "b", "n", "s"};

static cJSON *r_strnum(void)
{
    if (rnd(2) == 0)
        return cJSON_CreateString(r_strings[rnd(sizeof r_strings / sizeof r_strings[0])]);
    return cJSON_CreateNumber(r_numbers[rnd(sizeof r_numbers / sizeof r_numbers[0])]);
}

static cJSON *r_scalar(void)
{
    switch (rnd(10)) {
    case 0: return cJSON_CreateNull();
    case 1: return cJSON_CreateBool(rnd(2));
    default: return r_strnum();
    }
}

static cJSON *r_object(void)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNumberToObject(o, "k", rnd(2));
    return o;
}

/* Any value an untyped attribute may hold: scalars, arrays (with duplicates, nested arrays
 * and objects now and then) and objects. */
static cJSON *r_any(void)
{
    unsigned pick = rnd(20);
    cJSON *a;

    if (pick < 11)
        return r_scalar();
    if (pick == 11)
        return r_object();
    a = cJSON_CreateArray();
    for (unsigned i = rnd(4); i > 0; i--) {
        unsigned kind = rnd(12);
        cJSON *el = kind == 0 ? r_object() : kind == 1 ? cJSON_CreateArray() : r_scalar();

        if (kind == 1) {
            cJSON_AddItemToArray(el, cJSON_CreateNumber(1));
            cJSON_AddItemToArray(el, cJSON_CreateNumber(rnd(3)));
        }
        cJSON_AddItemToArray(a, el);
    }
    return a;
}

static cJSON *r_record(int id)
{
    cJSON *r = cJSON_CreateObject();

    cJSON_AddNumberToObject(r, "id", id);
    if (rnd(10) != 0)
        cJSON_AddItemToObject(r, "a", r_any());
    if (rnd(10) != 0)
        cJSON_AddItemToObject(r, "b", r_any());
    if (rnd(8) != 0)
        cJSON_AddItemToObject(r, "n", rnd(6) == 0 ? cJSON_CreateNull()
                                                  : cJSON_CreateNumber(rnd(7)));
    if (rnd(8) != 0)
        cJSON_AddItemToObject(r, "s", rnd(6) == 0 ? cJSON_CreateNull()
                                                  : cJSON_CreateString(r_strings[rnd(9)]));
    return r;
}

/* The brute force: the matching rules of query.h written plainly over cJSON values. */
static int t_class(const cJSON *v)
{
    if (cJSON_IsNull(v)) return 0;
    if (cJSON_IsFalse(v)) return 1;
    if (cJSON_IsTrue(v)) return 2;
    if (cJSON_IsNumber(v)) return 3;
    if (cJSON_IsString(v)) return 4;
    if (cJSON_IsArray(v)) return 5;
    return 6;
}

static int t_cmp(const cJSON *a, const cJSON *b)
{
    int ca = t_class(a);
    int cb = t_class(b);
    const cJSON *x;
    const cJSON *y;
    char *ta;
    char *tb;
    int d;

    if (ca != cb)
        return ca < cb ? -1 : 1;
    switch (ca) {
    case 3:
        return a->valuedouble < b->valuedouble ? -1 : a->valuedouble > b->valuedouble;
    case 4:
        d = strcmp(a->valuestring, b->valuestring);
        return d < 0 ? -1 : d > 0;
    case 5:
        for (x = a->child, y = b->child; x != NULL && y != NULL; x = x->next, y = y->next)
            if ((d = t_cmp(x, y)) != 0)
                return d;
        return x == NULL ? (y == NULL ? 0 : -1) : 1;
    case 6:
        ta = cJSON_PrintUnformatted(a);
        tb = cJSON_PrintUnformatted(b);
        d = strcmp(ta, tb);
        free(ta);
        free(tb);
        return d < 0 ? -1 : d > 0;
    default:
        return 0;
    }
}

static void t_text(const cJSON *q, char *out, size_t size)
{
    if (cJSON_IsString(q))
        snprintf(out, size, "%s", q->valuestring);
    else
        snprintf(out, size, "%g", q->valuedouble);
}

static int t_match_one(int cmp, const cJSON *q, const cJSON *v, int in_array)
{
    char text[64];
    const cJSON *lo = cJSON_GetArrayItem(q, 0);
    const cJSON *hi = cJSON_GetArrayItem(q, 1);
    size_t n;

    switch (cmp) {
    case HARPER_EQUALS:
        return t_cmp(v, q) == 0;
    case HARPER_IN:
        cJSON_ArrayForEach(lo, q)
            if (t_cmp(v, lo) == 0)
                return 1;
        return 0;
    case HARPER_GREATER_THAN:
        return t_class(v) == t_class(q) && t_cmp(v, q) > 0;
    case HARPER_GREATER_THAN_EQUAL:
        return t_class(v) == t_class(q) && t_cmp(v, q) >= 0;
    case HARPER_LESS_THAN:
        return t_class(v) == t_class(q) && t_cmp(v, q) < 0;
    case HARPER_LESS_THAN_EQUAL:
        return t_class(v) == t_class(q) && t_cmp(v, q) <= 0;
    case HARPER_BETWEEN:
        return (t_class(v) == t_class(lo) || t_class(v) == t_class(hi)) && t_cmp(v, lo) >= 0 &&
               t_cmp(v, hi) <= 0;
    default:
        break;
    }
    t_text(q, text, sizeof text);
    if (cmp == HARPER_CONTAINS && in_array && t_cmp(v, q) == 0)
        return 1;
    if (!cJSON_IsString(v))
        return 0;
    n = strlen(v->valuestring);
    if (cmp == HARPER_STARTS_WITH)
        return strncmp(v->valuestring, text, strlen(text)) == 0;
    if (cmp == HARPER_ENDS_WITH)
        return n >= strlen(text) && strcmp(v->valuestring + n - strlen(text), text) == 0;
    return strstr(v->valuestring, text) != NULL;
}

static int t_match_cond(const cJSON *cond, const cJSON *rec)
{
    const char *attr = cJSON_GetObjectItem(cond, "attribute")->valuestring;
    int cmp = (int)cJSON_GetObjectItem(cond, "cmp")->valuedouble;
    const cJSON *q = cJSON_GetObjectItem(cond, "value");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, attr);
    int each = cJSON_IsArray(v) && strcmp(attr, "id") != 0;
    const cJSON *el;

    if (cmp == HARPER_NOT_EQUAL) {
        if (v == NULL)
            return 1;
        if (!each)
            return t_cmp(v, q) != 0;
        cJSON_ArrayForEach(el, v)
            if (t_cmp(el, q) == 0)
                return 0;
        return 1;
    }
    if (v == NULL)
        return 0;
    if (!each)
        return t_match_one(cmp, q, v, 0);
    cJSON_ArrayForEach(el, v)
        if (t_match_one(cmp, q, el, 1))
            return 1;
    return 0;
}

static int t_match(const cJSON *node, const cJSON *rec)
{
    const cJSON *kids = cJSON_GetObjectItem(node, "conditions");
    int is_or;
    const cJSON *k;

    if (kids == NULL)
        return t_match_cond(node, rec);
    is_or = strcmp(cJSON_GetObjectItem(node, "operator")->valuestring, "or") == 0;
    cJSON_ArrayForEach(k, kids)
        if (t_match(k, rec) == is_or)
            return is_or;
    return !is_or;
}

static const char *const r_comparators[] = {
    "equals", "not_equal", "greater_than", "greater_than_equal", "less_than",
    "less_than_equal", "starts_with", "ends_with", "contains", "between", "in"};

/* A random condition; "cmp" (the comparator's number) is for the brute force and for
 * query_of_tree, from_json leaves keys it does not know alone. */
static cJSON *r_condition(void)
{
    cJSON *c = cJSON_CreateObject();
    int cmp = (int)rnd(11);
    cJSON *v;

    cJSON_AddStringToObject(c, "attribute", r_attrs[rnd(5)]);
    cJSON_AddStringToObject(c, "comparator", r_comparators[cmp]);
    cJSON_AddNumberToObject(c, "cmp", cmp);
    if (cmp == HARPER_EQUALS || cmp == HARPER_NOT_EQUAL) {
        v = rnd(3) == 0 ? r_any() : r_strnum();
    } else if (cmp == HARPER_BETWEEN) {
        v = cJSON_CreateArray();
        cJSON_AddItemToArray(v, r_strnum());
        cJSON_AddItemToArray(v, r_strnum());
    } else if (cmp == HARPER_IN) {
        /* With duplicates, and now and then a value without an index entry (an object) */
        v = cJSON_CreateArray();
        for (unsigned k = rnd(6); k > 0; k--)
            cJSON_AddItemToArray(v, rnd(5) == 0 ? r_any() : rnd(3) == 0 ? r_scalar()
                                                                        : r_strnum());
    } else {
        v = r_strnum();
    }
    cJSON_AddItemToObject(c, "value", v);
    return c;
}

static cJSON *r_group(int depth)
{
    cJSON *g = cJSON_CreateObject();
    cJSON *kids = cJSON_CreateArray();

    cJSON_AddStringToObject(g, "operator", rnd(3) == 0 ? "or" : "and");
    for (unsigned i = 1 + rnd(3); i > 0; i--)
        cJSON_AddItemToArray(kids, depth < 2 && rnd(4) == 0 ? r_group(depth + 1) : r_condition());
    cJSON_AddItemToObject(g, "conditions", kids);
    return g;
}

struct t_sort {
    const char *attr[2];
    int desc[2];
    int n;
};

static const struct t_sort *t_sort_by;

static int t_row_cmp(const void *pa, const void *pb)
{
    const cJSON *a = *(const cJSON *const *)pa;
    const cJSON *b = *(const cJSON *const *)pb;
    cJSON null_value = {.type = cJSON_NULL};
    int desc = 0;
    int d;

    for (int i = 0; i < t_sort_by->n; i++) {
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(a, t_sort_by->attr[i]);
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, t_sort_by->attr[i]);

        desc = t_sort_by->desc[i];
        d = t_cmp(x ? x : &null_value, y ? y : &null_value);
        if (d != 0)
            return desc ? -d : d;
    }
    d = t_cmp(cJSON_GetObjectItem(a, "id"), cJSON_GetObjectItem(b, "id"));
    return desc ? -d : d;
}

static int int_cmp(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

static void tree_conditions(harper_query *q, const cJSON *kids)
{
    harper_error err;
    const cJSON *k;

    cJSON_ArrayForEach(k, kids) {
        const cJSON *sub = cJSON_GetObjectItem(k, "conditions");

        if (sub != NULL) {
            int logic = strcmp(cJSON_GetObjectItem(k, "operator")->valuestring, "or") == 0;

            CHECK_OK(harper_query_group_begin(q, logic ? HARPER_OR : HARPER_AND, &err), &err);
            tree_conditions(q, sub);
            CHECK_OK(harper_query_group_end(q, &err), &err);
        } else {
            char *value = cJSON_PrintUnformatted(cJSON_GetObjectItem(k, "value"));

            CHECK_OK(harper_query_where(q, cJSON_GetObjectItem(k, "attribute")->valuestring,
                                        (int)cJSON_GetObjectItem(k, "cmp")->valuedouble, value,
                                        strlen(value), &err), &err);
            free(value);
        }
    }
}

/* The query a random body stands for, made with the builder calls, which know every
 * comparator (the JSON form has no in). */
static harper_query *query_of_tree(harper_table *t, const cJSON *body)
{
    const cJSON *op = cJSON_GetObjectItem(body, "operator");
    const cJSON *offset = cJSON_GetObjectItem(body, "offset");
    const cJSON *limit = cJSON_GetObjectItem(body, "limit");
    const cJSON *el;
    harper_query *q = NULL;
    harper_error err;

    CHECK_OK(harper_query_new(t, &q, &err), &err);
    if (strcmp(op->valuestring, "or") == 0)
        CHECK_OK(harper_query_set_logic(q, HARPER_OR, &err), &err);
    tree_conditions(q, cJSON_GetObjectItem(body, "conditions"));
    for (el = cJSON_GetObjectItem(body, "sort"); el != NULL; el = cJSON_GetObjectItem(el, "next"))
        CHECK_OK(harper_query_sort(q, cJSON_GetObjectItem(el, "attribute")->valuestring,
                                   cJSON_IsTrue(cJSON_GetObjectItem(el, "descending")), &err),
                 &err);
    cJSON_ArrayForEach(el, cJSON_GetObjectItem(body, "get_attributes"))
        CHECK_OK(harper_query_select(q, el->valuestring, &err), &err);
    if (offset != NULL || limit != NULL)
        CHECK_OK(harper_query_limit(q, offset ? (int64_t)offset->valuedouble : 0,
                                    limit ? (int64_t)limit->valuedouble : -1, &err),
                 &err);
    return q;
}

/* The ids of a cursor's rows, in order, as "1,5,2"; rows are also appended to *rows. A body
 * holding an in is made with the builder calls, any other one with from_json. */
static void ids_of(harper_table *t, const cJSON *body, char *ids, size_t size, int sorted,
                   char **rows)
{
    char *query = cJSON_PrintUnformatted(body);
    harper_query *q = strstr(query, "\"comparator\":\"in\"") != NULL ? query_of_tree(t, body)
                                                                     : NULL;
    char *text = q != NULL ? rows_of_query(q) : rows_of(t, query);
    cJSON *arr = cJSON_Parse(text);
    int got[R_RECORDS + 1];
    int n = 0;
    const cJSON *row;
    size_t used = 0;

    CHECK(arr != NULL);
    cJSON_ArrayForEach(row, arr) {
        CHECK(n <= R_RECORDS);
        got[n++] = (int)cJSON_GetObjectItem(row, "id")->valuedouble;
    }
    if (!sorted)
        qsort(got, (size_t)n, sizeof got[0], int_cmp);
    ids[0] = '\0';
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(ids + used, size - used, i ? ",%d" : "%d", got[i]);
    cJSON_Delete(arr);
    harper_query_free(q);
    free(query);
    *rows = text;
}

TEST(query_random_indexed_twin_brute_force)
{
    harper *h = open_root();
    const char *attrs = "{\"name\":\"a\"%s},{\"name\":\"b\"%s},{\"name\":\"n\",\"type\":\"Int\"%s},"
                        "{\"name\":\"s\",\"type\":\"String\"%s}]}";
    char def[512];
    int len = snprintf(def, sizeof def, "{\"primary_key\":\"id\",\"attributes\":["
                                        "{\"name\":\"id\",\"type\":\"Int\"},");
    const char *ix = ",\"indexed\":true";
    harper_table *dog;
    harper_table *twin;
    cJSON *model[R_RECORDS + 1] = {NULL};
    harper_error err;

    rng = getenv("QUERY_SEED") ? strtoul(getenv("QUERY_SEED"), NULL, 10) : 20240601;
    snprintf(def + len, sizeof def - (size_t)len, attrs, ix, ix, ix, ix);
    dog = make_table(h, "dog", def);
    snprintf(def + len, sizeof def - (size_t)len, attrs, "", "", "", "");
    twin = make_table(h, "twin", def);
    /* Writes, rewrites and deletes, so the indexes have been maintained, not just filled. */
    for (int step = 0; step < R_RECORDS * 2; step++) {
        int id = 1 + (int)rnd(R_RECORDS);
        char key[16];

        if (step >= R_RECORDS && rnd(6) == 0) {
            if (model[id] == NULL)
                continue;
            snprintf(key, sizeof key, "%d", id);
            CHECK_OK(harper_table_delete(dog, key, strlen(key), &err), &err);
            CHECK_OK(harper_table_delete(twin, key, strlen(key), &err), &err);
            cJSON_Delete(model[id]);
            model[id] = NULL;
        } else {
            char *json;

            cJSON_Delete(model[id]);
            model[id] = r_record(id);
            json = cJSON_PrintUnformatted(model[id]);
            put(dog, json);
            put(twin, json);
            free(json);
        }
    }
    for (int i = 0; i < R_QUERIES; i++) {
        cJSON *query = r_group(0);
        struct t_sort sort = {{NULL, NULL}, {0, 0}, 0};
        const cJSON *want[R_RECORDS];
        char want_ids[1024] = "";
        char got_ids[1024];
        char twin_ids[1024];
        char *got_rows;
        char *twin_rows;
        size_t used = 0;
        int n = 0;
        int offset = 0;
        int limit = -1;
        char *text;

        if (rnd(2) == 0) {
            cJSON *s = cJSON_AddObjectToObject(query, "sort");

            sort.n = 1 + (int)rnd(2);
            for (int k = 0; k < sort.n; k++) {
                sort.attr[k] = r_attrs[rnd(5)];
                sort.desc[k] = (int)rnd(2);
                cJSON_AddStringToObject(s, "attribute", sort.attr[k]);
                cJSON_AddBoolToObject(s, "descending", sort.desc[k]);
                if (k + 1 < sort.n)
                    s = cJSON_AddObjectToObject(s, "next");
            }
            if (rnd(2) == 0) {
                offset = (int)rnd(6);
                limit = rnd(3) == 0 ? -1 : 1 + (int)rnd(10);
                cJSON_AddNumberToObject(query, "offset", offset);
                if (limit > 0)
                    cJSON_AddNumberToObject(query, "limit", limit);
            }
        }
        if (rnd(5) == 0) {
            cJSON *sel = cJSON_AddArrayToObject(query, "get_attributes");

            cJSON_AddItemToArray(sel, cJSON_CreateString("id"));
            cJSON_AddItemToArray(sel, cJSON_CreateString(r_attrs[1 + rnd(4)]));
        }
        for (int id = 1; id <= R_RECORDS; id++)
            if (model[id] != NULL && t_match(query, model[id]))
                want[n++] = model[id];
        if (sort.n > 0) {
            t_sort_by = &sort;
            qsort(want, (size_t)n, sizeof want[0], t_row_cmp);
        }
        for (int k = offset; k < n && (limit < 0 || k < offset + limit); k++)
            used += (size_t)snprintf(want_ids + used, sizeof want_ids - used,
                                     k > offset ? ",%d" : "%d",
                                     (int)cJSON_GetObjectItem(want[k], "id")->valuedouble);
        text = cJSON_PrintUnformatted(query);
        ids_of(dog, query, got_ids, sizeof got_ids, sort.n > 0, &got_rows);
        ids_of(twin, query, twin_ids, sizeof twin_ids, sort.n > 0, &twin_rows);
        if (strcmp(got_ids, want_ids) != 0 || strcmp(twin_ids, want_ids) != 0 ||
            (sort.n > 0 && strcmp(got_rows, twin_rows) != 0))
            test_fail(__FILE__, __LINE__, "query %d %s\n indexed %s\n    twin %s\n    want %s",
                      i, text, got_ids, twin_ids, want_ids);
        free(got_rows);
        free(twin_rows);
        free(text);
        cJSON_Delete(query);
    }
    for (int id = 0; id <= R_RECORDS; id++)
        cJSON_Delete(model[id]);
    harper_table_close(dog);
    harper_table_close(twin);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

TEST(query_infinite_value_is_refused)
{
    harper *h = open_root();
    harper_table *dog = make_dogs(h, "dog", dog_def);
    static const char *body =
        "{\"conditions\":[{\"attribute\":\"age\",\"comparator\":\"less_than\",\"value\":1e999}]}";
    harper_query *q = NULL;
    harper_cursor *c = NULL;
    harper_error err;

    /* 1e999 parses to infinity: no key encoding, so no comparison either. */
    CHECK_OK(harper_query_from_json(dog, body, strlen(body), &q, &err), &err);
    CHECK_ERR(harper_cursor_open(q, &c, &err), HARPER_EINVAL, &err,
              "the value of 'age' is a number too large to compare");
    CHECK(c == NULL);
    harper_query_free(q);
    harper_table_close(dog);
    CHECK_OK(harper_close(h), (harper_error *)NULL);
}

/* A projection over an exact index range copies values from the stored text; over the twin
 * (no index: a filtered scan) it parses and prints. Both must give the same rows, whatever
 * the values hold: strings with brackets, quotes and escapes, nested objects and arrays,
 * numbers in every form, names that need escapes, duplicate names. */
TEST(query_projection_from_text_equals_parsed)
{
    static const char *const records[] = {
        "{\"id\":1,\"k\":\"x\",\"s\":\"a}b]c{\\\"d\\\\\",\"o\":{\"a\":[1,{\"b\":\"}\"}]},"
        "\"n\":-1.5e-7}",
        "{\"id\":2,\"k\":\"x\",\"n\":12345678901234567890,\"o\":[],\"s\":\"\\u0001\\n\"}",
        "{\"id\":3,\"k\":\"x\",\"q\\\"uote\":1,\"s\":true,\"o\":null}",
        "{\"id\":4,\"k\":\"x\",\"n\":0.1,\"n\":2,\"s\":\"caf\xc3\xa9\"}",
        "{\"id\":5,\"k\":[\"x\",\"x\",\"y\"],\"s\":false}",
        "{\"id\":6,\"k\":\"y\",\"s\":\"not me\"}",
    };
    static const char *const queries[] = {
        "{\"conditions\":[{\"attribute\":\"k\",\"value\":\"x\"}],"
        "\"get_attributes\":[\"s\",\"o\",\"n\",\"id\",\"missing\"]}",
        "{\"conditions\":[{\"attribute\":\"k\",\"value\":\"x\"}],"
        "\"get_attributes\":[\"q\\\"uote\",\"id\"]}",
        "{\"conditions\":[{\"attribute\":\"k\",\"value\":\"x\"}],\"get_attributes\":[\"k\"],"
        "\"offset\":1,\"limit\":2}",
    };
    harper *h = open_root();
    harper_table *indexed = make_table(h, "p", "{\"primary_key\":\"id\",\"attributes\":["
                                              "{\"name\":\"id\"},{\"name\":\"k\",\"indexed\":true},"
                                              "{\"name\":\"s\"},{\"name\":\"o\"},{\"name\":\"n\"},"
                                              "{\"name\":\"missing\"},{\"name\":\"q\\\"uote\"}]}");
    harper_table *twin = make_table(h, "ptwin", "{\"primary_key\":\"id\",\"attributes\":["
                                                "{\"name\":\"id\"},{\"name\":\"k\"},"
                                                "{\"name\":\"s\"},{\"name\":\"o\"},{\"name\":\"n\"},"
                                                "{\"name\":\"missing\"},{\"name\":\"q\\\"uote\"}]}");

    for (size_t i = 0; i < sizeof records / sizeof records[0]; i++) {
        put(indexed, records[i]);
        put(twin, records[i]);
    }
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        char *from_index = rows_of(indexed, queries[i]);
        char *from_scan = rows_of(twin, queries[i]);

        CHECK_EQ_STR(from_index, from_scan);
        free(from_index);
        free(from_scan);
    }
    /* Spot checks that the comparison above is about something. */
    CHECK_ROWS(indexed, queries[2], "[{\"k\":\"x\"},{\"k\":\"x\"}]");
    {
        char *rows = rows_of(indexed, queries[0]);

        CHECK(strstr(rows, "{\"s\":\"a}b]c{\\\"d\\\\\",\"o\":{\"a\":[1,{\"b\":\"}\"}]},"
                           "\"n\":-1.5e-7,\"id\":1,\"missing\":null}") != NULL);
        CHECK(strstr(rows, "\"n\":0.1,\"id\":4") != NULL);   /* the first of two names */
        CHECK(strstr(rows, "{\"s\":false,\"o\":null,\"n\":null,\"id\":5,") != NULL);
        CHECK(strstr(rows, "not me") == NULL);
        /* An array holding the value twice still gives its record once. */
        CHECK(strstr(strstr(rows, "\"id\":5,") + 1, "\"id\":5,") == NULL);
        free(rows);
    }
    harper_table_close(indexed);
    harper_table_close(twin);
    CHECK_OK(harper_close(h), NULL);
}
