//! The ledger's rows in a database. One implementation serves SQLite and
//! PostgreSQL through sqlx's `Any` driver: the SQL is shared, only the table
//! definitions and the way a writer takes the lock differ.
//!
//! Writers are serialised by the database itself (SQLite `BEGIN IMMEDIATE`,
//! PostgreSQL `LOCK TABLE ... IN EXCLUSIVE MODE`): a second writer waits up to
//! [`WRITE_WAIT`] and then fails with [`StoreError::Busy`], so the tree never
//! forks. An append returns only after its transaction committed; SQLite runs in
//! WAL mode with `synchronous = FULL`, so a commit is on disk when it returns.

use crate::location::Location;
use evident_ledger::entry::{Entry, EntryFields};
use evident_ledger::log::{self, FetchedNodes, NodeWishlist, StoredCheckpoint, TreeCells};
use evident_ledger::merkle::{self, Frontier, Hash, PerfectNodes};
use evident_ledger::observations;
use futures_util::stream::{BoxStream, StreamExt};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Row};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::ops::Range;
use std::time::Duration;

/// How long a writer waits for another one to finish.
pub const WRITE_WAIT: Duration = Duration::from_secs(10);

/// The schema version this build reads and writes.
const SCHEMA_VERSION: &str = "1";

/// The tables, in SQLite's words; PostgreSQL's differ only in type names (see [`schema`]).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY, entry TEXT NOT NULL, leaf BLOB NOT NULL, nodes BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS checkpoints (id INTEGER PRIMARY KEY, size INTEGER NOT NULL, text TEXT NOT NULL);
";

/// The observations index (see `evident_ledger::observations`): derived from the
/// entries, so a ledger made before it existed gains it on its next write.
pub(crate) const OBSERVATIONS_TABLE: &str = "
CREATE TABLE IF NOT EXISTS observations (
    first_seq INTEGER PRIMARY KEY, count INTEGER NOT NULL, block BLOB NOT NULL);
";

/// SQLite keeps `INTEGER PRIMARY KEY` (the row id itself, the fastest key);
/// PostgreSQL needs 64-bit integers and its own name for bytes.
pub(crate) fn schema(backend: Backend, tables: &str) -> String {
    match backend {
        Backend::Sqlite => tables.to_string(),
        Backend::Postgres => tables.replace("INTEGER", "BIGINT").replace("BLOB", "BYTEA"),
    }
}

/// An entry is kept as its canonical bytes (the JSON the leaf hash covers), so
/// verifying hashes exactly what is stored and nothing is re-serialised.
const ENTRY_COLUMNS: &str = "seq, entry, leaf, nodes";

/// Rows per INSERT statement: 4 parameters each stays under SQLite's 32,766.
const ROWS_PER_INSERT: usize = 1000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug)]
pub enum StoreError {
    /// Another writer held the ledger for longer than this one waits.
    Busy,
    /// The database refused or failed.
    Database(String),
    /// What is stored is not a ledger this build can serve from.
    Damaged(String),
    /// The request cannot be met as asked (no such entry, no checkpoint yet).
    Request(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Busy => f.write_str(
                "the ledger is busy: another evident process is writing to it and did not finish in time; nothing was written, run the command again",
            ),
            StoreError::Database(m) | StoreError::Damaged(m) | StoreError::Request(m) => {
                f.write_str(m)
            }
        }
    }
}

impl std::error::Error for StoreError {}

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
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
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
        store.create_schema().await?;
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
        if let Ok(Some(found)) = existing {
            check_version(&found)?;
            return crate::observations::ensure_table(self).await;
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
                sqlx::raw_sql(sqlx::AssertSqlSafe(
                    schema(self.backend, SCHEMA) + &schema(self.backend, OBSERVATIONS_TABLE),
                ))
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
                sqlx::raw_sql(sqlx::AssertSqlSafe(
                    schema(self.backend, SCHEMA) + &schema(self.backend, OBSERVATIONS_TABLE),
                ))
                .execute(&mut *tx)
                .await?;
                mark_version(&mut tx).await?;
                tx.commit().await?;
            }
        }
        Ok(())
    }

    /// Starts the one write transaction allowed at a time, waiting for another to end.
    pub(crate) async fn write<'c>(
        &self,
        conn: &'c mut AnyConnection,
    ) -> Result<sqlx::Transaction<'c, Any>> {
        Ok(match self.backend {
            Backend::Sqlite => conn.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = conn.begin().await?;
                let wait = format!("SET LOCAL lock_timeout = {}", self.write_wait.as_millis());
                sqlx::query(sqlx::AssertSqlSafe(wait))
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("LOCK TABLE entries IN EXCLUSIVE MODE")
                    .execute(&mut *tx)
                    .await?;
                tx
            }
        })
    }

    /// Appends `entries` as one durable transaction; returns their leaf indexes.
    pub async fn append(&self, entries: &[Entry]) -> Result<Range<u64>> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = self.write(&mut conn).await?;
        let size = size_of(&mut *tx).await?;
        let mut frontier = frontier_at(self.backend, &mut tx, size).await?;
        let canonical: Vec<String> = entries
            .iter()
            .map(|e| String::from_utf8(e.canonical_bytes()).expect("JSON is UTF-8"))
            .collect();
        let cells = log::grow(
            &mut frontier,
            canonical.iter().map(|c| merkle::leaf_hash(c.as_bytes())),
        );
        let observed = entries
            .iter()
            .zip(size..)
            .map(|(e, seq)| {
                observations::from_entry(seq, e.clone()).map_err(|e| {
                    StoreError::Request(format!("entry for {seq}: {e}; nothing was written"))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let rows: Vec<(&String, TreeCells)> = canonical.iter().zip(cells).collect();
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            insert_rows(self.backend, &mut tx, chunk).await?;
        }
        crate::observations::extend(self.backend, &mut tx, size, observed).await?;
        tx.commit().await?;
        Ok(size..size + entries.len() as u64)
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

    /// Every entry in log order, streamed: what `ledger verify` reads.
    pub fn stream(&self) -> BoxStream<'_, Result<StoredEntry>> {
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM entries ORDER BY seq");
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .fetch(&self.pool)
            .map(|row| stored_entry(&row?))
            .boxed()
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
    pub async fn add_checkpoint(
        &self,
        sign: impl FnOnce(u64, Hash) -> String,
    ) -> Result<StoredCheckpoint> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = self.write(&mut conn).await?;
        let size = size_of(&mut *tx).await?;
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

pub(crate) async fn size_of<'c>(ex: impl Executor<'c, Database = Any>) -> Result<u64> {
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

async fn insert_rows(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, Any>,
    rows: &[(&String, TreeCells)],
) -> Result<()> {
    let values: Vec<String> = (0..rows.len())
        .map(|r| format!("({})", placeholders(backend, r * 4 + 1, 4)))
        .collect();
    let sql = format!(
        "INSERT INTO entries ({ENTRY_COLUMNS}) VALUES {}",
        values.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (entry, cells) in rows {
        q = q
            .bind(cells.seq as i64)
            .bind(String::clone(entry))
            .bind(cells.leaf.to_vec())
            .bind(cells.nodes.clone());
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

/// `$first, $first+1, ...` for PostgreSQL; plain `?` for SQLite, whose parser
/// looks numbered names up one by one (quadratic in a 14,000-value INSERT).
pub(crate) fn placeholders(backend: Backend, first: usize, count: usize) -> String {
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
    Ok(StoredEntry {
        seq: seq as u64,
        entry: row.try_get("entry")?,
        leaf: row.try_get("leaf")?,
        nodes: row.try_get("nodes")?,
    })
}
