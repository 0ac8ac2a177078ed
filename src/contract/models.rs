//! The actuary's messages: uploads assembled into a version's files, request fields parsed,
//! and the registry's versions, validations, diffs and impact reports written back.

use std::collections::BTreeMap;

use futures::Stream;

use crate::domain::{Decision, InvalidField};
use crate::impact::ImpactReport;
use crate::registry::{Validation, VersionRecord, VersionStatus};
use crate::tables::diff::{CellChange, ModelDiff, RowChange};
use crate::tables::expectations::CaseOutcome;
use crate::tables::{ModelFiles, TableFault};

use super::pb;
use super::upload::{
    MAX_PORTFOLIO_BYTES, UploadError, UploadRules, portfolio_format, receive, receive_bytes,
};
pub use super::version_id;
use super::{product_number, required_product};

/// A version's files in one upload, at most.
pub const MAX_UPLOAD_BYTES: usize = 64 << 20;
const MAX_FILES: usize = 100;

pub const PORTFOLIO_UPLOAD: UploadRules = UploadRules {
    max_bytes: MAX_PORTFOLIO_BYTES,
    noun: "a portfolio",
    header_carries: "the versions, the format and the portfolio",
};

const MODEL_UPLOAD: UploadRules = UploadRules {
    max_bytes: MAX_UPLOAD_BYTES,
    noun: "an upload",
    header_carries: "the product, the actor and the files",
};

/// Who makes a change, as given: at most 128 printable characters.
pub fn actor(value: &str) -> Result<String, InvalidField> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > 128 || value.chars().any(char::is_control) {
        return Err(InvalidField::new(
            "actor",
            "required: who makes the change, at most 128 printable characters",
        ));
    }
    Ok(value.to_owned())
}

/// An uploaded version: its files, and the actor its first message names (as given: it counts
/// only on a service without keys, which checks it then).
pub async fn model_upload(
    upload: impl Stream<Item = Result<pb::ModelUpload, tonic::Status>> + Unpin,
) -> Result<(ModelFiles, String), UploadError> {
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    let (product, actor) = receive(
        upload,
        &MODEL_UPLOAD,
        |first| {
            let product = required_product(first.product, "product").map_err(|e| vec![e])?;
            Ok((product, first.actor.clone()))
        },
        |m| m.data.len(),
        |message| {
            if message.file_name.is_empty() && message.data.is_empty() {
                return Ok(());
            }
            let name = message.file_name;
            let plain = !name.is_empty()
                && name.len() <= 64
                && !name.starts_with('.')
                && name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_.-".contains(&b));
            if !plain {
                return Err(InvalidField::new(
                    "file_name",
                    format!(
                        "{} is not a plain file name (a-z, 0-9, _ . -)",
                        super::excerpt(&name)
                    ),
                ));
            }
            if !files.contains_key(&name) && files.len() == MAX_FILES {
                return Err(InvalidField::new(
                    "file_name",
                    format!("a version has at most {MAX_FILES} files"),
                ));
            }
            files
                .entry(name)
                .or_default()
                .extend_from_slice(&message.data);
            Ok(())
        },
    )
    .await?;
    Ok((ModelFiles { product, files }, actor))
}

/// What the first message of an impact upload asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImpactOptions {
    pub old_version: String,
    pub new_version: String,
    pub parquet: bool,
    pub include_rows: bool,
}

/// An impact upload: its options and the portfolio's bytes.
pub async fn impact_upload(
    upload: impl Stream<Item = Result<pb::ImpactUpload, tonic::Status>> + Unpin,
) -> Result<(ImpactOptions, Vec<u8>), UploadError> {
    receive_bytes(
        upload,
        &PORTFOLIO_UPLOAD,
        |first| {
            let one = |e| vec![e];
            Ok(ImpactOptions {
                old_version: version_id("old_version", &first.old_version).map_err(one)?,
                new_version: version_id("new_version", &first.new_version).map_err(one)?,
                parquet: portfolio_format(&first.format, false).map_err(one)?,
                include_rows: first.include_rows,
            })
        },
        |m| &m.data,
    )
    .await
}

impl From<&TableFault> for pb::TableFault {
    fn from(f: &TableFault) -> Self {
        pb::TableFault {
            file: f.file.clone(),
            row: f.row.unwrap_or_default() as u32,
            column: f.column.clone().unwrap_or_default(),
            message: f.message.clone(),
        }
    }
}

fn decision(d: Option<Decision>) -> i32 {
    d.map_or(pb::Decision::Unspecified, pb::Decision::from) as i32
}

impl From<&CaseOutcome> for pb::CaseResult {
    fn from(c: &CaseOutcome) -> Self {
        pb::CaseResult {
            case: c.expected.case.clone(),
            row: c.expected.row as u32,
            passed: c.passed(),
            expected_decision: decision(Some(c.expected.decision)),
            expected_total: c.expected.total.map(|t| t.to_string()).unwrap_or_default(),
            actual_decision: decision(c.decision),
            actual_total: c.total.map(|t| t.to_string()).unwrap_or_default(),
            error: c.error.clone().unwrap_or_default(),
        }
    }
}

impl From<&Validation> for pb::ValidationReport {
    fn from(validation: &Validation) -> Self {
        pb::ValidationReport {
            valid: validation.valid(),
            model_version: validation.version_id.clone(),
            faults: validation.faults.iter().map(pb::TableFault::from).collect(),
            cases: validation.cases.iter().map(pb::CaseResult::from).collect(),
        }
    }
}

pub fn version_info(record: &VersionRecord, status: VersionStatus) -> pb::ModelVersionInfo {
    pb::ModelVersionInfo {
        id: record.id.clone(),
        product: product_number(record.product),
        label: record.label.clone(),
        effective_from: record.effective_from.to_string(),
        renewal_effective_from: record.renewal_effective_from.to_string(),
        status: status.code().to_owned(),
        author: record.author.clone(),
        approver: record.approver.clone(),
        published_at: record.published_at.clone(),
        published_by: record.published_by.clone(),
    }
}

/// The versions in force, as activate and rollback answer them.
pub fn schedule_response(records: &[VersionRecord]) -> pb::ModelScheduleResponse {
    pb::ModelScheduleResponse {
        in_force: records
            .iter()
            .map(|r| version_info(r, VersionStatus::Active))
            .collect(),
    }
}

fn cell(c: &CellChange) -> pb::CellChange {
    pb::CellChange {
        table: c.table.clone(),
        key: c.key.clone(),
        column: c.column.clone(),
        old_value: c.old.clone(),
        new_value: c.new.clone(),
        relative_change: c.relative_change.clone().unwrap_or_default(),
    }
}

impl From<&ModelDiff> for pb::ModelDiffResponse {
    fn from(d: &ModelDiff) -> Self {
        let rows = |rows: &[RowChange]| {
            rows.iter()
                .map(|r| pb::RowKey {
                    table: r.table.clone(),
                    key: r.key.clone(),
                })
                .collect()
        };
        pb::ModelDiffResponse {
            old_version: d.old_version.clone(),
            new_version: d.new_version.clone(),
            changed_cells: d.changed_cells.iter().map(cell).collect(),
            added_rows: rows(&d.added_rows),
            removed_rows: rows(&d.removed_rows),
            added_tables: d.added_tables.clone(),
            removed_tables: d.removed_tables.clone(),
            manifest_changes: d.manifest_changes.iter().map(cell).collect(),
            wording_changes: d.wording_changes.iter().map(cell).collect(),
            document_changes: d.document_changes.iter().map(cell).collect(),
        }
    }
}

impl From<&ImpactReport> for pb::ImpactReport {
    fn from(r: &ImpactReport) -> Self {
        pb::ImpactReport {
            product: product_number(r.product),
            old_version: r.old_version.clone(),
            new_version: r.new_version.clone(),
            policies: r.policies,
            other_product: r.other_product,
            not_priced: r.not_priced,
            not_compared: r.not_compared,
            rises: r.rises,
            falls: r.falls,
            unchanged: r.unchanged,
            total_old: super::quote::eur(r.total_old),
            total_new: super::quote::eur(r.total_new),
            total_change: super::quote::eur(r.total_change),
            percentiles: r
                .percentiles
                .iter()
                .map(|(p, v)| pb::Percentile {
                    percentile: *p,
                    relative_change: *v,
                })
                .collect(),
            histogram: r
                .histogram
                .iter()
                .map(|b| pb::HistogramBin {
                    lower: b.lower,
                    upper: b.upper,
                    policies: b.policies,
                })
                .collect(),
            segments: r
                .segments
                .iter()
                .map(|s| pb::SegmentChange {
                    dimension: s.dimension.clone(),
                    value: s.value.clone(),
                    policies: s.policies,
                    mean_relative_change: s.mean_relative_change,
                    total_change: super::quote::eur(s.total_change),
                })
                .collect(),
            flips: r
                .flips
                .iter()
                .map(|f| pb::DecisionFlip {
                    from: f.from.clone(),
                    to: f.to.clone(),
                    policies: f.policies,
                    examples: f.examples.clone(),
                })
                .collect(),
        }
    }
}

/// An experience for monitoring, at most (two million cells are about 200 MB of CSV).
pub const MAX_EXPERIENCE_BYTES: usize = 256 << 20;

const EXPERIENCE_UPLOAD: UploadRules = UploadRules {
    max_bytes: MAX_EXPERIENCE_BYTES,
    noun: "an experience",
    header_carries: "the version and the experience",
};

/// The version an experience is monitored under (`None`: the one in force today) and the
/// experience's bytes.
pub async fn experience_upload(
    upload: impl Stream<Item = Result<pb::ExperienceUpload, tonic::Status>> + Unpin,
) -> Result<(Option<String>, Vec<u8>), UploadError> {
    receive_bytes(
        upload,
        &EXPERIENCE_UPLOAD,
        |first| {
            if first.model_version.is_empty() {
                Ok(None)
            } else {
                version_id("model_version", &first.model_version)
                    .map(Some)
                    .map_err(|e| vec![e])
            }
        },
        |m| &m.data,
    )
    .await
}

impl From<&crate::experience::monitor::ActualExpected> for pb::ActualExpected {
    fn from(r: &crate::experience::monitor::ActualExpected) -> Self {
        pb::ActualExpected {
            group: r.group.clone(),
            cells: r.cells as u64,
            claims: r.claims,
            exposure: r.exposure.clone(),
            actual: super::quote::eur(r.actual),
            expected: super::quote::eur(r.expected),
            ratio: r.ratio,
            low: r.low,
            high: r.high,
            earned_premium: super::quote::eur(r.earned_premium),
            loss_ratio: r.loss_ratio,
            claims_per_million: r.claims_per_million,
        }
    }
}

impl From<&crate::experience::monitor::Monitor> for pb::ExperienceMonitor {
    fn from(m: &crate::experience::monitor::Monitor) -> Self {
        let all = |rows: &[crate::experience::monitor::ActualExpected]| {
            rows.iter().map(pb::ActualExpected::from).collect()
        };
        pb::ExperienceMonitor {
            model_version: m.version.clone(),
            experience_sha256: m.experience_sha256.clone(),
            valuation_date: m.valuation_date.clone(),
            claim_cv2: m.claim_cv2,
            total: Some(pb::ActualExpected::from(&m.total)),
            by_occupation: all(&m.by_occupation),
            by_class: all(&m.by_class),
            by_pair: m
                .by_pair
                .iter()
                .map(|p| pb::PairRatio {
                    profession: p.profession.clone(),
                    comparator: p.comparator.clone(),
                    ratio: p.ratio,
                    low: p.low,
                    high: p.high,
                })
                .collect(),
            by_cell: all(&m.by_cell),
            by_group: m
                .by_group
                .iter()
                .map(|g| pb::GroupExperience {
                    attribute: g.attribute.clone(),
                    groups: all(&g.groups),
                    against_rest: g
                        .against_rest
                        .iter()
                        .map(|r| pb::GroupRatio {
                            group: r.group.clone(),
                            ratio: r.ratio,
                            low: r.low,
                            high: r.high,
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

impl From<&crate::experience::income_protection::IncidenceStudy> for pb::IncidenceStudy {
    fn from(s: &crate::experience::income_protection::IncidenceStudy) -> Self {
        pb::IncidenceStudy {
            model_version: s.version.clone(),
            experience_sha256: s.experience_sha256.clone(),
            valuation_date: s.valuation_date.clone(),
            by_occupation: s
                .by_occupation
                .iter()
                .map(|o| pb::OccupationIncidence {
                    occupation: o.occupation.clone(),
                    exposure_years: o.exposure_years.clone(),
                    claim_inceptions: o.claim_inceptions,
                    per_thousand: o.per_thousand,
                    low: o.low,
                    high: o.high,
                    months_per_inception: o.months_per_inception,
                    terminations_recovery: o.terminations_recovery,
                    terminations_death: o.terminations_death,
                    terminations_benefit_end: o.terminations_benefit_end,
                    benefit_paid: super::quote::eur(o.benefit_paid),
                })
                .collect(),
            by_pair: s
                .by_pair
                .iter()
                .map(|p| pb::StandardisedIncidence {
                    profession: p.profession.clone(),
                    comparator: p.comparator.clone(),
                    inceptions: p.inceptions,
                    expected: p.expected,
                    ratio: p.ratio,
                    low: p.low,
                    high: p.high,
                    unmatched_years: p.unmatched_years.clone(),
                })
                .collect(),
        }
    }
}
