/*
 * segments.c: grouping accounts or people by a field or an attribute (segments.h). Attribute
 * values are read from the attributes JSON (jansson) and interned per call.
 */
#include "engine/segments.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/hmap.h"
#include "core/timeconst.h"

static const char *const acc_fields[] = {"plan", "owner",  "currency", "stage",
                                         "band", "garden", "churned",  NULL};

int eng_field_is_canonical(const char *field, int people)
{
        for (int i = 0; acc_fields[i]; i++)
                if (strcmp(field, acc_fields[i]) == 0)
                        return 1;
        return people && (strcmp(field, "seniority") == 0 || strcmp(field, "role") == 0);
}

static const char *none(const char *v)
{
        return v && *v ? v : "(none)";
}

static const char *attr_value(const char *attrs, const char *key, char *out, size_t cap)
{
        json_t *root, *v;

        snprintf(out, cap, "(none)");
        if (!attrs || !strstr(attrs, key))
                return out;
        root = json_loads(attrs, 0, NULL);
        if (!root)
                return out;
        v = json_object_get(root, key);
        if (json_is_string(v) && *json_string_value(v))
                snprintf(out, cap, "%s", json_string_value(v));
        else if (json_is_integer(v))
                snprintf(out, cap, "%lld", (long long)json_integer_value(v));
        else if (json_is_real(v))
                snprintf(out, cap, "%g", json_real_value(v));
        else if (json_is_boolean(v))
                snprintf(out, cap, "%s", json_is_true(v) ? "true" : "false");
        json_decref(root);
        return out;
}

static int account_churned(const struct eng_snapshot *s, uint32_t a, int64_t at)
{
        return s->a_churned[a] && (s->a_churned_at[a] == CXG_TS_NONE || s->a_churned_at[a] <= at);
}

const char *eng_field_value(const struct eng_snapshot *s, const struct eng_scores *r, int people,
                            uint32_t idx, const char *field, int64_t at, char *out, size_t cap)
{
        uint32_t a = people ? s->p_account[idx] : idx;
        const char *v = NULL;

        if (people && strcmp(field, "seniority") == 0)
                v = model_seniority_name(s->p_seniority[idx]);
        else if (people && strcmp(field, "role") == 0)
                v = none(s->p_role[idx]);
        else if (strcmp(field, "plan") == 0)
                v = none(s->plans.names[s->a_plan[a]]);
        else if (strcmp(field, "owner") == 0)
                v = none(s->owners.names[s->a_owner[a]]);
        else if (strcmp(field, "currency") == 0)
                v = none(s->currencies.names[s->a_currency[a]]);
        else if (strcmp(field, "garden") == 0)
                v = s->a_garden[a] ? "yes" : "no";
        else if (strcmp(field, "churned") == 0)
                v = account_churned(s, a, at) ? "yes" : "no";
        else if (strcmp(field, "stage") == 0)
                v = r ? eng_stage_name(r->acc[a].stage) : "(none)";
        else if (strcmp(field, "band") == 0)
                v = r ? eng_band_name(r->acc[a].band) : "(none)";
        if (v) {
                snprintf(out, cap, "%s", v);
                return out;
        }
        /* attribute: the person's own first, then the account's */
        if (people) {
                attr_value(s->p_attrs[idx], field, out, cap);
                if (strcmp(out, "(none)") != 0)
                        return out;
        }
        return attr_value(s->a_attrs[a], field, out, cap);
}

void eng_segments_release(struct eng_segments *g)
{
        for (size_t i = 0; i < g->n; i++)
                cxg_free(g->groups[i].name);
        cxg_free(g->groups);
        cxg_free(g->total.name);
        memset(g, 0, sizeof(*g));
}

double eng_segment_churn(const struct eng_segment *g)
{
        return g->count ? 100.0 * (double)g->churned / (double)g->count : NAN;
}

double eng_segment_nps(const struct eng_segment *g)
{
        if (!g->nps_n)
                return NAN;
        return 100.0 * ((double)g->nps_promoters - (double)g->nps_detractors) / (double)g->nps_n;
}

static int cmp_group(const void *x, const void *y)
{
        const struct eng_segment *a = x, *b = y;

        if (a->count != b->count)
                return a->count < b->count ? 1 : -1;
        return strcmp(a->name, b->name);
}

static void add_member(struct eng_segment *g, double mrr, int churned, double health, double eng)
{
        g->count++;
        g->churned += churned != 0;
        if (!isnan(mrr))
                g->mrr += mrr;
        if (!isnan(health)) {
                g->health_sum += health;
                g->health_n++;
        }
        if (!isnan(eng)) {
                g->eng_sum += eng;
                g->eng_n++;
        }
}

enum cxg_err eng_segments_compute(const struct eng_snapshot *s, const struct eng_scores *r,
                                  const char *field, int people, int64_t at,
                                  struct eng_segments *out, struct cxg_error *err)
{
        struct cxg_hmap idx;
        size_t n = people ? s->n_people : s->n_accounts, cap = 0;
        uint32_t *member_group = NULL;
        enum cxg_err rc = CXG_OK;
        char buf[256];
        int64_t nps_from;

        memset(out, 0, sizeof(*out));
        if (!field || !*field)
                return cxg_error_setf(err, CXG_ERR_USAGE, "by",
                                      "segments: which field? name a field to group by");
        if (at == CXG_TS_NONE)
                at = r ? r->at
                       : (eng_snapshot_latest(s) != CXG_TS_NONE ? eng_snapshot_latest(s)
                                                                : INT64_MAX / 2);
        nps_from = at - (int64_t)CXG_YEAR;
        cxg_hmap_init(&idx);
        member_group = cxg_malloc((n ? n : 1) * sizeof(uint32_t));
        out->total.name = cxg_strdup("(all)");
        if (!member_group || !out->total.name)
                goto nomem;
        for (size_t i = 0; i < n; i++) {
                uint64_t g = out->n;
                int found;
                uint32_t a = people ? s->p_account[i] : (uint32_t)i;
                double health = r ? r->acc[a].health : NAN;
                double eng = r ? (people ? r->p_engagement[i] : r->acc[a].engagement) : NAN;
                int churned = people ? (s->p_left[i] != CXG_TS_NONE && s->p_left[i] <= at)
                                     : account_churned(s, a, at);

                eng_field_value(s, r, people, (uint32_t)i, field, at, buf, sizeof(buf));
                if ((rc = cxg_hmap_intern(&idx, buf, strlen(buf), &g, &found, NULL)))
                        goto done;
                if (!found) {
                        if (CXG_GROW(out->groups, out->n + 1, cap, CXG_GROW_NOCAP))
                                goto nomem;
                        memset(&out->groups[out->n], 0, sizeof(out->groups[0]));
                        out->groups[out->n].name = cxg_strdup(buf);
                        if (!out->groups[out->n].name)
                                goto nomem;
                        out->n++;
                }
                member_group[i] = (uint32_t)g;
                /* people: MRR counted once per account would need dedup; report the account's */
                add_member(&out->groups[g], people ? NAN : s->a_mrr[a], churned,
                           people ? NAN : health, eng);
                add_member(&out->total, people ? NAN : s->a_mrr[a], churned, people ? NAN : health,
                           eng);
        }
        /* NPS answers of the last year, attributed to the answering person or the account */
        for (size_t f = 0; f < s->n_fb; f++) {
                uint32_t who;
                struct eng_segment *g;
                double sc = s->f_score[f];

                if (s->f_kind[f] != CXG_FB_NPS || s->f_ts[f] > at || s->f_ts[f] < nps_from)
                        continue;
                who = people ? s->f_person[f] : s->f_account[f];
                if (who == ENG_NONE)
                        continue;
                g = &out->groups[member_group[who]];
                for (int k = 0; k < 2; k++, g = &out->total) {
                        g->nps_n++;
                        g->nps_promoters += sc >= 9;
                        g->nps_detractors += sc <= 6;
                }
        }
        qsort(out->groups, out->n, sizeof(out->groups[0]), cmp_group);
        goto done;
nomem:
        rc = CXG_ERR_NOMEM;
done:
        cxg_free(member_group);
        cxg_hmap_release(&idx);
        if (rc) {
                eng_segments_release(out);
                return cxg_error_set(err, rc, "segments: %s", cxg_strerror(rc));
        }
        return CXG_OK;
}

static const char *const sm_names[ENG_SM__COUNT] = {"count",  "churn",      "mrr",
                                                    "health", "engagement", "nps"};

const char *eng_segment_metric_name(int m)
{
        return m >= 0 && m < ENG_SM__COUNT ? sm_names[m] : "?";
}

int eng_segment_metric_parse(const char *s, size_t n)
{
        for (int m = 0; m < ENG_SM__COUNT; m++)
                if (strlen(sm_names[m]) == n && strncmp(s, sm_names[m], n) == 0)
                        return m;
        return -1;
}

double eng_segment_metric(const struct eng_segment *g, int m)
{
        switch (m) {
        case ENG_SM_COUNT:
                return (double)g->count;
        case ENG_SM_CHURN:
                return eng_segment_churn(g);
        case ENG_SM_MRR:
                return g->mrr;
        case ENG_SM_HEALTH:
                return g->health_n ? g->health_sum / (double)g->health_n : NAN;
        case ENG_SM_ENGAGEMENT:
                return g->eng_n ? g->eng_sum / (double)g->eng_n : NAN;
        default:
                return eng_segment_nps(g);
        }
}
