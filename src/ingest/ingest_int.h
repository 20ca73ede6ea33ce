/*
 * ingest_int.h: what the files of src/ingest/ share: the canonical field tables, the cell
 * (one value of a row, whatever its format) and the conversion of cells to model structs,
 * and the JSON-lines reader. Nothing outside src/ingest/ includes it.
 */
#ifndef CXG_INGEST_INT_H
#define CXG_INGEST_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/json.h"
#include "ingest/import.h"
#include "model/model.h"

enum ingest_ftype {
        FT_STR,
        FT_NUM,
        FT_INT,
        FT_TS,
        FT_BOOL,
        FT_CHANNEL,
        FT_OUTCOME,
        FT_SENIORITY,
        FT_FBKIND,
        FT_LIST,
};

struct ingest_fdef {
        const char *name; /* canonical field */
        enum ingest_ftype type;
        int required; /* a file without this column cannot be imported */
};

#define INGEST_MAX_FIELDS 10

/* The canonical fields of a kind (at most INGEST_MAX_FIELDS). */
const struct ingest_fdef *ingest_fdefs(enum ingest_kind k, size_t *n);
/* 1 when the kind keeps extra columns as JSON attributes. */
int ingest_kind_has_attributes(enum ingest_kind k);
/* Index of the canonical field whose normalised name equals that of name (n bytes), or -1. */
int ingest_field_match(enum ingest_kind k, const char *name, size_t n);

/* One value of a row. items/n_items hold a list given as a JSON array. */
struct ingest_cell {
        const char *name; /* the column or key it came from (for messages), or NULL */
        const char *p;
        size_t n;
        int present; /* 0: no such column or key, or JSON null */
        const char **items;
        size_t n_items;
        int is_array;
};

union ingest_entity {
        struct account a;
        struct person p;
        struct subscription s;
        struct interaction i;
        struct feedback f;
        struct objective o;
        struct capability c;
};

/*
 * Convert the cells (indexed like ingest_fdefs(k)) into *out, copying strings into a, and
 * validate the result with model_*_validate. attributes is JSON object text or NULL (kept as
 * is). On failure err->field names the canonical field and err->msg the reason.
 */
enum cxg_err ingest_convert(enum ingest_kind k, const struct ingest_cell *cells,
                            const char *attributes, struct cxg_arena *a, union ingest_entity *out,
                            struct cxg_error *err) CXG_WUR;

/* 1 when the n bytes are a JSON number as JSON writes it (no leading zeros, no '+'). */
int ingest_json_number(const char *s, size_t n);

/* Lines of a JSON-lines input; each line is parsed by the caller. */
struct ingest_jsonl {
        const char *pos, *end;
        long line;       /* line of the last line returned, 1-based */
        size_t max_line; /* cap on one line's bytes */
        char name[256];
};

/* Read the n bytes at data (borrowed) as JSON lines, at most max_line bytes each (0: 1 MiB). */
void ingest_jsonl_init(struct ingest_jsonl *r, const char *name, const char *data, size_t n,
                       size_t max_line);
/*
 * The next non-blank line in *p and *n (without its line break) and 1 in *got; 0 at the end.
 * A line over the cap returns CXG_ERR_LIMIT naming the line (the reader moves past it).
 */
enum cxg_err ingest_jsonl_next(struct ingest_jsonl *r, const char **p, size_t *n, int *got,
                               struct cxg_error *err) CXG_WUR;

/*
 * Fill cells (indexed like ingest_fdefs(k)) from the decoded JSON object obj. keys[f], when not
 * NULL, is the key mapped to field f by --map; other fields match keys by normalised name. Keys
 * used by no field become attributes: JSON text in *attrs (copied into a; NULL when there are none
 * or the kind keeps none), and when ignored is not NULL their names are appended to it (for kinds
 * without attributes). Numbers and booleans become their text. On failure err->field names the key.
 */
enum cxg_err ingest_json_cells(enum ingest_kind k, struct cxg_jval obj, const char *const *keys,
                               struct cxg_arena *a, struct ingest_cell *cells, const char **attrs,
                               struct cxg_error *err) CXG_WUR;

#endif
