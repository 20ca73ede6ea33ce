/*
 * cmd_ledger.c: `cxgarden ledger ...`: the incentive ledger of customer gardens from the
 * command line (entries, leaderboards, trends, the points table, manual credits).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/gardens.h"
#include "app/view_gardens.h"
#include "cli/cli.h"
#include "cli/cmd_gardens.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"
#include "engine/gardens_ledger.h"
#include "store/store_gardens.h"

/* ---- ledger ---- */

static void ledger_usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] ledger list [--garden GARDEN] [--json]\n"
                   "       cxgarden ledger leaderboard [--garden GARDEN] [--by "
                   "person|team|garden|group] [--since DATE]\n"
                   "                [--until DATE] [--limit N] [--json]\n"
                   "       cxgarden ledger trend [--garden GARDEN] [--json]\n"
                   "       cxgarden ledger points [KIND POINTS --as USER]\n"
                   "       cxgarden ledger credit (--user NAME | --person ID) KIND --cause TYPE "
                   "[--cause-id N]\n"
                   "                [--garden GARDEN] [--note TEXT] --as USER\n"
                   "\nkinds: promotion, enabling, sponsoring, participation, idea, feedback\n");
}

static enum cxg_err ledger_list_cb(void *ctx, const struct store_ledger_row *l)
{
        json_t *arr = ctx;
        char d[32];

        if (arr)
                return json_array_append_new(arr, view_garden_ledger(l)) ? CXG_ERR_NOMEM : CXG_OK;
        printf("%-6lld %s %-16s %-12s %-14s %-13s %4d  %s #%lld\n", (long long)l->id,
               cxg_time_format(l->at, d), l->user ? l->user : l->person, l->team,
               l->garden ? l->garden : "-", model_ledger_kind_name(l->kind), l->points,
               l->cause_type, (long long)l->cause_id);
        return CXG_OK;
}

static int garden_opt(struct store *st, const char *cmd, const char *key, int64_t *gid)
{
        struct cxg_error err;

        *gid = 0;
        if (!key)
                return CLI_OK;
        cxg_error_clear(&err);
        if (store_garden_id(st, key, gid, &err))
                return gcli_fail(cmd, &err);
        return CLI_OK;
}

static int ledger_list(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"garden", 1, NULL}, {"json", 0, NULL}};
        const char *pos[1] = {NULL};
        size_t npos;
        struct store *st = NULL;
        struct cxg_error err;
        json_t *arr = NULL;
        int64_t gid;
        int rc;

        if ((rc = gcli_parse("ledger list", argc, argv, 2, o, 2, pos, 0, &npos)) ||
            (rc = gcli_open(c, "ledger list", 0, &st)))
                return rc;
        if ((rc = garden_opt(st, "ledger list", o[0].val, &gid))) {
                store_close(st);
                return rc;
        }
        if (o[1].val && !(arr = json_array())) {
                store_close(st);
                return gcli_print_json(NULL);
        }
        if (!arr)
                printf("%-6s %-20s %-16s %-12s %-14s %-13s %4s  %s\n", "id", "at", "who", "team",
                       "garden", "kind", "pts", "cause");
        cxg_error_clear(&err);
        if (store_ledger_scan(st, gid, ledger_list_cb, arr, &err)) {
                json_decref(arr);
                store_close(st);
                return gcli_fail("ledger list", &err);
        }
        store_close(st);
        return arr ? gcli_print_json(arr) : CLI_OK;
}

static int ledger_leaderboard(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"garden", 1, NULL}, {"by", 1, NULL},    {"since", 1, NULL},
                               {"until", 1, NULL},  {"limit", 1, NULL}, {"json", 0, NULL}};
        size_t no = sizeof(o) / sizeof(o[0]), npos, limit = 20;
        const char *pos[1] = {NULL};
        struct store *st = NULL;
        struct cxg_error err;
        struct eng_garden_board b;
        int64_t gid, since, until, lim = 20;
        int rc, by = ENG_GARDEN_BY_PERSON;

        if ((rc = gcli_parse("ledger leaderboard", argc, argv, 2, o, no, pos, 0, &npos)) ||
            (rc = gcli_time("ledger leaderboard", "since", gcli_val(o, no, "since"), &since)) ||
            (rc = gcli_time("ledger leaderboard", "until", gcli_val(o, no, "until"), &until)))
                return rc;
        if (gcli_val(o, no, "by") && (by = eng_garden_by_parse(gcli_val(o, no, "by"))) < 0) {
                cli_errorf("ledger leaderboard: --by person, team, garden or group");
                return CLI_USAGE;
        }
        cxg_error_clear(&err);
        if (gcli_val(o, no, "limit") &&
            (cxg_parse_int64(gcli_val(o, no, "limit"), strlen(gcli_val(o, no, "limit")), &lim,
                             &err) ||
             lim < 0)) {
                cli_errorf("ledger leaderboard: --limit must be a number >= 0");
                return CLI_USAGE;
        }
        limit = (size_t)lim;
        if ((rc = gcli_open(c, "ledger leaderboard", 0, &st)))
                return rc;
        if ((rc = garden_opt(st, "ledger leaderboard", gcli_val(o, no, "garden"), &gid))) {
                store_close(st);
                return rc;
        }
        eng_garden_board_init(&b);
        if (eng_garden_leaderboard(st, gid, by, since, until, &b, &err)) {
                eng_garden_board_release(&b);
                store_close(st);
                return gcli_fail("ledger leaderboard", &err);
        }
        store_close(st);
        if (gcli_val(o, no, "json")) {
                rc = gcli_print_json(view_garden_board(&b, by, limit));
        } else {
                printf("%-4s %-24s %7s %7s %6s", "rank", eng_garden_by_name(by), "points",
                       "entries", "share");
                for (int k = 0; k < LEDGER__COUNT; k++)
                        printf(" %13s", model_ledger_kind_name(k));
                printf("\n");
                for (size_t i = 0; i < b.n && (!limit || i < limit); i++) {
                        const struct eng_garden_board_row *r = &b.rows[i];

                        printf("%-4zu %-24.24s %7lld %7lld %5.1f%%", i + 1, r->key,
                               (long long)r->points, (long long)r->entries,
                               b.total_points ? 100.0 * (double)r->points / (double)b.total_points
                                              : 0.0);
                        for (int k = 0; k < LEDGER__COUNT; k++)
                                printf(" %13lld", (long long)r->by_kind[k]);
                        printf("\n");
                }
                printf("total: %lld points in %lld entries\n", (long long)b.total_points,
                       (long long)b.total_entries);
        }
        eng_garden_board_release(&b);
        return rc;
}

static int ledger_trend(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"garden", 1, NULL}, {"json", 0, NULL}};
        const char *pos[1] = {NULL};
        size_t npos;
        struct store *st = NULL;
        struct cxg_error err;
        struct eng_garden_trend t;
        int64_t gid;
        int rc;
        char d[16];

        if ((rc = gcli_parse("ledger trend", argc, argv, 2, o, 2, pos, 0, &npos)) ||
            (rc = gcli_open(c, "ledger trend", 0, &st)))
                return rc;
        if ((rc = garden_opt(st, "ledger trend", o[0].val, &gid))) {
                store_close(st);
                return rc;
        }
        eng_garden_trend_init(&t);
        cxg_error_clear(&err);
        if (eng_garden_support_trend(st, gid, &t, &err)) {
                eng_garden_trend_release(&t);
                store_close(st);
                return gcli_fail("ledger trend", &err);
        }
        store_close(st);
        if (o[1].val) {
                rc = gcli_print_json(view_garden_trend(&t));
        } else {
                printf("engagement support (ledger points per month)\n%-8s %9s %9s %9s %9s\n",
                       "month", "internal", "external", "board", "total");
                for (size_t i = 0; i < t.n_months; i++) {
                        int64_t *p = t.points[i];

                        cxg_date_format(cxg_month_start(t.month0 + (int64_t)i), d);
                        d[7] = '\0';
                        printf("%-8s %9lld %9lld %9lld %9lld\n", d, (long long)p[0],
                               (long long)p[1], (long long)p[2], (long long)(p[0] + p[1] + p[2]));
                }
                printf("%-8s %9lld %9lld %9lld %9lld\n", "total", (long long)t.total[0],
                       (long long)t.total[1], (long long)t.total[2],
                       (long long)(t.total[0] + t.total[1] + t.total[2]));
        }
        eng_garden_trend_release(&t);
        return rc;
}

static int ledger_points(struct cli *c, int argc, char **argv)
{
        struct app_ctx ac;
        struct gcli_opt o[] = {{"as", 1, NULL}, {"json", 0, NULL}};
        const char *pos[2] = {NULL};
        size_t npos;
        struct store *st = NULL;
        struct garden_actor who;
        struct cxg_error err;
        int pts[LEDGER__COUNT], rc, kind;
        int64_t v;

        if ((rc = gcli_parse("ledger points", argc, argv, 2, o, 2, pos, 2, &npos)))
                return rc;
        if (npos == 1) {
                cli_errorf("ledger points: give KIND and POINTS to change the table");
                return CLI_USAGE;
        }
        cxg_error_clear(&err);
        if (npos == 2) {
                kind = model_ledger_kind_parse(pos[0], strlen(pos[0]));
                if (kind < 0) {
                        cli_errorf("ledger points: unknown kind '%s'", pos[0]);
                        return CLI_USAGE;
                }
                if (cxg_parse_int64(pos[1], strlen(pos[1]), &v, &err) || v < 0 || v > 1000) {
                        cli_errorf("ledger points: POINTS must be 0-1000");
                        return CLI_USAGE;
                }
                if ((rc = gcli_open(c, "ledger points", 1, &st)))
                        return rc;
                if ((rc = gcli_actor(st, "ledger points", o[0].val, &who))) {
                        store_close(st);
                        return rc;
                }
                if (gcli_ctx(c, "ledger points", st, &ac) ||
                    app_ledger_points_set(&ac, &who, kind, (int)v, &err)) {
                        store_close(st);
                        return gcli_fail("ledger points", &err);
                }
        } else if ((rc = gcli_open(c, "ledger points", 0, &st))) {
                return rc;
        }
        if (store_ledger_points(st, pts, &err)) {
                store_close(st);
                return gcli_fail("ledger points", &err);
        }
        store_close(st);
        if (o[1].val) {
                json_t *j = json_object();

                for (int k = 0; j && k < LEDGER__COUNT; k++)
                        if (json_object_set_new(j, model_ledger_kind_name(k),
                                                json_integer(pts[k]))) {
                                json_decref(j);
                                j = NULL;
                        }
                return gcli_print_json(j);
        }
        for (int k = 0; k < LEDGER__COUNT; k++)
                printf("%-14s %4d\n", model_ledger_kind_name(k), pts[k]);
        return CLI_OK;
}

static int ledger_credit(struct cli *c, int argc, char **argv)
{
        struct app_ctx ac;
        struct gcli_opt o[] = {{"user", 1, NULL},     {"person", 1, NULL}, {"cause", 1, NULL},
                               {"cause-id", 1, NULL}, {"garden", 1, NULL}, {"note", 1, NULL},
                               {"as", 1, NULL}};
        size_t no = sizeof(o) / sizeof(o[0]), npos;
        const char *pos[1] = {NULL};
        struct store *st = NULL;
        struct garden_actor who;
        struct cxg_error err;
        int64_t gid = 0, cid = 0, lid;
        int rc, kind;

        if ((rc = gcli_parse("ledger credit", argc, argv, 2, o, no, pos, 1, &npos)))
                return rc;
        if (npos != 1 || (kind = model_ledger_kind_parse(pos[0], strlen(pos[0]))) < 0) {
                cli_errorf("ledger credit: give a KIND (promotion, enabling, sponsoring, "
                           "participation, idea, feedback)");
                return CLI_USAGE;
        }
        cxg_error_clear(&err);
        if (gcli_val(o, no, "cause-id") &&
            cxg_parse_int64(gcli_val(o, no, "cause-id"), strlen(gcli_val(o, no, "cause-id")), &cid,
                            &err)) {
                cli_errorf("ledger credit: --cause-id must be a number");
                return CLI_USAGE;
        }
        if ((rc = gcli_open(c, "ledger credit", 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, "ledger credit", gcli_val(o, no, "as"), &who)) ||
            (rc = garden_opt(st, "ledger credit", gcli_val(o, no, "garden"), &gid))) {
                store_close(st);
                return rc;
        }
        if (gcli_ctx(c, "ledger credit", st, &ac) ||
            app_ledger_credit(&ac, &who, gid, gcli_val(o, no, "user"), gcli_val(o, no, "person"),
                              kind, gcli_val(o, no, "cause"), cid, gcli_val(o, no, "note"), &lid,
                              &err)) {
                store_close(st);
                return gcli_fail("ledger credit", &err);
        }
        store_close(st);
        printf("ledger entry %lld: %s credited to %s\n", (long long)lid, pos[0],
               gcli_val(o, no, "user") ? gcli_val(o, no, "user") : gcli_val(o, no, "person"));
        return CLI_OK;
}

int cli_ledger(struct cli *c)
{
        const char *sub = c->argc > 1 ? c->argv[1] : NULL;

        if (!sub) {
                ledger_usage(stderr);
                return CLI_USAGE;
        }
        if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
                ledger_usage(stdout);
                return CLI_OK;
        }
        if (strcmp(sub, "list") == 0)
                return ledger_list(c, c->argc, c->argv);
        if (strcmp(sub, "leaderboard") == 0)
                return ledger_leaderboard(c, c->argc, c->argv);
        if (strcmp(sub, "trend") == 0)
                return ledger_trend(c, c->argc, c->argv);
        if (strcmp(sub, "points") == 0)
                return ledger_points(c, c->argc, c->argv);
        if (strcmp(sub, "credit") == 0)
                return ledger_credit(c, c->argc, c->argv);
        cli_errorf("ledger: unknown subcommand '%s'", sub);
        ledger_usage(stderr);
        return CLI_USAGE;
}
