/*
 * view_voc.c: the JSON of voice-of-the-customer statistics and comment themes (cxgarden nps/csat/
 * ces/voc/themes --json and GET /api/v1/voc/...).
 */
#include "app/view_voc.h"
#include "app/view_buf.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/alloc.h"
#include "core/banned.h"
#include "core/parse.h"
#include "core/timeconst.h"

/* ---- JSON ---- */

static enum cxg_err figure_json(const struct eng_voc_figure *f, struct cxg_buf *b)
{
        enum cxg_err rc = cxg_buf_putc(b, '{');

        if (!rc)
                rc = view_buf_num(b, "value", f->value, 0);
        if (!rc)
                rc = view_buf_num(b, "ci_low", f->lo, 1);
        if (!rc)
                rc = view_buf_num(b, "ci_high", f->hi, 1);
        if (!rc)
                rc = view_buf_num(b, "se", f->se, 1);
        if (!rc)
                rc = view_buf_num(b, "n", f->n, 1);
        if (!rc)
                rc = view_buf_num(b, "positive_share", f->pos_share, 1);
        if (!rc)
                rc = view_buf_num(b, "negative_share", f->neg_share, 1);
        if (!rc)
                rc = view_buf_num(b, "mean", f->mean, 1);
        if (!rc)
                rc = cxg_buf_putc(b, '}');
        return rc;
}

enum cxg_err view_voc_stat_json(const struct eng_voc_stat *st, struct cxg_buf *b)
{
        enum cxg_err rc;

        rc = cxg_buf_printf(b,
                            "{\"metric\":\"%s\",\"n\":%llu,\"positive\":%llu,\"neutral\":%llu,"
                            "\"negative\":%llu,\"skipped\":%llu,\"unweighted\":",
                            eng_voc_metric_name(st->metric), (unsigned long long)st->n,
                            (unsigned long long)st->n_pos, (unsigned long long)st->n_mid,
                            (unsigned long long)st->n_neg, (unsigned long long)st->n_skipped);
        if (!rc)
                rc = figure_json(&st->unweighted, b);
        if (!rc && st->has_weighted) {
                rc = cxg_buf_printf(b, ",\"n_weighted\":%llu", (unsigned long long)st->n_weighted);
                if (!rc)
                        rc = view_buf_num(b, "weight_sum", st->weight_sum, 1);
                if (!rc)
                        rc = cxg_buf_puts(b, ",\"weighted\":");
                if (!rc)
                        rc = figure_json(&st->weighted, b);
        } else if (!rc) {
                rc = cxg_buf_puts(b, ",\"weighted\":null");
        }
        if (!rc)
                rc = cxg_buf_putc(b, '}');
        return rc;
}

static enum cxg_err row_json(const struct eng_voc_row *row, struct cxg_buf *b)
{
        enum cxg_err rc = cxg_buf_puts(b, "{\"name\":");

        if (!rc)
                rc = cxg_buf_json_str(b, row->name, strlen(row->name));
        if (!rc)
                rc = cxg_buf_puts(b, ",\"stat\":");
        if (!rc)
                rc = view_voc_stat_json(&row->stat, b);
        if (!rc && row->months) {
                rc = cxg_buf_puts(b, ",\"months\":[");
                for (size_t m = 0; m < row->n_months && !rc; m++) {
                        char d[16];

                        cxg_date_format(cxg_month_start(row->months[m].month), d);
                        d[7] = '\0';
                        rc = cxg_buf_printf(b, "%s{\"month\":\"%s\",\"stat\":", m ? "," : "", d);
                        if (!rc)
                                rc = view_voc_stat_json(&row->months[m].stat, b);
                        if (!rc)
                                rc = cxg_buf_putc(b, '}');
                }
                if (!rc)
                        rc = cxg_buf_putc(b, ']');
        }
        if (!rc)
                rc = cxg_buf_putc(b, '}');
        return rc;
}

enum cxg_err view_voc_report_json(const struct eng_voc_report *rep, struct cxg_buf *b)
{
        enum cxg_err rc;

        rc = cxg_buf_printf(b, "{\"metric\":\"%s\",\"weight\":\"%s\",\"by\":",
                            eng_voc_metric_name(rep->all.stat.metric),
                            eng_voc_weight_name(rep->weight));
        if (!rc)
                rc = rep->by ? cxg_buf_json_str(b, rep->by, strlen(rep->by))
                             : cxg_buf_puts(b, "null");
        if (!rc)
                rc = cxg_buf_puts(b, ",\"all\":");
        if (!rc)
                rc = row_json(&rep->all, b);
        if (!rc)
                rc = cxg_buf_puts(b, ",\"groups\":[");
        for (size_t g = 0; g < rep->n_groups && !rc; g++) {
                if (g)
                        rc = cxg_buf_putc(b, ',');
                if (!rc)
                        rc = row_json(&rep->groups[g], b);
        }
        if (!rc)
                rc = cxg_buf_puts(b, "]}");
        return rc;
}

static enum cxg_err exp_row_json(const char *key, const char *label,
                                 const struct eng_voc_exp_row *row, struct cxg_buf *b)
{
        enum cxg_err rc = cxg_buf_printf(b, "{\"%s\":\"%s\",\"stat\":", key, label);

        if (!rc)
                rc = view_voc_stat_json(&row->stat, b);
        if (!rc)
                rc = cxg_buf_puts(b, ",\"mean\":");
        if (!rc)
                rc = view_voc_stat_json(&row->mean, b);
        if (!rc)
                rc = cxg_buf_putc(b, '}');
        return rc;
}

enum cxg_err view_voc_experience_json(const struct eng_voc_exp_result *res,
                                      const struct eng_voc_exp_cfg *cfg, struct cxg_buf *b)
{
        static const char *const outcomes[4] = {"none", "ok", "failed", "abandoned"};
        enum cxg_err rc;
        char label[64]; /* two 31-character durations and a dash */

        rc = cxg_buf_printf(b, "{\"metric\":\"%s\",\"window_days\":%.6g,\"all\":",
                            eng_voc_metric_name(cfg->voc.metric), (double)cfg->window_s / CXG_DAY);
        if (!rc)
                rc = view_voc_stat_json(&res->all.stat, b);
        if (!rc)
                rc = cxg_buf_puts(b, ",\"no_interaction\":");
        if (!rc)
                rc = exp_row_json("group", "no interaction", &res->no_interaction, b);
        if (!rc)
                rc = cxg_buf_puts(b, ",\"by_outcome\":[");
        for (size_t k = 0; k < 4 && !rc; k++) {
                if (k)
                        rc = cxg_buf_putc(b, ',');
                if (!rc)
                        rc = exp_row_json("outcome", outcomes[k], &res->by_outcome[k], b);
        }
        if (!rc)
                rc = cxg_buf_puts(b, "],\"by_duration\":[");
        for (size_t k = 0; k <= res->n_bands && !rc; k++) {
                eng_voc_band_label(cfg, k, label, sizeof(label));
                if (k)
                        rc = cxg_buf_putc(b, ',');
                if (!rc)
                        rc = exp_row_json("band", label, &res->by_band[k], b);
        }
        if (!rc)
                rc = cxg_buf_puts(b, "]}");
        return rc;
}

/* ---- comment themes ---- */

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
                rc = view_buf_num(b, "score", s->f_score[i], 1);
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
                        rc = view_buf_num(b, "z", t->z, 1);
                if (!rc)
                        rc = view_buf_num(b, "z_unweighted", t->z_unweighted, 1);
                if (!rc)
                        rc = view_buf_num(b, "log_odds_ratio", t->delta, 1);
                if (!rc)
                        rc = view_buf_num(b, "count_a", t->count_a, 1);
                if (!rc)
                        rc = view_buf_num(b, "count_b", t->count_b, 1);
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

enum cxg_err view_themes_json(const struct eng_snapshot *s, const struct eng_themes_report *rep,
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
                rc = view_buf_num(b, "prior_total", r->a0, 1);
        if (!rc)
                rc = view_buf_num(b, "terms_a", r->n_a_terms, 1);
        if (!rc)
                rc = view_buf_num(b, "terms_b", r->n_b_terms, 1);
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
