-- The extension installs at its default version. Every file after this one
-- uses it, and 99_drop_extension drops it: no file in between creates or
-- drops it.
CREATE EXTENSION cdccraft;
SELECT installed_version = default_version AS default_version_installed
  FROM pg_available_extensions WHERE name = 'cdccraft';
