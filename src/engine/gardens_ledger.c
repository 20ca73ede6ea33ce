/*
 * gardens_ledger.c: leaderboards and the monthly "engagement support" trend computed from the
 * incentive ledger's rows.
 */
#include "engine/gardens_ledger.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/grow.h"
#include "core/parse.h"

static const char *const group_names[ENG_GARDEN_GROUP__COUNT] = {"internal", "external", "board"};
static const char *const by_names[ENG_GARDEN_BY__COUNT] = {"person", "team", "garden", "group"};

const char *eng_garden_group_name(int group)
{
        return group >= 0 && group < ENG_GARDEN_GROUP__COUNT ? group_names[group] : "";
}

int eng_garden_support_group(const char *team)
{
        if (!team)
                return ENG_GARDEN_INTERNAL;
        if (strcmp(team, "external") == 0)
                return ENG_GARDEN_EXTERNAL;
        if (strcmp(team, "board") == 0 || strcmp(team, "sponsor") == 0)
                return ENG_GARDEN_BOARD;
        return ENG_GARDEN_INTERNAL;
}

const char *eng_garden_by_name(int by)
{
        return by >= 0 && by < ENG_GARDEN_BY__COUNT ? by_names[by] : "";
}

int eng_garden_by_parse(const char *s)
{
        for (int i = 0; s && i < ENG_GARDEN_BY__COUNT; i++)
                if (strcmp(s, by_names[i]) == 0)
                        return i;
        return -1;
}

void eng_garden_board_init(struct eng_garden_board *b)
{
        memset(b, 0, sizeof(*b));
        cxg_hmap_init(&b->index);
}

void eng_garden_board_release(struct eng_garden_board *b)
{
        cxg_free(b->rows);
        cxg_hmap_release(&b->index);
        eng_garden_board_init(b);
}

enum cxg_err eng_garden_board_add(struct eng_garden_board *b, int by,
                                  const struct store_ledger_row *l)
{
        char key[160];
        struct eng_garden_board_row *r;
        uint64_t idx;
        size_t n;

        switch (by) {
        case ENG_GARDEN_BY_PERSON:
                snprintf(key, sizeof(key), "%s",
                         l->user     ? l->user
                         : l->person ? l->person
                                     : "(unknown)");
                break;
        case ENG_GARDEN_BY_TEAM:
                snprintf(key, sizeof(key), "%s", l->team ? l->team : "staff");
                break;
        case ENG_GARDEN_BY_GARDEN:
                snprintf(key, sizeof(key), "%s", l->garden ? l->garden : "-");
                break;
        default:
                snprintf(key, sizeof(key), "%s",
                         eng_garden_group_name(eng_garden_support_group(l->team)));
                break;
        }
        n = strlen(key);
        if (!cxg_hmap_get(&b->index, key, n, &idx)) {
                if (CXG_GROW(b->rows, b->n + 1, b->cap, CXG_GROW_NOCAP))
                        return CXG_ERR_NOMEM;
                if (cxg_hmap_put(&b->index, key, n, b->n))
                        return CXG_ERR_NOMEM;
                idx = b->n++;
                r = &b->rows[idx];
                memset(r, 0, sizeof(*r));
                memcpy(r->key, key, n + 1);
                r->first_at = l->at;
                r->last_at = l->at;
        }
        r = &b->rows[idx];
        r->points += l->points;
        r->entries++;
        if (l->kind >= 0 && l->kind < LEDGER__COUNT)
                r->by_kind[l->kind] += l->points;
        if (l->at < r->first_at)
                r->first_at = l->at;
        if (l->at > r->last_at)
                r->last_at = l->at;
        b->total_points += l->points;
        b->total_entries++;
        return CXG_OK;
}

static int row_cmp(const void *pa, const void *pb)
{
        const struct eng_garden_board_row *a = pa, *b = pb;

        if (a->points != b->points)
                return a->points > b->points ? -1 : 1;
        if (a->entries != b->entries)
                return a->entries > b->entries ? -1 : 1;
        return strcmp(a->key, b->key);
}

enum cxg_err eng_garden_board_sort(struct eng_garden_board *b)
{
        if (b->n > 1)
                qsort(b->rows, b->n, sizeof(*b->rows), row_cmp);
        /* sorting moved the rows: point the index at their new places */
        for (size_t i = 0; i < b->n; i++)
                if (cxg_hmap_put(&b->index, b->rows[i].key, strlen(b->rows[i].key), i))
                        return CXG_ERR_NOMEM;
        return CXG_OK;
}

struct board_ctx {
        struct eng_garden_board *b;
        int by;
        int64_t since, until;
};

static enum cxg_err board_cb(void *ctx, const struct store_ledger_row *l)
{
        struct board_ctx *c = ctx;

        if (c->since != CXG_TS_NONE && l->at < c->since)
                return CXG_OK;
        if (c->until != CXG_TS_NONE && l->at >= c->until)
                return CXG_OK;
        return eng_garden_board_add(c->b, c->by, l);
}

enum cxg_err eng_garden_leaderboard(struct store *s, int64_t garden_id, int by, int64_t since,
                                    int64_t until, struct eng_garden_board *b,
                                    struct cxg_error *err)
{
        struct board_ctx c = {b, by, since, until};
        enum cxg_err rc;

        if (by < 0 || by >= ENG_GARDEN_BY__COUNT)
                return cxg_error_setf(err, CXG_ERR_USAGE, "by",
                                      "leaderboard: group by person, team, garden or group");
        rc = store_ledger_scan(s, garden_id, board_cb, &c, err);
        if (rc == CXG_ERR_NOMEM)
                return cxg_error_set(err, rc, "leaderboard: out of memory");
        if (!rc && eng_garden_board_sort(b))
                return cxg_error_set(err, CXG_ERR_NOMEM, "leaderboard: out of memory");
        return rc;
}

void eng_garden_trend_init(struct eng_garden_trend *t)
{
        memset(t, 0, sizeof(*t));
}

void eng_garden_trend_release(struct eng_garden_trend *t)
{
        cxg_free(t->points);
        cxg_free(t->entries);
        eng_garden_trend_init(t);
}

/* Make months [lo, hi] present (month indexes). */
static enum cxg_err trend_span(struct eng_garden_trend *t, int64_t lo, int64_t hi)
{
        int64_t(*p)[ENG_GARDEN_GROUP__COUNT], (*e)[ENG_GARDEN_GROUP__COUNT];
        int64_t m0 = t->n_months ? (t->month0 < lo ? t->month0 : lo) : lo;
        int64_t m1 = t->n_months ? (t->month0 + (int64_t)t->n_months - 1 > hi
                                        ? t->month0 + (int64_t)t->n_months - 1
                                        : hi)
                                 : hi;
        size_t n = (size_t)(m1 - m0 + 1), shift;

        if (t->n_months && m0 == t->month0 && n == t->n_months)
                return CXG_OK;
        if (n > 12 * 200)
                return CXG_ERR_LIMIT;
        p = cxg_calloc(n, sizeof(*p));
        e = cxg_calloc(n, sizeof(*e));
        if (!p || !e) {
                cxg_free(p);
                cxg_free(e);
                return CXG_ERR_NOMEM;
        }
        shift = t->n_months ? (size_t)(t->month0 - m0) : 0;
        if (t->n_months) {
                memcpy(p + shift, t->points, t->n_months * sizeof(*p));
                memcpy(e + shift, t->entries, t->n_months * sizeof(*e));
        }
        cxg_free(t->points);
        cxg_free(t->entries);
        t->points = p;
        t->entries = e;
        t->month0 = m0;
        t->n_months = n;
        return CXG_OK;
}

enum cxg_err eng_garden_trend_add(struct eng_garden_trend *t, const struct store_ledger_row *l)
{
        int64_t m = cxg_month_index(l->at);
        int g = eng_garden_support_group(l->team);
        enum cxg_err rc = trend_span(t, m, m);

        if (rc)
                return rc;
        t->points[m - t->month0][g] += l->points;
        t->entries[m - t->month0][g]++;
        t->total[g] += l->points;
        return CXG_OK;
}

static enum cxg_err trend_cb(void *ctx, const struct store_ledger_row *l)
{
        return eng_garden_trend_add(ctx, l);
}

enum cxg_err eng_garden_support_trend(struct store *s, int64_t garden_id,
                                      struct eng_garden_trend *t, struct cxg_error *err)
{
        enum cxg_err rc = store_ledger_scan(s, garden_id, trend_cb, t, err);

        if (rc == CXG_ERR_NOMEM)
                return cxg_error_set(err, rc, "support trend: out of memory");
        if (rc == CXG_ERR_LIMIT)
                return cxg_error_set(err, rc, "support trend: the ledger spans over 200 years");
        return rc;
}
