/* static_files.c: from a request path to a file of an application's `static` entry, and the
 * decisions `send` makes about it (see static_files.h). The file walk that lists files at
 * load time is app.c's; here a URL is turned back into candidate file names and each is
 * checked against the patterns, so files added later are served without a reload, as
 * Harper's watcher does. Writing the answer is the HTTP layer's. */
#include "static_files.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"

/* Longest decoded request path looked at; longer ones name no file. */
#define MAX_URL 4096

/* ---- content types ------------------------------------------------------------------------ */

/* mime-types 3 (what `send` 1.2 uses) for the common web extensions, sorted for bsearch. */
static const struct {
    const char *ext;
    const char *type;
} TYPES[] = {
    {"7z", "application/x-7z-compressed"},
    {"aac", "audio/aac"},
    {"apng", "image/apng"},
    {"atom", "application/atom+xml"},
    {"avif", "image/avif"},
    {"bmp", "image/bmp"},
    {"css", "text/css; charset=utf-8"},
    {"csv", "text/csv; charset=utf-8"},
    {"eot", "application/vnd.ms-fontobject"},
    {"gif", "image/gif"},
    {"gz", "application/gzip"},
    {"htm", "text/html; charset=utf-8"},
    {"html", "text/html; charset=utf-8"},
    {"ico", "image/vnd.microsoft.icon"},
    {"ics", "text/calendar; charset=utf-8"},
    {"jpeg", "image/jpeg"},
    {"jpg", "image/jpeg"},
    {"js", "text/javascript; charset=utf-8"},
    {"json", "application/json; charset=utf-8"},
    {"jsonld", "application/ld+json"},
    {"m4a", "audio/mp4"},
    {"manifest", "text/cache-manifest; charset=utf-8"},
    {"map", "application/json; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"mov", "video/quicktime"},
    {"mp3", "audio/mpeg"},
    {"mp4", "video/mp4"},
    {"oga", "audio/ogg"},
    {"ogg", "audio/ogg"},
    {"otf", "font/otf"},
    {"pdf", "application/pdf"},
    {"png", "image/png"},
    {"rss", "application/rss+xml"},
    {"svg", "image/svg+xml"},
    {"tar", "application/x-tar"},
    {"tif", "image/tiff"},
    {"tiff", "image/tiff"},
    {"ttf", "font/ttf"},
    {"txt", "text/plain; charset=utf-8"},
    {"vtt", "text/vtt; charset=utf-8"},
    {"wasm", "application/wasm"},
    {"wav", "audio/wav"},
    {"webm", "video/webm"},
    {"webmanifest", "application/manifest+json; charset=utf-8"},
    {"webp", "image/webp"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"xhtml", "application/xhtml+xml"},
    {"xml", "application/xml"},
    {"yaml", "text/yaml; charset=utf-8"},
    {"yml", "text/yaml; charset=utf-8"},
    {"zip", "application/zip"},
};

static int compare_ext(const void *key, const void *entry)
{
    return strcmp(key, *(const char *const *)entry);
}

const char *static_files_content_type(const char *name)
{
    const char *slash = strrchr(name, '/');
    const char *base = slash != NULL ? slash + 1 : name;
    const char *dot = strrchr(base, '.');
    char ext[16];
    size_t n;
    const void *hit;

    /* Node's extname: a leading dot is part of the name (".bashrc" has none). */
    if (dot == NULL || dot == base || (n = strlen(dot + 1)) == 0 || n >= sizeof ext)
        return "application/octet-stream";
    for (size_t i = 0; i <= n; i++)
        ext[i] = (char)tolower((unsigned char)dot[1 + i]);
    hit = bsearch(ext, TYPES, sizeof TYPES / sizeof *TYPES, sizeof *TYPES, compare_ext);
    return hit != NULL ? ((const char *const *)hit)[1] : "application/octet-stream";
}

/* ---- dates -------------------------------------------------------------------------------- */

static const char DAYS[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char MONTHS[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* IMF-fixdate, as JavaScript's toUTCString writes it; by hand, so no locale leaks in. */
static void format_date(int64_t seconds, char *out, size_t size)
{
    time_t t = (time_t)seconds;
    struct tm tm;

    if (gmtime_r(&t, &tm) == NULL) {
        snprintf(out, size, "Thu, 01 Jan 1970 00:00:00 GMT");
        return;
    }
    snprintf(out, size, "%s, %02d %s %04d %02d:%02d:%02d GMT", DAYS[tm.tm_wday], tm.tm_mday,
             MONTHS[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Reads `count` digits at *p into *v. */
static bool digits(const char **p, int count, int *v)
{
    *v = 0;
    for (int i = 0; i < count; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return false;
        *v = *v * 10 + ((*p)[i] - '0');
    }
    *p += count;
    return true;
}

static bool month(const char **p, int *mon)
{
    for (int i = 0; i < 12; i++) {
        if (strncmp(*p, MONTHS[i], 3) == 0) {
            *mon = i;
            *p += 3;
            return true;
        }
    }
    return false;
}

static bool hms(const char **p, struct tm *tm)
{
    return digits(p, 2, &tm->tm_hour) && *(*p)++ == ':' && digits(p, 2, &tm->tm_min) &&
           *(*p)++ == ':' && digits(p, 2, &tm->tm_sec) && tm->tm_hour < 24 && tm->tm_min < 60 &&
           tm->tm_sec < 61;
}

bool static_files_parse_date(const char *text, int64_t *seconds)
{
    const char *p = text;
    const char *comma;
    struct tm tm;
    int year = 0;
    bool ok;

    memset(&tm, 0, sizeof tm);
    if (text == NULL)
        return false;
    while (*p == ' ')
        p++;
    comma = strchr(p, ',');
    if (comma != NULL && comma - p == 3) {
        /* Sun, 06 Nov 1994 08:49:37 GMT */
        p = comma + 1;
        ok = *p++ == ' ' && digits(&p, 2, &tm.tm_mday) && *p++ == ' ' && month(&p, &tm.tm_mon) &&
             *p++ == ' ' && digits(&p, 4, &year) && *p++ == ' ' && hms(&p, &tm) &&
             strncmp(p, " GMT", 4) == 0;
    } else if (comma != NULL) {
        /* Sunday, 06-Nov-94 08:49:37 GMT: two-digit years are 1970 to 2069 */
        p = comma + 1;
        ok = *p++ == ' ' && digits(&p, 2, &tm.tm_mday) && *p++ == '-' &&
             month(&p, &tm.tm_mon) && *p++ == '-' && digits(&p, 2, &year) && *p++ == ' ' &&
             hms(&p, &tm) && strncmp(p, " GMT", 4) == 0;
        year += year < 70 ? 2000 : 1900;
    } else {
        /* Sun Nov  6 08:49:37 1994 */
        ok = strlen(p) >= 24 && p[3] == ' ' && (p += 4, month(&p, &tm.tm_mon)) && *p++ == ' ';
        if (ok && *p == ' ')
            p++, ok = digits(&p, 1, &tm.tm_mday);
        else if (ok)
            ok = digits(&p, 2, &tm.tm_mday);
        ok = ok && *p++ == ' ' && hms(&p, &tm) && *p++ == ' ' && digits(&p, 4, &year);
    }
    if (!ok || tm.tm_mday < 1 || tm.tm_mday > 31)
        return false;
    tm.tm_year = year - 1900;
    *seconds = (int64_t)timegm(&tm);
    return true;
}

/* ---- from URL to file --------------------------------------------------------------------- */

/* Decodes the path part of raw into out (MAX_URL + 1 bytes), *raw_len its length in raw. false
 * when it can name no file: bad escapes, NUL, an encoded '/', not starting with '/', an
 * empty, `.` or `..` segment (a trailing '/' is fine), or too long. */
static bool decode_path(const char *raw, char *out, size_t *raw_len)
{
    size_t n = 0;
    size_t i = 0;

    for (; raw[i] != '\0' && raw[i] != '?' && raw[i] != '#'; i++) {
        int c = (unsigned char)raw[i];

        if (c == '%') {
            int hi = harper__hex_digit(raw[i + 1]);
            int lo = hi >= 0 ? harper__hex_digit(raw[i + 2]) : -1;

            if (lo < 0)
                return false;
            c = hi * 16 + lo;
            if (c == 0 || c == '/')
                return false;
            i += 2;
        }
        if (n >= MAX_URL)
            return false;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    *raw_len = i;
    if (n == 0 || out[0] != '/')
        return false;
    for (const char *s = out + 1;;) {
        const char *slash = strchr(s, '/');
        size_t len = slash != NULL ? (size_t)(slash - s) : strlen(s);

        if (slash != NULL && len == 0)
            return false;
        if ((len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
            return false;
        if (slash == NULL)
            return true;
        s = slash + 1;
    }
}

/* The URL remainder (after the entry's url_path) of the app-relative file rel, as Harper's
 * deriveURLPath makes it: the first pattern base that holds the file is cut off; a file that
 * is itself a base keeps its name. */
static const char *url_of(const app_static *s, const char *rel)
{
    for (size_t i = 0; i < s->files.n_patterns; i++) {
        const char *b = s->files.bases[i];
        size_t n = strlen(b);

        if (n == 0)
            continue;
        if (strcmp(rel, b) == 0) {
            const char *slash = strrchr(rel, '/');

            return slash != NULL ? slash + 1 : rel;
        }
        if (strncmp(rel, b, n) == 0 && rel[n] == '/')
            return rel + n + 1;
    }
    return rel;
}

static bool any_glob(glob *const *globs, size_t n, const char *rel)
{
    for (size_t i = 0; i < n; i++)
        if (glob_match(globs[i], rel))
            return true;
    return false;
}

/* Whether `rel` (relative to the app folder) is a file of the entry served at remainder
 * `want`: a regular file inside the app's real folder, matched by the patterns, whose URL is
 * `want`. Fills the real path and stat. */
static bool try_file(const app *a, const app_static *s, const char *rel, const char *want,
                     char *real, struct stat *st)
{
    char path[PATH_MAX];

    if (rel[0] == '\0' || strcmp(url_of(s, rel), want) != 0 ||
        !any_glob(s->files.globs, s->files.n_patterns, rel) ||
        any_glob(s->files.ignore, s->files.n_ignore, rel))
        return false;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", a->dir, rel) >= sizeof path)
        return false;
    if (realpath(path, real) == NULL || stat(real, st) != 0 || !S_ISREG(st->st_mode))
        return false;
    return app_path_within(a->real_dir, real);
}

/* Finds the file served at URL remainder `want` ("css/a.css", no leading '/'): each base
 * folder joined with it, or the remainder itself, or a base that is a file. */
static bool find_file(const app *a, const app_static *s, const char *want, char *real,
                      struct stat *st)
{
    char rel[MAX_URL + PATH_MAX];

    if (want[0] == '\0')
        return false;
    for (size_t i = 0; i < s->files.n_patterns; i++) {
        const char *b = s->files.bases[i];
        const char *slash = strrchr(b, '/');

        if (b[0] == '\0')
            continue;
        if (strcmp(slash != NULL ? slash + 1 : b, want) == 0 && try_file(a, s, b, want, real, st))
            return true;
        if ((size_t)snprintf(rel, sizeof rel, "%s/%s", b, want) < sizeof rel &&
            try_file(a, s, rel, want, real, st))
            return true;
    }
    return try_file(a, s, want, want, real, st);
}

/* ---- what `send` answers ------------------------------------------------------------------ */

/* send's error page for a status it raises itself (412, 416). */
static void send_error(static_files_result *out, int status, const char *reason)
{
    out->action = STATIC_FILES_ERROR;
    out->status = status;
    out->html = true;
    out->content_type = "text/html; charset=UTF-8";
    snprintf(out->body, sizeof out->body,
             "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<title>Error</title>\n</head>\n<body>\n<pre>%s</pre>\n</body>\n</html>\n",
             reason);
}

/* The next entry of a comma-separated list (the `fresh` package's parseTokenList: spaces
 * around entries dropped). Returns false at the end. */
static bool next_token(const char **p, const char **tok, size_t *len)
{
    const char *s = *p;
    const char *end;

    if (s == NULL)
        return false;
    while (*s == ' ')
        s++;
    end = strchr(s, ',');
    *tok = s;
    *len = end != NULL ? (size_t)(end - s) : strlen(s);
    while (*len > 0 && s[*len - 1] == ' ')
        (*len)--;
    *p = end != NULL ? end + 1 : NULL;
    return true;
}

/* Whether `tok` names the ETag `etag` (W/"...") under weak comparison, as `fresh` and
 * `send` compare: equal, or equal once either side drops its W/. */
static bool etag_matches(const char *tok, size_t len, const char *etag)
{
    size_t n = strlen(etag);

    return (len == n && memcmp(tok, etag, n) == 0) ||
           (len + 2 == n && memcmp(tok, etag + 2, len) == 0) ||
           (len == n + 2 && memcmp(tok, "W/", 2) == 0 && memcmp(tok + 2, etag, n) == 0);
}

static bool etag_in_list(const char *list, const char *etag)
{
    const char *tok;
    size_t len;

    while (next_token(&list, &tok, &len))
        if (etag_matches(tok, len, etag))
            return true;
    return false;
}

/* send's isPreconditionFailure: If-Match, else If-Unmodified-Since. */
static bool precondition_failed(const static_files_request *req, const static_files_result *r,
                                int64_t modified)
{
    int64_t since;

    if (req->if_match != NULL && req->if_match[0] != '\0')
        return strcmp(req->if_match, "*") != 0 && !etag_in_list(req->if_match, r->etag);
    if (static_files_parse_date(req->if_unmodified_since, &since))
        return modified > since;
    return false;
}

/* The `fresh` package: If-None-Match wins over If-Modified-Since; no-cache is never fresh. */
static bool is_fresh(const static_files_request *req, const static_files_result *r,
                     int64_t modified)
{
    const char *inm = req->if_none_match != NULL && req->if_none_match[0] != '\0'
                          ? req->if_none_match : NULL;
    const char *ims = req->if_modified_since != NULL && req->if_modified_since[0] != '\0'
                          ? req->if_modified_since : NULL;
    const char *cc = req->cache_control;
    const char *tok;
    size_t len;
    int64_t since;

    if (inm == NULL && ims == NULL)
        return false;
    while (next_token(&cc, &tok, &len))
        if (len == 8 && strncmp(tok, "no-cache", 8) == 0)
            return false;
    if (inm != NULL)
        return strcmp(inm, "*") == 0 || etag_in_list(inm, r->etag);
    return static_files_parse_date(ims, &since) && modified <= since;
}

/* A decimal position as range-parser's parsePos reads it: digits only. */
static bool position(const char *s, size_t len, uint64_t *v)
{
    *v = 0;
    if (len == 0 || len > 18)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        *v = *v * 10 + (uint64_t)(s[i] - '0');
    }
    return true;
}

/* Most ranges looked at in one header; a longer list is sent whole. */
#define MAX_RANGES 64

struct span {
    uint64_t start;
    uint64_t end;
};

static int compare_spans(const void *a, const void *b)
{
    const struct span *x = a;
    const struct span *y = b;

    return x->start < y->start ? -1 : x->start > y->start;
}

/* One side of a range, spaces around it dropped: *has false when it is empty. false when it
 * is not a number. */
static bool range_side(const char *s, size_t len, uint64_t *v, bool *has)
{
    while (len > 0 && isspace((unsigned char)*s))
        s++, len--;
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    *has = len > 0;
    return len == 0 || position(s, len, v);
}

/* range-parser with `combine`, as send uses it: 1 and the one range, 0 to send it all
 * (malformed, or ranges that stay apart once overlapping ones are merged), -1 unsatisfiable. */
static int parse_range(const char *header, uint64_t size, uint64_t *start, uint64_t *end)
{
    const char *p = strchr(header, '=') + 1;   /* the caller checked the "bytes=" */
    struct span spans[MAX_RANGES];
    size_t n = 0;
    size_t kept = 0;

    while (p != NULL) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);
        const char *dash = memchr(p, '-', len);
        uint64_t s = 0;
        uint64_t e = 0;
        bool has_s;
        bool has_e;

        if (dash == NULL || !range_side(p, (size_t)(dash - p), &s, &has_s) ||
            !range_side(dash + 1, len - (size_t)(dash + 1 - p), &e, &has_e) ||
            (!has_s && !has_e))
            return 0;
        p = comma != NULL ? comma + 1 : NULL;
        if (!has_s) {               /* the last e bytes; more than the file is unsatisfiable */
            if (e == 0 || e > size)
                continue;
            s = size - e;
            e = size - 1;
        } else if (!has_e || e + 1 > size) {
            if (size == 0)
                continue;
            e = size - 1;
        }
        if (s > e)
            continue;
        if (n == MAX_RANGES)
            return 0;
        spans[n].start = s;
        spans[n++].end = e;
    }
    if (n == 0)
        return -1;
    qsort(spans, n, sizeof *spans, compare_spans);
    for (size_t i = 1; i < n; i++) {
        if (spans[i].start > spans[kept].end + 1)
            spans[++kept] = spans[i];
        else if (spans[i].end > spans[kept].end)
            spans[kept].end = spans[i].end;
    }
    if (kept > 0)
        return 0;
    *start = spans[0].start;
    *end = spans[0].end;
    return 1;
}

/* What send does with a file that exists: headers, then 412, 304, 206 or 416. */
static void send_file(const static_files_request *req, const char *real, const struct stat *st,
                      int status, static_files_result *out)
{
    int64_t ms = (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
    bool conditional = req->if_match != NULL || req->if_unmodified_since != NULL ||
                       req->if_none_match != NULL || req->if_modified_since != NULL;

    snprintf(out->path, sizeof out->path, "%s", real);
    out->size = (uint64_t)st->st_size;
    out->mtime_ms = ms;
    snprintf(out->etag, sizeof out->etag, "W/\"%llx-%llx\"", (unsigned long long)out->size,
             (unsigned long long)ms);
    format_date(st->st_mtim.tv_sec, out->last_modified, sizeof out->last_modified);
    out->content_type = static_files_content_type(real);
    out->action = STATIC_FILES_SEND;
    out->status = status;
    out->offset = 0;
    out->length = out->size;
    if (conditional && precondition_failed(req, out, st->st_mtim.tv_sec)) {
        send_error(out, 412, "Precondition Failed");
        return;
    }
    if (conditional && status >= 200 && status < 300 && is_fresh(req, out, st->st_mtim.tv_sec)) {
        out->action = STATIC_FILES_NOT_MODIFIED;
        out->status = 304;
        out->content_type = NULL;
        out->length = 0;
        return;
    }
    if (status == 200 && req->range != NULL && strncmp(req->range + strspn(req->range, " "),
                                                       "bytes=", 6) == 0) {
        uint64_t start = 0;
        uint64_t end = 0;
        int ranges = parse_range(req->range, out->size, &start, &end);
        int64_t since;

        /* If-Range: an ETag must be the same; a date must not be older than the file. */
        if (req->if_range != NULL &&
            (strchr(req->if_range, '"') != NULL
                 ? strstr(req->if_range, out->etag) == NULL
                 : !static_files_parse_date(req->if_range, &since) ||
                       st->st_mtim.tv_sec > since))
            ranges = 0;
        if (ranges < 0) {
            snprintf(out->content_range, sizeof out->content_range, "bytes */%llu",
                     (unsigned long long)out->size);
            send_error(out, 416, "Range Not Satisfiable");
        } else if (ranges > 0) {
            out->status = 206;
            out->offset = start;
            out->length = end - start + 1;
            snprintf(out->content_range, sizeof out->content_range, "bytes %llu-%llu/%llu",
                     (unsigned long long)start, (unsigned long long)end,
                     (unsigned long long)out->size);
        }
    }
}

/* ---- one entry ---------------------------------------------------------------------------- */

static static_files_action entry_resolve(const app *a, const app_static *s,
                                         const static_files_request *req, const char *url,
                                         size_t raw_len, static_files_result *out)
{
    size_t prefix = strlen(s->url_path);    /* ends with '/' */
    char real[PATH_MAX];
    char want[MAX_URL + 16];
    const char *rest;
    struct stat st;
    bool dir;

    /* `/app` for url_path `/app/` is the root folder without its slash. */
    if (strlen(url) + 1 == prefix && strncmp(url, s->url_path, prefix - 1) == 0) {
        rest = "";
        dir = false;
    } else if (strncmp(url, s->url_path, prefix) == 0) {
        rest = url + prefix;
        dir = rest[0] == '\0' || rest[strlen(rest) - 1] == '/';
        if (!dir && find_file(a, s, rest, real, &st)) {
            send_file(req, real, &st, 200, out);
            return out->action;
        }
    } else {
        return STATIC_FILES_NEXT;
    }
    if (s->index) {
        snprintf(want, sizeof want, "%s%sindex.html", rest, dir || rest[0] == '\0' ? "" : "/");
        if (find_file(a, s, want, real, &st)) {
            if (dir) {
                send_file(req, real, &st, 200, out);
            } else {
                out->action = STATIC_FILES_REDIRECT;
                out->status = 301;
                snprintf(out->location, sizeof out->location, "%.*s/", (int)raw_len, req->path);
            }
            return out->action;
        }
    }
    for (size_t i = 0; i < s->n_extensions && !dir && rest[0] != '\0'; i++) {
        if ((size_t)snprintf(want, sizeof want, "%s.%s", rest, s->extensions[i]) < sizeof want &&
            find_file(a, s, want, real, &st)) {
            send_file(req, real, &st, 200, out);
            return out->action;
        }
    }
    return STATIC_FILES_NEXT;
}

/* A miss with fallthrough off: the notFound file with its status, or Harper's 404 text. */
static static_files_action not_found(const app *a, const app_static *s,
                                     const static_files_request *req, static_files_result *out)
{
    char path[PATH_MAX];
    char real[PATH_MAX];
    struct stat st;

    out->action = STATIC_FILES_ERROR;
    if (s->not_found == NULL) {
        out->status = 404;
        snprintf(out->body, sizeof out->body, "File not found");
        return out->action;
    }
    snprintf(path, sizeof path, "%s/%s", a->dir, s->not_found);
    if (realpath(path, real) != NULL && stat(real, &st) == 0 && S_ISREG(st.st_mode) &&
        app_path_within(a->real_dir, real)) {
        send_file(req, real, &st, s->not_found_status, out);
        return out->action;
    }
    out->status = 500;
    snprintf(out->body, sizeof out->body, "Not found file does not exist: %s", path);
    return out->action;
}

static_files_action static_files_resolve(const app *a, const static_files_request *req,
                                         static_files_result *out)
{
    char url[MAX_URL + 1];
    size_t raw_len = 0;
    bool named;

    memset(out, 0, sizeof *out);
    if (a == NULL || req == NULL || req->method == NULL || req->path == NULL ||
        strcmp(req->method, "GET") != 0)
        return STATIC_FILES_NEXT;
    named = decode_path(req->path, url, &raw_len);
    for (size_t i = 0; i < a->n_statics; i++) {
        const app_static *s = &a->statics[i];

        if (named && entry_resolve(a, s, req, url, raw_len, out) != STATIC_FILES_NEXT)
            return out->action;
        if (!s->fallthrough)
            return not_found(a, s, req, out);
    }
    return STATIC_FILES_NEXT;
}
