/* cli.c: operations from the command line (see cli.h). Values are JSON when they parse as JSON
 * (limit=10 is a number, attributes='["a"]' an array), strings otherwise; only the first '='
 * splits. The answer prints as YAML, or as indented JSON with json=true, as Harper's CLI does. */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "config.h"
#include "install.h"
#include "json.h"
#include "yaml.h"

/* The request body from key=value arguments; *as_json is set by json=true. */
static cJSON *build_request(int argc, char **argv, int *as_json)
{
    cJSON *req = cJSON_CreateObject();

    *as_json = 0;
    if (req == NULL || cJSON_AddStringToObject(req, "operation", argv[0]) == NULL)
        goto fail;
    for (int i = 1; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        cJSON *value;

        if (eq == NULL || eq == argv[i]) {
            fprintf(stderr, "Error: arguments are key=value, not '%s'\n", argv[i]);
            goto fail;
        }
        *eq = '\0';
        if (strcmp(argv[i], "json") == 0) {
            *as_json = strcmp(eq + 1, "true") == 0;
            continue;
        }
        value = cJSON_Parse(eq + 1);
        if (value == NULL)
            value = cJSON_CreateString(eq + 1);
        if (value == NULL)
            goto fail;
        cJSON_DeleteItemFromObjectCaseSensitive(req, argv[i]);
        cJSON_AddItemToObject(req, argv[i], value);
    }
    return req;
fail:
    cJSON_Delete(req);
    return NULL;
}

/* Sends body over the socket at `path`; the answer's status and body. -1 if it cannot. */
static int exchange(const char *path, const char *body, size_t len, harper__buf *answer,
                    int *status)
{
    struct sockaddr_un addr;
    char head[256];
    char chunk[65536];
    int fd;
    int n;
    ssize_t got;
    char *text;

    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    n = snprintf(head, sizeof head,
                 "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                 "Content-Length: %zu\r\nConnection: close\r\n\r\n",
                 len);
    if (write(fd, head, (size_t)n) != n || write(fd, body, len) != (ssize_t)len) {
        close(fd);
        return -1;
    }
    while ((got = read(fd, chunk, sizeof chunk)) > 0)
        harper__buf_append(answer, chunk, (size_t)got);
    close(fd);
    text = harper__buf_cstr(answer);
    if (text == NULL || sscanf(text, "HTTP/1.%*d %d", status) != 1)
        return -1;
    return 0;
}

/* The body after the headers (responses come whole: Connection: close, no chunking for the
 * small answers the CLI asks for). */
static const char *response_body(const char *text)
{
    const char *p = strstr(text, "\r\n\r\n");

    return p != NULL ? p + 4 : "";
}

static void print_answer(const char *body, int as_json)
{
    cJSON *v = cJSON_Parse(body);
    harper__buf out = HARPER__BUF_INIT;

    if (v == NULL) {
        printf("%s\n", body);
        return;
    }
    if (as_json) {
        char *pretty = cJSON_Print(v);

        /* cJSON indents with tabs; Harper's CLI with two spaces. */
        for (const char *p = pretty; p != NULL && *p != '\0'; p++) {
            if (*p == '\t')
                fputs("  ", stdout);
            else
                putchar(*p);
        }
        putchar('\n');
        free(pretty);
    } else if (json_to_yaml(v, &out) == 0 && harper__buf_cstr(&out) != NULL) {
        fputs(out.data, stdout);
    }
    harper__buf_free(&out);
    cJSON_Delete(v);
}

int cli_operation(const char *root, int argc, char **argv)
{
    harper__buf answer = HARPER__BUF_INIT;
    cJSON *req;
    char *body;
    char socket_path[4096];
    struct stat st;
    int as_json;
    int status = 0;
    int rc = 1;

    if (install_running_pid(root) == 0) {
        fprintf(stderr, "HarperDB must be running to perform this operation\n");
        return 1;
    }
    snprintf(socket_path, sizeof socket_path, "%s/operations-server", root);
    if (stat(socket_path, &st) != 0) {
        fprintf(stderr, "No domain socket found, unable to perform this operation\n");
        return 1;
    }
    req = build_request(argc, argv, &as_json);
    body = req != NULL ? cJSON_PrintUnformatted(req) : NULL;
    if (body == NULL) {
        cJSON_Delete(req);
        return 1;
    }
    if (exchange(socket_path, body, strlen(body), &answer, &status) != 0) {
        fprintf(stderr, "Error: cannot reach the server at %s: %s\n", socket_path,
                strerror(errno));
    } else {
        print_answer(response_body(answer.data), as_json);
        rc = status >= 200 && status < 300 ? 0 : 1;
    }
    free(body);
    cJSON_Delete(req);
    harper__buf_free(&answer);
    return rc;
}
