/*
 * `meldctl case purge` (issue 11): delete cases for good.  Each case goes
 * in its own transaction through casework.purge_case(), which deletes the
 * case key first and audits `case.purge` as admin:<actor>.  The rows left
 * behind in dead tuples, WAL and backups need the case key, whose wraps in
 * those copies need epoch keys that `meldctl epoch rotate` destroys once
 * the backup window has passed (docs/schema.md "Retention").  Case ids
 * come from the command line or, one per line, from standard input; a
 * progress bar shows on a terminal.  Ids are never printed.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "admin/db.h"
#include "admin/meldctl.h"
#include "admin/retention.h"
#include "admin/staffadm.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "crypto/staffcred.h"

const char case_usage[] = "case purge [--contact-link-key FILE] "
    "(CASE-ID... | -)";
const char case_help[] =
    "  case purge [--contact-link-key FILE] CASE-ID...\n"
    "  case purge [--contact-link-key FILE] -    (ids from stdin, one a line)\n"
    "      Delete each case: its case key first, then its wraps, receipt,\n"
    "      envelope, messages, notes, referrals, transitions and the case\n"
    "      row, one transaction per case, each audited as case.purge.\n"
    "      Statistics counters stay.  With the contact-link key file the\n"
    "      contact row is deleted too; without it the row stays until\n"
    "      retention, unreadable: its outer layer needs the deleted case\n"
    "      key.  Copies made before the purge (dumps, base backups, WAL)\n"
    "      become unreadable once `meldctl epoch rotate` has destroyed the\n"
    "      epochs they were wrapped under, i.e. one epoch plus the backup\n"
    "      window after the purge.  The reporter's receipt stops working\n"
    "      at once.  Prints counts, never ids.\n"
    "Exit codes: 0 all purged, 64 usage or a malformed id, 65 some ids\n"
    "were not found, 69 database unreachable, 78 key file.\n";

static int
usage(void)
{
	fprintf(stderr, "usage: meldctl [-d CONNINFO] %s\n%s", case_usage,
	    case_help);
	return (EX_USAGE);
}

/* A canonical lowercase UUID, or -1. */
static int
id_parse(const char *in, char out[37], unsigned char raw[16])
{
	size_t	 i, n = strlen(in);

	while (n > 0 && isspace((unsigned char)in[n - 1]))
		n--;
	if (n != 36)
		return (-1);
	for (i = 0; i < 36; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[36] = '\0';
	return (staffcred_uuid_parse(out, raw));
}

/* One case; 1 purged, 0 not found, -1 error. */
static int
purge_one(PGconn *conn, const char *id, const unsigned char raw[16],
    const struct secret *link_key)
{
	unsigned char	 link[32];
	unsigned int	 maclen = sizeof(link);
	char		*hex = NULL;
	const char	*p[3];
	PGresult	*res;
	int		 rc;

	if (link_key != NULL) {
		if (HMAC(EVP_sha256(), link_key->s_buf, link_key->s_len, raw,
		    16, link, &maclen) == NULL ||
		    (hex = keys_hexlit(link, sizeof(link))) == NULL)
			return (-1);
		OPENSSL_cleanse(link, sizeof(link));
	}
	p[0] = keys_actor();
	p[1] = id;
	p[2] = hex;
	res = keys_exec(conn, "SELECT casework.purge_case($1, $2::uuid, "
	    "$3::bytea)", 3, p);
	if (!keys_ok(res))
		rc = -1;
	else
		rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? 1 : 0;
	PQclear(res);
	if (hex != NULL)
		OPENSSL_clear_free(hex, strlen(hex));
	return (rc);
}

/* Ids from argv or stdin into a malloc'd array of canonical strings. */
static int
collect(int argc, char **argv, int from, char (**ids)[37], size_t *n)
{
	char		 line[256], id[37];
	unsigned char	 raw[16];
	size_t		 cap = 0;
	int		 i, use_stdin = from < argc && strcmp(argv[from], "-") == 0;
	void		*nb;

	*n = 0;
	*ids = NULL;
	for (i = from; ; i++) {
		const char *s;

		if (use_stdin) {
			if (fgets(line, sizeof(line), stdin) == NULL)
				break;
			if (line[0] == '\n' || line[0] == '#')
				continue;
			s = line;
		} else if (i < argc)
			s = argv[i];
		else
			break;
		if (id_parse(s, id, raw) == -1) {
			fprintf(stderr, "meldctl: case purge: item %zu is not "
			    "a case id\n", *n + 1);
			return (-1);
		}
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((nb = realloc(*ids, cap * sizeof(**ids))) == NULL)
				return (-1);
			*ids = nb;
		}
		memcpy((*ids)[(*n)++], id, sizeof(id));
	}
	return (*n > 0 ? 0 : -1);
}

static int
case_purge(struct meldctl_opts *o, int argc, char **argv)
{
	struct secret	*link_key = NULL;
	char		 (*ids)[37] = NULL, err[512];
	unsigned char	 raw[16];
	size_t		 n, i, purged = 0, missing = 0;
	PGconn		*conn = NULL;
	int		 from = 2, rc = EX_USAGE, r;

	if (argc > 3 && strcmp(argv[2], "--contact-link-key") == 0) {
		if ((link_key = keyfile_read(argv[3], KEYFILE_CONTACT_LINK,
		    KEYFILE_SECRET, 32, 1, err, sizeof(err))) == NULL) {
			fprintf(stderr, "meldctl: %s\n", err);
			return (EX_CONFIG);
		}
		from = 4;
	}
	if (from >= argc || (argv[from][0] == '-' && argv[from][1] != '\0')) {
		secret_free(link_key);
		return (usage());
	}
	if (collect(argc, argv, from, &ids, &n) == -1)
		goto done;
	if ((conn = adb_connect(o->mo_conninfo, stderr)) == NULL) {
		rc = EX_UNAVAILABLE;
		goto done;
	}
	for (i = 0; i < n; i++) {
		(void)staffcred_uuid_parse(ids[i], raw);
		if ((r = purge_one(conn, ids[i], raw, link_key)) == -1) {
			fprintf(stderr, "\nmeldctl: case purge stopped after "
			    "%zu of %zu; run again with the rest\n", i, n);
			rc = EX_UNAVAILABLE;
			goto done;
		}
		if (r == 1)
			purged++;
		else
			missing++;
		keys_progress("purging cases", i + 1, n);
	}
	printf("purged %zu case%s", purged, purged == 1 ? "" : "s");
	if (missing > 0)
		printf(", %zu not found (already purged?)", missing);
	printf("\n");
	rc = missing > 0 ? EX_DATAERR : EX_OK;
 done:
	PQfinish(conn);
	free(ids);
	secret_free(link_key);
	return (rc);
}

int
case_cmd(struct meldctl_opts *o, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "purge") == 0)
		return (case_purge(o, argc, argv));
	return (usage());
}
