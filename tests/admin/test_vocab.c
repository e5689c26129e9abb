/*
 * admin/vocab.c, and the meldctl commands that use it (issue 15): routing
 * rules, queue categories and user-add options are checked against the
 * form's values, and a refusal names the line and the nearest valid
 * value.  The commands run as the real binary against a real database;
 * one of them runs without $USER and must still name its actor.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "admin/routefile.h"
#include "admin/vocab.h"
#include "tests/lib/tdaemon.h"
#include "tests/lib/testdb.h"

static int
vb_rule(const char *text, char *err, size_t errlen)
{
	struct route_rule	*r;
	size_t			 n, i;
	int			 rc = 0;

	cr_assert_eq(routefile_parse(text, strlen(text), &r, &n, err, errlen),
	    0, "%s", err);
	for (i = 0; i < n && rc == 0; i++)
		rc = vocab_check_rule(&r[i], err, errlen);
	free(r);
	return (rc);
}

Test(vocab, rules_with_form_values_pass)
{
	char	err[256];

	cr_expect_eq(vb_rule("10 honour_violence * yes * honour_urgent\n"
	    "20 labour_discrimination internship * utrecht labour\n"
	    "30 * forced_marriage * * honour\n"
	    "100 * * * * labour\n", err, sizeof(err)), 0, "%s", err);
}

Test(vocab, unknown_values_name_the_line_and_the_nearest_value)
{
	char	err[256];

	cr_assert_eq(vb_rule("# rules\n10 honour_violence * yes * honour\n"
	    "20 labour_discrimination * * utrech labour\n", err, sizeof(err)),
	    -1);
	cr_expect_str_eq(err, "line 3: province \"utrech\" is not in the form "
	    "(did you mean \"utrecht\"?)");
	cr_assert_eq(vb_rule("7 labour_discrimnation * * * labour\n", err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, "line 1: category \"labour_discrimnation\" is "
	    "not in the form (did you mean \"labour_discrimination\"?)");
	/* A subtype of another category does not match this one. */
	cr_assert_eq(vb_rule("\n\n8 labour_discrimination forced_marriage * "
	    "* labour\n", err, sizeof(err)), -1);
	cr_expect(strncmp(err, "line 3: subtype (of this category) "
	    "\"forced_marriage\" is not in the form", 60) == 0, "%s", err);
	/* Far from everything: no guess. */
	cr_assert_eq(vb_rule("9 * * * amsterdam labour\n", err, sizeof(err)),
	    -1);
	cr_expect_str_eq(err, "line 1: province \"amsterdam\" is not in the "
	    "form");
}

Test(vocab, choices_and_categories)
{
	static const char *const kinds[] = { "handler", "officer" };
	char	err[256];

	cr_expect_eq(vocab_check_choice("--kind", "officer", kinds, 2, err,
	    sizeof(err)), 0);
	cr_assert_eq(vocab_check_choice("--kind", "handlr", kinds, 2, err,
	    sizeof(err)), -1);
	cr_expect_str_eq(err, "--kind \"handlr\" is not one of handler, "
	    "officer (did you mean \"handler\"?)");
	cr_expect_eq(vocab_check_category("honour_violence", err,
	    sizeof(err)), 0);
	cr_expect_eq(vocab_check_category("honor_violence", err,
	    sizeof(err)), -1);
	cr_expect_not_null(strstr(err, "\"honour_violence\""), "%s", err);
	cr_expect_null(vocab_nearest("x", kinds, 2));
}

/* meldctl (as mp_admin on db), with a clean environment when bare. */
static char *
vb_meldctl(const char *db, int bare, int *st, const char *fmt, ...)
{
	va_list	 ap;
	char	 args[1024], cmd[3072], *out;
	FILE	*fp;
	size_t	 len;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "%s %s/meldctl -d '%s' %s </dev/null 2>&1",
	    bare ? "env -i" : "", getenv("MELDPUNT_BUILD"),
	    tdaemon_conninfo(db, "mp_admin"), args);
	cr_assert_not_null(fp = popen(cmd, "r"));
	cr_assert_not_null(out = calloc(1, 65536));
	len = fread(out, 1, 65535, fp);
	out[len] = '\0';
	*st = pclose(fp);
	*st = WIFEXITED(*st) ? WEXITSTATUS(*st) : 128;
	return (out);
}

Test(vocab, meldctl_refuses_bad_values_and_needs_no_user_variable,
    .timeout = 120)
{
	char		*db, path[600], *out, *rules;
	struct passwd	*pw;
	PGconn		*su;
	FILE		*fp;
	int		 st;

	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
	cr_assert_eq(testdb_seed_routing(su), 0);
	cr_assert_not_null(rules = testdb_value(su, "SELECT string_agg("
	    "position || ':' || coalesce(province, '*'), ',' ORDER BY "
	    "position) FROM casework.routing_rules"));

	snprintf(path, sizeof(path), "%s/rules-%d", getenv("MELDPUNT_TEST_TMP"),
	    (int)getpid());
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs("10 honour_violence * yes * labour\n"
	    "20 labour_discrimination * * utrech labour\n"
	    "100 * * * * labour\n", fp);
	fclose(fp);
	out = vb_meldctl(db, 0, &st, "route load '%s'", path);
	cr_expect_eq(st, 65, "%s", out);
	cr_expect_not_null(strstr(out, "line 2: province \"utrech\" is not in "
	    "the form (did you mean \"utrecht\"?)"), "%s", out);
	cr_expect_not_null(strstr(out, "nothing loaded"), "%s", out);
	free(out);
	out = testdb_value(su, "SELECT string_agg(position || ':' || "
	    "coalesce(province, '*'), ',' ORDER BY position) FROM "
	    "casework.routing_rules");
	cr_expect_str_eq(out, rules, "the rules changed");
	free(out);

	out = vb_meldctl(db, 0, &st, "queue add qz --category "
	    "labour_discrimnation");
	cr_expect_eq(st, 65, "%s", out);
	cr_expect_not_null(strstr(out, "did you mean \"labour_discrimination"
	    "\"?"), "%s", out);
	free(out);
	out = vb_meldctl(db, 0, &st, "user add --kind handlr --totp-seal-key "
	    "/nonexistent anna");
	cr_expect_eq(st, 64, "%s", out);
	cr_expect_not_null(strstr(out, "did you mean \"handler\"?"), "%s", out);
	free(out);
	out = vb_meldctl(db, 0, &st, "user add --kindd handler anna");
	cr_expect_eq(st, 64, "%s", out);
	cr_expect_not_null(strstr(out, "did you mean \"--kind\"?"), "%s", out);
	free(out);

	/* No environment at all: the actor is the account name. */
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs("10 honour_violence * yes * honour_urgent\n"
	    "20 labour_discrimination * * utrecht labour\n"
	    "100 * * * * labour\n", fp);
	fclose(fp);
	out = vb_meldctl(db, 1, &st, "route load '%s'", path);
	cr_expect_eq(st, 0, "%s", out);
	free(out);
	cr_assert_not_null(pw = getpwuid(getuid()));
	cr_assert_not_null(out = testdb_value(su, "SELECT actor FROM "
	    "audit.events WHERE action = 'route.load'"));
	cr_expect_eq(strncmp(out, "admin:", 6), 0, "%s", out);
	cr_expect_str_eq(out + 6, pw->pw_name);
	free(out);
	free(rules);
	unlink(path);
	PQfinish(su);
	testdb_drop(db);
	free(db);
}
