/* fuzz_glob.c: a glob pattern and a path (glob_compile, glob_match, glob_base). The input is
 * the pattern, then a NUL or the first newline, then the path. Invariants: compiling fails
 * only for the documented limits and leaves no glob; matching gives the same answer twice; a
 * pattern without wildcards matches exactly the equal path; the path with every character
 * escaped matches itself; `**` with GLOB_DOT matches every path; glob_base is a prefix of
 * the pattern (after "./") made of whole segments. Slowness shows as libFuzzer's timeout. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glob.h"

static void die(const char *what, const char *pattern, const char *path)
{
    fprintf(stderr, "fuzz_glob: %s\npattern: \"%s\"\npath: \"%s\"\n", what, pattern, path);
    abort();
}

static int compile(const char *pattern, int flags, glob **g, char *err, size_t err_size)
{
    *g = (glob *)1;
    if (glob_compile(pattern, flags, g, err, err_size) == 0)
        return 0;
    if (*g != NULL)
        die("failed compile left a glob", pattern, "");
    if (strcmp(err, "glob pattern is longer than 4096 bytes") != 0 &&
        strcmp(err, "glob pattern has more than 256 alternatives") != 0)
        die(err, pattern, "");
    return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *pattern = malloc(size + 1);
    char *escaped = malloc(2 * size + 1);
    const char *path;
    char err[128];
    size_t cut = 0;
    size_t n = 0;
    size_t base_len;
    const char *base;
    glob *g = NULL;

    if (pattern == NULL || escaped == NULL)
        abort();
    memcpy(pattern, data, size);
    pattern[size] = '\0';
    while (cut < size && pattern[cut] != '\0' && pattern[cut] != '\n')
        cut++;
    pattern[cut] = '\0';
    path = cut < size ? pattern + cut + 1 : "";

    if (compile(pattern, 0, &g, err, sizeof err) == 0) {
        int first = glob_match(g, path);

        if (glob_match(g, path) != first)
            die("two answers", pattern, path);
        if (strpbrk(pattern, "*?[{\\") == NULL && first != (strcmp(pattern, path) == 0))
            die("a literal pattern disagrees with strcmp", pattern, path);
        glob_free(g);
    }

    base = glob_base(pattern, &base_len);
    if (base < pattern || base + base_len > pattern + strlen(pattern) ||
        (base_len > 0 && base[base_len] != '\0' && base[base_len] != '/') ||
        memchr(base, '*', base_len) != NULL)
        die("glob_base is not a folder prefix", pattern, "");

    for (const char *p = path; *p != '\0'; p++) {
        if (*p != '/')
            escaped[n++] = '\\';
        escaped[n++] = *p;
    }
    escaped[n] = '\0';
    if (compile(escaped, 0, &g, err, sizeof err) == 0) {
        if (!glob_match(g, path))
            die("an escaped path does not match itself", escaped, path);
        glob_free(g);
    }
    if (compile("**", GLOB_DOT, &g, err, sizeof err) != 0 || !glob_match(g, path))
        die("** does not match everything", "**", path);
    glob_free(g);
    free(pattern);
    free(escaped);
    return 0;
}
