/* test_crash.c: durability under SIGKILL. A child process writes (inserts, patches, deletes)
 * and reports each write on a pipe twice: "begin" before and "ack" after its commit. The parent
 * kills it at a random moment, reopens the root and checks that every acknowledged write is
 * there, that the one write in flight is either wholly there or wholly absent, and that the
 * indexes match the records exactly. */
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "test.h"

#define ROUNDS 24
#define MAX_KEYS ((ROUNDS + 1) * 10000)

enum { OP_INSERT = 1, OP_PATCH = 2, OP_DELETE = 3 };

struct report {
    uint8_t acked;      /* 0: begin, 1: ack */
    uint8_t op;
    int32_t key;
    int32_t value;
};

/* The state the parent expects per key: -1 absent, else the value of "n". */
static int32_t expected[MAX_KEYS];

static const char *table_def =
    "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\",\"type\":\"Int\"},"
    "{\"name\":\"n\",\"type\":\"Int\",\"indexed\":true},{\"name\":\"tag\",\"indexed\":true}]}";

static void send_report(int fd, int acked, int op, int key, int value)
{
    struct report r = {(uint8_t)acked, (uint8_t)op, key, value};

    if (write(fd, &r, sizeof r) != (ssize_t)sizeof r)
        _exit(3);
}

/* The child: writes until it is killed. Keys of round r are r * 10000 + i. */
static void child_writes(int fd, int round)
{
    harper *h;
    harper_table *t;
    harper_error err;
    unsigned seed = (unsigned)round * 7919u;

    if (harper_open(test_dir(), NULL, &h, &err) != HARPER_OK ||
        harper_table_open(h, "data", "crash", &t, &err) != HARPER_OK)
        _exit(2);
    for (int i = 0;; i++) {
        int op = i < 20 ? OP_INSERT : (int)(rand_r(&seed) % 3) + 1;
        int key = round * 10000 + (op == OP_INSERT ? i : (int)(rand_r(&seed) % (unsigned)i));
        int value = i;
        char json[128];
        char key_text[16];
        int rc;

        if (i >= 9999)
            pause();    /* the round's key range is full: wait for the kill */
        send_report(fd, 0, op, key, value);
        snprintf(key_text, sizeof key_text, "%d", key);
        snprintf(json, sizeof json, "{\"id\":%d,\"n\":%d,\"tag\":[\"t%d\",\"r%d\"]}", key, value,
                 value % 5, round);
        if (op == OP_INSERT)
            rc = harper_table_insert(t, json, strlen(json), NULL, NULL, &err);
        else if (op == OP_PATCH)
            rc = harper_table_patch(t, json, strlen(json), &err);
        else
            rc = harper_table_delete(t, key_text, strlen(key_text), &err);
        if (rc == HARPER_EEXIST || rc == HARPER_ENOTFOUND)
            op = 0;  /* nothing was written; say so */
        else if (rc != HARPER_OK)
            _exit(4);
        send_report(fd, 1, op, key, value);
    }
}

static void apply(int op, int key, int value)
{
    if (op == OP_INSERT || op == OP_PATCH)
        expected[key] = value;
    else if (op == OP_DELETE)
        expected[key] = -1;
}

/* Keys of round r that were touched: [r * 10000, r * 10000 + touched[r]). */
static int touched[ROUNDS + 1];

static int32_t stored_value(harper_table *t, int key)
{
    char key_text[16];
    char *json = NULL;
    size_t len;
    harper_error err;
    int32_t n;
    cJSON *rec;
    int rc;

    snprintf(key_text, sizeof key_text, "%d", key);
    rc = harper_table_get(t, key_text, strlen(key_text), &json, &len, &err);
    if (rc == HARPER_ENOTFOUND)
        return -1;
    CHECK_OK(rc, &err);
    rec = cJSON_Parse(json);
    CHECK(cJSON_IsNumber(cJSON_GetObjectItem(rec, "n")));
    n = (int32_t)cJSON_GetObjectItem(rec, "n")->valuedouble;
    cJSON_Delete(rec);
    harper_free(json);
    return n;
}

TEST(crash_sigkill_keeps_acknowledged_writes)
{
    harper *h;
    harper_table *t;
    harper_error err;
    unsigned seed = (unsigned)time(NULL);

    printf("seed %u\n", seed);
    for (int k = 0; k < MAX_KEYS; k++)
        expected[k] = -1;
    CHECK_OK(harper_open(test_dir(), NULL, &h, &err), &err);
    CHECK_OK(harper_table_create(h, "data", "crash", table_def, strlen(table_def), &err), &err);
    CHECK_OK(harper_close(h), NULL);

    for (int round = 1; round <= ROUNDS; round++) {
        int fds[2];
        pid_t pid;
        struct report r;
        struct report pending = {0, 0, -1, 0};
        int acked = 0;
        int status;

        CHECK(pipe(fds) == 0);
        pid = fork();
        CHECK(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            child_writes(fds[1], round);
            _exit(0);
        }
        close(fds[1]);
        usleep(30000 + rand_r(&seed) % 250000);
        kill(pid, SIGKILL);
        while (read(fds[0], &r, sizeof r) == (ssize_t)sizeof r) {
            if (!r.acked) {
                pending = r;
                if (r.key - round * 10000 >= touched[round])
                    touched[round] = r.key - round * 10000 + 1;
                continue;
            }
            apply(r.op, r.key, r.value);
            pending.key = -1;
            if (r.key - round * 10000 >= touched[round])
                touched[round] = r.key - round * 10000 + 1;
            acked++;
        }
        close(fds[0]);
        CHECK(waitpid(pid, &status, 0) == pid);
        CHECK(WIFSIGNALED(status));

        CHECK_OK(harper_open(test_dir(), NULL, &h, &err), &err);
        CHECK_OK(harper_table_open(h, "data", "crash", &t, &err), &err);
        for (int key = round * 10000; key < round * 10000 + touched[round]; key++) {
            int32_t got = stored_value(t, key);

            if (key == pending.key && got != expected[key]) {
                /* The write in flight may have committed: then it is there whole. */
                apply(pending.op, pending.key, pending.value);
                CHECK_EQ_INT(got, expected[key]);
                continue;
            }
            if (got != expected[key])
                test_fail(__FILE__, __LINE__, "round %d: key %d has n=%d, want %d (%d acked)",
                          round, key, got, expected[key], acked);
        }
        CHECK_OK(harper_table_check(t, &err), &err);
        harper_table_close(t);
        CHECK_OK(harper_close(h), NULL);
    }

    /* Later rounds never touch earlier keys: all of them must still be as acknowledged. */
    CHECK_OK(harper_open(test_dir(), NULL, &h, &err), &err);
    CHECK_OK(harper_table_open(h, "data", "crash", &t, &err), &err);
    for (int round = 1; round <= ROUNDS; round++)
        for (int key = round * 10000; key < round * 10000 + touched[round]; key++)
            CHECK_EQ_INT(stored_value(t, key), expected[key]);
    harper_table_close(t);
    CHECK_OK(harper_close(h), NULL);
}
