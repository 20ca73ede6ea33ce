/*
 * cmd_import.c: `cxgarden [--db PATH] import KIND FILE [options]`: load a CSV or JSON-lines
 * file through src/ingest/, with a progress bar on a terminal, the first rejects and a
 * summary on stderr (or the summary as JSON on stdout). Exit 0: all rows imported, 3: some
 * rejected, 2: usage error, 1: failure.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/import.h"
#include "cli/cli.h"
#include "core/banned.h"
#include "core/buf.h"
#include "core/config.h"
#include "ingest/import.h"
#include "store/store.h"

#define SHOW_REJECTS 10

static void usage(FILE *f)
{
        fprintf(f,
                "usage: cxgarden [--db PATH] import KIND FILE [options]\n"
                "\n"
                "KIND: accounts, people, subscriptions, interactions, feedback, objectives,\n"
                "      capabilities\n"
                "FILE: CSV (.csv, .tsv) or JSON lines (.jsonl, .ndjson, .json)\n"
                "\n"
                "options:\n"
                "  --map FIELD=COLUMN,...  take canonical fields from these columns\n"
                "  --format csv|jsonl      instead of guessing from the file name\n"
                "  --delimiter C           CSV field separator (default ','; 'tab' for tabs)\n"
                "  --batch N               rows per transaction (default %d)\n"
                "  --max-record BYTES      largest accepted record or line (default 1 MiB)\n"
                "  --dry-run               check every row (and its references), write nothing\n"
                "  --json                  print the summary as JSON on stdout\n"
                "  --log-batches           print a line on stdout as each batch is committed:\n"
                "                          'batch SEQ lines FIRST-LAST rows N committed C\n"
                "                          rejected R total T' (FIRST, LAST: file lines)\n"
                "  --durability full|normal  full: each commit reaches the disk before the\n"
                "                          import goes on (survives a power loss); normal (the\n"
                "                          default, or [store] durability in --config): survives\n"
                "                          a crash of the process only\n"
                "  --no-detect             skip the early-warning detectors that run after\n"
                "                          an import that wrote rows (see cxgarden detect)\n"
                "\n"
                "Columns named like a canonical field are used as is (any case; spaces, dashes\n"
                "and underscores ignored); other columns are kept as JSON attributes. Rejected\n"
                "rows go to FILE.rejects.csv. Fields per kind:\n",
                INGEST_BATCH_DEFAULT);
        for (int k = 0; k < INGEST_KIND__COUNT; k++)
                fprintf(f, "  %-14s %s\n", ingest_kind_name(k), ingest_kind_fields(k));
        fprintf(f, "\nexit status: 0 all imported, 3 some rows rejected, 2 usage error, "
                   "1 failure\n");
}

struct ui {
        int tty;
        int bar_shown;
        unsigned long long shown;
};

static void clear_bar(struct ui *u)
{
        if (u->bar_shown) {
                fputs("\r\033[K", stderr);
                u->bar_shown = 0;
        }
}

/* the options of import that set a field of struct ingest_opts */
static const struct cli_flag import_flags[] = {{"map", "map"},
                                               {"batch", "batch"},
                                               {"format", "format"},
                                               {"max_record", "max-record"},
                                               {NULL, NULL}};

static void on_reject(void *ctx, const struct ingest_reject *r)
{
        struct ui *u = ctx;

        if (u->shown++ >= SHOW_REJECTS)
                return;
        clear_bar(u);
        fprintf(stderr, "import: %s:%ld: ", r->file, r->line);
        if (r->column[0] && r->field[0] && strcmp(r->column, r->field) != 0)
                fprintf(stderr, "column '%s' (field %s): ", r->column, r->field);
        else if (r->column[0])
                fprintf(stderr, "column '%s': ", r->column);
        else if (r->field[0])
                fprintf(stderr, "field '%s': ", r->field);
        fprintf(stderr, "%s\n", r->reason);
}

/* --log-batches: one line per committed batch, on stdout as soon as it is durable */
static void on_batch(void *ctx, const struct ingest_batch_report *b)
{
        (void)ctx;
        printf("batch %llu lines %ld-%ld rows %zu committed %llu rejected %llu total %llu\n",
               (unsigned long long)b->seq, b->first_line, b->last_line, b->rows,
               (unsigned long long)b->committed, (unsigned long long)b->rejected,
               (unsigned long long)b->total);
        fflush(stdout);
}

/* "full" -> 1, "normal" -> 0, else -1 */
static int parse_durability(const char *v)
{
        if (v && strcmp(v, "full") == 0)
                return 1;
        if (v && strcmp(v, "normal") == 0)
                return 0;
        return -1;
}

/* the durability from --config's [store] durability, or 0; -1 after an error */
static int config_durability(const char *path)
{
        struct cxg_config cfg;
        struct cxg_error err;
        const char *v;
        int full = 0;

        if (!path)
                return 0;
        cxg_config_init(&cfg);
        if (cxg_config_load(&cfg, path, &err)) {
                cli_errorf("import: %s", err.msg);
                full = -1;
        } else if ((v = cxg_config_get(&cfg, "store.durability")) &&
                   (full = parse_durability(v)) < 0) {
                cli_errorf("import: %s: [store] durability: expected full or normal, got '%s'",
                           path, v);
        }
        cxg_config_release(&cfg);
        return full;
}

static void on_progress(void *ctx, uint64_t done, uint64_t total, uint64_t rows)
{
        struct ui *u = ctx;
        int pct = total ? (int)(done * 100 / total) : 100, fill = pct * 30 / 100;
        char bar[31];

        memset(bar, '#', (size_t)fill);
        memset(bar + fill, ' ', (size_t)(30 - fill));
        bar[30] = '\0';
        fprintf(stderr, "\rimport: [%s] %3d%% %llu rows", bar, pct, (unsigned long long)rows);
        fflush(stderr);
        u->bar_shown = 1;
}

/* the value of option a (argv[*i]) given as "--opt value" or "--opt=value" */
static const char *opt_value(struct cli *c, int *i, const char *name)
{
        const char *a = c->argv[*i];
        size_t n = strlen(name);

        if (strncmp(a, name, n) != 0)
                return NULL;
        if (a[n] == '=')
                return a + n + 1;
        if (a[n] != '\0')
                return NULL;
        if (*i + 1 >= c->argc) {
                cli_errorf("import: %s needs a value", name);
                return "";
        }
        return c->argv[++*i];
}

static int parse_size(const char *v, unsigned long long max, unsigned long long *out)
{
        char *end;

        errno = 0;
        if (!v || !*v || *v == '-')
                return -1;
        *out = strtoull(v, &end, 10);
        if (errno || *end || *out == 0 || *out > max)
                return -1;
        return 0;
}

/* The database for an import (read-only for a dry run, which may go without one). */
static int open_store(struct cli *c, const struct ingest_opts *o, int durability, struct store **s)
{
        struct cxg_error err;
        enum cxg_err rc;

        cxg_error_clear(&err);
        if (o->dry_run) {
                rc = store_open(c->db_path, STORE_READONLY, s, &err);
                if (rc == CXG_ERR_NOTFOUND) {
                        fprintf(stderr,
                                "import: no database at %s: the dry run treats every reference "
                                "as unknown\n",
                                c->db_path);
                        *s = NULL;
                        rc = CXG_OK;
                }
        } else {
                rc = store_open(c->db_path, 0, s, &err);
        }
        if (!rc && *s && !o->dry_run && durability == 1)
                rc = store_set_durability(*s, 1, &err);
        if (rc) {
                cli_errorf("import: %s", err.msg);
                store_close(*s);
                *s = NULL;
                return CLI_FAIL;
        }
        return CLI_OK;
}

/* What an import did, on stderr. */
static void report(const char *path, const struct ingest_opts *o, const struct ingest_summary *sum,
                   const struct ui *u)
{
        if (u->shown > SHOW_REJECTS)
                fprintf(stderr, "import: ... and %llu more rejected rows\n",
                        u->shown - SHOW_REJECTS);
        if (sum->ignored[0])
                fprintf(stderr, "import: note: %s keep no attributes; ignored columns: %s\n",
                        ingest_kind_name(o->kind), sum->ignored);
        fprintf(stderr,
                "import: %s: read %llu, %s %llu, updated %llu, rejected %llu in %.2f s "
                "(%.0f rows/s)%s\n",
                path, (unsigned long long)sum->read, o->dry_run ? "valid" : "imported",
                (unsigned long long)(o->dry_run ? sum->valid : sum->inserted),
                (unsigned long long)sum->updated, (unsigned long long)sum->rejected, sum->seconds,
                sum->seconds > 0 ? (double)sum->read / sum->seconds : 0.0,
                o->dry_run ? " (dry run: nothing written)" : "");
        if (sum->rejects_path[0])
                fprintf(stderr, "import: rejected rows are in %s\n", sum->rejects_path);
}

int cli_import(struct cli *c)
{
        struct ingest_opts o;
        struct ingest_summary sum;
        struct cxg_error err;
        struct app_ctx ctx;
        char who[128];
        struct store *s = NULL;
        struct ui u = {0};
        const char *kind = NULL, *path = NULL, *v;
        int json = 0, kind_i, ret = CLI_FAIL, log_batches = 0, durability = -1, detect = 1;
        enum cxg_err rc;
        unsigned long long n;

        cxg_error_clear(&err);
        ingest_opts_init(&o, INGEST_ACCOUNTS);
        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout);
                        return CLI_OK;
                } else if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--dry-run") == 0) {
                        o.dry_run = 1;
                } else if (strcmp(a, "--log-batches") == 0) {
                        log_batches = 1;
                } else if ((v = opt_value(c, &i, "--durability"))) {
                        if ((durability = parse_durability(v)) < 0) {
                                cli_errorf("import: --durability: expected full or normal, got "
                                           "'%s'",
                                           v);
                                return CLI_USAGE;
                        }
                } else if (strcmp(a, "--no-detect") == 0) {
                        detect = 0;
                } else if ((v = opt_value(c, &i, "--map"))) {
                        if (!*v)
                                return CLI_USAGE;
                        o.map = v;
                } else if ((v = opt_value(c, &i, "--format"))) {
                        int f = ingest_format_parse(v);

                        if (f < 0) {
                                cli_errorf("import: --format: expected csv or jsonl, got '%s'", v);
                                return CLI_USAGE;
                        }
                        o.format = (enum ingest_format)f;
                } else if ((v = opt_value(c, &i, "--delimiter"))) {
                        if (strcmp(v, "tab") == 0 || strcmp(v, "\\t") == 0)
                                o.delimiter = '\t';
                        else if (strlen(v) == 1)
                                o.delimiter = v[0];
                        else {
                                cli_errorf("import: --delimiter: expected one character or "
                                           "'tab', got '%s'",
                                           v);
                                return CLI_USAGE;
                        }
                } else if ((v = opt_value(c, &i, "--batch"))) {
                        if (parse_size(v, INGEST_BATCH_MAX, &n)) {
                                cli_errorf("import: --batch: expected a number from 1 to %d, got "
                                           "'%s'",
                                           INGEST_BATCH_MAX, v);
                                return CLI_USAGE;
                        }
                        o.batch = (size_t)n;
                } else if ((v = opt_value(c, &i, "--max-record"))) {
                        if (parse_size(v, 1ull << 30, &n)) {
                                cli_errorf("import: --max-record: expected bytes from 1 to "
                                           "1073741824, got '%s'",
                                           v);
                                return CLI_USAGE;
                        }
                        o.max_record = (size_t)n;
                } else if (a[0] == '-' && a[1] != '\0') {
                        cli_errorf("import: unknown option '%s'", a);
                        usage(stderr);
                        return CLI_USAGE;
                } else if (!kind) {
                        kind = a;
                } else if (!path) {
                        path = a;
                } else {
                        cli_errorf("import: unexpected argument '%s'", a);
                        usage(stderr);
                        return CLI_USAGE;
                }
        }
        if (!kind || !path) {
                cli_errorf("import: %s", !kind ? "missing KIND and FILE" : "missing FILE");
                usage(stderr);
                return CLI_USAGE;
        }
        if ((kind_i = ingest_kind_parse(kind)) < 0) {
                cli_errorf("import: unknown kind '%s' (use accounts, people, subscriptions, "
                           "interactions, feedback, objectives or capabilities)",
                           kind);
                return CLI_USAGE;
        }
        o.kind = (enum ingest_kind)kind_i;
        if (access(path, R_OK) != 0) {
                cli_errorf("import: cannot read %s: %s", path, strerror(errno));
                return CLI_FAIL;
        }
        if (durability < 0 && (durability = config_durability(c->config_path)) < 0)
                return CLI_USAGE;
        u.tty = isatty(STDERR_FILENO);
        o.on_reject = on_reject;
        o.on_batch = log_batches ? on_batch : NULL;
        o.on_progress = u.tty ? on_progress : NULL;
        o.ctx = &u;
        if (open_store(c, &o, durability, &s) != CLI_OK)
                return CLI_FAIL;
        app_ctx_cli(&ctx, s, NULL, who, sizeof(who));
        rc = app_import(&ctx, path, &o, &sum, &err);
        clear_bar(&u);
        store_close(s);
        if (rc) {
                cli_report_at("import", &err, import_flags);
                if (rc == CXG_ERR_USAGE)
                        return CLI_USAGE;
                if (sum.rejects_path[0])
                        fprintf(stderr, "import: rejected rows so far are in %s\n",
                                sum.rejects_path);
                return CLI_FAIL;
        }
        report(path, &o, &sum, &u);
        ret = sum.rejected ? CLI_REJECTS : CLI_OK;
        if (json) {
                struct cxg_buf b;

                cxg_buf_init(&b, 0);
                if (ingest_summary_json(&sum, path, &b) == CXG_OK)
                        printf("%s\n", b.data);
                else
                        ret = CLI_FAIL;
                cxg_buf_release(&b);
        }
        /* early warning on the new data; its failure does not undo a finished import */
        if (detect && !o.dry_run && ret != CLI_FAIL && (sum.inserted || sum.updated) &&
            cli_detect_after_import(c) != CLI_OK)
                fprintf(stderr, "import: the rows are stored; detection failed (run "
                                "`cxgarden detect` to retry)\n");
        return ret;
}
