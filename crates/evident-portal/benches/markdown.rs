//! Rendering is linear in the Markdown's size: 2 MB bodies of the shapes that
//! make a Markdown renderer slow (nested lists and quotes, one deep line, a
//! wide table, unclosed emphasis) each render in under 2 s, printed beside
//! 2 MB of plain prose rendered the same way.
//!
//! `cargo bench -p evident-portal --bench markdown`

use std::time::Instant;

const SIZE: usize = 2 << 20;

/// `unit` repeated to 2 MB.
fn body(unit: &str) -> String {
    unit.repeat(SIZE / unit.len() + 1)[..SIZE].to_string()
}

fn seconds(markdown: &str) -> f64 {
    let start = Instant::now();
    let html = evident_portal::to_safe_html(markdown);
    std::hint::black_box(html);
    start.elapsed().as_secs_f64()
}

fn main() {
    let deep_line = format!("{}x\n", "> ".repeat(SIZE / 2 - 2));
    let cases = [
        (
            "plain prose (the comparison)",
            body("Access is granted by role and reviewed each quarter. "),
        ),
        (
            "nested list markers, 40 deep per line",
            body(&format!("{}item\n", "- ".repeat(40))),
        ),
        (
            "nested quotes, 40 deep per line",
            body(&format!("{}quote\n", "> ".repeat(40))),
        ),
        ("one line of 1M quote markers", deep_line),
        (
            "indented list ladder",
            (0..20_000)
                .map(|i| format!("{}- step\n", "  ".repeat(i % 50)))
                .collect::<String>()[..SIZE.min(20_000 * 52)]
                .to_string(),
        ),
        (
            "a 2 MB table",
            body("| a | b | c | d | e | f | g | h |\n|---|---|---|---|---|---|---|---|\n"),
        ),
        ("unclosed emphasis and links", body("*a _b **c [d `e ")),
        (
            "raw HTML tags for the cleaner",
            body("<div><span><b><i>x</i></b></span></div>"),
        ),
    ];
    let plain = seconds(&cases[0].1);
    println!(
        "{:<42} {:>9} {:>8} {:>10}",
        "2 MB body", "seconds", "target", "× plain"
    );
    for (name, markdown) in &cases {
        let s = seconds(markdown);
        println!(
            "{name:<42} {s:>9.3} {:>8} {:>10.1}",
            if s < 2.0 { "< 2 s" } else { "MISSED" },
            s / plain
        );
    }
}
