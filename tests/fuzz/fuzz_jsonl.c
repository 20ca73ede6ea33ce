/*
 * fuzz_jsonl.c: libFuzzer harness for the JSON-lines reader (src/ingest/jsonl.c): line
 * splitting with a cap, then each line through jansson, ingest_json_cells (keys to canonical
 * fields and attributes) and ingest_convert (typed values and validation), the way the
 * importer runs them. The first byte picks the kind and whether a --map is used, the second
 * the line cap. Checks: lines lie inside the input without line breaks and only go forward,
 * every failure names a reason, and attributes are a JSON object.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/arena.h"
#include "ingest/ingest_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a broken promise: name the check, then crash so libFuzzer keeps the input */
#define FAIL() fail_at(__LINE__)

static void fail_at(int line)
{
        fprintf(stderr, "%s:%d: check failed\n", __FILE__, line);
        __builtin_trap();
}

/* --map targets for the first two fields of any kind */
static const char *const mapped[INGEST_MAX_FIELDS] = {"key", "ref"};

static void one_line(enum ingest_kind kind, int use_map, const char *p, size_t n,
                     struct cxg_arena *a)
{
        struct ingest_cell cells[INGEST_MAX_FIELDS];
        union ingest_entity e;
        struct cxg_error err;
        json_error_t jerr;
        const char *attrs = NULL;
        json_t *v = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
        enum cxg_err rc;

        if (!v)
                return;
        if (!json_is_object(v))
                goto out;
        cxg_error_clear(&err);
        rc = ingest_json_cells(kind, v, use_map ? mapped : NULL, a, cells, &attrs, &err);
        if (rc) {
                if (rc != CXG_ERR_NOMEM && !err.msg[0])
                        FAIL();
                goto out;
        }
        if (attrs) {
                json_t *o = json_loads(attrs, 0, &jerr);

                if (!o || !json_is_object(o) || !ingest_kind_has_attributes(kind))
                        FAIL();
                json_decref(o);
        }
        cxg_error_clear(&err);
        rc = ingest_convert(kind, cells, attrs, a, &e, &err);
        if (rc && rc != CXG_ERR_NOMEM && (!err.msg[0] || rc == CXG_ERR_INTERNAL))
                FAIL();
out:
        json_decref(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct ingest_jsonl r;
        struct cxg_arena a;
        struct cxg_error err;
        enum ingest_kind kind;
        const char *in, *p;
        size_t n, max_line;
        long last = 0;
        int got, use_map;

        if (size < 2)
                return 0;
        kind = (enum ingest_kind)(data[0] % INGEST_KIND__COUNT);
        use_map = (data[0] >> 4) & 1;
        max_line = data[1] & 0x80 ? 0 : (size_t)(data[1] & 0x7f) * 4 + 1;
        in = (const char *)data + 2;
        size -= 2;
        ingest_jsonl_init(&r, "fuzz.jsonl", in, size, max_line);
        cxg_arena_init(&a, 0, 0);
        for (;;) {
                const char *before = r.pos;
                enum cxg_err rc = ingest_jsonl_next(&r, &p, &n, &got, &err);

                if (rc) {
                        if (rc != CXG_ERR_LIMIT || err.line != r.line || r.pos <= before)
                                FAIL();
                        last = r.line;
                        continue;
                }
                if (!got)
                        break;
                if (r.line <= last || r.pos <= before || p < in || p + n > in + size ||
                    memchr(p, '\n', n) || n > r.max_line || n == 0)
                        FAIL();
                last = r.line;
                one_line(kind, use_map, p, n, &a);
                cxg_arena_clear(&a);
        }
        cxg_arena_release(&a);
        return 0;
}
