-- 0002_tables.sql: the five application schemas and their tables.
--
-- Everything here is created as mp_owner.  Privileges and row-level
-- security come in later files next to the functions they serve; this file
-- only says what is stored and with which constraints.  Two rules shape the
-- reporter-side tables (cases, receipts, messages, envelopes, wraps,
-- contacts, counters): no column that could hold a network address or user
-- agent, and no time finer than a day, the one exception being
-- first_response_due of an urgent case (a deadline one hour away needs the
-- hour).  tests/schema/test_privileges.c checks both from
-- information_schema.

SET LOCAL ROLE mp_owner;

CREATE SCHEMA intake;
COMMENT ON SCHEMA intake IS 'report envelopes and wrapped data keys';
CREATE SCHEMA identity;
COMMENT ON SCHEMA identity IS 'sealed contact details, linked by HMAC only';
CREATE SCHEMA casework;
COMMENT ON SCHEMA casework IS 'cases, queues, staff, sessions, threads';
CREATE SCHEMA stats;
COMMENT ON SCHEMA stats IS 'aggregate counters, never one row per report';
CREATE SCHEMA audit;
COMMENT ON SCHEMA audit IS 'append-only hash-chained events';

-- Short machine identifiers used in clear: category, subtype, province,
-- ground, sector, outcome.  The pattern keeps free text (and so content)
-- out of the clear columns and the statistics.
CREATE DOMAIN casework.dim AS text
    CHECK (VALUE ~ '^[a-z0-9_]{0,40}$');
CREATE DOMAIN casework.keyid AS text
    CHECK (VALUE ~ '^[A-Za-z0-9_.:-]{1,64}$');

CREATE TABLE casework.categories (
	id		casework.dim PRIMARY KEY CHECK (id <> '')
);
INSERT INTO casework.categories VALUES
    ('labour_discrimination'), ('foreign_interference'), ('honour_violence');

-- The offline recovery key: every DEK and every queue private key is also
-- wrapped to it.  Only its public half is ever in the database.
CREATE TABLE casework.recovery_keys (
	key_id		casework.keyid PRIMARY KEY,
	kem_id		integer NOT NULL,
	kdf_id		integer NOT NULL,
	aead_id		integer NOT NULL,
	public_key	bytea NOT NULL CHECK (octet_length(public_key) <= 256),
	created_on	date NOT NULL DEFAULT current_date,
	current		boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX recovery_keys_one_current ON casework.recovery_keys
    (current) WHERE current;

-- A queue and its deadline profile.  first_response_interval is set only
-- for urgent queues; its presence is what makes a queue urgent.
CREATE TABLE casework.queues (
	id		serial PRIMARY KEY,
	name		casework.dim NOT NULL UNIQUE CHECK (name <> ''),
	category	casework.dim REFERENCES casework.categories,
	ack_interval	interval NOT NULL DEFAULT '7 days',
	feedback_interval interval NOT NULL DEFAULT '3 months',
	first_response_interval interval,
	created_on	date NOT NULL DEFAULT current_date
);

-- Staff accounts.  The password never reaches SQL in a testable form:
-- the staff process computes Argon2id(password, pw_salt, params) and
-- derives from that output (a) the proof it hands to session_create(),
-- whose SHA-256 is pw_verifier, and (b) the key that seals the private key.
-- mp_staff can read neither pw_verifier nor the sealed blobs, so a staff
-- connection cannot harvest anything to attack offline.  totp_secret is
-- sealed under a staff-process key and is opaque bytes to SQL.
CREATE TABLE casework.users (
	id		serial PRIMARY KEY,
	username	text NOT NULL UNIQUE
	    CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
	kind		text NOT NULL
	    CHECK (kind IN ('handler', 'officer', 'researcher', 'admin')),
	pw_salt		bytea NOT NULL CHECK (octet_length(pw_salt) BETWEEN 16 AND 64),
	pw_m_kib	integer NOT NULL CHECK (pw_m_kib >= 8192),
	pw_t		integer NOT NULL CHECK (pw_t >= 1),
	pw_p		integer NOT NULL CHECK (pw_p >= 1),
	pw_verifier	bytea NOT NULL CHECK (octet_length(pw_verifier) = 32),
	kem_id		integer,
	public_key	bytea CHECK (octet_length(public_key) <= 256),
	sealed_private_key bytea CHECK (octet_length(sealed_private_key) <= 1024),
	totp_secret	bytea NOT NULL CHECK (octet_length(totp_secret) <= 256),
	totp_last_step	bigint NOT NULL DEFAULT 0,
	failures	integer NOT NULL DEFAULT 0,
	backoff_until	timestamptz,
	disabled	boolean NOT NULL DEFAULT false,
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE casework.queue_members (
	queue_id	integer NOT NULL REFERENCES casework.queues ON DELETE CASCADE,
	user_id		integer NOT NULL REFERENCES casework.users ON DELETE CASCADE,
	PRIMARY KEY (queue_id, user_id)
);

-- A queue's key pairs.  At most one current key per queue; older keys stay
-- so that older reports remain readable.  The private key is stored only
-- wrapped: to the recovery key here, to each member in queue_key_wraps.
CREATE TABLE casework.queue_keys (
	key_id		casework.keyid PRIMARY KEY,
	queue_id	integer NOT NULL REFERENCES casework.queues,
	kem_id		integer NOT NULL,
	kdf_id		integer NOT NULL,
	aead_id		integer NOT NULL,
	public_key	bytea NOT NULL CHECK (octet_length(public_key) <= 256),
	created_on	date NOT NULL DEFAULT current_date,
	current		boolean NOT NULL DEFAULT true,
	recovery_key_id	casework.keyid REFERENCES casework.recovery_keys,
	recovery_enc	bytea,
	recovery_wrapped bytea
);
CREATE UNIQUE INDEX queue_keys_one_current ON casework.queue_keys (queue_id)
    WHERE current;

CREATE TABLE casework.queue_key_wraps (
	key_id		casework.keyid NOT NULL REFERENCES casework.queue_keys
	    ON DELETE CASCADE,
	user_id		integer NOT NULL REFERENCES casework.users ON DELETE CASCADE,
	enc		bytea NOT NULL,
	wrapped		bytea NOT NULL,
	PRIMARY KEY (key_id, user_id)
);

-- Ordered routing rules; NULL matches anything; the lowest position that
-- matches wins.  casework.routing_check() reports categories without a
-- catch-all rule.
CREATE TABLE casework.routing_rules (
	id		serial PRIMARY KEY,
	position	integer NOT NULL UNIQUE,
	category	casework.dim REFERENCES casework.categories,
	subtype		casework.dim,
	urgent		boolean,
	province	casework.dim,
	queue_id	integer NOT NULL REFERENCES casework.queues
);

-- Staff sessions: only SHA-256 of the 256-bit bearer token is stored.  A
-- session is live while now() < expires_at (absolute) and
-- now() < last_seen_at + idle_timeout.
CREATE TABLE casework.sessions (
	token_hash	bytea PRIMARY KEY CHECK (octet_length(token_hash) = 32),
	user_id		integer NOT NULL REFERENCES casework.users ON DELETE CASCADE,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen_at	timestamptz NOT NULL DEFAULT now(),
	idle_timeout	interval NOT NULL,
	expires_at	timestamptz NOT NULL
);
CREATE INDEX sessions_user ON casework.sessions (user_id);

-- The state machine of issue 6; the table is the single source of truth
-- for casework.case_transition().
CREATE TABLE casework.states (
	name		text PRIMARY KEY,
	is_outcome	boolean NOT NULL DEFAULT false
);
INSERT INTO casework.states VALUES ('new', false), ('acknowledged', false),
    ('in_progress', false), ('referred', true), ('resolved', true),
    ('unfounded', true), ('withdrawn', true), ('closed', false);

CREATE TABLE casework.state_transitions (
	from_state	text NOT NULL REFERENCES casework.states,
	to_state	text NOT NULL REFERENCES casework.states,
	PRIMARY KEY (from_state, to_state)
);
INSERT INTO casework.state_transitions VALUES
    ('new', 'acknowledged'), ('new', 'unfounded'), ('new', 'withdrawn'),
    ('acknowledged', 'in_progress'), ('acknowledged', 'unfounded'),
    ('acknowledged', 'withdrawn'),
    ('in_progress', 'referred'), ('in_progress', 'resolved'),
    ('in_progress', 'unfounded'), ('in_progress', 'withdrawn'),
    ('referred', 'in_progress'),
    ('referred', 'closed'), ('resolved', 'closed'), ('unfounded', 'closed'),
    ('withdrawn', 'closed'),
    ('closed', 'in_progress');		-- reopen

-- One row per report.  Case ids are random UUIDs (sequential ids would
-- leak volume and order).  Dates only, except first_response_due.
-- The thread key is wrapped here to the queue key (thread_key_id names the
-- queue key); the receipt-side copy lives in casework.receipts.
CREATE TABLE casework.cases (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	queue_id	integer NOT NULL REFERENCES casework.queues,
	category	casework.dim NOT NULL REFERENCES casework.categories,
	subtype		casework.dim NOT NULL DEFAULT '',
	province	casework.dim NOT NULL DEFAULT '',
	ground		casework.dim NOT NULL DEFAULT '',
	sector		casework.dim NOT NULL DEFAULT '',
	outcome		casework.dim NOT NULL DEFAULT '',
	immediate_danger boolean NOT NULL DEFAULT false,
	travel_soon	boolean NOT NULL DEFAULT false,
	urgent		boolean NOT NULL DEFAULT false,
	priority	smallint NOT NULL DEFAULT 3 CHECK (priority BETWEEN 1 AND 5),
	state		text NOT NULL DEFAULT 'new' REFERENCES casework.states,
	received_on	date NOT NULL DEFAULT current_date,
	ack_due		date NOT NULL,
	acknowledged_on	date,
	first_contact_on date,
	feedback_due	date NOT NULL,
	first_response_due timestamptz CHECK (first_response_due IS NULL OR urgent),
	closed_on	date,
	assigned_to	integer REFERENCES casework.users ON DELETE SET NULL,
	contact_given	boolean NOT NULL DEFAULT false,
	thread_key_id	casework.keyid NOT NULL REFERENCES casework.queue_keys,
	thread_key_enc	bytea NOT NULL,
	thread_key_wrapped bytea NOT NULL
);
CREATE INDEX cases_queue_state ON casework.cases (queue_id, state, received_on);

-- The reporter's credential, kept apart from cases so that no staff or
-- admin grant can ever cover it: with lookup_id and verifier anyone could
-- call the reporter functions.  lookup_id = truncated HMAC(server lookup
-- key, receipt); verifier and the key sealing thread_key_sealed both
-- derive from Argon2id(receipt, salt, params).
CREATE TABLE casework.receipts (
	case_id		uuid PRIMARY KEY REFERENCES casework.cases ON DELETE CASCADE,
	lookup_id	bytea NOT NULL UNIQUE CHECK (octet_length(lookup_id) = 16),
	salt		bytea NOT NULL CHECK (octet_length(salt) BETWEEN 16 AND 64),
	verifier	bytea NOT NULL CHECK (octet_length(verifier) = 32),
	argon2_m_kib	integer NOT NULL CHECK (argon2_m_kib >= 8192),
	argon2_t	integer NOT NULL CHECK (argon2_t >= 1),
	argon2_p	integer NOT NULL CHECK (argon2_p >= 1),
	thread_key_sealed bytea NOT NULL CHECK (octet_length(thread_key_sealed) <= 128)
);

-- Staff-side history: exact times and staff ids are allowed here.
CREATE TABLE casework.transitions (
	id		bigserial PRIMARY KEY,
	case_id		uuid NOT NULL REFERENCES casework.cases ON DELETE CASCADE,
	from_state	text NOT NULL,
	to_state	text NOT NULL,
	reason		text NOT NULL DEFAULT '' CHECK (length(reason) <= 200),
	by_user		integer REFERENCES casework.users ON DELETE SET NULL,
	at		timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transitions_case ON casework.transitions (case_id);

-- Internal notes, sealed under the case's DEK (nonce || ciphertext).
CREATE TABLE casework.notes (
	id		bigserial PRIMARY KEY,
	case_id		uuid NOT NULL REFERENCES casework.cases ON DELETE CASCADE,
	author_id	integer REFERENCES casework.users ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	body		bytea NOT NULL CHECK (octet_length(body) <= 262144)
);
CREATE INDEX notes_case ON casework.notes (case_id);

-- The reporter thread.  Reporter-side, so day precision only.  System
-- messages (the automatic acknowledgement) carry a text key the daemon
-- renders in the reporter's language, not ciphertext.
CREATE TABLE casework.messages (
	case_id		uuid NOT NULL REFERENCES casework.cases ON DELETE CASCADE,
	seq		integer NOT NULL CHECK (seq >= 1),
	direction	text NOT NULL
	    CHECK (direction IN ('reporter', 'handler', 'system')),
	sent_on		date NOT NULL DEFAULT current_date,
	author_id	integer REFERENCES casework.users ON DELETE SET NULL,
	text_key	text CHECK (text_key ~ '^[a-z0-9_.]{1,40}$'),
	body		bytea CHECK (octet_length(body) <= 262144),
	PRIMARY KEY (case_id, seq),
	CHECK ((direction = 'system') = (text_key IS NOT NULL)),
	CHECK (direction = 'system' OR body IS NOT NULL),
	CHECK (direction = 'handler' OR author_id IS NULL)
);

CREATE TABLE casework.referrals (
	id		bigserial PRIMARY KEY,
	case_id		uuid NOT NULL REFERENCES casework.cases ON DELETE CASCADE,
	organisation	text NOT NULL CHECK (length(organisation) BETWEEN 1 AND 200),
	referred_on	date NOT NULL,
	reference	text NOT NULL DEFAULT '' CHECK (length(reference) <= 200),
	by_user		integer REFERENCES casework.users ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referrals_case ON casework.referrals (case_id);

-- The report envelope: AES-GCM content under the DEK.  category is the
-- value bound into the AAD, kept so the staff process can rebuild the AAD.
CREATE TABLE intake.envelopes (
	case_id		uuid PRIMARY KEY REFERENCES casework.cases ON DELETE CASCADE,
	version		smallint NOT NULL,
	kem_id		integer NOT NULL,
	kdf_id		integer NOT NULL,
	aead_id		integer NOT NULL,
	category	casework.dim NOT NULL,
	nonce		bytea NOT NULL CHECK (octet_length(nonce) = 12),
	ciphertext	bytea NOT NULL CHECK (octet_length(ciphertext) <= 4194304)
);

-- The DEK wrapped with HPKE: exactly the routed queue's current key and the
-- recovery key survive submission; transfer replaces the queue wrap.
CREATE TABLE intake.wraps (
	case_id		uuid NOT NULL REFERENCES casework.cases ON DELETE CASCADE,
	key_id		casework.keyid NOT NULL,
	kind		text NOT NULL CHECK (kind IN ('queue', 'recovery')),
	enc		bytea NOT NULL CHECK (octet_length(enc) <= 256),
	wrapped_dek	bytea NOT NULL CHECK (octet_length(wrapped_dek) <= 256),
	PRIMARY KEY (case_id, key_id)
);

-- The identity key: privacy officers hold the private half.
CREATE TABLE identity.keys (
	key_id		casework.keyid PRIMARY KEY,
	kem_id		integer NOT NULL,
	kdf_id		integer NOT NULL,
	aead_id		integer NOT NULL,
	public_key	bytea NOT NULL CHECK (octet_length(public_key) <= 256),
	created_on	date NOT NULL DEFAULT current_date,
	current		boolean NOT NULL DEFAULT true
);
CREATE UNIQUE INDEX identity_keys_one_current ON identity.keys (current)
    WHERE current;

-- Sealed contact details.  No case id: link = HMAC-SHA256(link key, case
-- id), and handlers do not hold the link key.  No date either.
CREATE TABLE identity.contacts (
	link		bytea PRIMARY KEY CHECK (octet_length(link) = 32),
	key_id		casework.keyid NOT NULL REFERENCES identity.keys,
	enc		bytea NOT NULL CHECK (octet_length(enc) <= 256),
	ciphertext	bytea NOT NULL CHECK (octet_length(ciphertext) <= 16384)
);

-- Aggregate counters.  '' stands for "not given" so that the primary key
-- (the upsert target) never meets a NULL.  month is the first day of the
-- month of received_on.
CREATE TABLE stats.counters (
	month		date NOT NULL
	    CHECK (month = date_trunc('month', month)::date),
	category	casework.dim NOT NULL,
	subtype		casework.dim NOT NULL,
	province	casework.dim NOT NULL,
	ground		casework.dim NOT NULL,
	sector		casework.dim NOT NULL,
	outcome		casework.dim NOT NULL,
	n		bigint NOT NULL CHECK (n >= 0),
	PRIMARY KEY (month, category, subtype, province, ground, sector, outcome)
);

-- The audit chain; see 0003_audit.sql and docs/schema.md for the hash.
CREATE TABLE audit.events (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL,
	actor		text NOT NULL CHECK (length(actor) BETWEEN 1 AND 100),
	action		text NOT NULL CHECK (action ~ '^[a-z0-9_.]{1,60}$'),
	object		text NOT NULL DEFAULT '' CHECK (length(object) <= 200),
	details		jsonb NOT NULL DEFAULT '{}'
	    CHECK (octet_length(details::text) <= 4096),
	prev_hash	bytea NOT NULL CHECK (octet_length(prev_hash) = 32),
	hash		bytea NOT NULL CHECK (octet_length(hash) = 32)
);

-- The chain's head: one row, locked FOR UPDATE by each append so that the
-- chain is linear, and an anchor against silent removal of the tail.
CREATE TABLE audit.head (
	one		boolean PRIMARY KEY DEFAULT true CHECK (one),
	last_id		bigint NOT NULL DEFAULT 0,
	last_hash	bytea NOT NULL DEFAULT '\x0000000000000000000000000000000000000000000000000000000000000000'
);
INSERT INTO audit.head DEFAULT VALUES;
