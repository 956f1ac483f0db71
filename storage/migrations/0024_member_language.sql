-- The language a person is spoken to in (flows/core/language.py): chosen at sign-up or with
-- /language; NULL is the deployment's DEFAULT_LANGUAGE.
ALTER TABLE member ADD COLUMN language TEXT;
