/* static_files.h: serving an application's static files (spec components.md section 9): which
 * file a GET request names, or that it is not ours; then what Harper's `send` would answer:
 * Content-Type by extension, ETag and Last-Modified from the file's stat, 304 / 412 for
 * conditional requests, 206 / 416 for a Range. No sockets: the HTTP layer opens the file and
 * writes the answer this module decides. Reads the file system (stat, realpath) only.
 *
 * The request path is given as it came, percent-encoded, and decoded here: a path whose
 * decoding fails or holds a NUL byte, an encoded '/', an empty, `.` or `..` segment names no
 * file and goes to the next handler (as in Harper, where no file map key can equal it). A
 * file must also be matched by the entry's `files` patterns (so dot files are not served
 * unless a pattern names them) and its real path must lie inside the app's folder: a symbolic
 * link leading out of it is treated as absent.
 *
 * As in Harper: only GET is served here, HEAD and the rest pass on; `/dir/` serves
 * dir/index.html and `/dir` answers 301 to `/dir/` when index is on; `extensions` are tried
 * after a miss; a miss goes on (fallthrough) or answers the notFound file with its status,
 * or 404 "File not found". Unlike Harper, `index.html` means that exact name (Harper's
 * check is `endsWith("index.html")`), and an encoded name (`a%20b.html`) finds `a b.html`. */
#ifndef HARPER_SERVER_STATIC_FILES_H
#define HARPER_SERVER_STATIC_FILES_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "app.h"

/* Headers `send` adds to every file answer (200, 206). */
#define STATIC_FILES_CACHE_CONTROL "public, max-age=0"
#define STATIC_FILES_ACCEPT_RANGES "bytes"
/* Headers `send` adds to its own error pages (STATIC_FILES_ERROR with html set). */
#define STATIC_FILES_ERROR_CSP "default-src 'none'"
#define STATIC_FILES_ERROR_NOSNIFF "nosniff"

typedef struct static_files_request {
    const char *method;             /* "GET"; anything else passes on */
    const char *path;               /* the request target without the host: percent-encoded,
                                     * a '?' or '#' ends it */
    /* Header values, NULL when absent. */
    const char *if_none_match;
    const char *if_modified_since;
    const char *if_match;
    const char *if_unmodified_since;
    const char *cache_control;      /* `no-cache` disables 304 */
    const char *range;
    const char *if_range;
} static_files_request;

typedef enum static_files_action {
    STATIC_FILES_NEXT = 0,      /* not ours: call the next handler */
    STATIC_FILES_SEND,          /* send bytes [offset, offset + length) of `path` */
    STATIC_FILES_NOT_MODIFIED,  /* 304: ETag, Last-Modified, no body, no Content-Type */
    STATIC_FILES_REDIRECT,      /* 301 with Location: `location`, empty body */
    STATIC_FILES_ERROR,         /* `status` with `body` (412, 416, 404, 500) */
} static_files_action;

typedef struct static_files_result {
    static_files_action action;
    int status;                 /* 200, 206, 304, 301, a notFound status, 404, 412, 416, 500 */
    char path[PATH_MAX];        /* SEND: the file's real path */
    uint64_t size;              /* the whole file, bytes */
    uint64_t offset;            /* SEND: first byte to send */
    uint64_t length;            /* SEND: Content-Length */
    int64_t mtime_ms;           /* modification time, ms since the epoch */
    const char *content_type;   /* SEND, ERROR: static string, never NULL for those; NULL for
                                 * Harper's own 404 body, which has no Content-Type */
    char etag[64];              /* W/"<size hex>-<mtime ms hex>", as `etag` makes it */
    char last_modified[32];     /* "Sun, 06 Nov 1994 08:49:37 GMT" */
    char content_range[64];     /* 206 "bytes 0-99/1000", 416 "bytes * /1000" (no space) */
    bool html;                  /* ERROR: body is `send`'s HTML page: add the CSP and nosniff
                                 * headers above */
    char location[PATH_MAX + 2];/* REDIRECT */
    char body[PATH_MAX + 128];  /* ERROR */
} static_files_result;

/* Decides the answer of application `a`'s static entries to `req` into *out, and returns
 * out->action. STATIC_FILES_NEXT when no entry serves it. Thread-safety: safe. */
static_files_action static_files_resolve(const app *a, const static_files_request *req,
                                         static_files_result *out);

/* The Content-Type `send` gives a file name, by its extension (case ignored): text types
 * with "; charset=utf-8", "application/octet-stream" for the unknown. Never NULL, static.
 * Thread-safety: safe. */
const char *static_files_content_type(const char *name);

/* Parses an HTTP date (IMF-fixdate, RFC 850 or asctime form) into seconds since the epoch.
 * false when it is none of them. Thread-safety: safe. */
bool static_files_parse_date(const char *text, int64_t *seconds);

#endif
