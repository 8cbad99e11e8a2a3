//! The rules that judge one evidence item and one control as of a moment
//! (docs/status.md): what the full report and the readiness chart share.

use super::history::Group;
use super::report::{
    Contradiction, ControlStatus, Discrepancy, EntryRef, Flags, ItemState, ItemStatus,
};
use crate::model::{Control, ControlState, EvidenceItem, EvidenceSource, Gap, Outcome};
use crate::record::Record;
use crate::time::Instant;
use std::borrow::Cow;

/// What one item's records say as of a moment.
pub(super) struct Reading<'h, 'e> {
    /// The records collected by then that the item is judged from, oldest first.
    seen: Cow<'h, [&'e Record]>,
    /// The latest hand upload set aside because a check decides the item.
    set_aside: Option<&'e Record>,
    pub state: ItemState,
    /// The latest judged record (`n/a` results are not judged) and the last pass.
    latest: Option<&'e Record>,
    last_pass: Option<&'e Record>,
    fresh_until: Option<Instant>,
}

/// The records an item is judged from. An item with a check is judged from
/// what machines collected (its check and imports) alone; hand uploads count
/// only where the item says `manual: allowed` and no automated record exists
/// yet. The latest hand upload left out is returned to be shown beside it.
fn deciding<'h, 'e>(
    item: &EvidenceItem,
    seen: &'h [&'e Record],
) -> (Cow<'h, [&'e Record]>, Option<&'e Record>) {
    if let EvidenceSource::Register { .. } = item.source {
        // A register's entries, recorded in any order, speak by their dates:
        // the latest-dated entry decides.
        let mut entries: Vec<&Record> = seen
            .iter()
            .filter(|r| r.kind == crate::record::Kind::Register)
            .copied()
            .collect();
        entries.sort_by_key(|r| (r.covers_to, r.collected, r.seq));
        return (Cow::Owned(entries), None);
    }
    if !matches!(item.source, EvidenceSource::Check(_))
        || seen.iter().all(|r| r.kind.is_automated())
    {
        return (Cow::Borrowed(seen), None);
    }
    let latest_hand = seen.iter().rev().find(|r| !r.kind.is_automated()).copied();
    let automated: Vec<&Record> = seen
        .iter()
        .filter(|r| r.kind.is_automated())
        .copied()
        .collect();
    if automated.is_empty() && item.manual_allowed {
        return (Cow::Borrowed(seen), None);
    }
    (Cow::Owned(automated), latest_hand)
}

/// Reads one evidence item as of `as_of`: its latest judged record decides,
/// and a pass counts while it is fresh.
pub(super) fn read_item<'h, 'e>(
    item: &EvidenceItem,
    group: Group<'h, 'e>,
    as_of: Instant,
) -> Reading<'h, 'e> {
    let (seen, set_aside) = deciding(item, group.until(as_of));
    let mut judged = seen
        .iter()
        .rev()
        .copied()
        .filter(|r| r.result != Outcome::NotApplicable);
    let latest = judged.next();
    let last_pass = latest
        .filter(|r| r.result == Outcome::Pass)
        .or_else(|| judged.find(|r| r.result == Outcome::Pass));
    let fresh_until = last_pass.map(|r| r.speaks_until(item.fresh_for));
    let state = match latest {
        _ if item.setup.is_some() => ItemState::NeedsSetup,
        None => ItemState::Missing,
        Some(r) if r.result != Outcome::Pass => ItemState::Failing,
        Some(_) if fresh_until.is_some_and(|t| t >= as_of) => ItemState::Satisfied,
        Some(_) => ItemState::Stale,
    };
    Reading {
        seen,
        set_aside,
        state,
        latest,
        last_pass,
        fresh_until,
    }
}

/// A regression: the item fails now after having passed before. The one
/// definition `status`, `check` and `--fail-on regression` use.
pub fn is_regression(state: ItemState, passed_before: bool) -> bool {
    state == ItemState::Failing && passed_before
}

/// Judges one evidence item as of `as_of`, with the records a report names.
pub fn judge_item(item: &EvidenceItem, group: Group<'_, '_>, as_of: Instant) -> ItemStatus {
    let Reading {
        seen,
        set_aside,
        state,
        latest,
        last_pass,
        fresh_until,
    } = read_item(item, group, as_of);
    // The first record after the last pass (or the first of all when none passed).
    let failing_since = (state == ItemState::Failing)
        .then(|| {
            seen.iter()
                .rev()
                .filter(|r| r.result != Outcome::NotApplicable)
                .take_while(|r| r.result != Outcome::Pass)
                .last()
                .map(|r| r.collected)
        })
        .flatten();
    ItemStatus {
        failing_since,
        id: item.id.clone(),
        describe: item.describe.clone(),
        required: item.required,
        visibility: item.visibility,
        source: item.source.label(),
        state,
        regression: is_regression(state, last_pass.is_some()),
        latest: latest.map(EntryRef::from),
        last_pass: last_pass.map(EntryRef::from),
        fresh_until,
        set_aside: set_aside.map(EntryRef::from),
    }
}

/// A control's state from its items' (required, state): implemented when every
/// required item is satisfied, something is, and no gap is open; partial when
/// something is satisfied; planned when nothing is.
pub(super) fn control_state(
    control: &Control,
    items: impl Iterator<Item = (bool, ItemState)>,
) -> ControlState {
    if control.not_applicable.is_some() {
        return ControlState::NotApplicable;
    }
    let (mut any_satisfied, mut all_required) = (false, true);
    for (required, state) in items {
        let satisfied = state == ItemState::Satisfied;
        any_satisfied |= satisfied;
        all_required &= satisfied || !required;
    }
    if any_satisfied && all_required && control.open_gaps().next().is_none() {
        ControlState::Implemented
    } else if any_satisfied {
        ControlState::Partial
    } else {
        ControlState::Planned
    }
}

/// Judges one control from its items' records.
pub(super) fn judge_control(
    control: &Control,
    history: &super::History<'_>,
    as_of: Instant,
) -> ControlStatus {
    let items: Vec<ItemStatus> = control
        .evidence
        .iter()
        .map(|item| judge_item(item, history.of(&control.id, &item.id), as_of))
        .collect();
    let open_gaps: Vec<Gap> = control.open_gaps().cloned().collect();
    let required = || items.iter().filter(|i| i.required);
    let derived = control_state(control, items.iter().map(|i| (i.required, i.state)));
    let flags = Flags {
        failing: required().any(|i| i.state == ItemState::Failing),
        regression: required().any(|i| i.regression),
        stale: required().any(|i| i.state == ItemState::Stale),
        review_overdue: control.review.is_some_and(|r| r.overdue(as_of.date())),
    };
    ControlStatus {
        id: control.id.clone(),
        title: control.title.clone(),
        file: control.origin.file.clone(),
        criteria: control.criteria.clone(),
        owner: control.owner.clone(),
        frequency: control.frequency,
        nature: control.nature,
        visibility: control.visibility,
        claimed: control.claimed,
        derived,
        not_applicable: control.not_applicable.clone(),
        flags,
        items,
        open_gaps,
        review_due: control.review.and_then(|r| r.next_due()),
    }
}

/// A claim better than the derived state, with what contradicts it.
pub fn discrepancy(c: &ControlStatus) -> Option<Discrepancy> {
    let claimed = c.claimed?;
    if claimed <= c.derived || c.derived == ControlState::NotApplicable {
        return None;
    }
    Some(Discrepancy {
        control: c.id.clone(),
        visibility: c.visibility,
        claimed,
        derived: c.derived,
        contradicting: c
            .items
            .iter()
            .filter(|i| i.state != ItemState::Satisfied && i.required)
            .map(|i| Contradiction {
                item: i.id.clone(),
                state: i.state,
                latest: i.latest.clone(),
            })
            .collect(),
        open_gaps: c.open_gaps.iter().map(|g| g.id.clone()).collect(),
    })
}
