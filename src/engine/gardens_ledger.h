/*
 * gardens_ledger.h: what the incentive ledger says: leaderboards per person, team or garden,
 * and "engagement support" over time for internal teams, external members and the board.
 * Pure aggregations over ledger rows (docs/scoring.md, "Gardens", and docs/gardens.md).
 */
#ifndef CXG_ENG_GARDENS_LEDGER_H
#define CXG_ENG_GARDENS_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/hmap.h"
#include "model/garden.h"
#include "store/store_gardens.h"

/* How a leaderboard groups entries. */
enum eng_garden_by {
        ENG_GARDEN_BY_PERSON, /* the user credited (or the person, when credited without one) */
        ENG_GARDEN_BY_TEAM,   /* external, account_team, product, sponsor, board, staff */
        ENG_GARDEN_BY_GARDEN, /* the garden's key ("-" for entries outside any garden) */
        ENG_GARDEN_BY_GROUP,  /* internal, external, board (see eng_garden_support_group) */
        ENG_GARDEN_BY__COUNT
};

/* The three groups of "engagement support". */
enum eng_garden_group {
        ENG_GARDEN_INTERNAL, /* account_team, product, staff */
        ENG_GARDEN_EXTERNAL, /* customer members */
        ENG_GARDEN_BOARD,    /* sponsor, board */
        ENG_GARDEN_GROUP__COUNT
};

struct eng_garden_board_row {
        char key[160];
        int64_t points;
        int64_t entries;
        int64_t by_kind[LEDGER__COUNT]; /* points per enum ledger_kind */
        int64_t first_at, last_at;
};

/* A leaderboard: rows sorted by points, then entries, then key. */
struct eng_garden_board {
        struct eng_garden_board_row *rows;
        size_t n, cap;
        struct cxg_hmap index; /* key -> row */
        int64_t total_points, total_entries;
};

/* Monthly points per support group. */
struct eng_garden_trend {
        int64_t month0; /* month index (cxg_month_index) of months[0] */
        size_t n_months;
        int64_t (*points)[ENG_GARDEN_GROUP__COUNT];  /* n_months rows */
        int64_t (*entries)[ENG_GARDEN_GROUP__COUNT]; /* n_months rows */
        int64_t total[ENG_GARDEN_GROUP__COUNT];
};

/* "internal", "external", "board". */
const char *eng_garden_group_name(int group);
/* The support group of a ledger team name (NULL or unknown: internal). */
int eng_garden_support_group(const char *team);
/* "person", "team", "garden", "group"; and back (-1 when unknown). */
const char *eng_garden_by_name(int by);
int eng_garden_by_parse(const char *s);

void eng_garden_board_init(struct eng_garden_board *b);
void eng_garden_board_release(struct eng_garden_board *b);
/* Add one entry (of a ledger row) to the board under the grouping by. */
enum cxg_err eng_garden_board_add(struct eng_garden_board *b, int by,
                                  const struct store_ledger_row *l) CXG_WUR;
/* Sort the rows: most points first (then most entries, then key). */
enum cxg_err eng_garden_board_sort(struct eng_garden_board *b) CXG_WUR;
/*
 * Leaderboard of the ledger entries of garden_id (0: all gardens) with at in [since, until)
 * (CXG_TS_NONE: open), grouped by `by`, sorted. b is initialised by the caller.
 */
enum cxg_err eng_garden_leaderboard(struct store *s, int64_t garden_id, int by, int64_t since,
                                    int64_t until, struct eng_garden_board *b,
                                    struct cxg_error *err) CXG_WUR;

void eng_garden_trend_init(struct eng_garden_trend *t);
void eng_garden_trend_release(struct eng_garden_trend *t);
/* Add one entry to the monthly trend (months are added as needed). */
enum cxg_err eng_garden_trend_add(struct eng_garden_trend *t,
                                  const struct store_ledger_row *l) CXG_WUR;
/* Engagement support per month and group for garden_id (0: all). t is initialised. */
enum cxg_err eng_garden_support_trend(struct store *s, int64_t garden_id,
                                      struct eng_garden_trend *t, struct cxg_error *err) CXG_WUR;

#endif
