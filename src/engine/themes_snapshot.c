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

/* ---- JSON ---- */

static enum cxg_err jnum(struct cxg_buf *b, const char *key, double x)
{
        if (!isfinite(x))
                return cxg_buf_printf(b, ",\"%s\":null", key);
        return cxg_buf_printf(b, ",\"%s\":%.6g", key, x);
}

static enum cxg_err example_json(const struct eng_snapshot *s, const struct eng_themes_report *rep,
                                 size_t d, struct cxg_buf *b)
{
        uint32_t i = rep->doc_fb[d], a = s->f_account[i], p = s->f_person[i];
        const char *acc = a < s->n_accounts ? s->a_ext[a] : NULL;
        const char *per = p < s->n_people ? s->p_ext[p] : NULL;
        char date[16];
        enum cxg_err rc = cxg_buf_puts(b, "{\"text\":");

        cxg_date_format(s->f_ts[i], date);
        if (!rc)
                rc = cxg_buf_json_str(b, rep->docs[d].text, rep->docs[d].len);
        if (!rc)
                rc = cxg_buf_puts(b, ",\"account\":");
        if (!rc)
                rc = acc ? cxg_buf_json_str(b, acc, strlen(acc)) : cxg_buf_puts(b, "null");
        if (!rc)
                rc = cxg_buf_puts(b, ",\"person\":");
        if (!rc)
                rc = per ? cxg_buf_json_str(b, per, strlen(per)) : cxg_buf_puts(b, "null");
        if (!rc)
                rc = cxg_buf_printf(b, ",\"kind\":\"%s\",\"date\":\"%s\"",
                                    model_fb_kind_name(s->f_kind[i]), date);
        if (!rc)
                rc = jnum(b, "score", s->f_score[i]);
        if (!rc)
                rc = cxg_buf_putc(b, '}');
        return rc;
}

static enum cxg_err themes_list(const struct eng_snapshot *s, const struct eng_themes_report *rep,
                                const struct eng_theme *th, size_t n, struct cxg_buf *b)
{
        enum cxg_err rc = cxg_buf_putc(b, '[');

        for (size_t i = 0; i < n && !rc; i++) {
                const struct eng_theme *t = &th[i];

                rc = cxg_buf_puts(b, i ? ",{\"term\":" : "{\"term\":");
                if (!rc)
                        rc = cxg_buf_json_str(b, t->term, strlen(t->term));
                if (!rc)
                        rc = cxg_buf_puts(b, ",\"stem\":");
                if (!rc)
                        rc = cxg_buf_json_str(b, t->stem, strlen(t->stem));
                if (!rc)
                        rc = cxg_buf_printf(b, ",\"ngram\":%d", t->ngram);
                if (!rc)
                        rc = jnum(b, "z", t->z);
                if (!rc)
                        rc = jnum(b, "z_unweighted", t->z_unweighted);
                if (!rc)
                        rc = jnum(b, "log_odds_ratio", t->delta);
                if (!rc)
                        rc = jnum(b, "count_a", t->count_a);
                if (!rc)
                        rc = jnum(b, "count_b", t->count_b);
                if (!rc)
                        rc =
                            cxg_buf_printf(b, ",\"comments_a\":%u,\"comments_b\":%u,\"examples\":[",
                                           t->docs_a, t->docs_b);
                for (size_t k = 0; k < t->n_examples && !rc; k++) {
                        if (k)
                                rc = cxg_buf_putc(b, ',');
                        if (!rc)
                                rc = example_json(s, rep, t->examples[k], b);
                }
                if (!rc)
                        rc = cxg_buf_puts(b, "]}");
        }
        if (!rc)
                rc = cxg_buf_putc(b, ']');
        return rc;
}

enum cxg_err eng_themes_json(const struct eng_snapshot *s, const struct eng_themes_report *rep,
                             struct cxg_buf *b)
{
        const struct eng_themes_result *r = &rep->res;
        enum cxg_err rc;

        rc = cxg_buf_printf(b, "{\"lang\":\"%s\",\"weight\":\"%s\",\"split\":\"%s\",\"group_a\":{",
                            rep->lang, eng_voc_weight_name((enum eng_voc_weight)rep->weight),
                            rep->segmented ? "segment" : "detractors_promoters");
        if (!rc)
                rc = cxg_buf_puts(b, "\"label\":");
        if (!rc)
                rc = cxg_buf_json_str(b, rep->label_a, strlen(rep->label_a));
        if (!rc)
                rc = cxg_buf_printf(b, ",\"comments\":%zu},\"group_b\":{\"label\":", r->docs_a);
        if (!rc)
                rc = cxg_buf_json_str(b, rep->label_b, strlen(rep->label_b));
        if (!rc)
                rc = cxg_buf_printf(b,
                                    ",\"comments\":%zu},\"other_comments\":%zu,"
                                    "\"vocabulary\":%zu,\"truncated\":%zu",
                                    r->docs_b, r->docs_other, r->vocab, r->truncated);
        if (!rc)
                rc = jnum(b, "prior_total", r->a0);
        if (!rc)
                rc = jnum(b, "terms_a", r->n_a_terms);
        if (!rc)
                rc = jnum(b, "terms_b", r->n_b_terms);
        if (!rc)
                rc = cxg_buf_puts(b, ",\"themes_a\":");
        if (!rc)
                rc = themes_list(s, rep, r->a, r->n_a, b);
        if (!rc)
                rc = cxg_buf_puts(b, ",\"themes_b\":");
        if (!rc)
                rc = themes_list(s, rep, r->b, r->n_b, b);
        if (!rc)
                rc = cxg_buf_putc(b, '}');
        return rc;
}
