//! Impact analysis: a whole portfolio priced under two model versions of one product, and
//! what moves: how many premiums rise, fall or stay, the distribution of relative changes, the
//! total change, the segments that move most, and every decision that flips.
//!
//! Each row is priced by the same engine as the quote path, pinned to each version, so the
//! prices are exactly those a quote would give. The analysis runs on a polars frame.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use polars::prelude::*;
use rayon::prelude::*;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Serialize;

use crate::domain::{Product, ProductApplication, QuoteRequest};
use crate::portfolio::Portfolio;
use crate::rating::schedule::PublishedBook;
use crate::rating::{self, ModelSchedule};

/// The percentiles reported of the relative change.
pub const PERCENTILES: &[f64] = &[0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];
/// Histogram edges of the relative change; the outer bins are open.
pub const HISTOGRAM_EDGES: &[f64] = &[
    -0.2, -0.1, -0.05, -0.02, -0.005, 0.005, 0.02, 0.05, 0.1, 0.2,
];
const TOP_SEGMENTS: usize = 10;
const EXAMPLE_FLIPS: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum ImpactError {
    #[error("no model version {0} is published")]
    UnknownVersion(String),
    #[error("the two versions are of different products")]
    DifferentProducts,
    #[error("the analysis failed: {0}")]
    Analysis(#[from] PolarsError),
    #[error("the portfolio cannot be analysed: {}", crate::domain::invalid::describe_fields(.0))]
    InvalidPortfolio(Vec<crate::domain::InvalidField>),
}

/// An analysis of an uploaded portfolio: the report, and the rows as Parquet when asked for.
pub struct UploadedImpact {
    pub report: ImpactReport,
    pub rows_parquet: Option<Vec<u8>>,
}

/// Analyses a portfolio uploaded as CSV or Parquet bytes (the service's `AnalyseImpact`).
pub fn analyse_upload(
    models: &ModelSchedule,
    old: &str,
    new: &str,
    bytes: Vec<u8>,
    parquet: bool,
    include_rows: bool,
) -> Result<UploadedImpact, ImpactError> {
    let portfolio =
        crate::portfolio::from_upload(bytes, parquet).map_err(ImpactError::InvalidPortfolio)?;
    let (report, mut rows) = analyse(models, old, new, &portfolio, &|_| {})?;
    let rows_parquet = if include_rows {
        let mut out = Vec::new();
        ParquetWriter::new(&mut out).finish(&mut rows)?;
        Some(out)
    } else {
        None
    };
    Ok(UploadedImpact {
        report,
        rows_parquet,
    })
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Bin {
    /// `None` for an open end.
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    pub policies: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SegmentChange {
    pub dimension: String,
    pub value: String,
    pub policies: u64,
    pub mean_relative_change: f64,
    /// The exact sum of the segment's changes, in euros.
    pub total_change: Decimal,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DecisionFlip {
    pub from: String,
    pub to: String,
    pub policies: u64,
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ImpactReport {
    pub product: Product,
    pub old_version: String,
    pub new_version: String,
    /// Rows of the product, priced under both versions.
    pub policies: u64,
    /// Rows of the other product, not analysed.
    pub other_product: u64,
    /// Rows a version cannot price (an option it does not offer); they count as flips.
    pub not_priced: u64,
    /// Rows without a premium under one version or both (a decline, or not priced): they are
    /// not in rises, falls and unchanged.
    pub not_compared: u64,
    pub rises: u64,
    pub falls: u64,
    pub unchanged: u64,
    /// Sums over the rows with a premium under both versions, exact.
    pub total_old: Decimal,
    pub total_new: Decimal,
    pub total_change: Decimal,
    pub percentiles: Vec<(f64, f64)>,
    pub histogram: Vec<Bin>,
    pub segments: Vec<SegmentChange>,
    pub flips: Vec<DecisionFlip>,
}

struct Priced {
    decision: &'static str,
    total: Option<Decimal>,
}

const NOT_PRICED: &str = "not_priced";

fn price(book: &PublishedBook, request: &QuoteRequest) -> Priced {
    // Pinned: the version prices the row whatever its rating date, as a pinned quote would.
    match rating::quote_figures(book, request, request.rating_date) {
        Ok(quote) => Priced {
            decision: quote.decision.code(),
            total: quote.premium.map(|p| p.total),
        },
        Err(_) => Priced {
            decision: NOT_PRICED,
            total: None,
        },
    }
}

/// One row under both versions, with its segment keys: all made on the worker threads, so
/// that the single-threaded part only adds up.
struct Row {
    old: Priced,
    new: Priced,
    occupation: String,
    option: String,
    age: String,
}

/// The segment keys of a row: occupation, the cover options, the age band.
fn segments(application: &ProductApplication) -> (String, String, String) {
    match application {
        ProductApplication::Liability(l) => (
            l.occupation().to_owned(),
            format!(
                "limit={}, deductible={}",
                l.limit_of_indemnity(),
                l.deductible()
            ),
            String::new(),
        ),
        ProductApplication::IncomeProtection(i) => {
            let low = i.age() / 5 * 5;
            (
                i.occupation().to_owned(),
                format!(
                    "deferred={}, period={}",
                    i.deferred_period_days(),
                    i.benefit_period().code()
                ),
                format!("{low}-{}", low + 4),
            )
        }
    }
}

/// Prices the portfolio under both versions. `progress` is told how many rows are done.
pub fn analyse(
    models: &ModelSchedule,
    old: &str,
    new: &str,
    portfolio: &Portfolio,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<(ImpactReport, DataFrame), ImpactError> {
    let mut analysis = Analysis::new(models, old, new)?;
    let rows = analysis.add(portfolio, progress)?;
    Ok((analysis.finish()?, rows))
}

/// What a segment has gathered so far.
#[derive(Default)]
struct SegmentSums {
    /// Every row of the product in the segment.
    policies: u64,
    /// The relative changes of the rows compared, added in the book's order.
    relative_sum: f64,
    relatives: u64,
    /// Money is never summed as a float.
    total_change: Decimal,
}

/// An analysis gathered a part of the book at a time: what it keeps is the report's counts
/// and sums, and one relative change (8 bytes) a policy compared, for exact percentiles.
/// Every figure is the same whatever the parts, since rows are added in the book's order.
pub struct Analysis<'a> {
    old_book: &'a PublishedBook,
    new_book: &'a PublishedBook,
    report: ImpactReport,
    flips: BTreeMap<(&'static str, &'static str), (u64, Vec<String>)>,
    relatives: Vec<f64>,
    /// By dimension, then by the segment's key.
    segments: BTreeMap<&'static str, BTreeMap<String, SegmentSums>>,
    done: AtomicUsize,
}

/// The rows of a part, column by column: one for every policy of the product.
#[derive(Default)]
struct RowColumns {
    policy_id: Vec<String>,
    occupation: Vec<String>,
    cover_options: Vec<String>,
    age_band: Vec<String>,
    old_decision: Vec<&'static str>,
    new_decision: Vec<&'static str>,
    old_total: Vec<Option<String>>,
    new_total: Vec<Option<String>>,
    change: Vec<Option<f64>>,
    relative_change: Vec<Option<f64>>,
}

impl RowColumns {
    fn frame(self) -> PolarsResult<DataFrame> {
        let n = self.policy_id.len();
        DataFrame::new(
            n,
            vec![
                Column::new("policy_id".into(), self.policy_id),
                Column::new("occupation".into(), self.occupation),
                Column::new("cover_options".into(), self.cover_options),
                Column::new("age_band".into(), self.age_band),
                Column::new("old_decision".into(), self.old_decision),
                Column::new("new_decision".into(), self.new_decision),
                Column::new("old_total".into(), self.old_total),
                Column::new("new_total".into(), self.new_total),
                Column::new("change".into(), self.change),
                Column::new("relative_change".into(), self.relative_change),
            ],
        )
    }
}

/// The columns of the rows an analysis gives, as a part's rows have them.
pub fn rows_schema() -> Result<Schema, ImpactError> {
    Ok(RowColumns::default().frame()?.schema().as_ref().clone())
}

impl<'a> Analysis<'a> {
    pub fn new(models: &'a ModelSchedule, old: &str, new: &str) -> Result<Self, ImpactError> {
        let book_of = |id: &str| {
            models
                .published
                .get(id)
                .ok_or_else(|| ImpactError::UnknownVersion(id.to_owned()))
        };
        let (old_book, new_book) = (book_of(old)?, book_of(new)?);
        let product = old_book.version().product;
        if new_book.version().product != product {
            return Err(ImpactError::DifferentProducts);
        }
        Ok(Self {
            old_book,
            new_book,
            report: ImpactReport {
                product,
                old_version: old.to_owned(),
                new_version: new.to_owned(),
                policies: 0,
                other_product: 0,
                not_priced: 0,
                not_compared: 0,
                rises: 0,
                falls: 0,
                unchanged: 0,
                total_old: Decimal::ZERO,
                total_new: Decimal::ZERO,
                total_change: Decimal::ZERO,
                percentiles: Vec::new(),
                histogram: Vec::new(),
                segments: Vec::new(),
                flips: Vec::new(),
            },
            flips: BTreeMap::new(),
            relatives: Vec::new(),
            segments: BTreeMap::new(),
            done: AtomicUsize::new(0),
        })
    }

    /// Prices the next part of the book under both versions, and gives its rows: one for each
    /// policy of the product. `progress` is told how many rows are done in all.
    pub fn add(
        &mut self,
        part: &Portfolio,
        progress: &(dyn Fn(usize) + Sync),
    ) -> Result<DataFrame, ImpactError> {
        let product = self.report.product;
        let rows: Vec<usize> = (0..part.requests.len())
            .filter(|&i| part.requests[i].application.product() == product)
            .collect();
        let (old_book, new_book, done) = (self.old_book, self.new_book, &self.done);
        let priced: Vec<Row> = rows
            .par_iter()
            .map(|&row| {
                let request = &part.requests[row];
                let (occupation, option, age) = segments(&request.application);
                let priced = Row {
                    old: price(old_book, request),
                    new: price(new_book, request),
                    occupation,
                    option,
                    age,
                };
                let count = done.fetch_add(1, Ordering::Relaxed) + 1;
                if count.is_multiple_of(10_000) {
                    progress(count);
                }
                priced
            })
            .collect();
        progress(done.load(Ordering::Relaxed));

        let report = &mut self.report;
        report.policies += rows.len() as u64;
        report.other_product += (part.requests.len() - rows.len()) as u64;
        let mut columns = RowColumns::default();
        for (&row, priced) in rows.iter().zip(priced) {
            let policy = &part.policy_ids[row];
            let Row {
                old: a,
                new: b,
                occupation,
                option,
                age,
            } = priced;
            if a.decision == NOT_PRICED || b.decision == NOT_PRICED {
                report.not_priced += 1;
            }
            if a.decision != b.decision {
                let entry = self.flips.entry((a.decision, b.decision)).or_default();
                entry.0 += 1;
                if entry.1.len() < EXAMPLE_FLIPS {
                    entry.1.push(policy.clone());
                }
            }
            let keys = [
                ("occupation", &occupation),
                ("cover_options", &option),
                ("age_band", &age),
            ];
            let (change, relative) = match (a.total, b.total) {
                (Some(x), Some(y)) => {
                    report.total_old += x;
                    report.total_new += y;
                    match y.cmp(&x) {
                        std::cmp::Ordering::Greater => report.rises += 1,
                        std::cmp::Ordering::Less => report.falls += 1,
                        std::cmp::Ordering::Equal => report.unchanged += 1,
                    }
                    let change = y - x;
                    let relative = if x.is_zero() {
                        None
                    } else {
                        (change / x).to_f64()
                    };
                    (Some(change), relative)
                }
                _ => {
                    report.not_compared += 1;
                    (None, None)
                }
            };
            for (dimension, key) in keys {
                // A segment without a key (the age band of a liability policy) is not one.
                if key.is_empty() {
                    continue;
                }
                let segments = self.segments.entry(dimension).or_default();
                let sums = match segments.get_mut(key.as_str()) {
                    Some(sums) => sums,
                    None => segments.entry(key.clone()).or_default(),
                };
                sums.policies += 1;
                if let Some(change) = change {
                    sums.total_change += change;
                }
                if let Some(relative) = relative {
                    sums.relative_sum += relative;
                    sums.relatives += 1;
                }
            }
            if let Some(relative) = relative {
                self.relatives.push(relative);
            }
            columns.policy_id.push(policy.clone());
            columns.occupation.push(occupation);
            columns.cover_options.push(option);
            columns.age_band.push(age);
            columns.old_decision.push(a.decision);
            columns.new_decision.push(b.decision);
            columns.old_total.push(a.total.map(|t| t.to_string()));
            columns.new_total.push(b.total.map(|t| t.to_string()));
            columns.change.push(change.and_then(|c| c.to_f64()));
            columns.relative_change.push(relative);
        }
        Ok(columns.frame()?)
    }

    /// The report on every part added.
    pub fn finish(self) -> Result<ImpactReport, ImpactError> {
        let mut report = self.report;
        report.total_change = report.total_new - report.total_old;
        report.flips = self
            .flips
            .into_iter()
            .map(|((from, to), (policies, examples))| DecisionFlip {
                from: from.to_owned(),
                to: to.to_owned(),
                policies,
                examples,
            })
            .collect();
        let relative = Float64Chunked::from_vec("relative_change".into(), self.relatives);
        for p in PERCENTILES {
            if let Some(value) = relative.quantile(*p, QuantileMethod::Linear)? {
                report.percentiles.push((*p, value));
            }
        }
        let mut lower = None;
        for upper in HISTOGRAM_EDGES.iter().copied().map(Some).chain([None]) {
            let policies = relative
                .into_no_null_iter()
                .filter(|v| lower.is_none_or(|l| *v >= l) && upper.is_none_or(|u| *v < u))
                .count() as u64;
            report.histogram.push(Bin {
                lower,
                upper,
                policies,
            });
            lower = upper;
        }
        for dimension in ["occupation", "cover_options", "age_band"] {
            let mut found: Vec<SegmentChange> = self
                .segments
                .get(dimension)
                .into_iter()
                .flatten()
                .filter(|(_, sums)| sums.relatives > 0)
                .map(|(value, sums)| SegmentChange {
                    dimension: dimension.to_owned(),
                    value: value.clone(),
                    policies: sums.policies,
                    mean_relative_change: sums.relative_sum / sums.relatives as f64,
                    total_change: sums.total_change,
                })
                .collect();
            found.sort_by(|a, b| {
                b.mean_relative_change
                    .abs()
                    .total_cmp(&a.mean_relative_change.abs())
                    .then(a.value.cmp(&b.value))
            });
            report.segments.extend(found.into_iter().take(TOP_SEGMENTS));
        }
        Ok(report)
    }
}
