//! The invariants each fuzz target asserts, one function per target.
//!
//! The same file is compiled into the main package's test suite (`tests/api/fuzz_corpus.rs`
//! includes it by path), which replays the committed corpora in `fuzz/corpus/`: so CI checks
//! every input the fuzzers kept without building libFuzzer.
//!
//! A target does not merely survive its input: a request is either refused with a named field
//! or priced with parts that add up; a model is either refused with a location or loads and
//! prices; a log is either recovered to a verified prefix or refused at the exact byte.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use arbitrary::{Arbitrary, Unstructured};
use chrono::NaiveDate;
use prost::Message;
use rust_decimal::Decimal;

use fairquote::audit::{FileQuoteLog, LogError, LogOptions, segment, verify_dir};
use fairquote::contract::answer;
use fairquote::contract::pb;
use fairquote::domain::{Decision, PricedQuote, Product, QuoteRequest};
use fairquote::grpc::error::{QuoteError, Undecodable};
use fairquote::rating::{self, RateBooks, RatingError};
use fairquote::tables::{self, ModelFiles, expectations};

/// The default models folder of the repository, from the fuzz package or the main one.
pub fn models_dir() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    [here.join("models"), here.join("../models")]
        .into_iter()
        .find(|p| p.join("liability").is_dir())
        .expect("the default models folder")
}

fn default_books() -> &'static RateBooks {
    static BOOKS: OnceLock<RateBooks> = OnceLock::new();
    BOOKS.get_or_init(|| tables::load_rate_books(&models_dir()).expect("the default models load"))
}

fn default_files(product: Product) -> &'static ModelFiles {
    static FILES: OnceLock<BTreeMap<&'static str, ModelFiles>> = OnceLock::new();
    let files = FILES.get_or_init(|| {
        Product::ALL
            .into_iter()
            .map(|p| {
                let files = ModelFiles::read_dir(&models_dir().join(p.code()), p)
                    .expect("the default model files");
                (p.code(), files)
            })
            .collect()
    });
    &files[product.code()]
}

/// Every request of the default models' expected-premium cases: good requests to start from.
pub fn sample_requests() -> &'static [QuoteRequest] {
    static REQUESTS: OnceLock<Vec<QuoteRequest>> = OnceLock::new();
    REQUESTS.get_or_init(|| {
        let mut faults = Vec::new();
        let requests: Vec<QuoteRequest> = Product::ALL
            .into_iter()
            .flat_map(|p| expectations::read(default_files(p), &mut faults))
            .map(|case| case.request)
            .collect();
        assert!(faults.is_empty() && !requests.is_empty());
        requests
    })
}

fn quoted_on() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 28).expect("a date")
}

fn exact_cents(amount: Decimal) -> bool {
    amount.round_dp(2) == amount && amount.scale() <= 2
}

/// A priced quote's arithmetic: every amount in whole cents and not negative, the parts add up
/// to the office premium, the office premium with fee and tax to the total, the instalments to
/// the total, and the worksheet replays to the same amounts.
pub fn assert_priced(quote: &PricedQuote) {
    assert!(
        quote.worksheet.replays_exactly(),
        "the worksheet does not replay"
    );
    match (&quote.decision, &quote.premium) {
        (Decision::Decline, premium) => assert!(premium.is_none(), "a decline with a premium"),
        (_, None) => panic!("an accepted or referred quote without a premium"),
        (_, Some(p)) => {
            let parts = p.office_premium_parts();
            for amount in parts.iter().chain([
                &p.office_premium,
                &p.policy_fee,
                &p.insurance_premium_tax,
                &p.total,
            ]) {
                assert!(*amount >= Decimal::ZERO, "a negative amount: {p:?}");
                assert!(exact_cents(*amount), "an amount not in cents: {p:?}");
            }
            assert_eq!(parts.iter().sum::<Decimal>(), p.office_premium, "{p:?}");
            assert_eq!(
                p.office_premium + p.policy_fee + p.insurance_premium_tax,
                p.total,
                "{p:?}"
            );
            if let Some(i) = &p.instalments {
                assert!(i.count >= 1);
                assert!(exact_cents(i.regular_amount) && exact_cents(i.final_amount));
                assert_eq!(
                    i.regular_amount * Decimal::from(i.count - 1) + i.final_amount,
                    p.total
                );
            }
        }
    }
}

/// The most an error answer may weigh on the wire (its message and its details).
const ERROR_CEILING: usize = 8 * 1024;

/// What a caller is answered for a refusal: INVALID_ARGUMENT, never INTERNAL, and never over
/// the ceiling, whatever the input held.
fn assert_refusal(status: tonic::Status) {
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    let size = status.message().len() + status.details().len();
    assert!(size < ERROR_CEILING, "an error answer of {size} bytes");
}

/// One request through the service's edge and engine, with the invariants of each outcome.
fn price(books: &RateBooks, request: pb::QuoteRequest) {
    let request = match fairquote::domain::QuoteRequest::try_from(request) {
        Ok(request) => request,
        Err(fields) => {
            assert!(!fields.is_empty(), "refused without naming a field");
            for f in &fields {
                assert!(!f.field.is_empty() && !f.description.is_empty(), "{f:?}");
            }
            assert_refusal(QuoteError::InvalidRequest(fields).into());
            return;
        }
    };
    match rating::quote(books, &request, quoted_on()) {
        Ok(quote) => {
            assert_priced(&quote);
            // The answer the caller gets carries the same total, in the proto's money format.
            let response = answer::quote_response("q", chrono::DateTime::UNIX_EPOCH, quote.clone());
            let total = response
                .premium
                .as_ref()
                .and_then(|p| p.total.as_ref())
                .map(|m| m.amount.parse::<Decimal>().expect("a decimal total"));
            assert_eq!(total, quote.premium.as_ref().map(|p| p.total));
            assert!(!response.encode_to_vec().is_empty());
        }
        Err(RatingError::NotOffered(fields)) => {
            assert!(!fields.is_empty(), "not offered without naming a field");
            assert_refusal(QuoteError::Rating(RatingError::NotOffered(fields)).into());
        }
        // An accepted request must never overflow: that would be answered INTERNAL.
        Err(e @ RatingError::Arithmetic(_)) => panic!("{e} for {request:?}"),
    }
}

/// (a) Arbitrary bytes decoded as a `QuoteRequest` (or a stream message) and priced.
pub fn request_bytes(data: &[u8]) {
    let Some((&kind, bytes)) = data.split_first() else {
        return;
    };
    let decoded = if kind & 1 == 0 {
        pb::QuoteRequest::decode(bytes).map(Some)
    } else {
        pb::QuoteStreamRequest::decode(bytes).map(|message| message.request)
    };
    match decoded {
        Ok(Some(request)) => price(default_books(), request),
        Ok(None) => {}
        // What the service's codec answers for bytes that do not decode.
        Err(e) => assert_refusal(Undecodable::from(e).into()),
    }
}

/// Picks mostly from what the model offers, sometimes from anywhere, so that requests reach
/// past the edge's checks into the rating rules.
fn pick<T: Clone>(u: &mut Unstructured<'_>, offered: &[T], any: T) -> arbitrary::Result<T> {
    if offered.is_empty() || u.ratio(1, 8)? {
        Ok(any)
    } else {
        Ok(u.choose(offered)?.clone())
    }
}

fn money(amount: String) -> Option<pb::Money> {
    Some(pb::Money {
        amount,
        currency: "EUR".into(),
    })
}

fn amount(u: &mut Unstructured<'_>, offered: &[Decimal]) -> arbitrary::Result<String> {
    let any = Decimal::new(i64::from(u.arbitrary::<u32>()?), u.int_in_range(0..=3)?);
    let value = pick(u, offered, any)?;
    Ok(if u.ratio(1, 32)? {
        String::arbitrary(u)?
    } else {
        value.to_string()
    })
}

fn structured_request(
    u: &mut Unstructured<'_>,
    books: &RateBooks,
) -> arbitrary::Result<pb::QuoteRequest> {
    let day = NaiveDate::from_ymd_opt(2025, 1, 1).expect("a date")
        + chrono::Days::new(u.int_in_range(0..=1500)?);
    let rating_date = if u.ratio(1, 32)? {
        String::arbitrary(u)?
    } else {
        day.to_string()
    };
    let product = if u.arbitrary()? {
        let book = &books.liability;
        let occupations: Vec<String> = book.occupations.occupations.keys().cloned().collect();
        let limits: Vec<Decimal> = book.increased_limit_factors.keys().copied().collect();
        let deductibles: Vec<Decimal> = book.deductible_factors.keys().copied().collect();
        let turnover = [Decimal::from(30_000), book.eligibility.refer_turnover_above];
        pb::quote_request::Product::Liability(pb::LiabilityApplication {
            occupation: {
                let any = String::arbitrary(u)?;
                pick(u, &occupations, any)?
            },
            work_setting: u.int_in_range(0..=5)?,
            annual_turnover: money(amount(u, &turnover)?),
            limit_of_indemnity: money(amount(u, &limits)?),
            deductible: money(amount(u, &deductibles)?),
            claims_last_5_years: u.int_in_range(0..=12)?,
            years_of_activity: u.int_in_range(0..=90)?,
            risk_management_measures: Vec::<u8>::arbitrary(u)?
                .into_iter()
                .map(|m| i32::from(m % 7))
                .collect(),
        })
    } else {
        let book = &books.income_protection;
        let occupations: Vec<String> = book.occupations.occupations.keys().cloned().collect();
        let deferred = book.deferred_periods();
        let benefits = [Decimal::from(1_500), book.eligibility.refer_benefit_above];
        pb::quote_request::Product::IncomeProtection(pb::IncomeProtectionApplication {
            age: u.int_in_range(0..=130)?,
            occupation: {
                let any = String::arbitrary(u)?;
                pick(u, &occupations, any)?
            },
            employment_status: u.int_in_range(0..=3)?,
            average_monthly_income: money(amount(
                u,
                &[Decimal::from(3_000), Decimal::from(6_000)],
            )?),
            monthly_benefit: money(amount(u, &benefits)?),
            deferred_period_days: {
                let any = u.int_in_range(0..=800)?;
                pick(u, &deferred, any)?
            },
            benefit_period: u.int_in_range(0..=4)?,
            smoker: u.arbitrary()?,
            claims_last_5_years: u.int_in_range(0..=12)?,
            family_situation: u.int_in_range(0..=4)?,
        })
    };
    let version = match &product {
        pb::quote_request::Product::Liability(_) => &books.liability.version.id,
        pb::quote_request::Product::IncomeProtection(_) => &books.income_protection.version.id,
    };
    Ok(pb::QuoteRequest {
        rating_date,
        transaction_type: u.int_in_range(0..=3)?,
        payment_frequency: u.int_in_range(0..=3)?,
        insurer_reference: if u.ratio(1, 4)? {
            String::arbitrary(u)?
        } else {
            String::new()
        },
        model_version: pick(u, std::slice::from_ref(version), String::new())?,
        language: {
            let any = String::arbitrary(u)?;
            let tags = ["en", "nl", "fr", "de", "fr-BE", "NL"].map(str::to_owned);
            pick(u, &tags, any)?
        },
        product: Some(product),
    })
}

/// (b) Structure-aware requests: mostly valid values, so that the rating rules are reached.
pub fn request_structured(data: &[u8]) {
    let books = default_books();
    let mut u = Unstructured::new(data);
    if let Ok(request) = structured_request(&mut u, books) {
        price(books, request);
    }
}

/// (c) One file of a default model replaced by the input: the model is refused with a
/// location for every fault, or it loads and prices every expected-premium case with sound
/// arithmetic.
pub fn model_files(data: &[u8]) {
    let [product, file, bytes @ ..] = data else {
        return;
    };
    let product = Product::ALL[usize::from(*product) % Product::ALL.len()];
    let mut files = default_files(product).clone();
    let names: Vec<String> = files.files.keys().cloned().collect();
    let name = &names[usize::from(*file) % names.len()];
    files.files.insert(name.clone(), bytes.to_vec());
    let books = match product {
        Product::Liability => tables::compile_liability(&files).map(|liability| RateBooks {
            liability,
            income_protection: default_books().income_protection.clone(),
        }),
        Product::IncomeProtection => {
            tables::compile_income_protection(&files).map(|income_protection| RateBooks {
                liability: default_books().liability.clone(),
                income_protection,
            })
        }
    };
    match books {
        Err(invalid) => {
            assert!(!invalid.faults.is_empty(), "refused without a fault");
            for fault in &invalid.faults {
                assert!(
                    fault.file.starts_with(product.code()) && !fault.message.is_empty(),
                    "a fault without its file: {fault:?}"
                );
            }
        }
        Ok(books) => {
            for request in sample_requests() {
                let mut request = request.clone();
                request.model_version = None;
                match rating::quote(&books, &request, quoted_on()) {
                    Ok(quote) => assert_priced(&quote),
                    Err(RatingError::NotOffered(fields)) => assert!(!fields.is_empty()),
                    Err(e @ RatingError::Arithmetic(_)) => {
                        panic!("a model that loads cannot price {request:?}: {e}")
                    }
                }
            }
        }
    }
}

/// A log of `records` quote records written as the service writes them: one frame each,
/// chained. Returns the segment's bytes and where each frame starts.
pub fn reference_log(records: u64) -> (Vec<u8>, Vec<usize>) {
    let mut bytes = segment::MAGIC.to_vec();
    let mut starts = Vec::new();
    let mut previous = [0u8; 32];
    let request = sample_requests()[0].clone();
    let quote = rating::quote(default_books(), &request, quoted_on()).expect("a sample quote");
    for sequence in 1..=records {
        let record = pb::LogRecord {
            sequence,
            recorded_at: format!("2026-11-28T20:00:{sequence:02}.000000Z"),
            event: Some(pb::log_record::Event::Quote(pb::QuoteEvent {
                request: None,
                response: Some(answer::quote_response(
                    &format!("quote-{sequence}"),
                    chrono::DateTime::UNIX_EPOCH,
                    quote.clone(),
                )),
                tenant: String::new(),
            })),
        }
        .encode_to_vec();
        let hash = segment::chain_hash(&previous, &record);
        starts.push(bytes.len());
        segment::encode_frame(&record, &hash, &mut bytes);
        previous = hash;
    }
    (bytes, starts)
}

fn scratch_dir() -> tempfile::TempDir {
    // tmpfs when there is one: a fuzzer opens a log a million times.
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        tempfile::tempdir_in(shm).expect("a scratch folder")
    } else {
        tempfile::tempdir().expect("a scratch folder")
    }
}

/// (d) A log segment, either arbitrary bytes or the reference log with bytes flipped and its
/// end cut. Verification must report every break with its segment and byte; opening the log
/// must refuse a broken one naming the first break, or cut only a torn last record, after
/// which the log verifies and holds exactly what it held before that record.
pub fn log_segment(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    const RECORDS: u64 = 4;
    let (reference, starts) = reference_log(RECORDS);
    let (bytes, first_flip) = if mode & 1 == 0 {
        (rest.to_vec(), None)
    } else {
        // Triples (offset lo, offset hi, xor), then a cut given by the last two bytes, if any.
        let mut bytes = reference.clone();
        let mut flips = rest.chunks_exact(3);
        for flip in &mut flips {
            let at = usize::from(u16::from_le_bytes([flip[0], flip[1]])) % bytes.len();
            bytes[at] ^= flip[2];
        }
        // Flips may cancel out: what counts is the first byte that differs.
        let first_flip = bytes.iter().zip(&reference).position(|(a, b)| a != b);
        if let [lo, hi] = flips.remainder() {
            let cut = usize::from(u16::from_le_bytes([*lo, *hi])) % (bytes.len() + 1);
            bytes.truncate(cut);
        }
        let first_flip = first_flip.filter(|f| *f < bytes.len());
        (bytes, first_flip)
    };
    let dir = scratch_dir();
    let name = segment::file_name(1);
    let path = dir.path().join(&name);
    std::fs::write(&path, &bytes).expect("write the segment");

    let report = verify_dir(dir.path()).expect("a readable log verifies or reports");
    for b in &report.breaks {
        assert_eq!(b.segment, name);
        assert!(
            b.offset <= bytes.len() as u64 && !b.problem.is_empty(),
            "{b:?}"
        );
    }
    if let Some((_, cut)) = &report.torn_tail {
        assert!(*cut <= bytes.len() as u64);
    }
    let opened = FileQuoteLog::open(LogOptions {
        segment_bytes: 1 << 20,
        ..LogOptions::at(dir.path())
    });
    if let Some(first) = report.breaks.first() {
        match opened {
            Err(LogError::Broken(message)) => assert!(
                message.contains(&format!("at byte {}", first.offset)),
                "{message} does not name {first:?}"
            ),
            Err(e) => panic!("a broken log refused for another reason: {e}"),
            Ok(_) => panic!("a broken log was opened for appending: {:?}", report.breaks),
        }
        return;
    }
    drop(opened.expect("an intact log opens"));
    let after = verify_dir(dir.path()).expect("verifies");
    assert!(after.intact() && after.torn_tail.is_none(), "{after:?}");
    // A cut is kept aside whole and recorded as the next record; what was before it stays.
    let mut recovered = std::fs::read(&path).expect("read the segment");
    match &report.torn_tail {
        Some((_, cut)) => {
            let cut = *cut as usize;
            assert_eq!(after.records, report.records + 1);
            let kept = std::fs::read(dir.path().join(format!("quarantine/{name}.{cut}.cut")))
                .expect("the cut bytes are kept");
            assert_eq!(kept, bytes[cut.min(bytes.len())..]);
            // Cut at 0, a segment shorter than its header was started again.
            let (before, expected) = if cut == 0 {
                (segment::MAGIC.len(), &segment::MAGIC[..])
            } else {
                (cut, &bytes[..cut])
            };
            assert_eq!(&recovered[..before], expected);
            recovered.truncate(before);
        }
        None => {
            assert_eq!(after.records, report.records);
            assert_eq!(recovered, bytes);
        }
    }
    if mode & 1 == 1 {
        // Whatever was flipped or cut, what the log keeps is the reference up to a record
        // boundary: no altered record is ever accepted.
        let kept = recovered.len();
        assert!(
            reference.starts_with(&recovered)
                && (starts.contains(&kept) || kept == reference.len()),
            "kept {kept} bytes that are not whole records of the reference"
        );
        // A crash can tear only the last records written: a flip with a whole record after
        // it is damage and must be reported, never cut off as if it were a torn write.
        if let Some(flip) = first_flip {
            let ends = starts.iter().skip(1).copied().chain([reference.len()]);
            let whole_after = starts.iter().zip(ends).find(|&(&start, end)| {
                start > flip && end <= bytes.len() && bytes[start..end] == reference[start..end]
            });
            assert!(
                whole_after.is_none(),
                "a flip at byte {flip} was cut off as a torn write, though the record at {:?} is whole",
                whole_after
            );
        }
    }
}

fn eur(amount: &str) -> Option<pb::Money> {
    money(amount.to_owned())
}

/// The shared sample requests (`models/fixtures/sample_requests.csv`), to seed the byte-level
/// fuzzer.
pub fn seed_requests() -> Vec<pb::QuoteRequest> {
    let csv = include_bytes!("../../models/fixtures/sample_requests.csv");
    fairquote::contract::portfolio::portfolio_requests(csv, "sample_requests.csv")
        .expect("the sample requests read")
        .into_iter()
        .map(|(_, request)| request)
        .collect()
}

/// The starting corpus of each target, by target name.
pub fn seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut seeds = Vec::new();
    for request in seed_requests() {
        let mut bytes = vec![0];
        request.encode(&mut bytes).expect("encodes");
        seeds.push(("request_bytes", bytes));
        let mut bytes = vec![1];
        pb::QuoteStreamRequest {
            request_id: "r1".into(),
            request: Some(request),
        }
        .encode(&mut bytes)
        .expect("encodes");
        seeds.push(("request_bytes", bytes));
    }
    for n in 0..8u8 {
        seeds.push((
            "request_structured",
            (0..64u8)
                .map(|i| i.wrapping_mul(37).wrapping_add(n.wrapping_mul(11)))
                .collect(),
        ));
    }
    for (p, product) in Product::ALL.into_iter().enumerate() {
        for (f, bytes) in default_files(product).files.values().enumerate() {
            let mut seed = vec![p as u8, f as u8];
            seed.extend_from_slice(bytes);
            seeds.push(("model_files", seed));
        }
    }
    let (log, _) = reference_log(4);
    seeds.push(("log_segment", [&[0u8][..], &log].concat()));
    seeds.push(("log_segment", vec![1]));
    seeds
}
