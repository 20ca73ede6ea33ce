/*
 * cmd_stats.c: `cxgarden [--db PATH] stats [--json]`: row counts per entity, as a text table
 * or one JSON object. Opens the database read-only.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/banned.h"
#include "store/store.h"

static void usage(FILE *f)
{
        fprintf(f, "usage: cxgarden [--db PATH] stats [--json]\n");
}

int cli_stats(struct cli *c)
{
        struct cxg_error err;
        struct store_counts n;
        struct store *s = NULL;
        int json = 0, i;
        enum cxg_err rc;

        for (i = 1; i < c->argc; i++) {
                if (strcmp(c->argv[i], "--json") == 0) {
                        json = 1;
                } else if (strcmp(c->argv[i], "--help") == 0 || strcmp(c->argv[i], "-h") == 0) {
                        usage(stdout);
                        return CLI_OK;
                } else {
                        cli_errorf("stats: unknown argument '%s'", c->argv[i]);
                        usage(stderr);
                        return CLI_USAGE;
                }
        }
        cxg_error_clear(&err);
        rc = store_open(c->db_path, STORE_READONLY, &s, &err);
        if (!rc)
                rc = store_counts(s, &n, &err);
        if (rc) {
                cli_errorf("stats: %s", err.msg);
                store_close(s);
                return CLI_FAIL;
        }
        {
                const struct {
                        const char *name;
                        int64_t v;
                } rows[] = {
                    {"accounts", n.accounts},
                    {"people", n.people},
                    {"subscriptions", n.subscriptions},
                    {"interactions", n.interactions},
                    {"interaction_types", n.interaction_types},
                    {"feedback", n.feedback},
                    {"objectives", n.objectives},
                    {"capabilities", n.capabilities},
                };
                size_t k, nrows = sizeof(rows) / sizeof(rows[0]);

                if (json) {
                        printf("{");
                        for (k = 0; k < nrows; k++)
                                printf("%s\"%s\": %lld", k ? ", " : "", rows[k].name,
                                       (long long)rows[k].v);
                        printf("}\n");
                } else {
                        printf("%-18s %15s\n", "entity", "rows");
                        for (k = 0; k < nrows; k++) {
                                char num[32], grouped[40];
                                size_t len, g = 0;

                                len = (size_t)snprintf(num, sizeof(num), "%lld",
                                                       (long long)rows[k].v);
                                /* thousands separators: 5,000,000 reads at a glance */
                                for (size_t d = 0; d < len; d++) {
                                        if (d && (len - d) % 3 == 0)
                                                grouped[g++] = ',';
                                        grouped[g++] = num[d];
                                }
                                grouped[g] = '\0';
                                printf("%-18s %15s\n", rows[k].name, grouped);
                        }
                }
        }
        store_close(s);
        return CLI_OK;
}
