//! `git:REPO` tables: the commits reachable from a repository's HEAD, read with
//! gix, one row each: `id`, `author`, `author_email`, `committed_at` (UTC),
//! `parents`, `merge`, `signed` (a signature header; keys are not checked),
//! `reviewed_by` (the `Reviewed-by:` trailers, or null), `summary`.

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, RecordBatch, StringArray, TimestampSecondArray, UInt32Array,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use std::path::Path;
use std::sync::Arc;

/// History is read to this many commits, as the `git` check reads it.
const MAX_COMMITS: usize = 200_000;

pub fn commits(path: &Path) -> Result<RecordBatch, String> {
    let repo = gix::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let tip = repo
        .head_commit()
        .map_err(|e| format!("{}: HEAD: {e}", path.display()))?;
    let mut rows = Rows::default();
    let walk = repo.rev_walk([tip.id]).all().map_err(|e| e.to_string())?;
    for info in walk.take(MAX_COMMITS) {
        let info = info.map_err(|e| e.to_string())?;
        let commit = info.object().map_err(|e| e.to_string())?;
        let author = commit.author().map_err(|e| e.to_string())?;
        rows.id.push(commit.id.to_string());
        rows.author.push(author.name.to_string());
        rows.email.push(author.email.to_string());
        rows.at
            .push(commit.time().map_err(|e| e.to_string())?.seconds);
        let parents = commit.parent_ids().count() as u32;
        rows.parents.push(parents);
        rows.merge.push(parents > 1);
        rows.signed
            .push(commit.signature().ok().flatten().is_some());
        let message = commit.message_raw_sloppy().to_string();
        let reviewers: Vec<&str> = message
            .lines()
            .filter_map(|l| l.strip_prefix("Reviewed-by:"))
            .map(str::trim)
            .collect();
        rows.reviewed_by
            .push((!reviewers.is_empty()).then(|| reviewers.join(", ")));
        rows.summary
            .push(message.lines().next().unwrap_or("").to_string());
    }
    rows.batch()
}

#[derive(Default)]
struct Rows {
    id: Vec<String>,
    author: Vec<String>,
    email: Vec<String>,
    at: Vec<i64>,
    parents: Vec<u32>,
    merge: Vec<bool>,
    signed: Vec<bool>,
    reviewed_by: Vec<Option<String>>,
    summary: Vec<String>,
}

impl Rows {
    fn batch(self) -> Result<RecordBatch, String> {
        let utc = DataType::Timestamp(TimeUnit::Second, Some("UTC".into()));
        let schema = Schema::new(vec![
            Field::new("id", DataType::Utf8, false),
            Field::new("author", DataType::Utf8, false),
            Field::new("author_email", DataType::Utf8, false),
            Field::new("committed_at", utc, false),
            Field::new("parents", DataType::UInt32, false),
            Field::new("merge", DataType::Boolean, false),
            Field::new("signed", DataType::Boolean, false),
            Field::new("reviewed_by", DataType::Utf8, true),
            Field::new("summary", DataType::Utf8, false),
        ]);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(self.id)),
            Arc::new(StringArray::from(self.author)),
            Arc::new(StringArray::from(self.email)),
            Arc::new(TimestampSecondArray::from(self.at).with_timezone("UTC")),
            Arc::new(UInt32Array::from(self.parents)),
            Arc::new(BooleanArray::from(self.merge)),
            Arc::new(BooleanArray::from(self.signed)),
            Arc::new(StringArray::from(self.reviewed_by)),
            Arc::new(StringArray::from(self.summary)),
        ];
        RecordBatch::try_new(Arc::new(schema), columns).map_err(|e| e.to_string())
    }
}
