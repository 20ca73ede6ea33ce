/*
 * view_evidence.h: the one JSON rendering of a detector's evidence (the numbers behind an
 * alert), stored with the alert and shown in every alert view: one object per kind, keys in a
 * fixed order, numbers with 10 significant digits, unknown numbers and dates null.
 */
#ifndef CXG_APP_VIEW_EVIDENCE_H
#define CXG_APP_VIEW_EVIDENCE_H

#include <jansson.h>

#include "engine/detect.h"

/* The evidence of a as a new object ({} when a has none); NULL only when out of memory. */
json_t *view_evidence(const struct eng_alert *a);
/*
 * The evidence of a as the compact text stored in the alerts table (cxg_free it); NULL when
 * out of memory.
 */
char *view_evidence_text(const struct eng_alert *a);

#endif
