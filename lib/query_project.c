/* query_project.c: the projected row straight from a stored record's JSON text, without
 * parsing it into a tree. A stored record was printed by json.c, so copying a value's text is
 * the same as parsing and printing it again; when a query needs nothing but the projection
 * (its index range is exact), this saves the parse, most of a query's time per row.
 *
 * The scanner only walks the top-level object and skips values by their brackets and
 * strings; it checks bounds, not grammar. Names written with escapes are left to the parsing
 * path (HARPER_EINVAL), as are rows selecting more attributes than it tracks. */
#include <string.h>

#include "query.h"

#define MAX_TRACKED 32

typedef struct span {
    const char *at;
    size_t len;
} span;

static const char *skip_blank(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* The end of the string starting at p (on its opening quote), past the closing one; NULL if
 * unterminated. *escaped says whether it holds a backslash. */
static const char *skip_string(const char *p, const char *end, bool *escaped)
{
    *escaped = false;
    for (p++; p < end; p++) {
        if (*p == '\\') {
            *escaped = true;
            p++;
        } else if (*p == '"') {
            return p + 1;
        }
    }
    return NULL;
}

/* The end of the value starting at p; NULL if it runs past `end`. */
static const char *skip_value(const char *p, const char *end)
{
    int depth = 0;
    bool escaped;

    do {
        if (p >= end)
            return NULL;
        if (*p == '"') {
            p = skip_string(p, end, &escaped);
            if (p == NULL)
                return NULL;
            continue;
        }
        if (*p == '{' || *p == '[') {
            depth++;
        } else if (*p == '}' || *p == ']') {
            if (--depth < 0)
                return NULL;
        } else if (depth == 0) {
            /* a number or a literal: up to the next delimiter */
            while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n')
                p++;
            return p;
        }
        p++;
    } while (depth > 0);
    return p;
}

int harper__eval_project_text(const harper__plan *plan, const char *json, size_t len,
                              harper__buf *out)
{
    span found[MAX_TRACKED];
    size_t n_found = 0;
    const char *p = json;
    const char *end = json + len;

    if (plan->n_select > MAX_TRACKED)
        return HARPER_EINVAL;
    memset(found, 0, sizeof found);
    p = skip_blank(p, end);
    if (p == end || *p++ != '{')
        return HARPER_ECORRUPT;
    p = skip_blank(p, end);
    while (p < end && *p != '}' && n_found < plan->n_select) {
        const char *name = p + 1;
        const char *value;
        size_t name_len;
        bool escaped;

        if (*p != '"' || (p = skip_string(p, end, &escaped)) == NULL)
            return HARPER_ECORRUPT;
        if (escaped)
            return HARPER_EINVAL;
        name_len = (size_t)(p - 1 - name);
        p = skip_blank(p, end);
        if (p == end || *p++ != ':')
            return HARPER_ECORRUPT;
        value = skip_blank(p, end);
        p = skip_value(value, end);
        if (p == NULL)
            return HARPER_ECORRUPT;
        for (size_t i = 0; i < plan->n_select; i++) {
            const char *want = plan->select[i].name;

            /* The first of duplicate names wins, as with a parsed record. */
            if (found[i].at == NULL && strncmp(want, name, name_len) == 0 &&
                want[name_len] == '\0') {
                found[i] = (span){value, (size_t)(p - value)};
                n_found++;
                break;
            }
        }
        p = skip_blank(p, end);
        if (p < end && *p == ',')
            p = skip_blank(p + 1, end);
    }
    for (size_t i = 0; i < plan->n_select; i++) {
        harper__buf_append(out, plan->select[i].prefix.data, plan->select[i].prefix.len);
        if (found[i].at == NULL)
            harper__buf_str(out, "null");
        else
            harper__buf_append(out, found[i].at, found[i].len);
    }
    harper__buf_byte(out, '}');
    return out->failed ? HARPER_ENOMEM : HARPER_OK;
}
