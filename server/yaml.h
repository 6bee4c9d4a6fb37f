/* yaml.h: YAML text to a cJSON tree and back, for harperdb-config.yaml, component config.yaml
 * files and the CLI's YAML output. Pure: bytes in, tree or error out, no files, no globals.
 *
 * Reading follows the YAML 1.2 core schema, as Harper's `yaml` package does: plain `~`, `null`,
 * `Null`, `NULL` and empty are null; `true`, `True`, `TRUE` (and false alike) are booleans;
 * decimal, 0o octal and 0x hex integers and decimal floats are numbers; everything else, and
 * every quoted or block scalar, is a string. Mappings keep their key order. Aliases are
 * refused (anchors are ignored), as are duplicate keys, non-scalar keys, NUL characters in
 * strings and more than one document. `.inf` and `.nan` read as null: JSON, and so every
 * reply, has no such numbers.
 *
 * Writing gives Harper's block style: `key: value`, nested mappings and sequences indented by
 * two spaces, `- item` for each element, `{}` and `[]` for empty ones. Strings that would read
 * back as something else (null, a boolean, a number, YAML 1.1's yes/no/on/off and sexagesimal
 * numbers) or that need escapes are double-quoted, so what json_to_yaml writes, yaml_to_json
 * reads back as the same tree. */
#ifndef HARPER_SERVER_YAML_H
#define HARPER_SERVER_YAML_H

/* libyaml's own header is also called yaml.h, and -Iserver puts this folder ahead of it in the
 * search path: yaml.c defines YAML_WITH_LIBYAML and includes <yaml.h>, which lands here and
 * goes on to libyaml's. Other users of this header see only the two functions below. */
#ifdef YAML_WITH_LIBYAML
#include_next <yaml.h>
#endif

#include <stddef.h>

#include <cjson/cJSON.h>

#include "buf.h"

/* Deepest nesting of mappings and sequences either way (a top-level mapping is depth 1). */
#define YAML_MAX_DEPTH 64
/* Largest text yaml_to_json reads, bytes. */
#define YAML_MAX_SIZE (8u << 20)

/* Parses one YAML document text[0..len) into a new tree in *out (cJSON_Delete); an empty
 * stream or document gives a cJSON null. 0, or -1 with *out NULL and a message such as
 * "mapping values are not allowed in this context at line 3, column 8" in err (lines and
 * columns from 1; err may be NULL). Thread-safety: safe. */
int yaml_to_json(const char *text, size_t len, cJSON **out, char *err, size_t err_size);

/* Appends `v` as a block-style YAML document (no `---`, ending in a newline) to out.
 * 0, or -1 if v is nested deeper than YAML_MAX_DEPTH, holds a value JSON cannot (raw or
 * invalid items), or memory ran out (out->failed). A string that is not valid UTF-8 is
 * written with U+FFFD for each bad byte. Keys are written as they are: an object with two
 * equal keys gives YAML that yaml_to_json refuses. Thread-safety: safe. */
int json_to_yaml(const cJSON *v, harper__buf *out);

#endif
