-- 0001_roles.sql: the database roles and the removal of PUBLIC's defaults.
--
-- Roles are cluster-global while migrations run per database, and the test
-- suite migrates many databases of one cluster at the same time.  So every
-- role is created idempotently, and a concurrent creator that wins the race
-- (unique_violation on pg_authid) counts as success.  Role attributes are
-- set only at creation: an operator may later add a password or a
-- connection limit and a re-run must not undo that.
--
-- mp_owner  NOLOGIN; owns every schema, table and function.  SECURITY
--           DEFINER functions run as this role, which bypasses RLS on its
--           own tables (RLS is not FORCEd) -- that is the point of them.
-- mp_public the public listener: EXECUTE on a handful of functions only.
-- mp_staff  the staff listener: SELECT through row-level security plus the
--           staff functions.
-- mp_research  SELECT on the statistics views, nothing else.
-- mp_admin  meldctl: users, queues, keys, routing rules, retention, audit
--           verification.
-- All login roles are NOINHERIT and hold no role attributes, so none of them
-- can bypass RLS or acquire mp_owner's rights.

DO $roles$
DECLARE
	r	record;
BEGIN
	FOR r IN SELECT * FROM (VALUES
	    ('mp_owner', false), ('mp_public', true), ('mp_staff', true),
	    ('mp_research', true), ('mp_admin', true)) AS t(name, login)
	LOOP
		IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
		    WHERE rolname = r.name) THEN
			CONTINUE;
		END IF;
		BEGIN
			EXECUTE format('CREATE ROLE %I %s NOINHERIT NOSUPERUSER '
			    'NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS',
			    r.name, CASE WHEN r.login THEN 'LOGIN' ELSE 'NOLOGIN' END);
		EXCEPTION WHEN duplicate_object OR unique_violation THEN
			NULL;	-- another database's migration created it first
		END;
	END LOOP;
END
$roles$;

-- Nothing through PUBLIC: no CONNECT, no TEMP on this database, no use of
-- schema public.  CONNECT goes to the four login roles by name.  mp_owner
-- gets CREATE so that the following migrations, run under SET ROLE
-- mp_owner, create schemas owned by it.
DO $db$
BEGIN
	EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC',
	    current_database());
	EXECUTE format('GRANT CONNECT ON DATABASE %I TO mp_public, mp_staff, '
	    'mp_research, mp_admin', current_database());
	EXECUTE format('GRANT CREATE ON DATABASE %I TO mp_owner',
	    current_database());
END
$db$;

REVOKE ALL ON SCHEMA public FROM PUBLIC;

-- Functions are executable by PUBLIC by default.  For everything mp_owner
-- creates in this database, that default is gone: each function is
-- granted to exactly the roles that need it, next to its definition.
ALTER DEFAULT PRIVILEGES FOR ROLE mp_owner REVOKE EXECUTE ON FUNCTIONS
    FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE mp_owner REVOKE ALL ON TABLES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES FOR ROLE mp_owner REVOKE ALL ON SEQUENCES
    FROM PUBLIC;
