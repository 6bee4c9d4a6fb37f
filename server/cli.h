/* cli.h: `harper-server OPERATION key=value ...`: one Operations API request to the server
 * running on the root, over its Unix domain socket (as the super user), answer printed. */
#ifndef HARPER_SERVER_CLI_H
#define HARPER_SERVER_CLI_H

/* argv[0] is the operation. Returns the process exit status. */
int cli_operation(const char *root, int argc, char **argv);

#endif
