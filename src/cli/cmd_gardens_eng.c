/*
 * cmd_gardens_eng.c: the garden subcommands that need analytics: `gardens impact`,
 * `gardens suggest`, `gardens seed-demo`, `ideas results`, `ideas rollout` and
 * `ideas rollout-report`. They build a garden panel (engine/gardens.h) from the store.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cmd_engine.h"
#include "cli/cmd_gardens.h"
#include "core/alloc.h"
#include "core/banned.h"
#include "core/config.h"
#include "core/parse.h"
#include "app/gardens.h"
#include "app/view_gardens.h"
#include "engine/gardens.h"
#include "engine/gardens_suggest.h"
#include "store/store_gardens.h"

static int parse_long(const char *cmd, const char *opt, const char *s, long min, long max,
                      long *out)
{
        int64_t v;
        struct cxg_error err;

        if (!s)
                return CLI_OK;
        cxg_error_clear(&err);
        if (cxg_parse_int64(s, strlen(s), &v, &err) || v < min || v > max) {
                cli_errorf("%s: --%s must be a number from %ld to %ld", cmd, opt, min, max);
                return CLI_USAGE;
        }
        *out = (long)v;
        return CLI_OK;
}

static void est_line(const char *name, const struct eng_garden_est *e, int percent)
{
        double k = percent ? 100 : 1;

        if (isnan(e->diff)) {
                printf("%-22s %10s %11s %12s   (not enough data)\n", name, "-", "-", "-");
                return;
        }
        if (percent)
                printf("%-22s %9.1f%% %10.1f%% %+9.1f pts   [%+.1f, %+.1f]\n", name, e->v1 * k,
                       e->v0 * k, e->diff * k, e->lo * k, e->hi * k);
        else
                printf("%-22s %10.2f %11.2f %+12.2f   [%+.2f, %+.2f]\n", name, e->v1, e->v0,
                       e->diff, e->lo, e->hi);
}

int gcli_gardens_impact(struct cli *c, int argc, char **argv)
{
        const char *cmd = "gardens impact";
        struct gcli_opt o[] = {{"segment", 1, NULL}, {"bands", 1, NULL}, {"json", 0, NULL}};
        size_t no = 3, npos;
        const char *pos[1] = {NULL};
        struct store *st = NULL;
        struct eng_garden_impact im;
        struct app_ctx ac;
        struct cxg_error err;
        long bands = APP_GARDENS_BANDS;
        int rc;

        if ((rc = gcli_parse(cmd, argc, argv, 2, o, no, pos, 1, &npos)) ||
            (rc = parse_long(cmd, "bands", gcli_val(o, no, "bands"), 1, ENG_GARDEN_MAX_BANDS,
                             &bands)) ||
            (rc = gcli_open(c, cmd, 0, &st)))
                return rc;
        cxg_error_clear(&err);
        if (!(rc = gcli_ctx(c, cmd, st, &ac)) &&
            app_garden_impact(&ac, npos ? pos[0] : NULL, gcli_val(o, no, "segment"), (int)bands,
                              &im, &err))
                rc = gcli_fail(cmd, &err);
        store_close(st);
        if (rc)
                return rc;
        if (gcli_val(o, no, "json"))
                return gcli_print_json(view_garden_impact_of(&im, npos ? pos[0] : NULL));
        printf("garden impact: %s\n", npos ? pos[0] : "all gardens");
        printf("members %lld (followed 180 days: %lld, matched: %lld); comparison: %lld "
               "never-member accounts\n",
               (long long)im.members, (long long)im.members_observed, (long long)im.members_matched,
               (long long)im.comparison_accounts);
        printf("matched at joining on %s%s, plan and %d engagement bands\n\n",
               im.segment_field[0] ? "segment " : "", im.segment_field[0] ? im.segment_field : "",
               im.bands);
        printf("%-22s %10s %11s %12s   %s\n", "", "members", "comparison", "difference", "95% CI");
        est_line("retention 90d", &im.ret_90, 1);
        est_line("retention 180d", &im.ret_180, 1);
        est_line("  unmatched", &im.crude_180, 1);
        est_line("MRR change 180d", &im.mrr_change, 1);
        est_line("NPS 180d (mean 0-10)", &im.nps, 0);
        printf("\nMRR retained over 180 days thanks to the garden (members' MRR at joining x their "
               "retention gain):\n");
        for (size_t k = 0; k < im.n_money; k++) {
                const struct eng_garden_money *m = &im.money[k];

                printf("  %-4s %12.0f  (95%% CI %.0f to %.0f) of %.0f MRR at joining, %lld "
                       "members\n",
                       m->currency, m->retained.diff, m->retained.lo, m->retained.hi,
                       m->members_mrr, (long long)m->members);
        }
        if (!im.n_money)
                printf("  (no matched member with MRR)\n");
        return CLI_OK;
}

int gcli_gardens_seed_demo(struct cli *c, int argc, char **argv)
{
        const char *cmd = "gardens seed-demo";
        struct gcli_opt o[] = {{"json", 0, NULL}};
        const char *pos[1] = {NULL};
        size_t npos;
        struct store *st = NULL;
        struct app_gardens_seed_summary sum;
        struct app_ctx ac;
        struct cxg_error err;
        int rc;

        if ((rc = gcli_parse(cmd, argc, argv, 2, o, 1, pos, 0, &npos)) ||
            (rc = gcli_open(c, cmd, 1, &st)))
                return rc;
        cxg_error_clear(&err);
        if ((rc = gcli_ctx(c, cmd, st, &ac)) ||
            (app_gardens_seed_demo(&ac, &sum, &err) && (rc = gcli_fail(cmd, &err)))) {
                store_close(st);
                return rc;
        }
        store_close(st);
        if (o[0].val)
                return gcli_print_json(json_pack(
                    "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "gardens",
                    (json_int_t)sum.gardens, "users", (json_int_t)sum.users, "internal_members",
                    (json_int_t)sum.internal, "customer_members", (json_int_t)sum.members, "ideas",
                    (json_int_t)sum.ideas, "votes", (json_int_t)sum.votes, "comments",
                    (json_int_t)sum.comments, "experiments", (json_int_t)sum.experiments,
                    "rollouts", (json_int_t)sum.rollouts, "ledger_entries",
                    (json_int_t)sum.ledger_entries));
        fprintf(stderr,
                "seed-demo: %lld gardens, %lld customer and %lld internal members, %lld users, "
                "%lld ideas (%lld votes, %lld comments), %lld experiments, %lld rollouts, %lld "
                "ledger entries\n",
                (long long)sum.gardens, (long long)sum.members, (long long)sum.internal,
                (long long)sum.users, (long long)sum.ideas, (long long)sum.votes,
                (long long)sum.comments, (long long)sum.experiments, (long long)sum.rollouts,
                (long long)sum.ledger_entries);
        return CLI_OK;
}

/* ---- experiments and rollouts ---- */

int gcli_ideas_results(struct cli *c, int argc, char **argv)
{
        const char *cmd = "ideas results";
        struct gcli_opt o[] = {{"as", 1, NULL}, {"json", 0, NULL}, {"dry-run", 0, NULL}};
        size_t no = 3, npos;
        const char *pos[1] = {NULL};
        struct store *st = NULL;
        struct garden_actor who;
        struct eng_garden_experiment x;
        struct app_ctx ac;
        struct cxg_error err;
        json_t *j = NULL;
        int64_t id;
        int rc, dry;

        if ((rc = gcli_parse(cmd, argc, argv, 2, o, no, pos, 1, &npos)))
                return rc;
        if (npos != 1) {
                cli_errorf("%s: missing ID", cmd);
                return CLI_USAGE;
        }
        dry = gcli_val(o, no, "dry-run") != NULL;
        if ((rc = gcli_idea_id(cmd, pos[0], &id)) || (rc = gcli_open(c, cmd, !dry, &st)))
                return rc;
        if ((rc = gcli_ctx(c, cmd, st, &ac)) ||
            (!dry && (rc = gcli_actor(st, cmd, gcli_val(o, no, "as"), &who))))
                goto done;
        cxg_error_clear(&err);
        if (app_experiment_record(&ac, dry ? NULL : &who, id, dry, &x, &j, &err)) {
                rc = gcli_fail(cmd, &err);
                goto done;
        }
        if (gcli_val(o, no, "json")) {
                rc = gcli_print_json(j);
                j = NULL;
        } else {
                printf("idea #%lld: %s over the experiment, %lld participants (%lld measured) vs "
                       "%lld others\n",
                       (long long)id, model_garden_metric_name(x.metric), (long long)x.participants,
                       (long long)x.participants_measured, (long long)x.comparison);
                printf("participants %.4g, comparison %.4g, difference %+.4g (95%% CI %+.4g to "
                       "%+.4g)%s\n",
                       x.est.v1, x.est.v0, x.est.diff, x.est.lo, x.est.hi, dry ? "" : "; recorded");
        }
done:
        json_decref(j);
        store_close(st);
        return rc;
}

int gcli_ideas_rollout(struct cli *c, int argc, char **argv)
{
        const char *cmd = "ideas rollout";
        struct gcli_opt o[] = {
            {"segment", 1, NULL}, {"at", 1, NULL}, {"note", 1, NULL}, {"as", 1, NULL}};
        size_t no = 4, npos, n = 0;
        const char *pos[1] = {NULL};
        struct store *st = NULL;
        struct garden_actor who;
        struct app_ctx ac;
        struct cxg_error err;
        int64_t id, at, rid;
        int rc;

        if ((rc = gcli_parse(cmd, argc, argv, 2, o, no, pos, 1, &npos)))
                return rc;
        if (npos != 1 || !gcli_val(o, no, "segment")) {
                cli_errorf("%s: give ID and --segment FIELD=VALUE", cmd);
                return CLI_USAGE;
        }
        if ((rc = gcli_idea_id(cmd, pos[0], &id)) ||
            (rc = gcli_time(cmd, "at", gcli_val(o, no, "at"), &at)) ||
            (rc = gcli_open(c, cmd, 1, &st)))
                return rc;
        if ((rc = gcli_ctx(c, cmd, st, &ac)) ||
            (rc = gcli_actor(st, cmd, gcli_val(o, no, "as"), &who))) {
                store_close(st);
                return rc;
        }
        cxg_error_clear(&err);
        if (app_rollout_add(&ac, &who, id, gcli_val(o, no, "segment"), at, gcli_val(o, no, "note"),
                            &rid, &n, &err))
                rc = gcli_fail(cmd, &err);
        else
                printf("rollout %lld: idea #%lld to %zu accounts of %s\n", (long long)rid,
                       (long long)id, n, gcli_val(o, no, "segment"));
        store_close(st);
        return rc;
}

static void rollout_print(const struct app_rollout_item *it, int64_t idea_id, int days)
{
        const struct eng_garden_rollout *r = &it->r;
        char d[16];

        printf("rollout %lld of idea #%lld to %s on %s (%s, %d days each side)\n",
               (long long)it->id, (long long)idea_id, it->segment, cxg_date_format(r->at, d),
               model_garden_metric_name(r->metric), days);
        printf("  %-8s %8s %10s %10s %10s\n", "", "accounts", "before", "after", "change");
        printf("  %-8s %8lld %10.4g %10.4g %+10.4g\n", "segment", (long long)r->seg_accounts,
               r->seg_before.v1, r->seg_after.v1, r->seg_change.diff);
        printf("  %-8s %8lld %10.4g %10.4g %+10.4g\n", "rest", (long long)r->rest_accounts,
               r->rest_before.v1, r->rest_after.v1, r->rest_change.diff);
        printf("  difference in differences %+.4g (95%% CI %+.4g to %+.4g)\n", r->did.diff,
               r->did.lo, r->did.hi);
}

int gcli_ideas_rollout_report(struct cli *c, int argc, char **argv)
{
        const char *cmd = "ideas rollout-report";
        struct gcli_opt o[] = {{"days", 1, NULL}, {"json", 0, NULL}};
        size_t no = 2, npos;
        const char *pos[1] = {NULL};
        struct store *st = NULL;
        struct app_rollout_report rep = {0};
        struct app_ctx ac;
        struct cxg_error err;
        int64_t id;
        long days = APP_ROLLOUT_DAYS;
        int rc;

        if ((rc = gcli_parse(cmd, argc, argv, 2, o, no, pos, 1, &npos)))
                return rc;
        if (npos != 1) {
                cli_errorf("%s: missing ID", cmd);
                return CLI_USAGE;
        }
        if ((rc = gcli_idea_id(cmd, pos[0], &id)) ||
            (rc = parse_long(cmd, "days", gcli_val(o, no, "days"), APP_ROLLOUT_DAYS_MIN,
                             APP_ROLLOUT_DAYS_MAX, &days)) ||
            (rc = gcli_open(c, cmd, 0, &st)))
                return rc;
        cxg_error_clear(&err);
        if ((rc = gcli_ctx(c, cmd, st, &ac)))
                goto done;
        if (app_idea_rollout_report(&ac, id, (int)days, &rep, &err)) {
                rc = gcli_fail(cmd, &err);
                goto done;
        }
        if (!rep.n) {
                cli_errorf("%s: idea #%lld has not been rolled out", cmd, (long long)id);
                rc = CLI_FAIL;
                goto done;
        }
        if (gcli_val(o, no, "json")) {
                rc = gcli_print_json(view_garden_rollouts(&rep));
                goto done;
        }
        for (size_t k = 0; k < rep.n; k++)
                rollout_print(&rep.v[k], id, (int)days);
done:
        app_rollout_report_release(&rep);
        store_close(st);
        return rc;
}

int gcli_gardens_suggest(struct cli *c, int argc, char **argv)
{
        const char *cmd = "gardens suggest";
        struct gcli_opt o[] = {{"limit", 1, NULL}, {"segment", 1, NULL}, {"json", 0, NULL}};
        size_t no = 3, npos, n;
        const char *pos[1] = {NULL};
        struct store *st = NULL;
        struct eng_engine e;
        struct app_garden_suggestion sg = {0};
        struct eng_garden_candidate *cand;
        struct app_ctx ac;
        struct cxg_error err;
        long limit = 20;
        int rc;

        if ((rc = gcli_parse(cmd, argc, argv, 2, o, no, pos, 1, &npos)) ||
            (rc = parse_long(cmd, "limit", gcli_val(o, no, "limit"), 1, 100000, &limit)))
                return rc;
        if (npos != 1) {
                cli_errorf("%s: missing GARDEN", cmd);
                return CLI_USAGE;
        }
        if ((rc = cmd_engine_open(c, cmd, CXG_TS_NONE, 0, 0, &st, &e)))
                return rc;
        cxg_error_clear(&err);
        if ((rc = gcli_ctx(c, cmd, st, &ac)))
                goto done;
        if (app_garden_suggest(&ac, &e, pos[0], gcli_val(o, no, "segment"), (size_t)limit, &sg,
                               &err)) {
                rc = gcli_fail(cmd, &err);
                goto done;
        }
        if (gcli_val(o, no, "json")) {
                rc = gcli_print_json(view_garden_suggestion(&e.scores, &sg));
                goto done;
        }
        cand = sg.c;
        n = sg.n;
        printf("candidates for %s (topic %s%s%s): engaged and robust accounts outside every "
               "garden\n",
               pos[0], model_garden_topic_name(sg.topic), sg.has_segment ? ", segment " : "",
               sg.segment);
        printf("%-4s %-14s %-28s %-10s %6s %6s %6s %6s  %s\n", "rank", "account", "name", "plan",
               "score", "engage", "robust", "topic", "invite (engagement)");
        for (size_t i = 0; i < n; i++) {
                const struct eng_snapshot *s = &e.snap;
                uint32_t a = cand[i].account, p = cand[i].person;

                printf("%-4zu %-14.14s %-28.28s %-10.10s %6.1f %6.1f %6.1f %6.1f  %s, %s (%.0f)\n",
                       i + 1, s->a_ext[a], s->a_name[a] ? s->a_name[a] : "",
                       s->plans.names[s->a_plan[a]], cand[i].score, cand[i].engagement,
                       cand[i].robustness, cand[i].topic, s->p_name[p] ? s->p_name[p] : s->p_ext[p],
                       s->p_role[p] ? s->p_role[p] : "-", cand[i].person_engagement);
        }
        if (!n)
                printf("(no candidates: every active account is in a garden or has nobody to "
                       "invite)\n");
done:
        app_garden_suggestion_release(&sg);
        eng_engine_release(&e);
        store_close(st);
        return rc;
}
