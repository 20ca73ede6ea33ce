/*
 * snapshot.h: the engine's in-memory copy of the store as columns (struct of arrays).
 *
 * Interactions are grouped by account and sorted by time within each account, so the rows of
 * one account in a time window are one contiguous range found by binary search. Rows added
 * after the snapshot was built (eng_snapshot_refresh) go to a small delta segment that is merged
 * into the main segment once it grows past a fraction of it. Accounts, people, subscriptions,
 * feedback, interaction types, capabilities and objectives are kept as columns too; strings
 * (external ids, names, attribute JSON) live in one arena. Memory per interaction: see
 * docs/architecture.md, "Engine snapshot memory".
 *
 * Thread-safety: a finished snapshot is read-only; any number of threads may read it and run
 * eng_compute / eng_segments / eng_cohorts on it concurrently. eng_snapshot_refresh, the add
 * functions and eng_snapshot_finish modify it and need exclusive access (an API server holds
 * a read-write lock: readers for requests, the writer for refresh).
 */
#ifndef CXG_ENG_SNAPSHOT_H
#define CXG_ENG_SNAPSHOT_H

#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/hmap.h"
#include "model/model.h"
#include "model/shard.h"
#include "store/store.h"

/* Interaction timestamps are int32 seconds from this base (2000-01-01T00:00:00Z). */
#define ENG_EPOCH INT64_C(946684800)
/* duration_ms column value meaning "absent". */
#define ENG_DUR_NONE UINT32_MAX
/* Index value meaning "none" in uint32 index columns. */
#define ENG_NONE UINT32_MAX
/* Capabilities beyond this many are not counted in breadth (one bit each per type). */
#define ENG_MAX_CAPS 64

/* Interned strings: index 0 is always "" (absent). */
struct eng_dict {
        struct cxg_hmap map;
        const char **names;
        uint32_t n;
        size_t cap;
};

/* Interaction columns (one segment). */
struct eng_icols {
        int32_t *ts;        /* seconds since ENG_EPOCH */
        uint32_t *person;   /* person index */
        uint32_t *account;  /* account index */
        uint32_t *duration; /* ms, ENG_DUR_NONE when absent */
        float *value;       /* NAN when absent */
        uint16_t *type;     /* type index */
        uint8_t *channel;   /* enum cxg_channel */
        uint8_t *outcome;   /* enum cxg_outcome */
        size_t n, cap;
};

/* Per account and month (month index relative to eng_snapshot.month0) interaction counters. */
struct eng_month {
        uint32_t n;      /* interactions */
        uint32_t failed; /* outcome failed */
        uint32_t slow;   /* duration_ms > slow_ms */
        uint32_t sup_n;  /* support-channel interactions with a duration */
        uint32_t lat_n;  /* other interactions with a duration */
        float sup_sum;   /* sum of their durations, seconds */
        float lat_sum;   /* sum of their durations, seconds */
};

struct eng_snapshot {
        struct cxg_arena strings; /* every string below */
        struct eng_dict plans, currencies, owners, types;
        uint32_t slow_ms; /* threshold for "slow" interactions (monthly counters, robustness) */

        /* accounts, in store id order */
        size_t n_accounts, cap_accounts;
        int64_t *a_id;
        const char **a_ext, **a_name, **a_attrs;
        uint16_t *a_plan, *a_currency, *a_owner; /* dict indexes */
        float *a_mrr;                            /* NAN when absent */
        int64_t *a_created, *a_churned_at;       /* CXG_TS_NONE when absent */
        uint8_t *a_churned;                      /* churned flag or churned_at set */
        uint8_t *a_garden;                       /* attribute "garden" is true */
        struct cxg_hmap a_by_ext;                /* external id -> index */
        uint32_t *a_by_id;                       /* store id -> index (ENG_NONE) */
        size_t a_by_id_cap;

        /* people, in store id order */
        size_t n_people, cap_people;
        int64_t *p_id;
        const char **p_ext, **p_name, **p_role, **p_attrs;
        uint32_t *p_account;
        uint8_t *p_seniority;
        int64_t *p_created, *p_left;
        struct cxg_hmap p_by_ext;
        uint32_t *p_by_id;
        size_t p_by_id_cap;
        uint32_t *a_poff; /* n_accounts + 1 offsets into p_list */
        uint32_t *p_list; /* person indexes grouped by account */

        /* subscriptions, sorted by (account, started_at); a_soff offsets */
        size_t n_subs, cap_subs;
        uint32_t *s_account;
        uint16_t *s_plan;
        float *s_mrr;
        int64_t *s_start, *s_end;
        uint32_t *a_soff;

        /* feedback, sorted by (account, ts); a_foff offsets */
        size_t n_fb, cap_fb;
        int64_t *f_ts;
        uint32_t *f_person, *f_account;
        uint8_t *f_kind;
        float *f_score;
        const char **f_comment; /* NULL when none; interned in texts (kept across refreshes) */
        uint32_t *a_foff;

        /* interaction types by index (names in the types dict), store type id -> index */
        uint16_t *t_by_id;
        size_t t_by_id_cap;
        uint64_t *t_caps; /* per type index: bit k set when it counts as using capability k */
        size_t t_caps_cap;

        /* capabilities */
        size_t n_caps;
        const char **c_ext, **c_name;
        uint64_t *c_plans; /* bit k: plan dict index k (< 64) includes it */

        /* objectives */
        size_t n_obj, cap_obj;
        uint32_t *o_account;
        uint32_t *o_person; /* the stakeholder holding it, ENG_NONE when no one in particular */
        uint8_t *o_importance;
        uint64_t *o_caps; /* needed capabilities the product has (bit k: capability k) */
        const char **o_ext, **o_title, **o_status;
        uint32_t *a_ooff, *o_list; /* objectives grouped by account */
        /* every needed capability id of objective o, including ids the product lacks:
         * o_need_cap[o_need_off[o] .. o_need_off[o + 1]) is the capability index or ENG_NONE,
         * o_need_id the id as written (interned in texts) */
        uint32_t *o_need_off; /* n_obj + 1 entries */
        uint32_t *o_need_cap;
        const char **o_need_id;
        size_t n_o_needs, cap_o_needs;
        struct cxg_hmap texts; /* interned comments and capability ids */

        /* interactions: main segment grouped by account (a_ioff), delta segment unsorted with
         * a per-account index (a_doff, d_idx sorted by ts within account) */
        struct eng_icols main, delta;
        uint64_t *a_ioff;
        size_t ioff_accounts; /* accounts covered by a_ioff (n + 1 entries) */
        uint32_t *a_doff, *d_idx;
        int64_t last_interaction_id, last_person_id, last_account_id;
        int mixed_accounts; /* some interaction's account is not its person's account */
        size_t n_skipped;   /* rows left out: unknown person/account or timestamp out of range */
        int64_t min_ts, max_ts; /* over all interactions (unix seconds), CXG_TS_NONE if none */

        /* monthly counters: month index m0 + k for k < n_months */
        int64_t month0;
        size_t n_months;
        struct eng_month *a_month; /* n_accounts * n_months */
        uint64_t *p_active;        /* n_people * p_words bits: active in month k */
        /* (types.n + 1) * n_months: web/app durations per type and month, in milliseconds (whole
         * numbers, so the sums are exact and do not depend on the order of the rows) */
        double *t_lat_sum;
        uint32_t *t_lat_n;
        size_t p_words;
        double merge_fraction; /* delta merged into main past this share (0.05) */
        int finished;
        /* scale-out: the snapshot holds the interactions of these shards only (when sharded;
         * eng_load_opts.shards), the other shards' accounts come from published states */
        struct cxg_shardset shards;
        int sharded;
};

/* Options for loading. */
struct eng_load_opts {
        uint32_t slow_ms;      /* 0: 5000 */
        double merge_fraction; /* 0: 0.05 */
        /* scale-out: load the interactions of these shards only (NULL: all); accounts,
         * people and the other small tables are loaded whole (engine/cluster.h) */
        const struct cxg_shardset *shards;
};

/* Set up an empty snapshot (not yet finished). Release with eng_snapshot_release. */
void eng_snapshot_init(struct eng_snapshot *s, const struct eng_load_opts *opts);
/* Free every column and string; s is empty and reusable after eng_snapshot_init. */
void eng_snapshot_release(struct eng_snapshot *s);

/*
 * Load everything from the store into s (initialised with eng_snapshot_init) and finish it.
 * On failure s holds a consistent partial state that must only be released.
 */
enum cxg_err eng_snapshot_load(struct eng_snapshot *s, struct store *st,
                               struct cxg_error *err) CXG_WUR;

/*
 * Bring a loaded snapshot up to date: new accounts, people and interactions (ids greater than
 * the last seen) are appended, interactions into the delta segment (merged into the main one
 * when it grows past merge_fraction); accounts are re-read for changed fields; subscriptions,
 * feedback, types, capabilities and objectives (small) are re-read in full. Edits to existing
 * people or interactions need a full eng_snapshot_load. *added receives the number of new
 * interactions (may be NULL).
 */
enum cxg_err eng_snapshot_refresh(struct eng_snapshot *s, struct store *st, size_t *added,
                                  struct cxg_error *err) CXG_WUR;

/*
 * Building blocks of the loaders, also used by tests to build snapshots in memory. Ids are the
 * store's internal ids; strings are copied. Add accounts before their people, people before
 * their interactions, feedback and objectives (an objective's person_id, an external id, is
 * looked up among the people added), capabilities before the objectives needing them, types
 * before interactions using them. Feedback comments and needed capability ids are interned
 * (eng_snapshot.texts), so refreshing does not copy them again. Then call
 * eng_snapshot_finish, which groups, sorts and builds the indexes and monthly counters.
 */
enum cxg_err eng_snapshot_add_account(struct eng_snapshot *s, int64_t id,
                                      const struct account *a) CXG_WUR;
enum cxg_err eng_snapshot_add_person(struct eng_snapshot *s, int64_t id, int64_t account_id,
                                     const struct person *p) CXG_WUR;
enum cxg_err eng_snapshot_add_type(struct eng_snapshot *s, int32_t id, const char *name) CXG_WUR;
enum cxg_err eng_snapshot_add_interaction(struct eng_snapshot *s,
                                          const struct store_interaction *row) CXG_WUR;
enum cxg_err eng_snapshot_add_feedback(struct eng_snapshot *s, int64_t person_id,
                                       int64_t account_id, const struct feedback *f) CXG_WUR;
enum cxg_err eng_snapshot_add_subscription(struct eng_snapshot *s, int64_t account_id,
                                           const struct subscription *sub) CXG_WUR;
enum cxg_err eng_snapshot_add_capability(struct eng_snapshot *s,
                                         const struct capability *c) CXG_WUR;
enum cxg_err eng_snapshot_add_objective(struct eng_snapshot *s, int64_t account_id,
                                        const struct objective *o) CXG_WUR;
/* Make room for n more interactions (avoids doubling growth while loading). */
enum cxg_err eng_snapshot_reserve(struct eng_snapshot *s, size_t n) CXG_WUR;
/* Group, sort, index; merge the delta when it is large. Call after adding rows. */
enum cxg_err eng_snapshot_finish(struct eng_snapshot *s, struct cxg_error *err) CXG_WUR;

/* A finished snapshot's sizes before rows were appended to it (eng_snapshot_finish_append). */
struct eng_append_base {
        size_t accounts, people, types; /* n_accounts, n_people, types.n */
        size_t delta;                   /* delta.n: rows from here on are new */
        int regroup;                    /* subscriptions, feedback or objectives were re-read */
};

/*
 * Finish a snapshot that was finished at sizes b and has had rows added since (the change-log
 * applier): the new interactions are counted into the monthly counters, the groupings
 * rebuilt only where rows came, the delta re-indexed (merged when large). Costs the new rows
 * plus the accounts and people, not the interactions, unless the new rows fall outside the
 * months counted so far: then it is a full eng_snapshot_finish. Edits of existing people or
 * interactions, and deletions, still need a full load.
 */
enum cxg_err eng_snapshot_finish_append(struct eng_snapshot *s, const struct eng_append_base *b,
                                        struct cxg_error *err) CXG_WUR;

/*
 * What a row's duration measures: support response time (support channel, or a type whose name
 * starts with "support"), product latency (web and app), or something else (a meeting's
 * length) that is not judged.
 */
enum { ENG_DUR_SUPPORT, ENG_DUR_LATENCY, ENG_DUR_OTHER };
int eng_duration_kind(const struct eng_snapshot *s, uint16_t type, uint8_t channel);

/* Account index of an external id, or ENG_NONE. */
uint32_t eng_account_find(const struct eng_snapshot *s, const char *ext_id);
/* Person index of an external id, or ENG_NONE. */
uint32_t eng_person_find(const struct eng_snapshot *s, const char *ext_id);

/*
 * First and one-past-last main-segment rows of account a with ts in [from, to] (unix seconds),
 * by binary search.
 */
void eng_account_range(const struct eng_snapshot *s, uint32_t a, int64_t from, int64_t to,
                       uint64_t *lo, uint64_t *hi);

/* Bytes held by the interaction columns of both segments and by everything else. */
void eng_snapshot_memory(const struct eng_snapshot *s, size_t *interaction_bytes,
                         size_t *other_bytes);

/* Interaction storage in bytes per row (both segments use the same layout). */
#define ENG_BYTES_PER_INTERACTION                                                                  \
        (sizeof(int32_t) + 3 * sizeof(uint32_t) + sizeof(float) + sizeof(uint16_t) + 2)

#endif
