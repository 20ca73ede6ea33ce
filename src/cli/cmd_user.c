/* cmd_user.c: placeholder until its issue lands; replaced by the real subcommand. */
#include "cli/cli.h"

int cli_user(struct cli *c)
{
        cli_errorf("%s: not built yet", c->argv[0]);
        return CLI_FAIL;
}

int cli_token(struct cli *c)
{
        cli_errorf("%s: not built yet", c->argv[0]);
        return CLI_FAIL;
}
