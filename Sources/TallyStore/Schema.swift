import GRDB

/// The database schema, applied by migrations in order.
///
/// `events` is the custody log: append-only (triggers refuse UPDATE and DELETE). Everything else is
/// either imported reference data (the manifest) or a projection rebuilt from the log (alerts).
enum Schema {
    /// The unique index on `assets.serial` (one serial, one asset, across every import).
    static let assetSerialIndex = "assets_serial"
    /// An import at least this large, and at least as large as the assets already stored, rebuilds the
    /// serial index instead of updating it row by row.
    static let indexRebuildThreshold = 50_000

    static func migrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: custody log, manifest, alerts") { db in
            try db.execute(sql: """
                CREATE TABLE events (
                    seq     INTEGER PRIMARY KEY,
                    at      TEXT NOT NULL,
                    type    TEXT NOT NULL,
                    station TEXT,
                    device  TEXT,
                    payload TEXT NOT NULL,
                    raw     BLOB,
                    prev_hash BLOB NOT NULL, -- the hash of event seq-1 (32 zero bytes for seq 1)
                    hash      BLOB NOT NULL  -- SHA-256(prev_hash || HashChain.canonicalBytes(row))
                );
                CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'the custody log is append-only: events cannot be changed'); END;
                CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
                BEGIN SELECT RAISE(ABORT, 'the custody log is append-only: events cannot be deleted'); END;

                CREATE TABLE manifest_imports (
                    id      INTEGER PRIMARY KEY,
                    at      TEXT NOT NULL,
                    source  TEXT NOT NULL,
                    assets  INTEGER NOT NULL
                );
                CREATE TABLE loads (
                    id        TEXT PRIMARY KEY,
                    ordinal   INTEGER NOT NULL,
                    site      TEXT,
                    carrier   TEXT,
                    dock_door TEXT,
                    import_id INTEGER NOT NULL REFERENCES manifest_imports(id)
                );
                CREATE TABLE pallets (
                    id              TEXT PRIMARY KEY,
                    load            TEXT NOT NULL REFERENCES loads(id),
                    ordinal         INTEGER NOT NULL,
                    declared_count  INTEGER,
                    expected_weight TEXT,
                    weight_unit     TEXT,
                    tolerance       TEXT,
                    import_id       INTEGER NOT NULL REFERENCES manifest_imports(id)
                );
                -- Manifest order is the rowid (ordinal), so reading the manifest back needs no sort. The pallet
                -- is checked by the import (in one transaction with its pallet), not by a per-row foreign key.
                CREATE TABLE assets (
                    ordinal      INTEGER PRIMARY KEY,
                    serial       TEXT NOT NULL UNIQUE,
                    load         TEXT NOT NULL,
                    pallet       TEXT NOT NULL,
                    asset_tag    TEXT,
                    make         TEXT,
                    model        TEXT,
                    category     TEXT,
                    data_bearing INTEGER NOT NULL,
                    sanitization TEXT NOT NULL,
                    evidence     TEXT,
                    import_id    INTEGER NOT NULL
                );

                CREATE TABLE alerts (
                    id        INTEGER PRIMARY KEY, -- the alert number the core gives (1, 2, ...)
                    seq       INTEGER NOT NULL REFERENCES events(seq),
                    code      TEXT NOT NULL,
                    severity  TEXT NOT NULL,
                    load      TEXT,
                    pallet    TEXT,
                    subject   TEXT NOT NULL,
                    station   TEXT,
                    device    TEXT,
                    candidate TEXT,
                    message   TEXT NOT NULL,
                    state     TEXT NOT NULL,
                    acknowledgement TEXT, -- JSON AlertAction
                    resolution      TEXT  -- JSON AlertAction
                );
                CREATE INDEX alerts_by_seq ON alerts(seq);
                """)
        }
        // The serial's uniqueness as a named index rather than a column constraint, so that a large import
        // can drop it, append its rows, and build it again by sorting (much faster than a million random
        // index inserts) in the same transaction.
        migrator.registerMigration("v2: assets serial index") { db in
            try db.execute(sql: """
                CREATE TABLE assets_v2 (
                    ordinal      INTEGER PRIMARY KEY,
                    serial       TEXT NOT NULL,
                    load         TEXT NOT NULL,
                    pallet       TEXT NOT NULL,
                    asset_tag    TEXT,
                    make         TEXT,
                    model        TEXT,
                    category     TEXT,
                    data_bearing INTEGER NOT NULL,
                    sanitization TEXT NOT NULL,
                    evidence     TEXT,
                    import_id    INTEGER NOT NULL
                );
                INSERT INTO assets_v2 SELECT ordinal, serial, load, pallet, asset_tag, make, model, category, data_bearing,
                    sanitization, evidence, import_id FROM assets;
                DROP TABLE assets;
                ALTER TABLE assets_v2 RENAME TO assets;
                CREATE UNIQUE INDEX \(assetSerialIndex) ON assets(serial);
                """)
        }
        return migrator
    }
}
