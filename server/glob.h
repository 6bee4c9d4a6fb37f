/* glob.h: the file patterns of an application's config.yaml (`files`, such as `*.graphql`),
 * matched the way Harper's glob libraries (picomatch, fast-glob) match them. Pure: strings in,
 * a yes or no out; walking folders is left to the callers (app_files.c).
 *
 * Syntax: `*` is any run of characters within one path segment, `?` one character, `[abc]`,
 * `[a-z]`, `[!a]` / `[^a]` one character of (or not of) a set of bytes, `{a,b}` alternatives
 * (nested too), `\` makes the next character literal, and a segment that is exactly `**`
 * matches any number of whole segments, none included (so `web`, a slash and `**` match
 * `web` itself). `**` inside a longer segment is a plain `*`. Unless GLOB_DOT is given, a
 * wildcard never matches the leading `.` of a segment: Harper's default static pattern skips
 * `web/.env` and `web/.git/x`, as picomatch does by default. Extglobs (`@(a|b)`, `!(x)`) and
 * POSIX classes are not supported: their characters are literal.
 *
 * Paths are relative, '/'-separated, as a folder walk writes them ("web/css/a.css").
 * Matching takes time proportional to the pattern's length times the path's, whatever the
 * input: no backtracking blow-up. */
#ifndef HARPER_SERVER_GLOB_H
#define HARPER_SERVER_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* Longest pattern glob_compile takes, bytes. */
#define GLOB_MAX_PATTERN 4096
/* Most alternatives a pattern's braces may expand to. */
#define GLOB_MAX_ALTERNATIVES 256

/* Wildcards also match a leading '.' of a segment. */
#define GLOB_DOT 1

typedef struct glob glob;

/* Compiles `pattern` into *out (glob_free). 0, or -1 with *out NULL and a message in err
 * ("glob pattern is longer than 4096 bytes", "glob pattern has more than 256 alternatives",
 * or out of memory). Any other text is a valid pattern. Thread-safety: safe. */
int glob_compile(const char *pattern, int flags, glob **out, char *err, size_t err_size);
void glob_free(glob *g);

/* Whether `path` matches. Thread-safety: safe (a compiled glob is read-only). */
bool glob_match(const glob *g, const char *path);

/* The folder a pattern searches, as picomatch's scan() gives it: the leading segments that
 * hold no wildcard (`*?[{\`), without a leading "./" and the trailing '/'. Returns a pointer
 * into `pattern` and its length in *len: "web" for Harper's default static pattern, "" for
 * `*.graphql`, the whole pattern when it holds no wildcard at all (`web/index.html`).
 * Thread-safety: safe. */
const char *glob_base(const char *pattern, size_t *len);

#endif
