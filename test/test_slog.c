/* test_slog.c: harper-server's log: Harper's line format, the level filter, whole lines from
 * concurrent threads, and read_log's parsing, filters, ordering and validation messages. */
#include <pthread.h>
#include <stdbool.h>

#include <cjson/cJSON.h>

#include "slog.h"
#include "test.h"

static char *path_in_test_dir(const char *name)
{
    size_t n = strlen(test_dir()) + strlen(name) + 2;
    char *p = malloc(n);

    CHECK(p != NULL);
    snprintf(p, n, "%s/%s", test_dir(), name);
    return p;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *text;
    long n;

    CHECK(f != NULL);
    CHECK(fseek(f, 0, SEEK_END) == 0);
    n = ftell(f);
    CHECK(n >= 0);
    rewind(f);
    text = malloc((size_t)n + 1);
    CHECK(text != NULL);
    CHECK(fread(text, 1, (size_t)n, f) == (size_t)n);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");

    CHECK(f != NULL);
    CHECK(fwrite(text, 1, strlen(text), f) == strlen(text));
    fclose(f);
}

/* Runs read_log with the JSON query `query` on `path`; returns the compact JSON answer, or
 * "ERROR: <message>". */
static char *read_log(const char *path, const char *query)
{
    cJSON *q = cJSON_Parse(query);
    char err[512] = "";
    cJSON *res;
    char *out;

    CHECK(q != NULL);
    res = slog_read(path, q, err, sizeof err);
    cJSON_Delete(q);
    if (res == NULL) {
        size_t n = strlen(err) + 8;

        out = malloc(n);
        CHECK(out != NULL);
        snprintf(out, n, "ERROR: %s", err);
        return out;
    }
    out = cJSON_PrintUnformatted(res);
    cJSON_Delete(res);
    CHECK(out != NULL);
    return out;
}

static void check_read(const char *path, const char *query, const char *want)
{
    char *got = read_log(path, query);

    if (strcmp(got, want) != 0) {
        fprintf(stderr, "query %s\n", query);
        CHECK_EQ_STR(got, want);
    }
    free(got);
}

/* Whether `line` is "<YYYY-MM-DDTHH:MM:SS.mmmZ> <rest>" with exactly `rest` after the time. */
static bool line_is(const char *line, size_t len, const char *rest)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddZ ";

    if (len != sizeof shape - 1 + strlen(rest))
        return false;
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] == 'd' ? (line[i] < '0' || line[i] > '9') : line[i] != shape[i])
            return false;
    }
    return memcmp(line + sizeof shape - 1, rest, strlen(rest)) == 0;
}

/* The n-th line (from 0) of text, as pointer and length; false past the end. */
static bool nth_line(const char *text, int n, const char **line, size_t *len)
{
    const char *p = text;

    for (int i = 0; i < n; i++) {
        p = strchr(p, '\n');
        if (p == NULL)
            return false;
        p++;
    }
    if (*p == '\0')
        return false;
    *line = p;
    *len = strchr(p, '\n') != NULL ? (size_t)(strchr(p, '\n') - p) : strlen(p);
    return true;
}

TEST(slog_writes_harper_lines_at_the_level_asked)
{
    char *path = path_in_test_dir("log/nested/hdb.log");
    server_log *log = slog_open(path, SLOG_WARN, false);
    const char *line;
    size_t len;
    char *text;

    CHECK(log != NULL);
    slog_write(log, SLOG_INFO, NULL, "not written: below warn");
    slog_write(log, SLOG_DEBUG, NULL, "not written either");
    slog_write(log, SLOG_WARN, NULL, "disk %d%% full", 91);
    slog_write(log, SLOG_ERROR, "auth-event", "{\"username\":\"x\"}");
    slog_write(log, SLOG_NOTIFY, NULL, "HarperDB successfully started.");
    slog_from_library(HARPER_LOG_ERROR, "store", "write failed", log);
    slog_from_library(HARPER_LOG_INFO, "store", "below warn", log);
    slog_close(log);

    text = read_text(path);
    CHECK(nth_line(text, 0, &line, &len));
    CHECK(line_is(line, len, "[main/0] [warn]: disk 91% full"));
    CHECK(nth_line(text, 1, &line, &len));
    CHECK(line_is(line, len, "[main/0] [error] [auth-event]: {\"username\":\"x\"}"));
    CHECK(nth_line(text, 2, &line, &len));
    CHECK(line_is(line, len, "[main/0] [notify]: HarperDB successfully started."));
    CHECK(nth_line(text, 3, &line, &len));
    CHECK(line_is(line, len, "[main/0] [error] [store]: write failed"));
    CHECK(!nth_line(text, 4, &line, &len));
    CHECK(text[strlen(text) - 1] == '\n');
    free(text);
    free(path);
}

TEST(slog_notify_passes_every_level_and_names_levels)
{
    char *path = path_in_test_dir("hdb.log");
    server_log *log = slog_open(path, SLOG_FATAL, false);
    char *text;

    CHECK(log != NULL);
    slog_write(log, SLOG_ERROR, NULL, "dropped");
    slog_write(log, SLOG_NOTIFY, NULL, "kept");
    slog_close(log);
    text = read_text(path);
    CHECK(strstr(text, "dropped") == NULL);
    CHECK(strstr(text, "[notify]: kept\n") != NULL);
    free(text);
    free(path);

    CHECK_EQ_INT(slog_level_from_name("trace"), SLOG_TRACE);
    CHECK_EQ_INT(slog_level_from_name("warn"), SLOG_WARN);
    CHECK_EQ_INT(slog_level_from_name("NOTIFY"), SLOG_NOTIFY);
    CHECK_EQ_INT(slog_level_from_name("warning"), -1);
    CHECK_EQ_INT(slog_level_from_name(NULL), -1);
    slog_close(NULL);
}

TEST(slog_open_fails_cleanly_on_a_bad_path)
{
    char *path = path_in_test_dir("file");

    write_text(path, "x");
    /* A regular file where a folder should be. */
    {
        size_t n = strlen(path) + 16;
        char *under = malloc(n);

        CHECK(under != NULL);
        snprintf(under, n, "%s/hdb.log", path);
        CHECK(slog_open(under, SLOG_INFO, false) == NULL);
        free(under);
    }
    free(path);
}

struct writer_arg {
    server_log *log;
    int id;
};

static void *writer(void *p)
{
    struct writer_arg *a = p;

    for (int i = 0; i < 200; i++)
        slog_write(a->log, SLOG_INFO, NULL, "writer %d line %d %s", a->id, i,
                   "padding padding padding padding padding padding padding padding padding");
    return NULL;
}

TEST(slog_threads_write_whole_lines_under_their_own_names)
{
    char *path = path_in_test_dir("hdb.log");
    server_log *log = slog_open(path, SLOG_INFO, false);
    pthread_t threads[4];
    struct writer_arg args[4];
    cJSON *all;
    cJSON *q = cJSON_CreateObject();
    char err[256];
    int per_thread[4] = {0};
    const cJSON *e;

    CHECK(log != NULL && q != NULL);
    for (int i = 0; i < 4; i++) {
        args[i].log = log;
        args[i].id = i;
        CHECK(pthread_create(&threads[i], NULL, writer, &args[i]) == 0);
    }
    for (int i = 0; i < 4; i++)
        CHECK(pthread_join(threads[i], NULL) == 0);
    slog_close(log);

    cJSON_AddNumberToObject(q, "limit", 10000);
    all = slog_read(path, q, err, sizeof err);
    CHECK(all != NULL);
    CHECK_EQ_INT(cJSON_GetArraySize(all), 800);
    cJSON_ArrayForEach(e, all) {
        const char *thread = cJSON_GetObjectItem(e, "thread")->valuestring;
        const char *msg = cJSON_GetObjectItem(e, "message")->valuestring;
        int id = -1;
        int n = -1;

        CHECK(strncmp(thread, "http/", 5) == 0 && atoi(thread + 5) >= 1);
        CHECK(sscanf(msg, "writer %d line %d", &id, &n) == 2);
        CHECK(id >= 0 && id < 4);
        CHECK(strstr(msg, "padding padding padding padding padding padding padding padding "
                          "padding") != NULL);
        per_thread[id]++;
    }
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(per_thread[i], 200);
    cJSON_Delete(all);
    cJSON_Delete(q);
    free(path);
}

TEST(slog_long_messages_are_written_whole)
{
    char *path = path_in_test_dir("hdb.log");
    server_log *log = slog_open(path, SLOG_INFO, false);
    char *big = malloc(10001);
    char *got;
    char want[64];

    CHECK(log != NULL && big != NULL);
    memset(big, 'x', 10000);
    big[10000] = '\0';
    slog_write(log, SLOG_INFO, NULL, "%s", big);
    slog_close(log);
    got = read_log(path, "{}");
    CHECK(strstr(got, big) != NULL);
    snprintf(want, sizeof want, "\"level\":\"info\",\"tags\":[],\"message\":\"xxxx");
    CHECK(strstr(got, want) != NULL);
    free(got);
    free(big);
    free(path);
}

/* A log as Harper writes it: tags, a multi-line message, a line that only looks like a
 * header, and trailing spaces on the last entry (which Harper trims). */
static const char sample[] =
    "2025-02-12T16:50:59.123Z [main/0] [notify]: HarperDB successfully started.\n"
    "2025-02-12T16:51:00.000Z [http/1] [info] [replication]: Connected to wss://s2:9933\n"
    "2025-02-12T16:51:01.500Z [http/2] [error] [auth-event] [x]: Error: bad\n"
    "    at f (a.js:1:2)\n"
    "  statusCode: 400\n"
    "2025-02-12T16:51:02.004Z [http/1] [warn]: not a header: 2025-02-12T16:51:02.004Z [a]: b\n"
    "2025-02-12T16:51:02.004Z [main/0] [info]:  last one  \n";

TEST(slog_read_parses_entries_like_harper)
{
    char *path = path_in_test_dir("hdb.log");

    write_text(path, sample);
    check_read(path, "{}",
               "[{\"timestamp\":\"2025-02-12T16:50:59.123Z\",\"thread\":\"main/0\","
               "\"level\":\"notify\",\"tags\":[],\"message\":\"HarperDB successfully started.\"},"
               "{\"timestamp\":\"2025-02-12T16:51:00.000Z\",\"thread\":\"http/1\","
               "\"level\":\"info\",\"tags\":[\"replication\"],"
               "\"message\":\"Connected to wss://s2:9933\"},"
               "{\"timestamp\":\"2025-02-12T16:51:01.500Z\",\"thread\":\"http/2\","
               "\"level\":\"error\",\"tags\":[\"auth-event\",\"x\"],"
               "\"message\":\"Error: bad\\n    at f (a.js:1:2)\\n  statusCode: 400\"},"
               "{\"timestamp\":\"2025-02-12T16:51:02.004Z\",\"thread\":\"http/1\","
               "\"level\":\"warn\",\"tags\":[],"
               "\"message\":\"not a header: 2025-02-12T16:51:02.004Z [a]: b\"},"
               "{\"timestamp\":\"2025-02-12T16:51:02.004Z\",\"thread\":\"main/0\","
               "\"level\":\"info\",\"tags\":[],\"message\":\"last one\"}]");
    free(path);
}

TEST(slog_read_filters_by_level_text_and_time)
{
    char *path = path_in_test_dir("hdb.log");

    write_text(path, sample);
    check_read(path, "{\"level\":\"error\"}",
               "[{\"timestamp\":\"2025-02-12T16:51:01.500Z\",\"thread\":\"http/2\","
               "\"level\":\"error\",\"tags\":[\"auth-event\",\"x\"],"
               "\"message\":\"Error: bad\\n    at f (a.js:1:2)\\n  statusCode: 400\"}]");
    /* The filter looks at every field, tags included. */
    check_read(path, "{\"filter\":\"replication\"}",
               "[{\"timestamp\":\"2025-02-12T16:51:00.000Z\",\"thread\":\"http/1\","
               "\"level\":\"info\",\"tags\":[\"replication\"],"
               "\"message\":\"Connected to wss://s2:9933\"}]");
    check_read(path, "{\"filter\":\"statusCode\"}",
               "[{\"timestamp\":\"2025-02-12T16:51:01.500Z\",\"thread\":\"http/2\","
               "\"level\":\"error\",\"tags\":[\"auth-event\",\"x\"],"
               "\"message\":\"Error: bad\\n    at f (a.js:1:2)\\n  statusCode: 400\"}]");
    check_read(path, "{\"filter\":\"nothing like this\"}", "[]");
    /* from and until are inclusive; `to` is until's other name. */
    check_read(path, "{\"from\":\"2025-02-12T16:51:00Z\",\"until\":\"2025-02-12T16:51:01.500Z\"}",
               "[{\"timestamp\":\"2025-02-12T16:51:00.000Z\",\"thread\":\"http/1\","
               "\"level\":\"info\",\"tags\":[\"replication\"],"
               "\"message\":\"Connected to wss://s2:9933\"},"
               "{\"timestamp\":\"2025-02-12T16:51:01.500Z\",\"thread\":\"http/2\","
               "\"level\":\"error\",\"tags\":[\"auth-event\",\"x\"],"
               "\"message\":\"Error: bad\\n    at f (a.js:1:2)\\n  statusCode: 400\"}]");
    check_read(path, "{\"to\":\"2025-02-12T16:50:59.123Z\",\"level\":\"notify\"}",
               "[{\"timestamp\":\"2025-02-12T16:50:59.123Z\",\"thread\":\"main/0\","
               "\"level\":\"notify\",\"tags\":[],"
               "\"message\":\"HarperDB successfully started.\"}]");
    check_read(path, "{\"from\":\"2025-02-13\"}", "[]");
    check_read(path, "{\"from\":\"2025-02-12T17:51:00+01:00\",\"level\":\"warn\"}",
               "[{\"timestamp\":\"2025-02-12T16:51:02.004Z\",\"thread\":\"http/1\","
               "\"level\":\"warn\",\"tags\":[],"
               "\"message\":\"not a header: 2025-02-12T16:51:02.004Z [a]: b\"}]");
    free(path);
}

/* Only the timestamps of a result, comma-separated, to check order and paging. */
static char *stamps(const char *path, const char *query)
{
    cJSON *q = cJSON_Parse(query);
    char err[256];
    cJSON *res;
    const cJSON *e;
    char *out = calloc(1, 4096);

    CHECK(q != NULL && out != NULL);
    res = slog_read(path, q, err, sizeof err);
    CHECK(res != NULL);
    cJSON_ArrayForEach(e, res) {
        const char *ts = cJSON_GetObjectItem(e, "timestamp")->valuestring;
        const char *msg = cJSON_GetObjectItem(e, "message")->valuestring;

        snprintf(out + strlen(out), 4096 - strlen(out), "%s%.2s/%s", out[0] ? "," : "",
                 ts + 17, msg);
    }
    cJSON_Delete(res);
    cJSON_Delete(q);
    return out;
}

static void check_stamps(const char *path, const char *query, const char *want)
{
    char *got = stamps(path, query);

    if (strcmp(got, want) != 0)
        fprintf(stderr, "query %s\n", query);
    CHECK_EQ_STR(got, want);
    free(got);
}

TEST(slog_read_pages_and_orders)
{
    char *path = path_in_test_dir("hdb.log");

    /* Out of time order on purpose (a clock step), and two lines in one millisecond. */
    write_text(path,
               "2025-01-01T00:00:03.000Z [main/0] [info]: a\n"
               "2025-01-01T00:00:01.000Z [main/0] [info]: b\n"
               "2025-01-01T00:00:02.000Z [main/0] [warn]: c\n"
               "2025-01-01T00:00:02.000Z [main/0] [info]: d\n"
               "2025-01-01T00:00:05.000Z [main/0] [info]: e\n"
               "2025-01-01T00:00:04.000Z [main/0] [info]: f\n");
    check_stamps(path, "{}", "03/a,01/b,02/c,02/d,05/e,04/f");
    check_stamps(path, "{\"start\":1,\"limit\":2}", "01/b,02/c");
    check_stamps(path, "{\"limit\":\"3\"}", "03/a,01/b,02/c");
    check_stamps(path, "{\"order\":\"asc\"}", "01/b,02/c,02/d,03/a,04/f,05/e");
    check_stamps(path, "{\"order\":\"asc\",\"limit\":3}", "01/b,02/c,03/a");
    check_stamps(path, "{\"order\":\"desc\"}", "05/e,04/f,03/a,02/d,02/c,01/b");
    /* Descending without bounds pages from the newest lines. */
    check_stamps(path, "{\"order\":\"desc\",\"limit\":2}", "05/e,04/f");
    check_stamps(path, "{\"order\":\"desc\",\"limit\":2,\"start\":1}", "04/f,02/d");
    check_stamps(path, "{\"order\":\"desc\",\"limit\":2,\"start\":2}", "02/d,02/c");
    /* With a bound, Harper pages in file order first, then sorts. */
    check_stamps(path, "{\"order\":\"desc\",\"limit\":2,\"from\":\"2025-01-01T00:00:02Z\"}",
                 "03/a,02/c");
    check_stamps(path, "{\"level\":\"info\",\"start\":3}", "05/e,04/f");
    /* A fractional limit never equals Harper's counter, so nothing stops the read. */
    check_stamps(path, "{\"limit\":1.5}", "03/a,01/b,02/c,02/d,05/e,04/f");
    free(path);
}

TEST(slog_read_rejects_bad_parameters_with_harpers_messages)
{
    char *path = path_in_test_dir("hdb.log");

    write_text(path, sample);
    check_read(path, "{\"limit\":0}", "ERROR: 'limit' must be greater than or equal to 1");
    check_read(path, "{\"limit\":\"x\"}", "ERROR: 'limit' must be a number");
    check_read(path, "{\"start\":-1}", "ERROR: 'start' must be greater than or equal to 0");
    check_read(path, "{\"level\":\"bogus\"}",
               "ERROR: 'level' must be one of [notify, fatal, error, warn, info, debug, trace]");
    check_read(path, "{\"level\":\"WARN\"}",
               "ERROR: 'level' must be one of [notify, fatal, error, warn, info, debug, trace]");
    check_read(path, "{\"order\":\"up\"}", "ERROR: 'order' must be one of [asc, desc]");
    check_read(path, "{\"from\":\"nonsense\"}", "ERROR: 'from' date 'nonsense' is invalid.");
    check_read(path, "{\"until\":\"2020-13-45\"}", "ERROR: 'until' date '2020-13-45' is invalid.");
    check_read(path, "{\"from\":1795572700000}",
               "ERROR: 'from' date '1795572700000' is invalid.");
    check_read(path, "{\"filter\":5}", "ERROR: 'filter' must be a string");
    check_read(path, "{\"log_name\":\"other.log\"}", "ERROR: 'log_name' 'other.log' is invalid.");
    check_read(path, "{\"log_name\":\"install.log\"}",
               "ERROR: 'log_name' 'install.log' does not exist.");
    /* Every problem is reported, in the order Harper's schema lists the parameters. */
    check_read(path, "{\"limit\":0,\"order\":\"up\",\"level\":\"x\"}",
               "ERROR: 'level' must be one of [notify, fatal, error, warn, info, debug, trace]. "
               "'order' must be one of [asc, desc]. 'limit' must be greater than or equal to 1");
    free(path);
}

TEST(slog_read_of_a_missing_log_is_empty)
{
    char *path = path_in_test_dir("no/such/hdb.log");

    check_read(path, "{}", "[]");
    check_read(path, "{\"limit\":0}", "ERROR: 'limit' must be greater than or equal to 1");
    free(path);
}
