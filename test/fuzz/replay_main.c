/* replay_main.c: a plain main() for a fuzz target, so that its corpus replays under gcc and
 * the sanitizers, without libFuzzer:
 *
 *   replay_NAME PATH...
 *
 * Each file named, and each file in a folder named (not recursive, in name order, dot files
 * left out), goes to LLVMFuzzerTestOneInput once, in a buffer of exactly its size so that an
 * overread is caught. The path is printed to stderr first, so a sanitizer report that follows
 * names its input. Exit: 0 all ran, 1 a path could not be read, 77 (skip) no input at all.
 * A crash ends the program with the sanitizer's report. */
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional in a fuzz target, as under libFuzzer. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int n_inputs;

/* Feeds one file; 0 or -1 if it cannot be read. */
static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *data = NULL;
    long size;
    int rc = -1;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0)
        goto done;
    data = malloc(size > 0 ? (size_t)size : 1);
    if (data == NULL || fread(data, 1, (size_t)size, f) != (size_t)size)
        goto done;
    fprintf(stderr, "replay %s (%ld bytes)\n", path, size);
    LLVMFuzzerTestOneInput(data, (size_t)size);
    n_inputs++;
    rc = 0;
done:
    if (rc != 0)
        fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
    free(data);
    if (f != NULL)
        fclose(f);
    return rc;
}

static int skip_dot(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

static int replay_dir(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, skip_dot, alphasort);
    int rc = 0;

    if (n < 0) {
        fprintf(stderr, "replay: cannot list %s: %s\n", dir, strerror(errno));
        return -1;
    }
    for (int i = 0; i < n; i++) {
        size_t len = strlen(dir) + strlen(names[i]->d_name) + 2;
        char *path = malloc(len);
        struct stat st;

        if (path == NULL) {
            rc = -1;
        } else {
            snprintf(path, len, "%s/%s", dir, names[i]->d_name);
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && replay_file(path) != 0)
                rc = -1;
        }
        free(path);
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 0;

    if (LLVMFuzzerInitialize != NULL)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++) {
        struct stat st;

        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            rc = 1;
        } else if (S_ISDIR(st.st_mode) ? replay_dir(argv[i]) != 0 : replay_file(argv[i]) != 0) {
            rc = 1;
        }
    }
    if (rc == 0 && n_inputs == 0) {
        printf("no corpus input in:");
        for (int i = 1; i < argc; i++)
            printf(" %s", argv[i]);
        printf("\n");
        return 77;
    }
    fprintf(stderr, "replay: %d inputs\n", n_inputs);
    return rc;
}
