//! The auditor's sample: for each control, its population for the window and a
//! reproducible random sample drawn from it with a seed.
//!
//! Sizes follow the design's table: by frequency, annual 1, quarterly 2, monthly 2,
//! weekly 5, daily 25, continuous (several a day) 25; for per-event controls by
//! population size, up to 5 all, 6–50 five, 51–250 ten per cent rounded up, over
//! 250 twenty-five. A sample never exceeds its population, so a small population
//! is tested whole. The frequency sizes can be changed in `evident.toml`
//! (`[sample]`). The draw is ChaCha8 seeded from the seed and the control's id, so
//! the same seed gives the same sample on any machine, and one control's sample
//! does not move when another control is added. A per-event control whose
//! population check tested every event needs no sample: its population is
//! those events, all of them listed (`whole_population_tested`).

pub use crate::model::SampleSizes;
use crate::model::{Frequency, Outcome, TrustProgram, Window};
use crate::period::{PeriodResult, by_control, of, test_control};
use crate::population::Populations;
use crate::record::Record;
use crate::time::{Date, Instant};
use rand::SeedableRng;
use serde::Serialize;

/// Version of the JSON shape below; bumped on any incompatible change.
pub const SAMPLE_JSON_VERSION: u32 = 1;

impl SampleSizes {
    /// How many to draw from a population of `population` for `frequency`.
    pub fn size(&self, frequency: Frequency, population: usize) -> usize {
        let wanted = match frequency {
            Frequency::Annual => self.annual,
            Frequency::Quarterly => self.quarterly,
            Frequency::Monthly => self.monthly,
            Frequency::Weekly => self.weekly,
            Frequency::Daily => self.daily,
            Frequency::Continuous => self.continuous,
            Frequency::PerEvent => event_sample_size(population),
        };
        wanted.min(population)
    }
}

/// The per-event table: up to 5 all, 6–50 five, 51–250 ten per cent (rounded
/// up), over 250 twenty-five.
pub fn event_sample_size(population: usize) -> usize {
    match population {
        0..=5 => population,
        6..=50 => 5,
        51..=250 => population.div_ceil(10),
        _ => 25,
    }
}

/// One member of a population: a period, or one entry.
#[derive(Clone, Debug, Serialize)]
pub struct Member {
    /// A period label (`2026-W32`) or `entry 41`.
    pub label: String,
    pub from: Date,
    pub to: Date,
    /// The ledger entries that evidence it (none: an exception to test).
    pub entries: Vec<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ControlSample {
    pub control: String,
    pub frequency: Frequency,
    /// `periods` for periodic controls, `entries` for continuous and per-event ones.
    pub basis: &'static str,
    pub population: usize,
    pub size: usize,
    /// The whole population is in the sample.
    pub whole_population: bool,
    /// A population check tested every event: the auditor needs no sample.
    pub whole_population_tested: bool,
    /// The drawn members, in population order.
    pub sample: Vec<Member>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SampleReport {
    pub version: u32,
    pub seed: u64,
    pub window: Window,
    pub as_of: Instant,
    pub sizes: SampleSizes,
    pub controls: Vec<ControlSample>,
}

/// The population of each applicable control over `window`, and a sample of it.
pub fn draw(
    program: &TrustProgram,
    entries: &[Record],
    populations: &Populations,
    window: Window,
    as_of: Instant,
    seed: u64,
    sizes: &SampleSizes,
) -> SampleReport {
    let grouped = by_control(entries);
    let controls = program
        .controls
        .iter()
        .filter(|c| c.not_applicable.is_none())
        .map(|c| {
            let own = of(&grouped, &c.id);
            let tested_population = populations
                .get(&c.id)
                .filter(|_| c.frequency == Frequency::PerEvent);
            let tested = test_control(c, own, tested_population, window, as_of);
            let (basis, population): (&'static str, Vec<Member>) = match c.frequency {
                // Every event was tested: the population is the events, all of them "drawn".
                Frequency::PerEvent if tested_population.is_some() => {
                    let p = tested_population.expect("matched");
                    let members = p
                        .in_window(window)
                        .map(|e| Member {
                            label: if e.exception {
                                format!("{} (exception)", e.key)
                            } else {
                                e.key.clone()
                            },
                            from: e.date.unwrap_or(window.from),
                            to: e.date.unwrap_or(window.to),
                            entries: vec![p.entry],
                        })
                        .collect();
                    ("events", members)
                }
                Frequency::Continuous | Frequency::PerEvent => {
                    let mut mine: Vec<&Record> = own
                        .iter()
                        .copied()
                        .filter(|o| o.collected <= as_of)
                        .filter(|o| o.result != Outcome::Error)
                        .filter(|o| window.meets(o.covers_from, o.covers_to))
                        .collect();
                    mine.sort_by_key(|o| o.seq);
                    let members = mine
                        .into_iter()
                        .map(|o| Member {
                            label: format!("entry {}", o.seq),
                            from: o.covers_from,
                            to: o.covers_to,
                            entries: vec![o.seq],
                        })
                        .collect();
                    ("entries", members)
                }
                _ => {
                    let members = tested
                        .periods
                        .into_iter()
                        .filter(|p| p.result != PeriodResult::Pending)
                        .map(|p| Member {
                            label: p.period.label,
                            from: p.period.from,
                            to: p.period.to,
                            entries: p.entries,
                        })
                        .collect();
                    ("periods", members)
                }
            };
            let whole_population_tested = tested.population.is_some();
            let size = if whole_population_tested {
                population.len()
            } else {
                sizes.size(c.frequency, population.len())
            };
            let picked = pick(seed, &c.id, population.len(), size);
            ControlSample {
                control: c.id.clone(),
                frequency: c.frequency,
                basis,
                population: population.len(),
                size,
                whole_population: size == population.len(),
                whole_population_tested,
                sample: picked.into_iter().map(|i| population[i].clone()).collect(),
            }
        })
        .collect();
    SampleReport {
        version: SAMPLE_JSON_VERSION,
        seed,
        window,
        as_of,
        sizes: *sizes,
        controls,
    }
}

/// `size` distinct indices below `population`, sorted, drawn from a ChaCha8
/// stream seeded by `seed` and `control`.
pub fn pick(seed: u64, control: &str, population: usize, size: usize) -> Vec<usize> {
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed ^ fnv1a(control.as_bytes()));
    let mut picked =
        rand::seq::index::sample(&mut rng, population, size.min(population)).into_vec();
    picked.sort_unstable();
    picked
}

/// FNV-1a: a fixed, documented hash, so a control's stream never depends on
/// the platform or the standard library's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}
