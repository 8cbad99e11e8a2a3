//! Reading a trust-repo file safely: size-capped, UTF-8 only, with line/column lookup.

use crate::diagnostic::Diagnostic;
use std::path::Path;

/// Text files in a trust repo are documents, not data dumps; anything larger is a mistake.
pub const MAX_TEXT_FILE_BYTES: u64 = 2 * 1024 * 1024;

/// A text file of the trust repo, held in memory with its line starts.
pub struct SourceFile {
    /// Path relative to the trust repo root, `/`-separated.
    pub rel: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(rel: &str, text: String) -> SourceFile {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceFile {
            rel: rel.to_string(),
            text,
            line_starts,
        }
    }

    /// Reads `root/rel`, refusing what is not a regular file inside the trust
    /// repo (a symlink out of it, a FIFO, a device) and files that are too
    /// large, binary or not UTF-8.
    pub fn read(root: &Path, rel: &str) -> Result<SourceFile, Diagnostic> {
        let bytes = evident_fsio::read_inside(root, rel, MAX_TEXT_FILE_BYTES)
            .map_err(|e| unreadable(rel, &e))?;
        // Binary first: a NUL byte says "binary" more usefully than "not UTF-8".
        if let Some(nul) = bytes.iter().position(|b| *b == 0) {
            let (line, column) = position_in_bytes(&bytes, nul);
            return Err(Diagnostic::error(
                rel,
                line,
                column,
                "",
                "file contains a NUL byte: it looks binary",
            )
            .hint(
                "binary files belong under evidence/, not among controls, policies or registers",
            ));
        }
        let text = String::from_utf8(bytes).map_err(|e| {
            let (line, column) = position_in_bytes(e.as_bytes(), e.utf8_error().valid_up_to());
            Diagnostic::error(rel, line, column, "", "file is not valid UTF-8 text")
                .hint("save the file as UTF-8; binary files belong under evidence/")
        })?;
        Ok(SourceFile::new(rel, text))
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|s| *s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (to_u32(line + 1), to_u32(column + 1))
    }

    /// The text of a 1-based line, without its newline.
    pub fn line(&self, line: u32) -> &str {
        let i = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(i) else {
            return "";
        };
        let end = self
            .line_starts
            .get(i + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// The key written on a line (`  fresh_for: 3x` gives `fresh_for`), to name the field
    /// of a parse error when the parser itself does not.
    pub fn key_on_line(&self, line: u32) -> String {
        key_in(self.line(line))
    }
}

/// Why a trust-repo file was not read, and what to do.
pub fn unreadable(rel: &str, e: &evident_fsio::ReadError) -> Diagnostic {
    use evident_fsio::ReadError;
    match e {
        ReadError::TooLarge(len) => too_large(rel, *len),
        ReadError::Outside(_) => Diagnostic::error(rel, 1, 1, "", format!("not read: {e}"))
            .hint("a trust repo's files live inside it: copy the file in instead of linking to it"),
        ReadError::NotRegular(_) => Diagnostic::error(rel, 1, 1, "", format!("not read: {e}"))
            .hint("replace it with a regular text file, or remove it"),
        ReadError::Missing | ReadError::Io(_) => io_error(rel, e),
    }
}

fn too_large(rel: &str, len: u64) -> Diagnostic {
    Diagnostic::error(
        rel,
        1,
        1,
        "",
        format!(
            "file is {len} bytes; trust-repo text files are limited to {MAX_TEXT_FILE_BYTES} bytes"
        ),
    )
    .hint("keep large artefacts under evidence/ and reference them from an evidence item")
}

fn key_in(line: &str) -> String {
    let t = line.trim_start().trim_start_matches("- ").trim_start();
    let Some((key, _)) = t.split_once([':', '=']) else {
        return String::new();
    };
    let key = key.trim().trim_matches(['"', '\'']);
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || "_-.".contains(c));
    if plain {
        key.to_string()
    } else {
        String::new()
    }
}

fn position_in_bytes(bytes: &[u8], offset: usize) -> (u32, u32) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = before.iter().rev().take_while(|b| **b != b'\n').count() + 1;
    (to_u32(line), to_u32(column))
}

pub fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

pub fn io_error(rel: &str, e: &dyn std::fmt::Display) -> Diagnostic {
    Diagnostic::error(rel, 1, 1, "", format!("cannot read file: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_read_whole_and_refused_when_too_large_binary_or_not_utf8() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str, bytes: &[u8]| {
            std::fs::write(dir.path().join(name), bytes).unwrap();
            SourceFile::read(dir.path(), name)
        };
        let ok = file("ok.md", "one\ntwo\n".as_bytes()).unwrap();
        assert_eq!((ok.text.as_str(), ok.line(2)), ("one\ntwo\n", "two"));
        let at_limit = vec![b'a'; MAX_TEXT_FILE_BYTES as usize];
        assert_eq!(
            file("edge.md", &at_limit).unwrap().text.len(),
            at_limit.len()
        );
        let big = vec![b'a'; MAX_TEXT_FILE_BYTES as usize + 1];
        let refused = file("big.md", &big).err().unwrap();
        assert!(
            refused.message.contains("limited to"),
            "{}",
            refused.message
        );
        assert_eq!(refused.file, "big.md");
        let binary = file("bin.md", b"ab\0cd").err().unwrap();
        assert!(binary.message.contains("NUL"), "{}", binary.message);
        let latin1 = file("l1.md", b"caf\xe9").err().unwrap();
        assert!(latin1.message.contains("UTF-8"), "{}", latin1.message);
        let missing = SourceFile::read(dir.path(), "none.md").err().unwrap();
        assert_eq!(missing.file, "none.md");
    }

    #[test]
    fn positions_and_keys() {
        let s = SourceFile::new("a.md", "one\ntwo: 2\n  - fresh_for: 3x\nünï: x".to_string());
        assert_eq!(s.line_col(0), (1, 1));
        assert_eq!(s.line_col(4), (2, 1));
        assert_eq!(s.line_col(9), (2, 6));
        assert_eq!(s.key_on_line(3), "fresh_for");
        assert_eq!(s.line(4), "ünï: x");
        assert_eq!(s.line_col(s.text.len()), (4, 7));
        assert_eq!(s.key_on_line(1), "");
        assert_eq!(s.line(99), "");
    }
}
