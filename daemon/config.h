/*
 * meldpuntd's configuration file: `key = value` lines, `#` comments, and
 * optional `[public]` / `[staff]` sections whose keys override the
 * top-level ones for that role only.  Every key has a safe default; an
 * unknown key or a bad value is reported as one line naming the file, the
 * line, the key and the reason, and the daemon exits with EX_CONFIG (78).
 */
#ifndef MELDPUNT_CONFIG_H
#define MELDPUNT_CONFIG_H

#include <stddef.h>

#define CONFIG_ERRLEN	256

enum config_role {
	ROLE_PUBLIC = 0,
	ROLE_STAFF = 1,
};

struct config {
	enum config_role c_role;
	char	*c_listen_host;		/* "127.0.0.1" */
	int	 c_listen_port;
	char	*c_tls_cert;		/* PEM file */
	char	*c_tls_key;		/* PEM file, mode 0600 */
	char	*c_database;		/* libpq conninfo */
	int	 c_db_pool_size;
	int	 c_db_wait_ms;
	int	 c_db_max_waiters;
	int	 c_db_statement_timeout_ms;
	int	 c_workers;
	int	 c_worker_queue;
	int	 c_worker_nice;		/* workers this much nicer */
	int	 c_max_connections;
	size_t	 c_header_max;		/* bytes of request line + headers */
	size_t	 c_body_max;		/* bytes of request body */
	int	 c_request_timeout_ms;	/* total, first byte to last */
	int	 c_idle_timeout_ms;	/* keep-alive wait for the next request */
	int	 c_write_timeout_ms;
	int	 c_shutdown_grace_ms;
	int	 c_log_level;		/* enum log_level */
	int	 c_syslog;
	int	 c_hsts_max_age;
	int	 c_proxy_protocol;	/* PROXY v2 header from a balancer */
	int	 c_reuse_port;		/* SO_REUSEPORT: N processes, one port */
	/* Staff role (issue 6; docs/staff-api.md). */
	char	*c_totp_seal_key;	/* key file "totp-seal", mode 0600 */
	char	*c_epoch_key_dir;	/* epoch-<n>.key files (staff) */
	int	 c_session_idle_s;	/* staff session idle expiry */
	int	 c_session_absolute_s;	/* staff session absolute expiry */
	int	 c_login_fail_per_source; /* failed logins per source / 15 min */
	char	*c_insecure_test_clock_file; /* tests only: clock offset file */
	char	*c_metrics_token_file;	/* bearer token for /metrics; unset: off */
	char	*c_audit_chain_key;	/* key file "audit-chain"; unset: no chainer */
	char	*c_audit_checkpoint_key; /* key file "audit-checkpoint" (private) */
	char	*c_audit_checkpoint_file; /* append-only checkpoint log */
	int	 c_audit_chain_interval_ms; /* chainer tick */
	int	 c_audit_checkpoint_events; /* sign at least every N events */
	int	 c_audit_checkpoint_interval_s; /* ... or every M seconds */
	/* Urgent alerts (issue 17 item 2; daemon/alert.c). */
	char	*c_alert_command;	/* hook argv, blank-separated; NULL: off */
	char	*c_alert_sendmail;	/* MTA client argv (sendmail interface) */
	char	*c_alert_mail_to;	/* recipients; NULL: no mail */
	char	*c_alert_mail_from;	/* envelope and From:; NULL: the MTA's */
	int	 c_alert_timeout_ms;	/* a hook or mail program's run time */
	int	 c_alert_check_s;	/* periodic check besides NOTIFY */
	char	*c_web_root;		/* static web client; NULL = none (public) */
	char	*c_console_root;	/* staff console; NULL = none (staff) */
	/* Public role (issue 5; docs/reporter-api.md). */
	char	*c_receipt_lookup_key;	/* key file "receipt-lookup", 0600 */
	char	*c_contact_link_key;	/* key file "contact-link", 0600 */
	char	*c_manifest_public_key;	/* "manifest-signing" public file */
	int	 c_receipt_argon2_m_kib; /* Argon2id of new receipts */
	int	 c_receipt_argon2_t;
	int	 c_receipt_argon2_p;
	char	*c_reporter_session_key;	/* shared by public processes */
	int	 c_reporter_session_ttl_s; /* reporter session lifetime */
	int	 c_forms_refresh_s;	/* re-read the published keys */
	int	 c_submission_keep_s;	/* idempotency records live */
	int	 c_attach_max_files;	/* attachments per report; 0: off */
	size_t	 c_attach_max_bytes;	/* largest file before padding */
	/* Proof of work for submissions (issue 17; daemon/pow.h). */
	int	 c_pow_required;	/* POST /v1/reports needs a solution */
	int	 c_pow_base_bits;	/* every challenge */
	int	 c_pow_max_bits;	/* no challenge harder */
	int	 c_pow_load_max_bits;	/* most that queue load adds */
	int	 c_pow_source_free;	/* challenges per source adding 0 */
	int	 c_pow_source_per_bit;	/* then one bit per this many */
	int	 c_pow_source_limit;	/* then 429 (score, 15 min half-life) */
	int	 c_pow_ttl_s;		/* challenge lifetime */
	/* Research exports (issue 7; docs/research.md). */
	int	 c_research_k;		/* minimum k, >= 5 */
	double	 c_research_epsilon;	/* default epsilon; 0 = no noise */
	/* Trust content per language (issue 17; forms/trust.h). */
	char	*c_trust_file;		/* JSON; NULL = compiled-in defaults */
};

/* Defaults for role; strings are heap copies owned by the config. */
struct config	*config_new(enum config_role role);
void		 config_free(struct config *c);
/*
 * Read path into c (keys of other roles' sections are checked but not
 * applied).  On error returns -1 and writes one line into err.
 */
int		 config_load(struct config *c, const char *path, char *err,
		    size_t errlen);
/* Check cross-key constraints after loading (files readable etc.). */
int		 config_check(const struct config *c, char *err, size_t errlen);
const char	*config_role_name(enum config_role role);
int		 config_parse_role(const char *s, enum config_role *out);

#endif
