/*
 * cmd_ideas.c: `cxgarden ideas ...`: the governed ideas of customer gardens from the command
 * line (list, show, create, vote, comment, move, experiment). Writes go through app/gardens.h
 * with the acting user of --as USER; `ideas show --json` prints the API's document.
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

/* ---- ideas ---- */

static void ideas_usage(FILE *f)
{
        fprintf(f,
                "usage: cxgarden [--db PATH] ideas list [--garden GARDEN] [--state STATE] "
                "[--json]\n"
                "       cxgarden ideas show ID [--json]\n"
                "       cxgarden ideas create GARDEN --title TEXT --metric METRIC [--description "
                "TEXT]\n"
                "                [--hypothesis TEXT] --as USER\n"
                "       cxgarden ideas vote ID up|down --as USER\n"
                "       cxgarden ideas comment ID TEXT --as USER\n"
                "       cxgarden [--config FILE] ideas move ID STATE --as USER --why TEXT\n"
                "       cxgarden ideas experiment ID --start DATE --end DATE --accounts A,B,... "
                "--as USER\n"
                "       cxgarden ideas results ID --as USER [--json]\n"
                "       cxgarden ideas rollout ID --segment FIELD=VALUE [--at DATE] [--note TEXT] "
                "--as USER\n"
                "       cxgarden ideas rollout-report ID [--json]\n"
                "\nstates:  proposed, under_review, approved, running, adopted, rejected, "
                "withdrawn\n"
                "metrics: retention_90d, retention_180d, mrr_change, nps, activity\n"
                "approval needs [gardens] approvers (default 2) distinct analysts, admins or "
                "sponsors\n");
}

static enum cxg_err ideas_list_cb(void *ctx, const struct store_idea_row *i)
{
        json_t *arr = ctx;

        if (arr)
                return json_array_append_new(arr, view_garden_idea(i, NULL)) ? CXG_ERR_NOMEM
                                                                             : CXG_OK;
        printf("%-6lld %-14s %-13s %-15s %-44.44s %4lld %4lld %4lld  %s\n", (long long)i->id,
               i->garden_key, model_idea_state_name(i->state),
               model_garden_metric_name(i->idea.target_metric), i->idea.title,
               (long long)i->votes_up, (long long)i->votes_down, (long long)i->comments, i->author);
        return CXG_OK;
}

static int ideas_list(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"garden", 1, NULL}, {"state", 1, NULL}, {"json", 0, NULL}};
        size_t no = 3, npos;
        const char *pos[1] = {NULL}, *state;
        struct store *st = NULL;
        struct cxg_error err;
        json_t *arr = NULL;
        int64_t gid = 0;
        int rc, sv = -1;

        if ((rc = gcli_parse("ideas list", argc, argv, 2, o, no, pos, 0, &npos)))
                return rc;
        state = gcli_val(o, no, "state");
        if (state && (sv = model_idea_state_parse(state, strlen(state))) < 0) {
                cli_errorf("ideas list: unknown state '%s'", state);
                return CLI_USAGE;
        }
        if ((rc = gcli_open(c, "ideas list", 0, &st)))
                return rc;
        cxg_error_clear(&err);
        if (gcli_val(o, no, "garden") && store_garden_id(st, gcli_val(o, no, "garden"), &gid, &err))
                goto fail;
        if (gcli_val(o, no, "json") && !(arr = json_array())) {
                store_close(st);
                return gcli_print_json(NULL);
        }
        if (!arr)
                printf("%-6s %-14s %-13s %-15s %-44s %4s %4s %4s  %s\n", "id", "garden", "state",
                       "metric", "title", "up", "down", "cmts", "author");
        if (store_idea_list(st, gid, sv, ideas_list_cb, arr, &err))
                goto fail;
        store_close(st);
        return arr ? gcli_print_json(arr) : CLI_OK;
fail:
        json_decref(arr);
        store_close(st);
        return gcli_fail("ideas list", &err);
}

static enum cxg_err idea_show_cb(void *ctx, const struct store_idea_row *i)
{
        (void)ctx;
        printf("idea #%lld  %s\n", (long long)i->id, i->idea.title);
        printf("garden      %s\n", i->garden_key);
        printf("state       %s (review round %d, %lld approvals this round)\n",
               model_idea_state_name(i->state), i->review_round, (long long)i->approvals);
        printf("metric      %s\n", model_garden_metric_name(i->idea.target_metric));
        printf("author      %s\n", i->author);
        printf("hypothesis  %s\n", i->idea.hypothesis ? i->idea.hypothesis : "-");
        printf("description %s\n", i->idea.description ? i->idea.description : "-");
        printf("votes       +%lld / -%lld, %lld comments\n", (long long)i->votes_up,
               (long long)i->votes_down, (long long)i->comments);
        return CXG_OK;
}

static enum cxg_err idea_transition_cb(void *ctx, const struct store_transition_row *t)
{
        char d[32];

        (void)ctx;
        printf("  %s  %-12s -> %-12s by %-12s %s\n", cxg_time_format(t->at, d),
               model_idea_state_name(t->from), model_idea_state_name(t->to), t->user, t->why);
        return CXG_OK;
}

static enum cxg_err idea_comment_cb(void *ctx, const struct store_comment_row *cm)
{
        char d[32];

        (void)ctx;
        printf("  %s  %-12s %s\n", cxg_time_format(cm->at, d), cm->user, cm->body);
        return CXG_OK;
}

static enum cxg_err idea_exp_cb(void *ctx, const struct store_experiment_row *e)
{
        char d1[16], d2[16];

        (void)ctx;
        printf("\nexperiment  %s .. %s, %lld accounts, %s\n", gcli_date(e->starts_at, d1),
               gcli_date(e->ends_at, d2), (long long)e->accounts, e->status);
        if (e->result)
                printf("results     %s\n", e->result);
        return CXG_OK;
}

static int ideas_show(struct cli *c, int argc, char **argv)
{
        struct gcli_opt o[] = {{"json", 0, NULL}};
        const char *pos[1] = {NULL};
        size_t npos;
        struct store *st = NULL;
        struct cxg_error err;
        int64_t id;
        enum cxg_err e;
        int rc;

        if ((rc = gcli_parse("ideas show", argc, argv, 2, o, 1, pos, 1, &npos)))
                return rc;
        if (npos != 1) {
                cli_errorf("ideas show: missing ID");
                return CLI_USAGE;
        }
        if ((rc = gcli_idea_id("ideas show", pos[0], &id)) ||
            (rc = gcli_open(c, "ideas show", 0, &st)))
                return rc;
        cxg_error_clear(&err);
        if (o[0].val) { /* the document the API answers (view_garden_idea_detail) */
                json_t *j = NULL;

                e = view_garden_idea_detail(st, id, NULL, &j, &err);
                store_close(st);
                return e ? gcli_fail("ideas show", &err) : gcli_print_json(j);
        }

        if (store_idea_get(st, id, idea_show_cb, NULL, &err))
                goto fail;
        printf("\ntransitions\n");
        if (store_idea_transitions(st, id, idea_transition_cb, NULL, &err))
                goto fail;
        printf("\ncomments\n");
        if (store_idea_comments(st, id, idea_comment_cb, NULL, &err))
                goto fail;
        e = store_experiment_get(st, id, idea_exp_cb, NULL, &err);
        if (e && e != CXG_ERR_NOTFOUND)
                goto fail;
        store_close(st);
        return CLI_OK;
fail:
        store_close(st);
        return gcli_fail("ideas show", &err);
}

static int ideas_create(struct cli *c, int argc, char **argv)
{
        struct app_ctx ac;
        struct gcli_opt o[] = {{"title", 1, NULL},
                               {"metric", 1, NULL},
                               {"description", 1, NULL},
                               {"hypothesis", 1, NULL},
                               {"as", 1, NULL}};
        size_t no = sizeof(o) / sizeof(o[0]), npos;
        const char *pos[1] = {NULL}, *metric;
        struct store *st = NULL;
        struct garden_actor who;
        struct cxg_error err;
        struct idea i;
        int64_t gid, id;
        int rc;

        if ((rc = gcli_parse("ideas create", argc, argv, 2, o, no, pos, 1, &npos)))
                return rc;
        if (npos != 1) {
                cli_errorf("ideas create: missing GARDEN");
                return CLI_USAGE;
        }
        model_idea_init(&i);
        i.title = gcli_val(o, no, "title");
        i.description = gcli_val(o, no, "description");
        i.hypothesis = gcli_val(o, no, "hypothesis");
        metric = gcli_val(o, no, "metric");
        i.target_metric = metric ? model_garden_metric_parse(metric, strlen(metric)) : -1;
        cxg_error_clear(&err);
        if (model_idea_validate(&i, &err)) {
                cli_errorf("ideas create: %s", err.msg);
                return CLI_USAGE;
        }
        if ((rc = gcli_open(c, "ideas create", 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, "ideas create", gcli_val(o, no, "as"), &who))) {
                store_close(st);
                return rc;
        }
        if (store_garden_id(st, pos[0], &gid, &err) || gcli_ctx(c, "ideas create", st, &ac) ||
            app_idea_create(&ac, &who, gid, &i, &id, &err)) {
                store_close(st);
                return gcli_fail("ideas create", &err);
        }
        store_close(st);
        printf("idea #%lld proposed in %s\n", (long long)id, pos[0]);
        return CLI_OK;
}

static int ideas_vote_comment(struct cli *c, int argc, char **argv, int vote)
{
        struct app_ctx ac;
        const char *cmd = vote ? "ideas vote" : "ideas comment";
        struct gcli_opt o[] = {{"as", 1, NULL}};
        const char *pos[2] = {NULL};
        size_t npos;
        struct store *st = NULL;
        struct garden_actor who;
        struct cxg_error err;
        int64_t id;
        int rc, value = 0;
        enum cxg_err e;

        if ((rc = gcli_parse(cmd, argc, argv, 2, o, 1, pos, 2, &npos)))
                return rc;
        if (npos != 2) {
                cli_errorf("%s: give ID and %s", cmd, vote ? "up or down" : "TEXT");
                return CLI_USAGE;
        }
        if ((rc = gcli_idea_id(cmd, pos[0], &id)))
                return rc;
        if (vote) {
                if (strcmp(pos[1], "up") == 0 || strcmp(pos[1], "+1") == 0)
                        value = 1;
                else if (strcmp(pos[1], "down") == 0 || strcmp(pos[1], "-1") == 0)
                        value = -1;
                else {
                        cli_errorf("%s: vote up or down, not '%s'", cmd, pos[1]);
                        return CLI_USAGE;
                }
        }
        if ((rc = gcli_open(c, cmd, 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, cmd, o[0].val, &who))) {
                store_close(st);
                return rc;
        }
        cxg_error_clear(&err);
        if (gcli_ctx(c, cmd, st, &ac)) {
                store_close(st);
                return CLI_USAGE;
        }
        e = vote ? app_idea_vote(&ac, &who, id, value, &err)
                 : app_idea_comment(&ac, &who, id, pos[1], NULL, &err);
        store_close(st);
        if (e)
                return gcli_fail(cmd, &err);
        printf("%s on idea #%lld\n", vote ? "voted" : "commented", (long long)id);
        return CLI_OK;
}

static int ideas_move(struct cli *c, int argc, char **argv)
{
        struct app_ctx ac;
        struct gcli_opt o[] = {{"as", 1, NULL}, {"why", 1, NULL}, {"json", 0, NULL}};
        size_t no = 3, npos;
        const char *pos[2] = {NULL};
        struct store *st = NULL;
        struct garden_actor who;
        struct garden_rules rules;
        struct app_move_result r;
        struct cxg_error err;
        int64_t id;
        int rc, to;

        if ((rc = gcli_parse("ideas move", argc, argv, 2, o, no, pos, 2, &npos)))
                return rc;
        if (npos != 2) {
                cli_errorf("ideas move: give ID and STATE");
                return CLI_USAGE;
        }
        if ((rc = gcli_idea_id("ideas move", pos[0], &id)))
                return rc;
        to = model_idea_state_parse(pos[1], strlen(pos[1]));
        if (to < 0) {
                cli_errorf("ideas move: unknown state '%s'", pos[1]);
                return CLI_USAGE;
        }
        if (!gcli_val(o, no, "why")) {
                cli_errorf("ideas move: say why with --why TEXT (it is recorded with the move)");
                return CLI_USAGE;
        }
        if ((rc = gcli_rules(c, "ideas move", &rules)) || (rc = gcli_open(c, "ideas move", 1, &st)))
                return rc;
        if ((rc = gcli_actor(st, "ideas move", gcli_val(o, no, "as"), &who))) {
                store_close(st);
                return rc;
        }
        cxg_error_clear(&err);
        if (gcli_ctx(c, "ideas move", st, &ac)) {
                store_close(st);
                return CLI_USAGE;
        }
        if (app_idea_move(&ac, &who, id, to, gcli_val(o, no, "why"), &rules, &r, &err)) {
                store_close(st);
                return gcli_fail("ideas move", &err);
        }
        store_close(st);
        if (gcli_val(o, no, "json"))
                return gcli_print_json(
                    json_pack("{s:I, s:s, s:s, s:b, s:i, s:i}", "idea", (json_int_t)id, "from",
                              model_idea_state_name(r.from), "to", model_idea_state_name(r.to),
                              "moved", r.moved, "approvals", r.approvals, "needed", r.needed));
        if (r.moved)
                printf("idea #%lld: %s -> %s\n", (long long)id, model_idea_state_name(r.from),
                       model_idea_state_name(r.to));
        else
                printf("idea #%lld: approval by %s recorded (%d of %d needed); still %s\n",
                       (long long)id, who.name, r.approvals, r.needed,
                       model_idea_state_name(r.from));
        return CLI_OK;
}

static int ideas_experiment(struct cli *c, int argc, char **argv)
{
        struct app_ctx ac;
        struct gcli_opt o[] = {
            {"start", 1, NULL}, {"end", 1, NULL}, {"accounts", 1, NULL}, {"as", 1, NULL}};
        size_t no = 4, npos, n = 0;
        const char *pos[1] = {NULL}, *list;
        char *copy = NULL, **accs = NULL, *p;
        struct store *st = NULL;
        struct garden_actor who;
        struct cxg_error err;
        int64_t id, start, end, eid;
        int rc;

        if ((rc = gcli_parse("ideas experiment", argc, argv, 2, o, no, pos, 1, &npos)))
                return rc;
        if (npos != 1 || !gcli_val(o, no, "start") || !gcli_val(o, no, "end") ||
            !(list = gcli_val(o, no, "accounts"))) {
                cli_errorf("ideas experiment: give ID, --start, --end and --accounts");
                return CLI_USAGE;
        }
        if ((rc = gcli_idea_id("ideas experiment", pos[0], &id)) ||
            (rc = gcli_time("ideas experiment", "start", gcli_val(o, no, "start"), &start)) ||
            (rc = gcli_time("ideas experiment", "end", gcli_val(o, no, "end"), &end)))
                return rc;
        copy = cxg_strdup(list);
        accs = cxg_calloc(strlen(list) + 1, sizeof(*accs));
        if (!copy || !accs) {
                cxg_free(copy);
                cxg_free(accs);
                return gcli_print_json(NULL);
        }
        for (p = copy; p && *p;) {
                char *comma = strchr(p, ',');

                if (comma)
                        *comma = '\0';
                if (*p)
                        accs[n++] = p;
                p = comma ? comma + 1 : NULL;
        }
        rc = gcli_open(c, "ideas experiment", 1, &st);
        if (!rc)
                rc = gcli_actor(st, "ideas experiment", gcli_val(o, no, "as"), &who);
        if (!rc) {
                cxg_error_clear(&err);
                if (gcli_ctx(c, "ideas experiment", st, &ac))
                        rc = CLI_USAGE;
                else if (app_experiment_set(&ac, &who, id, start, end, (const char *const *)accs, n,
                                            &eid, &err))
                        rc = gcli_fail("ideas experiment", &err);
                else
                        printf("experiment %lld of idea #%lld: %zu accounts\n", (long long)eid,
                               (long long)id, n);
        }
        store_close(st);
        cxg_free(copy);
        cxg_free(accs);
        return rc;
}

int cli_ideas(struct cli *c)
{
        const char *sub = c->argc > 1 ? c->argv[1] : NULL;

        if (!sub) {
                ideas_usage(stderr);
                return CLI_USAGE;
        }
        if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
                ideas_usage(stdout);
                return CLI_OK;
        }
        if (strcmp(sub, "list") == 0)
                return ideas_list(c, c->argc, c->argv);
        if (strcmp(sub, "show") == 0)
                return ideas_show(c, c->argc, c->argv);
        if (strcmp(sub, "create") == 0)
                return ideas_create(c, c->argc, c->argv);
        if (strcmp(sub, "vote") == 0)
                return ideas_vote_comment(c, c->argc, c->argv, 1);
        if (strcmp(sub, "comment") == 0)
                return ideas_vote_comment(c, c->argc, c->argv, 0);
        if (strcmp(sub, "move") == 0)
                return ideas_move(c, c->argc, c->argv);
        if (strcmp(sub, "experiment") == 0)
                return ideas_experiment(c, c->argc, c->argv);
        if (strcmp(sub, "results") == 0)
                return gcli_ideas_results(c, c->argc, c->argv);
        if (strcmp(sub, "rollout") == 0)
                return gcli_ideas_rollout(c, c->argc, c->argv);
        if (strcmp(sub, "rollout-report") == 0)
                return gcli_ideas_rollout_report(c, c->argc, c->argv);
        cli_errorf("ideas: unknown subcommand '%s'", sub);
        ideas_usage(stderr);
        return CLI_USAGE;
}
