-- Issue 7 (review of cea9d34): a statement that must find every row it updates fails inside PostgreSQL when it
-- does not, so its transaction aborts even when COMMIT was already sent behind it (statements pipelined in a
-- transaction, src/store/db.ts sendWrite). A check in JavaScript would come after that COMMIT.
CREATE FUNCTION truc.rows_found(got bigint, expected bigint, what text) RETURNS bigint LANGUAGE plpgsql VOLATILE AS $fn$
BEGIN
  IF got <> expected THEN
    RAISE EXCEPTION '%: % of % rows to update not found', what, expected - got, expected USING ERRCODE = 'no_data_found';
  END IF;
  RETURN got;
END
$fn$;
