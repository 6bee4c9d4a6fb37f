/* query_url_tree.c: the parsed query (query_url_js.h's model) turned into the tree of
 * query_url.h, with the checks Harper makes when the search starts (groups that are too
 * small, chained ranges folded into one between or rejected, unknown comparators), and the
 * tree's release and JSON printing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "query_url_js.h"

static const struct {
    const char *name;
    int comparator;
    bool coercing;          /* Harper's COERCIBLE_OPERATORS */
} comparators[] = {
    {"equals", HARPER_EQUALS, false},       {"eq", HARPER_EQUALS, true},
    {"ne", HARPER_NOT_EQUAL, true},         {"not_equal", HARPER_NOT_EQUAL, false},
    {"gt", HARPER_GREATER_THAN, true},      {"ge", HARPER_GREATER_THAN_EQUAL, true},
    {"lt", HARPER_LESS_THAN, true},         {"le", HARPER_LESS_THAN_EQUAL, true},
    {"sw", HARPER_STARTS_WITH, false},      {"starts_with", HARPER_STARTS_WITH, false},
    {"ew", HARPER_ENDS_WITH, false},        {"ct", HARPER_CONTAINS, false},
    {"gtlt", HARPER_BETWEEN, false},        {"gtle", HARPER_BETWEEN, false},
    {"gelt", HARPER_BETWEEN, false},        {"gele", HARPER_BETWEEN, false},
};

static int find_comparator(const char *name)
{
    for (size_t k = 0; k < sizeof comparators / sizeof comparators[0]; k++)
        if (strcmp(comparators[k].name, name) == 0)
            return (int)k;
    return -1;
}

static bool is_greater(const char *c)
{
    return strcmp(c, "gt") == 0 || strcmp(c, "ge") == 0;
}

static bool is_less(const char *c)
{
    return strcmp(c, "lt") == 0 || strcmp(c, "le") == 0;
}

/* An Error thrown by the search, answered 500 with its bare message. */
static int search_error(jparser *P, const char *message)
{
    if (harper__qurl_throw(P, "Error", "%s", message) == -1 && !P->oom) {
        P->bare = true;
        P->status = 500;
    }
    return -1;
}

/* prepareConditions: group sizes and chained conditions, in Harper's order. */
static int check_group(jparser *P, const jv *g, bool top)
{
    if (!top && g->op == OP_OR && g->n_items < 2)
        return search_error(P, "An \"or\" operator requires at least two conditions");
    if (!top && g->op != OP_OR && g->n_items < 1)
        return search_error(P, "An \"and\" operator requires at least one condition");
    for (size_t k = 0; k < g->n_items; k++) {
        const jv *c = g->items[k];

        if (c == NULL)
            return search_error(P, "Search condition for undefined must have a value");
        if (c->kind == JV_QUERY) {
            if (check_group(P, c, false) != 0)
                return -1;
            continue;
        }
        if (c->n_chain == 0)
            continue;
        if (c->n_chain != 1 || c->op == OP_OR)
            return search_error(P, "Multiple chained conditions are not currently supported");
        if (!is_less(is_greater(c->chain[0]->cmp) ? c->cmp : c->chain[0]->cmp))
            return search_error(P, "Invalid chained condition, only less than and greater "
                                   "than conditions can be chained together");
    }
    return 0;
}

static void value_free(harper__qurl_value *v)
{
    free(v->text);
    v->text = NULL;
}

/* Moves a value out of the model (which then frees nothing of it). */
static void take_value(harper__qurl_value *dst, jv *c)
{
    *dst = c->value;
    c->value.text = NULL;
}

/* Appends the strings of `attr` (a string or nested arrays of them) to the path. */
static int add_segments(jparser *P, const jv *attr, char ***path, size_t **lens, size_t *n)
{
    if (attr == NULL || attr->kind == JV_QUERY)
        return 0;
    if (attr->kind == JV_ARR) {
        for (size_t k = 0; k < attr->n_items; k++)
            if (add_segments(P, attr->items[k], path, lens, n) != 0)
                return -1;
        return 0;
    }
    {
        char **p2 = realloc(*path, (*n + 1) * sizeof *p2);
        size_t *l2;

        if (p2 == NULL)
            return harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
        *path = p2;
        l2 = realloc(*lens, (*n + 1) * sizeof *l2);
        if (l2 == NULL)
            return harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
        *lens = l2;
        (*path)[*n] = malloc(attr->n + 1);
        if ((*path)[*n] == NULL)
            return harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
        memcpy((*path)[*n], attr->s, attr->n + 1);
        (*lens)[*n] = attr->n;
        (*n)++;
    }
    return 0;
}

static int build_cond(jparser *P, jv *c, harper__qurl_node *node)
{
    int k = find_comparator(c->cmp);

    if (add_segments(P, c->attr, &node->path, &node->path_len, &node->n_path) != 0)
        return -1;
    node->autocast = k >= 0 && comparators[k].coercing;
    if (c->n_chain == 1) {
        jv *mt = c->chain[0];
        jv *lower = is_greater(mt->cmp) ? mt : c;   /* the check above made the other lt/le */
        jv *upper = lower == mt ? c : mt;

        node->comparator = HARPER_BETWEEN;
        node->low_inclusive = strcmp(lower->cmp, "ge") == 0;
        node->high_inclusive = strcmp(upper->cmp, "le") == 0;
        node->op = node->low_inclusive ? (node->high_inclusive ? "gele" : "gelt")
                                       : (node->high_inclusive ? "gtle" : "gtlt");
        take_value(&node->value, lower);
        take_value(&node->high, upper);
        return 0;
    }
    if (k < 0) {
        if (harper__qurl_throw(P, "ClientError", "Unknown query comparator \"%s\"", c->cmp) == -1 &&
            !P->oom)
            P->bare = true;
        return -1;
    }
    node->comparator = comparators[k].comparator;
    node->op = comparators[k].name;
    take_value(&node->value, c);
    return 0;
}

static int build_group(jparser *P, jv *g, harper__qurl_node *node)
{
    node->is_group = true;
    node->logic = g->op == OP_OR ? HARPER_OR : HARPER_AND;
    if (g->n_items == 0)
        return 0;
    node->kids = calloc(g->n_items, sizeof *node->kids);
    if (node->kids == NULL)
        return harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
    node->n_kids = g->n_items;
    for (size_t k = 0; k < g->n_items; k++) {
        jv *c = g->items[k];
        int rc = c->kind == JV_QUERY ? build_group(P, c, &node->kids[k])
                                     : build_cond(P, c, &node->kids[k]);

        if (rc != 0)
            return -1;
    }
    return 0;
}

static int build_sel(jparser *P, const jv *v, harper__qurl_sel *sel)
{
    const char *name = v->kind == JV_STR ? v->s : v->name;
    size_t name_len = v->kind == JV_STR ? v->n : v->name_len;

    sel->is_list = v->kind != JV_STR;
    if (name != NULL) {
        sel->name = malloc(name_len + 1);
        if (sel->name == NULL)
            return harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
        memcpy(sel->name, name, name_len);
        sel->name[name_len] = '\0';
        sel->name_len = name_len;
    }
    /* A Query in a list (`rel[...]`) keeps only its name: Harper has no meaning for it. */
    if (v->kind != JV_ARR || v->n_items == 0)
        return 0;
    sel->items = calloc(v->n_items, sizeof *sel->items);
    if (sel->items == NULL)
        return harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
    sel->n_items = v->n_items;
    for (size_t k = 0; k < v->n_items; k++) {
        static const jv undefined_item = {.kind = JV_STR, .s = (char *)"undefined", .n = 9};

        if (build_sel(P, v->items[k] != NULL ? v->items[k] : &undefined_item,
                      &sel->items[k]) != 0)
            return -1;
    }
    return 0;
}

int harper__qurl_build(jparser *P, jv *top, harper__qurl **out)
{
    harper__qurl *q;

    if (check_group(P, top, true) != 0)
        return -1;
    q = calloc(1, sizeof *q);
    if (q == NULL)
        return harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
    if (build_group(P, top, &q->root) != 0)
        goto fail;
    if (top->select_set) {
        q->select = calloc(1, sizeof *q->select);
        if (q->select == NULL || build_sel(P, top->select, q->select) != 0)
            goto fail_oom;
        q->select_as_array = top->select_as_array;
    }
    if (top->sort_set) {
        q->sort = calloc(top->n_sort, sizeof *q->sort);
        if (q->sort == NULL)
            goto fail_oom;
        q->n_sort = top->n_sort;
        for (size_t k = 0; k < top->n_sort; k++) {
            q->sort[k].descending = top->sort_desc[k];
            if (add_segments(P, top->sort_attr[k], &q->sort[k].path, &q->sort[k].path_len,
                         &q->sort[k].n_path) != 0)
                goto fail;
        }
    }
    q->has_limit = top->has_limit;
    q->limit = top->limit;
    q->has_offset = top->has_offset;
    q->offset = top->offset;
    *out = q;
    return 0;
fail_oom:
    harper__qurl_fail_value(P, HARPER__QURL_ENOMEM);
fail:
    harper__qurl_free(q);
    return -1;
}

/* ---------------------------------------------------------------------------------------------
 * Release
 */

static void path_free(char **path, size_t *lens, size_t n)
{
    for (size_t k = 0; k < n; k++)
        free(path[k]);
    free(path);
    free(lens);
}

static void node_free(harper__qurl_node *n)
{
    for (size_t k = 0; k < n->n_kids; k++)
        node_free(&n->kids[k]);
    free(n->kids);
    path_free(n->path, n->path_len, n->n_path);
    value_free(&n->value);
    value_free(&n->high);
}

static void sel_free(harper__qurl_sel *s)
{
    for (size_t k = 0; k < s->n_items; k++)
        sel_free(&s->items[k]);
    free(s->items);
    free(s->name);
}

void harper__qurl_free(harper__qurl *q)
{
    if (q == NULL)
        return;
    node_free(&q->root);
    if (q->select != NULL)
        sel_free(q->select);
    free(q->select);
    for (size_t k = 0; k < q->n_sort; k++)
        path_free(q->sort[k].path, q->sort[k].path_len, q->sort[k].n_path);
    free(q->sort);
    free(q);
}

/* ---------------------------------------------------------------------------------------------
 * JSON
 */

static void print_number(harper__buf *out, double d)
{
    if (isnan(d))
        harper__buf_str(out, "\"NaN\"");
    else if (isinf(d))
        harper__buf_str(out, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    else
        harper__json_number(out, d);
}

static void print_path(harper__buf *out, char **path, const size_t *lens, size_t n)
{
    if (n == 1) {
        harper__json_string(out, path[0], lens[0]);
        return;
    }
    harper__buf_byte(out, '[');
    for (size_t k = 0; k < n; k++) {
        if (k > 0)
            harper__buf_byte(out, ',');
        harper__json_string(out, path[k], lens[k]);
    }
    harper__buf_byte(out, ']');
}

static void print_value(harper__buf *out, const harper__qurl_value *v)
{
    static const char *const tags[] = {"", "", "number", "boolean", "date", "string", "text"};

    if (v->kind == HARPER__QURL_STRICT) {
        harper__json_string(out, v->text, v->len);
        return;
    }
    if (v->kind == HARPER__QURL_NULL) {
        harper__buf_str(out, "null");
        return;
    }
    harper__buf_printf(out, "{\"%s\":", tags[v->kind]);
    if (v->kind == HARPER__QURL_NUMBER || v->kind == HARPER__QURL_DATE)
        print_number(out, v->num);
    else if (v->kind == HARPER__QURL_BOOLEAN)
        harper__buf_str(out, v->boolean ? "true" : "false");
    else
        harper__json_string(out, v->text, v->len);
    if (v->kind == HARPER__QURL_DATE) {
        harper__buf_str(out, ",\"text\":");
        harper__json_string(out, v->text, v->len);
    }
    harper__buf_byte(out, '}');
}

static void print_node(harper__buf *out, const harper__qurl_node *n)
{
    if (n->is_group) {
        harper__buf_printf(out, "{\"operator\":\"%s\",\"conditions\":[",
                           n->logic == HARPER_OR ? "or" : "and");
        for (size_t k = 0; k < n->n_kids; k++) {
            if (k > 0)
                harper__buf_byte(out, ',');
            print_node(out, &n->kids[k]);
        }
        harper__buf_str(out, "]}");
        return;
    }
    harper__buf_str(out, "{\"attribute\":");
    if (n->n_path == 0)
        harper__buf_str(out, "null");
    else
        print_path(out, n->path, n->path_len, n->n_path);
    harper__buf_printf(out, ",\"comparator\":\"%s\",\"value\":", n->op);
    if (n->comparator == HARPER_BETWEEN) {
        harper__buf_byte(out, '[');
        print_value(out, &n->value);
        harper__buf_byte(out, ',');
        print_value(out, &n->high);
        harper__buf_byte(out, ']');
    } else {
        print_value(out, &n->value);
    }
    if (n->autocast)
        harper__buf_str(out, ",\"autocast\":true");
    harper__buf_byte(out, '}');
}

static void print_sel(harper__buf *out, const harper__qurl_sel *s)
{
    if (!s->is_list) {
        harper__json_string(out, s->name, s->name_len);
        return;
    }
    if (s->name != NULL) {
        harper__buf_str(out, "{\"name\":");
        harper__json_string(out, s->name, s->name_len);
        harper__buf_str(out, ",\"items\":");
    }
    harper__buf_byte(out, '[');
    for (size_t k = 0; k < s->n_items; k++) {
        if (k > 0)
            harper__buf_byte(out, ',');
        print_sel(out, &s->items[k]);
    }
    harper__buf_byte(out, ']');
    if (s->name != NULL)
        harper__buf_byte(out, '}');
}

int harper__qurl_to_json(const harper__qurl *q, harper__buf *out)
{
    harper__buf_str(out, "{\"conditions\":");
    print_node(out, &q->root);
    if (q->select != NULL) {
        harper__buf_str(out, ",\"select\":");
        print_sel(out, q->select);
        if (q->select_as_array)
            harper__buf_str(out, ",\"select_as_array\":true");
    }
    if (q->n_sort > 0) {
        harper__buf_str(out, ",\"sort\":[");
        for (size_t k = 0; k < q->n_sort; k++) {
            const harper__qurl_sort *s = &q->sort[k];

            harper__buf_str(out, k > 0 ? ",{\"attribute\":" : "{\"attribute\":");
            if (s->n_path == 0)
                harper__buf_str(out, "null");
            else
                print_path(out, s->path, s->path_len, s->n_path);
            harper__buf_printf(out, ",\"descending\":%s}", s->descending ? "true" : "false");
        }
        harper__buf_byte(out, ']');
    }
    if (q->has_offset) {
        harper__buf_str(out, ",\"offset\":");
        print_number(out, q->offset);
    }
    if (q->has_limit) {
        harper__buf_str(out, ",\"limit\":");
        print_number(out, q->limit);
    }
    if (q->simple)
        harper__buf_str(out, ",\"simple\":true");
    harper__buf_byte(out, '}');
    return out->failed ? -1 : 0;
}
