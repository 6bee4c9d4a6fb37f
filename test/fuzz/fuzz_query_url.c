/* fuzz_query_url.c: arbitrary bytes as a REST query string (harper__qurl_parse). Invariants:
 * a failed parse leaves no tree, a NUL-terminated message, a class and a status of 400 or
 * 500; a tree that parses is consistent (the root is a group, conditions have a path and a
 * known comparator, a between has two values, every text is NUL-terminated at its length with
 * no NUL inside), and printing it twice gives the same text. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query_url.h"

static void die(const char *what)
{
    fprintf(stderr, "fuzz_query_url: %s\n", what);
    abort();
}

static void check_text(const char *text, size_t len)
{
    if (text == NULL || strlen(text) != len)
        die("a text is not NUL-terminated at its length");
}

static void check_value(const harper__qurl_value *v)
{
    if (v->kind < HARPER__QURL_STRICT || v->kind > HARPER__QURL_TEXT)
        die("value of unknown kind");
    check_text(v->text, v->len);
}

static void check_node(const harper__qurl_node *n, int depth)
{
    if (depth > 200)
        die("tree deeper than the parser allows");
    if (n->is_group) {
        if (n->logic != HARPER_AND && n->logic != HARPER_OR)
            die("group with an unknown logic");
        for (size_t k = 0; k < n->n_kids; k++)
            check_node(&n->kids[k], depth + 1);
        return;
    }
    if (n->n_path == 0 || n->op == NULL || n->comparator < HARPER_EQUALS ||
        n->comparator > HARPER_BETWEEN)
        die("condition without a path or a comparator");
    for (size_t k = 0; k < n->n_path; k++)
        check_text(n->path[k], n->path_len[k]);
    check_value(&n->value);
    if (n->comparator == HARPER_BETWEEN)
        check_value(&n->high);
}

static void check_sel(const harper__qurl_sel *s, int depth)
{
    if (depth > 200)
        die("select deeper than the parser allows");
    if (!s->is_list) {
        check_text(s->name, s->name_len);
        return;
    }
    if (s->name != NULL)
        check_text(s->name, s->name_len);
    for (size_t k = 0; k < s->n_items; k++)
        check_sel(&s->items[k], depth + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    harper__qurl *q = (harper__qurl *)&size;
    harper__qurl_error err;
    harper__buf first = HARPER__BUF_INIT;
    harper__buf second = HARPER__BUF_INIT;

    memset(&err, 'x', sizeof err);
    if (harper__qurl_parse((const char *)data, size, &q, &err) != 0) {
        if (q != NULL)
            die("failed parse left a tree");
        if (memchr(err.message, '\0', sizeof err.message) == NULL ||
            memchr(err.cls, '\0', sizeof err.cls) == NULL || err.cls[0] == '\0' ||
            err.message[0] == '\0')
            die("failed parse without a message or a class");
        if (err.status != 400 && err.status != 500)
            die("status other than 400 or 500");
        return 0;
    }
    if (q == NULL || !q->root.is_group)
        die("parse succeeded without a tree rooted in a group");
    check_node(&q->root, 0);
    if (q->select != NULL)
        check_sel(q->select, 0);
    for (size_t k = 0; k < q->n_sort; k++)
        for (size_t m = 0; m < q->sort[k].n_path; m++)
            check_text(q->sort[k].path[m], q->sort[k].path_len[m]);
    if (harper__qurl_to_json(q, &first) != 0 || harper__qurl_to_json(q, &second) != 0)
        die("printing failed");
    if (first.len != second.len || memcmp(first.data, second.data, first.len) != 0)
        die("printing the same tree twice gave different text");
    harper__buf_free(&first);
    harper__buf_free(&second);
    harper__qurl_free(q);
    return 0;
}
