/* fuzz_ops.c: arbitrary bytes as an Operations API request body, dispatched as the super user
 * against a scratch root. Invariants: every request gets an answer with an HTTP status and a
 * JSON body, and the tables written keep their indexes in step with their records. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "harper.h"
#include "ops.h"
#include "server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct server srv;
static char dir[] = "/tmp/harper-fuzz-ops-XXXXXX";

static void cleanup(void)
{
    char cmd[64];

    harper_close(srv.h);
    config_free(srv.config);
    slog_close(srv.log);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

static void setup(void)
{
    char err[512];
    harper_error herr;
    static const char *seed =
        "{\"primary_key\":\"id\",\"attributes\":[{\"name\":\"id\",\"type\":\"Int\"},"
        "{\"name\":\"name\",\"indexed\":true}]}";

    if (mkdtemp(dir) == NULL || config_install(dir, true, err, sizeof err) != 0 ||
        config_load(dir, &srv.config, err, sizeof err) != 0)
        abort();
    srv.root = dir;
    srv.log = slog_open(NULL, SLOG_NOTIFY, false);
    srv.max_body = 1 << 20;
    if (harper_open(dir, NULL, &srv.h, &herr) != HARPER_OK ||
        harper_auth_init(srv.h, "admin", "password", &herr) < 0 ||
        harper_table_create(srv.h, "data", "dog", seed, strlen(seed), &herr) != HARPER_OK)
        abort();
    srv.super_user = "admin";
    atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ops_reply reply = {0, NULL, 0, false};
    ops_request req;
    cJSON *body;
    cJSON *answer;
    const cJSON *op;
    harper_table *t;
    harper_error err;

    if (srv.h == NULL)
        setup();
    body = cJSON_ParseWithLength((const char *)data, size);
    op = cJSON_GetObjectItemCaseSensitive(body, "operation");
    if (!cJSON_IsObject(body) || !cJSON_IsString(op) || op->valuestring[0] == '\0') {
        cJSON_Delete(body);
        return 0;   /* http.c answers these before any operation runs */
    }
    req = (ops_request){srv.h, &srv, "admin", true, body};
    ops_dispatch(&req, &reply);
    if (reply.status < 200 || reply.status > 599 || reply.body == NULL)
        abort();
    answer = cJSON_ParseWithLength(reply.body, reply.len);
    if (answer == NULL)
        abort();
    cJSON_Delete(answer);
    ops_reply_free(&reply);
    cJSON_Delete(body);
    if (harper_table_open(srv.h, "data", "dog", &t, &err) == HARPER_OK) {
        if (harper_table_check(t, &err) != HARPER_OK)
            abort();
        harper_table_close(t);
    }
    return 0;
}
