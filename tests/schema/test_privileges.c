/*
 * Tests for the privilege design of schema/ (DESIGN section 3): what each
 * login role may read and execute, computed from the catalogs so that a
 * table or function added later is covered without editing this file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "tests/lib/testdb.h"

#define APP_SCHEMAS \
    "('intake', 'identity', 'casework', 'stats', 'audit', 'meldpunt_meta', " \
    "'public')"

static char	*db;
static PGconn	*su;

static void
setup(void)
{
	cr_assert_not_null(db = testdb_create());
	cr_assert_not_null(su = testdb_connect(db, NULL));
}

static void
teardown(void)
{
	PQfinish(su);
	testdb_drop(db);
	free(db);
}

TestSuite(privileges, .init = setup, .fini = teardown);

/*
 * The functions role may execute, sorted, one "schema.name(args)" per
 * line; compared to an exact expectation.
 */
static char *
executable_by(const char *role)
{
	char		*sql, *v;

	cr_assert(asprintf(&sql, "SELECT coalesce(string_agg(f, E'\\n' "
	    "ORDER BY f), '') FROM (SELECT n.nspname || '.' || p.proname || "
	    "'(' || pg_get_function_identity_arguments(p.oid) || ')' AS f "
	    "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
	    "WHERE n.nspname IN " APP_SCHEMAS " AND "
	    "has_function_privilege('%s', p.oid, 'EXECUTE')) s", role) > 0);
	v = testdb_value(su, sql);
	free(sql);
	cr_assert_not_null(v);
	return (v);
}

static void
expect_functions(const char *role, const char *want)
{
	char	*got = executable_by(role);

	cr_expect_str_eq(got, want, "%s may execute:\n%s\n--- expected:\n%s",
	    role, got, want);
	free(got);
}

Test(privileges, public_reads_no_table)
{
	PGresult	*res;
	PGconn		*pub;
	char		*sql, state[6];
	int		 i, n;

	cr_assert_not_null(pub = testdb_connect(db, "mp_public"));
	res = PQexec(su, "SELECT quote_ident(n.nspname) || '.' || "
	    "quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON "
	    "n.oid = c.relnamespace WHERE c.relkind IN ('r', 'v', 'm', 'p', "
	    "'S') AND n.nspname IN " APP_SCHEMAS " ORDER BY 1");
	cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK);
	n = PQntuples(res);
	cr_assert_gt(n, 20, "only %d relations found", n);
	for (i = 0; i < n; i++) {
		cr_assert(asprintf(&sql, "SELECT 1 FROM %s LIMIT 1",
		    PQgetvalue(res, i, 0)) > 0);
		cr_expect_eq(testdb_exec(pub, sql, state), -1,
		    "mp_public can read %s", PQgetvalue(res, i, 0));
		cr_expect_str_eq(state, "42501", "%s: %s",
		    PQgetvalue(res, i, 0), state);
		free(sql);
	}
	PQclear(res);
	/* And no write privilege of any kind either. */
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM pg_class c JOIN "
	    "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN "
	    APP_SCHEMAS " AND c.relkind IN ('r', 'v', 'p') AND "
	    "has_table_privilege('mp_public', c.oid, 'INSERT, UPDATE, DELETE, "
	    "TRUNCATE, REFERENCES, TRIGGER')"), 0);
	PQfinish(pub);
}

Test(privileges, public_executes_only_listed_functions)
{
	expect_functions("mp_public",
	    "casework.attach_begin(p_lookup_id bytea, p_verifier bytea, "
	    "p_file_id bytea, p_chunks integer, p_meta bytea, p_max_files "
	    "integer, p_max_chunks integer)\n"
	    "casework.attach_chunk(p_lookup_id bytea, p_verifier bytea, "
	    "p_upload uuid, p_idx integer, p_ct bytea)\n"
	    "casework.attach_commit(p_lookup_id bytea, p_verifier bytea, "
	    "p_upload uuid)\n"
	    "casework.receipt_purged(p_lookup_id bytea)\n"
	    "casework.receipt_salt(p_lookup_id bytea)\n"
	    "casework.reporter_add_message(p_lookup_id bytea, p_verifier bytea, "
	    "p_body bytea)\n"
	    "casework.reporter_case(p_lookup_id bytea, p_verifier bytea)\n"
	    "casework.reporter_case_number(p_lookup_id bytea, p_verifier "
	    "bytea)\n"
	    "casework.reporter_messages(p_lookup_id bytea, p_verifier bytea)\n"
	    "casework.reporter_session_begin(p_lookup_id bytea, p_verifier "
	    "bytea, p_session_hash bytea)\n"
	    "casework.reporter_session_end(p_lookup_id bytea, p_verifier "
	    "bytea, p_session_hash bytea)\n"
	    "casework.reporter_session_live(p_lookup_id bytea, p_verifier "
	    "bytea, p_session_hash bytea)\n"
	    "intake.case_key_store(p_case uuid, p_epoch integer, p_enc bytea, "
	    "p_wrapped bytea)\n"
	    "intake.contact_handover(p_case uuid, p_epoch integer, p_key_id "
	    "text, p_enc bytea, p_sealed bytea)\n"
	    "intake.epoch_current()\n"
	    "intake.forms_keys(p_category text)\n"
	    "intake.key_manifest()\n"
	    "intake.submission_expire()\n"
	    "intake.submission_get(p_lookup bytea)\n"
	    "intake.submission_put(p_lookup bytea, p_check bytea, p_sealed "
	    "bytea, p_keep_s integer, p_urgent boolean, p_received_on date, "
	    "p_ack_due date, p_feedback_due date, p_first_response_due "
	    "timestamp with time zone, p_ack_text_key text)\n"
	    "intake.submit_report(p_category text, p_subtype text, p_province "
	    "text, p_ground text, p_sector text, p_immediate_danger boolean, "
	    "p_travel_date date, p_env_version smallint, p_kem_id integer, "
	    "p_kdf_id integer, p_aead_id integer, p_nonce bytea, p_ciphertext "
	    "bytea, p_wrap_key_ids text[], p_wrap_encs bytea[], p_wrap_deks "
	    "bytea[], p_tk_key_ids text[], p_tk_encs bytea[], p_tk_wraps "
	    "bytea[], p_receipt_lookup bytea, p_receipt_salt bytea, "
	    "p_receipt_verifier bytea, p_argon2_m_kib integer, p_argon2_t "
	    "integer, p_argon2_p integer, p_thread_key_sealed bytea, "
	    "p_contact_link bytea, p_contact_key_id text, p_contact_enc bytea, "
	    "p_contact_ct bytea, p_case_id uuid)\n"
	    "intake.urgent_contact_store(p_case uuid, p_key_ids text[], "
	    "p_encs bytea[], p_cts bytea[])");
}

Test(privileges, research_executes_only_exports_reads_no_raw_counts)
{
	PGconn	*r;

	/* The budgeted, audited export used by `meldctl stats export`. */
	expect_functions("mp_research",
	    "stats.cli_annual(p_actor text, p_year integer, p_k integer, "
	    "p_epsilon numeric)\n"
	    "stats.cli_budget(p_actor text)\n"
	    "stats.cli_export(p_actor text, p_dims text[], p_from date, p_to "
	    "date, p_format text, p_k integer, p_epsilon numeric)");
	/* No table or view at all: raw counts (n = 1 included) are the
	 * owner's; mp_research exports through disclosure control only. */
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM pg_class c JOIN "
	    "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN "
	    APP_SCHEMAS " AND c.relkind IN ('r', 'v', 'm', 'p') AND "
	    "has_table_privilege('mp_research', c.oid, 'SELECT')"), 0);
	cr_assert_not_null(r = testdb_connect(db, "mp_research"));
	cr_expect(testdb_fails_with(r, "SELECT * FROM stats.counts",
	    "42501"));
	cr_expect(testdb_fails_with(r, "SELECT * FROM stats.counters",
	    "42501"));
	cr_expect(testdb_fails_with(r, "SELECT * FROM casework.cases",
	    "42501"));
	PQfinish(r);
}

Test(privileges, staff_and_admin_execute_only_listed_functions)
{
	expect_functions("mp_staff",
	    "audit.chain_extend(p_from_pos bigint, p_from_hash bytea, p_ids "
	    "bigint[], p_hashes bytea[])\n"
	    "audit.chain_head()\n"
	    "audit.chain_pending(p_limit integer)\n"
	    "audit.staff_event(p_action text, p_object text, p_details jsonb)\n"
	    "casework.alert_claim(p_now timestamp with time zone)\n"
	    "casework.case_assign(p_case uuid, p_claim boolean)\n"
	    "casework.case_history(p_case uuid)\n"
	    "casework.case_reclassify(p_case uuid, p_subtype text, p_province "
	    "text, p_ground text, p_sector text)\n"
	    "casework.case_transfer(p_case uuid, p_queue integer, p_key_id "
	    "text, p_dek_enc bytea, p_dek_wrapped bytea, p_tk_enc bytea, "
	    "p_tk_wrapped bytea, p_reason_sealed bytea)\n"
	    "casework.case_transition(p_case uuid, p_to text, p_reason bytea)\n"
	    "casework.clocks_overdue(p_state text, p_first_contact date, "
	    "p_ack_due date, p_feedback_due date, p_first_response_due "
	    "timestamp with time zone, p_today date, p_now timestamp with time "
	    "zone)\n"
	    "casework.deadline_overdue(p_queue integer, p_clock text, p_today "
	    "date, p_now timestamp with time zone)\n"
	    "casework.identity_case_key(p_request bigint)\n"
	    "casework.identity_contact(p_request bigint, p_link bytea)\n"
	    "casework.identity_contact_purge(p_request bigint, p_link bytea)\n"
	    "casework.identity_decide(p_request bigint, p_approve boolean)\n"
	    "casework.identity_decide(p_request bigint, p_approve boolean, "
	    "p_reason bytea)\n"
	    "casework.identity_pending(p_request bigint)\n"
	    "casework.identity_request(p_case uuid, p_reason bytea)\n"
	    "casework.identity_requests()\n"
	    "casework.identity_wraps()\n"
	    "casework.key_rotate(p_proof bytea, p_totp_step bigint, "
	    "p_public_key bytea, p_sealed_private_key bytea, p_key_ids text[], "
	    "p_enc text[], p_wrapped text[], p_id_purposes text[], p_id_enc "
	    "text[], p_id_wrapped text[])\n"
	    "casework.login_check(p_username text, p_proof bytea)\n"
	    "casework.login_failed(p_username text)\n"
	    "casework.login_salt(p_username text)\n"
	    "casework.message_send(p_case uuid, p_body bytea)\n"
	    "casework.note_add(p_case uuid, p_body bytea)\n"
	    "casework.overdue_counts(p_today date, p_now timestamp with time "
	    "zone)\n"
	    "casework.password_change(p_old_proof bytea, p_totp_step bigint, "
	    "p_salt bytea, p_m_kib integer, p_t integer, p_p integer, "
	    "p_verifier bytea, p_sealed_private_key bytea)\n"
	    "casework.pending_wraps()\n"
	    "casework.pending_wraps_store(p_key_ids text[], p_user_ids "
	    "integer[], p_public_keys text[], p_enc text[], p_wrapped "
	    "text[])\n"
	    "casework.referral_add(p_case uuid, p_organisation bytea, "
	    "p_referred_on date, p_reference bytea)\n"
	    "casework.referral_classify(p_referral bigint, p_org_type text)\n"
	    "casework.session_create(p_username text, p_proof bytea, "
	    "p_totp_step bigint, p_token_hash bytea, p_idle interval, "
	    "p_absolute interval)\n"
	    "casework.session_end(p_token_hash bytea)\n"
	    "casework.session_queues()\n"
	    "casework.session_setup()\n"
	    "casework.session_touch(p_token_hash bytea)\n"
	    "casework.session_user_id()\n"
	    "casework.state_counts()\n"
	    "casework.totp_enrol(p_sealed bytea, p_step bigint)\n"
	    "casework.urgent_contact_read(p_case uuid)\n"
	    "stats.research_budget()\n"
	    "stats.research_export(p_dims text[], p_from date, p_to date, "
	    "p_format text, p_k integer, p_epsilon numeric)");
	expect_functions("mp_admin",
	    "audit.admin_event(p_actor text, p_action text, p_object text, "
	    "p_details jsonb)\n"
	    "casework.case_key_adopt(p_case uuid, p_epoch integer, p_enc bytea, "
	    "p_wrapped bytea, p_q_old bytea, p_q_new bytea, p_r_old bytea, "
	    "p_r_new bytea, p_tk_old bytea, p_tk_new bytea)\n"
	    "casework.case_key_legacy(p_limit integer)\n"
	    "casework.case_key_rewrap(p_case uuid, p_from integer, p_to "
	    "integer, p_enc bytea, p_wrapped bytea)\n"
	    "casework.epoch_add(p_actor text, p_public_key bytea)\n"
	    "casework.epoch_destroy(p_actor text, p_epoch integer)\n"
	    "casework.manifest_keys()\n"
	    "casework.purge_case(p_actor text, p_case uuid, p_contact_link "
	    "bytea)\n"
	    "casework.retention_due(p_today date)\n"
	    "casework.routing_check()\n"
	    "identity.pending_flush(p_actor text, p_min integer, p_ids bigint[], "
	    "p_links bytea[], p_key_ids text[], p_encs bytea[], p_cts bytea[])\n"
	    "identity.pending_list()\n"
	    "identity.pending_reseal(p_id bigint, p_from integer, p_to integer, "
	    "p_enc bytea, p_sealed bytea)\n"
	    "stats.budget_grant(p_actor text, p_kind text, p_name text, "
	    "p_budget numeric, p_period text, p_allow_exact boolean)\n"
	    "stats.budget_show()");
}

Test(privileges, nothing_through_public)
{
	/* No function, database or schema privilege granted to PUBLIC. */
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM pg_proc p JOIN "
	    "pg_namespace n ON n.oid = p.pronamespace, aclexplode(coalesce("
	    "p.proacl, acldefault('f', p.proowner))) a WHERE n.nspname IN "
	    APP_SCHEMAS " AND a.grantee = 0"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM pg_database d, "
	    "aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a "
	    "WHERE d.datname = current_database() AND a.grantee = 0"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM pg_namespace n, "
	    "aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a "
	    "WHERE n.nspname IN " APP_SCHEMAS " AND a.grantee = 0"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM pg_class c JOIN "
	    "pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a "
	    "WHERE n.nspname IN " APP_SCHEMAS " AND a.grantee = 0"), 0);
}

Test(privileges, definer_functions_pin_search_path)
{
	char	*bad;

	bad = testdb_value(su, "SELECT coalesce(string_agg(n.nspname || '.' "
	    "|| p.proname, ', '), '') FROM pg_proc p JOIN pg_namespace n ON "
	    "n.oid = p.pronamespace WHERE n.nspname IN " APP_SCHEMAS " AND "
	    "p.prosecdef AND NOT coalesce(p.proconfig @> "
	    "ARRAY['search_path=pg_catalog, pg_temp'], false)");
	cr_assert_not_null(bad);
	cr_expect_str_eq(bad, "", "without a pinned search_path: %s", bad);
	free(bad);
	/* Everything in the app schemas belongs to mp_owner. */
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM pg_proc p JOIN "
	    "pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname IN "
	    "('intake', 'identity', 'casework', 'stats', 'audit') AND "
	    "p.proowner <> 'mp_owner'::regrole"), 0);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM pg_class c JOIN "
	    "pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN "
	    "('intake', 'identity', 'casework', 'stats', 'audit') AND "
	    "c.relowner <> 'mp_owner'::regrole"), 0);
	/* Login roles cannot bypass RLS or become the owner. */
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM pg_roles WHERE "
	    "rolname IN ('mp_public', 'mp_staff', 'mp_research', 'mp_admin') "
	    "AND (rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb "
	    "OR pg_has_role(rolname, 'mp_owner', 'USAGE'))"), 0);
}

Test(privileges, reporter_tables_have_no_address_or_fine_time)
{
	char	*bad;

	bad = testdb_value(su, "SELECT coalesce(string_agg(table_schema || "
	    "'.' || table_name || '.' || column_name || ' ' || data_type, "
	    "', '), '') FROM information_schema.columns WHERE "
	    "(table_schema, table_name) IN (('casework', 'cases'), "
	    "('casework', 'receipts'), ('casework', 'messages'), "
	    "('casework', 'attachments'), ('casework', 'attachment_chunks'), "
	    "('casework', 'alerts'), "
	    "('intake', 'envelopes'), ('intake', 'wraps'), "
	    "('identity', 'contacts'), ('stats', 'counters'), "
	    "('casework', 'urgent_contacts')) AND "
	    "(data_type ~ '^(timestamp|time |time$|interval|inet|cidr|macaddr)'"
	    " OR column_name ~ '(^|_)(ip|ipaddr|addr|address|agent|ua|"
	    "referer|referrer|host|port|useragent)($|_)') AND NOT "
	    "(table_name = 'cases' AND column_name = 'first_response_due')");
	cr_assert_not_null(bad);
	cr_expect_str_eq(bad, "", "forbidden columns: %s", bad);
	free(bad);
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM "
	    "information_schema.columns WHERE table_schema = 'casework' AND "
	    "table_name = 'cases' AND column_name = 'received_on' AND "
	    "data_type = 'date'"), 1);
	/* The exception holds only for urgent cases (a CHECK). */
	cr_expect_eq(testdb_count(su, "SELECT count(*) FROM pg_constraint "
	    "WHERE conrelid = 'casework.cases'::regclass AND contype = 'c' "
	    "AND pg_get_constraintdef(oid) ~ 'first_response_due IS NULL'"), 1);
}
