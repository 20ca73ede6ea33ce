/*
 * cmd_voc.c: `cxgarden nps|csat|ces [--by FIELD] [--monthly] [--weight mrr|seniority]
 * [--since DATE] [--until DATE] [--json]` and `cxgarden voc experience [--type T] [--window
 * DAYS] [--metric nps|csat|ces] [--weight W] [--json]`: voice-of-the-customer figures with
 * counts and 95% intervals, read from the engine snapshot (src/engine/voc.c); and `cxgarden
 * themes [--segment FIELD=VALUE] [--since DATE] [--lang L] [--weight W] [--limit N] [--json]`:
 * the comment themes setting detractors (or a segment) apart (src/engine/themes_snapshot.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/view_voc.h"
#include "cli/cmd_engine.h"
#include "core/buf.h"
#include "core/parse.h"
#include "engine/themes.h"
#include "engine/voc.h"

#include "core/banned.h"
#include "core/timeconst.h"

static void usage(FILE *f, const char *cmd)
{
        if (strcmp(cmd, "voc") == 0)
                fprintf(f, "usage: cxgarden [--db PATH] voc experience [--metric nps|csat|ces] "
                           "[--type TYPE] [--window DAYS] [--weight mrr|seniority] [--since DATE] "
                           "[--until DATE] [--json]\n");
        else
                fprintf(f,
                        "usage: cxgarden [--db PATH] %s [--by FIELD] [--monthly] "
                        "[--weight mrr|seniority] [--since DATE] [--until DATE]%s [--json]\n"
                        "FIELD: account, plan, owner, currency, stage, band, garden, churned, "
                        "seniority, role, or any attribute key\n",
                        cmd, strcmp(cmd, "ces") == 0 ? " [--ces-mode mean|agree]" : "");
}

static int parse_time(const char *cmd, const char *opt, const char *s, int end_of_day, int64_t *out)
{
        struct cxg_error err;

        if (cxg_parse_time(s, strlen(s), out, &err)) {
                cli_errorf("%s: %s: %s", cmd, opt, err.msg);
                return CLI_USAGE;
        }
        /* a bare date as an upper bound means the whole day */
        if (end_of_day && strlen(s) == 10)
                *out += 86399;
        return CLI_OK;
}

static void print_fig(const struct eng_voc_stat *st, const struct eng_voc_figure *f)
{
        if (isnan(f->value)) {
                printf(" %8s %19s", "-", "");
                return;
        }
        if (isnan(f->lo))
                printf(" %8.*f %19s", st->mean_mode ? 2 : 1, f->value, "");
        else
                printf(" %8.*f [%7.*f, %7.*f]", st->mean_mode ? 2 : 1, f->value,
                       st->mean_mode ? 2 : 1, f->lo, st->mean_mode ? 2 : 1, f->hi);
}

static void print_row(const char *name, const struct eng_voc_stat *st, int weighted, int width)
{
        printf("%-*.*s %7llu %6llu %6llu %6llu", width, width, name, (unsigned long long)st->n,
               (unsigned long long)st->n_pos, (unsigned long long)st->n_mid,
               (unsigned long long)st->n_neg);
        print_fig(st, &st->unweighted);
        if (weighted) {
                print_fig(st, &st->weighted);
                printf(" %7.1f", st->weighted.n);
        }
        printf("\n");
}

static void print_report(const struct eng_voc_report *rep, const struct eng_voc_cfg *cfg)
{
        static const char *const cls[4][3] = {{"prom", "pass", "detr"},
                                              {"sat", "neu", "dis"},
                                              {"agree", "neu", "dis"},
                                              {"hi", "mid", "lo"}};
        const char *const *c = cls[cfg->metric < 4 ? cfg->metric : 3];
        int weighted = rep->weight != ENG_VOC_W_NONE, width = 12;
        char title[64];

        for (size_t g = 0; g < rep->n_groups; g++)
                if ((int)strlen(rep->groups[g].name) > width)
                        width = (int)strlen(rep->groups[g].name) > 32
                                    ? 32
                                    : (int)strlen(rep->groups[g].name);
        snprintf(title, sizeof(title), "%s%s", eng_voc_metric_name(cfg->metric),
                 rep->all.stat.mean_mode ? " mean" : "");
        printf("%-*s %7s %6s %6s %6s %8s %19s", width, rep->by ? rep->by : "", "answers", c[0],
               c[1], c[2], title, "95% CI");
        if (weighted)
                printf(" %8s %19s %7s", eng_voc_weight_name(rep->weight), "95% CI (weighted)",
                       "n_eff");
        printf("\n");
        print_row("all", &rep->all.stat, weighted, width);
        for (size_t m = 0; m < rep->all.n_months; m++) {
                char d[16];

                cxg_date_format(cxg_month_start(rep->all.months[m].month), d);
                d[7] = '\0';
                print_row(d, &rep->all.months[m].stat, weighted, width);
        }
        for (size_t g = 0; g < rep->n_groups; g++) {
                const struct eng_voc_row *row = &rep->groups[g];

                print_row(row->name, &row->stat, weighted, width);
                for (size_t m = 0; m < row->n_months; m++) {
                        char d[40];

                        cxg_date_format(cxg_month_start(row->months[m].month), d);
                        d[7] = '\0';
                        printf("  ");
                        print_row(d, &row->months[m].stat, weighted, width - 2);
                }
        }
}

static int run_metric(struct cli *c, enum eng_voc_metric metric)
{
        const char *cmd = c->argv[0];
        struct eng_voc_query q;
        struct eng_voc_report rep;
        struct eng_engine e;
        struct store *st;
        struct cxg_error err;
        int json = 0, code;

        eng_voc_query_init(&q, metric);
        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];
                const char *v = i + 1 < c->argc ? c->argv[i + 1] : NULL;

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--monthly") == 0) {
                        q.monthly = 1;
                } else if (strcmp(a, "--by") == 0 && v) {
                        q.by = v;
                        i++;
                } else if (strcmp(a, "--weight") == 0 && v) {
                        int w = eng_voc_weight_parse(v);

                        if (w < 0) {
                                cli_errorf("%s: --weight: expected mrr or seniority, not '%s'", cmd,
                                           v);
                                return CLI_USAGE;
                        }
                        q.weight = (enum eng_voc_weight)w;
                        i++;
                } else if (strcmp(a, "--ces-mode") == 0 && v && metric == ENG_VOC_CES) {
                        if (strcmp(v, "mean") == 0)
                                q.cfg.ces_mode = ENG_VOC_CES_MEAN;
                        else if (strcmp(v, "agree") == 0)
                                q.cfg.ces_mode = ENG_VOC_CES_AGREE;
                        else {
                                cli_errorf("%s: --ces-mode: expected mean or agree, not '%s'", cmd,
                                           v);
                                return CLI_USAGE;
                        }
                        i++;
                } else if (strcmp(a, "--since") == 0 && v) {
                        if ((code = parse_time(cmd, a, v, 0, &q.since)))
                                return code;
                        i++;
                } else if (strcmp(a, "--until") == 0 && v) {
                        if ((code = parse_time(cmd, a, v, 1, &q.until)))
                                return code;
                        i++;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout, cmd);
                        return CLI_OK;
                } else {
                        cli_errorf("%s: unknown argument '%s'", cmd, a);
                        usage(stderr, cmd);
                        return CLI_USAGE;
                }
        }
        if ((code = cmd_engine_open(c, cmd, CXG_TS_NONE, 0, 0, &st, &e)))
                return code;
        cxg_error_clear(&err);
        q.at = e.scores.at;
        if (eng_voc_report(&e.snap, &e.scores, &q, &rep, &err)) {
                cli_errorf("%s: %s", cmd, err.msg);
                code = CLI_FAIL;
                goto done;
        }
        if (json) {
                struct cxg_buf b;

                cxg_buf_init(&b, 0);
                if (view_voc_report_json(&rep, &b) || cxg_buf_putc(&b, '\n')) {
                        cli_errorf("%s: out of memory", cmd);
                        code = CLI_FAIL;
                } else {
                        fputs(b.data, stdout);
                }
                cxg_buf_release(&b);
        } else {
                print_report(&rep, &q.cfg);
        }
        eng_voc_report_release(&rep);
done:
        eng_engine_release(&e);
        store_close(st);
        return code;
}

int cli_nps(struct cli *c)
{
        return run_metric(c, ENG_VOC_NPS);
}

int cli_csat(struct cli *c)
{
        return run_metric(c, ENG_VOC_CSAT);
}

int cli_ces(struct cli *c)
{
        return run_metric(c, ENG_VOC_CES);
}

static void print_exp(const char *label, const struct eng_voc_exp_row *row, int weighted)
{
        const struct eng_voc_stat *s = &row->stat, *m = &row->mean;

        printf("%-18s %7llu", label, (unsigned long long)s->n);
        print_fig(s, &s->unweighted);
        print_fig(m, &m->unweighted);
        if (weighted)
                print_fig(s, &s->weighted);
        printf("\n");
}

int cli_voc(struct cli *c)
{
        struct eng_voc_exp_query q;
        struct eng_voc_exp_result res;
        struct eng_engine e;
        struct store *st;
        struct cxg_error err;
        int json = 0, code;

        if (c->argc < 2 || strcmp(c->argv[1], "experience") != 0) {
                if (c->argc >= 2 && (!strcmp(c->argv[1], "--help") || !strcmp(c->argv[1], "-h"))) {
                        usage(stdout, "voc");
                        return CLI_OK;
                }
                cli_errorf("voc: expected 'experience'");
                usage(stderr, "voc");
                return CLI_USAGE;
        }
        eng_voc_exp_query_init(&q, ENG_VOC_NPS);
        for (int i = 2; i < c->argc; i++) {
                const char *a = c->argv[i];
                const char *v = i + 1 < c->argc ? c->argv[i + 1] : NULL;

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--metric") == 0 && v) {
                        enum eng_voc_metric m = strcmp(v, "nps") == 0    ? ENG_VOC_NPS
                                                : strcmp(v, "csat") == 0 ? ENG_VOC_CSAT
                                                : strcmp(v, "ces") == 0  ? ENG_VOC_CES
                                                                         : ENG_VOC__COUNT;

                        if (m == ENG_VOC__COUNT) {
                                cli_errorf("voc: --metric: expected nps, csat or ces, not '%s'", v);
                                return CLI_USAGE;
                        }
                        eng_voc_cfg_init(&q.cfg.voc, m);
                        i++;
                } else if (strcmp(a, "--type") == 0 && v) {
                        q.type = v;
                        i++;
                } else if (strcmp(a, "--window") == 0 && v) {
                        char *end;
                        double d = strtod(v, &end);

                        if (*end || !(d > 0 && d <= 365)) {
                                cli_errorf("voc: --window: expected days (0-365], not '%s'", v);
                                return CLI_USAGE;
                        }
                        q.cfg.window_s = (int64_t)(d * CXG_DAY);
                        i++;
                } else if (strcmp(a, "--weight") == 0 && v) {
                        int w = eng_voc_weight_parse(v);

                        if (w < 0) {
                                cli_errorf("voc: --weight: expected mrr or seniority, not '%s'", v);
                                return CLI_USAGE;
                        }
                        q.weight = (enum eng_voc_weight)w;
                        i++;
                } else if (strcmp(a, "--since") == 0 && v) {
                        if ((code = parse_time("voc", a, v, 0, &q.since)))
                                return code;
                        i++;
                } else if (strcmp(a, "--until") == 0 && v) {
                        if ((code = parse_time("voc", a, v, 1, &q.until)))
                                return code;
                        i++;
                } else {
                        cli_errorf("voc: unknown argument '%s'", a);
                        usage(stderr, "voc");
                        return CLI_USAGE;
                }
        }
        if ((code = cmd_engine_open(c, "voc", CXG_TS_NONE, 0, 0, &st, &e)))
                return code;
        cxg_error_clear(&err);
        if (eng_voc_experience_snapshot(&e.snap, &q, &res, &err)) {
                cli_errorf("voc: %s", err.msg);
                code = CLI_FAIL;
        } else if (json) {
                struct cxg_buf b;

                cxg_buf_init(&b, 0);
                if (view_voc_experience_json(&res, &q.cfg, &b) || cxg_buf_putc(&b, '\n')) {
                        cli_errorf("voc: out of memory");
                        code = CLI_FAIL;
                } else {
                        fputs(b.data, stdout);
                }
                cxg_buf_release(&b);
        } else {
                static const char *const outcomes[4] = {"outcome none", "outcome ok",
                                                        "outcome failed", "outcome abandoned"};
                int weighted = q.weight != ENG_VOC_W_NONE;
                char label[48];

                printf("%-18s %7s %8s %19s %8s %19s%s\n", "last interaction", "answers",
                       eng_voc_metric_name(q.cfg.voc.metric), "95% CI", "mean", "95% CI",
                       weighted ? "  weighted, 95% CI" : "");
                print_exp("all", &(struct eng_voc_exp_row){res.all.stat, res.all.mean}, weighted);
                print_exp("none within window", &res.no_interaction, weighted);
                for (size_t k = 0; k < 4; k++)
                        print_exp(outcomes[k], &res.by_outcome[k], weighted);
                for (size_t k = 0; k <= res.n_bands; k++) {
                        char l2[64];

                        eng_voc_band_label(&q.cfg, k, label, sizeof(label));
                        snprintf(l2, sizeof(l2), "duration %s", label);
                        print_exp(l2, &res.by_band[k], weighted);
                }
        }
        eng_engine_release(&e);
        store_close(st);
        return code;
}

/* ---- themes ---- */

static void themes_usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] themes [--segment FIELD=VALUE] [--metric "
                   "nps|csat|ces] [--since DATE] [--until DATE]\n"
                   "       [--lang english|portuguese|spanish|french|german|...] "
                   "[--weight mrr|seniority] [--limit N] [--min-comments N]\n"
                   "       [--unigrams] [--json]\n"
                   "default: what detractors say against promoters; with --segment: that "
                   "segment's comments against the rest\n");
}

static void print_themes(const char *title, const struct eng_themes_report *rep,
                         const struct eng_theme *th, size_t n, int weighted)
{
        printf("\n%s\n", title);
        if (!n) {
                printf("  (none)\n");
                return;
        }
        printf("  %-28s %7s%s %6s %6s  %s\n", "theme", "z", weighted ? " z_unwtd" : "", "in A",
               "in B", "example");
        for (size_t i = 0; i < n; i++) {
                const struct eng_theme *t = &th[i];
                const char *ex = t->n_examples ? rep->docs[t->examples[0]].text : "";

                printf("  %-28.28s %7.2f", t->term, t->z);
                if (weighted)
                        printf(" %7.2f", t->z_unweighted);
                printf(" %6u %6u  \"%.60s%s\"\n", t->docs_a, t->docs_b, ex,
                       strlen(ex) > 60 ? "..." : "");
        }
}

int cli_themes(struct cli *c)
{
        struct eng_themes_query q;
        struct eng_themes_report rep;
        struct eng_engine e;
        struct store *st;
        struct cxg_error err;
        char field[64];
        int json = 0, code;

        eng_themes_query_init(&q);
        for (int i = 1; i < c->argc; i++) {
                const char *a = c->argv[i];
                const char *v = i + 1 < c->argc ? c->argv[i + 1] : NULL;

                if (strcmp(a, "--json") == 0) {
                        json = 1;
                } else if (strcmp(a, "--unigrams") == 0) {
                        q.cfg.bigrams = 0;
                } else if (strcmp(a, "--segment") == 0 && v) {
                        const char *eq = strchr(v, '=');

                        if (!eq || eq == v || !eq[1] || (size_t)(eq - v) >= sizeof(field)) {
                                cli_errorf("themes: --segment: expected FIELD=VALUE, not '%s'", v);
                                return CLI_USAGE;
                        }
                        memcpy(field, v, (size_t)(eq - v));
                        field[eq - v] = '\0';
                        q.field = field;
                        q.value = eq + 1;
                        i++;
                } else if (strcmp(a, "--metric") == 0 && v) {
                        q.metric = strcmp(v, "nps") == 0    ? ENG_VOC_NPS
                                   : strcmp(v, "csat") == 0 ? ENG_VOC_CSAT
                                   : strcmp(v, "ces") == 0  ? ENG_VOC_CES
                                                            : -1;
                        if (q.metric < 0) {
                                cli_errorf("themes: --metric: expected nps, csat or ces, not '%s'",
                                           v);
                                return CLI_USAGE;
                        }
                        i++;
                } else if (strcmp(a, "--lang") == 0 && v) {
                        q.cfg.lang = v;
                        i++;
                } else if ((strcmp(a, "--limit") == 0 || strcmp(a, "--min-comments") == 0) && v) {
                        char *end;
                        long n = strtol(v, &end, 10);

                        if (*end || end == v || n < 1 || n > 10000) {
                                cli_errorf("themes: %s: expected a count from 1 to 10000, not '%s'",
                                           a, v);
                                return CLI_USAGE;
                        }
                        if (a[2] == 'l')
                                q.cfg.top = (size_t)n;
                        else
                                q.cfg.min_docs = (unsigned)n;
                        i++;
                } else if (strcmp(a, "--weight") == 0 && v) {
                        int w = eng_voc_weight_parse(v);

                        if (w < 0) {
                                cli_errorf("themes: --weight: expected mrr or seniority, not '%s'",
                                           v);
                                return CLI_USAGE;
                        }
                        q.weight = w;
                        i++;
                } else if (strcmp(a, "--since") == 0 && v) {
                        if ((code = parse_time("themes", a, v, 0, &q.since)))
                                return code;
                        i++;
                } else if (strcmp(a, "--until") == 0 && v) {
                        if ((code = parse_time("themes", a, v, 1, &q.until)))
                                return code;
                        i++;
                } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        themes_usage(stdout);
                        return CLI_OK;
                } else {
                        cli_errorf("themes: unknown argument '%s'", a);
                        themes_usage(stderr);
                        return CLI_USAGE;
                }
        }
        /* an unknown language is a usage error, found before loading anything */
        {
                struct eng_tokenizer tk;

                cxg_error_clear(&err);
                if (eng_themes_tokenizer_init(&tk, q.cfg.lang, 0, &err)) {
                        cli_errorf("themes: --lang: %s", err.msg);
                        return CLI_USAGE;
                }
                eng_themes_tokenizer_release(&tk);
        }
        if ((code = cmd_engine_open(c, "themes", CXG_TS_NONE, 0, 0, &st, &e)))
                return code;
        cxg_error_clear(&err);
        q.at = e.scores.at;
        if (eng_themes_snapshot(&e.snap, &e.scores, &q, &rep, &err)) {
                cli_errorf("themes: %s", err.msg);
                code = CLI_FAIL;
                goto done;
        }
        if (json) {
                struct cxg_buf b;

                cxg_buf_init(&b, 0);
                if (view_themes_json(&e.snap, &rep, &b) || cxg_buf_putc(&b, '\n')) {
                        cli_errorf("themes: out of memory");
                        code = CLI_FAIL;
                } else {
                        fputs(b.data, stdout);
                }
                cxg_buf_release(&b);
        } else {
                char t[256];
                int weighted = q.weight != ENG_VOC_W_NONE;

                printf("A: %s (%zu comments) against B: %s (%zu comments); %zu other comments "
                       "in the prior; language %s%s%s\n",
                       rep.label_a, rep.res.docs_a, rep.label_b, rep.res.docs_b, rep.res.docs_other,
                       rep.lang, weighted ? ", weighted by " : "",
                       weighted ? eng_voc_weight_name((enum eng_voc_weight)q.weight) : "");
                snprintf(t, sizeof(t),
                         "themes setting %s apart (weighted log-odds, z > 0):", rep.label_a);
                print_themes(t, &rep, rep.res.a, rep.res.n_a, weighted);
                snprintf(t, sizeof(t), "themes setting %s apart:", rep.label_b);
                print_themes(t, &rep, rep.res.b, rep.res.n_b, weighted);
        }
        eng_themes_report_release(&rep);
done:
        eng_engine_release(&e);
        store_close(st);
        return code;
}
