/* main.c: the cxgarden command: global options, then one subcommand per file. */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/alloc.h"
#include "core/banned.h"

struct command {
        const char *name;
        int (*run)(struct cli *c);
        const char *summary;
};

static const struct command commands[] = {
    {"import", cli_import, "import KIND FILE: load accounts, people, interactions, ..."},
    {"generate", cli_generate, "generate [--seed N] [--scale X]: make demo data"},
    {"stats", cli_stats, "stats [--json]: count rows per entity"},
    {"score", cli_score, "score [--at DATE] [--json]: recompute every score"},
    {"accounts", cli_accounts, "accounts [--sort health|robustness|mrr]: list accounts"},
    {"account", cli_account, "account ID: scores, components, reasons, stakeholders"},
    {"segments", cli_segments, "segments --by FIELD: churn, MRR, health per segment"},
    {"cohorts", cli_cohorts, "cohorts: monthly signup cohorts and retention"},
    {"nps", cli_nps, "nps [--by FIELD] [--monthly] [--weight mrr|seniority]: NPS with 95% CI"},
    {"csat", cli_csat, "csat [--by FIELD] [--monthly] [--weight W]: CSAT with 95% CI"},
    {"ces", cli_ces, "ces [--by FIELD] [--ces-mode mean|agree]: CES with 95% CI"},
    {"voc", cli_voc, "voc experience: scores by outcome and duration of the last interaction"},
    {"themes", cli_themes, "themes [--segment F=V] [--weight W]: comment themes, log-odds"},
    {"fit", cli_fit, "fit ACCOUNT | --summary | --under-reached: objectives vs plan and use"},
    {"serve", cli_serve, "serve [--port N]: HTTP API and dashboard"},
    {"user", cli_user, "user add NAME --role R: manage users"},
    {"token", cli_token, "token create --user NAME: manage API tokens"},
    {"person", cli_person, "person export|erase ID: a person's data (access, erasure)"},
    {"purge", cli_purge, "purge interactions --older-than DAYS: retention"},
    {"detect", cli_detect, "detect [--at DATE] [--json]: run the early-warning detectors"},
    {"alerts", cli_alerts, "alerts [--status open] [--json]: list and triage alerts"},
    {"tasks", cli_tasks, "tasks [--owner NAME] [--json]: follow-up tasks from alerts"},
    {"webhook", cli_webhook, "webhook add URL: alert webhooks and their deliveries"},
    {"sweetspot", cli_sweetspot, "sweetspot [--by FIELDS]: segments served well and poorly"},
    {"gardens", cli_gardens, "gardens list|show|create|suggest|impact: customer gardens"},
    {"ideas", cli_ideas, "ideas list|create|vote|comment|move: governed garden ideas"},
    {"ledger", cli_ledger, "ledger list|leaderboard|trend: the incentive ledger"},
    {"migrate", cli_migrate, "migrate --from A --to B: copy a store (SQLite <-> PostgreSQL)"},
};

void cli_errorf(const char *fmt, ...)
{
        va_list ap;

        fputs("cxgarden: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] [--config FILE] COMMAND [ARGS]\n\ncommands:\n");
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
        struct cli c = {.db_path = "cxgarden.db"};
        int i = 1;

        /* jansson allocates through cxg_malloc: its failures are then told from bad input */
        json_set_alloc_funcs(cxg_malloc, cxg_free);

        while (i < argc && argv[i][0] == '-') {
                const char *a = argv[i];

                if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
                        usage(stdout);
                        return CLI_OK;
                }
                if (strcmp(a, "--db") == 0 || strcmp(a, "--config") == 0) {
                        if (i + 1 >= argc) {
                                cli_errorf("%s needs a value", a);
                                return CLI_USAGE;
                        }
                        if (a[2] == 'd')
                                c.db_path = argv[i + 1];
                        else
                                c.config_path = argv[i + 1];
                        i += 2;
                        continue;
                }
                if (strncmp(a, "--db=", 5) == 0) {
                        c.db_path = a + 5;
                        i++;
                        continue;
                }
                if (strncmp(a, "--config=", 9) == 0) {
                        c.config_path = a + 9;
                        i++;
                        continue;
                }
                cli_errorf("unknown option '%s'", a);
                usage(stderr);
                return CLI_USAGE;
        }
        if (i >= argc) {
                usage(stderr);
                return CLI_USAGE;
        }
        c.argc = argc - i;
        c.argv = argv + i;
        for (size_t k = 0; k < sizeof(commands) / sizeof(commands[0]); k++)
                if (strcmp(commands[k].name, argv[i]) == 0)
                        return commands[k].run(&c);
        cli_errorf("unknown command '%s' (see cxgarden --help)", argv[i]);
        return CLI_USAGE;
}
