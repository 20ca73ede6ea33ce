/*
 * view_gardens.c: the JSON views of customer gardens (view_gardens.h), built once for the CLI
 * (--json) and the HTTP API: garden rows, members, ideas, transitions, comments, experiments,
 * rollouts, ledger entries, leaderboards, trends, and the engine's impact, experiment-result,
 * rollout-report and candidate figures. A failed allocation returns NULL and frees what was
 * built.
 */
#include <math.h>
#include <stdio.h>

#include "app/view_gardens.h"
#include "core/banned.h"
#include "core/parse.h"

/* Set key to v (stolen); a NULL v marks the whole object as failed. */
static int put(json_t *o, const char *key, json_t *v)
{
        if (!o || !v || json_object_set_new(o, key, v)) {
                json_decref(v);
                return -1;
        }
        return 0;
}

static json_t *str_or_null(const char *s)
{
        return s ? json_string(s) : json_null();
}

static json_t *id_or_null(int64_t id)
{
        return id ? json_integer(id) : json_null();
}

json_t *view_garden_time(int64_t t)
{
        char buf[32];

        if (t == CXG_TS_NONE)
                return json_null();
        return json_string(cxg_time_format(t, buf));
}

/* Finish: o, or NULL (freed) when any put failed. */
static json_t *done(json_t *o, int bad)
{
        if (bad) {
                json_decref(o);
                return NULL;
        }
        return o;
}

json_t *view_garden(const struct store_garden_row *g)
{
        json_t *o = json_object();
        int bad = !o;

        /* id: what the URLs take (/api/v1/gardens/{id}); the key itself */
        bad |= put(o, "id", json_string(g->g.key ? g->g.key : ""));
        bad |= put(o, "key", json_string(g->g.key ? g->g.key : ""));
        bad |= put(o, "name", str_or_null(g->g.name));
        bad |= put(o, "topic", json_string(model_garden_topic_name(g->g.topic)));
        bad |= put(o, "topic_label",
                   json_string(g->g.topic == GARDEN_TOPIC_CUSTOM && g->g.topic_custom
                                   ? g->g.topic_custom
                                   : model_garden_topic_label(g->g.topic)));
        bad |= put(o, "goal", str_or_null(g->g.goal));
        bad |= put(o, "owner", str_or_null(g->g.owner));
        bad |= put(o, "segment", str_or_null(g->g.segment));
        bad |= put(o, "starts_at", view_garden_time(g->g.starts_at));
        bad |= put(o, "ends_at", view_garden_time(g->g.ends_at));
        bad |= put(o, "created_at", view_garden_time(g->created_at));
        bad |= put(o, "members", json_integer(g->members));
        bad |= put(o, "invited", json_integer(g->invited));
        bad |= put(o, "accounts", json_integer(g->accounts));
        bad |= put(o, "ideas", json_integer(g->ideas));
        return done(o, bad);
}

json_t *view_garden_member(const struct store_member_row *m)
{
        json_t *o = json_object();
        int bad = !o;

        bad |= put(o, "id", json_integer(m->id));
        bad |= put(o, "kind", json_string(m->person ? "external" : "internal"));
        bad |= put(o, "person", str_or_null(m->person));
        bad |= put(o, "name", str_or_null(m->person ? m->person_name : m->user));
        bad |= put(o, "account", str_or_null(m->account));
        bad |= put(o, "user", str_or_null(m->user));
        bad |= put(o, "role", json_string(model_garden_mrole_name(m->role)));
        bad |= put(o, "status", json_string(model_garden_status_name(m->status)));
        bad |= put(o, "invited_by", str_or_null(m->invited_by));
        bad |= put(o, "invited_at", view_garden_time(m->invited_at));
        bad |= put(o, "joined_at", view_garden_time(m->joined_at));
        bad |= put(o, "left_at", view_garden_time(m->left_at));
        return done(o, bad);
}

json_t *view_garden_idea(const struct store_idea_row *i, const struct view_garden_viewer *v)
{
        json_t *o = json_object();
        int bad = !o;
        const char *author = i->author;

        /* another customer's name stays hidden from a member */
        if (v && i->author_person && i->author_id != v->user_id)
                author = "a member";
        bad |= put(o, "id", json_integer(i->id));
        bad |= put(o, "garden", str_or_null(i->garden_key));
        bad |= put(o, "title", str_or_null(i->idea.title));
        bad |= put(o, "description", str_or_null(i->idea.description));
        bad |= put(o, "hypothesis", str_or_null(i->idea.hypothesis));
        bad |=
            put(o, "target_metric", json_string(model_garden_metric_name(i->idea.target_metric)));
        bad |= put(o, "state", json_string(model_idea_state_name(i->state)));
        bad |= put(o, "author", str_or_null(author));
        if (v)
                bad |= put(o, "mine", json_boolean(i->author_id == v->user_id));
        bad |= put(o, "votes_up", json_integer(i->votes_up));
        bad |= put(o, "votes_down", json_integer(i->votes_down));
        bad |= put(o, "comments", json_integer(i->comments));
        bad |= put(o, "approvals", json_integer(i->approvals));
        bad |= put(o, "review_round", json_integer(i->review_round));
        bad |= put(o, "created_at", view_garden_time(i->created_at));
        bad |= put(o, "updated_at", view_garden_time(i->updated_at));
        return done(o, bad);
}

json_t *view_garden_transition(const struct store_transition_row *t)
{
        json_t *o = json_object();
        int bad = !o;

        bad |= put(o, "from", json_string(model_idea_state_name(t->from)));
        bad |= put(o, "to", json_string(model_idea_state_name(t->to)));
        bad |= put(o, "by", str_or_null(t->user));
        bad |= put(o, "why", str_or_null(t->why));
        bad |= put(o, "at", view_garden_time(t->at));
        return done(o, bad);
}

json_t *view_garden_comment(const struct store_comment_row *c, const struct view_garden_viewer *v)
{
        json_t *o = json_object();
        int bad = !o;
        int mine = v && c->user_id == v->user_id;

        if (c->id)
                bad |= put(o, "id", json_integer(c->id));
        bad |= put(o, "by", str_or_null(v && !mine ? "a participant" : c->user));
        if (v)
                bad |= put(o, "mine", json_boolean(mine));
        if (c->body)
                bad |= put(o, "body", json_string(c->body));
        else
                bad |= put(o, "value", json_integer(c->value));
        bad |= put(o, "at", view_garden_time(c->at));
        return done(o, bad);
}

json_t *view_garden_experiment(const struct store_experiment_row *e)
{
        json_t *o = json_object();
        int bad = !o;

        bad |= put(o, "id", json_integer(e->id));
        bad |= put(o, "idea", json_integer(e->idea_id));
        bad |= put(o, "starts_at", view_garden_time(e->starts_at));
        bad |= put(o, "ends_at", view_garden_time(e->ends_at));
        bad |= put(o, "status", str_or_null(e->status));
        bad |= put(o, "metric", json_string(model_garden_metric_name(e->metric)));
        bad |= put(o, "accounts", json_integer(e->accounts));
        bad |= put(o, "result", e->result ? json_loads(e->result, 0, NULL) : json_null());
        bad |= put(o, "result_at", view_garden_time(e->result_at));
        return done(o, bad);
}

json_t *view_garden_rollout_row(const struct store_rollout_row *r)
{
        json_t *o = json_object();
        int bad = !o;

        bad |= put(o, "id", json_integer(r->id));
        bad |= put(o, "idea", json_integer(r->idea_id));
        bad |= put(o, "segment", str_or_null(r->segment));
        bad |= put(o, "at", view_garden_time(r->at));
        bad |= put(o, "by", str_or_null(r->by));
        bad |= put(o, "note", str_or_null(r->note));
        bad |= put(o, "accounts", json_integer(r->accounts));
        return done(o, bad);
}

json_t *view_garden_ledger(const struct store_ledger_row *l)
{
        json_t *o = json_object();
        int bad = !o;

        bad |= put(o, "id", json_integer(l->id));
        bad |= put(o, "at", view_garden_time(l->at));
        bad |= put(o, "user", str_or_null(l->user));
        bad |= put(o, "person", str_or_null(l->person));
        bad |= put(o, "team", str_or_null(l->team));
        bad |=
            put(o, "group", json_string(eng_garden_group_name(eng_garden_support_group(l->team))));
        bad |= put(o, "garden", str_or_null(l->garden));
        bad |= put(o, "kind", json_string(model_ledger_kind_name(l->kind)));
        bad |= put(o, "points", json_integer(l->points));
        bad |= put(o, "cause_type", str_or_null(l->cause_type));
        bad |= put(o, "cause_id", id_or_null(l->cause_id));
        bad |= put(o, "note", str_or_null(l->note));
        return done(o, bad);
}

json_t *view_garden_board(const struct eng_garden_board *b, int by, size_t limit)
{
        json_t *o = json_object(), *rows = json_array();
        int bad = !o || !rows;
        size_t n = limit && limit < b->n ? limit : b->n;

        for (size_t i = 0; !bad && i < n; i++) {
                const struct eng_garden_board_row *r = &b->rows[i];
                json_t *row = json_object(), *kinds = json_object();

                bad |= !row || !kinds;
                for (int k = 0; !bad && k < LEDGER__COUNT; k++)
                        bad |= put(kinds, model_ledger_kind_name(k), json_integer(r->by_kind[k]));
                bad |= put(row, "rank", json_integer((json_int_t)i + 1));
                bad |= put(row, "key", json_string(r->key));
                bad |= put(row, "points", json_integer(r->points));
                bad |= put(row, "entries", json_integer(r->entries));
                bad |= put(
                    row, "share",
                    json_real(b->total_points ? (double)r->points / (double)b->total_points : 0));
                bad |= put(row, "by_kind", kinds);
                kinds = NULL;
                bad |= put(row, "first_at", view_garden_time(r->first_at));
                bad |= put(row, "last_at", view_garden_time(r->last_at));
                if (bad || json_array_append_new(rows, row)) {
                        json_decref(row);
                        json_decref(kinds);
                        bad = 1;
                }
        }
        bad |= put(o, "by", json_string(eng_garden_by_name(by)));
        bad |= put(o, "total_points", json_integer(b->total_points));
        bad |= put(o, "total_entries", json_integer(b->total_entries));
        bad |= put(o, "rows", rows);
        return done(o, bad);
}

json_t *view_garden_trend(const struct eng_garden_trend *t)
{
        json_t *o = json_object(), *months = json_array(), *tot = json_object();
        int bad = !o || !months || !tot;
        char d[16];

        for (size_t i = 0; !bad && i < t->n_months; i++) {
                json_t *row = json_object();
                int64_t sum = 0;

                bad |= !row;
                bad |=
                    put(row, "month",
                        json_string(cxg_date_format(cxg_month_start(t->month0 + (int64_t)i), d)));
                for (int g = 0; !bad && g < ENG_GARDEN_GROUP__COUNT; g++) {
                        bad |= put(row, eng_garden_group_name(g), json_integer(t->points[i][g]));
                        sum += t->points[i][g];
                }
                bad |= put(row, "total", json_integer(sum));
                if (bad || json_array_append_new(months, row)) {
                        json_decref(row);
                        bad = 1;
                }
        }
        for (int g = 0; !bad && g < ENG_GARDEN_GROUP__COUNT; g++)
                bad |= put(tot, eng_garden_group_name(g), json_integer(t->total[g]));
        bad |= put(o, "months", months);
        bad |= put(o, "total", tot);
        return done(o, bad);
}

/* ---- engine results ---- */

static json_t *num(double v)
{
        return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

json_t *view_garden_est(const struct eng_garden_est *e, const char *v1_name, const char *v0_name,
                        const char *n1_name, const char *n0_name)
{
        json_t *o = json_object();

        if (!o)
                return NULL;
        if (json_object_set_new(o, "diff", num(e->diff)) ||
            json_object_set_new(o, "se", num(e->se)) ||
            json_object_set_new(o, "ci95", json_pack("[o, o]", num(e->lo), num(e->hi))) ||
            (v1_name && json_object_set_new(o, v1_name, num(e->v1))) ||
            (v0_name && json_object_set_new(o, v0_name, num(e->v0))) ||
            (n1_name && json_object_set_new(o, n1_name, json_integer((json_int_t)e->n1))) ||
            (n0_name && json_object_set_new(o, n0_name, json_integer((json_int_t)e->n0))) ||
            json_object_set_new(o, "strata", json_integer(e->strata))) {
                json_decref(o);
                return NULL;
        }
        return o;
}

json_t *view_garden_impact(const struct eng_garden_impact *im)
{
        json_t *o = json_object(), *money = json_array();

        if (!o || !money)
                goto fail;
        for (size_t k = 0; k < im->n_money; k++) {
                const struct eng_garden_money *m = &im->money[k];
                json_t *row = json_pack(
                    "{s:s, s:I, s:o, s:o, s:o, s:o}", "currency", m->currency, "members",
                    (json_int_t)m->members, "members_mrr", num(m->members_mrr), "mrr_retained",
                    num(m->retained.diff), "se", num(m->retained.se), "ci95",
                    json_pack("[o, o]", num(m->retained.lo), num(m->retained.hi)));

                if (!row || json_array_append_new(money, row))
                        goto fail;
        }
        if (json_object_set_new(o, "members", json_integer(im->members)) ||
            json_object_set_new(o, "members_observed", json_integer(im->members_observed)) ||
            json_object_set_new(o, "members_matched", json_integer(im->members_matched)) ||
            json_object_set_new(o, "comparison_accounts", json_integer(im->comparison_accounts)) ||
            json_object_set_new(o, "matching",
                                json_pack("{s:s, s:b, s:i, s:s}", "segment_field",
                                          im->segment_field[0] ? im->segment_field : "(none)",
                                          "plan", 1, "engagement_bands", im->bands, "method",
                                          "each member with its never-member matches is a "
                                          "stratum; Mantel-Haenszel risk difference with Sato "
                                          "variance")) ||
            json_object_set_new(o, "follow_days", json_integer(im->follow_days)) ||
            json_object_set_new(o, "retention_90d",
                                view_garden_est(&im->ret_90, "members", "comparison", "members_n",
                                                "comparison_n")) ||
            json_object_set_new(o, "retention_180d",
                                view_garden_est(&im->ret_180, "members", "comparison", "members_n",
                                                "comparison_n")) ||
            json_object_set_new(o, "retention_180d_unmatched",
                                view_garden_est(&im->crude_180, "members", "comparison",
                                                "members_n", "comparison_n")) ||
            json_object_set_new(o, "mrr_change_180d",
                                view_garden_est(&im->mrr_change, "members", "comparison",
                                                "members_n", "comparison_n")) ||
            json_object_set_new(
                o, "nps_180d",
                view_garden_est(&im->nps, "members", "comparison", "members_n", "comparison_n")))
                goto fail;
        /* set_new takes the reference even when it fails */
        if (json_object_set_new(o, "mrr_retained", money)) {
                json_decref(o);
                return NULL;
        }
        return o;
fail:
        json_decref(money);
        json_decref(o);
        return NULL;
}

json_t *view_garden_result(const struct eng_garden_experiment *x)
{
        char d1[32], d2[32];
        json_t *est = view_garden_est(&x->est, "participants", "comparison", "participants_n",
                                      "comparison_n");

        if (!est)
                return NULL;
        return json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:o, s:s}", "metric",
                         model_garden_metric_name(x->metric), "from", cxg_time_format(x->from, d1),
                         "to", cxg_time_format(x->to, d2), "participants",
                         (json_int_t)x->participants, "participants_measured",
                         (json_int_t)x->participants_measured, "comparison",
                         (json_int_t)x->comparison, "estimate", est, "method",
                         eng_garden_metric_binary(x->metric)
                             ? "participants vs others alive at the start, strata of segment, "
                               "plan and engagement band; Mantel-Haenszel risk difference"
                             : "participants vs others alive at the start, strata of segment, "
                               "plan and engagement band; stratified difference of means");
}

json_t *view_garden_rollout_report(const struct eng_garden_rollout *r)
{
        char d[32];

        return json_pack(
            "{s:s, s:s, s:i, s:{s:I, s:o, s:o, s:o}, s:{s:I, s:o, s:o, s:o}, s:o}", "metric",
            model_garden_metric_name(r->metric), "at", cxg_time_format(r->at, d), "window_days",
            r->days, "segment", "accounts", (json_int_t)r->seg_accounts, "before",
            num(r->seg_before.v1), "after", num(r->seg_after.v1), "change",
            view_garden_est(&r->seg_change, NULL, NULL, NULL, NULL), "rest", "accounts",
            (json_int_t)r->rest_accounts, "before", num(r->rest_before.v1), "after",
            num(r->rest_after.v1), "change",
            view_garden_est(&r->rest_change, NULL, NULL, NULL, NULL), "difference_in_differences",
            view_garden_est(&r->did, NULL, NULL, NULL, NULL));
}

json_t *view_garden_rollouts(const struct app_rollout_report *rep)
{
        json_t *arr = json_array();

        for (size_t k = 0; arr && k < rep->n; k++) {
                json_t *j = view_garden_rollout_report(&rep->v[k].r);

                if (!j || json_object_set_new(j, "id", json_integer(rep->v[k].id)) ||
                    json_object_set_new(j, "segment_spec", json_string(rep->v[k].segment))) {
                        json_decref(j);
                        json_decref(arr);
                        return NULL;
                }
                if (json_array_append_new(arr, j)) {
                        json_decref(arr);
                        return NULL;
                }
        }
        return arr ? json_pack("{s:o}", "rollouts", arr) : NULL;
}

/* ---- invitation candidates ---- */

static json_t *num1(double v)
{
        return isnan(v) ? json_null() : json_real(round(v * 10) / 10);
}

json_t *view_garden_candidates(const struct eng_scores *r, const struct eng_garden_candidate *c,
                               size_t n, int topic)
{
        const struct eng_snapshot *s = r->snap;
        json_t *arr = json_array();

        for (size_t i = 0; arr && i < n; i++) {
                uint32_t a = c[i].account, p = c[i].person;
                json_t *o = json_pack(
                    "{s:i, s:s, s:s?, s:s, s:o, s:o, s:o, s:o, s:{s:s, s:s?, s:s?, s:s, s:o}}",
                    "rank", (int)i + 1, "account", s->a_ext[a], "name", s->a_name[a], "plan",
                    s->plans.names[s->a_plan[a]], "score", num1(c[i].score), "engagement",
                    num1(c[i].engagement), "robustness", num1(c[i].robustness), "topic_signal",
                    num1(c[i].topic), "invite", "person", s->p_ext[p], "name", s->p_name[p], "role",
                    s->p_role[p], "seniority", model_seniority_name(s->p_seniority[p]),
                    "engagement", num1(c[i].person_engagement));

                if (!o || json_array_append_new(arr, o)) {
                        json_decref(arr);
                        return NULL;
                }
        }
        (void)topic;
        return arr;
}

/* ---- an idea with everything about it ---- */

static enum cxg_err to_array(json_t *arr, json_t *v)
{
        return !v || json_array_append_new(arr, v) ? CXG_ERR_NOMEM : CXG_OK;
}

struct detail {
        json_t *obj, *list;
        const struct view_garden_viewer *v;
        int64_t garden_id;
        int64_t me;
        int my_vote;
};

static enum cxg_err detail_idea_cb(void *ctx, const struct store_idea_row *i)
{
        struct detail *d = ctx;

        d->garden_id = i->garden_id;
        d->obj = view_garden_idea(i, d->v);
        return d->obj ? CXG_OK : CXG_ERR_NOMEM;
}

static enum cxg_err detail_transition_cb(void *ctx, const struct store_transition_row *t)
{
        struct detail *d = ctx;
        json_t *j = view_garden_transition(t);

        /* the portal does not name who moved an idea */
        if (j && d->v)
                json_object_set_new(j, "by", json_null());
        return to_array(d->list, j);
}

static enum cxg_err detail_comment_cb(void *ctx, const struct store_comment_row *c)
{
        struct detail *d = ctx;

        return to_array(d->list, view_garden_comment(c, d->v));
}

static enum cxg_err detail_vote_cb(void *ctx, const struct store_comment_row *c)
{
        struct detail *d = ctx;

        if (d->v) { /* a member sees only their own vote */
                if (c->user_id == d->me)
                        d->my_vote = c->value;
                return CXG_OK;
        }
        return to_array(d->list, view_garden_comment(c, NULL));
}

static enum cxg_err detail_exp_cb(void *ctx, const struct store_experiment_row *x)
{
        struct detail *d = ctx;
        json_t *j = view_garden_experiment(x);

        if (!j)
                return CXG_ERR_NOMEM;
        if (d->v)
                json_object_del(j, "accounts"); /* which accounts take part is not theirs */
        return json_object_set_new(d->obj, "experiment", j) ? CXG_ERR_NOMEM : CXG_OK;
}

static enum cxg_err detail_rollout_cb(void *ctx, const struct store_rollout_row *ro)
{
        struct detail *d = ctx;

        return to_array(d->list, view_garden_rollout_row(ro));
}

enum cxg_err view_garden_idea_detail(struct store *st, int64_t id,
                                     const struct view_garden_viewer *v, json_t **out,
                                     struct cxg_error *e)
{
        struct detail d = {0};
        enum cxg_err rc;

        d.v = v;
        d.me = v ? v->user_id : 0;
        *out = NULL;
        if ((rc = store_idea_get(st, id, detail_idea_cb, &d, e)))
                goto fail;
        if (!(d.list = json_array()) ||
            (rc = store_idea_transitions(st, id, detail_transition_cb, &d, e)) ||
            json_object_set_new(d.obj, "transitions", d.list))
                goto fail_list;
        if (!(d.list = json_array()) ||
            (rc = store_idea_comments(st, id, detail_comment_cb, &d, e)) ||
            json_object_set_new(d.obj, "comment_list", d.list))
                goto fail_list;
        if (!(d.list = json_array()) || (rc = store_idea_votes(st, id, detail_vote_cb, &d, e)))
                goto fail_list;
        if (v) {
                json_decref(d.list);
                d.list = NULL;
                if (json_object_set_new(d.obj, "my_vote",
                                        d.my_vote ? json_integer(d.my_vote) : json_null()))
                        goto fail;
        } else if (json_object_set_new(d.obj, "vote_list", d.list)) {
                goto fail_list;
        }
        d.list = NULL;
        rc = store_experiment_get(st, id, detail_exp_cb, &d, e);
        if (rc && rc != CXG_ERR_NOTFOUND)
                goto fail;
        if (v) { /* whether the member's own account takes part in the experiment */
                int yes = 0;

                if ((rc = store_experiment_participates(st, id, v->person_id, &yes, e)))
                        goto fail;
                if (json_object_set_new(d.obj, "participating", json_boolean(yes)))
                        goto fail;
        }
        if (!v) {
                if (!(d.list = json_array()) ||
                    (rc = store_rollout_list(st, id, detail_rollout_cb, &d, e)) ||
                    json_object_set_new(d.obj, "rollouts", d.list))
                        goto fail_list;
        }
        *out = d.obj;
        return CXG_OK;
fail_list:
        if (!rc) /* set_new took the list */
                d.list = NULL;
fail:
        json_decref(d.list);
        json_decref(d.obj);
        if (!rc)
                rc = cxg_error_set(e, CXG_ERR_NOMEM, "idea %lld: out of memory", (long long)id);
        return rc;
}

json_t *view_garden_suggestion(const struct eng_scores *r, const struct app_garden_suggestion *s)
{
        json_t *arr = view_garden_candidates(r, s->c, s->n, s->topic);

        return arr ? json_pack("{s:s, s:o}", "topic", model_garden_topic_name(s->topic),
                               "candidates", arr)
                   : NULL;
}

json_t *view_garden_impact_of(const struct eng_garden_impact *im, const char *garden)
{
        json_t *j = view_garden_impact(im);

        if (j && json_object_set_new(j, "garden", json_string(garden ? garden : "all"))) {
                json_decref(j);
                return NULL;
        }
        return j;
}
