/*
 * view_cohorts.h: the JSON of cohort retention (cxgarden cohorts --json, GET /api/v1/cohorts)
 * and lifecycle (cxgarden cohorts --lifecycle --json).
 * Engine computes the structs; these render them, once for both front ends. Each appends
 * to a cxg_buf and returns CXG_OK or CXG_ERR_NOMEM / CXG_ERR_LIMIT.
 */
#ifndef CXG_APP_VIEW_COHORTS_H
#define CXG_APP_VIEW_COHORTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "engine/cohorts.h"

/*
 * Append {"by":"accounts"|"people"|"revenue","cumulative":bool,"cohorts":[{"month":"2025-01",
 * "size":n,"active":[...],"retention":[fractions]}]} to out (null where not observed).
 */
enum cxg_err view_cohorts_json(const struct eng_cohorts *co, int by, int cumulative,
                               struct cxg_buf *out) CXG_WUR;

/*
 * Append {"entity":...,"months":[{"month":...,"new":n,"returning":n,"resurrecting":n,
 * "dormant":n,"leaky":bool}]} to out.
 */
enum cxg_err view_lifecycle_json(const struct eng_lifecycle *l, int people,
                                 struct cxg_buf *out) CXG_WUR;

#endif
