//! A portfolio's rows as messages: for the shared sample requests that tests, benches and
//! fuzzers read, and for any tool that sends a book of applications to the service.

use super::pb;

/// A portfolio's rows as messages, by policy id, each with the insurer's reference of its
/// `insurer_reference` column, where it has one (the shared sample requests of
/// `models/fixtures/` are read so by the tests, the benches and the fuzzers).
pub fn portfolio_requests(
    csv: &[u8],
    file: &str,
) -> Result<Vec<(String, pb::QuoteRequest)>, crate::portfolio::PortfolioError> {
    let portfolio = crate::portfolio::from_csv(csv, file)?;
    let references: Vec<Option<String>> = match portfolio
        .frame
        .column("insurer_reference")
        .ok()
        .and_then(|c| c.str().ok())
    {
        Some(text) => text.iter().map(|v| v.map(str::to_owned)).collect(),
        None => vec![None; portfolio.requests.len()],
    };
    Ok(portfolio
        .policy_ids
        .iter()
        .zip(&portfolio.requests)
        .zip(references)
        .map(|((id, request), reference)| {
            let mut message = pb::QuoteRequest::from(request);
            message.insurer_reference = reference.unwrap_or_default();
            (id.clone(), message)
        })
        .collect())
}
