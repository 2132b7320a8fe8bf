-- Every attempt records the sandbox tier it actually ran at.
ALTER TABLE attempts ADD COLUMN tier TEXT;
