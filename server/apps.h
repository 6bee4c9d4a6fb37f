/* apps.h: loading the applications a server runs (see apps.c). */
#ifndef HARPER_SERVER_APPS_H
#define HARPER_SERVER_APPS_H

struct server;

/* Loads the application in app_dir (may be NULL), then those under the components root:
 * their tables are defined and their exports registered in srv. Failures are logged. */
void apps_load(struct server *srv, const char *app_dir);

/* Releases what apps_load registered. */
void apps_free(struct server *srv);

#endif
