/* main.c - the zhizhi command line: serve, demo, pack load, user add,
 * token create, import, backup, check. Each command parses its own flags; a bad
 * flag prints one line and the usage on stderr and exits 2. */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "api/app.h"
#include "codes/codes.h"
#include "core/config.h"
#include "core/log.h"
#include "core/msg.h"
#include "core/progress.h"
#include "demo/campaigns_demo.h"
#include "demo/cases_demo.h"
#include "demo/past_alarms.h"
#include "demo/feed.h"
#include "ingest/ingest.h"
#include "ingest/mqtt.h"
#include "model/accounts.h"
#include "pack/pack.h"
#include "store/store.h"
#include "store/store_accounts.h"
#include "store/store_audit.h"
#include "store/store_backup.h"
#include "store/store_check.h"
#include "store/store_rebuild.h"
#include "store/store_records.h"
#include "store/store_registry.h"

#define DEFAULT_DATA "./data"
#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_PACK "scenarios/gongshu"
#define DEFAULT_CONFIG "/etc/zhizhi/zhizhi.conf"

static const char *const usage_main =
    "usage: zhizhi COMMAND [FLAGS]\n"
    "\n"
    "commands:\n"
    "  serve          run the server on a data directory\n"
    "  demo           load the Gongshu demo world (first run) and serve it with live data\n"
    "  pack load DIR  load a scenario pack (regions, metrics, entities ...)\n"
    "  user add NAME  create or update a user (password on stdin)\n"
    "  token create   issue a new ingest token for a source (printed once)\n"
    "  import FILE    import records from an NDJSON or CSV file\n"
    "  backup OUT     copy the database, photos and materials to OUT while serving\n"
    "  restore BACKUP DIR  make DIR a data directory from a backup, checked\n"
    "  code generate  make customer or enterprise codes for every entity of a region\n"
    "  rollup rebuild recompute rollups from the stored records (repairs a damaged store)\n"
    "  mqtt init|device  issue MQTT broker accounts (zhizhi's own, a device's)\n"
    "  check          verify the stored records against their rollups (exit 1 on a mismatch)\n"
    "\n"
    "Run 'zhizhi COMMAND --help' for a command's flags.\n";

static const char *const usage_serve =
    "usage: zhizhi serve [--data DIR] [--listen HOST:PORT] [--threads N] [--body-cap BYTES] [--web "
    "DIR]\n"
    "                    [--sync normal|full]\n"
    "  --data DIR          data directory (default ./data)\n"
    "  --listen HOST:PORT  address to listen on (default 127.0.0.1:8080; port 0 picks a free one)\n"
    "  --threads N         HTTP worker threads (default 8)\n"
    "  --body-cap BYTES    largest ingest body (default 1073741824)\n"
    "  --web DIR           static pages (default ./web)\n"
    "  --sync normal|full  normal (default): what was answered survives a crash of the process;\n"
    "                      full: also a power failure (every commit and uploaded file is "
    "fsync'd)\n"
    "  --trusted-proxy CIDR   a reverse proxy whose X-Forwarded-For/-Proto/-Host count\n"
    "                         (repeatable; e.g. 127.0.0.1/32); without one they are ignored\n"
    "  --public-url URL       how clients reach zhizhi (https://zz.example.org): QR links,\n"
    "                         Secure cookies, the host changes must come from\n"
    "  --max-conns-per-ip N   open connections one address may hold (default 256; 0: no cap)\n"
    "  --header-timeout S     seconds a request head may take to arrive (default 10)\n"
    "  --mqtt URL             also take records from an MQTT broker: mqtt://HOST[:PORT]\n"
    "                         (topics zz/SOURCE/ENTITY/METRIC, v1/devices/ENTITY/telemetry)\n"
    "  --mqtt-secret FILE     USER:PASSWORD for the broker (default DATA/mqtt/zhizhi.secret)\n"
    "  --mqtt-client-id ID    the client id the broker keeps the session under (default "
    "zhizhi)\n"
    "  --log-format logfmt|json  log lines on stderr (default logfmt)\n"
    "  --log-level error|warn|info|debug  least level logged (default info; info has a line\n"
    "                         per request)\n"
    "  --metrics-from CIDR    who besides loopback may read GET /metrics (repeatable)\n"
    "  --config FILE          key = value lines, one per long flag (listen = 127.0.0.1:8080);\n"
    "                         default /etc/zhizhi/zhizhi.conf when it exists; flags given here "
    "win\n"
    "  --check-config         check the configuration and flags as serve would, start nothing\n"
    "                         (exit 0: serve would start; 1: it would refuse, and why)\n";

static const char *const usage_demo =
    "usage: zhizhi demo [--data DIR] [--listen HOST:PORT] [--records N] [--no-live] [--rate N] "
    "[--seed N]\n"
    "                   [--pack DIR] [--web DIR]\n"
    "  --records N   history records to generate on first run (default 5000000)\n"
    "  --no-live     do not feed live records after start\n"
    "  --rate N      live records per second (default 200)\n"
    "  --seed N      generator seed (default 2021)\n"
    "  --pack DIR    the pack (default scenarios/gongshu)\n"
    "  other flags as for serve\n";

static const char *const usage_pack = "usage: zhizhi pack load DIR [--data DIR]\n";
static const char *const usage_user =
    "usage: zhizhi user add NAME --role ROLE [--department D] [--scope REGION] --password-stdin "
    "[--data DIR]\n"
    "       zhizhi user passwd NAME --password-stdin [--data DIR]\n"
    "       zhizhi user disable|enable|del NAME [--data DIR]\n"
    "  ROLE is admin, dispatcher, officer, viewer or park_manager; D a department key of the\n"
    "  pack; REGION a region path (gongshu/dongxin). Passwords: at least 10 characters, not one\n"
    "  character repeated, not the name. add on an existing name, passwd, disable and del end\n"
    "  the user's sessions at once (also in a running server).\n";
static const char *const usage_mqtt =
    "usage: zhizhi mqtt init [--data DIR] [--mqtt-dir DIR] [--broker-pid FILE]\n"
    "       zhizhi mqtt device ENTITY --source NAME [--data DIR] [--mqtt-dir DIR] [--broker-pid "
    "FILE]\n"
    "  init: (re)issues zhizhi's own broker account (written to MQTT_DIR/zhizhi.secret);\n"
    "  device: creates or rotates the account of device ENTITY (user name = entity key),\n"
    "  which may publish zz/NAME/ENTITY/+ and v1/devices/ENTITY/telemetry only; the new\n"
    "  password is printed once. Both rewrite MQTT_DIR/passwd and MQTT_DIR/acl (default\n"
    "  DATA/mqtt) and, with --broker-pid, send the broker SIGHUP to read them again.\n";
static const char *const usage_token = "usage: zhizhi token create --source NAME [--data DIR]\n";
static const char *const usage_import =
    "usage: zhizhi import FILE --source NAME [--data DIR] [--atomic] [--format ndjson|csv]\n"
    "  the format follows the extension (.ndjson, .jsonl, .csv) unless --format says otherwise\n";
static const char *const usage_code =
    "usage: zhizhi code generate --kind customer|enterprise --entity-type TYPE --region REGION "
    "[--data DIR]\n"
    "  Idempotent: an entity that has an active code of the kind keeps it.\n";
static const char *const usage_backup =
    "usage: zhizhi backup OUT [--data DIR]\n"
    "  OUT: a new directory: the database snapshot, the evidence photos and application\n"
    "  materials it references, and a MANIFEST of their sizes and hashes\n";
static const char *const usage_restore =
    "usage: zhizhi restore BACKUP DIR [--force]\n"
    "  checks BACKUP against its MANIFEST, copies it into DIR (which must be empty;\n"
    "  --force replaces DIR's database, evidence and materials), then checks the copy\n";

/* Where the flag being parsed came from when not the command line: "FILE:LINE"
 * of a configuration file entry (apply_config), so its error names the line. */
static const char *flag_origin;

static int bad_usage(const char *usage, const char *fmt, const char *arg) {
  fprintf(stderr, "zhizhi: ");
  if (flag_origin) fprintf(stderr, "%s: ", flag_origin);
  fprintf(stderr, fmt, arg);
  fprintf(stderr, "\n%s", flag_origin ? "" : usage);
  return 2;
}

/* Parses arg (an address or CIDR range) of flag into list[*n] and counts it;
 * 0, or bad_usage's 2 when it is not a range or the list (FLAG_RANGES_MAX)
 * is full. --trusted-proxy and --metrics-from both take such lists. */
#define FLAG_RANGES_MAX 16
static int add_range(const char *usage, const char *flag, const char *arg, struct http_cidr *list,
                     int *n) {
  char msg[128];
  if (*n == FLAG_RANGES_MAX) {
    snprintf(msg, sizeof msg, "at most %d %s ranges", FLAG_RANGES_MAX, flag);
    return bad_usage(usage, "%s", msg);
  }
  if (http_cidr_parse(arg, &list[*n])) {
    snprintf(msg, sizeof msg, "%s needs an address or CIDR range, not \"%s\"", flag, arg);
    return bad_usage(usage, "%s", msg);
  }
  (*n)++;
  return 0;
}

static int fail(const struct zz_err *e) {
  fprintf(stderr, "zhizhi: %s\n", e->msg[0] ? e->msg : zz_strerror(e->code));
  return 1;
}

/* Shared flag parsing: returns 0, 1 for --help (usage printed), or 2. */
struct flags {
  const char *data, *listen, *web, *role, *department, *scope, *source, *format, *pack;
  const char *kind, *entity_type, *region, *sync;
  int threads, no_live, password_stdin, atomic;
  long long records, rate, seed, body_cap;
  const char *public_url;
  const char *mqtt, *mqtt_secret, *mqtt_client_id, *mqtt_dir, *broker_pid;
  struct http_cidr trusted[FLAG_RANGES_MAX];
  int ntrusted, max_conns_per_ip, header_timeout_s;
  struct http_cidr metrics_from[FLAG_RANGES_MAX];
  int nmetrics_from;
  int nargs;
  char *args[4];
  const char *config; /* --config FILE */
  char *config_mem;   /* the configuration's flags, which the fields point into */
  int check_config;
  unsigned char set[128]; /* set[id - F_DATA]: the flag was given (parse_flags) */
};

enum {
  F_DATA = 1000,
  F_LISTEN,
  F_THREADS,
  F_BODYCAP,
  F_WEB,
  F_RECORDS,
  F_NOLIVE,
  F_RATE,
  F_SEED,
  F_PACK,
  F_ROLE,
  F_DEPT,
  F_SCOPE,
  F_PWSTDIN,
  F_SOURCE,
  F_ATOMIC,
  F_FORMAT,
  F_KIND,
  F_ETYPE,
  F_REGION,
  F_SYNC,
  F_TRUSTED,
  F_PUBURL,
  F_MAXCONN,
  F_HDRTIMEOUT,
  F_LOGFMT,
  F_LOGLEVEL,
  F_METRICSFROM,
  F_MQTT,
  F_MQTTSECRET,
  F_MQTTCLIENT,
  F_MQTTDIR,
  F_BROKERPID,
  F_CONFIG,
  F_CHECKCONFIG,
  F_HELP
};
_Static_assert(F_HELP - F_DATA < 128, "struct flags' set[] holds every flag");

static int parse_num(const char *s, long long *out) {
  int64_t v;
  if (zz_parse_i64(s, &v) || v < 0) return 1;
  *out = v;
  return 0;
}

/* Reads every command's flags into f (one case per flag, each checking its
 * own value: longer than 100 lines, but a table would need a parser per
 * kind of value and read no easier). Returns 0, 1 after printing the usage
 * for --help, or the exit code of a bad flag. */
static int parse_flags(int argc, char **argv, const char *usage, const struct option *allowed,
                       struct flags *f) {
  optind = 0; /* 0, not 1: glibc starts afresh (apply_config parses many times) */
  opterr = 0;
  int c, rc;
  while ((c = getopt_long(argc, argv, "h", allowed, NULL)) != -1) {
    /* any flag id of the table, also one added after F_HELP */
    if (c >= F_DATA && c - F_DATA < (int)sizeof f->set) f->set[c - F_DATA] = 1;
    switch (c) {
    case 'h':
    case F_HELP:
      fputs(usage, stdout);
      return 1;
    case F_DATA:
      f->data = optarg;
      break;
    case F_LISTEN:
      f->listen = optarg;
      break;
    case F_WEB:
      f->web = optarg;
      break;
    case F_CONFIG:
      f->config = optarg;
      break;
    case F_CHECKCONFIG:
      f->check_config = 1;
      break;
    case F_SYNC:
      if (strcmp(optarg, "full") != 0 && strcmp(optarg, "normal") != 0)
        return bad_usage(usage, "--sync is full or normal, not \"%s\"", optarg);
      f->sync = optarg;
      break;
    case F_PACK:
      f->pack = optarg;
      break;
    case F_MQTT:
      if (strncmp(optarg, "mqtt://", 7) != 0)
        return bad_usage(usage, "--mqtt needs mqtt://HOST[:PORT], not \"%s\"", optarg);
      f->mqtt = optarg;
      break;
    case F_MQTTSECRET:
      f->mqtt_secret = optarg;
      break;
    case F_MQTTCLIENT:
      f->mqtt_client_id = optarg;
      break;
    case F_MQTTDIR:
      f->mqtt_dir = optarg;
      break;
    case F_BROKERPID:
      f->broker_pid = optarg;
      break;
    case F_ROLE:
      f->role = optarg;
      break;
    case F_DEPT:
      f->department = optarg;
      break;
    case F_SCOPE:
      f->scope = optarg;
      break;
    case F_SOURCE:
      f->source = optarg;
      break;
    case F_FORMAT:
      f->format = optarg;
      break;
    case F_KIND:
      f->kind = optarg;
      break;
    case F_ETYPE:
      f->entity_type = optarg;
      break;
    case F_REGION:
      f->region = optarg;
      break;
    case F_NOLIVE:
      f->no_live = 1;
      break;
    case F_PWSTDIN:
      f->password_stdin = 1;
      break;
    case F_ATOMIC:
      f->atomic = 1;
      break;
    case F_THREADS: {
      long long t;
      if (parse_num(optarg, &t) || t < 1 || t > 256)
        return bad_usage(usage, "--threads needs a number from 1 to 256, not \"%s\"", optarg);
      f->threads = (int)t;
      break;
    }
    case F_RECORDS:
      if (parse_num(optarg, &f->records))
        return bad_usage(usage, "--records needs a non-negative number, not \"%s\"", optarg);
      break;
    case F_RATE:
      if (parse_num(optarg, &f->rate))
        return bad_usage(usage, "--rate needs a non-negative number, not \"%s\"", optarg);
      break;
    case F_SEED:
      if (parse_num(optarg, &f->seed))
        return bad_usage(usage, "--seed needs a non-negative number, not \"%s\"", optarg);
      break;
    case F_BODYCAP:
      if (parse_num(optarg, &f->body_cap) || f->body_cap < 1)
        return bad_usage(usage, "--body-cap needs a positive number of bytes, not \"%s\"", optarg);
      break;
    case F_TRUSTED:
      if ((rc = add_range(usage, "--trusted-proxy", optarg, f->trusted, &f->ntrusted))) return rc;
      break;
    case F_PUBURL: {
      char auth[200];
      int dflt;
      if (http_url_authority(optarg, auth, sizeof auth, &dflt) != 0)
        return bad_usage(usage, "--public-url needs http://HOST or https://HOST, not \"%s\"",
                         optarg);
      f->public_url = optarg;
      break;
    }
    case F_MAXCONN: {
      long long n;
      if (parse_num(optarg, &n) || n > 100000)
        return bad_usage(usage, "--max-conns-per-ip needs a number from 0 to 100000, not \"%s\"",
                         optarg);
      f->max_conns_per_ip = n == 0 ? -1 : (int)n;
      break;
    }
    case F_HDRTIMEOUT: {
      long long n;
      if (parse_num(optarg, &n) || n < 1 || n > 3600)
        return bad_usage(usage, "--header-timeout needs seconds from 1 to 3600, not \"%s\"",
                         optarg);
      f->header_timeout_s = (int)n;
      break;
    }
    case F_LOGFMT: {
      enum log_format lf;
      if (log_format_parse(optarg, &lf))
        return bad_usage(usage, "--log-format is logfmt or json, not \"%s\"", optarg);
      log_set_format(lf);
      break;
    }
    case F_LOGLEVEL: {
      enum zz_log_level lv;
      if (log_level_parse(optarg, &lv))
        return bad_usage(usage, "--log-level is error, warn, info or debug, not \"%s\"", optarg);
      zz_log_set_level(lv);
      break;
    }
    case F_METRICSFROM:
      if ((rc = add_range(usage, "--metrics-from", optarg, f->metrics_from, &f->nmetrics_from)))
        return rc;
      break;
    case ':':
      return bad_usage(usage, "%s needs a value", argv[optind - 1]);
    default:
      return bad_usage(usage, "unknown flag \"%s\"", argv[optind - 1]);
    }
  }
  for (int i = optind; i < argc; i++) {
    if (f->nargs == 4) return bad_usage(usage, "too many arguments at \"%s\"", argv[i]);
    f->args[f->nargs++] = argv[i];
  }
  if (!f->data) f->data = DEFAULT_DATA;
  return 0;
}

#define OPT(name, has, id)                                                                         \
  { name, has, NULL, id }
#define OPT_END                                                                                    \
  {"help", no_argument, NULL, F_HELP}, {                                                           \
    NULL, 0, NULL, 0                                                                               \
  }

static int parse_listen(const char *s, char *host, size_t hostlen, int *port) {
  const char *colon = strrchr(s, ':');
  if (!colon || colon == s || (size_t)(colon - s) >= hostlen) return 1;
  memcpy(host, s, (size_t)(colon - s));
  host[colon - s] = 0;
  long long p;
  if (parse_num(colon + 1, &p) || p > 65535) return 1;
  *port = (int)p;
  return 0;
}

/* ---- the configuration file ---- */

/* Reads the configuration file path into a buffer (at most one byte more
 * than the parser takes, so that it can say the file is too large). Returns
 * the buffer (zz_free it) and its length in *len, or NULL after printing why. */
static char *config_read(const char *path, size_t *len) {
  FILE *in = fopen(path, "rb");
  if (!in) {
    fprintf(stderr, "zhizhi: cannot read the configuration %s: %s\n", path, strerror(errno));
    return NULL;
  }
  char *buf = zz_malloc(ZZ_CONF_MAX_BYTES + 1);
  size_t n = buf ? fread(buf, 1, ZZ_CONF_MAX_BYTES + 1, in) : 0;
  int bad = !buf || ferror(in);
  fclose(in);
  if (bad) {
    fprintf(stderr, "zhizhi: cannot read the configuration %s: %s\n", path,
            buf ? strerror(errno) : "out of memory");
    zz_free(buf);
    return NULL;
  }
  *len = n;
  return buf;
}

static void flags_free(struct flags *f) {
  zz_free(f->config_mem);
}

/* Flags that are no configuration keys: the file cannot name itself. */
static int config_key_allowed(const struct option *o) {
  return o->val != F_HELP && o->val != F_CONFIG && o->val != F_CHECKCONFIG;
}

/* Applies one entry as the long flag of its name: "key = v" is --key=v; a
 * flag without a value takes yes/true/on/1 (given) or no/false/off/0 (not).
 * Returns 0 or the exit code after printing an error that names origin. */
static int config_apply_entry(const struct zz_conf_entry *en, const struct option *o,
                              const char *origin, const char *usage, const struct option *allowed,
                              struct flags *f, char *arg, size_t argsize) {
  if (o->has_arg == no_argument) {
    static const char *const yes[] = {"yes", "true", "on", "1"}, *const no[] = {"no", "false",
                                                                                "off", "0"};
    int v = -1;
    for (size_t i = 0; i < ZZ_ARRAY_LEN(yes); i++) {
      if (strcmp(en->value, yes[i]) == 0) v = 1;
      if (strcmp(en->value, no[i]) == 0) v = 0;
    }
    if (v < 0) {
      fprintf(stderr, "zhizhi: %s: %s is yes or no, not \"%s\"\n", origin, en->key, en->value);
      return 2;
    }
    if (v == 0) return 0;
    snprintf(arg, argsize, "--%s", en->key);
  } else {
    snprintf(arg, argsize, "--%s=%s", en->key, en->value);
  }
  char prog[] = "zhizhi";
  char *av[] = {prog, arg, NULL};
  flag_origin = origin;
  int rc = parse_flags(2, av, usage, allowed, f);
  flag_origin = NULL;
  return rc;
}

/* Reads the configuration file (--config, else /etc/zhizhi/zhizhi.conf if it
 * exists, else none) into f: each key is the long flag of the same name in
 * allowed, checked by that flag's own code, and a flag given on the command
 * line wins over the file (for a repeatable flag, the command line's values
 * replace the file's). Generic over the option table, so a flag added there
 * is a key at once. Returns 0 or the exit code after printing FILE:LINE and
 * why. Call it after parse_flags read the command line; the values live in
 * f->config_mem (the caller frees it). */
static int apply_config(struct flags *f, const char *usage, const struct option *allowed) {
  const char *path = f->config;
  if (!path && access(DEFAULT_CONFIG, F_OK) != 0) return 0;
  if (!path) path = DEFAULT_CONFIG;
  f->config = path;
  size_t len = 0;
  char *buf = config_read(path, &len);
  if (!buf) return 2;
  struct zz_conf conf;
  struct zz_err e = {0};
  int rc = zz_conf_parse(buf, len, &conf, &e);
  zz_free(buf);
  if (rc) {
    fprintf(stderr, "zhizhi: %s: %s\n", path, e.msg);
    return 2;
  }
  /* one "--key=value" string per entry, kept: the flags point into them */
  size_t need = 0;
  for (size_t i = 0; i < conf.n; i++) need += strlen(conf.v[i].key) + strlen(conf.v[i].value) + 4;
  char *mem = f->config_mem = zz_malloc(need + 1);
  if (!mem) {
    zz_conf_free(&conf);
    fprintf(stderr, "zhizhi: %s: out of memory\n", path);
    return 1;
  }
  unsigned char cmdline[sizeof f->set];
  memcpy(cmdline, f->set, sizeof cmdline);
  const char *names[128];
  size_t nnames = 0;
  for (const struct option *o = allowed; o->name && nnames < ZZ_ARRAY_LEN(names); o++)
    if (config_key_allowed(o)) names[nnames++] = o->name;
  for (size_t i = 0; i < conf.n && !rc; i++) {
    const struct zz_conf_entry *en = &conf.v[i];
    char origin[4200];
    snprintf(origin, sizeof origin, "%s:%d", path, en->line);
    const struct option *o = allowed;
    while (o->name && !(strcmp(o->name, en->key) == 0 && config_key_allowed(o))) o++;
    if (!o->name) {
      const char *near = zz_conf_closest(en->key, names, nnames);
      fprintf(stderr, "zhizhi: %s: unknown key \"%s\"", origin, en->key);
      if (near) fprintf(stderr, " (did you mean \"%s\"?)", near);
      fprintf(stderr, "\n");
      rc = 2;
      break;
    }
    int id = o->val - F_DATA;
    ZZ_ASSERT(id >= 0 && id < (int)sizeof cmdline); /* a flag id beyond set[]: grow it */
    if (cmdline[id]) continue;
    size_t size = strlen(en->key) + strlen(en->value) + 4;
    rc = config_apply_entry(en, o, origin, usage, allowed, f, mem, size);
    mem += size;
  }
  zz_conf_free(&conf);
  return rc;
}

/* Finds a file shipped with zhizhi: as given when it exists (relative to the
 * working directory), else relative to the binary's directory's parent
 * (build/zhizhi -> ./name), else in share/zhizhi/ beside that (the Debian
 * package: /usr/bin/zhizhi -> /usr/share/zhizhi/name). Writes the path into
 * out and returns it. */
static const char *shipped(const char *name, char *out, size_t n) {
  zz_strlcpy(out, name, n);
  if (access(name, R_OK) == 0) return out;
  char exe[4096];
  ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (len <= 0) return out;
  exe[len] = 0;
  char *slash = strrchr(exe, '/');
  if (!slash) return out;
  *slash = 0;
  char candidate[4096 + 256];
  snprintf(candidate, sizeof candidate, "%s/../%s", exe, name);
  if (access(candidate, R_OK) != 0)
    snprintf(candidate, sizeof candidate, "%s/../share/zhizhi/%s", exe, name);
  if (access(candidate, R_OK) == 0) zz_strlcpy(out, candidate, n);
  return out;
}

/* ---- serve and demo ---- */

/* What the demo's start and stop hooks need. */
struct demo_run {
  struct flags *f;
  const char *admin_password;
  struct demo_feed *feed; /* NULL: no generator (a rerun with --no-live) */
  int demo;
  struct mqtt_ingest *mqtt; /* --mqtt: the subscriber, started once serving */
};

/* Starts the MQTT subscriber when --mqtt is given. Returns 0 or -1 (logged). */
static int mqtt_start(struct demo_run *dr, struct app *app) {
  const struct flags *f = dr->f;
  if (!f->mqtt) return 0;
  char secret[4200];
  if (!f->mqtt_secret) snprintf(secret, sizeof secret, "%s/mqtt/zhizhi.secret", f->data);
  struct mqtt_ingest_opts mo = {.st = app->st,
                                .reg = app->reg,
                                .url = f->mqtt,
                                .client_id = f->mqtt_client_id,
                                .secret_file = f->mqtt_secret ? f->mqtt_secret : secret};
  struct zz_err e = {0};
  /* The default secret is optional: a broker may allow anonymous clients. */
  if (!f->mqtt_secret && access(secret, R_OK) != 0) mo.secret_file = NULL;
  if (mqtt_ingest_start(&mo, &dr->mqtt, &e)) {
    fprintf(stderr, "zhizhi: %s\n", e.msg);
    return -1;
  }
  return 0;
}

static void mqtt_stop(struct demo_run *dr) {
  mqtt_ingest_stop(dr->mqtt);
  dr->mqtt = NULL;
}

static int demo_ready(void *ud, struct app *app, int port) {
  struct demo_run *dr = ud;
  if (mqtt_start(dr, app)) return -1;
  char host[128] = "127.0.0.1";
  int p;
  parse_listen(dr->f->listen ? dr->f->listen : DEFAULT_LISTEN, host, sizeof host, &p);
  printf("\n  智治 zhizhi demo is ready: http://%s:%d/\n  login: admin / %s\n  Ctrl-C stops it; "
         "running it again reuses %s.\n\n",
         host, port, dr->admin_password, dr->f->data);
  fflush(stdout);
  if (dr->feed && !dr->f->no_live && dr->f->mqtt) {
    struct zz_err e = {0};
    if (demo_feed_mqtt(dr->feed, dr->f->mqtt, &e))
      zz_warn("demo: live records go to the store directly: %s", e.msg);
    else
      printf("  live records go through the MQTT broker at %s\n\n", dr->f->mqtt);
  }
  if (dr->feed && !dr->f->no_live && demo_feed_start(dr->feed, (double)dr->f->rate))
    zz_warn("demo: the live feed could not start");
  return 0;
}

static void demo_stop(void *ud) {
  struct demo_run *dr = ud;
  if (dr->feed) demo_feed_stop(dr->feed);
  mqtt_stop(dr);
}

/* Loads (or refreshes) the demo pack, writes the history of a new world,
 * opens the live feed unless --no-live, and adds the admin with a fresh
 * password (into password, 24 bytes). Returns 0 or the exit code. */
static int demo_prepare(struct app *app, const struct flags *f, struct demo_run *dr, char *password,
                        struct zz_err *e) {
  char pack_path[4096];
  const char *pack = f->pack ? f->pack : shipped(DEFAULT_PACK, pack_path, sizeof pack_path);
  registry_rdlock(app->reg);
  int empty = registry_region_count(app->reg) == 0;
  registry_unlock(app->reg);
  /* A data directory made by an older zhizhi gets the pack's new parts
   * (rules, matters, dashboards) too: loading is idempotent and quick. */
  {
    struct pack_stats ps = {0};
    zz_info("demo: %s pack %s", empty ? "loading" : "refreshing", pack);
    if (pack_load(app->st, pack, &ps, NULL, NULL, e) || registry_reload(app->reg, e)) {
      return fail(e);
    }
    if (empty)
      zz_info("demo: %d regions, %d metrics, %d sources, %lld entities", ps.regions, ps.metrics,
              ps.sources, (long long)ps.entities);
  }
  struct demo_feed_opts fo = {.st = app->st,
                              .reg = app->reg,
                              .pack_dir = pack,
                              .now_ms = zz_time_now(),
                              .records = f->records,
                              .seed = (uint64_t)f->seed};
  /* The generator is needed for the history of a new world and for the
   * live feed; a rerun with --no-live needs neither. */
  int64_t have = store_records_count(app->st);
  if ((have == 0 || !f->no_live) && demo_feed_open(&fo, &dr->feed, e)) {
    return fail(e);
  }
  if (have == 0) {
    if (demo_feed_history(dr->feed) != 0) {
      fprintf(stderr, "\nzhizhi: generating the demo history failed\n");
      return 1;
    }
    /* The instant the history runs to: the calibrated figures (visitors
     * +288 % year to date) hold exactly for windows that end there, and keep
     * holding while the live feed runs; with --no-live they drift as the
     * clock moves on from it. */
    char until[32];
    zz_info("demo: history up to %s", zz_time_format(fo.now_ms, until));
  } else {
    zz_info("demo: reusing %s (%lld records)", f->data, (long long)have);
  }
  /* the case files (心花绽放) of a world that has none: a few hundred rows,
   * so a refreshed older world gets them too. ZZ_DEMO_CASES sets how many
   * (bench/cases.sh writes ten times the demo's). */
  const char *nc = getenv("ZZ_DEMO_CASES");
  int64_t ncases = 0;
  if (nc && (zz_parse_i64(nc, &ncases) || ncases < 0 || ncases > 1000000)) ncases = 0;
  int made = 0;
  if (demo_cases_generate(app->st, app->reg, f->seed ? (uint64_t)f->seed : 2021, zz_time_now(),
                          (int)ncases, &made, e))
    return fail(e);
  if (made) fprintf(stderr, "demo: %d case files (心花绽放)\n", made);
  /* the campaigns' history (限塑 since 2021, the 政法 visits of 2021) in a
   * world that has none. ZZ_DEMO_CAMPAIGNS_SCALE multiplies it (bench/);
   * 0 leaves it out (tests of other systems, which start many demos under
   * the sanitizers, where it costs half a minute a start). */
  {
    const char *sc = getenv("ZZ_DEMO_CAMPAIGNS_SCALE");
    int64_t scale = 1;
    if (sc && (zz_parse_i64(sc, &scale) || scale < 0 || scale > 100)) scale = 1;
    if (scale > 0) {
      struct demo_campaigns_made cm;
      int64_t t0 = zz_time_now();
      if (demo_campaigns_generate(app->st, app->reg, f->data, f->seed ? (uint64_t)f->seed : 2021,
                                  zz_time_now(), (int)scale, &cm, e))
        return fail(e);
      if (cm.inspections)
        fprintf(stderr,
                "demo: campaigns: %lld signatures, %lld activities, %lld inspections, %lld "
                "rectification items, %lld visit plans (%.1f s)\n",
                (long long)cm.pledges, (long long)cm.activities, (long long)cm.inspections,
                (long long)cm.rectify, (long long)cm.plans, (double)(zz_time_now() - t0) / 1000.0);
    }
  }
  /* the alarms of the past the pack tells (the deep pit's rate alarms,
   * handled and closed), written once after the history */
  made = 0;
  if (demo_past_alarms(pack, app->st, app->reg, f->data, zz_time_now(), &made, e)) return fail(e);
  if (made) fprintf(stderr, "demo: %d past alarms, handled\n", made);
  accounts_password_new(password);
  if (accounts_user_add(app->st, "admin", "admin", NULL, NULL, password, e)) {
    return fail(e);
  }
  dr->admin_password = password;
  return 0;
}

/* systemd's readiness protocol around the demo's own hooks: READY=1 once
 * the store is open and the port listens, STOPPING=1 when a signal came.
 * sd_notify does nothing when NOTIFY_SOCKET is unset (not under systemd). */
struct serve_run {
  struct demo_run *run; /* the flags and the MQTT subscription (and the demo's feed) */
  int demo;             /* zhizhi demo: its own hooks run too */
  const char *host;
};

static int serve_ready(void *ud, struct app *app, int port) {
  struct serve_run *sr = ud;
  int rc = sr->demo ? demo_ready(sr->run, app, port) : mqtt_start(sr->run, app);
  if (!rc) sd_notifyf(0, "READY=1\nSTATUS=listening on http://%s:%d", sr->host, port);
  return rc;
}

static void serve_stop(void *ud) {
  struct serve_run *sr = ud;
  sd_notify(0, "STOPPING=1\nSTATUS=stopping");
  if (sr->demo)
    demo_stop(sr->run);
  else
    mqtt_stop(sr->run);
}

/* What serve would refuse at start that can be told without opening
 * anything: a listen host that is no IPv4 address (as the server takes it),
 * a data directory that cannot be written (or made: its parent must exist),
 * a --web directory without index.html. Returns 0, or 1 after printing why. */
static int serve_preflight(const struct flags *f, const char *host) {
  struct in_addr a;
  if (inet_pton(AF_INET, host, &a) != 1) {
    fprintf(stderr, "zhizhi: listen: \"%s\" is not an IPv4 address\n", host);
    return 1;
  }
  struct stat sb;
  if (stat(f->data, &sb) == 0) {
    if (!S_ISDIR(sb.st_mode)) {
      fprintf(stderr, "zhizhi: data: %s is not a directory\n", f->data);
      return 1;
    }
    if (access(f->data, W_OK | X_OK) != 0) {
      fprintf(stderr, "zhizhi: data: cannot write to %s: %s\n", f->data, strerror(errno));
      return 1;
    }
  } else {
    char parent[4096];
    zz_strlcpy(parent, f->data, sizeof parent);
    char *slash = strrchr(parent, '/');
    if (slash == parent)
      slash[1] = 0;
    else if (slash)
      *slash = 0;
    else
      zz_strlcpy(parent, ".", sizeof parent);
    if (access(parent, W_OK | X_OK) != 0) {
      fprintf(stderr, "zhizhi: data: %s does not exist and cannot be made in %s: %s\n", f->data,
              parent, strerror(errno));
      return 1;
    }
  }
  if (f->web) {
    char index[4200];
    snprintf(index, sizeof index, "%s/index.html", f->web);
    if (access(index, R_OK) != 0) {
      fprintf(stderr, "zhizhi: web: %s has no readable index.html: %s\n", f->web, strerror(errno));
      return 1;
    }
  }
  return 0;
}

static int cmd_serve_or_demo(int argc, char **argv, int demo) {
  static const struct option opts[] = {OPT("data", required_argument, F_DATA),
                                       OPT("listen", required_argument, F_LISTEN),
                                       OPT("threads", required_argument, F_THREADS),
                                       OPT("body-cap", required_argument, F_BODYCAP),
                                       OPT("web", required_argument, F_WEB),
                                       OPT("records", required_argument, F_RECORDS),
                                       OPT("no-live", no_argument, F_NOLIVE),
                                       OPT("rate", required_argument, F_RATE),
                                       OPT("seed", required_argument, F_SEED),
                                       OPT("pack", required_argument, F_PACK),
                                       OPT("sync", required_argument, F_SYNC),
                                       OPT("trusted-proxy", required_argument, F_TRUSTED),
                                       OPT("public-url", required_argument, F_PUBURL),
                                       OPT("max-conns-per-ip", required_argument, F_MAXCONN),
                                       OPT("header-timeout", required_argument, F_HDRTIMEOUT),
                                       OPT("log-format", required_argument, F_LOGFMT),
                                       OPT("log-level", required_argument, F_LOGLEVEL),
                                       OPT("metrics-from", required_argument, F_METRICSFROM),
                                       OPT("mqtt", required_argument, F_MQTT),
                                       OPT("mqtt-secret", required_argument, F_MQTTSECRET),
                                       OPT("mqtt-client-id", required_argument, F_MQTTCLIENT),
                                       OPT_END};
  static const struct option serve_opts[] = {OPT("data", required_argument, F_DATA),
                                             OPT("listen", required_argument, F_LISTEN),
                                             OPT("threads", required_argument, F_THREADS),
                                             OPT("body-cap", required_argument, F_BODYCAP),
                                             OPT("web", required_argument, F_WEB),
                                             OPT("sync", required_argument, F_SYNC),
                                             OPT("trusted-proxy", required_argument, F_TRUSTED),
                                             OPT("public-url", required_argument, F_PUBURL),
                                             OPT("max-conns-per-ip", required_argument, F_MAXCONN),
                                             OPT("header-timeout", required_argument, F_HDRTIMEOUT),
                                             OPT("log-format", required_argument, F_LOGFMT),
                                             OPT("log-level", required_argument, F_LOGLEVEL),
                                             OPT("metrics-from", required_argument, F_METRICSFROM),
                                             OPT("mqtt", required_argument, F_MQTT),
                                             OPT("mqtt-secret", required_argument, F_MQTTSECRET),
                                             OPT("mqtt-client-id", required_argument, F_MQTTCLIENT),
                                             OPT("config", required_argument, F_CONFIG),
                                             OPT("check-config", no_argument, F_CHECKCONFIG),
                                             OPT_END};
  const char *usage = demo ? usage_demo : usage_serve;
  /* freed on every return: the configuration's values live in f.config_mem */
  struct flags f __attribute__((cleanup(flags_free))) = {0};
  const struct option *table = demo ? opts : serve_opts;
  int checking = 0; /* --check-config: every refusal exits 1 */
  for (int i = 1; !demo && i < argc; i++) checking |= strcmp(argv[i], "--check-config") == 0;
  int rc = parse_flags(argc, argv, usage, table, &f);
  if (rc) return rc == 1 ? 0 : checking ? 1 : rc;
  if (f.nargs) return bad_usage(usage, "unexpected argument \"%s\"", f.args[0]);
  if (!demo && (rc = apply_config(&f, usage, table))) return checking ? 1 : rc;
  char host[128];
  int port;
  if (parse_listen(f.listen ? f.listen : DEFAULT_LISTEN, host, sizeof host, &port)) {
    rc = bad_usage(usage, "--listen needs HOST:PORT, not \"%s\"", f.listen);
    return checking ? 1 : rc;
  }
  if (serve_preflight(&f, host)) return 1;
  char web_path[4096];
  const char *web = f.web ? f.web : shipped("web/index.html", web_path, sizeof web_path);
  if (!f.web) { /* the directory holding index.html, if any */
    char *slash = strrchr(web_path, '/');
    web = access(web_path, R_OK) == 0 && slash ? (*slash = 0, web_path) : NULL;
  }
  if (checking) {
    printf("zhizhi: configuration ok: config %s; data %s; listen %s:%d; web %s; sync %s\n",
           f.config ? f.config : "none", f.data, host, port,
           web ? web : "none (no pages are served)", f.sync ? f.sync : "normal");
    return 0;
  }
  app_block_signals();
  sd_notifyf(0, "STATUS=opening the store in %s", f.data);
  struct zz_err e = {0};
  struct app app;
  int sync_full = f.sync && strcmp(f.sync, "full") == 0;
  if (app_open(&app, f.data, sync_full ? APP_OPEN_SYNC_FULL : 0, &e)) return fail(&e);
  struct demo_run dr = {.f = &f};
  struct serve_run sr = {.run = &dr, .demo = demo, .host = host};
  char password[24] = "";
  int exit_code = 0;
  if (demo && (exit_code = demo_prepare(&app, &f, &dr, password, &e))) goto done;
  struct app_serve_opts so = {.data_dir = f.data,
                              .host = host,
                              .port = port,
                              .threads = f.threads,
                              .body_cap = (uint64_t)f.body_cap,
                              .web_dir = web,
                              .trusted = f.trusted,
                              .ntrusted = (size_t)f.ntrusted,
                              .public_url = f.public_url,
                              .max_conns_per_ip = f.max_conns_per_ip,
                              .header_timeout_s = f.header_timeout_s,
                              .metrics_from = f.metrics_from,
                              .nmetrics_from = (size_t)f.nmetrics_from};
  so.on_ready = serve_ready;
  so.on_stop = serve_stop;
  so.ud = &sr;
  if (app_serve(&app, &so, &e)) exit_code = fail(&e);
done:
  demo_feed_free(dr.feed);
  app_close(&app);
  return exit_code;
}

/* ---- pack, user, token ---- */

/* Who ran a state-changing command, for its log line: the login name of
 * the shell (sudo's caller first), else the uid. */
static const char *cli_who(char *buf, size_t n) {
  const char *u = getenv("SUDO_USER");
  if (!u || !*u) u = getenv("USER");
  if (u && *u) return u;
  snprintf(buf, n, "uid:%u", (unsigned)getuid());
  return buf;
}

static int cmd_pack(int argc, char **argv) {
  static const struct option opts[] = {OPT("data", required_argument, F_DATA), OPT_END};
  struct flags f = {0};
  int rc = parse_flags(argc, argv, usage_pack, opts, &f);
  if (rc) return rc == 1 ? 0 : rc;
  if (f.nargs != 2 || strcmp(f.args[0], "load") != 0)
    return bad_usage(usage_pack, "%s", "expected: pack load DIR");
  struct zz_err e = {0};
  struct app app;
  if (app_open(&app, f.data, 0, &e)) return fail(&e);
  struct pack_stats ps = {0};
  rc = pack_load(app.st, f.args[1], &ps, NULL, NULL, &e);
  if (!rc) rc = registry_reload(app.reg, &e);
  app_close(&app);
  if (rc) return fail(&e);
  printf("loaded %s: %d regions, %d metrics, %d entity types, %d departments, %d sources, %lld "
         "entities\n",
         f.args[1], ps.regions, ps.metrics, ps.entity_types, ps.departments, ps.sources,
         (long long)ps.entities);
  char wb[32];
  struct log_field lf[] = {LOG_S("actor", cli_who(wb, sizeof wb)), LOG_S("pack", f.args[1]),
                           LOG_S("data", f.data), LOG_I("regions", ps.regions),
                           LOG_I("entities", ps.entities)};
  log_line(ZZ_LOG_INFO, "pack load", lf, ZZ_ARRAY_LEN(lf));
  return 0;
}

static int read_password(char *out, size_t n) {
  if (!fgets(out, (int)n, stdin)) return 1;
  out[strcspn(out, "\r\n")] = 0;
  return out[0] == 0;
}

/* Records an account change in the admin audit: who became what,
 * never the password. */
static void audit_cli(struct app *app, const char *action, const char *name,
                      const struct flags *f) {
  struct zz_buf d;
  zz_buf_init(&d, 0);
  zz_buf_adds(&d, "{\"role\":");
  zz_buf_json_str(&d, f->role);
  zz_buf_adds(&d, ",\"department\":");
  zz_buf_json_str(&d, f->department);
  zz_buf_adds(&d, ",\"scope\":");
  zz_buf_json_str(&d, f->scope);
  zz_buf_addc(&d, '}');
  struct store_audit au = {.ts = zz_time_now(),
                           .actor = "cli",
                           .action = action,
                           .target = name,
                           .detail_json =
                               zz_buf_error(&d) ? "{\"detail\":\"lost: out of memory\"}" : d.data};
  struct zz_err ae = {0};
  if (store_audit_insert(app->st, &au, &ae))
    fprintf(stderr, "zhizhi: warning: the audit did not record this: %s\n", ae.msg);
  zz_buf_free(&d);
}

static int cmd_user(int argc, char **argv) {
  static const struct option opts[] = {
      OPT("data", required_argument, F_DATA),        OPT("role", required_argument, F_ROLE),
      OPT("department", required_argument, F_DEPT),  OPT("scope", required_argument, F_SCOPE),
      OPT("password-stdin", no_argument, F_PWSTDIN), OPT_END};
  static const struct {
    const char *verb, *action, *done;
    int what; /* STORE_USER_*, 0 for add */
  } verbs[] = {
      {"add", "user.save", "saved", 0},
      {"passwd", "user.password", "has a new password; their sessions ended", STORE_USER_PASSWORD},
      {"disable", "user.disable", "disabled; their sessions ended", STORE_USER_DISABLE},
      {"enable", "user.enable", "enabled", STORE_USER_ENABLE},
      {"del", "user.delete", "deleted; their sessions ended", STORE_USER_DELETE}};
  struct flags f = {0};
  int rc = parse_flags(argc, argv, usage_user, opts, &f);
  if (rc) return rc == 1 ? 0 : rc;
  int v = -1;
  for (int i = 0; f.nargs == 2 && i < (int)ZZ_ARRAY_LEN(verbs); i++)
    if (strcmp(f.args[0], verbs[i].verb) == 0) v = i;
  if (v < 0)
    return bad_usage(usage_user, "%s", "expected: user add|passwd|disable|enable|del NAME");
  int what = verbs[v].what, needs_pw = what == 0 || what == STORE_USER_PASSWORD;
  if (what == 0 && !f.role) return bad_usage(usage_user, "%s", "--role is required");
  if (what != 0 && (f.role || f.department || f.scope))
    return bad_usage(usage_user, "user %s takes no --role, --department or --scope", verbs[v].verb);
  if (needs_pw && !f.password_stdin)
    return bad_usage(usage_user, "%s",
                     "--password-stdin is required (passwords never go on the command line)");
  if (!needs_pw && f.password_stdin)
    return bad_usage(usage_user, "user %s takes no password", verbs[v].verb);
  char pw[1100] = "";
  if (needs_pw && read_password(pw, sizeof pw)) {
    fprintf(stderr, "zhizhi: no password on standard input\n");
    return 1;
  }
  struct zz_err e = {0};
  struct app app;
  if (app_open(&app, f.data, APP_OPEN_NO_WRITER, &e)) {
    explicit_bzero(pw, sizeof pw);
    return fail(&e);
  }
  const char *name = f.args[1];
  if (what == 0)
    rc = accounts_user_add(app.st, name, f.role, f.department, f.scope, pw, &e);
  else
    rc = accounts_user_change(app.st, name, what, needs_pw ? pw : NULL, &e);
  explicit_bzero(pw, sizeof pw);
  if (!rc) audit_cli(&app, verbs[v].action, name, &f);
  app_close(&app);
  if (rc) return fail(&e);
  if (what == 0)
    printf("user %s (%s%s%s) saved\n", name, f.role, f.scope ? ", scope " : "",
           f.scope ? f.scope : "");
  else
    printf("user %s %s\n", name, verbs[v].done);
  return 0;
}

struct find_src {
  const char *key;
  int64_t id;
};

static int find_src_row(void *ud, const struct store_source *s) {
  struct find_src *fs = ud;
  if (strcmp(s->key, fs->key) != 0) return 0;
  fs->id = s->id;
  return 1;
}

static int64_t source_id(struct store *st, const char *key) {
  struct find_src fs = {key, 0};
  store_sources_each(st, find_src_row, &fs);
  return fs.id;
}

/* zhizhi mqtt init | device ENTITY --source NAME: issues a broker account. */
static int cmd_mqtt(int argc, char **argv) {
  static const struct option opts[] = {OPT("data", required_argument, F_DATA),
                                       OPT("source", required_argument, F_SOURCE),
                                       OPT("mqtt-dir", required_argument, F_MQTTDIR),
                                       OPT("broker-pid", required_argument, F_BROKERPID), OPT_END};
  struct flags f = {0};
  int rc = parse_flags(argc, argv, usage_mqtt, opts, &f);
  if (rc) return rc == 1 ? 0 : rc;
  int init = f.nargs == 1 && strcmp(f.args[0], "init") == 0;
  int device = f.nargs == 2 && strcmp(f.args[0], "device") == 0;
  if (!init && !device)
    return bad_usage(usage_mqtt, "%s", "expected: mqtt init, or mqtt device ENTITY --source NAME");
  if (device && !f.source) return bad_usage(usage_mqtt, "%s", "--source is required");
  char dir[4200];
  if (f.mqtt_dir)
    zz_strlcpy(dir, f.mqtt_dir, sizeof dir);
  else
    snprintf(dir, sizeof dir, "%s/mqtt", f.data);
  struct zz_err e = {0};
  struct app app;
  if (app_open(&app, f.data, APP_OPEN_NO_WRITER, &e)) return fail(&e);
  char password[MQTT_PASSWORD_LEN + 1];
  rc = mqtt_account_issue(app.st, app.reg, init ? MQTT_SERVICE_USER : f.args[1],
                          init ? NULL : f.source, dir, f.broker_pid, password, &e);
  if (!rc) {
    struct store_audit au = {.ts = zz_time_now(),
                             .actor = "cli",
                             .action = init ? "mqtt.service" : "mqtt.device",
                             .target = init ? MQTT_SERVICE_USER : f.args[1],
                             .detail_json = "{}"};
    struct zz_err ae = {0};
    if (store_audit_insert(app.st, &au, &ae))
      fprintf(stderr, "zhizhi: warning: the audit did not record this: %s\n", ae.msg);
  }
  app_close(&app);
  if (rc) return fail(&e);
  if (init)
    printf("%s/zhizhi.secret holds zhizhi's broker account; %s/passwd and %s/acl are written\n",
           dir, dir, dir);
  else
    printf("%s\n", password);
  return 0;
}

static int cmd_token(int argc, char **argv) {
  static const struct option opts[] = {OPT("data", required_argument, F_DATA),
                                       OPT("source", required_argument, F_SOURCE), OPT_END};
  struct flags f = {0};
  int rc = parse_flags(argc, argv, usage_token, opts, &f);
  if (rc) return rc == 1 ? 0 : rc;
  if (f.nargs != 1 || strcmp(f.args[0], "create") != 0)
    return bad_usage(usage_token, "%s", "expected: token create");
  if (!f.source) return bad_usage(usage_token, "%s", "--source is required");
  struct zz_err e = {0};
  struct app app;
  if (app_open(&app, f.data, APP_OPEN_NO_WRITER, &e)) return fail(&e);
  int64_t id = source_id(app.st, f.source);
  if (!id) {
    app_close(&app);
    fprintf(stderr, "zhizhi: source \"%s\" does not exist (GET /api/v1/sources lists them)\n",
            f.source);
    return 1;
  }
  char token[48], hash[65];
  api_token_new(token);
  api_token_hash(token, hash);
  rc = store_source_set_token(app.st, id, hash, &e);
  app_close(&app);
  if (rc) return fail(&e);
  printf("%s\n", token);
  return 0;
}

/* ---- codes ---- */

static int cmd_code(int argc, char **argv) {
  static const struct option opts[] = {OPT("data", required_argument, F_DATA),
                                       OPT("kind", required_argument, F_KIND),
                                       OPT("entity-type", required_argument, F_ETYPE),
                                       OPT("region", required_argument, F_REGION), OPT_END};
  struct flags f = {0};
  int rc = parse_flags(argc, argv, usage_code, opts, &f);
  if (rc) return rc == 1 ? 0 : rc;
  if (f.nargs != 1 || strcmp(f.args[0], "generate") != 0)
    return bad_usage(usage_code, "%s", "expected: code generate");
  if (!f.kind) return bad_usage(usage_code, "%s", "--kind is required");
  if (!f.entity_type) return bad_usage(usage_code, "%s", "--entity-type is required");
  if (!f.region) return bad_usage(usage_code, "%s", "--region is required");
  struct zz_err e = {0};
  struct app app;
  /* no writer: it may run beside a serving process, like user add */
  if (app_open(&app, f.data, APP_OPEN_NO_WRITER, &e)) return fail(&e);
  /* batch by batch, each its own transaction, with progress on stderr for
   * a district's tens of thousands of entities */
  struct code_gen_req req = {.kind = f.kind, .entity_type = f.entity_type, .region_path = f.region};
  struct code_gen_summary sum, all = {0};
  do {
    if ((rc = code_generate(app.st, app.reg, &req, &sum, &e))) break;
    all.entities += sum.entities;
    all.created += sum.created;
    all.kept += sum.kept;
    if (sum.next)
      fprintf(stderr, "codes: %lld of %lld\n", (long long)sum.done, (long long)sum.total);
    req.after = sum.next;
  } while (sum.next);
  app_close(&app);
  if (rc) {
    if (all.entities)
      fprintf(stderr,
              "codes: %lld entities done before the failure (kept); run it again to go on\n",
              (long long)all.entities);
    return fail(&e);
  }
  printf("codes: %lld %s entities under %s: %lld new %s codes, %lld kept their active code\n",
         (long long)all.entities, f.entity_type, f.region, (long long)all.created, f.kind,
         (long long)all.kept);
  return 0;
}

/* ---- import and backup ---- */

static int cmd_import(int argc, char **argv) {
  static const struct option opts[] = {
      OPT("data", required_argument, F_DATA), OPT("source", required_argument, F_SOURCE),
      OPT("atomic", no_argument, F_ATOMIC), OPT("format", required_argument, F_FORMAT), OPT_END};
  struct flags f = {0};
  int rc = parse_flags(argc, argv, usage_import, opts, &f);
  if (rc) return rc == 1 ? 0 : rc;
  if (f.nargs != 1) return bad_usage(usage_import, "%s", "expected: import FILE");
  if (!f.source) return bad_usage(usage_import, "%s", "--source is required");
  const char *file = f.args[0];
  enum ingest_format fmt;
  const char *fs = f.format;
  if (!fs) {
    const char *dot = strrchr(file, '.');
    fs = dot && strcmp(dot, ".csv") == 0 ? "csv"
         : dot && (strcmp(dot, ".ndjson") == 0 || strcmp(dot, ".jsonl") == 0 ||
                   strcmp(dot, ".json") == 0)
             ? "ndjson"
             : NULL;
    if (!fs)
      return bad_usage(usage_import, "cannot tell the format of \"%s\": use --format ndjson|csv",
                       file);
  }
  if (strcmp(fs, "csv") == 0)
    fmt = INGEST_CSV;
  else if (strcmp(fs, "ndjson") == 0)
    fmt = INGEST_NDJSON;
  else
    return bad_usage(usage_import, "--format must be ndjson or csv, not \"%s\"", fs);
  FILE *in = fopen(file, "rb");
  if (!in) {
    fprintf(stderr, "zhizhi: cannot open %s: %s\n", file, strerror(errno));
    return 1;
  }
  struct stat sb;
  int64_t total = fstat(fileno(in), &sb) == 0 ? (int64_t)sb.st_size : 0;
  struct zz_err e = {0};
  struct app app;
  if (app_open(&app, f.data, 0, &e)) {
    fclose(in);
    return fail(&e);
  }
  int64_t sid = source_id(app.st, f.source);
  if (!sid) {
    fclose(in);
    app_close(&app);
    fprintf(stderr, "zhizhi: source \"%s\" does not exist\n", f.source);
    return 1;
  }
  char spool[4096];
  snprintf(spool, sizeof spool, "%s/spool", f.data);
  struct ingest_opts io = {.st = app.st,
                           .reg = app.reg,
                           .source_id = sid,
                           .format = fmt,
                           .kind = INGEST_RECORDS,
                           .atomic = f.atomic,
                           .batch = 100000,
                           .spool_dir = spool}; /* --atomic: records on disk, not in memory */
  struct ingest *ing = ingest_new(&io);
  struct zz_progress p;
  zz_progress_start(&p, "import", "bytes", total);
  static char chunk[1 << 20];
  int64_t done = 0;
  size_t n;
  rc = ing ? 0 : ZZ_ENOMEM;
  while (!rc && (n = fread(chunk, 1, sizeof chunk, in)) > 0) {
    rc = ingest_feed(ing, chunk, n, &e);
    done += (int64_t)n;
    zz_progress_update(&p, done);
  }
  if (!rc && ferror(in)) rc = zz_fail(&e, ZZ_EIO, "file", "cannot read %s", file);
  if (!rc) rc = ingest_finish(ing, &e);
  fclose(in);
  zz_progress_done(&p, done);
  int exit_code = 0;
  if (rc) {
    exit_code = fail(&e);
  } else {
    const struct ingest_report *rep = ingest_result(ing);
    struct zz_buf b;
    zz_buf_init(&b, 0);
    if (ingest_report_json(rep, &b) || zz_buf_error(&b)) {
      fprintf(stderr, "zhizhi: the import report cannot be written: %s\n",
              zz_strerror(zz_buf_error(&b) ? zz_buf_error(&b) : ZZ_ENOMEM));
      exit_code = 1;
    } else {
      printf("%s\n", b.data);
    }
    zz_buf_free(&b);
    fprintf(stderr, "import: %lld accepted, %lld replaced, %lld rejected%s\n",
            (long long)rep->accepted, (long long)rep->replaced, (long long)rep->rejected_total,
            f.atomic && rep->rejected_total ? " (atomic: nothing stored)" : "");
    exit_code = rep->rejected_total ? 1 : 0;
  }
  ingest_free(ing);
  app_close(&app);
  return exit_code;
}

struct backup_bar {
  struct zz_progress p;
  const char *phase;
};

static void backup_progress(void *ud, const char *phase, int64_t done, int64_t total) {
  struct backup_bar *b = ud;
  if (b->phase != phase) {
    if (b->phase) zz_progress_done(&b->p, b->p.total);
    b->phase = phase;
    zz_progress_start(&b->p, phase, strcmp(phase, "database") == 0 ? "pages" : "bytes", total);
  }
  b->p.total = total;
  zz_progress_update(&b->p, done);
}

static int cmd_backup(int argc, char **argv) {
  static const struct option opts[] = {OPT("data", required_argument, F_DATA), OPT_END};
  struct flags f = {0};
  int rc = parse_flags(argc, argv, usage_backup, opts, &f);
  if (rc) return rc == 1 ? 0 : rc;
  if (f.nargs != 1) return bad_usage(usage_backup, "%s", "expected: backup OUT");
  struct backup_bar bar = {0};
  struct store_backup_stats st;
  struct zz_err e = {0};
  rc = store_backup(f.data, f.args[0], backup_progress, &bar, &st, &e);
  if (bar.phase) zz_progress_done(&bar.p, bar.p.total);
  if (rc) return fail(&e);
  printf("backed up %s to %s: database %lld bytes, %lld files (%lld bytes), records %lld bytes "
         "in %lld files\n",
         f.data, f.args[0], (long long)st.db_bytes, (long long)st.files, (long long)st.bytes,
         (long long)st.records_bytes, (long long)st.records_files);
  char wb[32];
  struct log_field lf[] = {LOG_S("actor", cli_who(wb, sizeof wb)), LOG_S("data", f.data),
                           LOG_S("out", f.args[0]), LOG_I("db_bytes", st.db_bytes),
                           LOG_I("files", st.files)};
  log_line(ZZ_LOG_INFO, "backup", lf, ZZ_ARRAY_LEN(lf));
  if (st.missing)
    fprintf(stderr,
            "zhizhi: %lld referenced files were already missing from %s (first: %s); the "
            "backup's MANIFEST lists them as missing\n",
            (long long)st.missing, f.data, st.first_missing);
  return 0;
}

static int cmd_restore(int argc, char **argv) {
  static const struct option opts[] = {OPT_END};
  int force = 0, n = 0;
  for (int i = 0; i < argc; i++) /* --force is restore's own flag */
    if (strcmp(argv[i], "--force") == 0)
      force = 1;
    else
      argv[n++] = argv[i];
  struct flags f = {0};
  int rc = parse_flags(n, argv, usage_restore, opts, &f);
  if (rc) return rc == 1 ? 0 : rc;
  if (f.nargs != 2) return bad_usage(usage_restore, "%s", "expected: restore BACKUP DIR");
  struct backup_bar bar = {0};
  struct store_backup_stats st;
  struct zz_err e = {0};
  rc = store_restore(f.args[0], f.args[1], force, backup_progress, &bar, &st, &e);
  if (bar.phase) zz_progress_done(&bar.p, bar.p.total);
  if (rc) return fail(&e);
  printf("restored %s into %s: database %lld bytes (integrity_check ok), %lld files (%lld bytes), "
         "every referenced file present, records %lld bytes in %lld files\n",
         f.args[0], f.args[1], (long long)st.db_bytes, (long long)st.files, (long long)st.bytes,
         (long long)st.records_bytes, (long long)st.records_files);
  char wb[32];
  struct log_field lf[] = {LOG_S("actor", cli_who(wb, sizeof wb)), LOG_S("backup", f.args[0]),
                           LOG_S("data", f.args[1]), LOG_I("files", st.files)};
  log_line(ZZ_LOG_INFO, "restore", lf, ZZ_ARRAY_LEN(lf));
  if (st.missing)
    fprintf(stderr,
            "zhizhi: %lld files were already missing when the backup was made (first: %s)\n",
            (long long)st.missing, st.first_missing);
  return 0;
}

/* ---- rollup rebuild ---- */

static const char *const usage_rollup =
    "usage: zhizhi rollup rebuild [--data DIR] [--metric KEY] [--from T] [--to T]\n"
    "  recomputes the rollups of one metric (default every metric) from the stored\n"
    "  records over [from, to), widened to whole local years (default all time).\n"
    "  T is RFC 3339 (2026-05-21T08:00:00+08:00) or epoch milliseconds. The server\n"
    "  must be stopped; one transaction: a failure changes nothing.\n";

static void rebuild_progress(void *ud, int64_t done, int64_t total) {
  struct zz_progress *p = ud;
  if (!p->label) zz_progress_start(p, "rollup rebuild", "series", total);
  zz_progress_update(p, done);
}

static int cmd_rollup(int argc, char **argv) {
  enum { R_DATA = 1, R_METRIC, R_FROM, R_TO, R_HELP };
  static const struct option opts[] = {
      {"data", required_argument, NULL, R_DATA}, {"metric", required_argument, NULL, R_METRIC},
      {"from", required_argument, NULL, R_FROM}, {"to", required_argument, NULL, R_TO},
      {"help", no_argument, NULL, R_HELP},       {NULL, 0, NULL, 0}};
  const char *data = DEFAULT_DATA, *metric = NULL;
  int64_t from = INT64_MIN, to = INT64_MAX;
  optind = 1;
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case R_DATA:
      data = optarg;
      break;
    case R_METRIC:
      metric = optarg;
      break;
    case R_FROM:
    case R_TO:
      if (zz_time_parse(optarg, strlen(optarg), c == R_FROM ? &from : &to))
        return bad_usage(usage_rollup,
                         "a time is RFC 3339 (2026-05-21T08:00:00+08:00) or epoch ms, not \"%s\"",
                         optarg);
      break;
    case 'h':
    case R_HELP:
      fputs(usage_rollup, stdout);
      return 0;
    default:
      return bad_usage(usage_rollup, "unknown or incomplete flag %s", argv[optind - 1]);
    }
  }
  if (optind >= argc || strcmp(argv[optind], "rebuild") != 0 || optind + 1 != argc)
    return bad_usage(usage_rollup, "%s", "expected: rollup rebuild [FLAGS]");
  if (from >= to) return bad_usage(usage_rollup, "%s", "--from must be before --to");
  struct zz_err e = {0};
  struct store *st = NULL;
  struct store_open_opts so = {.dir = data};
  struct stat sb;
  if (stat(data, &sb) != 0) {
    fprintf(stderr, "zhizhi: no data directory %s: %s\n", data, strerror(errno));
    return 1;
  }
  if (store_sqlite_open(&so, &st, &e)) return fail(&e);
  struct zz_progress bar = {0};
  struct store_rebuild_stats stats = {0};
  int rc = store_rollup_rebuild(st, metric, from, to, rebuild_progress, &bar, &stats, &e);
  if (bar.label) zz_progress_done(&bar, stats.series);
  store_close(st);
  if (rc) return fail(&e);
  printf("rollup rebuild: %s: %lld records of %lld series folded in again\n",
         metric ? metric : "every metric", (long long)stats.records, (long long)stats.series);
  return 0;
}

/* ---- check ---- */

static const char *const usage_check =
    "usage: zhizhi check [--data DIR] [--json] [--limit N] [--entity KEY]\n"
    "  verifies every series' stored records against its day, month and year\n"
    "  rollups and its last value, the records counter and the root regions'\n"
    "  month rollups; exit 0 when all agree, 1 with the mismatches (the first N,\n"
    "  default 100, listed; all counted). --entity checks one entity's series only.\n"
    "  Safe beside a running server: it reads one snapshot and writes nothing.\n"
    "  Chinese output when LC_ALL, LC_MESSAGES or LANG starts with zh.\n";

/* The command line's language: Chinese when the locale variables (the first
 * one set, in POSIX's order) name zh. Commands printing sentences for
 * people (check) follow it; their error sentences come from zz_err. */
static int cli_zh(void) {
  static const char *const vars[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
  for (size_t i = 0; i < ZZ_ARRAY_LEN(vars); i++) {
    const char *v = getenv(vars[i]);
    if (v && *v) return strncmp(v, "zh", 2) == 0;
  }
  return 0;
}

static int fail_in(const struct zz_err *e, int zh) {
  const char *m = zh && e->msg_zh[0] ? e->msg_zh : e->msg[0] ? e->msg : NULL;
  fprintf(stderr, "zhizhi: %s\n", m ? m : zh ? zz_strerror_zh(e->code) : zz_strerror(e->code));
  return 1;
}

static void check_progress(void *ud, int64_t done, int64_t total) {
  struct zz_progress *p = ud;
  if (!p->label) zz_progress_start(p, "check", "series", total);
  zz_progress_update(p, done);
}

/* A bucket's start as the local date of its grain: "2026-05-21", "2026-05"
 * or "2026"; "" for a mismatch without a bucket. */
static const char *check_bucket(const struct store_check_mismatch *m, char out[16]) {
  struct zz_civil c;
  out[0] = 0;
  if (m->kind != STORE_CHECK_DAY && m->kind != STORE_CHECK_MONTH && m->kind != STORE_CHECK_YEAR &&
      m->kind != STORE_CHECK_REGION)
    return out;
  zz_time_civil(m->bucket, &c);
  if (m->kind == STORE_CHECK_DAY)
    snprintf(out, 16, "%04d-%02d-%02d", c.year, c.month, c.day);
  else if (m->kind == STORE_CHECK_YEAR)
    snprintf(out, 16, "%04d", c.year);
  else
    snprintf(out, 16, "%04d-%02d", c.year, c.month);
  return out;
}

/* A value of a mismatch for people: a time for last_ts, "none" for NaN. */
static const char *check_value(const char *field, double v, int zh, char out[48]) {
  if (isnan(v)) return zh ? "无" : "none";
  if (strcmp(field, "last_ts") == 0) return zz_time_format((int64_t)v, out);
  struct zz_buf b; /* the shortest text that reads back as v, as in the JSON */
  zz_buf_init(&b, 47);
  zz_buf_json_num(&b, v);
  if (zz_buf_error(&b))
    snprintf(out, 48, "%.17g", v);
  else
    zz_strlcpy(out, b.data, 48);
  zz_buf_free(&b);
  return out;
}

static void check_print_text(const struct store_check_report *r, int zh) {
  static const char *const kind_zh[] = {"",           "日汇总",     "月汇总",      "年汇总",
                                        "序列最新值", "记录计数器", "根区域月汇总"};
  static const struct {
    const char *en, *zh;
  } fields[] = {{"n", "条数"},     {"sum", "总和"},    {"min", "最小值"},
                {"max", "最大值"}, {"last", "最新值"}, {"last_ts", "最新时间"}};
  for (size_t i = 0; i < r->nitems; i++) {
    const struct store_check_mismatch *m = &r->items[i];
    char b[16], ev[48], fv[48];
    const char *field = m->field;
    for (size_t f = 0; zh && f < ZZ_ARRAY_LEN(fields); f++)
      if (strcmp(fields[f].en, m->field) == 0) field = fields[f].zh;
    const char *exp = check_value(m->field, m->expected, zh, ev);
    const char *got = check_value(m->field, m->found, zh, fv);
    check_bucket(m, b);
    if (m->kind == STORE_CHECK_COUNTER) {
      if (zh)
        printf("不一致：%s records：应为 %s，实为 %s\n", kind_zh[m->kind], exp, got);
      else
        printf("mismatch: counter records: expected %s, found %s\n", exp, got);
    } else if (zh) {
      printf("不一致：%s%s%s %s %s 指标 %s：%s应为 %s，实为 %s\n", kind_zh[m->kind],
             b[0] ? " " : "", b, m->kind == STORE_CHECK_REGION ? "区域" : "对象", m->entity,
             m->metric, field, exp, got);
    } else {
      printf("mismatch: %s%s%s %s %s metric %s: %s expected %s, found %s\n",
             store_check_kind_name(m->kind), b[0] ? " " : "", b,
             m->kind == STORE_CHECK_REGION ? "region" : "entity", m->entity, m->metric, field, exp,
             got);
    }
  }
  if (r->buckets_skipped_retention) {
    if (zh)
      printf("核查：%lld 项汇总早于指标原始数据保留期（raw_days），原始记录可能已清理，未核对\n",
             (long long)r->buckets_skipped_retention);
    else
      printf("check: %lld rollup rows and values reach back past their metric's raw retention"
             " (raw_days) and were not compared\n",
             (long long)r->buckets_skipped_retention);
  }
  if (!r->mismatches) {
    if (zh)
      printf("核查：%lld 个数据序列的 %lld 条数据记录与 %lld 项汇总全部一致\n",
             (long long)r->series, (long long)r->records, (long long)r->buckets_checked);
    else
      printf("check: %lld records of %lld series agree with %lld rollup rows and values\n",
             (long long)r->records, (long long)r->series, (long long)r->buckets_checked);
  } else if (zh) {
    printf("核查：发现 %lld 处不一致（列出前 %zu 处），共核查 %lld 个数据序列的 %lld 条数据记录\n",
           (long long)r->mismatches, r->nitems, (long long)r->series, (long long)r->records);
  } else {
    printf("check: %lld mismatches (the first %zu listed) in %lld records of %lld series\n",
           (long long)r->mismatches, r->nitems, (long long)r->records, (long long)r->series);
  }
}

/* One JSON object: {records, series, buckets_checked, mismatches: [...],
 * mismatches_total, ok}. */
static int check_print_json(const struct store_check_report *r) {
  struct zz_buf b;
  zz_buf_init(&b, 0);
  zz_buf_printf(&b,
                "{\"records\":%lld,\"series\":%lld,\"buckets_checked\":%lld,"
                "\"buckets_skipped_retention\":%lld,\"mismatches\":[",
                (long long)r->records, (long long)r->series, (long long)r->buckets_checked,
                (long long)r->buckets_skipped_retention);
  for (size_t i = 0; i < r->nitems; i++) {
    const struct store_check_mismatch *m = &r->items[i];
    char bk[16];
    zz_buf_adds(&b, i ? ",{\"kind\":" : "{\"kind\":");
    zz_buf_json_str(&b, store_check_kind_name(m->kind));
    zz_buf_adds(&b, m->kind == STORE_CHECK_REGION ? ",\"region\":" : ",\"entity\":");
    zz_buf_json_str(&b, m->kind == STORE_CHECK_COUNTER ? NULL : m->entity);
    zz_buf_adds(&b, ",\"metric\":");
    zz_buf_json_str(&b, m->kind == STORE_CHECK_COUNTER ? NULL : m->metric);
    zz_buf_adds(&b, ",\"bucket\":");
    zz_buf_json_str(&b, check_bucket(m, bk)[0] ? bk : NULL);
    zz_buf_adds(&b, ",\"field\":");
    zz_buf_json_str(&b, m->field);
    zz_buf_adds(&b, ",\"expected\":");
    zz_buf_json_num(&b, m->expected);
    zz_buf_adds(&b, ",\"found\":");
    zz_buf_json_num(&b, m->found);
    zz_buf_addc(&b, '}');
  }
  zz_buf_printf(&b, "],\"mismatches_total\":%lld,\"ok\":%s}\n", (long long)r->mismatches,
                r->mismatches ? "false" : "true");
  int rc = zz_buf_error(&b);
  if (!rc) fwrite(b.data, 1, b.len, stdout);
  zz_buf_free(&b);
  return rc;
}

static int cmd_check(int argc, char **argv) {
  enum { K_DATA = 1, K_JSON, K_LIMIT, K_ENTITY, K_HELP };
  static const struct option opts[] = {
      {"data", required_argument, NULL, K_DATA},   {"json", no_argument, NULL, K_JSON},
      {"limit", required_argument, NULL, K_LIMIT}, {"entity", required_argument, NULL, K_ENTITY},
      {"help", no_argument, NULL, K_HELP},         {NULL, 0, NULL, 0}};
  const char *data = DEFAULT_DATA;
  struct store_check_opts co = {.limit = 100};
  int json = 0, c;
  long long n;
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case K_DATA:
      data = optarg;
      break;
    case K_JSON:
      json = 1;
      break;
    case K_LIMIT:
      if (parse_num(optarg, &n) || n < 1 || n > 1000000)
        return bad_usage(usage_check, "--limit needs a number from 1 to 1000000, not \"%s\"",
                         optarg);
      co.limit = (int)n;
      break;
    case K_ENTITY:
      co.entity = optarg;
      break;
    case 'h':
    case K_HELP:
      fputs(usage_check, stdout);
      return 0;
    default:
      return bad_usage(usage_check, "unknown or incomplete flag %s", argv[optind - 1]);
    }
  }
  if (optind != argc) return bad_usage(usage_check, "unexpected argument \"%s\"", argv[optind]);
  int zh = cli_zh();
  struct zz_err e = {0};
  char db[4096];
  struct stat sb;
  snprintf(db, sizeof db, "%s/zhizhi.db", data);
  if (stat(db, &sb) != 0) {
    zz_fail(&e, ZZ_ENOTFOUND, "data", "no zhizhi database in %s", data);
    return fail_in(&e, zh);
  }
  /* No writer and no data-directory lock, as the admin commands that run
   * beside a server: the check only reads, inside one read transaction
   * (store_check.h), so a serving zhizhi goes on writing meanwhile. */
  struct store *st = NULL;
  struct store_open_opts so = {.dir = data, .no_writer = 1};
  if (store_sqlite_open(&so, &st, &e)) return fail_in(&e, zh);
  struct zz_progress bar = {0};
  struct store_check_report rep;
  co.progress = check_progress;
  co.ud = &bar;
  int rc = store_check(st, &co, &rep, &e);
  if (bar.label) zz_progress_done(&bar, rep.series);
  store_close(st);
  if (rc) {
    store_check_report_free(&rep);
    return fail_in(&e, zh);
  }
  if (json) {
    if (check_print_json(&rep)) {
      store_check_report_free(&rep);
      fprintf(stderr, "zhizhi: %s\n", zh ? "内存不足" : "out of memory");
      return 1;
    }
  } else {
    check_print_text(&rep, zh);
  }
  int mismatched = rep.mismatches > 0;
  store_check_report_free(&rep);
  return mismatched ? 1 : 0;
}

/* ---- hidden: records-dump (bench/bench.py's compare export) ----
 * `zhizhi records-dump --data DIR` reads lines "ENTITY_ID<TAB>METRIC_ID
 * <TAB>PREFIX" on stdin (the caller lists the series from the registry)
 * and writes "PREFIX<TAB>TS<TAB>VALUE" for every raw record of each, read
 * through store_records_each, so the dump sees the records whatever the
 * records backend keeps them in. Only reads (no writer, no lock), as check. */
struct dump_ctx {
  FILE *out;
  const char *prefix;
  int64_t n;
};

static int dump_record(void *ud, int64_t ts, double value) {
  struct dump_ctx *d = ud;
  fprintf(d->out, "%s\t%lld\t%.17g\n", d->prefix, (long long)ts, value);
  d->n++;
  return 0;
}

static int cmd_records_dump(int argc, char **argv) {
  const char *data = DEFAULT_DATA;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--data") == 0 && i + 1 < argc)
      data = argv[++i];
    else {
      fprintf(stderr, "zhizhi records-dump: usage: records-dump --data DIR < series.tsv\n");
      return 2;
    }
  }
  int zh = cli_zh();
  struct zz_err e = {0};
  struct store *st = NULL;
  struct store_open_opts so = {.dir = data, .no_writer = 1};
  if (store_sqlite_open(&so, &st, &e)) return fail_in(&e, zh);
  char line[4096];
  struct dump_ctx d = {.out = stdout};
  int rc = 0;
  while (!rc && fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\n")] = 0;
    char *end = NULL;
    long long entity = strtoll(line, &end, 10), metric;
    if (*end != '\t') continue;
    metric = strtoll(end + 1, &end, 10);
    if (*end != '\t') continue;
    d.prefix = end + 1;
    rc = store_records_each(st, entity, metric, INT64_MIN, INT64_MAX, INT32_MAX, dump_record, &d);
  }
  store_close(st);
  if (fflush(stdout) || rc) {
    fprintf(stderr, "zhizhi records-dump: failed (%d) after %lld records\n", rc, (long long)d.n);
    return 1;
  }
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) {
    fputs(usage_main, stderr);
    return 2;
  }
  const char *cmd = argv[1];
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
    fputs(usage_main, stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    puts("zhizhi 0.1.0");
    return 0;
  }
  argc--, argv++;
  if (strcmp(cmd, "serve") == 0) return cmd_serve_or_demo(argc, argv, 0);
  if (strcmp(cmd, "demo") == 0) return cmd_serve_or_demo(argc, argv, 1);
  if (strcmp(cmd, "pack") == 0) return cmd_pack(argc, argv);
  if (strcmp(cmd, "user") == 0) return cmd_user(argc, argv);
  if (strcmp(cmd, "token") == 0) return cmd_token(argc, argv);
  if (strcmp(cmd, "mqtt") == 0) return cmd_mqtt(argc, argv);
  if (strcmp(cmd, "import") == 0) return cmd_import(argc, argv);
  if (strcmp(cmd, "backup") == 0) return cmd_backup(argc, argv);
  if (strcmp(cmd, "restore") == 0) return cmd_restore(argc, argv);
  if (strcmp(cmd, "code") == 0) return cmd_code(argc, argv);
  if (strcmp(cmd, "rollup") == 0) return cmd_rollup(argc, argv);
  if (strcmp(cmd, "check") == 0) return cmd_check(argc, argv);
  if (strcmp(cmd, "records-dump") == 0) return cmd_records_dump(argc, argv); /* hidden: bench */
  if (strcmp(cmd, "routes") == 0) { /* hidden: the route table, for tests */
    app_routes_print(stdout);
    return 0;
  }
  fprintf(stderr, "zhizhi: unknown command \"%s\"\n%s", cmd, usage_main);
  return 2;
}
