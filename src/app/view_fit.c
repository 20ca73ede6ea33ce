/*
 * view_fit.c: the JSON of fit reports: objectives against plan and use (cxgarden fit --json and
 * GET /api/v1/accounts/{id}/fit, /api/v1/fit/summary).
 */
#include "app/view_fit.h"
#include "app/view_buf.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"
#include "core/timeconst.h"

/* ---- JSON ---- */

static enum cxg_err jstr(struct cxg_buf *b, const char *key, const char *str)
{
        enum cxg_err rc = cxg_buf_printf(b, ",\"%s\":", key);

        if (rc)
                return rc;
        if (!str)
                return cxg_buf_puts(b, "null");
        return cxg_buf_json_str(b, str, strlen(str));
}

static const char *plan_name(const struct eng_fit_view *v, uint32_t plan)
{
        return plan != ENG_FIT_NONE && plan < v->snap->plans.n ? v->snap->plans.names[plan] : NULL;
}

static const char *cap_id(const struct eng_fit_view *v, uint32_t c, const char *fallback)
{
        return c != ENG_FIT_NONE && c < v->snap->n_caps ? v->snap->c_ext[c] : fallback;
}

/* {"id":..,"name":..} of a needed capability (name null when the product lacks it) */
static enum cxg_err need_head(const struct eng_fit_view *v, uint32_t c, const char *written,
                              struct cxg_buf *b)
{
        enum cxg_err rc = cxg_buf_puts(b, "{\"id\":");

        if (!rc) {
                const char *id = cap_id(v, c, written ? written : "");

                rc = cxg_buf_json_str(b, id, strlen(id));
        }
        if (!rc)
                rc = jstr(b, "name", c != ENG_FIT_NONE ? v->snap->c_name[c] : NULL);
        return rc;
}

static enum cxg_err window_json(const struct eng_fit_view *v, struct cxg_buf *b)
{
        char at[40], since[40];

        cxg_time_format(v->q.at, at);
        cxg_time_format(v->since, since);
        return cxg_buf_printf(b, ",\"as_of\":\"%s\",\"usage_since\":\"%s\",\"window_days\":%.6g",
                              at, since, (double)v->q.window_s / (double)CXG_DAY);
}

static enum cxg_err objective_json(const struct eng_fit_view *v,
                                   const struct eng_fit_account_result *r,
                                   const struct eng_fit_objective *o, struct cxg_buf *b)
{
        const struct eng_snapshot *s = v->snap;
        uint32_t p = o->person;
        enum cxg_err rc = cxg_buf_puts(b, "{\"id\":");

        if (!rc)
                rc = cxg_buf_json_str(b, s->o_ext[o->objective], strlen(s->o_ext[o->objective]));
        if (!rc)
                rc = jstr(b, "title", s->o_title[o->objective]);
        if (!rc)
                rc = jstr(b, "status", s->o_status[o->objective]);
        if (!rc)
                rc = cxg_buf_printf(b, ",\"importance\":%d", s->o_importance[o->objective]);
        if (!rc)
                rc = jstr(b, "person", p < s->n_people ? s->p_ext[p] : NULL);
        if (!rc)
                rc = view_buf_num(b, "coverage", o->coverage, 1);
        if (!rc)
                rc = cxg_buf_printf(b,
                                    ",\"needs_total\":%zu,\"available\":%u,\"included\":%u,"
                                    "\"used\":%u,\"under_reach\":%s,\"plan_gap\":%s,"
                                    "\"product_gap\":%s,\"needs\":[",
                                    o->n_needs, o->n_available, o->n_included, o->n_used,
                                    o->under_reach ? "true" : "false",
                                    o->plan_gap ? "true" : "false",
                                    o->product_gap ? "true" : "false");
        for (size_t q = o->need_off; q < o->need_off + o->n_needs && !rc; q++) {
                const struct eng_fit_need *nd = &r->needs[q];
                const char *gap = !nd->available  ? "\"product\""
                                  : !nd->included ? "\"plan\""
                                  : !nd->used     ? "\"adoption\""
                                                  : "null";

                if (q > o->need_off)
                        rc = cxg_buf_putc(b, ',');
                if (!rc)
                        rc = need_head(v, nd->cap, nd->name, b);
                if (!rc)
                        rc = cxg_buf_printf(b,
                                            ",\"available\":%s,\"included\":%s,\"used\":%s,"
                                            "\"gap\":%s}",
                                            nd->available ? "true" : "false",
                                            nd->included ? "true" : "false",
                                            nd->used ? "true" : "false", gap);
        }
        if (!rc)
                rc = cxg_buf_puts(b, "]}");
        return rc;
}

enum cxg_err view_fit_account_json(const struct eng_fit_view *v,
                                   const struct eng_fit_account_report *rep, struct cxg_buf *b)
{
        const struct eng_snapshot *s = v->snap;
        const struct eng_fit_account_result *r = &rep->fit;
        enum cxg_err rc = cxg_buf_puts(b, "{\"account\":");
        int first = 1;

        if (!rc)
                rc = cxg_buf_json_str(b, s->a_ext[r->account], strlen(s->a_ext[r->account]));
        if (!rc)
                rc = jstr(b, "name", s->a_name[r->account]);
        if (!rc)
                rc = jstr(b, "plan", plan_name(v, r->plan));
        if (!rc)
                rc = view_buf_num(b, "mrr", r->mrr, 1);
        if (!rc)
                rc = cxg_buf_printf(b, ",\"churned\":%s",
                                    s->a_churned[r->account] ? "true" : "false");
        if (!rc)
                rc = window_json(v, b);
        if (!rc)
                rc = view_buf_num(b, "coverage", r->coverage, 1);
        if (!rc)
                rc = cxg_buf_printf(b,
                                    ",\"objectives_under_reached\":%zu,\"plan_capabilities\":%u,"
                                    "\"plan_capabilities_used\":%u",
                                    r->n_under, r->n_plan_caps, r->n_plan_caps_used);
        if (!rc)
                rc = view_buf_num(b, "usage_ratio", r->usage_ratio, 1);
        if (!rc)
                rc = view_buf_num(b, "over_reach_mrr", r->over_reach_mrr, 1);
        if (!rc)
                rc = cxg_buf_puts(b, ",\"objectives\":[");
        for (size_t i = 0; i < r->n_objectives && !rc; i++) {
                if (i)
                        rc = cxg_buf_putc(b, ',');
                if (!rc)
                        rc = objective_json(v, r, &r->objectives[i], b);
        }
        /* under-reach: each missing need of each under-reached objective, plan or product gap */
        if (!rc)
                rc = cxg_buf_puts(b, "],\"under_reach\":[");
        for (size_t i = 0; i < r->n_objectives && !rc; i++) {
                const struct eng_fit_objective *o = &r->objectives[i];

                for (size_t q = o->need_off; q < o->need_off + o->n_needs && !rc; q++) {
                        const struct eng_fit_need *nd = &r->needs[q];

                        if (nd->included)
                                continue;
                        rc = first ? CXG_OK : cxg_buf_putc(b, ',');
                        first = 0;
                        if (!rc)
                                rc = cxg_buf_puts(b, "{\"objective\":");
                        if (!rc)
                                rc = cxg_buf_json_str(b, s->o_ext[o->objective],
                                                      strlen(s->o_ext[o->objective]));
                        if (!rc)
                                rc = cxg_buf_puts(b, ",\"capability\":");
                        if (!rc)
                                rc = need_head(v, nd->cap, nd->name, b);
                        if (!rc)
                                rc = cxg_buf_printf(b, "},\"gap\":\"%s\"}",
                                                    nd->available ? "plan" : "product");
                }
        }
        if (!rc)
                rc = cxg_buf_puts(b, "],\"over_reach\":[");
        for (size_t i = 0; i < r->n_over && !rc; i++) {
                const struct eng_fit_over *ov = &r->over[i];

                if (i)
                        rc = cxg_buf_putc(b, ',');
                if (!rc)
                        rc = need_head(v, ov->cap, NULL, b);
                if (!rc)
                        rc = view_buf_num(b, "price_share", ov->price_share, 1);
                if (!rc)
                        rc = view_buf_num(b, "share_of_plan_price",
                                          r->n_plan_caps ? 1.0 / (double)r->n_plan_caps : NAN, 1);
                if (!rc)
                        rc = cxg_buf_printf(b, ",\"needed\":%s}", ov->needed ? "true" : "false");
        }
        if (!rc)
                rc = cxg_buf_puts(b, "],\"stakeholders\":[");
        for (size_t i = 0; i < rep->n_stakeholders && !rc; i++) {
                const struct eng_fit_stakeholder *h = &rep->stakeholders[i];
                uint32_t p = h->person;
                int any = 0;

                if (i)
                        rc = cxg_buf_putc(b, ',');
                if (!rc)
                        rc = cxg_buf_puts(b, "{\"person\":");
                if (!rc)
                        rc = p == ENG_FIT_NONE
                                 ? cxg_buf_puts(b, "null")
                                 : cxg_buf_json_str(b, s->p_ext[p], strlen(s->p_ext[p]));
                if (!rc)
                        rc = jstr(b, "name", p == ENG_FIT_NONE ? NULL : s->p_name[p]);
                if (!rc)
                        rc = jstr(b, "role", p == ENG_FIT_NONE ? NULL : s->p_role[p]);
                if (!rc)
                        rc = jstr(b, "seniority",
                                  p == ENG_FIT_NONE ? NULL : model_seniority_name(h->seniority));
                if (!rc)
                        rc = view_buf_num(b, "engagement", h->engagement, 1);
                if (!rc)
                        rc = cxg_buf_printf(b,
                                            ",\"objectives_held\":%u,\"under_reached\":%u,"
                                            "\"unmet\":%u",
                                            h->n_objectives, h->n_under, h->n_unmet);
                if (!rc)
                        rc = view_buf_num(b, "coverage", h->coverage, 1);
                if (!rc)
                        rc = cxg_buf_puts(b, ",\"objectives\":[");
                for (size_t k = 0; k < r->n_objectives && !rc; k++) {
                        const struct eng_fit_objective *o = &r->objectives[k];
                        uint32_t op = o->person < s->n_people ? o->person : ENG_FIT_NONE;

                        if (op != p)
                                continue;
                        rc = any ? cxg_buf_putc(b, ',') : CXG_OK;
                        any = 1;
                        if (!rc)
                                rc = cxg_buf_json_str(b, s->o_ext[o->objective],
                                                      strlen(s->o_ext[o->objective]));
                }
                if (!rc)
                        rc = cxg_buf_puts(b, "]}");
        }
        if (!rc)
                rc = cxg_buf_puts(b, "]}");
        return rc;
}

enum cxg_err view_fit_summary_json(const struct eng_fit_view *v, const struct eng_fit_summary *sum,
                                   size_t limit, struct cxg_buf *b)
{
        const struct eng_snapshot *s = v->snap;
        size_t n_obj = 0, n_miss, shown = 0;
        enum cxg_err rc;

        for (size_t i = 0; i < sum->n_objectives; i++)
                n_obj += sum->objectives[i].n_under > 0;
        n_miss = sum->n_missing;
        if (limit && n_obj > limit)
                n_obj = limit;
        if (limit && n_miss > limit)
                n_miss = limit;
        rc = cxg_buf_printf(b,
                            "{\"accounts\":%u,\"accounts_under_reached\":%u,"
                            "\"accounts_over_reached\":%u",
                            sum->n_accounts, sum->n_accounts_under, sum->n_accounts_over);
        if (!rc)
                rc = view_buf_num(b, "mrr_under_reached", sum->mrr_under, 1);
        if (!rc)
                rc = view_buf_num(b, "mrr_paid_unused", sum->mrr_over, 1);
        if (!rc)
                rc = window_json(v, b);
        if (!rc)
                rc = cxg_buf_puts(b, ",\"objectives\":[");
        for (size_t i = 0; i < sum->n_objectives && shown < n_obj && !rc; i++) {
                const struct eng_fit_objective_row *o = &sum->objectives[i];

                if (!o->n_under)
                        continue;
                rc = cxg_buf_puts(b, shown++ ? ",{\"title\":" : "{\"title\":");
                if (!rc)
                        rc = o->title ? cxg_buf_json_str(b, o->title, strlen(o->title))
                                      : cxg_buf_puts(b, "null");
                if (!rc)
                        rc = cxg_buf_printf(b,
                                            ",\"objectives\":%u,\"under_reached\":%u,"
                                            "\"accounts_under_reached\":%u",
                                            o->n_objectives, o->n_under, o->n_accounts_under);
                if (!rc)
                        rc =
                            view_buf_num(b, "under_share", (double)o->n_under / o->n_objectives, 1);
                if (!rc)
                        rc = view_buf_num(b, "mrr_at_stake", o->mrr_at_stake, 1);
                if (!rc)
                        rc = cxg_buf_putc(b, '}');
        }
        if (!rc)
                rc = cxg_buf_puts(b, "],\"blocking\":[");
        for (size_t i = 0; i < n_miss && !rc; i++) {
                const struct eng_fit_missing_row *m = &sum->missing[i];

                if (i)
                        rc = cxg_buf_putc(b, ',');
                if (!rc)
                        rc = need_head(v, m->cap, m->name, b);
                if (!rc)
                        rc = cxg_buf_printf(b,
                                            ",\"in_product\":%s,\"objectives\":%u,"
                                            "\"accounts\":%u",
                                            m->cap != ENG_FIT_NONE ? "true" : "false",
                                            m->n_objectives, m->n_accounts);
                if (!rc)
                        rc = view_buf_num(b, "mrr_at_stake", m->mrr_at_stake, 1);
                if (!rc)
                        rc = cxg_buf_putc(b, '}');
        }
        if (!rc)
                rc = cxg_buf_puts(b, "],\"plans\":[");
        shown = 0;
        for (size_t p = 0; p < sum->n_plans && !rc; p++) {
                const struct eng_fit_plan_row *pr = &sum->plans[p];
                const char *name = plan_name(v, pr->plan);

                if (!name || !*name || (!pr->n_accounts && !pr->n_caps))
                        continue;
                rc = cxg_buf_puts(b, shown++ ? ",{\"plan\":" : "{\"plan\":");
                if (!rc)
                        rc = cxg_buf_json_str(b, name, strlen(name));
                if (!rc)
                        rc = cxg_buf_printf(b, ",\"accounts\":%u,\"capabilities\":%u",
                                            pr->n_accounts, pr->n_caps);
                if (!rc)
                        rc = view_buf_num(b, "mrr", pr->mrr, 1);
                if (!rc)
                        rc = view_buf_num(b, "used_share", pr->usage_ratio, 1);
                if (!rc)
                        rc = view_buf_num(b, "paid_unused_mrr", pr->paid_unused_mrr, 1);
                if (!rc)
                        rc = cxg_buf_puts(b, ",\"unused\":[");
                for (size_t i = 0, k = 0; i < sum->n_unused && !rc; i++) {
                        const struct eng_fit_unused_row *u = &sum->unused[i];

                        if (u->plan != pr->plan)
                                continue;
                        if (k++)
                                rc = cxg_buf_putc(b, ',');
                        if (!rc)
                                rc = need_head(v, u->cap, NULL, b);
                        if (!rc)
                                rc = cxg_buf_printf(b, ",\"accounts\":%u,\"unused\":%u",
                                                    u->n_accounts, u->n_unused);
                        if (!rc)
                                rc = view_buf_num(b, "unused_share", u->unused_share, 1);
                        if (!rc)
                                rc = view_buf_num(b, "paid_unused_mrr", u->paid_unused_mrr, 1);
                        if (!rc)
                                rc = cxg_buf_putc(b, '}');
                }
                if (!rc)
                        rc = cxg_buf_puts(b, "]}");
        }
        (void)s;
        if (!rc)
                rc = cxg_buf_puts(b, "]}");
        return rc;
}

enum cxg_err view_fit_under_json(const struct eng_fit_view *v, const struct eng_fit_under_row *rows,
                                 size_t n, struct cxg_buf *b)
{
        const struct eng_snapshot *s = v->snap;
        const struct eng_fit *f = &v->fit;
        enum cxg_err rc = cxg_buf_putc(b, '[');

        for (size_t i = 0; i < n && !rc; i++) {
                const struct eng_fit_under_row *u = &rows[i];
                uint32_t o = u->objective, a = u->account, plan = v->acct_plan[a];
                int first = 1;

                rc = cxg_buf_puts(b, i ? ",{\"objective\":" : "{\"objective\":");
                if (!rc)
                        rc = cxg_buf_json_str(b, s->o_ext[o], strlen(s->o_ext[o]));
                if (!rc)
                        rc = jstr(b, "title", s->o_title[o]);
                if (!rc)
                        rc = jstr(b, "status", s->o_status[o]);
                if (!rc)
                        rc = jstr(b, "account", s->a_ext[a]);
                if (!rc)
                        rc = jstr(b, "plan", plan_name(v, plan));
                if (!rc)
                        rc = view_buf_num(b, "mrr", s->a_mrr[a], 1);
                if (!rc)
                        rc = view_buf_num(b, "coverage", u->coverage, 1);
                if (!rc)
                        rc = cxg_buf_printf(b, ",\"plan_gap\":%s,\"product_gap\":%s,\"missing\":[",
                                            u->plan_gap ? "true" : "false",
                                            u->product_gap ? "true" : "false");
                for (uint32_t q = s->o_need_off[o]; q < s->o_need_off[o + 1] && !rc; q++) {
                        uint32_t c = v->obj_needs[q];
                        int included = c != ENG_FIT_NONE && plan != ENG_FIT_NONE &&
                                       f->in_plan[(size_t)plan * f->in.n_caps + c];

                        if (included)
                                continue;
                        rc = first ? CXG_OK : cxg_buf_putc(b, ',');
                        first = 0;
                        if (!rc)
                                rc = need_head(v, c, s->o_need_id[q], b);
                        if (!rc)
                                rc = cxg_buf_printf(b, ",\"gap\":\"%s\"}",
                                                    c == ENG_FIT_NONE ? "product" : "plan");
                }
                if (!rc)
                        rc = cxg_buf_puts(b, "]}");
        }
        if (!rc)
                rc = cxg_buf_putc(b, ']');
        return rc;
}
