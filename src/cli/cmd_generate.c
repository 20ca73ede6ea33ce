/*
 * cmd_generate.c: `cxgarden generate`: make a demo company with planted scenarios (see
 * src/ingest/gen.h and docs/generator.md), write it to the database and its ground truth to
 * PATH.manifest.json, print progress and a summary on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/parse.h"
#include "ingest/gen.h"
#include "store/store.h"

#include "core/banned.h"

static const char usage_text[] =
    "usage: cxgarden [--db PATH] generate [--seed N] [--scale X] [--months M] [--end DATE]\n"
    "                                     [--activity X] [--control] [--force] [--json]\n"
    "                                     [--manifest FILE]\n"
    "\n"
    "Generate a deterministic demo company (scale 1: ~2,000 accounts, 15,000 people,\n"
    "5M interactions, 20,000 survey answers over 24 months) with five planted scenarios,\n"
    "and write their ground truth to PATH.manifest.json (a PostgreSQL --db: to --manifest).\n"
    "\n"
    "  --seed N       random seed (default 1); the same seed and options give the same data\n"
    "  --scale X      size multiplier, (0, 1000] (default 1; 20 gives ~100M interactions)\n"
    "  --months M     length of the window, 12..120 (default 24)\n"
    "  --end DATE     end of the window (exclusive), rounded down to the first of its month\n"
    "                 (default 2026-11-01)\n"
    "  --activity X   multiplies interaction and survey volume only, (0, 100] (default 1)\n"
    "  --control      the same company without the planted effects\n"
    "  --force        when the database already holds accounts, delete the database file\n"
    "                 (and its -wal/-shm files: all data, users and tokens) and start over\n"
    "  --json         print the summary as JSON on stdout\n"
    "  --manifest FILE  write the ground truth to FILE instead\n";

struct progress {
        int tty;
        double last;
        const char *phase;
};

static void on_progress(void *ctx, const char *phase, double done, int64_t n)
{
        struct progress *p = ctx;

        if (!p->tty)
                return;
        if (p->phase != phase || done >= p->last + 0.01 || done >= 1) {
                fprintf(stderr, "\rgenerate: %-12s %5.1f%%  %lld interactions   ", phase,
                        done * 100, (long long)n);
                p->last = done;
                p->phase = phase;
        }
}

static int parse_double_arg(const char *name, const char *v, double *out)
{
        struct cxg_error e;

        if (cxg_parse_double(v, strlen(v), out, &e)) {
                cli_errorf("generate: %s: not a number: \"%s\"", name, v);
                return -1;
        }
        return 0;
}

static int remove_db(const char *path)
{
        static const char *const suffix[] = {"", "-wal", "-shm", "-journal", ".manifest.json"};
        char p[4096];

        for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
                if ((size_t)snprintf(p, sizeof(p), "%s%s", path, suffix[i]) >= sizeof(p)) {
                        cli_errorf("generate: database path too long");
                        return -1;
                }
                if (unlink(p) != 0 && errno != ENOENT) {
                        cli_errorf("generate: cannot delete %s: %s", p, strerror(errno));
                        return -1;
                }
        }
        return 0;
}

/*
 * Write the manifest to FILE (--manifest) or next to an SQLite database, through a temporary
 * file and a rename. A PostgreSQL address without --manifest gets none (path "").
 */
static int write_manifest(const char *db, const char *file, const struct cxg_buf *m, char *path,
                          size_t cap)
{
        char tmp[4200];
        FILE *f;

        if (!file && store_is_pg_url(db)) {
                path[0] = '\0';
                fprintf(stderr, "generate: no ground-truth file for a PostgreSQL --db (give "
                                "--manifest FILE for one)\n");
                return 0;
        }
        if ((size_t)snprintf(path, cap, file ? "%s" : "%s.manifest.json", file ? file : db) >=
                cap ||
            (size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp)) {
                cli_errorf("generate: database path too long for the manifest");
                return -1;
        }
        f = fopen(tmp, "wb");
        if (!f) {
                cli_errorf("generate: cannot write %s: %s", tmp, strerror(errno));
                return -1;
        }
        if (fwrite(m->data, 1, m->len, f) != m->len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
                cli_errorf("generate: cannot write %s: %s", tmp, strerror(errno));
                fclose(f);
                unlink(tmp);
                return -1;
        }
        if (fclose(f) != 0 || rename(tmp, path) != 0) {
                cli_errorf("generate: cannot write %s: %s", path, strerror(errno));
                unlink(tmp);
                return -1;
        }
        return 0;
}

/* The summary as one JSON object on stdout. */
static int print_json(const char *db, const char *mpath, const struct gen_options *o,
                      const struct gen_summary *sum)
{
        struct cxg_buf b;
        int rc = -1;

        cxg_buf_init(&b, 1 << 20);
        if (cxg_buf_puts(&b, "{\"db\": ") || cxg_buf_json_str(&b, db, strlen(db)) ||
            cxg_buf_puts(&b, ", \"manifest\": ") || cxg_buf_json_str(&b, mpath, strlen(mpath)) ||
            cxg_buf_printf(
                &b,
                ", \"seed\": %llu, \"scale\": %g, \"months\": %d, \"control\": %s, "
                "\"accounts\": %lld, \"people\": %lld, \"subscriptions\": %lld, "
                "\"interactions\": %lld, \"feedback\": %lld, \"objectives\": %lld, "
                "\"capabilities\": %lld, \"interaction_types\": %lld, "
                "\"seconds\": %.3f}\n",
                (unsigned long long)o->seed, o->scale, o->months, o->control ? "true" : "false",
                (long long)sum->accounts, (long long)sum->people, (long long)sum->subscriptions,
                (long long)sum->interactions, (long long)sum->feedback, (long long)sum->objectives,
                (long long)sum->capabilities, (long long)sum->interaction_types, sum->seconds)) {
                cli_errorf("generate: out of memory");
                goto done;
        }
        fputs(b.data, stdout);
        rc = 0;
done:
        cxg_buf_release(&b);
        return rc;
}

/* The database to generate into: empty, or emptied with --force. */
static int open_empty(struct cli *c, int force, struct store **s)
{
        struct store_counts counts;
        struct cxg_error err;

        cxg_error_clear(&err);
        if (store_open(c->db_path, 0, s, &err) || store_counts(*s, &counts, &err)) {
                cli_errorf("generate: %s: %s", c->db_path, err.msg);
                return CLI_FAIL;
        }
        if (counts.accounts == 0)
                return CLI_OK;
        if (!force) {
                cli_errorf("generate: %s already holds %lld accounts; refusing to "
                           "generate into it. Use another --db, or --force to delete "
                           "%s and generate a new company",
                           c->db_path, (long long)counts.accounts, c->db_path);
                return CLI_FAIL;
        }
        if (store_is_pg_url(c->db_path)) {
                cli_errorf("generate: --force cannot delete a PostgreSQL database that holds "
                           "%lld accounts: drop and create it, or use another --db",
                           (long long)counts.accounts);
                return CLI_FAIL;
        }
        fprintf(stderr, "generate: --force: deleting %s (%lld accounts)\n", c->db_path,
                (long long)counts.accounts);
        store_close(*s);
        *s = NULL;
        if (remove_db(c->db_path))
                return CLI_FAIL;
        if (store_open(c->db_path, 0, s, &err)) {
                cli_errorf("generate: %s: %s", c->db_path, err.msg);
                return CLI_FAIL;
        }
        return CLI_OK;
}

int cli_generate(struct cli *c)
{
        struct gen_options o;
        struct gen_summary sum;
        struct cxg_error err;
        struct cxg_buf man;
        struct store *s = NULL;
        struct progress prog = {0};
        char mpath[4200], d1[16];
        const char *manifest = NULL;
        int force = 0, json = 0, rc = CLI_FAIL;
        enum cxg_err e;

        gen_options_init(&o);
        cxg_buf_init(&man, 0);
        cxg_error_clear(&err);
        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i], *v = i + 1 < c->argc ? c->argv[i + 1] : NULL;

                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        fputs(usage_text, stdout);
                        return CLI_OK;
                } else if (strcmp(a, "--control") == 0) {
                        o.control = 1;
                } else if (strcmp(a, "--force") == 0) {
                        force = 1;
                } else if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--manifest") == 0 && v) {
                        manifest = v;
                        i++;
                } else if (strcmp(a, "--seed") == 0 || strcmp(a, "--scale") == 0 ||
                           strcmp(a, "--months") == 0 || strcmp(a, "--end") == 0 ||
                           strcmp(a, "--activity") == 0) {
                        if (!v) {
                                cli_errorf("generate: %s needs a value", a);
                                return CLI_USAGE;
                        }
                        i++;
                        if (strcmp(a, "--seed") == 0) {
                                int64_t n;
                                if (cxg_parse_int64(v, strlen(v), &n, &err) || n < 0) {
                                        cli_errorf("generate: --seed: not a whole number >= 0: "
                                                   "\"%s\"",
                                                   v);
                                        return CLI_USAGE;
                                }
                                o.seed = (uint64_t)n;
                        } else if (strcmp(a, "--months") == 0) {
                                int64_t n;
                                if (cxg_parse_int64(v, strlen(v), &n, &err) || n < 12 || n > 120) {
                                        cli_errorf("generate: --months: must be a whole number "
                                                   "from 12 to 120: \"%s\"",
                                                   v);
                                        return CLI_USAGE;
                                }
                                o.months = (int)n;
                        } else if (strcmp(a, "--end") == 0) {
                                int64_t t;
                                if (cxg_parse_time(v, strlen(v), &t, &err)) {
                                        cli_errorf("generate: --end: %s", err.msg);
                                        return CLI_USAGE;
                                }
                                o.end = gen_month_floor(t);
                        } else {
                                double x;
                                if (parse_double_arg(a, v, &x))
                                        return CLI_USAGE;
                                if (strcmp(a, "--scale") == 0)
                                        o.scale = x;
                                else
                                        o.activity = x;
                        }
                } else {
                        cli_errorf("generate: unknown option '%s'", a);
                        fputs(usage_text, stderr);
                        return CLI_USAGE;
                }
        }
        if (!(o.scale > 0 && o.scale <= 1000)) {
                cli_errorf("generate: --scale must be in (0, 1000]");
                return CLI_USAGE;
        }
        if (!(o.activity > 0 && o.activity <= 100)) {
                cli_errorf("generate: --activity must be in (0, 100]");
                return CLI_USAGE;
        }

        if (open_empty(c, force, &s) != CLI_OK)
                goto done;

        prog.tty = isatty(fileno(stderr));
        o.progress = on_progress;
        o.progress_ctx = &prog;
        fprintf(stderr, "generate: seed %llu, scale %g, %d months ending %s%s into %s\n",
                (unsigned long long)o.seed, o.scale, o.months, cxg_date_format(o.end, d1),
                o.control ? ", control (no planted effects)" : "", c->db_path);
        e = gen_run(s, &o, &sum, &man, &err);
        if (prog.tty)
                fputc('\n', stderr);
        if (e) {
                static const struct cli_flag flags[] = {{"force", "force"}, {NULL, NULL}};

                cli_report_at(NULL, &err, flags);
                if (e != CXG_ERR_CONFLICT && e != CXG_ERR_USAGE)
                        cli_errorf("generate: %s may hold a partial company (meta "
                                   "generator.complete = 0); run again with --force",
                                   c->db_path);
                rc = e == CXG_ERR_USAGE ? CLI_USAGE : CLI_FAIL;
                goto done;
        }
        if (write_manifest(c->db_path, manifest, &man, mpath, sizeof(mpath)))
                goto done;
        fprintf(stderr,
                "generate: %lld accounts, %lld people, %lld subscriptions, %lld interactions, "
                "%lld survey answers, %lld objectives, %lld capabilities, %lld interaction "
                "types in %.1f s (%.0f interactions/s)\n",
                (long long)sum.accounts, (long long)sum.people, (long long)sum.subscriptions,
                (long long)sum.interactions, (long long)sum.feedback, (long long)sum.objectives,
                (long long)sum.capabilities, (long long)sum.interaction_types, sum.seconds,
                sum.seconds > 0 ? (double)sum.interactions / sum.seconds : 0);
        if (mpath[0])
                fprintf(stderr, "generate: ground truth in %s\n", mpath);
        if (json && print_json(c->db_path, mpath, &o, &sum))
                goto done;
        rc = CLI_OK;
done:
        store_close(s);
        cxg_buf_release(&man);
        return rc;
}
