//! The demo company's history, written into its freshly scaffolded trust repo so
//! the demo shows a realistic mix rather than a blank slate.

use evident_core::time::Date;
use std::path::Path;

/// Edits the starter as the company would have: the cryptography page claims
/// `implemented` (the TLS check will say otherwise), and the quarterly access
/// review was last done four months ago.
pub fn history(dir: &Path, today: Date) -> Result<(), String> {
    edit(
        &dir.join("controls/cryptography.md"),
        "visibility: public\n",
        "visibility: public\nclaimed: implemented\n",
    )?;
    edit(
        &dir.join("controls/access-reviews.md"),
        &format!("review: {{ every: 90d, last: {today} }}"),
        &format!("review: {{ every: 90d, last: {} }}", today.add_days(-120)),
    )
}

/// Replaces `from` by `to` once in `path`; already edited files are left alone.
fn edit(path: &Path, from: &str, to: &str) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if text.contains(to) {
        return Ok(());
    }
    if !text.contains(from) {
        return Err(format!(
            "{}: expected `{from}` in the starter",
            path.display()
        ));
    }
    evident_fsio::replace(path, text.replacen(from, to, 1).as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
}
