//! The observations index in the database: blocks of packed records kept in the
//! same transaction as the entries they are derived from (the format and why it
//! exists are in `evident_ledger::observations`).
//!
//! Entries the index does not reach yet (written before it existed, or by an
//! older evident) are read from their canonical text, and the next append packs
//! them in; so the index is an accelerator, never a second truth.

use crate::store::{
    Backend, OBSERVATIONS_TABLE, Result, Store, StoreError, placeholders, schema, size_of,
};
use evident_core::status::Observed;
use evident_ledger::observations::{self, BLOCK_ENTRIES};
use futures_util::TryStreamExt;
use sqlx::{Any, AnyConnection, Connection, Row};
use std::ops::Range;

/// Creates the table in a ledger made before the index existed.
pub(crate) async fn ensure_table(store: &Store) -> Result<()> {
    let present = sqlx::query("SELECT first_seq FROM observations WHERE first_seq < 0")
        .fetch_optional(&store.pool)
        .await
        .is_ok();
    if present {
        return Ok(());
    }
    let mut conn = store.pool.acquire().await?;
    let mut tx = store.write(&mut conn).await?;
    sqlx::raw_sql(sqlx::AssertSqlSafe(schema(
        store.backend,
        OBSERVATIONS_TABLE,
    )))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Packs `new` (entries `size..`, just inserted in `tx`) into the index, with
/// any older entries it does not reach yet. Rewrites at most the last block.
pub(crate) async fn extend(
    backend: Backend,
    tx: &mut sqlx::Transaction<'_, Any>,
    size: u64,
    new: Vec<Observed>,
) -> Result<()> {
    let last = sqlx::query(
        "SELECT first_seq, count, block FROM observations ORDER BY first_seq DESC LIMIT 1",
    )
    .fetch_optional(&mut **tx)
    .await?;
    let (start, mut records) = match last {
        None => (0, Vec::new()),
        Some(row) => {
            let (first, block) = decoded(&row)?;
            if block.len() < BLOCK_ENTRIES {
                sqlx::query("DELETE FROM observations WHERE first_seq = $1")
                    .bind(first as i64)
                    .execute(&mut **tx)
                    .await?;
                (first, block)
            } else {
                (first + block.len() as u64, Vec::new())
            }
        }
    };
    let reached = start + records.len() as u64;
    if reached > size {
        return Err(beyond_the_log(reached, size));
    }
    records.extend(from_texts(backend, tx, reached..size).await?);
    records.extend(new);
    for (n, chunk) in records.chunks(BLOCK_ENTRIES).enumerate() {
        insert_block(tx, start + (n * BLOCK_ENTRIES) as u64, chunk).await?;
    }
    Ok(())
}

async fn insert_block(
    tx: &mut sqlx::Transaction<'_, Any>,
    first: u64,
    records: &[Observed],
) -> Result<()> {
    sqlx::query("INSERT INTO observations (first_seq, count, block) VALUES ($1, $2, $3)")
        .bind(first as i64)
        .bind(records.len() as i64)
        .bind(observations::encode(records))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// What judging reads of every entry, in log order: the index's blocks, then
    /// any entries it does not reach yet from their text.
    pub async fn observations(&self) -> Result<Vec<Observed>> {
        let mut conn = self.pool.acquire().await?;
        // One read transaction, so the blocks and the log's size agree.
        let mut tx = conn.begin().await?;
        let mut out = self.indexed(&mut tx).await?;
        let size = size_of(&mut *tx).await?;
        let reached = out.len() as u64;
        if reached > size {
            return Err(beyond_the_log(reached, size));
        }
        out.extend(from_texts(self.backend, &mut tx, reached..size).await?);
        tx.commit().await?;
        Ok(out)
    }

    /// The index's records alone.
    pub async fn indexed_observations(&self) -> Result<Vec<Observed>> {
        let mut conn = self.pool.acquire().await?;
        self.indexed(&mut conn).await
    }

    /// The index block that starts at entry `first`, if there is one: `ledger
    /// verify` walks the index a block at a time beside the entries, so its
    /// memory stays flat however long the log.
    pub async fn indexed_block(&self, first: u64) -> Result<Option<Vec<Observed>>> {
        let row =
            sqlx::query("SELECT first_seq, count, block FROM observations WHERE first_seq = $1")
                .bind(first as i64)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| decoded(&r).map(|(_, records)| records))
            .transpose()
    }

    /// Where the index ends: one past the last entry any block speaks for.
    pub async fn indexed_reach(&self) -> Result<u64> {
        let reach: i64 =
            sqlx::query_scalar("SELECT COALESCE(MAX(first_seq + count), 0) FROM observations")
                .fetch_one(&self.pool)
                .await?;
        Ok(reach as u64)
    }

    async fn indexed(&self, conn: &mut AnyConnection) -> Result<Vec<Observed>> {
        // The records land in one allocation sized up front, and each block is
        // unpacked as it arrives while the database reads the next.
        let total: i64 =
            sqlx::query_scalar("SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM observations")
                .fetch_one(&mut *conn)
                .await?;
        let mut out: Vec<Observed> = Vec::with_capacity(usize::try_from(total).unwrap_or(0));
        let mut rows =
            sqlx::query("SELECT first_seq, count, block FROM observations ORDER BY first_seq")
                .fetch(&mut *conn);
        while let Some(row) = rows.try_next().await? {
            let reached = out.len() as u64;
            let first = unpack(&row, &mut out)?;
            if first != reached {
                return Err(damaged(format!(
                    "the observations index skips or repeats entries at {first}"
                )));
            }
        }
        Ok(out)
    }

    /// Rebuilds the index from the entries, in one transaction.
    pub async fn reindex(&self) -> Result<u64> {
        let mut conn = self.pool.acquire().await?;
        let mut tx = self.write(&mut conn).await?;
        sqlx::query("DELETE FROM observations")
            .execute(&mut *tx)
            .await?;
        let size = size_of(&mut *tx).await?;
        let records = from_texts(self.backend, &mut tx, 0..size).await?;
        for (n, chunk) in records.chunks(BLOCK_ENTRIES).enumerate() {
            insert_block(&mut tx, (n * BLOCK_ENTRIES) as u64, chunk).await?;
        }
        tx.commit().await?;
        Ok(size)
    }
}

/// A block row, unpacked and checked against the count stored beside it.
fn decoded(row: &sqlx::any::AnyRow) -> Result<(u64, Vec<Observed>)> {
    let mut records = Vec::new();
    let first = unpack(row, &mut records)?;
    Ok((first, records))
}

/// [`decoded`] appending to `out`; returns the block's first entry.
fn unpack(row: &sqlx::any::AnyRow, out: &mut Vec<Observed>) -> Result<u64> {
    let first: i64 = row.try_get("first_seq")?;
    let count: i64 = row.try_get("count")?;
    let bytes: &[u8] = row.try_get("block")?;
    let held = observations::decode_into(first as u64, bytes, out)
        .map_err(|e| damaged(format!("the observations block at entry {first}: {e}")))?;
    if held as i64 != count {
        return Err(damaged(format!(
            "the observations block at entry {first} holds {held} records, not {count}"
        )));
    }
    Ok(first as u64)
}

/// Entries `range` read from their canonical text, in chunks the database joins
/// into one text each (canonical JSON never holds a raw newline), so the driver
/// hands over one row per chunk instead of one per entry.
async fn from_texts(
    backend: Backend,
    conn: &mut AnyConnection,
    range: Range<u64>,
) -> Result<Vec<Observed>> {
    const CHUNK: u64 = 5_000;
    let joined = match backend {
        Backend::Sqlite => "group_concat(seq || ' ' || entry, char(10))",
        Backend::Postgres => "string_agg(seq::text || ' ' || entry, E'\\n' ORDER BY seq)",
    };
    let bounds = placeholders(backend, 1, 2);
    let (lo, hi) = bounds.split_once(", ").unwrap_or(("?", "?"));
    let sql = format!(
        "SELECT {joined} AS chunk FROM (SELECT seq, entry FROM entries WHERE seq >= {lo} AND seq < {hi} ORDER BY seq) AS part"
    );
    let mut out = Vec::with_capacity((range.end - range.start) as usize);
    for start in range.clone().step_by(CHUNK as usize) {
        let row = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
            .bind(start as i64)
            .bind((start + CHUNK).min(range.end) as i64)
            .fetch_one(&mut *conn)
            .await?;
        let chunk: Option<String> = row.try_get("chunk")?;
        for line in chunk.as_deref().unwrap_or("").lines() {
            let (seq, entry) = line
                .split_once(' ')
                .and_then(|(n, e)| Some((n.parse::<u64>().ok()?, e)))
                .ok_or_else(|| damaged(format!("an entry near {start} cannot be read")))?;
            let observed = observations::from_canonical(seq, entry.as_bytes())
                .map_err(|e| damaged(format!("ledger entry {seq} cannot be read ({e})")))?;
            out.push(observed);
        }
    }
    // SQLite does not promise group_concat's order; the numbers restore it.
    out.sort_unstable_by_key(|o| o.seq);
    let expected = range.end - range.start;
    if out.len() as u64 != expected || out.iter().zip(range).any(|(o, seq)| o.seq != seq) {
        return Err(damaged("the ledger is missing an entry".into()));
    }
    Ok(out)
}

fn beyond_the_log(reached: u64, size: u64) -> StoreError {
    damaged(format!(
        "the observations index reaches entry {reached} but the log holds {size}"
    ))
}

fn damaged(what: String) -> StoreError {
    StoreError::Damaged(format!(
        "{what}; run `evident ledger verify`, and `evident ledger reindex` to rebuild the index from the entries"
    ))
}
