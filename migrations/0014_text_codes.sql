-- Stored texts carry their catalogue code and params (worker/src/lib/errors.ts TEXTS) beside the
-- English text, so the admin page and the widget can word them; old rows keep only the text.
ALTER TABLE events ADD COLUMN error_text TEXT;
ALTER TABLE imports ADD COLUMN error_text TEXT;
ALTER TABLE import_rows ADD COLUMN error_text TEXT;
