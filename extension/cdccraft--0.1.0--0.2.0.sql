\echo Use "ALTER EXTENSION cdccraft UPDATE TO '0.2.0'" to load this file. \quit

-- 0.1.0 to 0.2.0: the changes of the security and exactness release, in the
-- order the install script makes them.
