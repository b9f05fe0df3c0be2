-- Dates of birth are identifier-like props (CONTRACT §6a): their match keys (kind 'dob', value
-- YYYY-MM-DD) are written with every other match key (src/resources/contacts/derived.ts). The
-- dedupe candidate query fetches contacts born on the candidate's birth date if their name is
-- similar or they live at one of its pincodes (dedupe.queries.ts, pass 6): ~70 holders per date at
-- a million contacts, so like Aadhaar fragments (0012) the pass reads a covering index of (date,
-- contact, name key) and never the table.
CREATE INDEX contact_match_keys_dob_idx ON contact_match_keys (tenant_id, value) INCLUDE (contact_id, name_key)
  WHERE kind = 'dob';

-- Contacts written before this migration hold date-of-birth props but no 'dob' match keys. They
-- get them here, computed as the service computes them: dob_key_kind() is canonicalKey() and the
-- dob aliases of identifierKind() (src/dedupe/identifiers.ts), dob_match_value() is normalizeDob()
-- (src/dedupe/normalize.ts). test/api/dedupe-dob.test.ts checks both against the TypeScript on
-- both engines, and checks a database upgraded through this migration with `verify`.
CREATE FUNCTION dob_key_kind(prop_key text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN regexp_replace(regexp_replace(regexp_replace(lower(prop_key), '[[:space:].-]+', '_', 'g'), '_+', '_', 'g'), '^_|_$', '', 'g')
                   IN ('dob', 'd_o_b', 'date_of_birth', 'dateofbirth', 'date_birth', 'birth_date', 'birthdate', 'dob_date')
              THEN 'dob' END
$$;

-- Whether (y, mo, d) is a real date from 1900 to today (UTC). Checked step by step: make_date
-- raises on an impossible date, and SQL does not promise to evaluate AND left to right.
CREATE FUNCTION dob_is_real(y int, mo int, d int) RETURNS boolean LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF mo < 1 OR mo > 12 OR d < 1 THEN RETURN false; END IF;
  IF y < 1900 THEN RETURN false; END IF;
  IF d > extract(day FROM make_date(y, mo, 1) + interval '1 month - 1 day') THEN RETURN false; END IF;
  RETURN make_date(y, mo, d) <= (now() AT TIME ZONE 'UTC')::date;
END $$;

CREATE FUNCTION dob_match_value(raw text) RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
  v text := lower(regexp_replace(raw, '^[[:space:]]+|[[:space:]]+$', '', 'g'));
  m text[];
  y int;
  mo int;
  d int;
  month_names text[] := ARRAY['jan', 'january', 'feb', 'february', 'mar', 'march', 'apr', 'april', 'may', 'jun', 'june', 'jul', 'july',
                              'aug', 'august', 'sep', 'sept', 'september', 'oct', 'october', 'nov', 'november', 'dec', 'december'];
  month_numbers int[] := ARRAY[1, 1, 2, 2, 3, 3, 4, 4, 5, 6, 6, 7, 7, 8, 8, 9, 9, 9, 10, 10, 11, 11, 12, 12];
  i int;
BEGIN
  m := regexp_match(v, '^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})$');
  IF m IS NOT NULL THEN
    y := m[1]::int; mo := m[2]::int; d := m[3]::int;
  ELSE
    m := regexp_match(v, '^([0-9]{1,2})[-/.]([0-9]{1,2})[-/.]([0-9]{4})$');
    IF m IS NOT NULL THEN
      y := m[3]::int; mo := m[2]::int; d := m[1]::int;
    ELSE
      m := regexp_match(v, '^([0-9]{1,2})(?:[[:space:]/.-]+|(?=[a-z]))([a-z]{3,9})\.?(?:[[:space:]/.,-]+|(?<=[a-z]))([0-9]{4})$');
      IF m IS NOT NULL THEN
        i := array_position(month_names, m[2]);
        IF i IS NULL THEN RETURN NULL; END IF;
        y := m[3]::int; mo := month_numbers[i]; d := m[1]::int;
      ELSIF v ~ '^[0-9]{8}$' THEN
        -- YYYYMMDD or DDMMYYYY: at most one reading is a real date; take that one.
        y := substr(v, 5, 4)::int; mo := substr(v, 3, 2)::int; d := substr(v, 1, 2)::int;
        IF NOT dob_is_real(y, mo, d) THEN
          y := substr(v, 1, 4)::int; mo := substr(v, 5, 2)::int; d := substr(v, 7, 2)::int;
        END IF;
      ELSE
        RETURN NULL;
      END IF;
    END IF;
  END IF;
  IF NOT dob_is_real(y, mo, d) THEN RETURN NULL; END IF;
  RETURN to_char(make_date(y, mo, d), 'YYYY-MM-DD');
END $$;

INSERT INTO contact_match_keys (tenant_id, contact_id, kind, value, prop_key, via, name_key)
SELECT p.tenant_id, p.contact_id, 'dob', dob_match_value(p.value), p.key, NULL, c.name_key
  FROM contact_props p
  JOIN contacts c ON c.tenant_id = p.tenant_id AND c.id = p.contact_id
 WHERE dob_key_kind(p.key) = 'dob' AND dob_match_value(p.value) IS NOT NULL
ON CONFLICT DO NOTHING;
