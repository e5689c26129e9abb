/*
 * Key files (crypto/keyfile.c, docs/crypto.md §7): round trip, exact
 * modes, refusal of exposed private files, of the wrong kind or class,
 * of trailing bytes and bad base64, and never overwriting a key.
 */
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "crypto/keyfile.h"

static char	 dir[512];

static void
setup(void)
{
	snprintf(dir, sizeof(dir), "%s/keyfile-%d",
	    getenv("MELDPUNT_TEST_TMP") ? getenv("MELDPUNT_TEST_TMP") : "/tmp",
	    (int)getpid());
	cr_assert_eq(mkdir(dir, 0700), 0);
}

static void
teardown(void)
{
	char	 cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(keyfile, .init = setup, .fini = teardown);

static void
put(const char *name, const char *text, mode_t mode, char *path, size_t sz)
{
	FILE	*fp;

	snprintf(path, sz, "%s/%s", dir, name);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
	cr_assert_eq(chmod(path, mode), 0);
}

Test(keyfile, round_trip_and_modes)
{
	unsigned char	 key[32];
	char		 path[600], err[256];
	struct secret	*s;
	struct stat	 st;

	memset(key, 0xa5, sizeof(key));
	snprintf(path, sizeof(path), "%s/lookup.key", dir);
	cr_assert_eq(keyfile_write(path, KEYFILE_RECEIPT_LOOKUP,
	    KEYFILE_SECRET, key, sizeof(key), err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0600);
	s = keyfile_read(path, KEYFILE_RECEIPT_LOOKUP, KEYFILE_SECRET, 32, 1,
	    err, sizeof(err));
	cr_assert_not_null(s, "%s", err);
	cr_expect_eq(s->s_len, 32);
	cr_expect_eq(memcmp(s->s_buf, key, 32), 0);
	secret_free(s);
	/* Never overwritten. */
	cr_expect_eq(keyfile_write(path, KEYFILE_RECEIPT_LOOKUP,
	    KEYFILE_SECRET, key, sizeof(key), err, sizeof(err)), -1);
	snprintf(path, sizeof(path), "%s/r.pub", dir);
	cr_assert_eq(keyfile_write(path, KEYFILE_RECOVERY, KEYFILE_PUBLIC, key,
	    sizeof(key), err, sizeof(err)), 0);
	cr_assert_eq(stat(path, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0644);
	/* Public files may be world-readable. */
	s = keyfile_read(path, KEYFILE_RECOVERY, KEYFILE_PUBLIC, 0, 0, err,
	    sizeof(err));
	cr_expect_not_null(s);
	secret_free(s);
}

Test(keyfile, exposed_private_files_are_refused)
{
	static const char text[] = "meldpunt-key v1 receipt-lookup secret\n"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	static const mode_t bad[] = { 0640, 0604, 0660, 0606, 0601, 0610 };
	char		 path[600], err[256];
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put("x.key", text, bad[i], path, sizeof(path));
		cr_expect_null(keyfile_read(path, KEYFILE_RECEIPT_LOOKUP,
		    KEYFILE_SECRET, 32, 0, err, sizeof(err)), "mode %o", bad[i]);
		cr_expect(strstr(err, "group- or world-accessible") != NULL,
		    "%s", err);
		unlink(path);
	}
	put("x.key", text, 0600, path, sizeof(path));
	cr_expect_not_null(keyfile_read(path, KEYFILE_RECEIPT_LOOKUP,
	    KEYFILE_SECRET, 32, 0, err, sizeof(err)), "%s", err);
}

Test(keyfile, malformed_files_are_refused)
{
	static const char *const texts[] = {
	    "meldpunt-key v1 contact-link secret\n"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",	/* kind */
	    "meldpunt-key v1 receipt-lookup private\n"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",	/* class */
	    "meldpunt-key v2 receipt-lookup secret\n"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",	/* version */
	    "meldpunt-key v1 receipt-lookup secret\n"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\nextra\n",
	    "meldpunt-key v1 receipt-lookup secret\n"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",	/* no newline */
	    "meldpunt-key v1 receipt-lookup secret\n"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=\n",	/* unused bits */
	    "meldpunt-key v1 receipt-lookup secret\nAAAA\n",	/* length */
	    "meldpunt-key v1 receipt-lookup secret\n\n",
	    "",
	};
	char	 path[600], err[256];
	size_t	 i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		put("m.key", texts[i], 0600, path, sizeof(path));
		cr_expect_null(keyfile_read(path, KEYFILE_RECEIPT_LOOKUP,
		    KEYFILE_SECRET, 32, 0, err, sizeof(err)), "text %zu", i);
		cr_expect(strstr(err, "AAAA") == NULL, "key echoed: %s", err);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/missing.key", dir);
	cr_expect_null(keyfile_read(path, KEYFILE_RECEIPT_LOOKUP,
	    KEYFILE_SECRET, 32, 0, err, sizeof(err)));
	cr_expect_eq(keyfile_exists(path), 0);
}
