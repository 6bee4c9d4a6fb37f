/* rest_raw.c: bodies that are not records. Harper stores a PUT/POST body of another type
 * (an image, a CSV file, any text/...) as the record {contentType, data}, and a GET of such a
 * record answers with the data itself and that Content-Type, whatever Accept says (spec
 * rest.md 6.1-6.2). Text data is kept as a string; other bytes as Node's JSON form of a Buffer,
 * {"type":"Buffer","data":[...]}, which is what Harper's JSON answers show for them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest.h"

cJSON *rest_raw_record(const negotiate_body *kind, const char *body, size_t len, char *err,
                       size_t err_size)
{
    cJSON *rec = cJSON_CreateObject();
    char type[256];
    cJSON *data = NULL;

    snprintf(type, sizeof type, "%.*s", (int)kind->type_len, kind->type);
    if (rec == NULL || cJSON_AddStringToObject(rec, "contentType", type) == NULL)
        goto oom;
    if (kind->kind == NEGOTIATE_BODY_TEXT) {
        harper__buf text = HARPER__BUF_INIT;

        if (negotiate_text(kind->charset, kind->charset_len, body, len, &text, err,
                           err_size) != 0) {
            cJSON_Delete(rec);
            return NULL;
        }
        data = harper__buf_cstr(&text) != NULL ? cJSON_CreateString(text.data) : NULL;
        harper__buf_free(&text);
    } else {
        cJSON *bytes = cJSON_CreateArray();

        data = cJSON_CreateObject();
        for (size_t i = 0; bytes != NULL && i < len; i++)
            if (!cJSON_AddItemToArray(bytes, cJSON_CreateNumber((unsigned char)body[i]))) {
                cJSON_Delete(bytes);
                bytes = NULL;
            }
        if (data == NULL || bytes == NULL || cJSON_AddStringToObject(data, "type", "Buffer") ==
                                                 NULL) {
            cJSON_Delete(bytes);
            cJSON_Delete(data);
            goto oom;
        }
        cJSON_AddItemToObject(data, "data", bytes);
    }
    if (data == NULL || !cJSON_AddItemToObject(rec, "data", data)) {
        cJSON_Delete(data);
        goto oom;
    }
    return rec;
oom:
    cJSON_Delete(rec);
    snprintf(err, err_size, "out of memory");
    return NULL;
}

bool rest_raw_reply(rest_response *out, const char *json, size_t len)
{
    cJSON *rec;
    const cJSON *type, *data, *bytes, *b;
    bool raw = false;

    /* Cheap test first: most records are not wrappers. */
    if (len < 20 || memmem(json, len, "\"contentType\"", 13) == NULL)
        return false;
    rec = cJSON_ParseWithLength(json, len);
    type = cJSON_GetObjectItemCaseSensitive(rec, "contentType");
    data = cJSON_GetObjectItemCaseSensitive(rec, "data");
    if (!cJSON_IsString(type) || data == NULL || strlen(type->valuestring) >= 128) {
        cJSON_Delete(rec);
        return false;
    }
    harper__buf_reset(&out->body);
    if (cJSON_IsString(data)) {
        harper__buf_str(&out->body, data->valuestring);
        raw = true;
    } else if (cJSON_IsObject(data) &&
               cJSON_IsString(cJSON_GetObjectItemCaseSensitive(data, "type")) &&
               strcmp(cJSON_GetObjectItemCaseSensitive(data, "type")->valuestring, "Buffer") ==
                   0 &&
               cJSON_IsArray(bytes = cJSON_GetObjectItemCaseSensitive(data, "data"))) {
        raw = true;
        cJSON_ArrayForEach(b, bytes)
            harper__buf_byte(&out->body, (uint8_t)(cJSON_IsNumber(b) ? b->valueint : 0));
    }
    if (raw) {
        snprintf(out->content_type_buf, sizeof out->content_type_buf, "%s", type->valuestring);
        out->content_type = out->content_type_buf;
        out->has_body = true;
        out->status = 200;
        rest_header(out, "Vary", "Accept-Encoding");
    }
    cJSON_Delete(rec);
    return raw;
}
