//! Whole-population tests: SQL over a company's exports with Apache DataFusion.
//!
//! A `population` check names tables (CSV, JSON lines or Parquet files of the
//! trust repo, or `git:REPO` for a repository's commits), the population (a
//! table, or a query over them: every leaver, every merge), and a query whose
//! every row is an exception (a leaver whose account outlived the leaving by
//! more than a day). [`test`] runs both and returns the population's size and
//! events, and the exceptions by key: evidence that every event was tested,
//! not a sample.
//!
//! Only queries run: the SQL may not create, change or copy anything
//! (DataFusion's DDL, DML and statements are refused).

mod git;

use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::util::display::array_value_to_string;
use datafusion::execution::context::SQLOptions;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::prelude::{
    CsvReadOptions, JsonReadOptions, ParquetReadOptions, SessionConfig, SessionContext,
};
use std::path::{Path, PathBuf};

/// How many events the result lists (the count is always exact): enough for
/// any leaver or merge population, while a ten-million-row export stays a
/// count.
pub const MAX_EVENTS: usize = 100_000;
/// How many exceptions the result keeps whole (the count is always exact).
pub const MAX_EXCEPTIONS: usize = 10_000;
/// An export evident reads: past this it is not an export of a small company's
/// system, and the read would not be bounded.
pub const MAX_EXPORT: u64 = 8 << 30;

/// The memory a check's query may hold; past it the query stops with an error
/// naming the limit instead of exhausting the machine.
pub const MAX_MEMORY: usize = 4 << 30;

/// One table of the query: its name and where its rows come from.
#[derive(Clone, Debug)]
pub struct Table {
    pub name: String,
    pub source: Source,
}

#[derive(Clone, Debug)]
pub enum Source {
    /// A file, by extension: `.csv`, `.json`/`.jsonl`/`.ndjson` (JSON lines), `.parquet`.
    File(PathBuf),
    /// A repository's commits reachable from HEAD (see [`git`]).
    Git(PathBuf),
}

impl Source {
    /// `git:REPO` or a path, relative to the trust repo at `root`.
    pub fn parse(root: &Path, text: &str) -> Source {
        match text.strip_prefix("git:") {
            Some(repo) => Source::Git(root.join(repo)),
            None => Source::File(root.join(text)),
        }
    }
}

/// What a population check asks.
#[derive(Clone, Debug)]
pub struct Question<'a> {
    pub tables: &'a [Table],
    /// A table name, or a query whose rows are the population.
    pub population: &'a str,
    /// The query whose rows are the exceptions.
    pub query: &'a str,
    /// The column that names each event and each exception.
    pub key: &'a str,
    /// The population's column dating each event, when it has one.
    pub date: Option<&'a str>,
}

/// One event of the population.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub key: String,
    /// The event's date column as text (`2026-10-14`, or a timestamp).
    pub date: Option<String>,
}

/// The answer: every event counted, every exception found.
#[derive(Debug)]
pub struct Tested {
    pub population: u64,
    /// The events, up to [`MAX_EVENTS`].
    pub events: Vec<Event>,
    pub exceptions: u64,
    /// The exceptions' keys and rows (column → value as text), up to [`MAX_EXCEPTIONS`].
    pub exception_rows: Vec<(String, serde_json::Map<String, serde_json::Value>)>,
}

#[derive(Debug, thiserror::Error)]
pub enum PopulationError {
    #[error("table `{name}`: {message}")]
    Table { name: String, message: String },
    #[error("{what}: {message}")]
    Sql { what: &'static str, message: String },
    #[error("{what} has no column `{column}` (it has: {columns})")]
    Column {
        what: &'static str,
        column: String,
        columns: String,
    },
}

/// [`test`] on a runtime of its own with a worker per core: DataFusion
/// spreads a query's partitions over them, where the caller's runtime (one
/// thread, for I/O-bound checks) would run it on one core.
pub fn test_on_all_cores(q: &Question<'_>) -> Result<Tested, PopulationError> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
        .map_err(|e| PopulationError::Sql {
            what: "the query engine",
            message: e.to_string(),
        })?
        .block_on(test(q))
}

/// Runs the population and the exceptions query over the tables.
pub async fn test(q: &Question<'_>) -> Result<Tested, PopulationError> {
    let runtime = RuntimeEnvBuilder::new()
        .with_memory_limit(MAX_MEMORY, 1.0)
        .build_arc()
        .map_err(|e| PopulationError::Sql {
            what: "the query engine",
            message: e.to_string(),
        })?;
    let ctx = SessionContext::new_with_config_rt(SessionConfig::new(), runtime);
    for t in q.tables {
        register(&ctx, t).await?;
    }
    let population_sql = if q.tables.iter().any(|t| t.name == q.population) {
        format!("SELECT * FROM \"{}\"", q.population.replace('"', "\"\""))
    } else {
        q.population.to_string()
    };
    let (schema, population) = run(&ctx, &population_sql, "the population").await?;
    let key = column(&schema, q.key, "the population")?;
    let date = q
        .date
        .map(|d| column(&schema, d, "the population"))
        .transpose()?;
    let mut events = Vec::new();
    let mut size = 0u64;
    for batch in &population {
        size += batch.num_rows() as u64;
        for row in 0..batch.num_rows() {
            if events.len() >= MAX_EVENTS {
                break;
            }
            events.push(Event {
                key: text(batch.column(key), row),
                date: date.map(|d| text(batch.column(d), row)),
            });
        }
    }

    let (schema, found) = run(&ctx, q.query, "the query").await?;
    let key = column(&schema, q.key, "the query")?;
    let mut exception_rows = Vec::new();
    let mut exceptions = 0u64;
    for batch in &found {
        exceptions += batch.num_rows() as u64;
        for row in 0..batch.num_rows() {
            if exception_rows.len() >= MAX_EXCEPTIONS {
                break;
            }
            let fields = schema
                .fields()
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let v = batch.column(i);
                    let value = if v.is_null(row) {
                        serde_json::Value::Null
                    } else {
                        text(v, row).into()
                    };
                    (f.name().clone(), value)
                })
                .collect();
            exception_rows.push((text(batch.column(key), row), fields));
        }
    }
    Ok(Tested {
        population: size,
        events,
        exceptions,
        exception_rows,
    })
}

async fn register(ctx: &SessionContext, t: &Table) -> Result<(), PopulationError> {
    let fail = |message: String| PopulationError::Table {
        name: t.name.clone(),
        message,
    };
    match &t.source {
        Source::Git(repo) => {
            let batch = git::commits(repo).map_err(fail)?;
            ctx.register_batch(&t.name, batch)
                .map_err(|e| fail(e.to_string()))?;
        }
        Source::File(path) => {
            // A regular file whose size is known before DataFusion reads it.
            let file = evident_fsio::open_regular(path).map_err(|e| fail(e.to_string()))?;
            let size = file.metadata().map_err(|e| fail(e.to_string()))?.len();
            if size > MAX_EXPORT {
                return Err(fail(format!(
                    "{size} bytes, more than the {} GiB an export may hold",
                    MAX_EXPORT >> 30
                )));
            }
            let name = path.to_string_lossy();
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            let dotted = format!(".{ext}");
            let done = match ext {
                "csv" => {
                    let options = CsvReadOptions::new().file_extension(&dotted);
                    ctx.register_csv(&t.name, &*name, options).await
                }
                "json" | "jsonl" | "ndjson" => {
                    let options = JsonReadOptions::default().file_extension(&dotted);
                    ctx.register_json(&t.name, &*name, options).await
                }
                "parquet" => {
                    let options = ParquetReadOptions::default().file_extension(&dotted);
                    ctx.register_parquet(&t.name, &*name, options).await
                }
                _ => {
                    return Err(fail(format!(
                        "`{name}` is not .csv, .json/.jsonl/.ndjson (JSON lines) or .parquet"
                    )));
                }
            };
            done.map_err(|e| fail(e.to_string()))?;
        }
    }
    Ok(())
}

async fn run(
    ctx: &SessionContext,
    sql: &str,
    what: &'static str,
) -> Result<(SchemaRef, Vec<RecordBatch>), PopulationError> {
    let fail = |e: datafusion::error::DataFusionError| PopulationError::Sql {
        what,
        message: e.to_string(),
    };
    let only_queries = SQLOptions::new()
        .with_allow_ddl(false)
        .with_allow_dml(false)
        .with_allow_statements(false);
    let frame = ctx
        .sql_with_options(sql, only_queries)
        .await
        .map_err(fail)?;
    let schema: SchemaRef = std::sync::Arc::new(frame.schema().as_arrow().clone());
    Ok((schema, frame.collect().await.map_err(fail)?))
}

/// The index of `name` among the result's columns.
fn column(schema: &SchemaRef, name: &str, what: &'static str) -> Result<usize, PopulationError> {
    schema.index_of(name).map_err(|_| PopulationError::Column {
        what,
        column: name.to_string(),
        columns: schema
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

fn text(array: &dyn Array, row: usize) -> String {
    if array.is_null(row) {
        return String::new();
    }
    array_value_to_string(array, row).unwrap_or_default()
}
