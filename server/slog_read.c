/* slog_read.c: read_log (slog.h), the parser and filter of harper-server's log file. It reads
 * the entry grammar of Harper's readLog (a header `<ISO time> [<thread>] [<level>][ [<tag>]...]: `
 * at a line start, continuation lines belong to the message) and applies its validation
 * messages and its start/limit/order rules. Writing the log is slog.c's. */
#include "slog.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "validate.h"

#define PARAM_ERR(buf, ...) harper__join((buf), sizeof(buf), __VA_ARGS__)

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

static int digits_value(const char *s, size_t n)
{
    int v = 0;

    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

static bool leap_year(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Parses the ISO 8601 forms moment.js accepts and Date reads alike: YYYY-MM-DD, optionally
 * followed by T or a space, HH:mm[:ss[.fraction]] and Z or an offset (+HH:mm, +HHmm, +HH).
 * As in JavaScript, a date alone is UTC and a date-time without an offset is local time.
 * Returns false for anything else or out-of-range fields. */
static bool parse_iso_time(const char *s, double *ms)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year, month, day, hour = 0, minute = 0, second = 0;
    double frac = 0;
    bool has_time = false;
    bool has_zone = false;
    int zone_min = 0;
    size_t n = strlen(s);
    size_t i = 10;

    if (n < 10 || !all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) || s[7] != '-' ||
        !all_digits(s + 8, 2))
        return false;
    year = digits_value(s, 4);
    month = digits_value(s + 5, 2);
    day = digits_value(s + 8, 2);
    if (month < 1 || month > 12 || day < 1 ||
        day > mdays[month - 1] + (month == 2 && leap_year(year)))
        return false;
    if (i < n && (s[i] == 'T' || s[i] == ' ')) {
        i++;
        if (n - i < 5 || !all_digits(s + i, 2) || s[i + 2] != ':' || !all_digits(s + i + 3, 2))
            return false;
        hour = digits_value(s + i, 2);
        minute = digits_value(s + i + 3, 2);
        i += 5;
        if (i < n && s[i] == ':') {
            if (n - i < 3 || !all_digits(s + i + 1, 2))
                return false;
            second = digits_value(s + i + 1, 2);
            i += 3;
            if (i < n && (s[i] == '.' || s[i] == ',')) {
                double scale = 0.1;

                i++;
                if (i >= n || !isdigit((unsigned char)s[i]))
                    return false;
                for (; i < n && isdigit((unsigned char)s[i]); i++, scale /= 10)
                    frac += (s[i] - '0') * scale;
            }
        }
        if (hour > 24 || minute > 59 || second > 59 ||
            (hour == 24 && (minute != 0 || second != 0 || frac != 0)))
            return false;
        has_time = true;
        if (i < n && s[i] == 'Z') {
            has_zone = true;
            i++;
        } else if (i < n && (s[i] == '+' || s[i] == '-')) {
            int sign = s[i] == '-' ? -1 : 1;
            int zh;
            int zm = 0;

            i++;
            if (n - i < 2 || !all_digits(s + i, 2))
                return false;
            zh = digits_value(s + i, 2);
            i += 2;
            if (i < n && s[i] == ':')
                i++;
            if (i < n) {
                if (n - i < 2 || !all_digits(s + i, 2))
                    return false;
                zm = digits_value(s + i, 2);
                i += 2;
            }
            if (zh > 23 || zm > 59)
                return false;
            has_zone = true;
            zone_min = sign * (zh * 60 + zm);
        }
    }
    if (i != n)
        return false;
    if (has_time && !has_zone) {
        struct tm tm = {0};
        time_t t;

        tm.tm_year = year - 1900;
        tm.tm_mon = month - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_min = minute;
        tm.tm_sec = second;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        *ms = (double)t * 1000.0 + round(frac * 1000.0);
        return true;
    }
    *ms = ((double)harper__days_from_civil(year, month, day) * 86400.0 + hour * 3600.0 +
           minute * 60.0 + second - zone_min * 60.0) * 1000.0 + round(frac * 1000.0);
    return true;
}

/* The text of a parameter as JavaScript would put it in a message. */
static void value_text(const cJSON *v, char *out, size_t size)
{
    char *printed;

    if (cJSON_IsString(v)) {
        snprintf(out, size, "%s", v->valuestring);
        return;
    }
    printed = cJSON_PrintUnformatted(v);
    snprintf(out, size, "%s", printed != NULL ? printed : "");
    cJSON_free(printed);
}

/* A date parameter of read_log: absent (true, *has = false), valid, or a message. */
static void date_param(const cJSON *query, const char *name, bool *has, double *ms, char *errs,
                       size_t errs_size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(query, name);
    char text[128];

    *has = false;
    if (v == NULL)
        return;
    if (cJSON_IsString(v) && parse_iso_time(v->valuestring, ms)) {
        *has = true;
        return;
    }
    value_text(v, text, sizeof text);
    harper__join(errs, errs_size, "'%s' date '%s' is invalid.", name, text);
}

/* A number parameter as Joi's number() converts it (numbers and numeric strings). */
static void number_param(const cJSON *query, const char *name, double min, double *out,
                         char *errs, size_t errs_size)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(query, name);
    double d;
    char *end;

    if (v == NULL)
        return;
    if (cJSON_IsNumber(v)) {
        d = v->valuedouble;
    } else if (cJSON_IsString(v) && v->valuestring[0] != '\0' &&
               !isspace((unsigned char)v->valuestring[0])) {
        d = strtod(v->valuestring, &end);
        if (*end != '\0' || !isfinite(d)) {
            harper__join(errs, errs_size, "'%s' must be a number", name);
            return;
        }
    } else {
        harper__join(errs, errs_size, "'%s' must be a number", name);
        return;
    }
    if (d < min) {
        harper__join(errs, errs_size, "'%s' must be greater than or equal to %g", name, min);
        return;
    }
    *out = d;
}

struct read_query {
    bool has_from, has_to;
    double from_ms, to_ms;
    int level;              /* -1: any */
    int order;              /* 0: file order, 1: ascending, -1: descending */
    double start, limit;
    const char *filter;
    char path[4096];
};

/* Checks read_log's parameters in the order Harper's schema lists them. */
static bool parse_query(const char *path, const cJSON *query, struct read_query *q, char *err,
                        size_t err_size)
{
    char errs[1024] = "";
    const cJSON *v;
    bool has_until;
    double until_ms = 0;

    memset(q, 0, sizeof *q);
    q->level = -1;
    q->limit = 1000;
    snprintf(q->path, sizeof q->path, "%s", path);
    date_param(query, "from", &q->has_from, &q->from_ms, errs, sizeof errs);
    date_param(query, "until", &has_until, &until_ms, errs, sizeof errs);
    date_param(query, "to", &q->has_to, &q->to_ms, errs, sizeof errs);
    /* `to` wins over its alias `until`. */
    if (!q->has_to && has_until) {
        q->has_to = true;
        q->to_ms = until_ms;
    }
    v = cJSON_GetObjectItemCaseSensitive(query, "level");
    if (v != NULL) {
        q->level = cJSON_IsString(v) ? slog_level_from_name(v->valuestring) : -1;
        if (q->level < 0 || strcmp(v->valuestring, slog_level_name(q->level)) != 0) {
            q->level = -1;
            PARAM_ERR(errs, "'level' must be one of [notify, fatal, error, warn, info, debug, "
                            "trace]");
        }
    }
    v = cJSON_GetObjectItemCaseSensitive(query, "order");
    if (v != NULL) {
        if (cJSON_IsString(v) && strcmp(v->valuestring, "asc") == 0)
            q->order = 1;
        else if (cJSON_IsString(v) && strcmp(v->valuestring, "desc") == 0)
            q->order = -1;
        else
            PARAM_ERR(errs, "'order' must be one of [asc, desc]");
    }
    number_param(query, "limit", 1, &q->limit, errs, sizeof errs);
    number_param(query, "start", 0, &q->start, errs, sizeof errs);
    v = cJSON_GetObjectItemCaseSensitive(query, "log_name");
    if (v != NULL) {
        static const char *const names[] = {"hdb.log", "install.log", "clustering_hub.log",
                                            "clustering_leaf.log"};
        char text[128];
        bool known = false;

        for (size_t i = 0; cJSON_IsString(v) && i < sizeof names / sizeof names[0]; i++)
            known = known || strcmp(v->valuestring, names[i]) == 0;
        value_text(v, text, sizeof text);
        if (!known) {
            PARAM_ERR(errs, "'log_name' '%s' is invalid.", text);
        } else {
            /* The other logs are looked for beside hdb.log. */
            const char *slash = strrchr(path, '/');
            int dir_len = slash != NULL ? (int)(slash - path) : 1;

            snprintf(q->path, sizeof q->path, "%.*s/%s", dir_len, slash != NULL ? path : ".",
                     v->valuestring);
            if (access(q->path, F_OK) != 0)
                PARAM_ERR(errs, "'log_name' '%s' does not exist.", text);
        }
    }
    v = cJSON_GetObjectItemCaseSensitive(query, "filter");
    if (v != NULL) {
        if (cJSON_IsString(v))
            q->filter = v->valuestring;
        else
            PARAM_ERR(errs, "'filter' must be a string");
    }
    if (errs[0] != '\0') {
        snprintf(err, err_size, "%s", errs);
        return false;
    }
    return true;
}

/* One parsed entry, before it becomes JSON. */
struct entry {
    char *timestamp;
    char *thread;
    char *level;
    char **tags;
    size_t n_tags;
    char *message;      /* malloc'd, grows with continuation lines */
    size_t message_len;
    double ms;          /* NaN when the timestamp does not parse */
};

static void entry_clear(struct entry *e)
{
    free(e->timestamp);
    free(e->thread);
    free(e->level);
    for (size_t i = 0; i < e->n_tags; i++)
        free(e->tags[i]);
    free(e->tags);
    free(e->message);
    memset(e, 0, sizeof *e);
}

static char *copy_n(const char *s, size_t n)
{
    char *c = malloc(n + 1);

    if (c != NULL) {
        memcpy(c, s, n);
        c[n] = '\0';
    }
    return c;
}

/* Whether `line` opens an entry: `\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:[\d.]+Z \[(.+?)]: `. On a match
 * fills e's header fields and message with the rest of the line. -1 on allocation failure. */
static int parse_header(const char *line, size_t len, struct entry *e)
{
    size_t i = 17;
    size_t stamp_end;
    size_t open;
    size_t close;
    const char *p;

    if (len < 20 || !all_digits(line, 4) || line[4] != '-' || !all_digits(line + 5, 2) ||
        line[7] != '-' || !all_digits(line + 8, 2) || line[10] != 'T' ||
        !all_digits(line + 11, 2) || line[13] != ':' || !all_digits(line + 14, 2) ||
        line[16] != ':')
        return 0;
    while (i < len && (isdigit((unsigned char)line[i]) || line[i] == '.'))
        i++;
    if (i == 17 || i + 3 > len || line[i] != 'Z' || line[i + 1] != ' ' || line[i + 2] != '[')
        return 0;
    stamp_end = i + 1;
    open = i + 3;
    /* `.+?` then `]: `: the first "]: " after at least one character. */
    close = 0;
    for (size_t j = open + 1; j + 2 < len; j++) {
        if (line[j] == ']' && line[j + 1] == ':' && line[j + 2] == ' ') {
            close = j;
            break;
        }
    }
    if (close == 0)
        return 0;
    e->timestamp = copy_n(line, stamp_end);
    if (e->timestamp == NULL)
        return -1;
    /* Split the bracket text on "] [": thread, level, then tags. */
    p = line + open;
    for (int field = 0;; field++) {
        const char *end = line + close;
        const char *sep = NULL;
        char *part;

        for (const char *s = p; s + 3 <= end; s++)
            if (s[0] == ']' && s[1] == ' ' && s[2] == '[') {
                sep = s;
                break;
            }
        part = copy_n(p, (size_t)((sep != NULL ? sep : end) - p));
        if (part == NULL)
            return -1;
        if (field == 0) {
            e->thread = part;
        } else if (field == 1) {
            e->level = part;
        } else {
            char **grown = realloc(e->tags, (e->n_tags + 1) * sizeof *grown);

            if (grown == NULL) {
                free(part);
                return -1;
            }
            e->tags = grown;
            e->tags[e->n_tags++] = part;
        }
        if (sep == NULL)
            break;
        p = sep + 3;
    }
    e->message = copy_n(line + close + 3, len - close - 3);
    if (e->message == NULL)
        return -1;
    e->message_len = len - close - 3;
    e->ms = NAN;
    {
        double ms;

        if (parse_iso_time(e->timestamp, &ms))
            e->ms = ms;
    }
    return 1;
}

/* Appends "\n" and a continuation line to the message. */
static int entry_continue(struct entry *e, const char *line, size_t len)
{
    char *grown = realloc(e->message, e->message_len + len + 2);

    if (grown == NULL)
        return -1;
    e->message = grown;
    e->message[e->message_len++] = '\n';
    memcpy(e->message + e->message_len, line, len);
    e->message_len += len;
    e->message[e->message_len] = '\0';
    return 0;
}

static bool entry_matches_filter(const struct entry *e, const char *filter)
{
    if (filter == NULL)
        return true;
    if (strstr(e->timestamp, filter) || strstr(e->thread, filter) ||
        (e->level != NULL && strstr(e->level, filter)) || strstr(e->message, filter))
        return true;
    for (size_t i = 0; i < e->n_tags; i++)
        if (strstr(e->tags[i], filter))
            return true;
    return false;
}

/* Harper reads `[thread]` alone as a thread with no level (undefined, so the key is left out). */
static cJSON *entry_json(const struct entry *e)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *tags = NULL;
    bool ok = o != NULL;

    ok = ok && cJSON_AddStringToObject(o, "timestamp", e->timestamp) != NULL;
    ok = ok && cJSON_AddStringToObject(o, "thread", e->thread) != NULL;
    if (ok && e->level != NULL)
        ok = cJSON_AddStringToObject(o, "level", e->level) != NULL;
    ok = ok && (tags = cJSON_AddArrayToObject(o, "tags")) != NULL;
    for (size_t i = 0; ok && i < e->n_tags; i++) {
        cJSON *t = cJSON_CreateString(e->tags[i]);

        ok = t != NULL && cJSON_AddItemToArray(tags, t);
        if (!ok)
            cJSON_Delete(t);
    }
    ok = ok && cJSON_AddStringToObject(o, "message", e->message) != NULL;
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* JavaScript's String.prototype.trim on the message, which Harper applies to the last entry. */
static void entry_trim(struct entry *e)
{
    size_t start = 0;
    size_t end = e->message_len;

    while (start < end && isspace((unsigned char)e->message[start]))
        start++;
    while (end > start && isspace((unsigned char)e->message[end - 1]))
        end--;
    memmove(e->message, e->message + start, end - start);
    e->message_len = end - start;
    e->message[e->message_len] = '\0';
}

/* The collected results. In most orders they are the first start+limit matches (Harper stops
 * reading there). Descending with no time bounds keeps the newest ones instead: Harper means
 * that by reading only the file's tail, though its size guess can miss; we keep a ring. */
struct results {
    cJSON **items;
    size_t n;
    size_t cap;
    size_t head;        /* ring mode: index of the oldest item */
    size_t ring_cap;    /* 0: append mode */
};

static int results_add(struct results *r, cJSON *item)
{
    if (r->ring_cap > 0 && r->n == r->ring_cap) {
        cJSON_Delete(r->items[r->head]);
        r->items[r->head] = item;
        r->head = (r->head + 1) % r->ring_cap;
        return 0;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        cJSON **grown;

        if (r->ring_cap > 0 && cap > r->ring_cap)
            cap = r->ring_cap;
        grown = realloc(r->items, cap * sizeof *grown);
        if (grown == NULL)
            return -1;
        r->items = grown;
        r->cap = cap;
    }
    r->items[r->n++] = item;
    return 0;
}

static double item_ms(const cJSON *item)
{
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(item, "timestamp");
    double ms;

    return cJSON_IsString(ts) && parse_iso_time(ts->valuestring, &ms) ? ms : NAN;
}

struct sort_item {
    cJSON *item;
    double ms;
    size_t seq;
};

static int cmp_sort_item(const void *a, const void *b)
{
    const struct sort_item *x = a;
    const struct sort_item *y = b;

    if (x->ms < y->ms)
        return -1;
    if (x->ms > y->ms)
        return 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Moves the results into a new array in the order asked: file order, or by time (ties keep
 * file order, reversed for descending). */
static cJSON *results_finish(struct results *r, int order, size_t skip_newest)
{
    cJSON *out = cJSON_CreateArray();
    struct sort_item *sorted = calloc(r->n ? r->n : 1, sizeof *sorted);
    size_t n = r->n;

    if (out == NULL || sorted == NULL) {
        cJSON_Delete(out);
        free(sorted);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        size_t at = r->ring_cap > 0 ? (r->head + i) % r->ring_cap : i;

        sorted[i].item = r->items[at];
        sorted[i].ms = order != 0 ? item_ms(r->items[at]) : 0;
        sorted[i].seq = i;
        r->items[at] = NULL;
    }
    r->n = 0;
    /* NaN times (hand-edited lines) compare as neither less nor greater: put them first. */
    for (size_t i = 0; order != 0 && i < n; i++)
        if (isnan(sorted[i].ms))
            sorted[i].ms = -INFINITY;
    if (order != 0)
        qsort(sorted, n, sizeof *sorted, cmp_sort_item);
    for (size_t k = 0; k < n; k++) {
        size_t i = order < 0 ? n - 1 - k : k;

        if (k < skip_newest || !cJSON_AddItemToArray(out, sorted[i].item))
            cJSON_Delete(sorted[i].item);
    }
    free(sorted);
    return out;
}

static void results_free(struct results *r)
{
    for (size_t i = 0; i < r->n; i++)
        cJSON_Delete(r->items[r->ring_cap > 0 ? (r->head + i) % r->ring_cap : i]);
    free(r->items);
}

/* The state of one read: which matches to skip and when to stop. */
struct reader {
    const struct read_query *q;
    struct results res;
    double seen;        /* matching entries so far (Harper's counter, compared exactly) */
    bool newest;        /* descending without bounds: keep the newest start+limit */
    bool done;
    bool failed;
};

/* Applies level, time and filter; then start/limit as Harper counts them. */
static void offer(struct reader *rd, struct entry *e)
{
    const struct read_query *q = rd->q;
    cJSON *item;

    if (!entry_matches_filter(e, q->filter))
        return;
    if (q->level >= 0 && (e->level == NULL || strcmp(e->level, slog_level_name(q->level)) != 0))
        return;
    if (q->has_from && !(e->ms >= q->from_ms))
        return;
    if (q->has_to && !(e->ms <= q->to_ms))
        return;
    if (!rd->newest && rd->seen < q->start) {
        rd->seen++;
        return;
    }
    item = entry_json(e);
    if (item == NULL || results_add(&rd->res, item) != 0) {
        cJSON_Delete(item);
        rd->failed = true;
        return;
    }
    rd->seen++;
    /* Exact equality, as Harper's: a fractional limit never stops the read. */
    if (!rd->newest && rd->seen == q->start + q->limit)
        rd->done = true;
}

cJSON *slog_read(const char *path, const cJSON *query, char *err, size_t err_size)
{
    struct read_query q;
    struct reader rd;
    struct entry cur;
    bool have = false;
    FILE *f;
    char *line = NULL;
    size_t line_cap = 0;
    ssize_t n;
    cJSON *out = NULL;

    if (path == NULL) {
        snprintf(err, err_size, "no log file");
        return NULL;
    }
    if (!parse_query(path, query, &q, err, err_size))
        return NULL;
    memset(&rd, 0, sizeof rd);
    memset(&cur, 0, sizeof cur);
    rd.q = &q;
    rd.newest = q.order < 0 && !q.has_from && !q.has_to;
    if (rd.newest) {
        double keep = q.start + q.limit;

        rd.res.ring_cap = keep >= 1e7 ? 10000000 : (size_t)ceil(keep);
    }
    f = fopen(q.path, "re");
    if (f == NULL)      /* No log yet: Harper answers an empty list. */
        return cJSON_CreateArray();
    while (!rd.done && !rd.failed && (n = getline(&line, &line_cap, f)) >= 0) {
        struct entry next;
        int rc;

        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        memset(&next, 0, sizeof next);
        rc = parse_header(line, (size_t)n, &next);
        if (rc < 0) {
            entry_clear(&next);
            rd.failed = true;
        } else if (rc > 0) {
            if (have)
                offer(&rd, &cur);
            entry_clear(&cur);
            cur = next;
            have = true;
        } else if (have && entry_continue(&cur, line, (size_t)n) != 0) {
            rd.failed = true;
        }
    }
    if (have && !rd.done && !rd.failed) {
        entry_trim(&cur);
        offer(&rd, &cur);
    }
    entry_clear(&cur);
    free(line);
    fclose(f);
    if (!rd.failed) {
        size_t skip = 0;

        if (rd.newest)
            skip = rd.res.n < q.start ? rd.res.n : (size_t)q.start;
        out = results_finish(&rd.res, q.order, skip);
    }
    if (out == NULL)
        snprintf(err, err_size, "out of memory reading the log");
    results_free(&rd.res);
    return out;
}
