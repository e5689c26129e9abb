/*
 * Both daemons over one database for end-to-end tests (see tstack.h).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <ftw.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "admin/init.h"
#include "crypto/keyfile.h"
#include "crypto/secret.h"
#include "tests/lib/tclient.h"
#include "tests/lib/tstack.h"
#include "tests/lib/testdb.h"

static int	tstack_seq;

char *
tstack_meldctl(struct tstack *t, const char *input, int want,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 args[2048], cmd[4096], *out;
	FILE	*fp;
	size_t	 len;
	int	 st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	if (input != NULL)
		snprintf(cmd, sizeof(cmd), "printf '%%s\\n' '%s' | "
		    "%s/meldctl -d '%s' %s 2>&1", input,
		    getenv("MELDPUNT_BUILD"), t->admin_ci, args);
	else
		snprintf(cmd, sizeof(cmd), "%s/meldctl -d '%s' %s </dev/null "
		    "2>&1", getenv("MELDPUNT_BUILD"), t->admin_ci, args);
	cr_assert_not_null(fp = popen(cmd, "r"));
	cr_assert_not_null(out = calloc(1, 65536));
	len = fread(out, 1, 65535, fp);
	out[len] = '\0';
	st = pclose(fp);
	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	cr_assert_eq(st, want, "meldctl %s: exit %d: %s", args, st, out);
	return (out);
}

void
tstack_start(struct tstack *t, const char *staff_extra)
{
	tstack_start_with(t, NULL, staff_extra);
}

void
tstack_keys(struct tstack *t)
{
	/* The real binary, as an operator would run it (it writes the
	 * totp-seal key too). */
	free(tstack_meldctl(t, NULL, 0, "init --keys '%s'", t->keys));
	/* As an operator would: the first manifest, then pin its key. */
	free(tstack_meldctl(t, NULL, 0, "keys sign --signing-key '%s/%s'",
	    t->keys, INIT_F_MANIFEST));
}

void
tstack_public_conf(const struct tstack *t, const char *extra, char *buf,
    size_t cap)
{
	snprintf(buf, cap, "receipt_lookup_key = %s/%s\n"
	    "contact_link_key = %s/%s\nmanifest_public_key = %s/%s\n"
	    "receipt_argon2_m_kib = 8192\nreceipt_argon2_t = 1\nworkers = 2\n"
	    "%s", t->keys, INIT_F_LOOKUP, t->keys, INIT_F_LINK, t->keys,
	    INIT_F_MANIFEST_PUB, extra != NULL ? extra : "");
}

void
tstack_staff_conf(const struct tstack *t, const char *extra, char *buf,
    size_t cap)
{
	snprintf(buf, cap, "totp_seal_key = %s\n"
	    "epoch_key_dir = %s/epoch\n%s", t->seal, t->keys,
	    extra != NULL ? extra : "");
}

void
tstack_start_with(struct tstack *t, const char *pub_extra,
    const char *staff_extra)
{
	char		 conf[4096];
	struct tcl_resp	 r;
	int		 i;

	memset(t, 0, sizeof(*t));
	cr_assert_not_null(t->db = testdb_create());
	snprintf(t->dir, sizeof(t->dir), "%s/stack-%d-%d",
	    getenv("MELDPUNT_TEST_TMP"), (int)getpid(), ++tstack_seq);
	cr_assert_eq(mkdir(t->dir, 0700), 0);
	snprintf(t->keys, sizeof(t->keys), "%s/keys", t->dir);
	snprintf(t->seal, sizeof(t->seal), "%s/%s", t->keys, INIT_F_TOTP_SEAL);
	snprintf(t->admin_ci, sizeof(t->admin_ci), "%s",
	    tdaemon_conninfo(t->db, "mp_admin"));
	tstack_keys(t);
	tstack_public_conf(t, pub_extra, conf, sizeof(conf));
	cr_assert_eq(tdaemon_start(&t->pub, "public", tdaemon_conninfo(t->db,
	    "mp_public"), conf), 0, "public meldpuntd did not start (%s)",
	    t->pub.log);
	t->pub_up = 1;
	tstack_staff_conf(t, staff_extra, conf, sizeof(conf));
	cr_assert_eq(tdaemon_start(&t->staff, "staff", tdaemon_conninfo(t->db,
	    "mp_staff"), conf), 0, "staff meldpuntd did not start (%s)",
	    t->staff.log);
	t->staff_up = 1;
	/* The public side answers 503 until it has loaded the queue keys. */
	for (i = 0; i < 100; i++) {
		cr_assert_eq(tcl_request(t->pub.port, "GET", "/v1/forms?lang=en",
		    NULL, NULL, &r), 0);
		if (r.status == 200)
			break;
		tcl_resp_clear(&r);
		usleep(100000);
	}
	cr_assert_eq(r.status, 200, "forms never became ready: %s", r.body);
	tcl_resp_clear(&r);
}

void
tstack_stop(struct tstack *t)
{
	int	st;

	if (t->staff_up) {
		t->staff_up = 0;
		st = tdaemon_stop(&t->staff);
		cr_expect_eq(st, 0, "staff meldpuntd exit %d", st);
	}
	if (t->pub_up) {
		t->pub_up = 0;
		st = tdaemon_stop(&t->pub);
		cr_expect_eq(st, 0, "public meldpuntd exit %d", st);
	}
	testdb_drop(t->db);
	free(t->db);
	t->db = NULL;
}

void
tstack_totp_secret(char *out, unsigned char totp[TOTP_SECRET_LEN])
{
	char	*p;
	size_t	 n;

	cr_assert_not_null(p = strstr(out, "totp-secret: "), "%s", out);
	p += 13;
	p[strcspn(p, "\n")] = '\0';
	cr_assert_eq(totp_base32_decode(p, strlen(p), totp, TOTP_SECRET_LEN,
	    &n), 0);
	cr_assert_eq(n, TOTP_SECRET_LEN);
}

void
tstack_add_user(struct tstack *t, struct tstack_user *u, const char *name,
    const char *kind, const char *password, const char *queue)
{
	char	*out;

	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->password, sizeof(u->password), "%s", password);
	/* The first sign-in steps (schema 0251) have tests of their own. */
	out = tstack_meldctl(t, password, 0, "user add --kind %s "
	    "--no-forced-change --password-stdin --argon2 8192,1,1 "
	    "--totp-seal-key '%s' %s",
	    kind, t->seal, name);
	tstack_totp_secret(out, u->totp);
	free(out);
	if (queue != NULL)
		free(tstack_meldctl(t, NULL, 0, "queue members add %s %s "
		    "--recovery-key '%s/%s'", queue, name, t->keys,
		    INIT_F_RECOVERY));
}

void
tstack_code(const struct tstack_user *u, time_t at, char code[8])
{
	cr_assert_eq(totp_code(u->totp, sizeof(u->totp), at, 6, code), 0);
}

int
tstack_login(struct tstack *t, struct tstack_user *u, const char *password,
    const char *code)
{
	json_t	*j = NULL, *body;
	char	*b;
	int	 st;

	body = json_pack("{s:s,s:s,s:s}", "username", u->name, "password",
	    password, "totp", code);
	cr_assert_not_null(b = json_dumps(body, JSON_COMPACT));
	json_decref(body);
	st = tstack_req(t, 1, "POST", "/v1/staff/session", NULL, b, &j);
	free(b);
	if (st == 201) {
		cr_assert_not_null(j);
		snprintf(u->token, sizeof(u->token), "%s",
		    json_string_value(json_object_get(j, "token")));
	}
	json_decref(j);
	return (st);
}

int
tstack_req(struct tstack *t, int staff, const char *method,
    const char *path, const char *token, const char *body, json_t **out)
{
	return (tstack_req_port(staff ? t->staff.port : t->pub.port, method,
	    path, token, body, out));
}

int
tstack_req_port(int port, const char *method, const char *path,
    const char *token, const char *body, json_t **out)
{
	struct tcl_resp	 r;
	char		 hdr[512];
	json_error_t	 jerr;
	int		 st;

	snprintf(hdr, sizeof(hdr), "%s%s%s%s", token ? "Authorization: "
	    "Bearer " : "", token ? token : "", token ? "\r\n" : "",
	    body ? "Content-Type: application/json\r\n" : "");
	cr_assert_eq(tcl_request(port, method, path, hdr, body, &r), 0);
	st = r.status;
	if (out != NULL)
		*out = json_loads(r.body, 0, &jerr);
	tcl_resp_clear(&r);
	return (st);
}

/* tstack_dir_contains(): nftw has no user pointer, so the needle is here. */
static const unsigned char	*scan_needle;
static size_t			 scan_len;
static int			 scan_found;

static int
scan_file(const char *path, const struct stat *st, int type, struct FTW *f)
{
	unsigned char	*buf;
	FILE		*fp;
	size_t		 n;

	(void)f;
	if (type != FTW_F || st->st_size <= 0 || scan_found)
		return (0);
	if ((fp = fopen(path, "rb")) == NULL)
		return (0);
	if ((buf = malloc((size_t)st->st_size)) != NULL) {
		n = fread(buf, 1, (size_t)st->st_size, fp);
		scan_found = memmem(buf, n, scan_needle, scan_len) != NULL;
		free(buf);
	}
	fclose(fp);
	return (0);
}

int
tstack_dir_contains(const char *dir, const void *b, size_t n)
{
	scan_needle = b;
	scan_len = n;
	scan_found = 0;
	cr_assert_eq(nftw(dir, scan_file, 16, FTW_PHYS), 0, "%s", dir);
	return (scan_found);
}

int
tstack_file_contains(const char *path, const char *s)
{
	struct stat	 st;

	cr_assert_eq(stat(path, &st), 0, "%s", path);
	scan_needle = (const unsigned char *)s;
	scan_len = strlen(s);
	scan_found = 0;
	(void)scan_file(path, &st, FTW_F, NULL);
	return (scan_found);
}
