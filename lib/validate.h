/* validate.h: checking a record against its table's declared attributes, with Harper's exact
 * messages (spec/schema.md section 5), and the coercions Harper applies on write. */
#ifndef HARPER_VALIDATE_H
#define HARPER_VALIDATE_H

#include <cjson/cJSON.h>

#include "catalog.h"
#include "harper.h"

/* Validates the JSON object `rec` against `def`, coercing in place where Harper coerces
 * (Date from a string or epoch-ms number to an ISO-8601 string "YYYY-MM-DDTHH:MM:SS.sssZ";
 * BigInt from a numeric string or integer number, kept as a JSON number when it fits 2^53,
 * else as a string of digits; Bytes from a string, kept as the string).
 * is_patch: only the properties present are checked (no "required" errors for absent ones).
 * Attributes flagged created_time/updated_time and the primary key are not checked here.
 * On failure returns HARPER_EINVAL with every problem found, in attribute order then
 * property order, joined with ". " (the message is cut to fit harper_error). */
int harper__validate_record(const harper__table_def *def, cJSON *rec, int is_patch,
                            harper_error *err);

/* Checks the names of the top-level properties of a record being written: "" "null"
 * "undefined" -> "Invalid attribute name: 'null'"; for names that would become new attributes
 * (is_new true), a backtick or '/' -> "Attribute names cannot include backticks or forward
 * slashes". Messages joined with ". ". */
int harper__validate_attr_names(const harper__table_def *def, const cJSON *rec,
                                harper_error *err);

/* Formats epoch milliseconds as "YYYY-MM-DDTHH:MM:SS.sssZ" into out (at least 32 bytes).
 * Parses an ISO-8601 date or date-time (with 'Z' or an offset, or none = UTC) into epoch ms;
 * returns 0 on success, -1 if it is not such a date. */
void harper__iso_from_ms(double ms, char *out, size_t size);
int harper__ms_from_iso(const char *s, double *ms);

#endif
