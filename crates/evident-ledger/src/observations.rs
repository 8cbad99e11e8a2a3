//! The observations index: what judging reads of each entry (control, item,
//! result, when it was collected, the days it covers, its summary), packed into
//! blocks of consecutive entries.
//!
//! The entries' canonical JSON stays the record; this is a derived copy kept in
//! the same transaction as the entries, because parsing a hundred thousand JSON
//! texts on every `status` or `build` costs more than all the judging after it.
//! `ledger verify` re-derives every record from its entry and names any that
//! differ, so the index can never speak for evidence the log does not hold.
//!
//! A block is self-contained: a table of the (control, item) pairs it mentions,
//! then one record per entry, in log order. Integers are little-endian; a string
//! is its byte length (u32) then UTF-8.
//!
//! ```text
//! block   = version:u8=1  pairs:u32  (control:str item:str)*  records:u32  record*
//! record  = pair:u32  result:u8  collected:i64 (Unix seconds)  covers_from:date  covers_to:date  summary:str
//! date    = year:i16  month:u8  day:u8
//! ```

use crate::entry::{Entry, EntryFields};
use evident_core::model::Outcome;
use evident_core::status::Observed;
use evident_core::time::{Date, Instant};
use std::collections::HashMap;
use std::sync::Arc;

/// Entries per block: a new block starts when the last one holds this many, so
/// an append rewrites at most one block.
pub const BLOCK_ENTRIES: usize = 4096;

const VERSION: u8 = 1;

/// What judging reads of the entry at `seq`, from its canonical bytes.
pub fn from_canonical(seq: u64, canonical: &[u8]) -> Result<Observed, String> {
    from_entry(seq, EntryFields::from_canonical(canonical)?.into_entry()?)
}

/// What judging reads of `entry`, about to be entry `seq`: the same record
/// [`from_canonical`] gives for its canonical bytes, without writing and reading
/// them back.
pub fn from_entry(seq: u64, entry: Entry) -> Result<Observed, String> {
    Ok(Observed {
        seq,
        collected: entry.collected_at.parse()?,
        control: entry.control.into(),
        item: entry.item.into(),
        result: entry.result,
        covers_from: entry.covers_from,
        covers_to: entry.covers_to,
        summary: entry.summary,
    })
}

/// Whether `record` is exactly what [`from_canonical`] gives for `canonical`:
/// what `ledger verify` asks of every entry. (A borrowing parser written for
/// this was measured no faster on a 1M-entry verify, so the one parser serves.)
pub fn agrees(canonical: &[u8], record: &Observed) -> bool {
    from_canonical(record.seq, canonical).is_ok_and(|o| o == *record)
}

/// Packs consecutive observations into one block.
pub fn encode(records: &[Observed]) -> Vec<u8> {
    let mut pairs: HashMap<(&str, &str), u32> = HashMap::new();
    let mut order: Vec<(&str, &str)> = Vec::new();
    let indexes: Vec<u32> = records
        .iter()
        .map(|o| {
            let key = (&*o.control, &*o.item);
            *pairs.entry(key).or_insert_with(|| {
                order.push(key);
                order.len() as u32 - 1
            })
        })
        .collect();
    let mut out = Vec::with_capacity(16 + records.len() * 40);
    out.push(VERSION);
    put_u32(&mut out, order.len());
    for (control, item) in &order {
        put_str(&mut out, control);
        put_str(&mut out, item);
    }
    put_u32(&mut out, records.len());
    for (o, pair) in records.iter().zip(indexes) {
        out.extend_from_slice(&pair.to_le_bytes());
        out.push(outcome_code(o.result));
        out.extend_from_slice(&o.collected.unix().to_le_bytes());
        put_date(&mut out, o.covers_from);
        put_date(&mut out, o.covers_to);
        put_str(&mut out, &o.summary);
    }
    out
}

/// Unpacks a block whose first record is entry `first_seq`.
pub fn decode(first_seq: u64, block: &[u8]) -> Result<Vec<Observed>, String> {
    let mut out = Vec::new();
    decode_into(first_seq, block, &mut out)?;
    Ok(out)
}

/// [`decode`] appending to `out` (a whole index read lands in one allocation);
/// returns how many records the block held.
pub fn decode_into(first_seq: u64, block: &[u8], out: &mut Vec<Observed>) -> Result<usize, String> {
    let mut r = Reader {
        bytes: block,
        at: 0,
    };
    let version = r.u8()?;
    if version != VERSION {
        return Err(format!(
            "observations block version {version}; this evident reads version {VERSION}"
        ));
    }
    let pair_count = r.u32()?;
    // Each pair's names are allocated once and shared by its records.
    let mut pairs: Vec<(Arc<str>, Arc<str>)> = Vec::with_capacity(pair_count.min(BLOCK_ENTRIES));
    for _ in 0..pair_count {
        pairs.push((r.str()?.into(), r.str()?.into()));
    }
    let count = r.u32()?;
    out.reserve(count.min(BLOCK_ENTRIES));
    for n in 0..count as u64 {
        let (control, item) = pairs
            .get(r.u32()?)
            .ok_or("a record names a (control, item) pair the block does not list")?;
        let result = outcome_of(r.u8()?)?;
        let collected =
            Instant::from_unix(r.i64()?).ok_or("a collection time is outside the calendar")?;
        out.push(Observed {
            seq: first_seq + n,
            control: Arc::clone(control),
            item: Arc::clone(item),
            result,
            collected,
            covers_from: r.date()?,
            covers_to: r.date()?,
            summary: r.str()?.to_string(),
        });
    }
    if r.at != block.len() {
        return Err("the block has bytes after its last record".into());
    }
    Ok(count)
}

fn outcome_code(o: Outcome) -> u8 {
    match o {
        Outcome::Pass => 0,
        Outcome::Fail => 1,
        Outcome::Error => 2,
        Outcome::NotApplicable => 3,
    }
}

fn outcome_of(code: u8) -> Result<Outcome, String> {
    Ok(match code {
        0 => Outcome::Pass,
        1 => Outcome::Fail,
        2 => Outcome::Error,
        3 => Outcome::NotApplicable,
        other => return Err(format!("unknown result code {other}")),
    })
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    let n = u32::try_from(n).expect("a block holds far fewer than 2^32 items");
    out.extend_from_slice(&n.to_le_bytes());
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_u32(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

fn put_date(out: &mut Vec<u8>, d: Date) {
    out.extend_from_slice(&d.year().to_le_bytes());
    out.push(d.month() as u8);
    out.push(d.day() as u8);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let end = self.at + N;
        let bytes = self
            .bytes
            .get(self.at..end)
            .ok_or("the block ends in the middle of a record")?;
        self.at = end;
        Ok(bytes.try_into().expect("N bytes"))
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take::<1>()?[0])
    }

    fn u32(&mut self) -> Result<usize, String> {
        Ok(u32::from_le_bytes(self.take()?) as usize)
    }

    fn i64(&mut self) -> Result<i64, String> {
        Ok(i64::from_le_bytes(self.take()?))
    }

    fn date(&mut self) -> Result<Date, String> {
        let year = i16::from_le_bytes(self.take()?);
        let [month, day] = self.take()?;
        Date::new(year, month as i8, day as i8)
            .ok_or_else(|| "a date is not in the calendar".into())
    }

    fn str(&mut self) -> Result<&'a str, String> {
        let len = self.u32()?;
        let end = self.at.checked_add(len).ok_or("a string is too long")?;
        let bytes = self
            .bytes
            .get(self.at..end)
            .ok_or("the block ends in the middle of a string")?;
        self.at = end;
        std::str::from_utf8(bytes).map_err(|_| "a string is not UTF-8".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::tests::sample;

    fn observed(seq: u64, control: &str, item: &str, result: Outcome) -> Observed {
        let mut e = sample();
        e.control = control.into();
        e.item = item.into();
        e.result = result;
        e.summary = format!("run {seq} — ünïcode");
        from_canonical(seq, &e.canonical_bytes()).unwrap()
    }

    #[test]
    fn a_block_decodes_to_what_was_encoded() {
        let records: Vec<Observed> = (0..50)
            .map(|n| {
                let result = [
                    Outcome::Pass,
                    Outcome::Fail,
                    Outcome::Error,
                    Outcome::NotApplicable,
                ][n as usize % 4];
                observed(
                    100 + n,
                    &format!("C{}", n % 3),
                    &format!("i{}", n % 5),
                    result,
                )
            })
            .collect();
        let block = encode(&records);
        assert_eq!(decode(100, &block).unwrap(), records);
        assert!(decode(100, &encode(&[])).unwrap().is_empty());
    }

    #[test]
    fn an_entry_observed_directly_matches_its_canonical_bytes() {
        let e = sample();
        assert_eq!(
            from_entry(3, e.clone()).unwrap(),
            from_canonical(3, &e.canonical_bytes()).unwrap()
        );
    }

    #[test]
    fn agrees_says_what_comparing_with_from_canonical_says() {
        let e = sample();
        let bytes = e.canonical_bytes();
        let record = from_canonical(9, &bytes).unwrap();
        assert!(agrees(&bytes, &record));
        let mut changed = record.clone();
        changed.summary.push('!');
        assert!(!agrees(&bytes, &changed));
        let mut changed = record.clone();
        changed.result = Outcome::Fail;
        assert!(!agrees(&bytes, &changed));
        let mut changed = record.clone();
        changed.covers_to = changed.covers_to.add_days(1);
        assert!(!agrees(&bytes, &changed));
        let mut changed = record.clone();
        changed.collected = changed.collected.plus(1);
        assert!(!agrees(&bytes, &changed));
        let mut changed = record;
        changed.item = "other".into();
        assert!(!agrees(&bytes, &changed));
        assert!(!agrees(b"{}", &from_canonical(9, &bytes).unwrap()));
    }

    #[test]
    fn damaged_blocks_are_refused_not_misread() {
        let block = encode(&[observed(0, "AUTH", "mfa", Outcome::Pass)]);
        for cut in 0..block.len() {
            assert!(decode(0, &block[..cut]).is_err(), "cut at {cut}");
        }
        let mut longer = block.clone();
        longer.push(0);
        assert!(decode(0, &longer).is_err());
        let mut version = block.clone();
        version[0] = 9;
        assert!(decode(0, &version).unwrap_err().contains("version 9"));
    }
}
