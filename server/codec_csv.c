/* codec_csv.c: the json2csv-compatible CSV writer (rules in codec_csv.h). Only writing: Harper
 * stores CSV request bodies raw and never parses them on the REST path. */
#include "codec_csv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

/* s[0..n) between quotes, each quote doubled. */
static void quoted(harper__buf *out, const char *s, size_t n)
{
    const char *end = s + n;

    harper__buf_byte(out, '"');
    while (s < end) {
        const char *q = memchr(s, '"', (size_t)(end - s));
        size_t run = q != NULL ? (size_t)(q - s) + 1 : (size_t)(end - s);

        harper__buf_append(out, s, run);
        if (q != NULL)
            harper__buf_byte(out, '"');
        s += run;
    }
    harper__buf_byte(out, '"');
}

/* One cell; false when it is empty (null or missing), which json2csv counts for empty rows. */
static bool cell(harper__buf *out, const cJSON *v)
{
    harper__buf json = HARPER__BUF_INIT;

    if (v == NULL || cJSON_IsNull(v) || cJSON_IsInvalid(v))
        return false;
    if (cJSON_IsString(v)) {
        quoted(out, v->valuestring, strlen(v->valuestring));
    } else if (cJSON_IsNumber(v)) {
        /* Number::toString, not JSON: NaN and the infinities keep their names. */
        if (isnan(v->valuedouble))
            harper__buf_str(out, "NaN");
        else if (isinf(v->valuedouble))
            harper__buf_str(out, v->valuedouble > 0 ? "Infinity" : "-Infinity");
        else
            harper__json_number(out, v->valuedouble);
    } else if (cJSON_IsBool(v)) {
        harper__buf_str(out, cJSON_IsTrue(v) ? "true" : "false");
    } else {
        if (harper__json_value(&json, v) != 0 || json.failed) {
            harper__buf_free(&json);
            out->failed = 1;
            return true;
        }
        quoted(out, json.data, json.len);
        harper__buf_free(&json);
    }
    return true;
}

static void line_start(codec_csv *w)
{
    if (w->wrote_line)
        harper__buf_byte(w->out, '\n');
    w->wrote_line = true;
}

static int set_columns(codec_csv *w, const char *const *columns, size_t n)
{
    w->columns = n > 0 ? calloc(n, sizeof *w->columns) : NULL;
    if (n > 0 && w->columns == NULL)
        return -1;
    for (size_t i = 0; i < n; i++) {
        w->columns[i] = strdup(columns[i] != NULL ? columns[i] : "");
        if (w->columns[i] == NULL) {
            w->n_columns = i;
            return -1;
        }
    }
    w->n_columns = n;
    w->have_columns = true;
    line_start(w);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            harper__buf_byte(w->out, ',');
        quoted(w->out, w->columns[i], strlen(w->columns[i]));
    }
    return w->out->failed ? -1 : 0;
}

int codec_csv_begin(codec_csv *w, harper__buf *out, const char *const *columns,
                    size_t n_columns)
{
    size_t mark = out->len;

    memset(w, 0, sizeof *w);
    w->out = out;
    if (columns == NULL)
        return 0;
    if (set_columns(w, columns, n_columns) != 0) {
        codec_csv_end(w);
        out->len = mark < out->len ? mark : out->len;
        return -1;
    }
    return 0;
}

int codec_csv_row(codec_csv *w, const cJSON *record)
{
    size_t mark;
    bool wrote_line;
    bool any = false;
    const cJSON *object = cJSON_IsObject(record) ? record : NULL;

    if (!w->have_columns) {
        size_t n = 0;
        const char **keys;
        int rc;

        for (const cJSON *c = object != NULL ? object->child : NULL; c != NULL; c = c->next)
            n++;
        keys = calloc(n > 0 ? n : 1, sizeof *keys);
        if (keys == NULL)
            return -1;
        n = 0;
        for (const cJSON *c = object != NULL ? object->child : NULL; c != NULL; c = c->next)
            keys[n++] = c->string;
        rc = set_columns(w, keys, n);
        free(keys);
        if (rc != 0)
            return -1;
    }
    mark = w->out->len;
    wrote_line = w->wrote_line;
    line_start(w);
    for (size_t i = 0; i < w->n_columns; i++) {
        if (i > 0)
            harper__buf_byte(w->out, ',');
        if (object != NULL &&
            cell(w->out, cJSON_GetObjectItemCaseSensitive(object, w->columns[i])))
            any = true;
    }
    if (!any && !w->out->failed) {
        w->out->len = mark;
        w->wrote_line = wrote_line;
    }
    return w->out->failed ? -1 : 0;
}

void codec_csv_end(codec_csv *w)
{
    if (w == NULL)
        return;
    for (size_t i = 0; i < w->n_columns; i++)
        free(w->columns[i]);
    free(w->columns);
    w->columns = NULL;
    w->n_columns = 0;
}

int codec_csv_write(const cJSON *value, const char *const *columns, size_t n_columns,
                    harper__buf *out)
{
    codec_csv w;
    int rc = codec_csv_begin(&w, out, columns, n_columns);

    if (rc == 0 && cJSON_IsArray(value)) {
        for (const cJSON *c = value->child; c != NULL && rc == 0; c = c->next)
            rc = codec_csv_row(&w, c);
    } else if (rc == 0) {
        rc = codec_csv_row(&w, value);
    }
    codec_csv_end(&w);
    return rc;
}
