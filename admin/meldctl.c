/*
 * meldctl: the administrator's command-line tool.  This file holds main(),
 * the global options and the dispatch table; each command group is a
 * small function here calling into its module (migrate.c, audit.c), so
 * that the modules stay callable from the tests, which link every admin
 * object except this one.  Exit codes follow sysexits(3).  Nothing here
 * prints SQL parameters or server error text of statements that could
 * carry secrets.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "crypto/secret.h"
#include "admin/audit.h"
#include "admin/db.h"
#include "admin/doctor.h"
#include "admin/init.h"
#include "admin/meldctl.h"
#include "admin/migrate.h"
#include "admin/retention.h"
#include "admin/staffadm.h"
#include "admin/stats.h"

struct command {
	const char	*c_name;
	int		(*c_run)(struct meldctl_opts *, int, char **);
	const char	*c_usage;
	const char	*c_help;
};

static int	cmd_migrate(struct meldctl_opts *, int, char **);
static int	cmd_help(struct meldctl_opts *, int, char **);

static const struct command commands[] = {
	{ "migrate", cmd_migrate, "migrate [--schema-dir DIR]",
	  "Apply pending schema migrations in order, each in one transaction.\n"
	  "Run as a PostgreSQL superuser: the first migration creates the\n"
	  "cluster roles mp_owner, mp_public, mp_staff, mp_research, mp_admin.\n"
	  "Applied files are checked by SHA-256; a changed applied file or a\n"
	  "database newer than these files is refused.\n"
	  "  --schema-dir DIR  migrations to apply (default: ./schema when\n"
	  "                    present, else " MELDPUNT_SCHEMA_DIR ")\n" },
	{ "audit", audit_command, "audit verify [--keys DIR] [--key FILE] "
	  "[--checkpoints FILE [--checkpoint-pub FILE]]",
	  "Verify the audit log.  Chained events are walked in chain order and\n"
	  "every link recomputed with the audit chain key (HMAC-SHA256; the\n"
	  "key is a file on the staff host, not in the database), so a changed,\n"
	  "moved or removed chained event is found even when a superuser\n"
	  "rewrote the stored links -- except the newest events removed\n"
	  "together with a rewritten head.  Events not chained yet are counted\n"
	  "(\"pending\") with their age: they are recorded but not protected\n"
	  "until the staff process chains them, normally within a second.\n"
	  "With --checkpoints, every signed checkpoint line of FILE (the staff\n"
	  "host's audit_checkpoint_file, or journal output holding such lines)\n"
	  "is checked against the checkpoint public key and against the chain:\n"
	  "this proves that no event up to the newest checkpoint was changed,\n"
	  "removed or reordered, even with the newest events deleted and the\n"
	  "head rewritten, and says how many events are newer than it (those\n"
	  "are covered by the key alone).  Exit 0 ok, 65 (EX_DATAERR) history\n"
	  "changed (the first bad position is named), 66 (EX_NOINPUT) a key or\n"
	  "file missing or the database unreadable.  Needs SELECT on the audit\n"
	  "tables (mp_admin).\n"
	  "  --keys DIR            where audit-chain.key and audit-checkpoint.pub\n"
	  "                        are (default " INIT_KEYS_DIR ")\n"
	  "  --key FILE            the audit chain key (kind audit-chain)\n"
	  "  --checkpoints FILE    checkpoint lines to compare against\n"
	  "  --checkpoint-pub FILE the checkpoint public key (audit-checkpoint)\n" },
	{ "stats", stats_command, "stats export|annual|budget [...]",
	  "stats export --group DIMS --from YYYY-MM --to YYYY-MM [...]\n"
	  "Export report counts with disclosure control, exactly as\n"
	  "GET /v1/research/stats does: cells and totals with 0 < n < k\n"
	  "withheld, complementary suppression, two-sided geometric noise\n"
	  "(epsilon) debited from the budget of cli:<actor> for the current\n"
	  "period; audited as admin:<actor>.  Connect as mp_research\n"
	  "(-d \"user=mp_research\").\n"
	  "  --group DIMS     any of month|quarter|year, category, subtype,\n"
	  "                   province, ground, sector, outcome (comma list)\n"
	  "  --from, --to     period, YYYY-MM (inclusive)\n"
	  "  --format F       csv (default, RFC 4180), json or svg\n"
	  "  --k K            minimum cell size, 5..1000 (default 10)\n"
	  "  --epsilon E      0.01..10 (default 1); 0 = no noise, refused\n"
	  "                   unless allowed for the actor (stats budget)\n"
	  "  --lang L         nl or en: labels of the SVG chart (default en)\n"
	  "  --actor NAME     recorded as admin:NAME (default $SUDO_USER,\n"
	  "                   else the account name, else meldctl)\n"
	  "  -o FILE          write there instead of stdout\n"
	  "\n"
	  "stats annual --year YYYY [--k K] [--epsilon E] [--lang nl|en]\n"
	  "             [--actor NAME] [-o CSVFILE] [--html FILE]\n"
	  "The yearly figures per category (received, acknowledged within 7\n"
	  "days, first contact within 7 days, feedback within 3 months,\n"
	  "referrals by organisation type, closed by outcome) with the same\n"
	  "disclosure control, as CSV and an optional one-page HTML summary.\n"
	  "Epsilon defaults to 0: allowed only for actors an administrator\n"
	  "allowed exact counts.  Connect as mp_research.\n"
	  "\n"
	  "stats budget [TARGET [SETTINGS]] [--actor NAME]\n"
	  "Show every budget policy and where each researcher stands; with a\n"
	  "target, set its policy first (audited as admin:NAME).  Connect as\n"
	  "mp_admin.  The default is 10 per calendar year, noise required.\n"
	  "  --researcher USER | --operator NAME | --default   the target\n"
	  "  --epsilon B      budget per period, 0..1000\n"
	  "  --period P       year, quarter or month (renews on its first day)\n"
	  "  --allow-exact    allow epsilon 0 (exact counts) for the target\n"
	  "  --require-noise  refuse epsilon 0 again\n" },
	{ "user", users_cmd, users_usage, users_help },
	{ "queue", queues_cmd, queues_usage, queues_help },
	{ "officer", officers_cmd, officers_usage, officers_help },
	{ "route", routes_cmd, routes_usage, routes_help },
	{ "keys", keys_cmd, keys_usage, keys_help },
	{ "epoch", epoch_cmd, epoch_usage, epoch_help },
	{ "case", case_cmd, case_usage, case_help },
	{ "contact", contact_cmd, contact_usage, contact_help },
	{ "retention", retention_cmd, retention_usage, retention_help },
	{ "init", init_command, "init [--keys DIR]",
	  "Create what a new installation needs, once: key files in DIR\n"
	  "(default " INIT_KEYS_DIR "): receipt-lookup.key, contact-link.key,\n"
	  "totp-seal.key, metrics.token, identity.key/.pub, recovery.key/.pub\n"
	  "and manifest-signing.key/.pub (move recovery.key and\n"
	  "manifest-signing.key OFF the machine after signing the first\n"
	  "manifest with meldctl keys sign), epoch/epoch-1.key (the first\n"
	  "retention epoch, see meldctl help epoch); the default queues with\n"
	  "their keys (private halves only wrapped to the recovery key), the\n"
	  "default routing rules and the public keys in the database.\n"
	  "Existing files are checked and kept, never overwritten; a second\n"
	  "run changes nothing and says so.  Prints the owner and mode each\n"
	  "file needs.  Connect as mp_admin or a superuser.\n" },
	{ "doctor", doctor_command, doctor_usage, doctor_help },
	{ "help", cmd_help, "help [COMMAND]",
	  "Show the commands, or the help of one command.\n" },
	{ NULL, NULL, NULL, NULL }
};

static void
usage(FILE *fp)
{
	const struct command	*c;

	fprintf(fp, "usage: meldctl [-d CONNINFO] COMMAND [ARGS]\n"
	    "  -d CONNINFO  libpq connection string (default: $MELDCTL_DB,\n"
	    "               else the PG* environment)\n"
	    "commands:\n");
	for (c = commands; c->c_name != NULL; c++)
		fprintf(fp, "  meldctl %s\n", c->c_usage);
	fprintf(fp, "See meldctl help COMMAND, and meldctl(8).\n");
}

static const struct command *
find_command(const char *name)
{
	const struct command	*c;

	/* The group was called "key" before it could sign manifests. */
	if (strcmp(name, "key") == 0)
		name = "keys";
	for (c = commands; c->c_name != NULL; c++)
		if (strcmp(c->c_name, name) == 0)
			return (c);
	return (NULL);
}

static void
command_help(FILE *fp, const struct command *c)
{
	fprintf(fp, "usage: meldctl [-d CONNINFO] %s\n\n%s", c->c_usage,
	    c->c_help);
}

static int
is_help(const char *arg)
{
	return (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0);
}

static int
cmd_help(struct meldctl_opts *o, int argc, char **argv)
{
	const struct command	*c;

	(void)o;
	if (argc < 2) {
		usage(stdout);
		return (EX_OK);
	}
	if ((c = find_command(argv[1])) == NULL) {
		fprintf(stderr, "meldctl: no such command: %s\n", argv[1]);
		return (EX_USAGE);
	}
	command_help(stdout, c);
	return (EX_OK);
}

static int
cmd_migrate(struct meldctl_opts *o, int argc, char **argv)
{
	const char	*dir = NULL;
	PGconn		*conn;
	int		 i, rc;

	for (i = 1; i < argc; i++) {
		if (is_help(argv[i])) {
			command_help(stdout, find_command("migrate"));
			return (EX_OK);
		} else if (strcmp(argv[i], "--schema-dir") == 0 &&
		    i + 1 < argc)
			dir = argv[++i];
		else if (strncmp(argv[i], "--schema-dir=", 13) == 0)
			dir = argv[i] + 13;
		else {
			command_help(stderr, find_command("migrate"));
			return (EX_USAGE);
		}
	}
	if (dir == NULL)
		dir = migrate_default_dir();
	if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL)
		return (EX_UNAVAILABLE);
	rc = migrate_apply(conn, dir, stderr, NULL);
	PQfinish(conn);
	return (rc);
}

int
main(int argc, char *argv[])
{
	static const struct option	 longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct meldctl_opts		 o;
	const struct command		*c;
	int				 ch;

	memset(&o, 0, sizeof(o));
	/* libsodium picks its Argon2 code (user add, reset-password). */
	if (secret_init() == -1) {
		fprintf(stderr, "meldctl: libsodium cannot initialise\n");
		return (EX_SOFTWARE);
	}
	/* "+": stop at the command name; its options are its own. */
	while ((ch = getopt_long(argc, argv, "+d:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			o.mo_conninfo = optarg;
			break;
		case 'h':
			usage(stdout);
			return (EX_OK);
		default:
			usage(stderr);
			return (EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage(stderr);
		return (EX_USAGE);
	}
	if ((c = find_command(argv[0])) == NULL) {
		fprintf(stderr, "meldctl: no such command: %s\n", argv[0]);
		usage(stderr);
		return (EX_USAGE);
	}
	return (c->c_run(&o, argc, argv));
}
