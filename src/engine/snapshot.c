/*
 * snapshot.c: builds and refreshes the engine's columnar snapshot (see snapshot.h): loading
 * through the store's scans, interning, grouping interactions by account with a delta segment,
 * and the monthly counters the scores and cohorts read.
 */
#include "engine/snapshot.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/log.h"

/* Grow ptr to hold n elements; evaluates to 0 on success, 1 when out of memory. */
#define GROW(ptr, n) (tmp = cxg_realloc((ptr), (n) * sizeof(*(ptr))), tmp ? ((ptr) = tmp, 0) : 1)

static size_t next_cap(size_t cap, size_t need)
{
        size_t c = cap ? cap : 64;

        while (c < need)
                c *= 2;
        return c;
}

/* ---- strings and dictionaries ---- */

static const char *sdup(struct eng_snapshot *s, const char *str)
{
        if (!str)
                return NULL;
        return cxg_arena_strdup(&s->strings, str);
}

static void dict_init(struct eng_dict *d)
{
        memset(d, 0, sizeof(*d));
        cxg_hmap_init(&d->map);
}

static void dict_release(struct eng_dict *d)
{
        cxg_hmap_release(&d->map);
        cxg_free(d->names);
        memset(d, 0, sizeof(*d));
}

/* Index of str in d, adding it when new; NULL and "" are index 0. */
static enum cxg_err dict_intern(struct eng_dict *d, const char *str, uint16_t *out)
{
        uint64_t v;
        int found;
        const char *stored;
        void *tmp;
        enum cxg_err rc;

        if (d->n == 0) {
                /* slot 0 is the empty string */
                if (GROW(d->names, 16))
                        return CXG_ERR_NOMEM;
                d->cap = 16;
                v = 0;
                rc = cxg_hmap_intern(&d->map, "", 0, &v, &found, &stored);
                if (rc)
                        return rc;
                d->names[0] = stored;
                d->n = 1;
        }
        if (!str || !*str) {
                *out = 0;
                return CXG_OK;
        }
        v = d->n;
        rc = cxg_hmap_intern(&d->map, str, strlen(str), &v, &found, &stored);
        if (rc)
                return rc;
        if (found) {
                *out = (uint16_t)v;
                return CXG_OK;
        }
        if (d->n >= UINT16_MAX)
                return CXG_ERR_LIMIT;
        if (d->n == d->cap) {
                if (GROW(d->names, d->cap * 2))
                        return CXG_ERR_NOMEM;
                d->cap *= 2;
        }
        d->names[d->n] = stored;
        *out = (uint16_t)d->n++;
        return CXG_OK;
}

/* ---- lifecycle ---- */

void eng_snapshot_init(struct eng_snapshot *s, const struct eng_load_opts *opts)
{
        memset(s, 0, sizeof(*s));
        cxg_arena_init(&s->strings, 1024 * 1024, 0);
        dict_init(&s->plans);
        dict_init(&s->currencies);
        dict_init(&s->owners);
        dict_init(&s->types);
        cxg_hmap_init(&s->a_by_ext);
        cxg_hmap_init(&s->p_by_ext);
        cxg_hmap_init(&s->texts);
        s->slow_ms = opts && opts->slow_ms ? opts->slow_ms : 5000;
        s->merge_fraction = opts && opts->merge_fraction > 0 ? opts->merge_fraction : 0.05;
        s->min_ts = s->max_ts = CXG_TS_NONE;
}

static void icols_release(struct eng_icols *c)
{
        cxg_free(c->ts);
        cxg_free(c->person);
        cxg_free(c->account);
        cxg_free(c->duration);
        cxg_free(c->value);
        cxg_free(c->type);
        cxg_free(c->channel);
        cxg_free(c->outcome);
        memset(c, 0, sizeof(*c));
}

void eng_snapshot_release(struct eng_snapshot *s)
{
        void *cols[] = {
            s->a_id,       s->a_ext,    s->a_name,    s->a_attrs,      s->a_plan,
            s->a_currency, s->a_owner,  s->a_mrr,     s->a_created,    s->a_churned_at,
            s->a_churned,  s->a_garden, s->a_by_id,   s->p_id,         s->p_ext,
            s->p_name,     s->p_role,   s->p_attrs,   s->p_account,    s->p_seniority,
            s->p_created,  s->p_left,   s->p_by_id,   s->a_poff,       s->p_list,
            s->s_account,  s->s_plan,   s->s_mrr,     s->s_start,      s->s_end,
            s->a_soff,     s->f_ts,     s->f_person,  s->f_account,    s->f_kind,
            s->f_score,    s->a_foff,   s->t_by_id,   s->t_caps,       s->c_ext,
            s->c_name,     s->c_plans,  s->o_account, s->o_importance, s->o_caps,
            s->o_title,    s->o_status, s->a_ioff,    s->a_doff,       s->d_idx,
            s->a_month,    s->p_active,
        };
        void *more[] = {s->f_comment,  s->o_person,   s->o_ext,
                        s->o_need_off, s->o_need_cap, s->o_need_id};

        for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
                cxg_free(cols[i]);
        for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++)
                cxg_free(more[i]);
        cxg_free(s->t_lat_sum);
        cxg_free(s->t_lat_n);
        cxg_free(s->a_ooff);
        cxg_free(s->o_list);
        icols_release(&s->main);
        icols_release(&s->delta);
        dict_release(&s->plans);
        dict_release(&s->currencies);
        dict_release(&s->owners);
        dict_release(&s->types);
        cxg_hmap_release(&s->a_by_ext);
        cxg_hmap_release(&s->p_by_ext);
        cxg_hmap_release(&s->texts);
        cxg_arena_release(&s->strings);
        memset(s, 0, sizeof(*s));
}

/* ---- id maps ---- */

static enum cxg_err idmap_set(uint32_t **map, size_t *cap, int64_t id, uint32_t idx)
{
        void *tmp;

        if (id < 0 || id > (int64_t)UINT32_MAX)
                return CXG_ERR_LIMIT;
        if ((size_t)id >= *cap) {
                size_t nc = next_cap(*cap, (size_t)id + 1);

                if (GROW(*map, nc))
                        return CXG_ERR_NOMEM;
                for (size_t i = *cap; i < nc; i++)
                        (*map)[i] = ENG_NONE;
                *cap = nc;
        }
        (*map)[id] = idx;
        return CXG_OK;
}

static uint32_t idmap_get(const uint32_t *map, size_t cap, int64_t id)
{
        if (id < 0 || (size_t)id >= cap)
                return ENG_NONE;
        return map[id];
}

/* ---- accounts ---- */

static int json_truthy(json_t *v)
{
        if (!v)
                return 0;
        if (json_is_true(v))
                return 1;
        if (json_is_integer(v))
                return json_integer_value(v) != 0;
        if (json_is_real(v))
                return json_real_value(v) != 0;
        if (json_is_string(v)) {
                const char *t = json_string_value(v);
                int b = 0;

                if (cxg_parse_bool(t, strlen(t), &b, NULL) == CXG_OK)
                        return b;
                /* a garden name counts as membership */
                return *t != 0 && !cxg_ieq(t, strlen(t), "none");
        }
        return 0;
}

/* 1 when the attributes JSON text has a true "garden" key. */
static int attrs_garden(const char *attrs)
{
        json_t *root, *v;
        int r = 0;

        if (!attrs || !strstr(attrs, "garden"))
                return 0;
        root = json_loads(attrs, 0, NULL);
        if (!root)
                return 0;
        v = json_object_get(root, "garden");
        r = json_truthy(v);
        json_decref(root);
        return r;
}

static enum cxg_err grow_accounts(struct eng_snapshot *s, size_t need)
{
        void *tmp;
        size_t c;

        if (need <= s->cap_accounts)
                return CXG_OK;
        c = next_cap(s->cap_accounts, need);
        if (GROW(s->a_id, c) || GROW(s->a_ext, c) || GROW(s->a_name, c) || GROW(s->a_attrs, c) ||
            GROW(s->a_plan, c) || GROW(s->a_currency, c) || GROW(s->a_owner, c) ||
            GROW(s->a_mrr, c) || GROW(s->a_created, c) || GROW(s->a_churned_at, c) ||
            GROW(s->a_churned, c) || GROW(s->a_garden, c))
                return CXG_ERR_NOMEM;
        s->cap_accounts = c;
        return CXG_OK;
}

/* Replace *slot with a copy of str unless equal. */
static enum cxg_err set_str(struct eng_snapshot *s, const char **slot, const char *str)
{
        if (*slot == str || (*slot && str && strcmp(*slot, str) == 0))
                return CXG_OK;
        if (!str) {
                *slot = NULL;
                return CXG_OK;
        }
        *slot = sdup(s, str);
        return *slot ? CXG_OK : CXG_ERR_NOMEM;
}

enum cxg_err eng_snapshot_add_account(struct eng_snapshot *s, int64_t id, const struct account *a)
{
        uint32_t idx = idmap_get(s->a_by_id, s->a_by_id_cap, id);
        enum cxg_err rc;
        int is_new = idx == ENG_NONE;

        if (is_new) {
                if ((rc = grow_accounts(s, s->n_accounts + 1)))
                        return rc;
                idx = (uint32_t)s->n_accounts;
                s->a_ext[idx] = s->a_name[idx] = s->a_attrs[idx] = NULL;
                if ((rc = set_str(s, &s->a_ext[idx], a->id ? a->id : "")))
                        return rc;
                if ((rc = cxg_hmap_put(&s->a_by_ext, s->a_ext[idx], strlen(s->a_ext[idx]), idx)))
                        return rc;
                if ((rc = idmap_set(&s->a_by_id, &s->a_by_id_cap, id, idx)))
                        return rc;
                s->a_id[idx] = id;
                s->n_accounts++;
                if (id > s->last_account_id)
                        s->last_account_id = id;
                s->finished = 0;
        }
        if ((rc = set_str(s, &s->a_name[idx], a->name)) ||
            (rc = set_str(s, &s->a_attrs[idx], a->attributes)))
                return rc;
        if ((rc = dict_intern(&s->plans, a->plan, &s->a_plan[idx])) ||
            (rc = dict_intern(&s->currencies, a->currency, &s->a_currency[idx])) ||
            (rc = dict_intern(&s->owners, a->owner, &s->a_owner[idx])))
                return rc;
        s->a_mrr[idx] = (float)a->mrr;
        s->a_created[idx] = a->created_at;
        s->a_churned_at[idx] = a->churned_at;
        s->a_churned[idx] = (a->churned == 1 || a->churned_at != CXG_TS_NONE) ? 1 : 0;
        s->a_garden[idx] = (uint8_t)attrs_garden(a->attributes);
        return CXG_OK;
}

/* ---- people ---- */

static enum cxg_err grow_people(struct eng_snapshot *s, size_t need)
{
        void *tmp;
        size_t c;

        if (need <= s->cap_people)
                return CXG_OK;
        c = next_cap(s->cap_people, need);
        if (GROW(s->p_id, c) || GROW(s->p_ext, c) || GROW(s->p_name, c) || GROW(s->p_role, c) ||
            GROW(s->p_attrs, c) || GROW(s->p_account, c) || GROW(s->p_seniority, c) ||
            GROW(s->p_created, c) || GROW(s->p_left, c))
                return CXG_ERR_NOMEM;
        s->cap_people = c;
        return CXG_OK;
}

enum cxg_err eng_snapshot_add_person(struct eng_snapshot *s, int64_t id, int64_t account_id,
                                     const struct person *p)
{
        uint32_t acc = idmap_get(s->a_by_id, s->a_by_id_cap, account_id);
        uint32_t idx = idmap_get(s->p_by_id, s->p_by_id_cap, id);
        enum cxg_err rc;
        int sen = p->seniority;

        if (acc == ENG_NONE)
                return CXG_ERR_NOTFOUND;
        if (idx == ENG_NONE) {
                if ((rc = grow_people(s, s->n_people + 1)))
                        return rc;
                idx = (uint32_t)s->n_people;
                s->p_ext[idx] = s->p_name[idx] = s->p_role[idx] = s->p_attrs[idx] = NULL;
                if ((rc = set_str(s, &s->p_ext[idx], p->id ? p->id : "")))
                        return rc;
                if ((rc = cxg_hmap_put(&s->p_by_ext, s->p_ext[idx], strlen(s->p_ext[idx]), idx)))
                        return rc;
                if ((rc = idmap_set(&s->p_by_id, &s->p_by_id_cap, id, idx)))
                        return rc;
                s->p_id[idx] = id;
                s->n_people++;
                if (id > s->last_person_id)
                        s->last_person_id = id;
        }
        if ((rc = set_str(s, &s->p_name[idx], p->name)) ||
            (rc = set_str(s, &s->p_role[idx], p->role)) ||
            (rc = set_str(s, &s->p_attrs[idx], p->attributes)))
                return rc;
        if (sen < 0 || sen >= CXG_SEN__COUNT)
                sen = p->role ? (int)model_seniority_from_title(p->role, strlen(p->role))
                              : CXG_SEN_UNKNOWN;
        s->p_account[idx] = acc;
        s->p_seniority[idx] = (uint8_t)sen;
        s->p_created[idx] = p->created_at;
        s->p_left[idx] = p->left_at;
        s->finished = 0;
        return CXG_OK;
}

/* ---- types ---- */

enum cxg_err eng_snapshot_add_type(struct eng_snapshot *s, int32_t id, const char *name)
{
        uint16_t t;
        enum cxg_err rc;
        void *tmp;

        if ((rc = dict_intern(&s->types, name, &t)))
                return rc;
        if (id < 0)
                return CXG_ERR_INVALID;
        if ((size_t)id >= s->t_by_id_cap) {
                size_t nc = next_cap(s->t_by_id_cap, (size_t)id + 1);

                if (GROW(s->t_by_id, nc))
                        return CXG_ERR_NOMEM;
                memset(s->t_by_id + s->t_by_id_cap, 0, (nc - s->t_by_id_cap) * sizeof(uint16_t));
                s->t_by_id_cap = nc;
        }
        s->t_by_id[id] = t;
        return CXG_OK;
}

/* ---- interactions ---- */

static enum cxg_err icols_grow(struct eng_icols *c, size_t need)
{
        void *tmp;
        size_t nc;

        if (need <= c->cap)
                return CXG_OK;
        nc = next_cap(c->cap, need);
        if (GROW(c->ts, nc) || GROW(c->person, nc) || GROW(c->account, nc) ||
            GROW(c->duration, nc) || GROW(c->value, nc) || GROW(c->type, nc) ||
            GROW(c->channel, nc) || GROW(c->outcome, nc))
                return CXG_ERR_NOMEM;
        c->cap = nc;
        return CXG_OK;
}

enum cxg_err eng_snapshot_reserve(struct eng_snapshot *s, size_t n)
{
        return icols_grow(&s->delta, s->delta.n + n);
}

enum cxg_err eng_snapshot_add_interaction(struct eng_snapshot *s, const struct store_interaction *r)
{
        struct eng_icols *c = &s->delta;
        uint32_t p = idmap_get(s->p_by_id, s->p_by_id_cap, r->person_id);
        uint32_t a = idmap_get(s->a_by_id, s->a_by_id_cap, r->account_id);
        int64_t rel = r->ts - ENG_EPOCH;
        size_t i;
        enum cxg_err rc;

        /* a row that cannot be stored for want of memory is not seen: the next refresh retries */
        if ((rc = icols_grow(c, c->n + 1)))
                return rc;
        if (r->id > s->last_interaction_id)
                s->last_interaction_id = r->id;
        if (p == ENG_NONE || a == ENG_NONE)
                return CXG_ERR_NOTFOUND;
        if (rel < INT32_MIN || rel > INT32_MAX)
                return CXG_ERR_LIMIT;
        i = c->n++;
        c->ts[i] = (int32_t)rel;
        c->person[i] = p;
        c->account[i] = a;
        c->duration[i] = (r->duration_ms < 0 || r->duration_ms >= (int64_t)ENG_DUR_NONE)
                             ? ENG_DUR_NONE
                             : (uint32_t)r->duration_ms;
        c->value[i] = (float)r->value;
        c->type[i] =
            (r->type_id >= 0 && (size_t)r->type_id < s->t_by_id_cap) ? s->t_by_id[r->type_id] : 0;
        c->channel[i] = r->channel < CXG_CH__COUNT ? r->channel : CXG_CH_OTHER;
        c->outcome[i] = r->outcome < CXG_OUT__COUNT ? r->outcome : CXG_OUT_NONE;
        if (s->min_ts == CXG_TS_NONE || r->ts < s->min_ts)
                s->min_ts = r->ts;
        if (s->max_ts == CXG_TS_NONE || r->ts > s->max_ts)
                s->max_ts = r->ts;
        s->finished = 0;
        return CXG_OK;
}

/* ---- feedback and subscriptions ---- */

/*
 * The snapshot's copy of a comment or capability id: interned, so a refresh that re-reads the
 * feedback and objectives finds the strings it already holds instead of growing the arena.
 */
static enum cxg_err intern_text(struct eng_snapshot *s, const char *str, const char **out)
{
        uint64_t v = 0;
        int found;

        return cxg_hmap_intern(&s->texts, str, strlen(str), &v, &found, out);
}

enum cxg_err eng_snapshot_add_feedback(struct eng_snapshot *s, int64_t person_id,
                                       int64_t account_id, const struct feedback *f)
{
        uint32_t p = idmap_get(s->p_by_id, s->p_by_id_cap, person_id);
        uint32_t a = idmap_get(s->a_by_id, s->a_by_id_cap, account_id);
        void *tmp;

        if (a == ENG_NONE)
                return CXG_ERR_NOTFOUND;
        if (s->n_fb == s->cap_fb) {
                size_t c = next_cap(s->cap_fb, s->n_fb + 1);

                if (GROW(s->f_ts, c) || GROW(s->f_person, c) || GROW(s->f_account, c) ||
                    GROW(s->f_kind, c) || GROW(s->f_score, c) || GROW(s->f_comment, c))
                        return CXG_ERR_NOMEM;
                s->cap_fb = c;
        }
        s->f_comment[s->n_fb] = NULL;
        if (f->comment && *f->comment &&
            intern_text(s, f->comment, &s->f_comment[s->n_fb]) != CXG_OK)
                return CXG_ERR_NOMEM;
        s->f_ts[s->n_fb] = f->ts;
        s->f_person[s->n_fb] = p;
        s->f_account[s->n_fb] = a;
        s->f_kind[s->n_fb] = (uint8_t)(f->kind >= 0 && f->kind < CXG_FB__COUNT ? f->kind : 0);
        s->f_score[s->n_fb] = (float)f->score;
        s->n_fb++;
        s->finished = 0;
        return CXG_OK;
}

enum cxg_err eng_snapshot_add_subscription(struct eng_snapshot *s, int64_t account_id,
                                           const struct subscription *sub)
{
        uint32_t a = idmap_get(s->a_by_id, s->a_by_id_cap, account_id);
        enum cxg_err rc;
        void *tmp;

        if (a == ENG_NONE)
                return CXG_ERR_NOTFOUND;
        if (s->n_subs == s->cap_subs) {
                size_t c = next_cap(s->cap_subs, s->n_subs + 1);

                if (GROW(s->s_account, c) || GROW(s->s_plan, c) || GROW(s->s_mrr, c) ||
                    GROW(s->s_start, c) || GROW(s->s_end, c))
                        return CXG_ERR_NOMEM;
                s->cap_subs = c;
        }
        if ((rc = dict_intern(&s->plans, sub->plan, &s->s_plan[s->n_subs])))
                return rc;
        s->s_account[s->n_subs] = a;
        s->s_mrr[s->n_subs] = (float)sub->mrr;
        s->s_start[s->n_subs] = sub->started_at;
        s->s_end[s->n_subs] = sub->ended_at;
        s->n_subs++;
        s->finished = 0;
        return CXG_OK;
}

/* ---- capabilities and objectives ---- */

enum cxg_err eng_snapshot_add_capability(struct eng_snapshot *s, const struct capability *c)
{
        size_t i = s->n_caps;
        void *tmp;
        uint64_t plans = 0;
        enum cxg_err rc;

        if (i >= ENG_MAX_CAPS)
                return CXG_OK; /* counted only up to ENG_MAX_CAPS (documented) */
        if (GROW(s->c_ext, i + 1) || GROW(s->c_name, i + 1) || GROW(s->c_plans, i + 1))
                return CXG_ERR_NOMEM;
        s->c_ext[i] = sdup(s, c->id ? c->id : "");
        s->c_name[i] = sdup(s, c->name ? c->name : (c->id ? c->id : ""));
        if (!s->c_ext[i] || !s->c_name[i])
                return CXG_ERR_NOMEM;
        for (size_t k = 0; k < c->n_plans; k++) {
                uint16_t pl;

                if ((rc = dict_intern(&s->plans, c->plans[k], &pl)))
                        return rc;
                if (pl < 64)
                        plans |= UINT64_C(1) << pl;
        }
        s->c_plans[i] = plans;
        s->n_caps++;
        /* types: intern now, so interactions of those types map to this capability */
        for (size_t k = 0; k < c->n_interaction_types; k++) {
                uint16_t t;

                if ((rc = dict_intern(&s->types, c->interaction_types[k], &t)))
                        return rc;
                if (t >= s->t_caps_cap) {
                        size_t nc = next_cap(s->t_caps_cap, (size_t)t + 1);

                        if (GROW(s->t_caps, nc))
                                return CXG_ERR_NOMEM;
                        memset(s->t_caps + s->t_caps_cap, 0,
                               (nc - s->t_caps_cap) * sizeof(uint64_t));
                        s->t_caps_cap = nc;
                }
                s->t_caps[t] |= UINT64_C(1) << i;
        }
        s->finished = 0;
        return CXG_OK;
}

enum cxg_err eng_snapshot_add_objective(struct eng_snapshot *s, int64_t account_id,
                                        const struct objective *o)
{
        uint32_t a = idmap_get(s->a_by_id, s->a_by_id_cap, account_id);
        void *tmp;
        uint64_t caps = 0;
        size_t i = s->n_obj;

        if (a == ENG_NONE)
                return CXG_ERR_NOTFOUND;
        if (i == s->cap_obj) {
                size_t c = next_cap(s->cap_obj, i + 1);

                if (GROW(s->o_account, c) || GROW(s->o_importance, c) || GROW(s->o_caps, c) ||
                    GROW(s->o_title, c) || GROW(s->o_status, c) || GROW(s->o_person, c) ||
                    GROW(s->o_ext, c) || GROW(s->o_need_off, c + 1))
                        return CXG_ERR_NOMEM;
                s->cap_obj = c;
        }
        if (i == 0)
                s->n_o_needs = 0;
        if (s->n_o_needs + o->n_capabilities > s->cap_o_needs) {
                size_t c = next_cap(s->cap_o_needs, s->n_o_needs + o->n_capabilities);

                if (GROW(s->o_need_cap, c) || GROW(s->o_need_id, c))
                        return CXG_ERR_NOMEM;
                s->cap_o_needs = c;
        }
        s->o_need_off[i] = (uint32_t)s->n_o_needs;
        for (size_t k = 0; k < o->n_capabilities; k++) {
                const char *id = o->capabilities[k];
                uint32_t cap = ENG_NONE;

                if (!id || !*id)
                        continue;
                for (size_t j = 0; j < s->n_caps; j++)
                        if (strcmp(id, s->c_ext[j]) == 0) {
                                caps |= UINT64_C(1) << j;
                                cap = (uint32_t)j;
                                break;
                        }
                /* the same need listed twice counts once */
                for (size_t q = s->o_need_off[i]; q < s->n_o_needs && id; q++)
                        if (strcmp(s->o_need_id[q], id) == 0)
                                id = NULL;
                if (!id)
                        continue;
                if (intern_text(s, id, &s->o_need_id[s->n_o_needs]))
                        return CXG_ERR_NOMEM;
                s->o_need_cap[s->n_o_needs++] = cap;
        }
        s->o_need_off[i + 1] = (uint32_t)s->n_o_needs;
        s->o_account[i] = a;
        s->o_person[i] = o->person_id ? eng_person_find(s, o->person_id) : ENG_NONE;
        if (intern_text(s, o->id ? o->id : "", &s->o_ext[i]))
                return CXG_ERR_NOMEM;
        s->o_importance[i] =
            (uint8_t)(o->importance >= 1 && o->importance <= 5 ? o->importance : 3);
        s->o_caps[i] = caps;
        s->o_title[i] = sdup(s, o->title ? o->title : "");
        s->o_status[i] = sdup(s, o->status ? o->status : "open");
        if (!s->o_title[i] || !s->o_status[i] || !s->o_ext[i])
                return CXG_ERR_NOMEM;
        s->n_obj++;
        return CXG_OK;
}

/* ---- finishing: grouping and sorting ---- */

static int cmp_u64(const void *x, const void *y)
{
        uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

        return a < b ? -1 : a > b;
}

/* Offsets (n_groups + 1) of a counting sort of keys; order receives indexes grouped by key. */
static enum cxg_err group_by(const uint32_t *keys, size_t n, size_t n_groups, uint32_t **off_out,
                             uint32_t **order_out)
{
        uint32_t *off = cxg_calloc(n_groups + 1, sizeof(uint32_t));
        uint32_t *order = cxg_malloc((n ? n : 1) * sizeof(uint32_t));
        uint32_t *pos = cxg_malloc((n_groups + 1) * sizeof(uint32_t));

        if (!off || !order || !pos) {
                cxg_free(off);
                cxg_free(order);
                cxg_free(pos);
                return CXG_ERR_NOMEM;
        }
        for (size_t i = 0; i < n; i++)
                off[keys[i] + 1]++;
        for (size_t g = 0; g < n_groups; g++)
                off[g + 1] += off[g];
        memcpy(pos, off, (n_groups + 1) * sizeof(uint32_t));
        for (size_t i = 0; i < n; i++)
                order[pos[keys[i]]++] = (uint32_t)i;
        cxg_free(pos);
        *off_out = off;
        *order_out = order;
        return CXG_OK;
}

/* Sort order[lo, hi) by ts64 (ties kept in index order). */
static enum cxg_err sort_by_ts64(uint32_t *order, size_t lo, size_t hi, const int64_t *ts)
{
        size_t n = hi - lo;
        int sorted = 1;
        uint64_t *keys;

        for (size_t i = lo + 1; i < hi && sorted; i++)
                if (ts[order[i]] < ts[order[i - 1]])
                        sorted = 0;
        if (sorted)
                return CXG_OK;
        /* (ts, position) pairs sorted as 128 bits would be simpler; positions are small here */
        keys = cxg_malloc(n * sizeof(uint64_t) * 2);
        if (!keys)
                return CXG_ERR_NOMEM;
        for (size_t i = 0; i < n; i++) {
                keys[2 * i] = (uint64_t)ts[order[lo + i]] ^ (UINT64_C(1) << 63);
                keys[2 * i + 1] = order[lo + i];
        }
        qsort(keys, n, 2 * sizeof(uint64_t), cmp_u64);
        for (size_t i = 0; i < n; i++)
                order[lo + i] = (uint32_t)keys[2 * i + 1];
        cxg_free(keys);
        return CXG_OK;
}

/* Sort order[lo, hi) by the int32 ts column (stable). */
static enum cxg_err sort_by_ts32(uint32_t *order, size_t lo, size_t hi, const int32_t *ts)
{
        size_t n = hi - lo;
        int sorted = 1;
        uint64_t *keys;

        for (size_t i = lo + 1; i < hi && sorted; i++)
                if (ts[order[i]] < ts[order[i - 1]])
                        sorted = 0;
        if (sorted)
                return CXG_OK;
        keys = cxg_malloc(n * sizeof(uint64_t));
        if (!keys)
                return CXG_ERR_NOMEM;
        /* order values are positions in the delta; within one account they fit 32 bits */
        for (size_t i = 0; i < n; i++)
                keys[i] =
                    ((uint64_t)((int64_t)ts[order[lo + i]] - INT32_MIN) << 32) | order[lo + i];
        qsort(keys, n, sizeof(uint64_t), cmp_u64);
        for (size_t i = 0; i < n; i++)
                order[lo + i] = (uint32_t)keys[i];
        cxg_free(keys);
        return CXG_OK;
}

#define PERMUTE(col, type, n, order)                                                               \
        do {                                                                                       \
                type *nc_ = cxg_malloc(((n) ? (n) : 1) * sizeof(type));                            \
                if (!nc_)                                                                          \
                        goto nomem;                                                                \
                for (size_t i_ = 0; i_ < (n); i_++)                                                \
                        nc_[i_] = (col)[(order)[i_]];                                              \
                cxg_free(col);                                                                     \
                (col) = nc_;                                                                       \
        } while (0)

static enum cxg_err finish_feedback(struct eng_snapshot *s)
{
        uint32_t *off = NULL, *order = NULL;
        enum cxg_err rc = group_by(s->f_account, s->n_fb, s->n_accounts, &off, &order);

        if (rc)
                return rc;
        for (size_t a = 0; a < s->n_accounts; a++)
                if ((rc = sort_by_ts64(order, off[a], off[a + 1], s->f_ts)))
                        goto done;
        PERMUTE(s->f_ts, int64_t, s->n_fb, order);
        PERMUTE(s->f_person, uint32_t, s->n_fb, order);
        PERMUTE(s->f_account, uint32_t, s->n_fb, order);
        PERMUTE(s->f_kind, uint8_t, s->n_fb, order);
        PERMUTE(s->f_score, float, s->n_fb, order);
        PERMUTE(s->f_comment, const char *, s->n_fb, order);
        s->cap_fb = s->n_fb;
        cxg_free(s->a_foff);
        s->a_foff = off;
        off = NULL;
        goto done;
nomem:
        rc = CXG_ERR_NOMEM;
done:
        cxg_free(off);
        cxg_free(order);
        return rc;
}

static enum cxg_err finish_subs(struct eng_snapshot *s)
{
        uint32_t *off = NULL, *order = NULL;
        enum cxg_err rc = group_by(s->s_account, s->n_subs, s->n_accounts, &off, &order);

        if (rc)
                return rc;
        for (size_t a = 0; a < s->n_accounts; a++)
                if ((rc = sort_by_ts64(order, off[a], off[a + 1], s->s_start)))
                        goto done;
        PERMUTE(s->s_account, uint32_t, s->n_subs, order);
        PERMUTE(s->s_plan, uint16_t, s->n_subs, order);
        PERMUTE(s->s_mrr, float, s->n_subs, order);
        PERMUTE(s->s_start, int64_t, s->n_subs, order);
        PERMUTE(s->s_end, int64_t, s->n_subs, order);
        s->cap_subs = s->n_subs;
        cxg_free(s->a_soff);
        s->a_soff = off;
        off = NULL;
        goto done;
nomem:
        rc = CXG_ERR_NOMEM;
done:
        cxg_free(off);
        cxg_free(order);
        return rc;
}

static enum cxg_err finish_people(struct eng_snapshot *s)
{
        uint32_t *off = NULL, *order = NULL;
        enum cxg_err rc = group_by(s->p_account, s->n_people, s->n_accounts, &off, &order);

        if (rc)
                return rc;
        cxg_free(s->a_poff);
        cxg_free(s->p_list);
        s->a_poff = off;
        s->p_list = order;
        return CXG_OK;
}

/* Scatter a column: dst[pos_main[i]] = main[i], dst[pos_delta[j]] = delta[j]. */
/*
 * Merged columns are all allocated before any is filled, so running out of memory leaves both
 * segments as they were (a half-scattered merge would leave the delta's columns freed while
 * its row count stays, and the next row appended would be written through a NULL column).
 */
#define SCATTER(field)                                                                             \
        do {                                                                                       \
                for (size_t i_ = 0; i_ < s->main.n; i_++)                                          \
                        m.field[pos_main ? pos_main[i_] : i_] = s->main.field[i_];                 \
                for (size_t j_ = 0; j_ < s->delta.n; j_++)                                         \
                        m.field[pos_delta[j_]] = s->delta.field[j_];                               \
                cxg_free(s->main.field);                                                           \
                s->main.field = m.field;                                                           \
                m.field = NULL;                                                                    \
                cxg_free(s->delta.field);                                                          \
                s->delta.field = NULL;                                                             \
        } while (0)

/* Merge the delta segment into the main one, keeping (account, ts) order. */
static enum cxg_err merge_delta(struct eng_snapshot *s)
{
        size_t total = s->main.n + s->delta.n;
        uint32_t *doff = NULL, *dorder = NULL, *pos_main = NULL, *pos_delta = NULL;
        uint64_t *noff = NULL;
        struct eng_icols m;
        size_t nt;
        enum cxg_err rc;

        memset(&m, 0, sizeof(m));
        if (total > UINT32_MAX)
                return CXG_ERR_LIMIT;
        if ((rc = group_by(s->delta.account, s->delta.n, s->n_accounts, &doff, &dorder)))
                return rc;
        for (size_t a = 0; a < s->n_accounts; a++)
                if ((rc = sort_by_ts32(dorder, doff[a], doff[a + 1], s->delta.ts)))
                        goto done;
        noff = cxg_malloc((s->n_accounts + 1) * sizeof(uint64_t));
        pos_delta = cxg_malloc((s->delta.n ? s->delta.n : 1) * sizeof(uint32_t));
        if (s->main.n)
                pos_main = cxg_malloc(s->main.n * sizeof(uint32_t));
        nt = total ? total : 1;
        m.ts = cxg_malloc(nt * sizeof(*m.ts));
        m.person = cxg_malloc(nt * sizeof(*m.person));
        m.account = cxg_malloc(nt * sizeof(*m.account));
        m.duration = cxg_malloc(nt * sizeof(*m.duration));
        m.value = cxg_malloc(nt * sizeof(*m.value));
        m.type = cxg_malloc(nt * sizeof(*m.type));
        m.channel = cxg_malloc(nt * sizeof(*m.channel));
        m.outcome = cxg_malloc(nt * sizeof(*m.outcome));
        if (!noff || !pos_delta || (s->main.n && !pos_main) || !m.ts || !m.person || !m.account ||
            !m.duration || !m.value || !m.type || !m.channel || !m.outcome)
                goto nomem;
        noff[0] = 0;
        for (size_t a = 0; a < s->n_accounts; a++) {
                uint64_t mlo = 0, mhi = 0, out = noff[a];
                size_t d = doff[a], dhi = doff[a + 1];

                if (s->main.n) {
                        mlo = s->a_ioff[a];
                        mhi = s->a_ioff[a + 1];
                }
                while (mlo < mhi || d < dhi) {
                        if (d >= dhi || (mlo < mhi && s->main.ts[mlo] <= s->delta.ts[dorder[d]]))
                                pos_main[mlo++] = (uint32_t)out++;
                        else
                                pos_delta[dorder[d++]] = (uint32_t)out++;
                }
                noff[a + 1] = out;
        }
        SCATTER(ts);
        SCATTER(person);
        SCATTER(account);
        SCATTER(duration);
        SCATTER(value);
        SCATTER(type);
        SCATTER(channel);
        SCATTER(outcome);
        s->main.n = s->main.cap = total;
        s->delta.n = s->delta.cap = 0;
        cxg_free(s->a_ioff);
        s->a_ioff = noff;
        noff = NULL;
        rc = CXG_OK;
        goto done;
nomem:
        rc = CXG_ERR_NOMEM;
done:
        cxg_free(doff);
        cxg_free(dorder);
        cxg_free(pos_main);
        cxg_free(pos_delta);
        cxg_free(noff);
        cxg_free(m.ts);
        cxg_free(m.person);
        cxg_free(m.account);
        cxg_free(m.duration);
        cxg_free(m.value);
        cxg_free(m.type);
        cxg_free(m.channel);
        cxg_free(m.outcome);
        return rc;
}

/*
 * a_ioff must cover every account: accounts added since the last merge get empty main ranges.
 */
static enum cxg_err extend_ioff(struct eng_snapshot *s, size_t old_n)
{
        void *tmp;

        if (GROW(s->a_ioff, s->n_accounts + 1))
                return CXG_ERR_NOMEM;
        if (old_n == 0)
                s->a_ioff[0] = 0;
        for (size_t a = old_n; a < s->n_accounts; a++)
                s->a_ioff[a + 1] = s->a_ioff[old_n];
        return CXG_OK;
}

static enum cxg_err index_delta(struct eng_snapshot *s)
{
        uint32_t *off = NULL, *order = NULL;
        enum cxg_err rc = group_by(s->delta.account, s->delta.n, s->n_accounts, &off, &order);

        if (rc)
                return rc;
        for (size_t a = 0; a < s->n_accounts; a++)
                if ((rc = sort_by_ts32(order, off[a], off[a + 1], s->delta.ts))) {
                        cxg_free(off);
                        cxg_free(order);
                        return rc;
                }
        cxg_free(s->a_doff);
        cxg_free(s->d_idx);
        s->a_doff = off;
        s->d_idx = order;
        return CXG_OK;
}

int eng_duration_kind(const struct eng_snapshot *s, uint16_t type, uint8_t channel)
{
        const char *name = type < s->types.n ? s->types.names[type] : "";

        if (channel == CXG_CH_SUPPORT || strncmp(name, "support", 7) == 0)
                return ENG_DUR_SUPPORT;
        if (channel == CXG_CH_WEB || channel == CXG_CH_APP)
                return ENG_DUR_LATENCY;
        return ENG_DUR_OTHER;
}

/* Count row i of segment c into the monthly counters. */
static void month_count(struct eng_snapshot *s, const struct eng_icols *c, size_t i, size_t m)
{
        struct eng_month *mo = &s->a_month[(size_t)c->account[i] * s->n_months + m];
        uint32_t d = c->duration[i];

        mo->n++;
        if (c->outcome[i] == CXG_OUT_FAILED)
                mo->failed++;
        if (d != ENG_DUR_NONE) {
                int kind = eng_duration_kind(s, c->type[i], c->channel[i]);

                if (kind == ENG_DUR_SUPPORT) {
                        mo->sup_n++;
                        mo->sup_sum += (float)d / 1000.0f;
                } else if (kind == ENG_DUR_LATENCY) {
                        if (d > s->slow_ms)
                                mo->slow++;
                        mo->lat_n++;
                        mo->lat_sum += (float)d / 1000.0f;
                        s->t_lat_sum[(size_t)c->type[i] * s->n_months + m] += (float)d / 1000.0f;
                        s->t_lat_n[(size_t)c->type[i] * s->n_months + m]++;
                }
        }
        s->p_active[(size_t)c->person[i] * s->p_words + m / 64] |= UINT64_C(1) << (m % 64);
}

/* Month slot (0-based from month0) of relative ts, by binary search in starts. */
static size_t month_of(const int64_t *starts, size_t n, int32_t ts)
{
        size_t lo = 0, hi = n;
        int64_t t = (int64_t)ts + ENG_EPOCH;

        while (hi - lo > 1) {
                size_t mid = (lo + hi) / 2;

                if (starts[mid] <= t)
                        lo = mid;
                else
                        hi = mid;
        }
        return lo;
}

static enum cxg_err build_months(struct eng_snapshot *s)
{
        int64_t *starts = NULL;

        cxg_free(s->a_month);
        cxg_free(s->p_active);
        cxg_free(s->t_lat_sum);
        cxg_free(s->t_lat_n);
        s->a_month = NULL;
        s->p_active = NULL;
        s->t_lat_sum = NULL;
        s->t_lat_n = NULL;
        s->n_months = 0;
        s->p_words = 0;
        if (s->min_ts == CXG_TS_NONE)
                return CXG_OK;
        s->month0 = cxg_month_index(s->min_ts);
        s->n_months = (size_t)(cxg_month_index(s->max_ts) - s->month0 + 1);
        s->p_words = (s->n_months + 63) / 64;
        s->a_month = cxg_calloc(s->n_accounts * s->n_months + 1, sizeof(struct eng_month));
        s->p_active = cxg_calloc(s->n_people * s->p_words + 1, sizeof(uint64_t));
        starts = cxg_malloc((s->n_months + 1) * sizeof(int64_t));
        s->t_lat_sum = cxg_calloc((s->types.n + 1) * s->n_months, sizeof(float));
        s->t_lat_n = cxg_calloc((s->types.n + 1) * s->n_months, sizeof(uint32_t));
        if (!s->a_month || !s->p_active || !starts || !s->t_lat_sum || !s->t_lat_n) {
                cxg_free(starts);
                return CXG_ERR_NOMEM;
        }
        for (size_t m = 0; m <= s->n_months; m++)
                starts[m] = cxg_month_start(s->month0 + (int64_t)m);
        for (size_t a = 0; a < s->n_accounts; a++) {
                size_t m = 0;

                for (uint64_t i = s->a_ioff[a]; i < s->a_ioff[a + 1]; i++) {
                        int64_t t = (int64_t)s->main.ts[i] + ENG_EPOCH;

                        while (m + 1 < s->n_months && t >= starts[m + 1])
                                m++;
                        month_count(s, &s->main, i, m);
                }
        }
        for (size_t j = 0; j < s->delta.n; j++)
                month_count(s, &s->delta, j, month_of(starts, s->n_months, s->delta.ts[j]));
        cxg_free(starts);
        return CXG_OK;
}

enum cxg_err eng_snapshot_finish(struct eng_snapshot *s, struct cxg_error *err)
{
        enum cxg_err rc;
        void *tmp;

        if ((rc = finish_people(s)) || (rc = finish_subs(s)) || (rc = finish_feedback(s)))
                goto fail;
        {
                uint32_t *off = NULL, *order = NULL;

                if ((rc = group_by(s->o_account, s->n_obj, s->n_accounts, &off, &order)))
                        goto fail;
                cxg_free(s->a_ooff);
                cxg_free(s->o_list);
                s->a_ooff = off;
                s->o_list = order;
        }
        if (s->t_caps_cap < s->types.n + 1) {
                size_t nc = next_cap(s->t_caps_cap, s->types.n + 1);

                if (GROW(s->t_caps, nc)) {
                        rc = CXG_ERR_NOMEM;
                        goto fail;
                }
                memset(s->t_caps + s->t_caps_cap, 0, (nc - s->t_caps_cap) * sizeof(uint64_t));
                s->t_caps_cap = nc;
        }
        if ((rc = extend_ioff(s, s->ioff_accounts)))
                goto fail;
        s->ioff_accounts = s->n_accounts;
        if (s->delta.n &&
            (s->main.n == 0 || (double)s->delta.n > s->merge_fraction * (double)s->main.n)) {
                if ((rc = merge_delta(s)))
                        goto fail;
        }
        if ((rc = index_delta(s)) || (rc = build_months(s)))
                goto fail;
        /* per-person sums may skip the account check when every row agrees (the usual case) */
        s->mixed_accounts = 0;
        for (size_t j = 0; j < s->main.n && !s->mixed_accounts; j++)
                s->mixed_accounts = s->p_account[s->main.person[j]] != s->main.account[j];
        for (size_t j = 0; j < s->delta.n && !s->mixed_accounts; j++)
                s->mixed_accounts = s->p_account[s->delta.person[j]] != s->delta.account[j];
        s->finished = 1;
        return CXG_OK;
fail:
        return cxg_error_set(err, rc, "engine: building the snapshot: %s", cxg_strerror(rc));
}

uint32_t eng_account_find(const struct eng_snapshot *s, const char *ext_id)
{
        uint64_t v;

        if (!ext_id || !cxg_hmap_get(&s->a_by_ext, ext_id, strlen(ext_id), &v))
                return ENG_NONE;
        return (uint32_t)v;
}

uint32_t eng_person_find(const struct eng_snapshot *s, const char *ext_id)
{
        uint64_t v;

        if (!ext_id || !cxg_hmap_get(&s->p_by_ext, ext_id, strlen(ext_id), &v))
                return ENG_NONE;
        return (uint32_t)v;
}

static int32_t clamp_rel(int64_t t)
{
        int64_t r = t - ENG_EPOCH;

        if (t == CXG_TS_NONE || r < INT32_MIN)
                return INT32_MIN;
        if (r > INT32_MAX)
                return INT32_MAX;
        return (int32_t)r;
}

void eng_account_range(const struct eng_snapshot *s, uint32_t a, int64_t from, int64_t to,
                       uint64_t *lo_out, uint64_t *hi_out)
{
        uint64_t lo = s->a_ioff[a], hi = s->a_ioff[a + 1], l, h;
        int32_t f = clamp_rel(from), t = clamp_rel(to);

        /* first row with ts >= f */
        l = lo;
        h = hi;
        while (l < h) {
                uint64_t m = l + (h - l) / 2;

                if (s->main.ts[m] < f)
                        l = m + 1;
                else
                        h = m;
        }
        *lo_out = l;
        /* first row with ts > t */
        h = hi;
        while (l < h) {
                uint64_t m = l + (h - l) / 2;

                if (s->main.ts[m] <= t)
                        l = m + 1;
                else
                        h = m;
        }
        *hi_out = l;
}

void eng_snapshot_memory(const struct eng_snapshot *s, size_t *interaction_bytes,
                         size_t *other_bytes)
{
        size_t ib = (s->main.cap + s->delta.cap) * ENG_BYTES_PER_INTERACTION;
        size_t ob = 0;

        ob += s->cap_accounts * (sizeof(int64_t) * 3 + sizeof(char *) * 3 + 2 * 3 + 4 + 2);
        ob += s->cap_people * (sizeof(int64_t) * 3 + sizeof(char *) * 4 + 4 + 1 + 4 + 4);
        ob += s->a_by_id_cap * 4 + s->p_by_id_cap * 4 + (s->n_accounts + 1) * (8 + 4 * 4);
        ob += s->cap_subs * (4 + 2 + 4 + 16) + s->cap_fb * (8 + 4 + 4 + 1 + 4 + sizeof(char *));
        ob += s->cap_obj * (4 + 4 + 1 + 8 + 3 * sizeof(char *) + 4) +
              s->cap_o_needs * (4 + sizeof(char *));
        ob += s->texts.cap * sizeof(struct cxg_hmap_slot) + s->texts.keys.used;
        ob += s->delta.n * 4 + s->n_accounts * s->n_months * sizeof(struct eng_month);
        ob += s->n_people * s->p_words * 8;
        ob += s->strings.used;
        *interaction_bytes = ib;
        *other_bytes = ob;
}
