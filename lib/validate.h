/* validate.h: checking a record against its table's declared attributes, with Harper's exact
 * messages (spec/schema.md section 5), and the coercions Harper applies on write. */
#ifndef HARPER_VALIDATE_H
#define HARPER_VALIDATE_H

#include <stdint.h>

#include <cjson/cJSON.h>

#include "catalog.h"
#include "harper.h"

/* Validates the JSON object `rec` against `def`, coercing in place where Harper coerces
 * (Date from a string or epoch-ms number to an ISO-8601 string "YYYY-MM-DDTHH:MM:SS.sssZ";
 * BigInt from a numeric string or integer number, kept as a JSON number when it fits 2^53,
 * else as a string of digits; Bytes from a string, kept as the string). A string that is not
 * an ISO date (see harper__ms_from_iso) is an error, where Harper would store an Invalid Date.
 * is_patch: only the properties present are checked (no "required" errors for absent ones; a
 * null present in a patch is still rejected by a non-nullable attribute).
 * Attributes flagged created_time/updated_time and the primary key are not checked here.
 * On failure returns HARPER_EINVAL with every problem found, joined with ". ": type problems
 * in attribute order, then missing or null non-nullable attributes in attribute order (so the
 * example of spec/schema.md section 5 comes out as written), then, for a sealed table, the
 * undeclared properties in the record's order. The message is cut to fit harper_error at a
 * UTF-8 character boundary. HARPER_ENOMEM if memory runs out (rec may be partly coerced). */
int harper__validate_record(const harper__table_def *def, cJSON *rec, int is_patch,
                            harper_error *err);

/* Checks the names of the top-level properties of a record being written: "" "null"
 * "undefined" -> "Invalid attribute name: 'null'", one message per such name joined with ". ";
 * for names that would become new attributes (not attributes of def), a backtick or '/' ->
 * "Attribute names cannot include backticks or forward slashes", given once and only when no
 * name was invalid, as Harper stops at its first check. */
int harper__validate_attr_names(const harper__table_def *def, const cJSON *rec,
                                harper_error *err);

/* Formats epoch milliseconds as "YYYY-MM-DDTHH:MM:SS.sssZ" into out (at least 32 bytes), as
 * JavaScript's toISOString: the fraction of a ms is cut, years outside 0..9999 are written
 * "+YYYYYY"/"-YYYYYY". NaN or beyond +-8.64e15 ms (JavaScript's Date range) gives "".
 * Parses an ISO-8601 date or date-time into epoch ms: YYYY, YYYY-MM, YYYY-MM-DD (or a signed
 * six-digit year), then optionally 'T' or ' ', HH:MM, :SS, .fraction (1-9 digits), and 'Z',
 * +-HH:MM or +-HHMM (none = UTC). Impossible dates (2023-02-29) are rejected, not rolled over.
 * Returns 0 on success, -1 if it is not such a date (*ms untouched). Neither depends on the
 * process's locale or time zone. */
void harper__iso_from_ms(double ms, char *out, size_t size);
/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (negative before). */
int64_t harper__days_from_civil(int64_t y, int m, int d);
int harper__ms_from_iso(const char *s, double *ms);

#endif
