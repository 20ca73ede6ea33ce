/* cmd_accounts.c: placeholder until its issue lands; replaced by the real subcommand. */
#include "cli/cli.h"

int cli_accounts(struct cli *c)
{
        cli_errorf("%s: not built yet", c->argv[0]);
        return CLI_FAIL;
}

int cli_account(struct cli *c)
{
        cli_errorf("%s: not built yet", c->argv[0]);
        return CLI_FAIL;
}
