/* fuzz_yaml.c: arbitrary bytes as YAML (yaml_to_json, json_to_yaml). Invariants: a failed
 * parse leaves no tree and a NUL-terminated message; a tree that parses is written back out
 * without error, that text parses to an equal tree, and writing that tree gives the same
 * text again (so writing is a fixed point after one round). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "yaml.h"

static void die(const char *what, const harper__buf *text, const char *err)
{
    fprintf(stderr, "fuzz_yaml: %s%s%s\n", what, err != NULL ? ": " : "", err != NULL ? err : "");
    if (text != NULL && text->data != NULL)
        fprintf(stderr, "--- written text ---\n%.*s\n---\n", (int)text->len, text->data);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harper__buf first = HARPER__BUF_INIT;
    harper__buf second = HARPER__BUF_INIT;
    cJSON *tree = NULL;
    cJSON *again = NULL;
    char err[256];

    err[0] = 'x';
    if (yaml_to_json((const char *)data, size, &tree, err, sizeof err) != 0) {
        if (tree != NULL || memchr(err, '\0', sizeof err) == NULL)
            die("failed parse left a tree or an unterminated message", NULL, NULL);
        return 0;
    }
    if (tree == NULL)
        die("parse succeeded without a tree", NULL, NULL);
    if (json_to_yaml(tree, &first) != 0)
        die("json_to_yaml failed on a parsed tree", NULL, NULL);
    if (yaml_to_json(first.data, first.len, &again, err, sizeof err) != 0)
        die("written text does not parse", &first, err);
    if (!cJSON_Compare(tree, again, 1))
        die("written text parses to a different tree", &first, NULL);
    if (json_to_yaml(again, &second) != 0)
        die("json_to_yaml failed on the second tree", &first, NULL);
    if (second.len != first.len || memcmp(first.data, second.data, first.len) != 0)
        die("writing the same tree twice gave different text", &first, NULL);
    harper__buf_free(&first);
    harper__buf_free(&second);
    cJSON_Delete(tree);
    cJSON_Delete(again);
    return 0;
}
