/* server.h: what every part of harper-server shares: the open root, the configuration, the
 * log, and where things are on disk. main.c builds it; nothing else owns it. */
#ifndef HARPER_SERVER_SERVER_H
#define HARPER_SERVER_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "harper.h"
#include "slog.h"

struct server {
    harper *h;
    char *root;                 /* the root folder, no trailing '/' */
    server_config *config;
    server_log *log;
    bool dev;                   /* `harper-server dev`: logs to the console, authorizeLocal */
    bool authorize_local;       /* loopback requests run as the super user */
    size_t max_body;            /* largest request body accepted, bytes (413 beyond) */
    const char *super_user;     /* the user loopback and domain-socket requests run as */
    struct rest_export *exports;    /* the tables applications export over REST */
    size_t n_exports;
    struct app **apps;              /* the applications loaded (apps.c) */
    size_t n_apps;
    struct mqtt_broker *mqtt;       /* for MQTT over WebSocket; NULL when MQTT is off */
    struct rest_rel *rels;          /* the relationship fields of their tables */
    size_t n_rels;
};

#endif
