//! The trust portal: a static site from the same judgement the auditor's package
//! reads, so the two can never disagree.
//!
//! [`build`] is pure: it takes the program, its derived status and gap inventory,
//! the ledger's entries and latest checkpoint, and hands each file of the site
//! (path and bytes) to the caller's `put` as soon as it is rendered, so writing
//! (the caller's job) overlaps with rendering the rest. Only public things reach
//! the site: private controls, items, gaps and register entries are dropped in
//! `view.rs` before any template sees them.

mod charts;
mod markdown;
mod view;

use evident_core::catalog::Catalog;
use evident_core::gaps::GapReport;
use evident_core::model::TrustProgram;
use evident_core::status::{History, StatusReport};

pub use markdown::{Prose, to_safe_html};

/// What the portal is built from.
pub struct Inputs<'a> {
    pub program: &'a TrustProgram,
    pub catalog: &'a Catalog,
    pub status: &'a StatusReport,
    pub gaps: &'a GapReport,
    /// The ledger's entries, grouped by item (the status above was derived from it).
    pub history: &'a History<'a>,
    /// The latest signed checkpoint, as text.
    pub checkpoint: Option<String>,
    /// The trust repo's Markdown as safe HTML ([`Prose::render`] of `program`).
    pub prose: &'a Prose,
    /// The ledger's public key file, as text.
    pub public_key: Option<String>,
    /// Templates from the trust repo that replace the built-in ones, by file name.
    pub overrides: Vec<(String, String)>,
}

/// Why a build stopped.
#[derive(Debug)]
pub enum Failed<E> {
    /// A template did not render (one from the trust repo, as a rule).
    Template(String),
    /// The caller's `put` refused a file.
    Put(E),
}

const BUILT_IN: [(&str, &str); 14] = [
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("criteria.html", include_str!("../templates/criteria.html")),
    ("control.html", include_str!("../templates/control.html")),
    ("missing.html", include_str!("../templates/missing.html")),
    (
        "subprocessors.html",
        include_str!("../templates/subprocessors.html"),
    ),
    (
        "disclosure.html",
        include_str!("../templates/disclosure.html"),
    ),
    ("changes.html", include_str!("../templates/changes.html")),
    ("security.txt", include_str!("../templates/security.txt")),
    ("style.css", include_str!("../templates/style.css")),
    (
        "chart-bars.svg",
        include_str!("../templates/chart-bars.svg"),
    ),
    (
        "chart-line.svg",
        include_str!("../templates/chart-line.svg"),
    ),
    ("sitemap.xml", include_str!("../templates/sitemap.xml")),
];

/// Any serialisable value as a template value.
fn v<T: serde::Serialize>(x: &T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(x))
}

/// The names of the templates a trust repo may override.
pub fn template_names() -> impl Iterator<Item = &'static str> {
    BUILT_IN.iter().map(|(n, _)| *n)
}

/// A page's context, made when the page is rendered (on whichever core).
type Context<'s> = Box<dyn Fn() -> minijinja::Value + Sync + 's>;

/// A page to render: its path, its template, the way back to the site root from
/// it, and its context.
type Job<'s> = (String, &'static str, &'static str, Context<'s>);

/// Where a control's page is, inside the site.
fn control_page(id: &str) -> String {
    format!("controls/{id}.html")
}

/// The control pages a build of `program` writes (one per public control), known
/// before anything is judged: the files can be made ahead of their content.
pub fn control_pages(program: &evident_core::model::TrustProgram) -> Vec<String> {
    program
        .controls
        .iter()
        .filter(|c| c.visibility == evident_core::model::Visibility::Public)
        .map(|c| control_page(&c.id))
        .collect()
}

/// A page at the site root.
fn page<'s>(path: &str, template: &'static str, context: Context<'s>) -> Job<'s> {
    (path.to_string(), template, "", context)
}

/// Renders the whole site, handing each file to `put` (a path relative to the
/// site root, and its bytes) from whichever core rendered it.
pub fn build<E: Send>(
    inputs: &Inputs<'_>,
    put: impl Fn(&str, &[u8]) -> Result<(), E> + Sync,
) -> Result<(), Failed<E>> {
    let mut env = minijinja::Environment::new();
    // security.txt must end every line, the last one too, with a newline (RFC 9116).
    let syntax = minijinja::syntax::SyntaxConfig::builder()
        .keep_trailing_newline(true)
        .build()
        .map_err(|e| Failed::Template(e.to_string()))?;
    env.set_syntax(syntax);
    env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    // The same marks `evident status` prints beside each status word.
    env.add_filter("symbol", |word: &str| evident_core::status::symbol(word));
    for (name, source) in BUILT_IN {
        let source = inputs
            .overrides
            .iter()
            .find(|(n, _)| n == name)
            .map_or(source.to_string(), |(_, s)| s.clone());
        env.add_template_owned(name.to_string(), source)
            .map_err(|e| Failed::Template(format!("template {name}: {e}")))?;
    }
    let (charts, site) =
        evident_core::parallel::both(|| charts::render(&env, inputs), || view::Site::new(inputs));
    let charts = charts.map_err(Failed::Template)?;
    // Made once: every page's context shares them.
    let (meta, charts) = (v(&site.meta), v(&charts));
    let render = |name: &str, root: &str, extra: minijinja::Value| -> Result<Vec<u8>, String> {
        let ctx = minijinja::context! { site => meta.clone(), root => minijinja::Value::from_safe_string(root.to_string()), charts => charts.clone(), ..extra };
        env.get_template(name)
            .and_then(|t| t.render(ctx))
            .map(String::into_bytes)
            .map_err(|e| format!("template {name}: {e:#}"))
    };
    // Every page as a job: (path, template, link root, its own context, made
    // when rendered). The jobs run on both cores.
    let mut jobs: Vec<Job<'_>> = vec![
        page(
            "index.html",
            "index.html",
            Box::new(|| {
                minijinja::context! {
                    statement => v(&site.statement),
                    categories => v(&site.categories),
                    checkpoint => v(&inputs.checkpoint),
                    public_key => v(&inputs.public_key),
                }
            }),
        ),
        page(
            "criteria.html",
            "criteria.html",
            Box::new(|| minijinja::context! { criteria => v(&site.criteria) }),
        ),
        // The longest page early, so one core takes it while the other starts on controls.
        page(
            "changes.html",
            "changes.html",
            Box::new(
                || minijinja::context! { changes => v(&site.changes), journal => v(&site.journal) },
            ),
        ),
    ];
    for c in &site.controls {
        jobs.push((
            control_page(&c.id),
            "control.html",
            "../",
            Box::new(move || minijinja::context! { control => v(c) }),
        ));
    }
    jobs.extend([
        page(
            "missing.html",
            "missing.html",
            Box::new(|| minijinja::context! { findings => v(&site.findings), statement => v(&site.statement) }),
        ),
        page(
            "subprocessors.html",
            "subprocessors.html",
            Box::new(|| minijinja::context! { subprocessors => v(&site.subprocessors) }),
        ),
        page("disclosure.html", "disclosure.html", Box::new(|| minijinja::context! {})),
        page(
            ".well-known/security.txt",
            "security.txt",
            Box::new(|| minijinja::context! { expires => v(&site.security_txt_expires), canonical => v(&site.security_txt_canonical) }),
        ),
        page("style.css", "style.css", Box::new(|| minijinja::context! {})),
    ]);
    // Each page is written as soon as it is rendered: creating a thousand files
    // is kernel time that would otherwise follow all the rendering on one core.
    let done = evident_core::parallel::map(&jobs, |(path, template, root, context)| {
        let bytes = render(template, root, context()).map_err(Failed::Template)?;
        put(path, &bytes).map_err(Failed::Put)
    });
    done.into_iter().collect::<Result<(), _>>()?;
    if site.meta.base_url.is_some() {
        let paths: Vec<&str> = jobs
            .iter()
            .map(|(path, ..)| path.as_str())
            .filter(|p| p.ends_with(".html"))
            .collect();
        let sitemap = render(
            "sitemap.xml",
            "",
            minijinja::context! { paths => v(&paths) },
        )
        .map_err(Failed::Template)?;
        put("sitemap.xml", &sitemap).map_err(Failed::Put)?;
    }
    Ok(())
}
