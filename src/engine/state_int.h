/*
 * state_int.h: an account's published state decoded (state.c decodes eng_state_encode's
 * blobs; foreign.c keeps them and writes them into a snapshot and its scores). References are
 * external ids and names, resolved against the applying node's snapshot.
 */
#ifndef CXG_ENGINE_STATE_INT_H
#define CXG_ENGINE_STATE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "engine/score.h"
#include "model/shard.h"

/* Blob format version (state.c), bumped when the layout changes. */
#define ENG_STATE_VERSION 2

/* What a reason's ref names. */
enum { ENG_REF_NUM, ENG_REF_PERSON, ENG_REF_TYPE, ENG_REF_OBJECTIVE };

/* One month of the account's counters, by absolute month (cxg_month_index). */
struct eng_fmonth {
        int64_t month;
        uint32_t n, failed, slow, sup_n, lat_n;
        double sup_sum, lat_sum;
};

struct eng_fperson {
        const char *ext; /* into the state's copy of the blob */
        float engagement, activity, prior;
        int32_t last;
        uint16_t channels, feedback;
        uint8_t caps;
        uint64_t capmask;
        uint32_t n_active;
        int64_t *active; /* absolute months, n_active */
};

struct eng_fstate {
        const char *account_ext;
        int64_t at;
        struct eng_account_score sc; /* reasons' ref: ref_kind / ref_name below */
        uint8_t ref_kind[ENG_MAX_REASONS];
        const char *ref_name[ENG_MAX_REASONS];
        size_t n_months, n_people;
        struct eng_fmonth *months;
        struct eng_fperson *people;
        int64_t month_lo, month_hi; /* over months and active months; lo > hi when none */
        unsigned char *blob;        /* owned copy the strings point into */
        int64_t *active_all;        /* every person's active months, one allocation */
        /* detector inputs per person (detect_features.h), people order; NULL when none */
        int32_t *dlast; /* last interaction at or before at, rel. to ENG_EPOCH */
        uint32_t *doff; /* n_people + 1 offsets into dage and dcnt */
        uint16_t *dage; /* days before at */
        uint32_t *dcnt; /* interactions that day */
};

/* Decode blob into a new state (*out; eng_fstate_free). A bad blob: CXG_ERR_PARSE saying why. */
enum cxg_err eng_fstate_decode(const void *blob, size_t len, struct eng_fstate **out,
                               struct cxg_error *err) CXG_WUR;
void eng_fstate_free(struct eng_fstate *st);

struct eng_foreign;
/* eng_foreign_put of a decoded state (taken over, freed on failure). */
enum cxg_err eng_foreign_keep(struct eng_foreign *f, int64_t account_id, struct eng_fstate *st,
                              struct cxg_error *err) CXG_WUR;
/* The kept state of account_id, NULL when none. */
const struct eng_fstate *eng_foreign_get(const struct eng_foreign *f, int64_t account_id);

struct eng_dfeat_acc;
/* eng_state_encode with the caller's detector-input scratch (reused over many accounts). */
enum cxg_err eng_state_encode_with(const struct eng_snapshot *s, const struct eng_scores *r,
                                   uint32_t a, struct eng_dfeat_acc *scratch, struct cxg_buf *out,
                                   struct cxg_error *err) CXG_WUR;

/*
 * eng_foreign_apply's writes into r only (s untouched, so a reader under the engine's read
 * lock may call it): for computations into a caller's result (eng_engine_compute).
 */
enum cxg_err eng_foreign_apply_scores(const struct eng_foreign *f, const struct cxg_shardset *own,
                                      const struct eng_snapshot *s, struct eng_scores *r) CXG_WUR;

#endif
