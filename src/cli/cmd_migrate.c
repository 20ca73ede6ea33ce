/*
 * cmd_migrate.c: `cxgarden migrate --from A --to B [--replace] [--verify-only]`: copy a whole
 * store (SQLite path or PostgreSQL address on either side) and print, per table, the row
 * count and checksum on both sides (app/migrate.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/migrate.h"
#include "cli/cli.h"
#include "core/alloc.h"
#include "core/banned.h"

static void usage(FILE *f)
{
        fprintf(f,
                "usage: cxgarden migrate --from SOURCE --to TARGET [--replace] [--verify-only]\n"
                "\n"
                "Copy every table of the store SOURCE into TARGET (each a SQLite path or a\n"
                "postgresql:// address), with its ids, in one transaction on TARGET, then check\n"
                "each table's row count and checksum on both sides; nothing is committed when\n"
                "one differs. TARGET must be empty unless --replace. --verify-only compares\n"
                "the two stores without copying. TARGET keeps its own store id (see\n"
                "docs/operations.md, \"Moving a store\").\n");
}

/* addr with its password ("user:secret@", "password=secret") replaced by "***", into out. */
static const char *redact(const char *addr, char *out, size_t cap)
{
        const char *scheme = strstr(addr, "://"), *at = scheme ? strchr(scheme + 3, '@') : NULL;
        const char *colon = at ? memchr(scheme + 3, ':', (size_t)(at - scheme - 3)) : NULL;
        const char *pw;
        size_t n = 0;

        if (colon)
                n = (size_t)snprintf(out, cap, "%.*s:***", (int)(colon - addr), addr), addr = at;
        pw = strstr(addr, "password=");
        if (pw) {
                const char *end = strchr(pw, '&');

                snprintf(out + n, cap - n, "%.*spassword=***%s", (int)(pw - addr), addr,
                         end ? end : "");
        } else {
                snprintf(out + n, cap - n, "%s", addr);
        }
        return out;
}

static void print_report(const struct store_migrate_report *r)
{
        printf("%-20s %10s %10s  %-16s %-16s\n", "table", "source", "target", "checksum(source)",
               "checksum(target)");
        for (size_t i = 0; i < r->n; i++) {
                const struct store_table_sum *a = &r->from[i], *b = &r->to[i];
                int same = a->rows == b->rows && a->sum[0] == b->sum[0] && a->sum[1] == b->sum[1];

                printf("%-20s %10" PRId64 " %10" PRId64 "  %016" PRIx64 " %016" PRIx64 "  %s\n",
                       a->table, a->rows, b->rows, a->sum[0] ^ a->sum[1], b->sum[0] ^ b->sum[1],
                       same ? "ok" : "DIFFERS");
        }
}

int cli_migrate(struct cli *c)
{
        const char *from = NULL, *to = NULL;
        struct store_migrate_report *rep;
        struct cxg_error err;
        unsigned flags = 0;
        int verify_only = 0, code;
        char fa[1024], ta[1024];
        enum cxg_err rc;

        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout);
                        return CLI_OK;
                } else if (strcmp(a, "--replace") == 0) {
                        flags |= STORE_MIGRATE_REPLACE;
                } else if (strcmp(a, "--verify-only") == 0) {
                        verify_only = 1;
                } else if (i + 1 < c->argc && strcmp(a, "--from") == 0) {
                        from = c->argv[++i];
                } else if (i + 1 < c->argc && strcmp(a, "--to") == 0) {
                        to = c->argv[++i];
                } else {
                        cli_errorf("migrate: unexpected argument '%s'", a);
                        usage(stderr);
                        return CLI_USAGE;
                }
        }
        if (!from || !to || !*from || !*to) {
                cli_errorf("migrate: give both --from SOURCE and --to TARGET");
                usage(stderr);
                return CLI_USAGE;
        }
        rep = cxg_calloc(1, sizeof(*rep));
        if (!rep) {
                cli_errorf("migrate: out of memory");
                return CLI_FAIL;
        }
        cxg_error_clear(&err);
        rc = verify_only ? app_migrate_verify(from, to, rep, &err)
                         : app_migrate(from, to, flags, rep, &err);
        if (rep->n)
                print_report(rep);
        code = rc == CXG_OK ? CLI_OK : rc == CXG_ERR_USAGE ? CLI_USAGE : CLI_FAIL;
        if (rc)
                cli_errorf("%s", err.msg);
        else if (verify_only)
                printf("migrate: %s and %s hold the same data\n", redact(from, fa, sizeof(fa)),
                       redact(to, ta, sizeof(ta)));
        else
                printf("migrate: %" PRId64 " rows copied from %s to %s and verified\n", rep->copied,
                       redact(from, fa, sizeof(fa)), redact(to, ta, sizeof(ta)));
        cxg_free(rep);
        return code;
}
