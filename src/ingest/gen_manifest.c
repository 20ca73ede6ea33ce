/*
 * gen_manifest.c: the generator's ground truth: the JSON manifest of what was planted (and
 * measured while writing), which tests and docs/generator.md compare the engine against.
 */
#include <stdarg.h>
#include <time.h>

#include "core/banned.h"
#include "ingest/gen_int.h"

static double mrr_usd_at(const struct gen *g, int64_t t)
{
        double sum = 0;

        for (size_t i = 0; i < g->nacc; i++) {
                const struct gperiod *p = gen_period_at(g, &g->acc[i], t);
                if (p)
                        sum += p->mrr / cur_per_usd[g->acc[i].currency];
        }
        return sum;
}

static int survives(const struct gaccount *a, int64_t from, int64_t to)
{
        return gen_active_at(a->created, a->churned, from) &&
               (a->churned == CXG_TS_NONE || a->churned > to);
}

#define J(...)                                                                                     \
        do {                                                                                       \
                if ((rc = cxg_buf_printf(m, __VA_ARGS__)))                                         \
                        goto done;                                                                 \
        } while (0)

/* Scenario 1: erosion behind growth. */
static enum cxg_err erosion_behind_growth(const struct gen *g, struct cxg_buf *m)
{
        enum cxg_err rc = CXG_OK;
        char id[32], d1[16], d2[16], d3[16];
        double mrr_b = mrr_usd_at(g, g->t_b), mrr_e = mrr_usd_at(g, g->end - 1);
        double mrr_a = mrr_usd_at(g, g->t_a);
        int first;
        const char *planted = g->treat ? "true" : "false";

        J("    {\"name\": \"erosion_behind_growth\", \"planted\": %s,\n", planted);
        J("     \"recruiter_launch\": \"%s\", \"window_before\": [\"%s\", \"%s\"],"
          " \"window_after\": [\"%s\", \"%s\"],\n",
          cxg_date_format(g->t_b, d1), cxg_date_format(g->t_a, d2), d1, d1,
          cxg_date_format(g->end, d3));
        J("     \"mrr_usd_at_window_before\": %.2f, \"mrr_usd_at_launch\": %.2f,"
          " \"mrr_usd_at_end\": %.2f, \"mrr_growth_after\": %.4f,\n",
          mrr_a, mrr_b, mrr_e, mrr_b > 0 ? mrr_e / mrr_b - 1 : 0);
        J("     \"exec_activity_target_ratio\": %s, \"erosion_rate_k\": %.4f,"
          " \"expected_exec_activity_ratio\": %.4f,\n",
          g->treat ? "0.6" : "null", g->k_erosion, g->expected_exec_ratio);
        J("     \"exec_interactions_before\": %lld, \"exec_interactions_after\": %lld,"
          " \"exec_activity_change\": %.4f,\n",
          (long long)g->exec_n[0], (long long)g->exec_n[1],
          g->exec_n[0] ? (double)g->exec_n[1] / (double)g->exec_n[0] - 1 : 0);
        J("     \"exec_departures_before\": %lld, \"exec_departures_after\": %lld,"
          " \"exec_departure_hazard_multiplier\": %s,\n",
          (long long)g->exec_left[0], (long long)g->exec_left[1], g->treat ? "2.6" : "1");
        J("     \"eroding_accounts\": [");
        first = 1;
        if (g->treat)
                for (size_t i = 0; i < g->nacc; i++) {
                        const struct gaccount *a = &g->acc[i];
                        int has_exec = 0;

                        if (!a->eroding || !gen_active_at(a->created, a->churned, g->t_b))
                                continue;
                        for (uint32_t k = 0; k < a->n_people && !has_exec; k++) {
                                const struct gperson *p = &g->ppl[a->first_person + k];
                                has_exec = p->sen == CXG_SEN_EXECUTIVE &&
                                           gen_active_at(p->created, p->left, g->t_b);
                        }
                        if (!has_exec)
                                continue;
                        gen_account_ext_id((uint32_t)i, id, sizeof(id));
                        J("%s\"%s\"", first ? "" : ", ", id);
                        first = 0;
                }
        J("],\n     \"departed_executives\": [");
        first = 1;
        for (size_t i = 0; i < g->nppl; i++) {
                const struct gperson *p = &g->ppl[i];

                if (p->sen != CXG_SEN_EXECUTIVE || p->left == CXG_TS_NONE || p->left < g->t_b)
                        continue;
                gen_person_ext_id(p, id, sizeof(id));
                J("%s\"%s\"", first ? "" : ", ", id);
                first = 0;
        }
        J("]},\n");
done:
        return rc;
}

/* Scenario 2: experience degradation of likes. */
static enum cxg_err experience_degradation(const struct gen *g, struct cxg_buf *m)
{
        enum cxg_err rc = CXG_OK;
        char d1[16];
        const char *planted = g->treat ? "true" : "false";
        int ml = gen_month_of(g, g->t_like);
        int64_t p95a = gen_hist_quantile(g->like_hist, 0, ml, 0.95);
        int64_t p95b = gen_hist_quantile(g->like_hist, ml, g->months, 0.95);

        J("    {\"name\": \"experience_degradation\", \"planted\": %s,"
          " \"interaction_type\": \"like\", \"from\": \"%s\", \"from_month\": %d,\n",
          planted, cxg_date_format(g->t_like, d1), ml + 1);
        J("     \"before\": {\"median_ms\": 250, \"sigma\": 0.286, \"fail_rate\": 0.01},"
          " \"after\": %s,\n",
          g->treat ? "{\"median_ms\": 3000, \"sigma\": 0.73, \"fail_rate\": 0.06}" : "null");
        J("     \"measured_p95_ms_before\": %lld, \"measured_p95_ms_after\": %lld,\n",
          (long long)p95a, (long long)p95b);
        J("     \"monthly\": [");
        for (int k = 0; k < g->months; k++)
                J("%s{\"month\": \"%s\", \"likes\": %lld, \"p95_ms\": %lld,"
                  " \"fail_rate\": %.4f}",
                  k ? ", " : "", cxg_date_format(cxg_month_start(g->month0 + k), d1),
                  (long long)g->like_n[k],
                  (long long)gen_hist_quantile(g->like_hist, k, k + 1, 0.95),
                  g->like_n[k] ? g->like_fail[k] / (double)g->like_n[k] : 0);
        J("]},\n");
done:
        return rc;
}

/* Scenario 3: garden effect on retention. */
static enum cxg_err garden_effect(const struct gen *g, struct cxg_buf *m)
{
        enum cxg_err rc = CXG_OK;
        char id[32], d1[16];
        const char *planted = g->treat ? "true" : "false";
        int64_t members = 0, kept = 0, matched = 0;
        double matched_ret = 0;

        J("    {\"name\": \"garden_effect\", \"planted\": %s,"
          " \"retention_uplift_points\": %s, \"follow_days\": 180,\n",
          planted, g->treat ? "10" : "0");
        J("     \"membership_attributes\": [\"garden\", \"garden_joined_at\"],\n");
        J("     \"gardens\": [");
        for (int k = 0; k < 3; k++)
                J("%s{\"name\": \"%s\", \"topic\": \"%s\"}", k ? ", " : "", gardens[k].name,
                  gardens[k].topic);
        J("],\n     \"members\": [");
        for (size_t i = 0; i < g->nacc; i++) {
                const struct gaccount *a = &g->acc[i];
                const struct gperiod *pj;
                int64_t j = a->garden_joined, n = 0, s = 0;

                if (!a->garden)
                        continue;
                pj = gen_period_at(g, a, j);
                gen_account_ext_id((uint32_t)i, id, sizeof(id));
                J("%s{\"account\": \"%s\", \"garden\": \"%s\", \"joined_at\": \"%s\","
                  " \"plan_at_join\": \"%s\", \"engagement_band\": \"%s\","
                  " \"retained_180d\": %s}",
                  members ? ",\n       " : "\n       ", id, gardens[a->garden - 1].name,
                  cxg_date_format(j, d1), pj ? plan_names[pj->plan] : "", band_names[a->band],
                  survives(a, j, j + 180 * (int64_t)CXG_DAY) ? "true" : "false");
                members++;
                kept += survives(a, j, j + 180 * (int64_t)CXG_DAY);
                for (size_t q = 0; q < g->nacc && pj; q++) {
                        const struct gaccount *b = &g->acc[q];
                        const struct gperiod *pb;

                        if (b->garden || b->band != a->band ||
                            !gen_active_at(b->created, b->churned, j))
                                continue;
                        pb = gen_period_at(g, b, j);
                        if (!pb || pb->plan != pj->plan)
                                continue;
                        n++;
                        s += survives(b, j, j + 180 * (int64_t)CXG_DAY);
                }
                if (n) {
                        matched++;
                        matched_ret += (double)s / (double)n;
                }
        }
        J("],\n     \"member_count\": %lld, \"member_share\": %.4f,"
          " \"member_retention_180d\": %.4f,"
          " \"matched_nonmember_retention_180d\": %.4f}",
          (long long)members, g->nacc ? (double)members / (double)g->nacc : 0,
          members ? (double)kept / (double)members : 0,
          matched ? matched_ret / (double)matched : 0);
        J(",\n");
done:
        return rc;
}

/* Scenario 4: fit of premium accounts and objectives missing capabilities. */
static enum cxg_err fit(const struct gen *g, struct cxg_buf *m)
{
        enum cxg_err rc = CXG_OK;
        char id[32];
        const char *planted = g->treat ? "true" : "false";
        int64_t n_prem = 0, gaps = 0;
        double adopted = 0, used = 0;
        unsigned inc = gen_plan_caps(P_PREMIUM);
        int ninc = 0;

        for (int c = 0; c < C__COUNT; c++)
                ninc += inc >> c & 1;
        for (size_t i = 0; i < g->nacc; i++) {
                const struct gaccount *a = &g->acc[i];
                const struct gperiod *p = gen_period_at(g, a, g->end - 1);
                int na = 0, nu = 0;
                unsigned am;

                if (!p || p->plan != P_PREMIUM)
                        continue;
                am = gen_adopt_mask(g, a, P_PREMIUM);
                for (int c = 0; c < C__COUNT; c++) {
                        na += am >> c & 1;
                        nu += (a->used_mask & inc) >> c & 1;
                }
                n_prem++;
                adopted += (double)na / ninc;
                used += (double)nu / ninc;
        }
        J("    {\"name\": \"fit\", \"planted\": %s, \"premium_use_target\": %s,"
          " \"premium_adoption_rate\": %.4f,\n",
          planted, g->treat ? "0.4" : "null", (g->treat ? 115 : 205) / 256.0);
        J("     \"premium_accounts_at_end\": %lld, \"premium_capabilities_included\": %d,"
          " \"premium_mean_share_adopted\": %.4f,"
          " \"premium_mean_share_used_last_90_days\": %.4f,\n",
          (long long)n_prem, ninc, n_prem ? adopted / (double)n_prem : 0,
          n_prem ? used / (double)n_prem : 0);
        J("     \"objectives_missing_capabilities\": [");
        for (size_t i = 0; i < g->nacc; i++) {
                const struct gaccount *a = &g->acc[i];
                int final = g->per[a->first_period + a->n_periods - 1].plan;
                unsigned have = gen_plan_caps(final);

                for (int k = 0; k < a->n_obj; k++) {
                        unsigned miss = objectives[a->obj_tpl[k]].caps & ~have;
                        int f2 = 1;

                        if (!miss)
                                continue;
                        gen_account_ext_id((uint32_t)i, id, sizeof(id));
                        J("%s{\"objective\": \"obj-%06u-%d\", \"account\": \"%s\","
                          " \"plan\": \"%s\", \"missing\": [",
                          gaps ? ",\n       " : "\n       ", (unsigned)i + 1, k + 1, id,
                          plan_names[final]);
                        for (int c = 0; c < C__COUNT; c++)
                                if (miss >> c & 1) {
                                        J("%s\"%s\"", f2 ? "" : ", ", caps[c].id);
                                        f2 = 0;
                                }
                        J("]}");
                        gaps++;
                }
        }
        J("],\n     \"objectives_missing_capabilities_count\": %lld},\n", (long long)gaps);
done:
        return rc;
}

/* Scenario 5: rising expectation of support. */
static enum cxg_err rising_expectation(const struct gen *g, struct cxg_buf *m)
{
        enum cxg_err rc = CXG_OK;
        char d1[16];
        const char *planted = g->treat ? "true" : "false";
        int h = g->months / 4;
        double c0 = 0, c1 = 0;
        int64_t n0 = 0, n1 = 0;

        for (int k = 0; k < h; k++) {
                c0 += g->csat_sum[k];
                n0 += g->csat_n[k];
                c1 += g->csat_sum[g->months - 1 - k];
                n1 += g->csat_n[g->months - 1 - k];
        }
        J("    {\"name\": \"rising_expectation\", \"planted\": %s,"
          " \"interaction_types\": [\"support_ticket\", \"support_chat\"],"
          " \"response_time_improvement\": %s, \"csat\": \"flat\",\n",
          planted, g->treat ? "4" : "1");
        J("     \"support_ticket_median_ms_first_quarter\": %lld,"
          " \"support_ticket_median_ms_last_quarter\": %lld,"
          " \"csat_mean_first_quarter\": %.3f, \"csat_mean_last_quarter\": %.3f,\n",
          (long long)gen_hist_quantile(g->sup_hist, 0, h, 0.5),
          (long long)gen_hist_quantile(g->sup_hist, g->months - h, g->months, 0.5),
          n0 ? c0 / (double)n0 : 0, n1 ? c1 / (double)n1 : 0);
        J("     \"monthly\": [");
        for (int k = 0; k < g->months; k++)
                J("%s{\"month\": \"%s\", \"support_ticket_median_ms\": %lld,"
                  " \"csat_n\": %lld, \"csat_mean\": %.3f}",
                  k ? ", " : "", cxg_date_format(cxg_month_start(g->month0 + k), d1),
                  (long long)gen_hist_quantile(g->sup_hist, k, k + 1, 0.5), (long long)g->csat_n[k],
                  g->csat_n[k] ? g->csat_sum[k] / (double)g->csat_n[k] : 0);
        J("]}\n  ]\n}\n");
done:
        return rc;
}

enum cxg_err gen_manifest(struct gen *g, const struct gen_summary *sum, struct cxg_buf *m)
{
        enum cxg_err rc = CXG_OK;
        char d1[16], d2[16];

        J("{\n  \"generator\": \"cxgarden generate\",\n  \"seed\": %llu,\n  \"scale\": %.6g,\n"
          "  \"activity\": %.6g,\n  \"months\": %d,\n  \"control\": %s,\n",
          (unsigned long long)g->o->seed, g->o->scale, g->o->activity, g->months,
          g->treat ? "false" : "true");
        J("  \"start\": \"%s\",\n  \"end\": \"%s\",\n", cxg_date_format(g->start, d1),
          cxg_date_format(g->end, d2));
        J("  \"counts\": {\"accounts\": %lld, \"people\": %lld, \"subscriptions\": %lld, "
          "\"interactions\": %lld, \"feedback\": %lld, \"objectives\": %lld, "
          "\"capabilities\": %lld, \"interaction_types\": %lld},\n",
          (long long)sum->accounts, (long long)sum->people, (long long)sum->subscriptions,
          (long long)sum->interactions, (long long)sum->feedback, (long long)sum->objectives,
          (long long)sum->capabilities, (long long)sum->interaction_types);
        J("  \"fx_per_usd\": {\"USD\": 1, \"EUR\": %.2f, \"GBP\": %.2f},\n", cur_per_usd[CUR_EUR],
          cur_per_usd[CUR_GBP]);
        J("  \"scenarios\": [\n");
        if ((rc = erosion_behind_growth(g, m)) || (rc = experience_degradation(g, m)) ||
            (rc = garden_effect(g, m)) || (rc = fit(g, m)) || (rc = rising_expectation(g, m)))
                goto done;
done:
        return rc;
}
