/*
 * themes_snapshot.c: comment themes (themes.h) over the engine snapshot: picks the comments of
 * a window, splits them into detractors and promoters (or a segment and the rest), weights
 * them by MRR or seniority, runs eng_themes_compute and writes the JSON the CLI and the API
 * print. Owns only the document arrays of the reports it hands back (the texts stay in the
 * snapshot). Formulas: docs/scoring.md, "Comment themes".
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/parse.h"
#include "engine/segments.h"
#include "engine/snapshot.h"
#include "engine/themes.h"
#include "engine/voc.h"

#include "core/banned.h"

void eng_themes_query_init(struct eng_themes_query *q)
{
        memset(q, 0, sizeof(*q));
        eng_themes_cfg_init(&q->cfg);
        q->weight = ENG_VOC_W_NONE;
        q->metric = ENG_VOC_NPS;
        q->since = q->until = q->at = CXG_TS_NONE;
}

void eng_themes_report_release(struct eng_themes_report *rep)
{
        eng_themes_result_release(&rep->res);
        cxg_free(rep->docs);
        cxg_free(rep->doc_fb);
        memset(rep, 0, sizeof(*rep));
}

static int in_window(int64_t t, int64_t since, int64_t until)
{
        return (since == CXG_TS_NONE || t >= since) && (until == CXG_TS_NONE || t <= until);
}

enum cxg_err eng_themes_snapshot(const struct eng_snapshot *s, const struct eng_scores *r,
                                 const struct eng_themes_query *q, struct eng_themes_report *out,
                                 struct cxg_error *err)
{
        struct eng_themes_cfg cfg = q->cfg;
        struct eng_voc_cfg vc;
        int kind = -1, people = 0;
        size_t n = 0;
        char buf[256];
        enum cxg_err rc;

        memset(out, 0, sizeof(*out));
        out->weight = q->weight;
        out->metric = q->metric;
        out->segmented = q->field != NULL;
        snprintf(out->lang, sizeof(out->lang), "%s", cfg.lang ? cfg.lang : "english");
        eng_voc_cfg_init(&vc, (enum eng_voc_metric)q->metric);
        if (q->field) {
                people =
                    eng_field_is_canonical(q->field, 1) && !eng_field_is_canonical(q->field, 0);
                snprintf(out->label_a, sizeof(out->label_a), "%s=%s", q->field,
                         q->value ? q->value : "");
                snprintf(out->label_b, sizeof(out->label_b), "rest");
        } else {
                static const char *const names[][2] = {
                    {"nps detractors", "nps promoters"},
                    {"csat dissatisfied", "csat satisfied"},
                    {"ces high effort", "ces low effort"},
                    {"low ratings", "high ratings"},
                };
                size_t m = q->metric >= 0 && q->metric < ENG_VOC__COUNT ? (size_t)q->metric : 0;

                kind = eng_voc_metric_kind((enum eng_voc_metric)q->metric);
                snprintf(out->label_a, sizeof(out->label_a), "%s", names[m][0]);
                snprintf(out->label_b, sizeof(out->label_b), "%s", names[m][1]);
        }
        out->docs = cxg_malloc((s->n_fb + 1) * sizeof(*out->docs));
        out->doc_fb = cxg_malloc((s->n_fb + 1) * sizeof(*out->doc_fb));
        if (!out->docs || !out->doc_fb) {
                eng_themes_report_release(out);
                return cxg_error_set(err, CXG_ERR_NOMEM, "themes: out of memory");
        }
        for (size_t i = 0; i < s->n_fb; i++) {
                const char *text = s->f_comment[i];
                struct eng_themes_doc *d = &out->docs[n];
                int group = 2;

                if (!text || !in_window(s->f_ts[i], q->since, q->until))
                        continue;
                if (q->field) {
                        uint32_t idx = people ? s->f_person[i] : s->f_account[i];
                        const char *v = "(none)";

                        if (strcmp(q->field, "account") == 0)
                                v = s->f_account[i] < s->n_accounts ? s->a_ext[s->f_account[i]] : v;
                        else if (idx < (people ? s->n_people : s->n_accounts))
                                v = eng_field_value(s, r, people, idx, q->field, q->at, buf,
                                                    sizeof(buf));
                        group = q->value && cxg_ieq(v, strlen(v), q->value) ? 0 : 1;
                } else if (s->f_kind[i] == kind) {
                        double sc = s->f_score[i];

                        if (sc >= vc.min && sc <= vc.max)
                                group = sc <= vc.neg_max ? 0 : sc >= vc.pos_min ? 1 : 2;
                }
                d->text = text;
                d->len = strlen(text);
                d->group = group;
                d->weight = eng_voc_feedback_weight(s, i, (enum eng_voc_weight)q->weight);
                out->doc_fb[n++] = (uint32_t)i;
        }
        out->n_docs = n;
        cfg.weighted = q->weight != ENG_VOC_W_NONE;
        if ((rc = eng_themes_compute(&cfg, out->docs, n, &out->res, err))) {
                eng_themes_report_release(out);
                return rc;
        }
        return CXG_OK;
}
