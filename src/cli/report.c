/* report.c: how the command line prints an error from below: message, then the flag to fix. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/banned.h"

void cli_report(const char *cmd, const struct cxg_error *e, const struct cli_flag *map)
{
        const char *flag = NULL;

        for (size_t i = 0; map && map[i].field; i++)
                if (e->field[0] && strcmp(map[i].field, e->field) == 0) {
                        flag = map[i].flag;
                        break;
                }
        if (flag)
                cli_errorf("%s: %s (set with --%s)", cmd, e->msg, flag);
        else
                cli_errorf("%s: %s", cmd, e->msg);
}
