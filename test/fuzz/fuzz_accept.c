/* fuzz_accept.c: arbitrary bytes as an Accept, Content-Type and If-None-Match value and as a
 * URL path (negotiate.c). Invariants: the Accept choice is a registered type or "not
 * acceptable", JSON for an empty value; an extension's stem is a prefix of the path; a body's
 * type and charset point inside the header value; reading a body as text either succeeds or
 * names the unknown encoding and appends nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "negotiate.h"

static void die(const char *what)
{
    fprintf(stderr, "fuzz_accept: %s\n", what);
    abort();
}

static int inside(const char *p, size_t n, const char *base, size_t size)
{
    return p >= base && n <= size && (size_t)(p - base) <= size - n;
}

/* 1 if s[0..n) is only spaces and tabs: a Content-Type that counts as absent. */
static int blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    negotiate_type t = negotiate_accept(s, size);
    negotiate_body body;
    harper__buf text = HARPER__BUF_INIT;
    char err[128];
    char etag[NEGOTIATE_ETAG_SIZE];
    size_t stem;
    double version = 0;

    if (t < NEGOTIATE_NOT_ACCEPTABLE || t > NEGOTIATE_CSV)
        die("Accept gave an unregistered type");
    if (size == 0 && t != NEGOTIATE_JSON)
        die("an empty Accept is not JSON");
    if (negotiate_type_name(t) == NULL)
        die("a type has no name");
    t = negotiate_extension(s, size, &stem);
    if (stem > size || (t == NEGOTIATE_NOT_ACCEPTABLE && stem != size) ||
        (t != NEGOTIATE_NOT_ACCEPTABLE && (stem == size || s[stem] != '.')))
        die("an extension's stem is not where the extension starts");
    negotiate_body_type(s, size, s, size, &body);
    if (body.kind > NEGOTIATE_BODY_TYPED || body.type == NULL)
        die("a body has no kind or type");
    if (!blank(s, size) && !inside(body.type, body.type_len, s, size))
        die("a body type points outside the header");
    if (body.charset != NULL && !inside(body.charset, body.charset_len, s, size))
        die("a charset points outside the header");
    harper__buf_str(&text, "<");
    if (negotiate_text(body.charset, body.charset_len, s, size, &text, err, sizeof err) != 0) {
        if (strncmp(err, "Unknown encoding: ", 18) != 0 || text.len != 1)
            die("a failed text read appended or gave another message");
    }
    harper__buf_free(&text);
    if (size >= sizeof version)
        memcpy(&version, data, sizeof version);
    negotiate_etag(version, etag);
    if (strlen(etag) != 12 || etag[0] != '"' || etag[11] != '"' ||
        !negotiate_etag_matches(etag, 12, etag) || negotiate_etag_matches(s, size, etag) !=
                                                     (size == 12 && memcmp(s, etag, 12) == 0))
        die("an ETag is malformed or does not match itself");
    return 0;
}
