/* codec_csv.h: text/csv responses as Harper writes them through json2csv with its defaults.
 * Pure: trees in, text out. The REST handler picks the columns and sets Content-Disposition.
 *
 * The header row is the column names; a row follows per record, each after a "\n" (no line
 * ends the output). Cells, as json2csv prints them:
 *   - strings quoted, `"` doubled: "say ""hi""";
 *   - numbers as JavaScript prints them (1, 1.5, 1e+21), true and false bare;
 *   - objects and arrays as their JSON text, quoted like a string: "{""a"":1}";
 *   - null and missing attributes empty.
 * A record whose every cell is empty gives no row (json2csv's includeEmptyRows is off).
 * Columns are looked up as whole property names (json2csv would also follow dotted paths).
 * A record that is not an object has no attributes. */
#ifndef HARPER_SERVER_CODEC_CSV_H
#define HARPER_SERVER_CODEC_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"

#define CODEC_CSV_TYPE "text/csv"
#define CODEC_CSV_DISPOSITION "attachment; filename=\"data.csv\""

/* A CSV stream: codec_csv_begin, codec_csv_row per record, codec_csv_end. The text goes to
 * `out` as it is made, so a caller may send and empty out between rows. */
typedef struct codec_csv {
    harper__buf *out;
    char **columns;         /* owned copies */
    size_t n_columns;
    bool have_columns;      /* false until given or taken from the first record */
    bool wrote_line;        /* the next line needs a "\n" before it */
} codec_csv;

/* Starts a stream into out. With columns (n_columns names), writes the header row now; with
 * columns NULL, the first record's keys are the columns and the header comes with it (an
 * empty collection then writes nothing). 0, or -1 out of memory (nothing written).
 * Thread-safety: per stream. */
int codec_csv_begin(codec_csv *w, harper__buf *out, const char *const *columns,
                    size_t n_columns);

/* Writes one record's row. 0, or -1 out of memory (out->failed). Thread-safety: per stream. */
int codec_csv_row(codec_csv *w, const cJSON *record);

/* Releases what the stream holds (not out). NULL or ended: no-op. */
void codec_csv_end(codec_csv *w);

/* Writes a whole value: an array is a collection (a row per element), anything else one
 * record. columns as for codec_csv_begin. 0 or -1 out of memory. Thread-safety: safe. */
int codec_csv_write(const cJSON *value, const char *const *columns, size_t n_columns,
                    harper__buf *out);

#endif
