-- fix31b: the schools search (GET /v1/ops/schools?q=, the dashboard's schools page) ignores accents and case: a city
-- admin typing "Nguyen Trai", "nguyễn trãi" or "NGUYỄN TRÃI" finds "Trường THCS Nguyễn Trãi" (đ/Đ as d). One fold,
-- truc.search_fold, for the stored key and for what is typed (src/store/overview.ts): every Vietnamese letter (and
-- Latin-1's accented ones) to its base letter in lower case, the combining marks of a decomposed (NFD) text dropped,
-- then lower() (ASCII, whatever the database's locale: PGlite's is C). No extension: unaccent is neither on every
-- PostgreSQL a city runs nor loaded by the embedded PGlite. The key is a stored generated column, so a search reads
-- one text per school instead of folding every name again (2,500 schools: see the commit for the figures).
CREATE FUNCTION truc.search_fold(t text) RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT lower(translate(t,
    'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĂăĐđĨĩŨũƠơƯưẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệỈỉỊịỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợỤụỦủỨứỪừỬửỮữỰựỲỳỴỵỶỷỸỹ'
    -- the combining marks of those letters decomposed: grave, acute, circumflex, tilde, breve, diaeresis, hook above,
    -- ring, horn, dot below, cedilla; and the old grave and acute tone marks
    || chr(768) || chr(769) || chr(770) || chr(771) || chr(774) || chr(776) || chr(777) || chr(778) || chr(795)
    || chr(803) || chr(807) || chr(832) || chr(833),
    'aaaaaaceeeeiiiinooooouuuuyaaaaaaceeeeiiiinooooouuuuyyaaddiiuuoouuaaaaaaaaaaaaaaaaaaaaaaaaeeeeeeeeeeeeeeeeiiiioooooooooooooooooooooooouuuuuuuuuuuuuuyyyyyyyy'))
$$;

-- The school's code, name and commune code, each folded, one per line (a word typed matches inside one of them).
ALTER TABLE truc.schools ADD COLUMN search_key text GENERATED ALWAYS AS (
  truc.search_fold(school_code || E'\n' || coalesce(data->>'name', '') || E'\n' || coalesce(data->>'communeCode', ''))
) STORED;
