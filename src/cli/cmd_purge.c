/*
 * cmd_purge.c: `cxgarden [--db PATH] purge interactions (--older-than DAYS | --before DATE)
 * [--dry-run] [--yes] [--actor NAME]`: the retention policy. Without either option the age
 * comes from `[retention] interactions_days` in --config. Deletes through
 * store_purge_interactions (src/store/store_privacy.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app/privacy.h"
#include "cli/cli.h"
#include "core/banned.h"
#include "core/config.h"
#include "core/parse.h"
#include "core/timeconst.h"
#include "store/store.h"

static void usage(FILE *f)
{
        fprintf(f,
                "usage: cxgarden [--db PATH] purge interactions (--older-than DAYS | --before "
                "DATE) [--dry-run] [--yes] [--actor NAME]\n"
                "\n"
                "Delete interactions older than DAYS days (or before DATE, ISO 8601), for a\n"
                "retention policy. Without either option, DAYS is [retention] interactions_days\n"
                "of --config. --dry-run counts them; --yes is needed to delete. The audit log\n"
                "records the purge (by NAME, default: cli:$USER).\n");
}

/* whole days in 1..36500, with an optional 'd' */
static int parse_days(const char *v, long *out)
{
        char *end;

        errno = 0;
        *out = v && *v != '-' ? strtol(v, &end, 10) : 0;
        if (!v || errno || end == v || (*end && strcmp(end, "d") != 0) || *out < 1 || *out > 36500)
                return -1;
        return 0;
}

int cli_purge(struct cli *c)
{
        const char *older = NULL, *before = NULL, *actor = NULL, *what = NULL;
        struct cxg_error err;
        struct app_ctx ctx;
        char who[128];
        struct store *s = NULL;
        int64_t cut, n = 0;
        int dry = 0, yes = 0;
        enum cxg_err rc;
        char when[40];
        long days = 0;

        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];

                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout);
                        return CLI_OK;
                } else if (strcmp(a, "--dry-run") == 0) {
                        dry = 1;
                } else if (strcmp(a, "--yes") == 0) {
                        yes = 1;
                } else if (i + 1 < c->argc && strcmp(a, "--older-than") == 0) {
                        older = c->argv[++i];
                } else if (i + 1 < c->argc && strcmp(a, "--before") == 0) {
                        before = c->argv[++i];
                } else if (i + 1 < c->argc && strcmp(a, "--actor") == 0) {
                        actor = c->argv[++i];
                } else if (a[0] == '-' || what) {
                        cli_errorf("purge: unexpected argument '%s'", a);
                        usage(stderr);
                        return CLI_USAGE;
                } else {
                        what = a;
                }
        }
        if (!what || strcmp(what, "interactions") != 0) {
                cli_errorf("purge: %s", what ? "only interactions can be purged"
                                             : "missing what to purge (interactions)");
                usage(stderr);
                return CLI_USAGE;
        }
        if (older && before) {
                cli_errorf("purge: give --older-than or --before, not both");
                return CLI_USAGE;
        }
        cxg_error_clear(&err);
        if (before) {
                if (cxg_parse_time(before, strlen(before), &cut, &err)) {
                        cli_errorf("purge: --before: %s", err.msg);
                        return CLI_USAGE;
                }
        } else {
                if (!older && c->config_path) {
                        struct cxg_config cfg;

                        cxg_config_init(&cfg);
                        rc = cxg_config_load(&cfg, c->config_path, &err);
                        if (!rc)
                                rc = cxg_config_long(&cfg, "retention.interactions_days", 0, 0,
                                                     36500, &days, &err);
                        cxg_config_release(&cfg);
                        if (rc) {
                                cli_errorf("purge: %s", err.msg);
                                return CLI_USAGE;
                        }
                } else if (older && parse_days(older, &days)) {
                        cli_errorf("purge: --older-than: expected days from 1 to 36500, got '%s'",
                                   older);
                        return CLI_USAGE;
                }
                if (!days) {
                        cli_errorf("purge: give --older-than DAYS or --before DATE (or [retention] "
                                   "interactions_days in --config)");
                        return CLI_USAGE;
                }
                cut = (int64_t)time(NULL) - (int64_t)days * CXG_DAY;
        }
        if (!dry && !yes) {
                cli_errorf("purge: this deletes every interaction before %s for good; add --yes "
                           "to confirm (or --dry-run to count them)",
                           cxg_time_format(cut, when));
                return CLI_USAGE;
        }
        if (!(rc = store_open(c->db_path, dry ? STORE_READONLY : 0, &s, &err))) {
                app_ctx_cli(&ctx, s, NULL, who, sizeof(who));
                if (actor)
                        ctx.actor = actor;
                rc = app_purge_interactions(&ctx, cut, dry, &n, &err);
        }
        if (rc) {
                cli_errorf("purge: %s", err.msg);
                store_close(s);
                return CLI_FAIL;
        }
        store_close(s);
        printf("purge: %lld interactions before %s %s\n", (long long)n, cxg_time_format(cut, when),
               dry ? "would be deleted (dry run)" : "deleted");
        return CLI_OK;
}
