/*
 * snapshot.c: builds the engine's columnar snapshot (see snapshot.h): its lifecycle and the
 * rows added from the store's scans, with interning and id maps. Finishing (grouping, the
 * delta segment, monthly counters) is in snapshot_finish.c, lookups in snapshot_lookup.c.
 */
#include "engine/snapshot.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/log.h"
#include "engine/snapshot_int.h"

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
        enum cxg_err rc;

        if (d->n == 0) {
                /* slot 0 is the empty string */
                if (CXG_GROW(d->names, 1, d->cap, CXG_GROW_NOCAP))
                        return CXG_ERR_NOMEM;
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
        if (CXG_GROW(d->names, d->n + 1, d->cap, CXG_GROW_NOCAP))
                return CXG_ERR_NOMEM;
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
        if (opts && opts->shards) {
                s->shards = *opts->shards;
                s->sharded = 1;
        }
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

        if (id < 0 || id > (int64_t)UINT32_MAX)
                return CXG_ERR_LIMIT;
        if ((size_t)id >= *cap) {
                size_t old = *cap;

                if (CXG_GROW(*map, (size_t)id + 1, *cap, CXG_GROW_NOCAP))
                        return CXG_ERR_NOMEM;
                for (size_t i = old; i < *cap; i++)
                        (*map)[i] = ENG_NONE;
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
        size_t c;

        if (need <= s->cap_accounts)
                return CXG_OK;
#define COL(x) SNAP_GROW(s->x, need, s->cap_accounts, c)
        if (COL(a_id) || COL(a_ext) || COL(a_name) || COL(a_attrs) || COL(a_plan) ||
            COL(a_currency) || COL(a_owner) || COL(a_mrr) || COL(a_created) || COL(a_churned_at) ||
            COL(a_churned) || COL(a_garden))
                return CXG_ERR_NOMEM;
#undef COL
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
        size_t c;

        if (need <= s->cap_people)
                return CXG_OK;
#define COL(x) SNAP_GROW(s->x, need, s->cap_people, c)
        if (COL(p_id) || COL(p_ext) || COL(p_name) || COL(p_role) || COL(p_attrs) ||
            COL(p_account) || COL(p_seniority) || COL(p_created) || COL(p_left))
                return CXG_ERR_NOMEM;
#undef COL
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

        if ((rc = dict_intern(&s->types, name, &t)))
                return rc;
        if (id < 0)
                return CXG_ERR_INVALID;
        if ((size_t)id >= s->t_by_id_cap) {
                size_t old = s->t_by_id_cap;

                if (CXG_GROW(s->t_by_id, (size_t)id + 1, s->t_by_id_cap, CXG_GROW_NOCAP))
                        return CXG_ERR_NOMEM;
                memset(s->t_by_id + old, 0, (s->t_by_id_cap - old) * sizeof(uint16_t));
        }
        s->t_by_id[id] = t;
        return CXG_OK;
}

/* ---- interactions ---- */

static enum cxg_err icols_grow(struct eng_icols *c, size_t need)
{
        size_t nc;

        if (need <= c->cap)
                return CXG_OK;
#define COL(x) SNAP_GROW(c->x, need, c->cap, nc)
        if (COL(ts) || COL(person) || COL(account) || COL(duration) || COL(value) || COL(type) ||
            COL(channel) || COL(outcome))
                return CXG_ERR_NOMEM;
#undef COL
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

        if (a == ENG_NONE)
                return CXG_ERR_NOTFOUND;
        if (s->n_fb == s->cap_fb) {
                size_t c;

#define COL(x) SNAP_GROW(s->x, s->n_fb + 1, s->cap_fb, c)
                if (COL(f_ts) || COL(f_person) || COL(f_account) || COL(f_kind) || COL(f_score) ||
                    COL(f_comment))
                        return CXG_ERR_NOMEM;
#undef COL
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

        if (a == ENG_NONE)
                return CXG_ERR_NOTFOUND;
        if (s->n_subs == s->cap_subs) {
                size_t c;

#define COL(x) SNAP_GROW(s->x, s->n_subs + 1, s->cap_subs, c)
                if (COL(s_account) || COL(s_plan) || COL(s_mrr) || COL(s_start) || COL(s_end))
                        return CXG_ERR_NOMEM;
#undef COL
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
        if (SNAP_RESIZE(s->c_ext, i + 1) || SNAP_RESIZE(s->c_name, i + 1) ||
            SNAP_RESIZE(s->c_plans, i + 1))
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
                        size_t old = s->t_caps_cap;

                        if (CXG_GROW(s->t_caps, (size_t)t + 1, s->t_caps_cap, CXG_GROW_NOCAP))
                                return CXG_ERR_NOMEM;
                        memset(s->t_caps + old, 0, (s->t_caps_cap - old) * sizeof(uint64_t));
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
                size_t c;

#define COL(x) SNAP_GROW(s->x, i + 1, s->cap_obj, c)
                if (COL(o_account) || COL(o_importance) || COL(o_caps) || COL(o_title) ||
                    COL(o_status) || COL(o_person) || COL(o_ext) ||
                    SNAP_RESIZE(s->o_need_off, c + 1))
                        return CXG_ERR_NOMEM;
#undef COL
                s->cap_obj = c;
        }
        if (i == 0)
                s->n_o_needs = 0;
        if (s->n_o_needs + o->n_capabilities > s->cap_o_needs) {
                size_t c;

#define COL(x) SNAP_GROW(s->x, s->n_o_needs + o->n_capabilities, s->cap_o_needs, c)
                if (COL(o_need_cap) || COL(o_need_id))
                        return CXG_ERR_NOMEM;
#undef COL
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
