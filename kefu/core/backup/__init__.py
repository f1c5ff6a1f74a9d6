"""A center's backup: its database and its uploaded files in one archive, and back again
(``kefu backup``, ``kefu restore``; README, Backup and restore).

The archive is one plain tar file (``kefu-backup-20250301-030000.tar``) of
    database.sqlite3.gz   SQLite, copied by its online backup API, then gzip-compressed
 or database.pgdump       PostgreSQL, ``pg_dump --format=custom`` (compressed by pg_dump)
    media/<path>          every uploaded file as it is (photos and PDFs are compressed already)
    manifest.json         last: Kefu's version, the engine, the migrations applied per app,
                          the time, the size and sha256 of the database and of each file
Each part is compressed by what suits it, so the tar itself is not: ``tar tf`` lists it at
once, and a restore finds the manifest without reading the parts.

Consistency. SQLite's copy is one read transaction over the whole file: the database as it
was at one moment, while the server goes on writing (WAL lets writers go on past a reader).
pg_dump reads one snapshot likewise. The files are read after the database: a file uploaded
meanwhile is in the archive without its row (harmless, never shown); nothing deletes uploaded
files, so no row of the archive lacks its file.

A restore checks the whole archive (the manifest, the schema, every checksum) into a staging
folder beside the media folder first. Only then does it replace the database — SQLite through
the backup API into the live file, PostgreSQL in one transaction of psql — each all or
nothing, and then the media folder by two renames. A failure before that leaves all as it was.

``archive`` holds the two operations; ``sqlite`` and ``postgres`` the engines' parts.
"""
