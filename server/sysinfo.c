/* sysinfo.c: system_information (spec/operations-api.md section 14), the machine facts
 * Harper reports through the systeminformation package, under that package's key names: read
 * from /proc, uname and sysconf here; table_size and metrics from libharper's describe_all.
 * The other super-user operations about the server are ops_system.c's. */
#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "ops.h"
#include "server.h"

/* Reads a small file whole into buf (NUL-terminated); false if it cannot be read. */
static bool read_small(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "re");
    size_t n;

    if (f == NULL)
        return false;
    n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
    return true;
}

/* The number after `key` in text (/proc/meminfo, /proc/cpuinfo style), or -1. */
static double field_number(const char *text, const char *key)
{
    const char *p = strstr(text, key);

    if (p == NULL)
        return -1;
    p += strlen(key);
    while (*p == ' ' || *p == '\t' || *p == ':')
        p++;
    return strtod(p, NULL);
}

/* The rest of the line after `key` and its colon, into out. */
static bool field_text(const char *text, const char *key, char *out, size_t size)
{
    const char *p = strstr(text, key);
    size_t n;

    if (p == NULL)
        return false;
    p += strlen(key);
    while (*p == ' ' || *p == '\t' || *p == ':' || *p == '=' || *p == '"')
        p++;
    n = strcspn(p, "\"\n");
    snprintf(out, size, "%.*s", (int)n, p);
    return true;
}

/* Math.round(v * 10^digits) / 10^digits, as systeminformation rounds. */
static double round_to(double v, int digits)
{
    double scale = pow(10, digits);

    return round(v * scale) / scale;
}

static cJSON *section_system(void)
{
    cJSON *o = cJSON_CreateObject();
    char os[4096] = "";
    char text[256];
    struct utsname u;
    bool have_uname = uname(&u) == 0;

    read_small("/etc/os-release", os, sizeof os);
    cJSON_AddStringToObject(o, "platform", "linux");
    cJSON_AddStringToObject(o, "distro", field_text(os, "\nNAME", text, sizeof text) ||
                                                 field_text(os, "NAME", text, sizeof text)
                                             ? text
                                             : "");
    cJSON_AddStringToObject(o, "release", field_text(os, "VERSION_ID", text, sizeof text) ? text
                                                                                         : "");
    cJSON_AddStringToObject(o, "codename",
                            field_text(os, "VERSION_CODENAME", text, sizeof text) ? text : "");
    cJSON_AddStringToObject(o, "kernel", have_uname ? u.release : "");
    /* Node's names for the machine. */
    cJSON_AddStringToObject(o, "arch", !have_uname                          ? ""
                                       : strcmp(u.machine, "x86_64") == 0  ? "x64"
                                       : strcmp(u.machine, "aarch64") == 0 ? "arm64"
                                                                           : u.machine);
    cJSON_AddStringToObject(o, "hostname", have_uname ? u.nodename : "");
    cJSON_AddStringToObject(o, "fqdn", have_uname ? u.nodename : "");
    return o;
}

/* The IANA name of the local time zone, as Intl reports it. */
static void zone_name(char *out, size_t size)
{
    const char *tz = getenv("TZ");
    char link[512];
    ssize_t n;

    if (tz != NULL && tz[0] != '\0') {
        snprintf(out, size, "%s", tz[0] == ':' ? tz + 1 : tz);
        return;
    }
    n = readlink("/etc/localtime", link, sizeof link - 1);
    if (n > 0) {
        const char *z;

        link[n] = '\0';
        z = strstr(link, "zoneinfo/");
        snprintf(out, size, "%s", z != NULL ? z + 9 : "Etc/UTC");
        return;
    }
    if (read_small("/etc/timezone", out, size)) {
        out[strcspn(out, "\n")] = '\0';
        return;
    }
    snprintf(out, size, "Etc/UTC");
}

static cJSON *section_time(void)
{
    cJSON *o = cJSON_CreateObject();
    struct timespec ts;
    struct tm tm;
    char uptime[64] = "0";
    char zone[128];
    char offset[32];
    int off;

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    read_small("/proc/uptime", uptime, sizeof uptime);
    off = (int)(tm.tm_gmtoff / 60);
    snprintf(offset, sizeof offset, "UTC%c%02d%02d", off < 0 ? '-' : '+', abs(off) / 60 % 100,
             abs(off) % 60);
    zone_name(zone, sizeof zone);
    cJSON_AddNumberToObject(o, "current", (double)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    cJSON_AddNumberToObject(o, "uptime", round_to(strtod(uptime, NULL), 2));
    cJSON_AddStringToObject(o, "timezone", offset);
    cJSON_AddStringToObject(o, "timezoneName", zone);
    return o;
}

/* CPU times of "cpu" and each "cpuN" of /proc/stat, in milliseconds: user, nice, system, idle,
 * irq (the fields Node's os.cpus() reports, which Harper's load figures come from). */
#define MAX_CPUS 256
struct cpu_times {
    int n;                          /* rows: [0] all CPUs, [1..n-1] each */
    double t[MAX_CPUS + 1][5];
};

static void read_cpu_times(struct cpu_times *c)
{
    FILE *f = fopen("/proc/stat", "re");
    char line[512];
    double ms = 1000.0 / (double)sysconf(_SC_CLK_TCK);

    c->n = 0;
    while (f != NULL && c->n <= MAX_CPUS && fgets(line, sizeof line, f) != NULL) {
        double user, nice, sys, idle, iowait, irq;

        if (strncmp(line, "cpu", 3) != 0)
            break;
        if (sscanf(line + strcspn(line, " "), "%lf %lf %lf %lf %lf %lf", &user, &nice, &sys,
                   &idle, &iowait, &irq) != 6)
            continue;
        c->t[c->n][0] = user * ms;
        c->t[c->n][1] = nice * ms;
        c->t[c->n][2] = sys * ms;
        c->t[c->n][3] = idle * ms;
        c->t[c->n][4] = irq * ms;
        c->n++;
    }
    if (f != NULL)
        fclose(f);
}

/* systeminformation measures load since its previous call (since boot on the first). */
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cpu_times load_prev;

/* The figures of one CPU (or all, `all`) since `prev`, in systeminformation's key order. */
static void add_load(cJSON *o, const double *now, const double *prev, bool all)
{
    /* Indexes into the times: user, system, nice, idle, irq. */
    static const int order[5] = {0, 2, 1, 3, 4};
    static const char *const pct[2][5] = {
        {"loadUser", "loadSystem", "loadNice", "loadIdle", "loadIrq"},
        {"currentLoadUser", "currentLoadSystem", "currentLoadNice", "currentLoadIdle",
         "currentLoadIrq"}};
    static const char *const raw[5] = {"rawCurrentLoadUser", "rawCurrentLoadSystem",
                                       "rawCurrentLoadNice", "rawCurrentLoadIdle",
                                       "rawCurrentLoadIrq"};
    double d[5];
    double total = 0;

    for (int i = 0; i < 5; i++) {
        d[i] = now[i] - (prev != NULL ? prev[i] : 0);
        total += d[i];
    }
    if (total <= 0)
        total = 1;
    cJSON_AddNumberToObject(o, all ? "currentLoad" : "load", (total - d[3]) / total * 100);
    for (int i = 0; i < 5; i++)
        cJSON_AddNumberToObject(o, pct[all][i], d[order[i]] / total * 100);
    cJSON_AddNumberToObject(o, all ? "currentLoadSteal" : "loadSteal", 0);
    cJSON_AddNumberToObject(o, all ? "currentLoadGuest" : "loadGuest", 0);
    if (all) {
        cJSON_AddNumberToObject(o, "rawCurrentLoad", total - d[3]);
        for (int i = 0; i < 5; i++)
            cJSON_AddNumberToObject(o, raw[i], d[order[i]]);
        cJSON_AddNumberToObject(o, "rawCurrentLoadSteal", 0);
        cJSON_AddNumberToObject(o, "rawCurrentLoadGuest", 0);
    } else {
        cJSON_AddNumberToObject(o, "rawLoadSteal", 0);
        cJSON_AddNumberToObject(o, "rawLoadGuest", 0);
    }
}

static cJSON *current_load(int n_cpus)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *cpus = cJSON_CreateArray();
    struct cpu_times *now = malloc(sizeof *now);
    double loadavg[1] = {0};

    if (o == NULL || cpus == NULL || now == NULL) {
        cJSON_Delete(cpus);
        free(now);
        return o;
    }
    read_cpu_times(now);
    getloadavg(loadavg, 1);
    cJSON_AddNumberToObject(o, "avgLoad", round_to(loadavg[0] / (n_cpus > 0 ? n_cpus : 1), 2));
    pthread_mutex_lock(&load_lock);
    for (int i = 0; i < now->n; i++) {
        const double *prev = i < load_prev.n ? load_prev.t[i] : NULL;

        if (i == 0) {
            add_load(o, now->t[0], prev, true);
        } else {
            cJSON *one = cJSON_CreateObject();

            add_load(one, now->t[i], prev, false);
            cJSON_AddItemToArray(cpus, one);
        }
    }
    load_prev = *now;
    pthread_mutex_unlock(&load_lock);
    cJSON_AddItemToObject(o, "cpus", cpus);
    free(now);
    return o;
}

/* "Intel(R) Xeon(R) Gold 6148 CPU @ 2.40GHz" -> "Xeon® Gold 6148", systeminformation's brand. */
static void cpu_brand(const char *model, const char *maker, char *out, size_t size)
{
    char buf[256];
    char *p;
    size_t w = 0;

    for (const char *s = model; *s != '\0' && w + 4 < sizeof buf; s++) {
        if (strncmp(s, "(R)", 3) == 0 || strncmp(s, "(r)", 3) == 0) {
            w += (size_t)snprintf(buf + w, sizeof buf - w, "\u00ae");
            s += 2;
        } else if (strncmp(s, "(TM)", 4) == 0 || strncmp(s, "(tm)", 4) == 0) {
            w += (size_t)snprintf(buf + w, sizeof buf - w, "\u2122");
            s += 3;
        } else {
            buf[w++] = *s;
        }
    }
    buf[w] = '\0';
    if ((p = strstr(buf, " @")) != NULL)
        *p = '\0';
    if ((p = strstr(buf, " CPU")) != NULL && (p[4] == '\0' || p[4] == ' '))
        memmove(p, p + 4, strlen(p + 4) + 1);
    p = buf;
    if (strncmp(p, maker, strlen(maker)) == 0) {
        p += strlen(maker);
        if (strncmp(p, "\u00ae", 2) == 0)
            p += 2;
    }
    while (*p == ' ')
        p++;
    snprintf(out, size, "%s", p);
}

static cJSON *section_cpu(void)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *speed = cJSON_CreateObject();
    cJSON *cores = cJSON_CreateArray();
    char *info = malloc(1 << 20);
    char vendor[64] = "";
    char model[256] = "";
    char brand[256] = "";
    char flags[4096] = "";
    const char *maker;
    int n_cpus = (int)sysconf(_SC_NPROCESSORS_ONLN);
    int physical = 0;
    int sockets = 0;
    double mhz_min = 0, mhz_max = 0, mhz_sum = 0;
    int n_mhz = 0;
    char seen_core[1024] = ",";
    char seen_socket[256] = ",";

    if (o == NULL || speed == NULL || cores == NULL || info == NULL) {
        cJSON_Delete(o);
        cJSON_Delete(speed);
        cJSON_Delete(cores);
        free(info);
        return NULL;
    }
    if (!read_small("/proc/cpuinfo", info, 1 << 20))
        info[0] = '\0';
    field_text(info, "vendor_id", vendor, sizeof vendor);
    field_text(info, "model name", model, sizeof model);
    field_text(info, "flags", flags, sizeof flags);
    maker = strcmp(vendor, "GenuineIntel") == 0   ? "Intel"
            : strcmp(vendor, "AuthenticAMD") == 0 ? "AMD"
                                                  : vendor;
    cpu_brand(model, maker, brand, sizeof brand);
    /* One block per logical CPU: its speed, and which core and socket it belongs to. */
    for (char *block = info; *block != '\0';) {
        char *next = strstr(block, "\n\n");
        double mhz;
        double core_id;
        double phys_id;
        char key[64];

        if (next != NULL)
            *next = '\0';
        mhz = field_number(block, "cpu MHz");
        core_id = field_number(block, "core id");
        phys_id = field_number(block, "physical id");
        if (mhz >= 0) {
            mhz_min = n_mhz == 0 || mhz < mhz_min ? mhz : mhz_min;
            mhz_max = mhz > mhz_max ? mhz : mhz_max;
            mhz_sum += mhz;
            n_mhz++;
            cJSON_AddItemToArray(cores, cJSON_CreateNumber(round_to(mhz / 1000, 2)));
        }
        snprintf(key, sizeof key, "%g:%g,", phys_id, core_id);
        if (strstr(seen_core, key) == NULL && strlen(seen_core) + strlen(key) < sizeof seen_core) {
            strcat(seen_core, key);
            physical++;
        }
        snprintf(key, sizeof key, "%g,", phys_id);
        if (strstr(seen_socket, key) == NULL &&
            strlen(seen_socket) + strlen(key) < sizeof seen_socket) {
            strcat(seen_socket, key);
            sockets++;
        }
        if (next == NULL)
            break;
        block = next + 2;
    }
    cJSON_AddStringToObject(o, "manufacturer", maker);
    cJSON_AddStringToObject(o, "brand", brand);
    cJSON_AddStringToObject(o, "vendor", maker);
    cJSON_AddNumberToObject(o, "speed", n_mhz > 0 ? round_to(mhz_sum / n_mhz / 1000, 2) : 0);
    cJSON_AddNullToObject(o, "speedMin");
    cJSON_AddNullToObject(o, "speedMax");
    cJSON_AddNumberToObject(o, "cores", n_cpus);
    cJSON_AddNumberToObject(o, "physicalCores", physical > 0 ? physical : n_cpus);
    cJSON_AddNumberToObject(o, "performanceCores", physical > 0 ? physical : n_cpus);
    cJSON_AddNumberToObject(o, "efficiencyCores", 0);
    cJSON_AddNumberToObject(o, "processors", sockets > 0 ? sockets : 1);
    cJSON_AddStringToObject(o, "flags", flags);
    cJSON_AddBoolToObject(o, "virtualization",
                          strstr(flags, " vmx") != NULL || strstr(flags, " svm") != NULL);
    cJSON_AddNumberToObject(speed, "min", round_to(mhz_min / 1000, 2));
    cJSON_AddNumberToObject(speed, "max", round_to(mhz_max / 1000, 2));
    cJSON_AddNumberToObject(speed, "avg", n_mhz > 0 ? round_to(mhz_sum / n_mhz / 1000, 2) : 0);
    cJSON_AddItemToObject(speed, "cores", cores);
    cJSON_AddItemToObject(o, "cpu_speed", speed);
    cJSON_AddItemToObject(o, "current_load", current_load(n_cpus));
    free(info);
    return o;
}

static cJSON *section_memory(void)
{
    static const struct {
        const char *name;
        const char *key;
    } direct[] = {{"total", "MemTotal:"}, {"free", "MemFree:"}};
    cJSON *o = cJSON_CreateObject();
    char info[8192] = "";
    char statm[128] = "";
    double total;
    double swap_total;
    double swap_free;
    long page = sysconf(_SC_PAGESIZE);
    long vsz_pages = 0;
    long rss_pages = 0;
    struct mallinfo2 heap = mallinfo2();

    read_small("/proc/meminfo", info, sizeof info);
    read_small("/proc/self/statm", statm, sizeof statm);
    sscanf(statm, "%ld %ld", &vsz_pages, &rss_pages);
    for (size_t i = 0; i < sizeof direct / sizeof direct[0]; i++)
        cJSON_AddNumberToObject(o, direct[i].name, field_number(info, direct[i].key) * 1024);
    total = field_number(info, "MemTotal:") * 1024;
    swap_total = field_number(info, "SwapTotal:") * 1024;
    swap_free = field_number(info, "SwapFree:") * 1024;
    cJSON_AddNumberToObject(o, "used", total - field_number(info, "MemFree:") * 1024);
    cJSON_AddNumberToObject(o, "active", total - field_number(info, "MemAvailable:") * 1024);
    cJSON_AddNumberToObject(o, "available", field_number(info, "MemAvailable:") * 1024);
    cJSON_AddNumberToObject(o, "reclaimable", field_number(info, "SReclaimable:") * 1024);
    cJSON_AddNumberToObject(o, "swaptotal", swap_total);
    cJSON_AddNumberToObject(o, "swapused", swap_total - swap_free);
    cJSON_AddNumberToObject(o, "swapfree", swap_free);
    cJSON_AddNumberToObject(o, "writeback", field_number(info, "Writeback:") * 1024);
    cJSON_AddNumberToObject(o, "dirty", field_number(info, "Dirty:") * 1024);
    /* Node's process.memoryUsage(), from our process: the heap is malloc's. */
    cJSON_AddNumberToObject(o, "rss", (double)rss_pages * (double)page);
    cJSON_AddNumberToObject(o, "heapTotal", (double)heap.arena + (double)heap.hblkhd);
    cJSON_AddNumberToObject(o, "heapUsed", (double)heap.uordblks + (double)heap.hblkhd);
    cJSON_AddNumberToObject(o, "external", 0);
    cJSON_AddNumberToObject(o, "arrayBuffers", 0);
    return o;
}

/* The disk and network sections are opt-in in Harper (operationsApi.sysInfo.*) and off by
 * default; these are its answers when off. */
static cJSON *section_network(void)
{
    cJSON *o = cJSON_CreateObject();

    cJSON_AddNullToObject(o, "default_interface");
    cJSON_AddItemToObject(o, "latency", cJSON_CreateObject());
    cJSON_AddItemToObject(o, "interfaces", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "stats", cJSON_CreateArray());
    cJSON_AddItemToObject(o, "connections", cJSON_CreateArray());
    return o;
}

/* Our own process, in the shape of systeminformation's processes() entries. */
static cJSON *section_processes(void)
{
    static const char states[] = "RSDZTtWX";
    static const char *const state_names[] = {"running", "sleeping", "blocked", "zombie",
                                              "stopped", "stopped", "paging", "dead"};
    cJSON *o = cJSON_CreateObject();
    cJSON *core = cJSON_CreateArray();
    cJSON *p = cJSON_CreateObject();
    char stat[2048] = "";
    char comm[64] = "";
    char cmdline[4096] = "";
    char mem[8192] = "";
    char pstat[4096] = "";
    char *after;
    char state = '?';
    long ppid = 0, prio = 0, nice = 0;
    unsigned long long utime = 0, stime = 0, start = 0, vsize = 0;
    long rss = 0;
    double tck = (double)sysconf(_SC_CLK_TCK);
    double btime;
    double up;
    double elapsed;
    char uptime[64] = "0";
    char started[32] = "";
    char user[64] = "";
    struct passwd pw;
    struct passwd *pwp = NULL;
    char pwbuf[1024];
    FILE *f;
    size_t cmd_len = 0;
    const char *exe;
    const char *slash;
    char path[4096];
    char command[4096];

    read_small("/proc/self/stat", stat, sizeof stat);
    read_small("/proc/meminfo", mem, sizeof mem);
    read_small("/proc/uptime", uptime, sizeof uptime);
    read_small("/proc/stat", pstat, sizeof pstat);
    /* The name is in parentheses and may hold spaces: parse after the last ')'. */
    after = strrchr(stat, ')');
    if (after != NULL) {
        char *open = strchr(stat, '(');

        snprintf(comm, sizeof comm, "%.*s", open != NULL ? (int)(after - open - 1) : 0,
                 open != NULL ? open + 1 : "");
        sscanf(after + 2,
               "%c %ld %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %*d %*d %ld %ld %*d %*d "
               "%llu %llu %ld",
               &state, &ppid, &utime, &stime, &prio, &nice, &start, &vsize, &rss);
    }
    f = fopen("/proc/self/cmdline", "re");
    if (f != NULL) {
        cmd_len = fread(cmdline, 1, sizeof cmdline - 1, f);
        fclose(f);
    }
    cmdline[cmd_len] = '\0';
    exe = cmdline;
    slash = strrchr(exe, '/');
    snprintf(command, sizeof command, "%s", slash != NULL ? slash + 1 : exe);
    /* The folder of the program, absolute whatever the command line said. */
    {
        ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);

        path[n > 0 ? n : 0] = '\0';
        if (strrchr(path, '/') != NULL)
            *strrchr(path, '/') = '\0';
    }
    for (size_t i = strlen(exe) + 1; i < cmd_len; i += strlen(cmdline + i) + 1)
        snprintf(command + strlen(command), sizeof command - strlen(command), " %s", cmdline + i);
    btime = field_number(pstat, "btime");
    up = strtod(uptime, NULL);
    elapsed = up - (double)start / tck;
    if (elapsed <= 0)
        elapsed = 1;
    {
        time_t t = (time_t)(btime + (double)start / tck);
        struct tm tm;

        localtime_r(&t, &tm);
        strftime(started, sizeof started, "%Y-%m-%d %H:%M:%S", &tm);
    }
    if (getpwuid_r(geteuid(), &pw, pwbuf, sizeof pwbuf, &pwp) == 0 && pwp != NULL)
        snprintf(user, sizeof user, "%s", pw.pw_name);
    cJSON_AddNumberToObject(p, "pid", getpid());
    cJSON_AddNumberToObject(p, "parentPid", (double)ppid);
    cJSON_AddStringToObject(p, "name", comm);
    cJSON_AddNumberToObject(p, "cpu", (double)(utime + stime) / tck / elapsed * 100);
    cJSON_AddNumberToObject(p, "cpuu", (double)utime / tck / elapsed * 100);
    cJSON_AddNumberToObject(p, "cpus", (double)stime / tck / elapsed * 100);
    cJSON_AddNumberToObject(p, "mem", round_to((double)rss * (double)sysconf(_SC_PAGESIZE) /
                                                   (field_number(mem, "MemTotal:") * 1024) * 100,
                                               1));
    cJSON_AddNumberToObject(p, "priority", (double)prio);
    cJSON_AddNumberToObject(p, "memVsz", (double)vsize / 1024);
    cJSON_AddNumberToObject(p, "memRss", (double)rss * (double)sysconf(_SC_PAGESIZE) / 1024);
    cJSON_AddNumberToObject(p, "nice", (double)nice);
    cJSON_AddStringToObject(p, "started", started);
    cJSON_AddStringToObject(p, "state", strchr(states, state) != NULL && state != '\0'
                                            ? state_names[strchr(states, state) - states]
                                            : "unknown");
    cJSON_AddStringToObject(p, "tty", "");
    cJSON_AddStringToObject(p, "user", user);
    cJSON_AddStringToObject(p, "command", command);
    cJSON_AddStringToObject(p, "params", "");
    cJSON_AddStringToObject(p, "path", path);
    cJSON_AddItemToArray(core, p);
    cJSON_AddItemToObject(o, "core", core);
    cJSON_AddItemToObject(o, "clustering", cJSON_CreateArray());
    return o;
}

/* table_size and metrics, both from one describe_all: Harper's shapes, with RocksDB-neutral
 * counters only (LMDB's page statistics have no equivalent here). */
static cJSON *section_tables(const ops_request *req, bool metrics)
{
    cJSON *out = metrics ? cJSON_CreateObject() : cJSON_CreateArray();
    char *json = NULL;
    size_t len = 0;
    cJSON *all = NULL;
    const cJSON *db;
    harper_error err;

    if (harper_describe_all(req->h, 0, &json, &len, &err) == HARPER_OK)
        all = cJSON_ParseWithLength(json, len);
    harper_free(json);
    cJSON_ArrayForEach(db, all) {
        const cJSON *t;
        cJSON *tables = NULL;

        if (metrics) {
            cJSON *entry = cJSON_AddObjectToObject(out, db->string);

            tables = entry != NULL ? cJSON_AddObjectToObject(entry, "tables") : NULL;
        }
        cJSON_ArrayForEach(t, db) {
            const cJSON *count = cJSON_GetObjectItemCaseSensitive(t, "record_count");
            const cJSON *size = cJSON_GetObjectItemCaseSensitive(t, "table_size");
            cJSON *row = cJSON_CreateObject();

            if (metrics) {
                cJSON_AddNumberToObject(row, "entryCount", cJSON_GetNumberValue(count));
                cJSON_AddItemToObject(tables, t->string, row);
                continue;
            }
            cJSON_AddStringToObject(row, "schema", db->string);
            cJSON_AddStringToObject(row, "table", t->string);
            cJSON_AddNumberToObject(row, "table_size", cJSON_IsNumber(size) ? size->valuedouble
                                                                           : 0);
            cJSON_AddNumberToObject(row, "record_count",
                                    cJSON_IsNumber(count) ? count->valuedouble : 0);
            cJSON_AddNumberToObject(row, "transaction_log_size", 0);
            cJSON_AddNumberToObject(row, "transaction_log_record_count", 0);
            cJSON_AddItemToArray(out, row);
        }
    }
    cJSON_Delete(all);
    return out;
}

/* Each section in the order Harper's SystemInformationObject declares it; the ones it does
 * not declare follow in the order asked. */
static const char *const fixed_sections[] = {"system", "time", "cpu", "memory", "disk",
                                             "network", "harperdb_processes"};
static const char *const later_sections[] = {"table_size", "metrics", "threads"};

static cJSON *section(const ops_request *req, const char *name)
{
    if (strcmp(name, "system") == 0)
        return section_system();
    if (strcmp(name, "time") == 0)
        return section_time();
    if (strcmp(name, "cpu") == 0)
        return section_cpu();
    if (strcmp(name, "memory") == 0)
        return section_memory();
    if (strcmp(name, "disk") == 0)
        return cJSON_CreateObject();
    if (strcmp(name, "network") == 0)
        return section_network();
    if (strcmp(name, "harperdb_processes") == 0)
        return section_processes();
    if (strcmp(name, "table_size") == 0 || strcmp(name, "metrics") == 0)
        return section_tables(req, name[0] == 'm');
    return cJSON_CreateArray();     /* threads: ours are not Node workers with heaps */
}

static bool asked(const cJSON *list, const char *name)
{
    const cJSON *item;

    cJSON_ArrayForEach(item, list) {
        const char *s = cJSON_GetStringValue(item);

        if (s != NULL && (strcmp(s, name) == 0 ||
                          (strcmp(name, "metrics") == 0 && strcmp(s, "database_metrics") == 0)))
            return true;
    }
    return false;
}

void ops_system_information(const ops_request *req, ops_reply *reply)
{
    const cJSON *list = ops_param(req, "attributes", NULL);
    bool all = !cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0;
    cJSON *out = cJSON_CreateObject();
    const cJSON *item;

    for (size_t i = 0; out != NULL && i < sizeof fixed_sections / sizeof fixed_sections[0]; i++)
        if (all || asked(list, fixed_sections[i]))
            cJSON_AddItemToObject(out, fixed_sections[i], section(req, fixed_sections[i]));
    if (all) {
        for (size_t i = 0; out != NULL && i < sizeof later_sections / sizeof later_sections[0];
             i++)
            cJSON_AddItemToObject(out, later_sections[i], section(req, later_sections[i]));
    } else {
        cJSON_ArrayForEach(item, list) {
            const char *s = cJSON_GetStringValue(item);
            const char *name = s != NULL && strcmp(s, "database_metrics") == 0 ? "metrics" : s;

            if (name == NULL || out == NULL || cJSON_GetObjectItemCaseSensitive(out, name))
                continue;
            for (size_t i = 0; i < sizeof later_sections / sizeof later_sections[0]; i++)
                if (strcmp(name, later_sections[i]) == 0)
                    cJSON_AddItemToObject(out, name, section(req, name));
        }
    }
    ops_reply_json(reply, 200, out);
}
