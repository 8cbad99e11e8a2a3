//! Problems found in a trust repo, each pinned to a file, line, column and field.

use serde::Serialize;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
}

/// One problem, printed as `file:line:column: error: field: message` plus a hint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub level: Level,
    /// Path relative to the trust repo, with `/` separators.
    pub file: String,
    /// 1-based; 0 only when the problem is the file as a whole being absent.
    pub line: u32,
    pub column: u32,
    /// The field the problem is about (`evidence[1].fresh_for`, `criteria`), or "" for the file.
    pub field: String,
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn error(
        file: &str,
        line: u32,
        column: u32,
        field: &str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            level: Level::Error,
            file: file.to_string(),
            line: line.max(1),
            column: column.max(1),
            field: field.to_string(),
            message: message.into(),
            hint: None,
        }
    }

    pub fn warning(
        file: &str,
        line: u32,
        column: u32,
        field: &str,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            level: Level::Warning,
            ..Diagnostic::error(file, line, column, field, message)
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        // Every part may quote the trust repo: shown inert, one line each.
        let inert = evident_core::terminal::inert;
        write!(
            f,
            "{}:{}:{}: {level}: ",
            inert(&self.file),
            self.line,
            self.column
        )?;
        if !self.field.is_empty() {
            write!(f, "{}: ", inert(&self.field))?;
        }
        write!(f, "{}", inert(&self.message))?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {}", inert(h))?;
        }
        Ok(())
    }
}

/// Diagnostics gathered while reading one trust repo.
#[derive(Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.0.iter().filter(|d| d.is_error())
    }

    /// File order, then position, so output reads top to bottom.
    pub fn sorted(mut self) -> Vec<Diagnostic> {
        self.0
            .sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
        self.0
    }
}
