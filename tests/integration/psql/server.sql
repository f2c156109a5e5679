-- Databases and roles.
\l
\du
\dn+
