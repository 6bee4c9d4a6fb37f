/* hello.c: the smallest libharper program: make a table, write a record, read it back.
 * Build: cc hello.c $(pkg-config --cflags --libs harper)
 * The database stays in a new folder under $TMPDIR (or /tmp) for you to look at. */
#include <harper.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    const char *def = "{\"primary_key\":\"id\"}";
    const char *dog = "{\"id\":1,\"name\":\"Harper\"}";
    const char *tmp = getenv("TMPDIR");
    char root[4096];
    harper *h = NULL;
    harper_table *t = NULL;
    harper_error err = {0};
    char *json = NULL;
    size_t len = 0;
    int rc;

    snprintf(root, sizeof root, "%s/harper-hello-XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(root) == NULL) {
        perror(root);
        return 1;
    }
    rc = harper_open(root, NULL, &h, &err);
    if (rc == HARPER_OK)
        rc = harper_table_create(h, "data", "dog", def, strlen(def), &err);
    if (rc == HARPER_OK)
        rc = harper_table_open(h, "data", "dog", &t, &err);
    if (rc == HARPER_OK)
        rc = harper_table_put(t, dog, strlen(dog), &err);
    if (rc == HARPER_OK)
        rc = harper_table_get(t, "1", 1, &json, &len, &err);
    if (rc == HARPER_OK)
        printf("%.*s\n", (int)len, json);
    else
        fprintf(stderr, "hello: %s: %s\n", harper_strerror(rc), err.message);
    harper_free(json);
    harper_table_close(t);
    harper_close(h);
    return rc == HARPER_OK ? 0 : 1;
}
