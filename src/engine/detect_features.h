/*
 * detect_features.h: the per-person inputs of the detectors that need a person's own rows
 * (erosion's window counts, at risk's recent and prior counts and last interaction), computed
 * by the account's owner from its rows as of a time and carried in the account's published
 * state (eng_state_encode), so every node reads the same figures (docs/scoring.md, "Early
 * warning", "Inputs in a cluster"). The single node goes through the same functions.
 */
#ifndef CXG_ENG_DETECT_FEATURES_H
#define CXG_ENG_DETECT_FEATURES_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "engine/snapshot.h"

/* Days before the as-of time counted day by day; older interactions share one last bucket. */
#define ENG_DFEAT_DAYS 732

/*
 * One account's people (in its p_list order): each one's last interaction at or before the
 * as-of time and the interactions per day of age (floor((at - t) / day), ascending, at most
 * ENG_DFEAT_DAYS: older). Scratch arrays are kept between calls.
 */
struct eng_dfeat_acc {
        uint32_t np;
        int32_t *last; /* rel. to ENG_EPOCH; INT32_MIN: none */
        uint32_t *off; /* np + 1 offsets into age and cnt */
        uint16_t *age; /* days before at */
        uint32_t *cnt; /* interactions that day */
        size_t n;      /* (age, cnt) pairs */
        size_t cap_np, cap_off, cap_n, cap_keys, cap_loc;
        uint64_t *keys; /* scratch: local person << 16 | age */
        uint32_t *loc;  /* scratch: person index -> local index + 1 */
};

void eng_dfeat_acc_init(struct eng_dfeat_acc *f);
void eng_dfeat_acc_release(struct eng_dfeat_acc *f);
/* Fill f for account a of s from a's rows (those of its own people) as of at. */
enum cxg_err eng_dfeat_account(const struct eng_snapshot *s, uint32_t a, int64_t at,
                               struct eng_dfeat_acc *f) CXG_WUR;
/* Person k's interactions aged [lo_days, hi_days) (hi clamped to ENG_DFEAT_DAYS + 1). */
uint32_t eng_dfeat_window(const struct eng_dfeat_acc *f, uint32_t k, int64_t lo_days,
                          int64_t hi_days);

struct eng_foreign;
struct cxg_shardset;

/* Per-person window counts of one detector run, for every person of a snapshot. */
struct eng_dfeat_windows {
        size_t nwin;
        int64_t lo[4], hi[4]; /* window w: ages [lo, hi) days */
        uint32_t *count;      /* n_people * nwin */
        int32_t *last;        /* n_people; INT32_MIN: none */
};

/*
 * The window counts and last interactions of every person of s as of at: for accounts of
 * other shards with a published state in f (f non-NULL, a not in own), the state's figures;
 * for the others, eng_dfeat_account over the local rows. w->nwin, lo, hi set by the caller.
 */
enum cxg_err eng_dfeat_people(const struct eng_snapshot *s, const struct eng_foreign *f,
                              const struct cxg_shardset *own, int64_t at,
                              struct eng_dfeat_windows *w) CXG_WUR;
void eng_dfeat_windows_release(struct eng_dfeat_windows *w);
/* Whole days of a detector window given in (possibly fractional) days. */
int64_t eng_dfeat_days(double days);

#endif
