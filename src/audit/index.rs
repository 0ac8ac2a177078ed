//! What the log knows of each quote, to find and filter quotes without decoding every record.
//!
//! The entries of the segment being written are in memory. When a segment is sealed, its
//! entries go to a sidecar file beside it (`<segment>.fqidx`) and are read back when a query
//! needs them, so the service's memory stays bounded by one segment however many quotes the
//! log holds. A sidecar is derived data: it carries its own hash, is checked when read, and is
//! rewritten from the segment at start whenever it is missing or differs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::DateTime;
use sha2::{Digest, Sha256};

use crate::contract::pb;

use super::{EncodedQuote, LogError, LoggedModelEvent, QuoteFacts, QuoteFilter, ReferenceFact};

pub const EXTENSION: &str = "fqidx";
// Version 2 added the reference prefix; a sidecar of version 1 is rewritten at start.
const MAGIC: &[u8; 8] = b"FQIDX\x00\x02\n";
const ENTRY_LEN: usize = 64;

/// One quote: where its record is and what a filter asks of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub id: u128,
    pub sequence: u64,
    pub recorded_at: i64,
    pub offset: u64,
    pub product: i32,
    pub decision: i32,
    /// Numbers standing for the segment's model versions and tenants.
    pub version: u32,
    pub tenant: u32,
    /// The first 64 bits of the insurer's reference hash; 0 for none.
    pub reference: u64,
}

/// The quotes of one segment, in log order, with the strings they share.
#[derive(Debug, Default)]
pub struct SegmentEntries {
    entries: Vec<Entry>,
    by_id: HashMap<u128, u32>,
    versions: Vec<String>,
    tenants: Vec<String>,
}

fn intern(values: &mut Vec<String>, value: &str) -> u32 {
    // A segment holds a handful of versions and tenants: a scan beats a map.
    match values.iter().position(|v| v == value) {
        Some(id) => id as u32,
        None => {
            values.push(value.to_owned());
            (values.len() - 1) as u32
        }
    }
}

impl SegmentEntries {
    pub fn add(&mut self, offset: u64, record: &pb::LogRecord) {
        let Some(pb::log_record::Event::Quote(quote)) = &record.event else {
            return;
        };
        let Some(response) = &quote.response else {
            return;
        };
        let Ok(id) = uuid::Uuid::parse_str(&response.quote_id) else {
            return;
        };
        let facts = QuoteFacts {
            recorded_at: DateTime::parse_from_rfc3339(&record.recorded_at)
                .ok()
                .map(|t| t.timestamp_micros()),
            product: response.product,
            decision: response.decision,
            model_version: &response.model_version,
            tenant: &quote.tenant,
            insurer_reference: ReferenceFact::Hash(
                quote
                    .request
                    .as_ref()
                    .map_or("", |r| r.insurer_reference.as_str()),
            ),
        };
        self.insert(offset, id.as_u128(), record.sequence, &facts);
    }

    /// A quote appended encoded, at `sequence`, recorded at `recorded_at` (microseconds).
    pub fn add_quote(
        &mut self,
        offset: u64,
        sequence: u64,
        recorded_at: i64,
        quote: &EncodedQuote,
    ) {
        if let Some(id) = quote.quote_id {
            self.insert(
                offset,
                id.as_u128(),
                sequence,
                &quote.facts(Some(recorded_at)),
            );
        }
    }

    fn insert(&mut self, offset: u64, id: u128, sequence: u64, facts: &QuoteFacts<'_>) {
        let entry = Entry {
            id,
            sequence,
            recorded_at: facts.recorded_at.unwrap_or_default(),
            offset,
            product: facts.product,
            decision: facts.decision,
            version: intern(&mut self.versions, facts.model_version),
            tenant: intern(&mut self.tenants, facts.tenant),
            reference: match facts.insurer_reference {
                ReferenceFact::Hash(hash) => super::reference_prefix(hash),
                ReferenceFact::Prefix(prefix) => prefix,
            },
        };
        self.by_id.insert(entry.id, self.entries.len() as u32);
        self.entries.push(entry);
    }

    pub fn get(&self, id: u128) -> Option<&Entry> {
        self.by_id.get(&id).map(|i| &self.entries[*i as usize])
    }

    /// The entries after sequence `after` that match the filter, in log order.
    pub fn matching<'a>(
        &'a self,
        filter: &'a QuoteFilter,
        after: u64,
    ) -> impl Iterator<Item = &'a Entry> + 'a {
        let start = self.entries.partition_point(|e| e.sequence <= after);
        self.entries[start..].iter().filter(move |e| {
            filter.matches(&QuoteFacts {
                recorded_at: Some(e.recorded_at),
                product: e.product,
                decision: e.decision,
                model_version: &self.versions[e.version as usize],
                tenant: &self.tenants[e.tenant as usize],
                insurer_reference: ReferenceFact::Prefix(e.reference),
            })
        })
    }

    fn summary(&self) -> Option<Sealed> {
        let last = self.entries.last()?;
        Some(Sealed {
            last_sequence: last.sequence,
            min_id: self.entries.iter().map(|e| e.id).min().unwrap_or_default(),
            max_id: self.entries.iter().map(|e| e.id).max().unwrap_or_default(),
        })
    }

    /// `magic ‖ strings ‖ entries ‖ SHA-256 of all before it`.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        for strings in [&self.versions, &self.tenants] {
            out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
            for s in strings {
                out.extend_from_slice(&(s.len() as u32).to_le_bytes());
                out.extend_from_slice(s.as_bytes());
            }
        }
        out.extend_from_slice(&(self.entries.len() as u64).to_le_bytes());
        for e in &self.entries {
            out.extend_from_slice(&e.id.to_le_bytes());
            out.extend_from_slice(&e.sequence.to_le_bytes());
            out.extend_from_slice(&e.recorded_at.to_le_bytes());
            out.extend_from_slice(&e.offset.to_le_bytes());
            out.extend_from_slice(&e.product.to_le_bytes());
            out.extend_from_slice(&e.decision.to_le_bytes());
            out.extend_from_slice(&e.version.to_le_bytes());
            out.extend_from_slice(&e.tenant.to_le_bytes());
            out.extend_from_slice(&e.reference.to_le_bytes());
        }
        let hash = Sha256::digest(&out);
        out.extend_from_slice(&hash);
        out
    }

    /// `None` for anything but a sidecar this code wrote, intact.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        let (body, hash) = bytes.split_at_checked(bytes.len().checked_sub(32)?)?;
        if Sha256::digest(body).as_slice() != hash || !body.starts_with(MAGIC) {
            return None;
        }
        let mut reader = Reader(&body[MAGIC.len()..]);
        let mut strings = || -> Option<Vec<String>> {
            let count = reader.u32()?;
            (0..count)
                .map(|_| {
                    let len = reader.u32()? as usize;
                    String::from_utf8(reader.take(len)?.to_vec()).ok()
                })
                .collect()
        };
        let versions = strings()?;
        let tenants = strings()?;
        let count = usize::try_from(reader.u64()?).ok()?;
        if reader.0.len() != count.checked_mul(ENTRY_LEN)? {
            return None;
        }
        let mut segment = SegmentEntries {
            versions,
            tenants,
            ..Default::default()
        };
        for _ in 0..count {
            let entry = Entry {
                id: u128::from_le_bytes(reader.take(16)?.try_into().ok()?),
                sequence: reader.u64()?,
                recorded_at: reader.u64()? as i64,
                offset: reader.u64()?,
                product: reader.u32()? as i32,
                decision: reader.u32()? as i32,
                version: reader.u32()?,
                tenant: reader.u32()?,
                reference: reader.u64()?,
            };
            segment.by_id.insert(entry.id, segment.entries.len() as u32);
            segment.entries.push(entry);
        }
        Some(segment)
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
}

/// What stays in memory of a sealed segment that holds quotes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub(super) last_sequence: u64,
    pub(super) min_id: u128,
    pub(super) max_id: u128,
}

pub fn sidecar(segment: &Path) -> PathBuf {
    segment.with_extension(EXTENSION)
}

/// Writes a sealed segment's sidecar unless an identical one is there; returns its summary.
pub fn seal(segment: &Path, entries: &SegmentEntries) -> Result<Option<Sealed>, LogError> {
    let Some(summary) = entries.summary() else {
        return Ok(None);
    };
    let bytes = entries.encode();
    let path = sidecar(segment);
    if std::fs::read(&path).ok().as_deref() != Some(&bytes[..]) {
        let partial = path.with_extension("fqidx.partial");
        std::fs::write(&partial, &bytes)
            .and_then(|()| std::fs::rename(&partial, &path))
            .map_err(|e| LogError::Write(format!("{}: {e}", path.display())))?;
    }
    Ok(Some(summary))
}

/// Writes the sidecars of sealed segments as a scan reads their records in order: each
/// segment's entries are sealed once the scan has moved past it, so memory holds one segment.
pub struct Sealer<'a> {
    /// The segments to seal, in order.
    paths: &'a [PathBuf],
    sealed: Vec<Option<Sealed>>,
    current: SegmentEntries,
    error: Option<LogError>,
}

impl<'a> Sealer<'a> {
    pub fn new(paths: &'a [PathBuf]) -> Self {
        Self::after(paths, Vec::new())
    }

    /// A sealer whose first `sealed.len()` segments are sealed already.
    pub fn after(paths: &'a [PathBuf], sealed: Vec<Option<Sealed>>) -> Self {
        Sealer {
            paths,
            sealed,
            current: SegmentEntries::default(),
            error: None,
        }
    }

    fn seal_up_to(&mut self, segment: usize) {
        while self.sealed.len() < segment.min(self.paths.len()) {
            let entries = std::mem::take(&mut self.current);
            match seal(&self.paths[self.sealed.len()], &entries) {
                Ok(summary) => self.sealed.push(summary),
                Err(e) => {
                    self.error.get_or_insert(e);
                    self.sealed.push(None);
                }
            }
        }
    }

    /// A record found in `segment` at `offset`.
    pub fn add(&mut self, segment: usize, offset: u64, record: &pb::LogRecord) {
        self.seal_up_to(segment);
        self.current.add(offset, record);
    }

    /// Seals every segment before `segment`; returns their summaries, and the entries of the
    /// segments from `segment` on.
    pub fn finish_with_current(
        mut self,
        segment: usize,
    ) -> Result<(Vec<Option<Sealed>>, SegmentEntries), LogError> {
        self.seal_up_to(segment);
        match self.error {
            Some(e) => Err(e),
            None => Ok((self.sealed, self.current)),
        }
    }

    /// Seals every segment before `segment`; returns their summaries.
    pub fn finish(self, segment: usize) -> Result<Vec<Option<Sealed>>, LogError> {
        self.finish_with_current(segment).map(|(sealed, _)| sealed)
    }
}

/// Every segment of the log and where to find its quotes.
#[derive(Default)]
pub struct Index {
    pub segments: Vec<PathBuf>,
    /// One per segment before the last; `None` for a segment without quotes.
    pub sealed: Vec<Option<Sealed>>,
    /// The quotes of the last segment, the one being written.
    pub current: SegmentEntries,
    /// Bytes of the last segment that are durable.
    pub durable_len: u64,
    /// Every model change of the log: a handful per version, so all kept in memory.
    pub model_events: Vec<LoggedModelEvent>,
    /// The sealed segment read last: paging through a log reads the same one again and again.
    cache: Mutex<Option<(usize, Arc<SegmentEntries>)>>,
}

impl Index {
    pub fn new(
        segments: Vec<PathBuf>,
        sealed: Vec<Option<Sealed>>,
        current: SegmentEntries,
    ) -> Self {
        Index {
            segments,
            sealed,
            current,
            ..Index::default()
        }
    }

    /// Writes the sidecar of the segment being written, before the next one starts.
    pub fn seal_current(&self) -> Result<Option<Sealed>, LogError> {
        match self.segments.last() {
            Some(last) => seal(last, &self.current),
            None => Ok(None),
        }
    }

    /// Starts the next segment; `sealed` is what `seal_current` gave for the one before.
    pub fn start_segment(&mut self, next: PathBuf, sealed: Option<Sealed>) {
        if !self.segments.is_empty() {
            self.sealed.push(sealed);
        }
        self.current = SegmentEntries::default();
        self.segments.push(next);
    }

    fn load(&self, segment: usize) -> Result<Arc<SegmentEntries>, LogError> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((cached, entries)) = cache.as_ref()
            && *cached == segment
        {
            return Ok(entries.clone());
        }
        let path = sidecar(&self.segments[segment]);
        let entries = std::fs::read(&path)
            .ok()
            .and_then(|bytes| SegmentEntries::decode(&bytes))
            .map(Arc::new)
            .ok_or_else(|| {
                LogError::Read(format!(
                    "{} is missing or damaged; a restart rebuilds it from its segment",
                    path.display()
                ))
            })?;
        *cache = Some((segment, entries.clone()));
        Ok(entries)
    }

    /// The segment and entry of a quote id.
    pub fn find(&self, id: u128) -> Result<Option<(usize, Entry)>, LogError> {
        if let Some(entry) = self.current.get(id) {
            return Ok(Some((self.segments.len() - 1, *entry)));
        }
        for (segment, sealed) in self.sealed.iter().enumerate().rev() {
            let Some(sealed) = sealed else { continue };
            if (sealed.min_id..=sealed.max_id).contains(&id)
                && let Some(entry) = self.load(segment)?.get(id)
            {
                return Ok(Some((segment, *entry)));
            }
        }
        Ok(None)
    }

    /// At most `limit` matching quotes after sequence `after`, in log order.
    pub fn list(
        &self,
        filter: &QuoteFilter,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(usize, Entry)>, LogError> {
        let mut found = Vec::new();
        for (segment, sealed) in self.sealed.iter().enumerate() {
            if found.len() >= limit {
                return Ok(found);
            }
            let Some(sealed) = sealed else { continue };
            if sealed.last_sequence <= after {
                continue;
            }
            let entries = self.load(segment)?;
            found.extend(
                entries
                    .matching(filter, after)
                    .take(limit - found.len())
                    .map(|e| (segment, *e)),
            );
        }
        let current = self.segments.len().saturating_sub(1);
        found.extend(
            self.current
                .matching(filter, after)
                .take(limit - found.len())
                .map(|e| (current, *e)),
        );
        Ok(found)
    }

    pub fn segment_path(&self, segment: usize) -> &Path {
        &self.segments[segment]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quote(sequence: u64, id: &str, version: &str, tenant: &str) -> pb::LogRecord {
        pb::LogRecord {
            sequence,
            recorded_at: "2026-11-28T20:00:00.000000Z".into(),
            event: Some(pb::log_record::Event::Quote(pb::QuoteEvent {
                request: None,
                response: Some(pb::QuoteResponse {
                    quote_id: id.into(),
                    model_version: version.into(),
                    product: 1,
                    decision: 1,
                    ..Default::default()
                }),
                tenant: tenant.into(),
            })),
        }
    }

    #[test]
    fn a_sidecar_reads_back_what_was_written_and_refuses_a_flipped_byte() {
        let mut entries = SegmentEntries::default();
        entries.add(
            8,
            &quote(1, "019ac9d1-0000-7000-8000-000000000001", "v1", "a"),
        );
        entries.add(
            900,
            &quote(2, "019ac9d1-0000-7000-8000-000000000002", "v2", ""),
        );
        let bytes = entries.encode();
        let read = SegmentEntries::decode(&bytes).expect("reads back");
        assert_eq!(read.entries, entries.entries);
        assert_eq!(read.versions, ["v1", "v2"]);
        let filter = QuoteFilter {
            model_version: Some("v2".into()),
            ..Default::default()
        };
        assert_eq!(read.matching(&filter, 0).count(), 1);
        let mut flipped = bytes.clone();
        flipped[20] ^= 1;
        assert!(SegmentEntries::decode(&flipped).is_none());
        assert!(SegmentEntries::decode(&bytes[..bytes.len() - 1]).is_none());
    }
}
