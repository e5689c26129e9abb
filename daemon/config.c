/*
 * Configuration parsing.  The key table below is the single list of what
 * can be configured: its type, bounds and default live in one row, so the
 * README's table, the parser and the checks cannot drift apart silently
 * (tests/daemon/test_config.c walks the table).  Values never contain
 * secrets themselves (keys live in files named here), but we still only
 * echo the key name and the reason in errors, never the value.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "crypto/secret.h"
#include "daemon/config.h"
#include "forms/trust.h"
#include "daemon/log.h"

enum ckind { CK_STR, CK_INT, CK_SIZE, CK_BOOL, CK_LOGLEVEL, CK_LISTEN,
    CK_DOUBLE };

struct ckey {
	const char	*k_name;
	enum ckind	 k_kind;
	size_t		 k_off;
	long long	 k_min, k_max;
};

#define OFF(m)	offsetof(struct config, m)
static const struct ckey ckeys[] = {
	{ "listen",		CK_LISTEN,	0, 0, 0 },
	{ "tls_cert",		CK_STR,		OFF(c_tls_cert), 0, 0 },
	{ "tls_key",		CK_STR,		OFF(c_tls_key), 0, 0 },
	{ "database",		CK_STR,		OFF(c_database), 0, 0 },
	{ "db_pool_size",	CK_INT,		OFF(c_db_pool_size), 1, 256 },
	{ "db_wait_ms",		CK_INT,		OFF(c_db_wait_ms), 1, 600000 },
	{ "db_max_waiters",	CK_INT,		OFF(c_db_max_waiters), 1, 100000 },
	{ "db_statement_timeout_ms", CK_INT,	OFF(c_db_statement_timeout_ms), 1, 3600000 },
	{ "workers",		CK_INT,		OFF(c_workers), 1, 256 },
	{ "worker_queue",	CK_INT,		OFF(c_worker_queue), 1, 100000 },
	{ "worker_nice",	CK_INT,		OFF(c_worker_nice), 0, 19 },
	{ "max_connections",	CK_INT,		OFF(c_max_connections), 1, 1000000 },
	{ "header_max",		CK_SIZE,	OFF(c_header_max), 512, 1048576 },
	{ "body_max",		CK_SIZE,	OFF(c_body_max), 0, 67108864 },
	{ "request_timeout_ms",	CK_INT,		OFF(c_request_timeout_ms), 100, 600000 },
	{ "idle_timeout_ms",	CK_INT,		OFF(c_idle_timeout_ms), 100, 3600000 },
	{ "write_timeout_ms",	CK_INT,		OFF(c_write_timeout_ms), 100, 600000 },
	{ "shutdown_grace_ms",	CK_INT,		OFF(c_shutdown_grace_ms), 0, 600000 },
	{ "log_level",		CK_LOGLEVEL,	OFF(c_log_level), 0, 0 },
	{ "syslog",		CK_BOOL,	OFF(c_syslog), 0, 1 },
	{ "hsts_max_age",	CK_INT,		OFF(c_hsts_max_age), 0, 100000000 },
	{ "proxy_protocol",	CK_BOOL,	OFF(c_proxy_protocol), 0, 1 },
	{ "reuse_port",		CK_BOOL,	OFF(c_reuse_port), 0, 1 },
	{ "totp_seal_key",	CK_STR,		OFF(c_totp_seal_key), 0, 0 },
	{ "epoch_key_dir",	CK_STR,		OFF(c_epoch_key_dir), 0, 0 },
	{ "session_idle_s",	CK_INT,		OFF(c_session_idle_s), 1, 86400 },
	{ "session_absolute_s",	CK_INT,		OFF(c_session_absolute_s), 1, 86400 },
	{ "login_fail_per_source", CK_INT,	OFF(c_login_fail_per_source), 1, 100000 },
	{ "insecure_test_clock_file", CK_STR,	OFF(c_insecure_test_clock_file), 0, 0 },
	{ "metrics_token_file",	CK_STR,		OFF(c_metrics_token_file), 0, 0 },
	{ "audit_chain_key",	CK_STR,		OFF(c_audit_chain_key), 0, 0 },
	{ "audit_checkpoint_key", CK_STR,	OFF(c_audit_checkpoint_key), 0, 0 },
	{ "audit_checkpoint_file", CK_STR,	OFF(c_audit_checkpoint_file), 0, 0 },
	{ "audit_chain_interval_ms", CK_INT,	OFF(c_audit_chain_interval_ms), 10, 60000 },
	{ "audit_checkpoint_events", CK_INT,	OFF(c_audit_checkpoint_events), 1, 10000000 },
	{ "audit_checkpoint_interval_s", CK_INT, OFF(c_audit_checkpoint_interval_s), 1, 86400 },
	{ "alert_command",	CK_STR,		OFF(c_alert_command), 0, 0 },
	{ "alert_sendmail",	CK_STR,		OFF(c_alert_sendmail), 0, 0 },
	{ "alert_mail_to",	CK_STR,		OFF(c_alert_mail_to), 0, 0 },
	{ "alert_mail_from",	CK_STR,		OFF(c_alert_mail_from), 0, 0 },
	{ "alert_timeout_ms",	CK_INT,		OFF(c_alert_timeout_ms), 100, 600000 },
	{ "alert_check_s",	CK_INT,		OFF(c_alert_check_s), 1, 3600 },
	{ "web_root",		CK_STR,		OFF(c_web_root), 0, 0 },
	{ "console_root",	CK_STR,		OFF(c_console_root), 0, 0 },
	{ "receipt_lookup_key",	CK_STR,		OFF(c_receipt_lookup_key), 0, 0 },
	{ "contact_link_key",	CK_STR,		OFF(c_contact_link_key), 0, 0 },
	{ "manifest_public_key", CK_STR,	OFF(c_manifest_public_key), 0, 0 },
	{ "receipt_argon2_m_kib", CK_INT,	OFF(c_receipt_argon2_m_kib), 8192, 1048576 },
	{ "receipt_argon2_t",	CK_INT,		OFF(c_receipt_argon2_t), 1, 64 },
	{ "receipt_argon2_p",	CK_INT,		OFF(c_receipt_argon2_p), 1, 16 },
	{ "reporter_session_key", CK_STR,	OFF(c_reporter_session_key), 0, 0 },
	{ "reporter_session_ttl_s", CK_INT,	OFF(c_reporter_session_ttl_s), 60, 86400 },
	{ "forms_refresh_s",	CK_INT,		OFF(c_forms_refresh_s), 1, 86400 },
	{ "submission_keep_s",	CK_INT,		OFF(c_submission_keep_s), 60, 604800 },
	{ "attach_max_files",	CK_INT,		OFF(c_attach_max_files), 0, 50 },
	{ "attach_max_bytes",	CK_SIZE,	OFF(c_attach_max_bytes), 1, 67108864 },
	{ "pow_required",	CK_BOOL,	OFF(c_pow_required), 0, 1 },
	{ "pow_base_bits",	CK_INT,		OFF(c_pow_base_bits), 0, 32 },
	{ "pow_max_bits",	CK_INT,		OFF(c_pow_max_bits), 0, 40 },
	{ "pow_load_max_bits",	CK_INT,		OFF(c_pow_load_max_bits), 0, 16 },
	{ "pow_source_free",	CK_INT,		OFF(c_pow_source_free), 0, 1000000 },
	{ "pow_source_per_bit",	CK_INT,		OFF(c_pow_source_per_bit), 1, 1000 },
	{ "pow_source_limit",	CK_INT,		OFF(c_pow_source_limit), 1, 1000000 },
	{ "pow_ttl_s",		CK_INT,		OFF(c_pow_ttl_s), 1, 86400 },
	{ "research_k",		CK_INT,		OFF(c_research_k), 5, 1000 },
	{ "research_epsilon",	CK_DOUBLE,	OFF(c_research_epsilon), 0, 10 },
	{ "trust_file",		CK_STR,		OFF(c_trust_file), 0, 0 },
};
#undef OFF

static const char *const role_names[] = { "public", "staff" };

const char *
config_role_name(enum config_role role)
{
	return (role_names[role == ROLE_STAFF]);
}

int
config_parse_role(const char *s, enum config_role *out)
{
	if (strcmp(s, "public") == 0)
		*out = ROLE_PUBLIC;
	else if (strcmp(s, "staff") == 0)
		*out = ROLE_STAFF;
	else
		return (-1);
	return (0);
}

/*
 * CPUs this process may run on: its affinity mask (taskset, a cgroup's
 * cpuset, systemd's CPUAffinity=), not the machine's count, so that a
 * daemon given one core of eight starts one hashing worker, not eight
 * that would only queue on that core.
 */
static long
config_cpus(void)
{
	cpu_set_t	 set;

	CPU_ZERO(&set);
	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return (CPU_COUNT(&set));
	return (sysconf(_SC_NPROCESSORS_ONLN));
}

struct config *
config_new(enum config_role role)
{
	struct config	*c;
	long		 ncpu;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return (NULL);
	c->c_role = role;
	ncpu = config_cpus();
	if ((c->c_listen_host = strdup("127.0.0.1")) == NULL ||
	    (c->c_database = strdup(role == ROLE_STAFF ?
	    "dbname=meldpunt user=mp_staff" :
	    "dbname=meldpunt user=mp_public")) == NULL ||
	    (c->c_alert_sendmail = strdup("/usr/sbin/sendmail")) == NULL) {
		config_free(c);
		return (NULL);
	}
	c->c_listen_port = role == ROLE_STAFF ? 8444 : 8443;
	c->c_db_pool_size = 8;
	c->c_db_wait_ms = 2000;
	c->c_db_max_waiters = 256;
	c->c_db_statement_timeout_ms = 5000;
	c->c_workers = ncpu > 0 && ncpu < 64 ? (int)ncpu : 2;
	c->c_worker_queue = 64;
	c->c_worker_nice = 10;
	c->c_max_connections = 2048;
	c->c_header_max = 8192;
	c->c_body_max = 1048576;
	c->c_request_timeout_ms = 10000;
	c->c_idle_timeout_ms = 30000;
	c->c_write_timeout_ms = 10000;
	c->c_shutdown_grace_ms = 10000;
	c->c_log_level = LOG_LVL_INFO;
	c->c_syslog = 0;
	c->c_hsts_max_age = 63072000;
	c->c_session_idle_s = 900;
	c->c_session_absolute_s = 28800;
	c->c_login_fail_per_source = 20;
	c->c_receipt_argon2_m_kib = 19456;	/* OWASP, DESIGN §4 */
	c->c_receipt_argon2_t = 2;
	c->c_receipt_argon2_p = 1;
	c->c_reporter_session_ttl_s = 900;
	c->c_forms_refresh_s = 60;
	c->c_audit_chain_interval_ms = 1000;
	c->c_audit_checkpoint_events = 1000;
	c->c_audit_checkpoint_interval_s = 300;
	c->c_submission_keep_s = 86400;
	/* A few phone photos of letters or screenshots (docs/reporter-api.md). */
	c->c_attach_max_files = 5;
	c->c_attach_max_bytes = 10485760;
	c->c_alert_timeout_ms = 10000;
	c->c_alert_check_s = 60;
	/* docs/reporter-api.md "Proof of work": ~0.1 s on a phone at base. */
	c->c_pow_required = 1;
	c->c_pow_base_bits = 16;
	c->c_pow_max_bits = 28;
	c->c_pow_load_max_bits = 6;
	c->c_pow_source_free = 3;
	c->c_pow_source_per_bit = 2;
	c->c_pow_source_limit = 30;
	c->c_pow_ttl_s = 900;
	c->c_research_k = 10;
	c->c_research_epsilon = 1.0;
	return (c);
}

void
config_free(struct config *c)
{
	if (c == NULL)
		return;
	free(c->c_listen_host);
	free(c->c_tls_cert);
	free(c->c_tls_key);
	free(c->c_database);
	free(c->c_totp_seal_key);
	free(c->c_epoch_key_dir);
	free(c->c_insecure_test_clock_file);
	free(c->c_metrics_token_file);
	free(c->c_audit_chain_key);
	free(c->c_audit_checkpoint_key);
	free(c->c_audit_checkpoint_file);
	free(c->c_alert_command);
	free(c->c_alert_sendmail);
	free(c->c_alert_mail_to);
	free(c->c_alert_mail_from);
	free(c->c_web_root);
	free(c->c_console_root);
	free(c->c_receipt_lookup_key);
	free(c->c_contact_link_key);
	free(c->c_manifest_public_key);
	free(c->c_reporter_session_key);
	free(c->c_trust_file);
	free(c);
}

static char *
config_trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return (s);
}

static int
config_parse_num(const char *v, long long min, long long max, long long *out)
{
	char		*end;
	long long	 n;

	if (*v == '\0' || !(isdigit((unsigned char)*v) || *v == '-'))
		return (-1);
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return (-1);
	*out = n;
	return (0);
}

/* "host:port" or "[v6]:port"; the host must be a literal address. */
static int
config_parse_listen(struct config *c, const char *v, char *err, size_t errlen)
{
	const char	*colon, *hs, *he;
	long long	 port;
	char		*host;

	if (v[0] == '[') {
		hs = v + 1;
		if ((he = strchr(v, ']')) == NULL || he[1] != ':') {
			snprintf(err, errlen, "expected [address]:port");
			return (-1);
		}
		colon = he + 1;
	} else {
		hs = v;
		if ((colon = strrchr(v, ':')) == NULL || colon == v) {
			snprintf(err, errlen, "expected address:port");
			return (-1);
		}
		he = colon;
	}
	if (config_parse_num(colon + 1, 0, 65535, &port) == -1) {
		snprintf(err, errlen, "port must be 0..65535");
		return (-1);
	}
	if ((host = strndup(hs, he - hs)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	free(c->c_listen_host);
	c->c_listen_host = host;
	c->c_listen_port = (int)port;
	return (0);
}

static int
config_set(struct config *c, const struct ckey *k, const char *v, char *err,
    size_t errlen)
{
	char		*base = (char *)c;
	long long	 n;
	enum log_level	 lvl;
	char		*s;

	switch (k->k_kind) {
	case CK_LISTEN:
		return (config_parse_listen(c, v, err, errlen));
	case CK_STR:
		if (*v == '\0') {
			snprintf(err, errlen, "must not be empty");
			return (-1);
		}
		if ((s = strdup(v)) == NULL) {
			snprintf(err, errlen, "out of memory");
			return (-1);
		}
		free(*(char **)(base + k->k_off));
		*(char **)(base + k->k_off) = s;
		return (0);
	case CK_INT:
	case CK_SIZE:
		if (config_parse_num(v, k->k_min, k->k_max, &n) == -1) {
			snprintf(err, errlen, "must be an integer from %lld to %lld",
			    k->k_min, k->k_max);
			return (-1);
		}
		if (k->k_kind == CK_INT)
			*(int *)(base + k->k_off) = (int)n;
		else
			*(size_t *)(base + k->k_off) = (size_t)n;
		return (0);
	case CK_DOUBLE: {
		char	*end;
		double	 d;

		/* Plain decimals only: no sign, exponent, inf or nan. */
		errno = 0;
		d = strtod(v, &end);
		if (!isdigit((unsigned char)*v) || strpbrk(v, "eExXnN") ||
		    errno != 0 || *end != '\0' || d < (double)k->k_min ||
		    d > (double)k->k_max) {
			snprintf(err, errlen, "must be a decimal from %lld to %lld",
			    k->k_min, k->k_max);
			return (-1);
		}
		*(double *)(base + k->k_off) = d;
		return (0);
	}
	case CK_BOOL:
		if (strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
			*(int *)(base + k->k_off) = 1;
		else if (strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
			*(int *)(base + k->k_off) = 0;
		else {
			snprintf(err, errlen, "must be yes or no");
			return (-1);
		}
		return (0);
	case CK_LOGLEVEL:
		if (log_parse_level(v, &lvl) == -1) {
			snprintf(err, errlen, "must be warn, info or debug");
			return (-1);
		}
		*(int *)(base + k->k_off) = (int)lvl;
		return (0);
	}
	snprintf(err, errlen, "internal error");
	return (-1);
}

/*
 * One line.  section is -1 for top level, else the role the section names.
 * Keys of the other role's section are validated against a scratch config
 * so a typo there is caught even on the process that ignores it.
 */
static int
config_line(struct config *c, struct config *scratch, int section, char *line,
    char *why, size_t whylen, const char **keyname)
{
	char		*eq, *key, *val;
	size_t		 i;

	*keyname = "";
	if ((eq = strchr(line, '=')) == NULL) {
		snprintf(why, whylen, "expected key = value");
		return (-1);
	}
	*eq = '\0';
	key = config_trim(line);
	val = config_trim(eq + 1);
	/* Allow "quoted values" for conninfo strings with spaces. */
	if (val[0] == '"') {
		size_t	 l = strlen(val);

		if (l < 2 || val[l - 1] != '"') {
			snprintf(why, whylen, "unterminated quote");
			*keyname = key;
			return (-1);
		}
		val[l - 1] = '\0';
		val++;
	}
	*keyname = key;
	for (i = 0; i < sizeof(ckeys) / sizeof(ckeys[0]); i++) {
		if (strcmp(ckeys[i].k_name, key) != 0)
			continue;
		if (section == -1 || section == (int)c->c_role)
			return (config_set(c, &ckeys[i], val, why, whylen));
		return (config_set(scratch, &ckeys[i], val, why, whylen));
	}
	snprintf(why, whylen, "unknown key");
	return (-1);
}

int
config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	FILE		*fp;
	struct config	*scratch = NULL;
	char		 buf[2048], why[160], *line;
	const char	*key;
	int		 lineno = 0, section = -1, rc = -1;
	enum config_role r;

	if ((fp = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
		return (-1);
	}
	if ((scratch = config_new(c->c_role == ROLE_STAFF ? ROLE_PUBLIC :
	    ROLE_STAFF)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto done;
	}
	while (fgets(buf, sizeof(buf), fp) != NULL) {
		lineno++;
		if (strchr(buf, '\n') == NULL && !feof(fp)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			goto done;
		}
		line = config_trim(buf);
		if (*line == '\0' || *line == '#')
			continue;
		if (*line == '[') {
			size_t	 l = strlen(line);

			if (line[l - 1] != ']') {
				snprintf(err, errlen, "%s:%d: bad section header",
				    path, lineno);
				goto done;
			}
			line[l - 1] = '\0';
			if (config_parse_role(line + 1, &r) == -1) {
				snprintf(err, errlen, "%s:%d: unknown section "
				    "(expected [public] or [staff])", path, lineno);
				goto done;
			}
			section = (int)r;
			continue;
		}
		if (config_line(c, scratch, section, line, why, sizeof(why),
		    &key) == -1) {
			snprintf(err, errlen, "%s:%d: %s%s%s", path, lineno, key,
			    *key ? ": " : "", why);
			goto done;
		}
	}
	if (ferror(fp)) {
		snprintf(err, errlen, "%s: read error", path);
		goto done;
	}
	rc = 0;
 done:
	config_free(scratch);
	fclose(fp);
	return (rc);
}

/*
 * Receipt Argon2id parameters must be ones the fast path computes
 * (secret_kdf_config_error()): every submission and receipt login costs
 * one such hash, so a cost only the slow reference could compute is
 * refused here rather than quietly halving the public side's capacity.
 */
static int
config_check_kdf(const struct config *c, char *err, size_t errlen)
{
	struct secret_kdf	 k;
	const char		*why;

	k.k_m_kib = (uint32_t)c->c_receipt_argon2_m_kib;
	k.k_t = (uint32_t)c->c_receipt_argon2_t;
	k.k_p = (uint32_t)c->c_receipt_argon2_p;
	if ((why = secret_kdf_config_error(&k)) == NULL)
		return (0);
	snprintf(err, errlen, "receipt_argon2_%s: %s", k.k_p != 1 ? "p" :
	    k.k_t < 1 || k.k_t > SECRET_KDF_T_MAX ? "t" : "m_kib", why);
	return (-1);
}

/*
 * The operator's trust content (forms/trust.h), read and checked whole
 * here so that a mistake stops start-up (and --check) with the member at
 * fault named; public_init() reads it again to serve it.
 */
static int
config_check_trust(const struct config *c, char *err, size_t errlen)
{
	struct trust	*t;
	char		 why[CONFIG_ERRLEN];

	if (c->c_role != ROLE_PUBLIC || c->c_trust_file == NULL)
		return (0);
	if ((t = trust_load(c->c_trust_file, why, sizeof(why))) == NULL) {
		snprintf(err, errlen, "trust_file: %s", why);
		return (-1);
	}
	trust_free(t);
	return (0);
}

int
config_check(const struct config *c, char *err, size_t errlen)
{
	struct stat	 st;

	if (config_check_kdf(c, err, errlen) == -1)
		return (-1);
	if (c->c_pow_max_bits < c->c_pow_base_bits) {
		snprintf(err, errlen, "pow_max_bits: below pow_base_bits");
		return (-1);
	}
	if (c->c_tls_cert == NULL) {
		snprintf(err, errlen, "tls_cert: required");
		return (-1);
	}
	if (c->c_tls_key == NULL) {
		snprintf(err, errlen, "tls_key: required");
		return (-1);
	}
	if (access(c->c_tls_cert, R_OK) == -1) {
		snprintf(err, errlen, "tls_cert: %s: %s", c->c_tls_cert,
		    strerror(errno));
		return (-1);
	}
	if (stat(c->c_tls_key, &st) == -1 || access(c->c_tls_key, R_OK) == -1) {
		snprintf(err, errlen, "tls_key: %s: %s", c->c_tls_key,
		    strerror(errno));
		return (-1);
	}
	/* A private key readable by others is a leak waiting to happen. */
	if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		snprintf(err, errlen, "tls_key: %s: group- or world-accessible "
		    "(chmod 0600)", c->c_tls_key);
		return (-1);
	}
	if (c->c_web_root != NULL && (stat(c->c_web_root, &st) == -1 ||
	    !S_ISDIR(st.st_mode))) {
		snprintf(err, errlen, "web_root: %s: not a directory",
		    c->c_web_root);
		return (-1);
	}
	if (c->c_console_root != NULL && (stat(c->c_console_root, &st) ==
	    -1 || !S_ISDIR(st.st_mode))) {
		snprintf(err, errlen, "console_root: %s: not a directory",
		    c->c_console_root);
		return (-1);
	}
	return (config_check_trust(c, err, errlen));
}
