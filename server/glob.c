/* glob.c: file patterns (see glob.h for the syntax).
 * A pattern is compiled once: braces are expanded into alternatives, each alternative is cut
 * into segments at '/', each segment into tokens. Matching runs the segments as a small NFA
 * over the path's segments (a `**` segment is a state that can stay), and each segment's
 * tokens with the classic one-star backtracking scan, so the cost is bounded by
 * pattern length times path length. Walking folders is app_files.c's job. */
#include "glob.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How many strings brace expansion may produce in all, finished or not: with the limit on
 * finished ones, this bounds the work a hostile pattern can ask for. */
#define MAX_EXPANSION_STEPS (4 * GLOB_MAX_ALTERNATIVES)

enum tok_kind { T_LIT, T_ANY, T_STAR, T_CLASS };

struct tok {
    unsigned char kind;     /* enum tok_kind */
    unsigned char ch;       /* T_LIT: the byte */
    uint32_t cls;           /* T_CLASS: index into alt.classes */
};

struct seg {
    uint32_t first;         /* first token in alt.toks */
    uint32_t n;             /* token count */
    bool globstar;          /* the segment is exactly `**` */
    bool leading_dot;       /* the segment starts with a literal '.' */
};

struct alt {
    struct tok *toks;
    struct seg *segs;
    uint8_t (*classes)[32]; /* one 256-bit set per class, negation already applied */
    size_t n_segs;
};

struct glob {
    int flags;
    struct alt *alts;
    size_t n_alts;
};

static void set_err(char *err, size_t err_size, const char *msg)
{
    if (err != NULL && err_size > 0)
        snprintf(err, err_size, "%s", msg);
}

/* The index of the ']' closing a class that opens at p[i] == '[', or 0 if it is not closed
 * (then the '[' is a literal). A ']' right after `[`, `[!` or `[^` is a member. */
static size_t class_end(const char *p, size_t i, size_t n)
{
    size_t j = i + 1;

    if (j < n && (p[j] == '!' || p[j] == '^'))
        j++;
    if (j < n && p[j] == ']')
        j++;
    for (; j < n; j++) {
        if (p[j] == '\\' && j + 1 < n)
            j++;
        else if (p[j] == ']')
            return j;
    }
    return 0;
}

/* ---- brace expansion ---------------------------------------------------------------------- */

struct strlist {
    char **items;
    size_t n;
    size_t cap;
};

static int strlist_push(struct strlist *l, char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap > 0 ? l->cap * 2 : 8;
        char **items = realloc(l->items, cap * sizeof *items);

        if (items == NULL)
            return -1;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = s;
    return 0;
}

static void strlist_free(struct strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->n = l->cap = 0;
}

/* Finds the first brace group of s with a top-level comma: *open and *close are the indexes
 * of its braces. A group without a comma (`{a}`) or without a closing brace is literal text,
 * and the search goes on inside it. false when there is none. */
static bool find_group(const char *s, size_t n, size_t *open, size_t *close)
{
    for (size_t i = 0; i < n; i++) {
        size_t depth = 0;
        bool comma = false;

        if (s[i] == '\\') {
            i++;
            continue;
        }
        if (s[i] == '[') {
            size_t end = class_end(s, i, n);

            if (end > 0)
                i = end;
            continue;
        }
        if (s[i] != '{')
            continue;
        for (size_t j = i + 1; j < n; j++) {
            if (s[j] == '\\') {
                j++;
            } else if (s[j] == '[') {
                size_t end = class_end(s, j, n);

                if (end > 0)
                    j = end;
            } else if (s[j] == '{') {
                depth++;
            } else if (s[j] == '}') {
                if (depth == 0) {
                    if (comma) {
                        *open = i;
                        *close = j;
                        return true;
                    }
                    break;
                }
                depth--;
            } else if (s[j] == ',' && depth == 0) {
                comma = true;
            }
        }
    }
    return false;
}

/* prefix ++ s[from..to) ++ suffix as a new string. */
static char *splice(const char *s, size_t open, size_t from, size_t to, size_t close, size_t n)
{
    size_t len = open + (to - from) + (n - close - 1);
    char *out = malloc(len + 1);

    if (out == NULL)
        return NULL;
    memcpy(out, s, open);
    memcpy(out + open, s + from, to - from);
    memcpy(out + open + (to - from), s + close + 1, n - close - 1);
    out[len] = '\0';
    return out;
}

/* Pushes s with its group s[open..close] replaced by each option, last option first, so that
 * the options come off the stack in their order. */
static int push_options(struct strlist *todo, const char *s, size_t n, size_t open, size_t close,
                        size_t *steps, char *err, size_t err_size)
{
    size_t *cuts = malloc((close - open + 1) * sizeof *cuts);
    size_t n_cuts = 0;
    size_t depth = 0;
    int rc = -1;

    if (cuts == NULL) {
        set_err(err, err_size, "out of memory");
        return -1;
    }
    cuts[n_cuts++] = open;
    for (size_t j = open + 1; j < close; j++) {
        if (s[j] == '\\') {
            j++;
        } else if (s[j] == '[') {
            size_t end = class_end(s, j, n);

            if (end > 0)
                j = end;
        } else if (s[j] == '{') {
            depth++;
        } else if (s[j] == '}') {
            depth--;
        } else if (s[j] == ',' && depth == 0) {
            cuts[n_cuts++] = j;
        }
    }
    for (size_t k = n_cuts; k-- > 0;) {
        size_t to = k + 1 < n_cuts ? cuts[k + 1] : close;
        char *option;

        if (++*steps > MAX_EXPANSION_STEPS) {
            set_err(err, err_size, "glob pattern has more than 256 alternatives");
            goto out;
        }
        option = splice(s, open, cuts[k] + 1, to, close, n);
        if (option == NULL || strlist_push(todo, option) != 0) {
            free(option);
            set_err(err, err_size, "out of memory");
            goto out;
        }
    }
    rc = 0;
out:
    free(cuts);
    return rc;
}

/* Expands s's brace groups, first group first, into `done`. */
static int expand_braces(const char *pattern, struct strlist *done, char *err, size_t err_size)
{
    struct strlist todo = {NULL, 0, 0};
    size_t steps = 0;
    char *first = strdup(pattern);
    int rc = -1;

    if (first == NULL || strlist_push(&todo, first) != 0) {
        free(first);
        set_err(err, err_size, "out of memory");
        goto out;
    }
    while (todo.n > 0) {
        char *s = todo.items[--todo.n];
        size_t n = strlen(s);
        size_t open;
        size_t close;

        if (!find_group(s, n, &open, &close)) {
            if (done->n >= GLOB_MAX_ALTERNATIVES) {
                free(s);
                set_err(err, err_size, "glob pattern has more than 256 alternatives");
                goto out;
            }
            if (strlist_push(done, s) != 0) {
                free(s);
                set_err(err, err_size, "out of memory");
                goto out;
            }
            continue;
        }
        if (push_options(&todo, s, n, open, close, &steps, err, err_size) != 0) {
            free(s);
            goto out;
        }
        free(s);
    }
    rc = 0;
out:
    strlist_free(&todo);
    return rc;
}

/* ---- compiling ---------------------------------------------------------------------------- */

/* Cuts one brace-free alternative into segments and tokens. */
static int compile_alt(const char *s, struct alt *a)
{
    size_t n = strlen(s);
    size_t n_toks = 0;
    size_t n_classes = 0;
    size_t seg_tok = 0;     /* first token of the current segment */
    size_t seg_raw = 0;     /* where the current segment starts in s */

    a->toks = malloc((n + 1) * sizeof *a->toks);
    a->segs = malloc((n + 1) * sizeof *a->segs);
    a->classes = malloc((n / 2 + 1) * sizeof *a->classes);
    a->n_segs = 0;
    if (a->toks == NULL || a->segs == NULL || a->classes == NULL)
        return -1;
    for (size_t i = 0;; i++) {
        if (i == n || s[i] == '/') {
            struct seg *sg = &a->segs[a->n_segs++];

            sg->first = (uint32_t)seg_tok;
            sg->n = (uint32_t)(n_toks - seg_tok);
            sg->globstar = i - seg_raw == 2 && s[seg_raw] == '*' && s[seg_raw + 1] == '*';
            sg->leading_dot = sg->n > 0 && a->toks[seg_tok].kind == T_LIT &&
                              a->toks[seg_tok].ch == '.';
            if (i == n)
                break;
            seg_tok = n_toks;
            seg_raw = i + 1;
            continue;
        }
        struct tok *t = &a->toks[n_toks];
        size_t end;

        if (s[i] == '\\' && i + 1 < n) {
            t->kind = T_LIT;
            t->ch = (unsigned char)s[++i];
        } else if (s[i] == '*') {
            /* Stars in a row are one star: fewer restarts for the scan. */
            if (n_toks > seg_tok && a->toks[n_toks - 1].kind == T_STAR)
                continue;
            t->kind = T_STAR;
        } else if (s[i] == '?') {
            t->kind = T_ANY;
        } else if (s[i] == '[' && (end = class_end(s, i, n)) > 0) {
            uint8_t *set = a->classes[n_classes];
            size_t j = i + 1;
            bool negate = s[j] == '!' || s[j] == '^';

            memset(set, 0, 32);
            if (negate)
                j++;
            while (j < end) {
                unsigned lo;
                unsigned hi;

                if (s[j] == '\\' && j + 1 < end)
                    j++;
                lo = (unsigned char)s[j++];
                hi = lo;
                if (j + 1 < end && s[j] == '-') {
                    j++;
                    if (s[j] == '\\' && j + 1 < end)
                        j++;
                    hi = (unsigned char)s[j++];
                }
                for (unsigned c = lo; c <= hi; c++)
                    set[c >> 3] |= (uint8_t)(1u << (c & 7));
            }
            if (negate)
                for (size_t k = 0; k < 32; k++)
                    set[k] = (uint8_t)~set[k];
            t->kind = T_CLASS;
            t->cls = (uint32_t)n_classes++;
            i = end;
        } else {
            t->kind = T_LIT;
            t->ch = (unsigned char)s[i];
        }
        n_toks++;
    }
    return 0;
}

void glob_free(glob *g)
{
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n_alts; i++) {
        free(g->alts[i].toks);
        free(g->alts[i].segs);
        free(g->alts[i].classes);
    }
    free(g->alts);
    free(g);
}

int glob_compile(const char *pattern, int flags, glob **out, char *err, size_t err_size)
{
    struct strlist alts = {NULL, 0, 0};
    glob *g = NULL;

    *out = NULL;
    if (pattern == NULL) {
        set_err(err, err_size, "glob pattern is missing");
        return -1;
    }
    if (strlen(pattern) > GLOB_MAX_PATTERN) {
        set_err(err, err_size, "glob pattern is longer than 4096 bytes");
        return -1;
    }
    if (expand_braces(pattern, &alts, err, err_size) != 0)
        goto fail;
    g = calloc(1, sizeof *g);
    if (g == NULL || (g->alts = calloc(alts.n, sizeof *g->alts)) == NULL) {
        set_err(err, err_size, "out of memory");
        goto fail;
    }
    g->flags = flags;
    for (size_t i = 0; i < alts.n; i++) {
        g->n_alts++;
        if (compile_alt(alts.items[i], &g->alts[i]) != 0) {
            set_err(err, err_size, "out of memory");
            goto fail;
        }
    }
    strlist_free(&alts);
    *out = g;
    return 0;
fail:
    strlist_free(&alts);
    glob_free(g);
    return -1;
}

/* ---- matching ----------------------------------------------------------------------------- */

/* Bytes of the UTF-8 character at s[0..n): wildcards step over whole characters, so `?`
 * matches `é` as picomatch does. A malformed sequence counts one byte. */
static size_t char_len(const unsigned char *s, size_t n)
{
    size_t want = s[0] < 0xC0 ? 1 : s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : s[0] < 0xF8 ? 4 : 1;
    size_t len = 1;

    while (len < want && len < n && (s[len] & 0xC0) == 0x80)
        len++;
    return len;
}

/* Bytes the single-character token t takes from s[0..n), or 0 if it does not match there. */
static size_t tok_take(const struct alt *a, const struct tok *t, const unsigned char *s,
                       size_t n)
{
    if (n == 0)
        return 0;
    switch (t->kind) {
    case T_LIT:
        return s[0] == t->ch ? 1 : 0;
    case T_ANY:
        return char_len(s, n);
    case T_CLASS:
        return (a->classes[t->cls][s[0] >> 3] >> (s[0] & 7)) & 1 ? char_len(s, n) : 0;
    default:
        return 0;
    }
}

/* One segment's tokens against s[0..n). Each non-star token takes a fixed number of bytes at
 * a given place, so on a mismatch only the last star needs to take one more character: the
 * textbook wildcard scan, at most tokens x bytes steps. */
static bool seg_match(const struct alt *a, const struct seg *sg, const unsigned char *s, size_t n)
{
    const struct tok *t = a->toks + sg->first;
    size_t ti = 0;
    size_t si = 0;
    size_t star_ti = SIZE_MAX;
    size_t star_si = 0;

    while (si < n) {
        size_t took;

        if (ti < sg->n && t[ti].kind == T_STAR) {
            star_ti = ti++;
            star_si = si;
        } else if (ti < sg->n && (took = tok_take(a, &t[ti], s + si, n - si)) > 0) {
            ti++;
            si += took;
        } else if (star_ti != SIZE_MAX) {
            star_si += char_len(s + star_si, n - star_si);
            si = star_si;
            ti = star_ti + 1;
        } else {
            return false;
        }
    }
    while (ti < sg->n && t[ti].kind == T_STAR)
        ti++;
    return ti == sg->n;
}

/* Adds to the state set every state reachable by letting a `**` match nothing. */
static void closure(const struct alt *a, uint8_t *states)
{
    for (size_t i = 0; i < a->n_segs; i++)
        if (states[i] && a->segs[i].globstar)
            states[i + 1] = 1;
}

/* The alternative against the path's segments: states[i] says the first i pattern segments
 * have matched the path so far; cur and next hold n_segs + 1 flags each. */
static bool alt_match(const struct alt *a, int flags, const char *path, uint8_t *cur,
                      uint8_t *next)
{
    const char *p = path;
    bool any = true;

    memset(cur, 0, a->n_segs + 1);
    cur[0] = 1;
    closure(a, cur);
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash != NULL ? (size_t)(slash - p) : strlen(p);
        bool hidden = len > 0 && p[0] == '.' && !(flags & GLOB_DOT);

        memset(next, 0, a->n_segs + 1);
        any = false;
        for (size_t i = 0; i < a->n_segs; i++) {
            const struct seg *sg = &a->segs[i];

            if (!cur[i])
                continue;
            if (sg->globstar) {
                if (!hidden)
                    next[i] = any = 1;
            } else if ((!hidden || sg->leading_dot) &&
                       seg_match(a, sg, (const unsigned char *)p, len)) {
                next[i + 1] = any = 1;
            }
        }
        if (!any)
            return false;
        closure(a, next);
        memcpy(cur, next, a->n_segs + 1);
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    return cur[a->n_segs] != 0;
}

bool glob_match(const glob *g, const char *path)
{
    size_t most = 0;
    uint8_t *cur;
    bool found = false;

    if (g == NULL || path == NULL)
        return false;
    for (size_t i = 0; i < g->n_alts; i++)
        if (g->alts[i].n_segs > most)
            most = g->alts[i].n_segs;
    cur = malloc(2 * (most + 1));
    if (cur == NULL)
        return false;
    for (size_t i = 0; i < g->n_alts && !found; i++)
        found = alt_match(&g->alts[i], g->flags, path, cur, cur + most + 1);
    free(cur);
    return found;
}

const char *glob_base(const char *pattern, size_t *len)
{
    size_t end = 0;

    while (pattern[0] == '.' && pattern[1] == '/')
        pattern += 2;
    for (size_t i = 0;; i++) {
        if (pattern[i] == '\0') {
            end = i;
            while (end > 0 && pattern[end - 1] == '/')
                end--;
            break;
        }
        if (strchr("*?[{\\", pattern[i]) != NULL)
            break;
        if (pattern[i] == '/')
            end = i;
    }
    *len = end;
    return pattern;
}
