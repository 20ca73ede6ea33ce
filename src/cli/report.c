/* report.c: how the command line prints an error from below: message, then the flag to fix. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/banned.h"

static const char *flag_of(const struct cxg_error *e, const struct cli_flag *map)
{
        for (size_t i = 0; map && map[i].field; i++)
                if (e->field[0] && strcmp(map[i].field, e->field) == 0)
                        return map[i].flag;
        return NULL;
}

void cli_report(const char *cmd, const struct cxg_error *e, const struct cli_flag *map)
{
        const char *flag = flag_of(e, map);

        if (flag)
                cli_errorf("%s: %s (set with --%s)", cmd, e->msg, flag);
        else
                cli_errorf("%s: %s", cmd, e->msg);
}

/* cli_report for a message that names its command itself */
static void cli_report_plain(const struct cxg_error *e, const struct cli_flag *map)
{
        const char *flag = flag_of(e, map);

        if (flag)
                cli_errorf("%s (set with --%s)", e->msg, flag);
        else
                cli_errorf("%s", e->msg);
}

void cli_report_at(const char *cmd, const struct cxg_error *e, const struct cli_flag *map)
{
        struct cxg_error shown = *e;
        char line[sizeof(shown.msg)];

        /* a field that a flag sets is named by the flag, after the message */
        if (flag_of(e, map))
                shown.field[0] = '\0';
        cxg_error_format(&shown, line, sizeof(line));
        shown = *e;
        memcpy(shown.msg, line, sizeof(line));
        if (cmd)
                cli_report(cmd, &shown, map);
        else
                cli_report_plain(&shown, map);
}
