/*
 * gardens_json.h: JSON views of gardens, members, ideas, transitions, comments, experiments,
 * rollouts, ledger entries, leaderboards and trends, shared by the CLI (--json) and the HTTP
 * API. Each returns a new jansson value owned by the caller (json_decref), or NULL when out of
 * memory.
 *
 * Views for the member portal (viewer != NULL) show nothing of another customer: other
 * customers appear as "a member", their votes only as tallies.
 */
#ifndef CXG_ENG_GARDENS_JSON_H
#define CXG_ENG_GARDENS_JSON_H

#include <jansson.h>

#include "engine/gardens_ledger.h"
#include "store/store_gardens.h"

/* Who looks at a portal view: the member user's id and internal person id. */
struct eng_garden_viewer {
        int64_t user_id;
        int64_t person_id;
};

/* Date-time text of a timestamp, or JSON null when absent. */
json_t *eng_garden_json_time(int64_t t);

json_t *eng_garden_row_json(const struct store_garden_row *g);
/* A member, for staff (the portal lists only internal members and the viewer). */
json_t *eng_garden_member_json(const struct store_member_row *m);
json_t *eng_garden_idea_json(const struct store_idea_row *i, const struct eng_garden_viewer *v);
json_t *eng_garden_transition_json(const struct store_transition_row *t);
json_t *eng_garden_comment_json(const struct store_comment_row *c,
                                const struct eng_garden_viewer *v);
json_t *eng_garden_experiment_row_json(const struct store_experiment_row *e);
json_t *eng_garden_rollout_row_json(const struct store_rollout_row *r);
json_t *eng_garden_ledger_json(const struct store_ledger_row *l);
/* The first limit rows (0: all) of a leaderboard. */
json_t *eng_garden_board_json(const struct eng_garden_board *b, int by, size_t limit);
json_t *eng_garden_trend_json(const struct eng_garden_trend *t);

#endif
