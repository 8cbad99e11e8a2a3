//! The ledger's rows in a database. One implementation serves SQLite and
//! PostgreSQL through sqlx's `Any` driver: the SQL is shared, only the table
//! definitions and the way a writer takes the lock differ.
//!
//! Each entry is one row: its canonical bytes (what the leaf hash covers), its
//! leaf and the Merkle nodes its arrival completed, and, as plain columns beside
//! them, what judging reads (control, item, result, collected, covers, summary),
//! derived from the same entry in the same INSERT and checked against the
//! canonical bytes by `ledger verify`.
//!
//! Writers are serialised by the database itself (SQLite `BEGIN IMMEDIATE`,
//! PostgreSQL `LOCK TABLE ... IN EXCLUSIVE MODE`): a second writer waits up to
//! [`WRITE_WAIT`] and then fails with [`StoreError::Busy`], so the tree never
//! forks. An append returns only after its transaction committed; SQLite runs in
//! WAL mode with `synchronous = FULL`, so a commit is on disk when it returns.

use crate::location::Location;
use evident_core::model::Outcome;
use evident_core::record::{Kind, Record};
use evident_core::time::Instant;
use evident_ledger::checkpoint::Checkpoint;
use evident_ledger::entry::{Entry, EntryFields, record_from_canonical};
use evident_ledger::log::{self, FetchedNodes, NodeWishlist, StoredCheckpoint, TreeCells};
use evident_ledger::merkle::{self, Frontier, Hash, PerfectNodes};
use futures_util::TryStreamExt;
use futures_util::stream::{BoxStream, StreamExt};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Row};
use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

/// How long a writer waits for another one to finish.
pub const WRITE_WAIT: Duration = Duration::from_secs(10);

/// The schema version this build reads and writes. Version 1 kept judging's
/// fields in a separate packed index; version 2 lacked each entry's kind and
/// the entry a retraction withdraws; version 3 the requests the server
/// answered. Opening an older ledger migrates it.
const SCHEMA_VERSION: &str = "4";

/// The tables, in SQLite's words; PostgreSQL's differ only in type names (see [`schema`]).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY, entry TEXT NOT NULL, leaf BLOB NOT NULL, nodes BLOB NOT NULL,
    control TEXT NOT NULL, item TEXT NOT NULL, result TEXT NOT NULL, collected INTEGER NOT NULL,
    covers_from TEXT NOT NULL, covers_to TEXT NOT NULL, summary TEXT NOT NULL,
    kind TEXT NOT NULL, retracts INTEGER);
CREATE TABLE IF NOT EXISTS checkpoints (id INTEGER PRIMARY KEY, size INTEGER NOT NULL, text TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS requests (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, first INTEGER NOT NULL, count INTEGER NOT NULL);
";

/// What version 1 lacked: the columns judging reads (filled from each entry's
/// canonical bytes by the migration) and no packed index.
const FROM_VERSION_1: &str = "
ALTER TABLE entries ADD COLUMN control TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN item TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN result TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN collected INTEGER NOT NULL DEFAULT 0;
ALTER TABLE entries ADD COLUMN covers_from TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN covers_to TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN summary TEXT NOT NULL DEFAULT '';
DROP TABLE IF EXISTS observations;
";

/// What version 2 lacked (filled from each entry's canonical bytes).
const FROM_VERSION_2: &str = "
ALTER TABLE entries ADD COLUMN kind TEXT NOT NULL DEFAULT '';
ALTER TABLE entries ADD COLUMN retracts INTEGER;
";

/// What version 3 lacked: the idempotency keys of the requests that appended
/// entries, so a retried upload is answered with the entries it made.
const FROM_VERSION_3: &str = "
CREATE TABLE IF NOT EXISTS requests (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, first INTEGER NOT NULL, count INTEGER NOT NULL);
";

/// SQLite keeps `INTEGER PRIMARY KEY` (the row id itself, the fastest key);
/// PostgreSQL needs 64-bit integers and its own name for bytes.
fn schema(backend: Backend, tables: &str) -> String {
    match backend {
        Backend::Sqlite => tables.to_string(),
        Backend::Postgres => tables.replace("INTEGER", "BIGINT").replace("BLOB", "BYTEA"),
    }
}

/// An entry is kept as its canonical bytes (the JSON the leaf hash covers), so
/// verifying hashes exactly what is stored and nothing is re-serialised.
const ENTRY_COLUMNS: &str = "seq, entry, leaf, nodes";

/// What judging reads, beside the canonical bytes.
const RECORD_COLUMNS: &str =
    "seq, control, item, result, collected, covers_from, covers_to, summary, kind, retracts";

/// Every column of a row, in the order [`insert_rows`] binds them.
const ALL_COLUMNS: &str = "seq, entry, leaf, nodes, control, item, result, collected, covers_from, covers_to, summary, kind, retracts";
const COLUMNS_PER_ROW: usize = 13;

/// Rows per INSERT statement: 13 parameters each stays under SQLite's 32,766.
const ROWS_PER_INSERT: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer held the ledger for longer than this one waits.
    #[error(
        "the ledger is busy: another evident process is writing to it and did not finish in time; nothing was written, run the command again"
    )]
    Busy,
    /// The database refused or failed.
    #[error("{0}")]
    Database(String),
    /// What is stored is not a ledger this build can serve from.
    #[error("{0}")]
    Damaged(String),
    /// The request cannot be met as asked (no such entry, no checkpoint yet).
    #[error("{0}")]
    Request(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> StoreError {
        if let Some(db) = e.as_database_error() {
            // SQLite: SQLITE_BUSY (5) and its extended codes; PostgreSQL: lock_not_available.
            let code = db.code().unwrap_or_default();
            if matches!(&*code, "5" | "261" | "517" | "773" | "55P03") {
                return StoreError::Busy;
            }
        }
        StoreError::Database(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The key a client gave a request that appends ([`Store::append_request`]),
/// and a digest of what it asked, so a reused key with another request is caught.
#[derive(Clone, Debug)]
pub struct RequestKey {
    pub key: String,
    pub fingerprint: String,
}

/// What [`Store::append_request`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Appended {
    /// The entries were written.
    New(Range<u64>),
    /// The request was answered before: these are the entries it made.
    Replayed(Range<u64>),
}

impl Appended {
    pub fn range(&self) -> Range<u64> {
        match self {
            Appended::New(r) | Appended::Replayed(r) => r.clone(),
        }
    }
}

/// An entry as stored, with its place in the log and its recorded tree cells.
#[derive(Clone, Debug)]
pub struct StoredEntry {
    pub seq: u64,
    /// The canonical bytes: what the leaf hash covers.
    pub entry: String,
    pub leaf: Vec<u8>,
    pub nodes: Vec<u8>,
}

impl StoredEntry {
    pub fn fields(&self) -> Result<EntryFields> {
        EntryFields::from_canonical(self.entry.as_bytes()).map_err(|e| {
            StoreError::Damaged(format!(
                "entry {}: {e}; run `evident ledger verify`",
                self.seq
            ))
        })
    }
}

pub struct Store {
    pool: AnyPool,
    backend: Backend,
    location: Location,
    write_wait: Duration,
}

impl Store {
    /// Opens (creating if needed) the ledger at `location`.
    pub async fn open(location: Location) -> Result<Store> {
        Store::open_waiting(location, WRITE_WAIT).await
    }

    /// Opens the ledger with writers waiting up to `write_wait` for each other.
    pub async fn open_waiting(location: Location, write_wait: Duration) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = match &location {
            Location::Sqlite(path) => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)
                        .map_err(|e| StoreError::Database(format!("{}: {e}", dir.display())))?;
                }
                Backend::Sqlite
            }
            Location::Postgres(_) => Backend::Postgres,
        };
        let options = AnyPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(write_wait + Duration::from_secs(5));
        let options = match backend {
            Backend::Sqlite => options.after_connect(move |conn, _| {
                Box::pin(async move {
                    // FULL: a commit is fsynced to the WAL before it returns.
                    let wait = format!("PRAGMA busy_timeout = {}", write_wait.as_millis());
                    conn.execute(sqlx::AssertSqlSafe(wait)).await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options,
        };
        if let Location::Sqlite(path) = &location {
            check_sqlite_header(path)?;
        }
        // One connection first: a database that refuses it says why at once,
        // rather than the pool retrying until its time-out.
        let probe = AnyConnection::connect(&location.url())
            .await
            .map_err(|e| StoreError::Database(format!("{}: {e}", location.describe())))?;
        probe.close().await.ok();
        let pool = options
            .connect(&location.url())
            .await
            .map_err(|e| StoreError::Database(format!("{}: {e}", location.describe())))?;
        let store = Store {
            pool,
            backend,
            location,
            write_wait,
        };
        store.create_schema().await.map_err(|e| match e {
            StoreError::Database(m) => {
                StoreError::Database(format!("{}: {m}", store.location.describe()))
            }
            other => other,
        })?;
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    async fn create_schema(&self) -> Result<()> {
        // An existing ledger needs no write lock to be opened (a writer may hold it).
        let existing: std::result::Result<Option<String>, _> =
            sqlx::query_scalar("SELECT value FROM ledger_meta WHERE key = 'schema'")
                .fetch_optional(&self.pool)
                .await;
        match existing {
            Ok(Some(found)) if ["1", "2", "3"].contains(&found.as_str()) => {
                return self.migrate().await;
            }
            Ok(Some(found)) => return check_version(&found),
            Ok(None) => {}
            Err(_) => self.refuse_foreign().await?,
        }
        let mut conn = self.pool.acquire().await?;
        match self.backend {
            Backend::Sqlite => {
                // WAL is a property of the file: set once, kept by every later
                // connection. Switching needs a lock the busy timeout does not
                // wait for, so a first open racing another one retries.
                let started = std::time::Instant::now();
                loop {
                    match sqlx::raw_sql("PRAGMA journal_mode = WAL")
                        .execute(&mut *conn)
                        .await
                    {
                        Ok(_) => break,
                        Err(e) => match StoreError::from(e) {
                            StoreError::Busy if started.elapsed() < self.write_wait => {
                                tokio::time::sleep(Duration::from_millis(10)).await
                            }
                            e => return Err(e),
                        },
                    }
                }
                let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(schema(self.backend, SCHEMA)))
                    .execute(&mut *tx)
                    .await?;
                mark_version(&mut tx).await?;
                tx.commit().await?;
            }
            Backend::Postgres => {
                let mut tx = conn.begin().await?;
                // Two first runs at once must not race to create the same tables.
                sqlx::query("SELECT pg_advisory_xact_lock(4206930)")
                    .execute(&mut *tx)
                    .await?;
                sqlx::raw_sql(sqlx::AssertSqlSafe(schema(self.backend, SCHEMA)))
                    .execute(&mut *tx)
                    .await?;
                mark_version(&mut tx).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// A database without evident's tables that holds others is someone
    /// else's: refused, never written into. (A PostgreSQL database may hold
    /// other applications' tables; only ledger tables without their version
    /// row are refused there.)
    async fn refuse_foreign(&self) -> Result<()> {
        let sql = match self.backend {
            Backend::Sqlite => "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name",
            Backend::Postgres => {
                "SELECT table_name::TEXT FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN ('entries', 'checkpoints', 'ledger_meta') ORDER BY 1"
            }
        };
        let tables: Vec<String> = sqlx::query_scalar(sql).fetch_all(&self.pool).await?;
        // Another first open may have just created the ledger: then it is one.
        if tables.is_empty() || tables.iter().any(|t| t == "ledger_meta") {
            return Ok(());
        }
        Err(StoreError::Damaged(format!(
            "{}: not an evident ledger: it holds tables ({}) but no ledger_meta; point `database` in evident.toml (or EVIDENT_DATABASE_URL) at the ledger, or restore the ledger from a backup",
            self.location.describe(),
            tables.join(", ")
        )))
    }

    /// Starts the one write transaction allowed at a time, waiting for another to end.
    async fn write<'c>(&self, conn: &'c mut AnyConnection) -> Result<sqlx::Transaction<'c, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = conn.begin().await?;
                // One round trip: the wait, then the lock.
                let lock = format!(
                    "SET LOCAL lock_timeout = {}; LOCK TABLE entries IN EXCLUSIVE MODE",
                    self.write_wait.as_millis()
                );
                sqlx::raw_sql(sqlx::AssertSqlSafe(lock))
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        })
    }

    /// Appends `entries` as one durable transaction; returns their leaf indexes.
    /// Time only moves forward: each entry must be dated no earlier than the
    /// entry and the checkpoint before it, and no later than `not_after` (the
    /// real clock plus the skew the caller allows); otherwise nothing is written.
    pub async fn append(&self, entries: &[Entry], not_after: Instant) -> Result<Range<u64>> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = self.write(&mut conn).await?;
        let (size, floor) = last_moment(&mut tx).await?;
        self.insert(&mut tx, size, floor, entries, not_after)
            .await?;
        tx.commit().await?;
        Ok(size..size + entries.len() as u64)
    }

    /// Appends entries a request made, dated by the log itself: each is
    /// stamped `now`, or the log's last moment if another writer (another
    /// server process whose clock runs a little ahead) got there first, so
    /// concurrent writers never back-date each other. A request with a key the
    /// log has seen is answered with the entries it made then, and nothing is
    /// written; the same key with another request is refused.
    pub async fn append_request(
        &self,
        mut entries: Vec<Entry>,
        now: Instant,
        request: Option<&RequestKey>,
    ) -> Result<Appended> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = self.write(&mut conn).await?;
        if let Some(r) = request {
            let seen: Option<(String, i64, i64)> =
                sqlx::query_as("SELECT fingerprint, first, count FROM requests WHERE key = $1")
                    .bind(r.key.clone())
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some((fingerprint, first, count)) = seen {
                tx.rollback().await?;
                if fingerprint != r.fingerprint {
                    return Err(StoreError::Request(
                        "this Idempotency-Key was used for a different request; use a new key for a new upload".into(),
                    ));
                }
                return Ok(Appended::Replayed(first as u64..(first + count) as u64));
            }
        }
        let (size, floor) = last_moment(&mut tx).await?;
        let stamp = floor.as_ref().map_or(now, |f| f.at.max(now));
        for e in &mut entries {
            e.collected_at = stamp.to_string();
        }
        self.insert(&mut tx, size, floor, &entries, stamp).await?;
        if let Some(r) = request {
            sqlx::query(
                "INSERT INTO requests (key, fingerprint, first, count) VALUES ($1, $2, $3, $4)",
            )
            .bind(r.key.clone())
            .bind(r.fingerprint.clone())
            .bind(size as i64)
            .bind(entries.len() as i64)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(Appended::New(size..size + entries.len() as u64))
    }

    /// Writes `entries` as the next ones after `size`, inside the write transaction.
    async fn insert(
        &self,
        tx: &mut sqlx::Transaction<'_, Any>,
        size: u64,
        mut floor: Option<Moment>,
        entries: &[Entry],
        not_after: Instant,
    ) -> Result<()> {
        let mut frontier = frontier_at(self.backend, tx, size).await?;
        let canonical: Vec<String> = entries
            .iter()
            .map(|e| String::from_utf8(e.canonical_bytes()).expect("JSON is UTF-8"))
            .collect();
        let cells = log::grow(
            &mut frontier,
            canonical.iter().map(|c| merkle::leaf_hash(c.as_bytes())),
        );
        let records = entries
            .iter()
            .zip(size..)
            .map(|(e, seq)| {
                e.record(seq).map_err(|e| {
                    StoreError::Request(format!("entry for {seq}: {e}; nothing was written"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        for (entry, record) in entries.iter().zip(&records) {
            let label = format!("the entry for {}/{}", entry.control, entry.item);
            check_moment(&label, record.collected, floor.as_ref(), not_after)?;
            floor = Some(Moment {
                at: record.collected,
                what: format!("entry {}", record.seq),
            });
        }
        let rows: Vec<NewRow<'_>> = canonical
            .iter()
            .zip(cells)
            .zip(&records)
            .map(|((entry, cells), record)| NewRow {
                entry,
                cells,
                record,
            })
            .collect();
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            insert_rows(self.backend, tx, chunk).await?;
        }
        Ok(())
    }

    /// The connection pool, for the server's own tables beside the ledger's.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// How many entries the log holds.
    pub async fn size(&self) -> Result<u64> {
        size_of(&self.pool).await
    }

    pub async fn entry(&self, seq: u64) -> Result<Option<StoredEntry>> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM entries WHERE seq = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(seq as i64)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| stored_entry(&r)).transpose()
    }

    /// The latest entry of `kind` for one evidence item, found through the
    /// plain columns rather than by reading every entry.
    pub async fn latest_of(
        &self,
        control: &str,
        item: &str,
        kind: Kind,
    ) -> Result<Option<StoredEntry>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM entries WHERE control = $1 AND item = $2 AND kind = $3 ORDER BY seq DESC LIMIT 1"
        );
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(control.to_string())
            .bind(item.to_string())
            .bind(kind.as_str())
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| stored_entry(&r)).transpose()
    }

    /// The latest `limit` entries of `kind`, newest first (the audit log).
    pub async fn latest_of_kind(&self, kind: Kind, limit: u64) -> Result<Vec<StoredEntry>> {
        let sql = format!(
            "SELECT {ENTRY_COLUMNS} FROM entries WHERE kind = $1 ORDER BY seq DESC LIMIT $2"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(kind.as_str())
            .bind(limit as i64)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(stored_entry).collect()
    }

    /// The entry that retracts entry `seq`, if one does.
    pub async fn retraction_of(&self, seq: u64) -> Result<Option<u64>> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT seq FROM entries WHERE retracts = $1 ORDER BY seq LIMIT 1")
                .bind(seq as i64)
                .fetch_optional(&self.pool)
                .await?;
        Ok(found.map(|n| n as u64))
    }

    /// Entries in log order, optionally only those of one control.
    pub async fn entries(&self, control: Option<&str>) -> Result<Vec<StoredEntry>> {
        let mut out = Vec::new();
        let mut rows = self.stream();
        while let Some(row) = rows.next().await {
            let row = row?;
            if control.is_none_or(|c| row.fields().is_ok_and(|f| f.control == c)) {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// Every entry in log order, streamed.
    pub fn stream(&self) -> BoxStream<'_, Result<StoredEntry>> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM entries ORDER BY seq");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch(&self.pool)
            .map(|row| stored_entry(&row?))
            .boxed()
    }

    /// What judging reads of every entry, in log order, from the plain columns.
    pub async fn records(&self) -> Result<Vec<Record>> {
        let sql = format!("SELECT {RECORD_COLUMNS} FROM entries ORDER BY seq");
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(sql)).fetch(&self.pool);
        let mut names = Names::default();
        let mut out = Vec::new();
        while let Some(row) = rows.try_next().await? {
            out.push(record_of(&row, &mut names)?);
        }
        Ok(out)
    }

    /// SQLite's (or PostgreSQL's) own scan of the columns [`Store::records`]
    /// reads, handing over one row: the floor under `records` (benchmarks).
    #[cfg(feature = "testing")]
    pub async fn scan_record_columns(&self) -> Result<i64> {
        let sum: i64 = sqlx::query_scalar(
            "SELECT CAST(SUM(length(control) + length(item) + length(result) + collected % 7 + length(covers_from) + length(covers_to) + length(summary)) AS BIGINT) FROM entries",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(sum)
    }

    /// One read transaction over the whole ledger, for `ledger verify`: it sees
    /// the log as it was when it began, whatever writers append meanwhile
    /// (SQLite WAL snapshot; PostgreSQL REPEATABLE READ).
    pub async fn snapshot(&self) -> Result<Snapshot> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin().await?,
            Backend::Postgres => {
                self.pool
                    .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?
            }
        };
        Ok(Snapshot { tx })
    }

    /// Migrates a version-1 or -2 ledger in one write transaction: the
    /// columns judging reads are added and filled from each entry's canonical
    /// bytes (and version 1's packed index dropped). A crash leaves the old
    /// version untouched.
    async fn migrate(&self) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = self.write(&mut conn).await?;
        let found: String =
            sqlx::query_scalar("SELECT value FROM ledger_meta WHERE key = 'schema'")
                .fetch_one(&mut *tx)
                .await?;
        let steps: &[&str] = match found.as_str() {
            "1" => &[FROM_VERSION_1, FROM_VERSION_2, FROM_VERSION_3],
            "2" => &[FROM_VERSION_2, FROM_VERSION_3],
            "3" => &[FROM_VERSION_3],
            // Another process migrated it while this one waited for the lock.
            other => return check_version(other),
        };
        for step in steps {
            sqlx::raw_sql(sqlx::AssertSqlSafe(schema(self.backend, step)))
                .execute(&mut *tx)
                .await?;
        }
        // Versions 1 and 2 lacked columns that are filled from the entries.
        let rows: Vec<(i64, String)> = if found == "3" {
            Vec::new()
        } else {
            sqlx::query_as("SELECT seq, entry FROM entries")
                .fetch_all(&mut *tx)
                .await?
        };
        for (seq, entry) in rows {
            // An entry that cannot be read keeps empty columns; `verify` names it.
            let Ok(r) = record_from_canonical(seq as u64, entry.as_bytes()) else {
                continue;
            };
            let update = sqlx::query(
                "UPDATE entries SET control = $1, item = $2, result = $3, collected = $4, covers_from = $5, covers_to = $6, summary = $7, kind = $8, retracts = $9 WHERE seq = $10",
            );
            bind_record(update, &r).bind(seq).execute(&mut *tx).await?;
        }
        sqlx::query("UPDATE ledger_meta SET value = $1 WHERE key = 'schema'")
            .bind(SCHEMA_VERSION)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// MTH of the first `size` entries, from the stored nodes.
    pub async fn root(&self, size: u64) -> Result<Hash> {
        over_nodes(self.backend, &self.pool, |n| merkle::range_root(n, 0, size)).await
    }

    /// RFC 9162 inclusion proof for leaf `m` in the tree of `n` leaves.
    pub async fn inclusion_proof(&self, m: u64, n: u64) -> Result<Vec<Hash>> {
        over_nodes(self.backend, &self.pool, |t| {
            merkle::inclusion_proof(t, m, n)
        })
        .await
    }

    /// RFC 9162 consistency proof between tree sizes `m` and `n`.
    pub async fn consistency_proof(&self, m: u64, n: u64) -> Result<Vec<Hash>> {
        over_nodes(self.backend, &self.pool, |t| {
            merkle::consistency_proof(t, m, n)
        })
        .await
    }

    /// Signs the current tree head with `sign` (given size and root) and stores it,
    /// under the writer's lock so no append slips between reading and storing.
    /// Its `time` must not run behind the last entry or checkpoint, nor past `not_after`.
    pub async fn add_checkpoint(
        &self,
        time: Instant,
        not_after: Instant,
        sign: impl FnOnce(u64, Hash) -> String,
    ) -> Result<StoredCheckpoint> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = self.write(&mut conn).await?;
        let (size, floor) = last_moment(&mut tx).await?;
        check_moment("the checkpoint", time, floor.as_ref(), not_after)?;
        let root = over_nodes(self.backend, &mut *tx, |n| merkle::range_root(n, 0, size)).await?;
        let text = sign(size, root);
        let id: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) + 1 FROM checkpoints")
            .fetch_one(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO checkpoints (id, size, text) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(size as i64)
            .bind(text.clone())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(StoredCheckpoint { id, text })
    }

    /// Replaces checkpoint `id`'s text with the same checkpoint carrying more
    /// signatures (witnesses' cosignatures): what the log signed is unchanged,
    /// and `ledger verify` checks every signature again.
    pub async fn set_checkpoint_text(&self, id: i64, text: &str) -> Result<()> {
        sqlx::query("UPDATE checkpoints SET text = $1 WHERE id = $2")
            .bind(text.to_string())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>> {
        let rows = sqlx::query("SELECT id, text FROM checkpoints ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(stored_checkpoint).collect()
    }

    pub async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>> {
        let row = sqlx::query("SELECT id, text FROM checkpoints ORDER BY id DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(stored_checkpoint).transpose()
    }

    /// Closes the pool, so a SQLite file is checkpointed and released.
    pub async fn close(self) {
        self.pool.close().await;
    }
}

/// A SQLite file starts with a fixed 16-byte header: anything else (a
/// damaged file, another format) is reported by name at once.
fn check_sqlite_header(path: &std::path::Path) -> Result<()> {
    use std::io::Read;
    let Ok(file) = std::fs::File::open(path) else {
        return Ok(()); // missing: created as a new ledger
    };
    let mut head = Vec::with_capacity(16);
    file.take(16)
        .read_to_end(&mut head)
        .map_err(|e| StoreError::Database(format!("{}: {e}", path.display())))?;
    if head.is_empty() || head == b"SQLite format 3\0" {
        return Ok(());
    }
    Err(StoreError::Damaged(format!(
        "{}: not a SQLite database (it does not start with the SQLite header): the ledger file was damaged or replaced; restore it from a backup, or move it away to start a new ledger",
        path.display()
    )))
}

async fn mark_version(tx: &mut sqlx::Transaction<'_, Any>) -> Result<()> {
    sqlx::query(
        "INSERT INTO ledger_meta (key, value) VALUES ('schema', $1) ON CONFLICT (key) DO NOTHING",
    )
    .bind(SCHEMA_VERSION)
    .execute(&mut **tx)
    .await?;
    let found: String = sqlx::query_scalar("SELECT value FROM ledger_meta WHERE key = 'schema'")
        .fetch_one(&mut **tx)
        .await?;
    check_version(&found)
}

fn check_version(found: &str) -> Result<()> {
    if found != SCHEMA_VERSION {
        return Err(StoreError::Damaged(format!(
            "the ledger's schema is version {found}; this evident reads version {SCHEMA_VERSION}: upgrade evident"
        )));
    }
    Ok(())
}

/// The latest moment the log has recorded, and what recorded it.
struct Moment {
    at: Instant,
    what: String,
}

/// The log's size, and the later of the last entry's time and the latest
/// checkpoint's: nothing may be written dated before it. (Two queries, as
/// every write holds the lock while it asks.)
async fn last_moment(tx: &mut sqlx::Transaction<'_, Any>) -> Result<(u64, Option<Moment>)> {
    let last: Option<(i64, i64)> =
        sqlx::query_as("SELECT seq, collected FROM entries ORDER BY seq DESC LIMIT 1")
            .fetch_optional(&mut **tx)
            .await?;
    let size = last.map_or(0, |(seq, _)| seq as u64 + 1);
    let mut floor = last.and_then(|(seq, collected)| {
        Instant::from_unix(collected).map(|at| Moment {
            at,
            what: format!("entry {seq}"),
        })
    });
    let latest = sqlx::query("SELECT id, text FROM checkpoints ORDER BY id DESC LIMIT 1")
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(row) = latest {
        let stored = stored_checkpoint(&row)?;
        let time = Checkpoint::parse(&stored.text)
            .ok()
            .and_then(|c| c.head.time.parse::<Instant>().ok());
        if let Some(at) = time
            && floor.as_ref().is_none_or(|f: &Moment| at > f.at)
        {
            floor = Some(Moment {
                at,
                what: format!("checkpoint {}", stored.id),
            });
        }
    }
    Ok((size, floor))
}

/// Refuses a moment before the log's last one or beyond the clock's reach.
fn check_moment(
    label: &str,
    at: Instant,
    floor: Option<&Moment>,
    not_after: Instant,
) -> Result<()> {
    if let Some(f) = floor
        && at < f.at
    {
        return Err(StoreError::Request(format!(
            "{label} is dated {at}, before {} ({}): time only moves forward in the ledger, so evidence cannot be back-dated (EVIDENT_NOW judges as of another moment but never writes the past); nothing was written",
            f.what, f.at
        )));
    }
    if at > not_after {
        return Err(StoreError::Request(format!(
            "{label} is dated {at}, later than the clock allows ({not_after}): evidence cannot be dated in the future; check EVIDENT_NOW and the system clock; nothing was written"
        )));
    }
    Ok(())
}

async fn size_of<'c>(ex: impl Executor<'c, Database = Any>) -> Result<u64> {
    let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(seq), -1) + 1 FROM entries")
        .fetch_one(ex)
        .await?;
    Ok(next as u64)
}

async fn frontier_at(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, Any>,
    size: u64,
) -> Result<Frontier> {
    over_nodes(backend, &mut **tx, |n| Frontier::at(n, size)).await
}

/// Runs `compute` over the stored perfect nodes: a dry run names the nodes it
/// reads (which depend only on sizes), one query fetches them, then it runs for real.
async fn over_nodes<'c, T>(
    backend: Backend,
    ex: impl Executor<'c, Database = Any>,
    compute: impl Fn(&dyn PerfectNodes) -> T,
) -> Result<T> {
    let wanted = NodeWishlist::of(|w| {
        compute(w);
    });
    let nodes = fetch_nodes(backend, ex, &wanted).await?;
    Ok(compute(&nodes))
}

/// Fetches the perfect nodes a computation wants, in one query over their home rows.
async fn fetch_nodes<'c>(
    backend: Backend,
    ex: impl Executor<'c, Database = Any>,
    wanted: &[(u32, u64)],
) -> Result<FetchedNodes> {
    if wanted.is_empty() {
        return Ok(FetchedNodes::default());
    }
    let homes: BTreeSet<u64> = wanted.iter().map(|&(l, i)| log::home_row(l, i)).collect();
    let sql = format!(
        "SELECT seq, leaf, nodes FROM entries WHERE seq IN ({})",
        placeholders(backend, 1, homes.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for home in &homes {
        q = q.bind(*home as i64);
    }
    let mut rows: HashMap<u64, (Vec<u8>, Vec<u8>)> = HashMap::new();
    for row in q.fetch_all(ex).await? {
        let seq: i64 = row.try_get("seq")?;
        rows.insert(seq as u64, (row.try_get("leaf")?, row.try_get("nodes")?));
    }
    let mut fetched = FetchedNodes::default();
    for &(level, index) in wanted {
        let home = log::home_row(level, index);
        let node = rows
            .get(&home)
            .and_then(|(leaf, nodes)| log::node_in_row(level, leaf, nodes))
            .ok_or_else(|| {
                StoreError::Damaged(format!(
                    "entry {home} is missing or lacks its Merkle node at level {level}; run `evident ledger verify`"
                ))
            })?;
        fetched.0.insert((level, index), node);
    }
    Ok(fetched)
}

/// One row to insert: the canonical bytes, the tree cells, and judging's fields.
struct NewRow<'a> {
    entry: &'a String,
    cells: TreeCells,
    record: &'a Record,
}

type Query<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

/// Binds the columns judging reads, in the order of [`RECORD_COLUMNS`] after `seq`.
fn bind_record<'q>(q: Query<'q>, r: &Record) -> Query<'q> {
    q.bind(r.control.to_string())
        .bind(r.item.to_string())
        .bind(r.result.as_str())
        .bind(r.collected.unix())
        .bind(r.covers_from.to_string())
        .bind(r.covers_to.to_string())
        .bind(r.summary.clone())
        .bind(r.kind.as_str())
        .bind(r.retracts.map(|n| n as i64))
}

async fn insert_rows(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, Any>,
    rows: &[NewRow<'_>],
) -> Result<()> {
    let values: Vec<String> = (0..rows.len())
        .map(|r| {
            let first = r * COLUMNS_PER_ROW + 1;
            format!("({})", placeholders(backend, first, COLUMNS_PER_ROW))
        })
        .collect();
    let sql = format!(
        "INSERT INTO entries ({ALL_COLUMNS}) VALUES {}",
        values.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for NewRow {
        entry,
        cells,
        record: r,
    } in rows
    {
        q = q
            .bind(cells.seq as i64)
            .bind(String::clone(entry))
            .bind(cells.leaf.to_vec())
            .bind(cells.nodes.clone());
        q = bind_record(q, r);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// `$first, $first+1, ...` for PostgreSQL; plain `?` for SQLite, whose parser
/// looks numbered names up one by one (quadratic in a 14,000-value INSERT).
fn placeholders(backend: Backend, first: usize, count: usize) -> String {
    (first..first + count)
        .map(|n| match backend {
            Backend::Sqlite => "?".to_string(),
            Backend::Postgres => format!("${n}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn stored_checkpoint(row: &AnyRow) -> Result<StoredCheckpoint> {
    Ok(StoredCheckpoint {
        id: row.try_get("id")?,
        text: row.try_get("text")?,
    })
}

fn stored_entry(row: &AnyRow) -> Result<StoredEntry> {
    let seq: i64 = row.try_get("seq")?;
    let column = |e: sqlx::Error, name: &str| {
        StoreError::Damaged(format!(
            "entry {seq}: its stored {name} cannot be read ({e}); the ledger was altered outside evident"
        ))
    };
    Ok(StoredEntry {
        seq: seq as u64,
        entry: row.try_get("entry").map_err(|e| column(e, "entry"))?,
        leaf: row.try_get("leaf").map_err(|e| column(e, "leaf"))?,
        nodes: row.try_get("nodes").map_err(|e| column(e, "nodes"))?,
    })
}

/// Shares one `Arc<str>` among the many records that name the same control or item.
#[derive(Default)]
struct Names(HashMap<String, Arc<str>>);

impl Names {
    fn get(&mut self, name: String) -> Arc<str> {
        if let Some(shared) = self.0.get(&name) {
            return shared.clone();
        }
        let shared: Arc<str> = name.as_str().into();
        self.0.insert(name, shared.clone());
        shared
    }
}

/// A row's plain columns as the record judging reads.
fn record_of(row: &AnyRow, names: &mut Names) -> Result<Record> {
    let seq: i64 = row.try_get("seq")?;
    let damaged = |field: &str| {
        StoreError::Damaged(format!(
            "entry {seq}: its stored {field} cannot be read; run `evident ledger verify`"
        ))
    };
    let result: String = row.try_get("result")?;
    let result = [
        Outcome::Pass,
        Outcome::Fail,
        Outcome::Error,
        Outcome::NotApplicable,
    ]
    .into_iter()
    .find(|o| o.as_str() == result)
    .ok_or_else(|| damaged("result"))?;
    let covers_from: String = row.try_get("covers_from")?;
    let covers_to: String = row.try_get("covers_to")?;
    let kind: String = row.try_get("kind")?;
    let retracts: Option<i64> = row.try_get("retracts")?;
    Ok(Record {
        kind: Kind::parse(&kind).ok_or_else(|| damaged("kind"))?,
        retracts: retracts.map(|n| n as u64),
        seq: seq as u64,
        control: names.get(row.try_get("control")?),
        item: names.get(row.try_get("item")?),
        result,
        collected: Instant::from_unix(row.try_get("collected")?)
            .ok_or_else(|| damaged("collected"))?,
        covers_from: covers_from.parse().map_err(|_| damaged("covers_from"))?,
        covers_to: covers_to.parse().map_err(|_| damaged("covers_to"))?,
        summary: row.try_get("summary")?,
    })
}

/// A read transaction over the whole ledger ([`Store::snapshot`]).
pub struct Snapshot {
    tx: sqlx::Transaction<'static, Any>,
}

/// A row as `ledger verify` reads it: the stored entry, and its plain columns
/// as a record (or why they cannot be read).
pub struct VerifyRow {
    pub stored: StoredEntry,
    pub columns: Result<Record>,
}

impl Snapshot {
    pub async fn checkpoints(&mut self) -> Result<Vec<StoredCheckpoint>> {
        let rows = sqlx::query("SELECT id, text FROM checkpoints ORDER BY id")
            .fetch_all(&mut *self.tx)
            .await?;
        rows.iter().map(stored_checkpoint).collect()
    }

    /// Every row in log order, streamed.
    pub fn rows(&mut self) -> BoxStream<'_, Result<VerifyRow>> {
        let sql = format!("SELECT {ALL_COLUMNS} FROM entries ORDER BY seq");
        let mut names = Names::default();
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch(&mut *self.tx)
            .map(move |row| {
                let row = row?;
                Ok(VerifyRow {
                    stored: stored_entry(&row)?,
                    columns: record_of(&row, &mut names),
                })
            })
            .boxed()
    }

    /// Ends the read transaction.
    pub async fn close(self) -> Result<()> {
        self.tx.commit().await?;
        Ok(())
    }
}
