//! The demo company's history, written into its freshly scaffolded trust repo so
//! the demo shows a realistic mix rather than a blank slate.

use evident_core::time::Date;
use std::path::Path;

/// Edits the starter as the company would have, each fact dated the day it
/// happened in the story: its policies were approved a month ago (the vendor
/// policy is still a draft), the cryptography page claims `implemented` (the
/// TLS check will say otherwise), the quarterly access review was last done
/// four months ago, its hosting provider was reviewed two months ago, its CTO
/// accepted the SBOM's one known advisory for a month, and its portal takes
/// requests for the report and states its disclosure terms.
pub fn history(dir: &Path, today: Date) -> Result<(), String> {
    let approved = today.add_days(-30);
    for entry in std::fs::read_dir(dir.join("policies")).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.ends_with("vendor-management.md") {
            continue;
        }
        edit(
            &path,
            "review: { every: 1y }",
            &format!("approved_by: CEO\napproved_on: {approved}\nreview: {{ every: 1y }}"),
        )?;
    }
    edit(
        &dir.join("controls/cryptography.md"),
        "visibility: public\n",
        "visibility: public\nclaimed: implemented\n",
    )?;
    // Its trust portal takes requests for the report and states its disclosure terms.
    // It publishes its metrics beside the other pages.
    edit(
        &dir.join("evident.toml"),
        "languages = [\"en\"]\n",
        "languages = [\"en\"]\nreport_request = \"mailto:security@lumen-analytics.example?subject=SOC%202%20report\"\npages = [\"criteria\", \"controls\", \"missing\", \"subprocessors\", \"records\", \"disclosure\", \"changes\", \"verify\", \"metrics\"]\n",
    )?;
    append(
        &dir.join("evident.toml"),
        "\n[portal.disclosure]\nresponse_time = \"2 business days\"\nsafe_harbour = \"We will not pursue legal action against good-faith research that follows this policy.\"\n",
    )?;
    // The CTO accepted the one known advisory in the SBOM for a month: setuptools
    // is a build tool, not shipped in the runtime image.
    edit(
        &dir.join("controls/sca.md"),
        "fail_on: [critical, high] }",
        &format!(
            "fail_on: [critical, high], accepted: [{{ id: GHSA-r9hx-vwmv-q579, accepted_by: CTO, until: {}, reason: \"build-time only; not in the runtime image\" }}] }}",
            today.add_days(30)
        ),
    )?;
    let reviewed = today.add_days(-120);
    edit(
        &dir.join("controls/access-reviews.md"),
        "review: { every: 90d }",
        &format!("review: {{ every: 90d, last: {reviewed} }}"),
    )?;
    append(
        &dir.join("registers/access-reviews.toml"),
        &format!(
            "\n[[access_review]]\nid = \"AR-1\"\nscope = \"users\"\nsystem = \"Identity provider\"\nreviewer = \"cto@lumen-analytics.example\"\ndate = {reviewed}\nevery = \"13w\"\nfindings = \"Two leavers' accounts removed.\"\n"
        ),
    )?;
    append(
        &dir.join("registers/vendors.toml"),
        &format!(
            "\n[[vendor]]\nname = \"Hetzner Online\"\npurpose = \"Hosting of the production service\"\ndata = [\"customer data\", \"logs\"]\nlocation = \"EU (Germany)\"\nsubprocessor = true\ndpa = true\nsoc2 = \"none\"\niso27001 = true\nlast_review = {}\n",
            today.add_days(-60)
        ),
    )
}

fn append(path: &Path, text: &str) -> Result<(), String> {
    let before = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if before.contains(text) {
        return Ok(());
    }
    evident_fsio::replace(path, format!("{before}{text}").as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))
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
