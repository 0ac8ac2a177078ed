//! Income protection tops up the statutory incapacity benefit: the combined cap against cases
//! computed by hand from `models/income_protection/statutory_benefits.csv`, for each status and
//! family situation, through the real server; the catalogue's account of the deferred periods;
//! and what the model refuses.
//!
//! By hand, with 26 paid days a month and a cap of 80 % of income:
//! - self-employed: with dependants 26 × 77.95 = 2026.70, single 26 × 61.77 = 1606.02,
//!   cohabiting 26 × 47.38 = 1231.88 EUR a month, whatever the income;
//! - employee: 60 % of pay capped at 26 × 170.00 = 4420 EUR a month, in every situation:
//!   3000 → 1800.00, 6000 → 2652.00.

use fairquote::contract::pb;
use fairquote::tables::{TableFault, load_rate_books};

use crate::helpers::*;

fn request(
    status: pb::EmploymentStatus,
    family: pb::FamilySituation,
    income: &str,
    benefit: &str,
) -> pb::QuoteRequest {
    let mut request = income_protection_request();
    let application = income_protection_mut(&mut request);
    application.employment_status = status as i32;
    application.family_situation = family as i32;
    application.average_monthly_income = eur(income);
    application.monthly_benefit = eur(benefit);
    // An employee's deferred period starts after the guaranteed month.
    application.deferred_period_days = 30;
    request
}

async fn ask(
    app: &mut TestApp,
    status: pb::EmploymentStatus,
    family: pb::FamilySituation,
    income: &str,
    benefit: &str,
) -> pb::QuoteResponse {
    app.quote(request(status, family, income, benefit))
        .await
        .expect("an answer")
}

fn statutory_step(response: &pb::QuoteResponse) -> Option<&pb::WorksheetStep> {
    response
        .worksheet
        .as_ref()?
        .steps
        .iter()
        .find(|s| s.code == "statutory_benefit")
}

fn reason<'a>(response: &'a pb::QuoteResponse, code: &str) -> Option<&'a pb::Reason> {
    response.reasons.iter().find(|r| r.code == code)
}

fn decision(response: &pb::QuoteResponse) -> pb::Decision {
    pb::Decision::try_from(response.decision).expect("a decision")
}

#[tokio::test]
async fn the_statutory_benefit_of_each_status_and_family_situation_is_a_step_of_the_worksheet() {
    use pb::EmploymentStatus::{Employee, SelfEmployed};
    use pb::FamilySituation::{Cohabiting, Single, WithDependants};
    let mut app = spawn_app().await;
    let cases = [
        (SelfEmployed, WithDependants, "6000", "2026.70"),
        (SelfEmployed, Single, "6000", "1606.02"),
        (SelfEmployed, Cohabiting, "6000", "1231.88"),
        (Employee, WithDependants, "6000", "2652.00"),
        (Employee, Single, "3000", "1800.00"),
        (Employee, Cohabiting, "6000", "2652.00"),
    ];
    let mut totals = Vec::new();
    for (status, family, income, statutory) in cases {
        let response = ask(&mut app, status, family, income, "500").await;
        assert_eq!(
            decision(&response),
            pb::Decision::Accept,
            "{status:?} {family:?}: {:?}",
            response.reasons
        );
        assert!(response.reasons.is_empty(), "{:?}", response.reasons);
        let step = statutory_step(&response).expect("a statutory benefit step");
        // Worksheet values are written normalised (`2652`); the amount is the same.
        assert_eq!(dec(&step.value), dec(statutory), "{status:?} {family:?}");
        assert_eq!(step.table, "statutory_benefits");
        assert_eq!(
            pb::WorksheetOperation::try_from(step.operation),
            Ok(pb::WorksheetOperation::Memo)
        );
        // Not a term of the premium: the running amount is what it was before it.
        assert_eq!(step.running_amount, "0");
        let family_code = match family {
            WithDependants => "with_dependants",
            Single => "single",
            _ => "cohabiting",
        };
        assert!(
            step.row_key
                .contains(&format!("family_situation={family_code}")),
            "{}",
            step.row_key
        );
        assert!(
            step.description
                .contains(&dec(statutory).normalize().to_string()),
            "{}",
            step.description
        );
        totals.push((status, amount(&response.premium.as_ref().unwrap().total)));
    }
    // The same benefit costs the same in every family situation of a status (and, the
    // occupation and age being the same, of both statuses).
    assert!(totals.windows(2).all(|w| w[0].1 == w[1].1), "{totals:?}");
}

#[tokio::test]
async fn the_combined_cap_binds_at_the_cent_and_says_how_much_can_be_insured() {
    use pb::EmploymentStatus::{Employee, SelfEmployed};
    use pb::FamilySituation::{Cohabiting, Single, WithDependants};
    let mut app = spawn_app().await;
    // (status, family, income, the largest benefit under the cap, its room, the statutory)
    let cases = [
        // 0.8 × 5000 = 4000.00; 4000.00 − 1606.02 = 2393.98
        (SelfEmployed, Single, "5000", "2393.98", "1606.02"),
        // 4000.00 − 2026.70 = 1973.30
        (SelfEmployed, WithDependants, "5000", "1973.30", "2026.70"),
        // 4000.00 − 1231.88 = 2768.12
        (SelfEmployed, Cohabiting, "5000", "2768.12", "1231.88"),
        // 0.8 × 3000 = 2400.00; 2400.00 − 0.6 × 3000 = 600.00
        (Employee, Single, "3000", "600.00", "1800.00"),
        // 0.8 × 6000 = 4800.00; 4800.00 − 0.6 × 4420 = 2148.00
        (Employee, WithDependants, "6000", "2148.00", "2652.00"),
    ];
    for (status, family, income, room, statutory) in cases {
        let at_cap = ask(&mut app, status, family, income, room).await;
        assert_eq!(
            decision(&at_cap),
            pb::Decision::Accept,
            "{status:?} {family:?} {room}: {:?}",
            at_cap.reasons
        );
        let above = format!("{}", dec(room) + dec("0.01"));
        let declined = ask(&mut app, status, family, income, &above).await;
        assert_eq!(
            decision(&declined),
            pb::Decision::Decline,
            "{status:?} {family:?}"
        );
        let why = reason(&declined, "BENEFIT_ABOVE_COMBINED_CAP")
            .unwrap_or_else(|| panic!("the combined cap's reason: {:?}", declined.reasons));
        assert_eq!(why.parameters["room"], room);
        assert_eq!(why.parameters["statutory"], statutory);
        assert_eq!(why.parameters["benefit"], above);
        assert_eq!(why.criterion, "statutory_benefit");
        assert!(why.message.contains(room), "{}", why.message);
        // The old cap alone would have let it through: the benefit is under 80 % of income.
        assert!(dec(&above) < dec(income) * dec("0.8"));
    }
}

#[tokio::test]
async fn a_statutory_benefit_alone_above_the_cap_is_declined_with_its_reason() {
    let mut app = spawn_app().await;
    // 0.8 × 2500 = 2000.00 < 2026.70: nothing is left to insure, however small the benefit.
    let response = ask(
        &mut app,
        pb::EmploymentStatus::SelfEmployed,
        pb::FamilySituation::WithDependants,
        "2500",
        "1",
    )
    .await;
    assert_eq!(decision(&response), pb::Decision::Decline);
    let codes: Vec<&str> = response.reasons.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["STATUTORY_BENEFIT_ABOVE_INCOME_CAP"]);
    let why = &response.reasons[0];
    assert_eq!(why.parameters["statutory"], "2026.70");
    assert_eq!(why.parameters["cap"], "2000.00");
    assert_eq!(why.criterion, "statutory_benefit");
    // The same worker living alone has room: 2000.00 − 1606.02 = 393.98.
    let single = ask(
        &mut app,
        pb::EmploymentStatus::SelfEmployed,
        pb::FamilySituation::Single,
        "2500",
        "393.98",
    )
    .await;
    assert_eq!(
        decision(&single),
        pb::Decision::Accept,
        "{:?}",
        single.reasons
    );
}

#[tokio::test]
async fn without_a_family_situation_the_cap_assumes_the_highest_statutory_benefit_and_says_so() {
    let mut app = spawn_app().await;
    let given = ask(
        &mut app,
        pb::EmploymentStatus::SelfEmployed,
        pb::FamilySituation::Single,
        "5000",
        "1500",
    )
    .await;
    let absent = ask(
        &mut app,
        pb::EmploymentStatus::SelfEmployed,
        pb::FamilySituation::Unspecified,
        "5000",
        "1500",
    )
    .await;
    assert_eq!(decision(&absent), pb::Decision::Accept);
    let why = reason(&absent, "FAMILY_SITUATION_ASSUMED").expect("the assumption is said");
    // The code for programs; the label in the sentence.
    assert_eq!(why.parameters["family"], "with_dependants");
    assert!(why.message.contains("with dependants"), "{}", why.message);
    assert_eq!(why.parameters["statutory"], "2026.70");
    assert_eq!(why.criterion, "statutory_benefit");
    assert_eq!(dec(&statutory_step(&absent).unwrap().value), dec("2026.70"));
    assert!(reason(&given, "FAMILY_SITUATION_ASSUMED").is_none());
    // The assumption reaches the cap and nothing else.
    assert_eq!(
        amount(&absent.premium.as_ref().unwrap().total),
        amount(&given.premium.as_ref().unwrap().total)
    );
    // 1973.30 fits with dependants; 1973.31 does not, and the assumption is still said.
    let declined = ask(
        &mut app,
        pb::EmploymentStatus::SelfEmployed,
        pb::FamilySituation::Unspecified,
        "5000",
        "1973.31",
    )
    .await;
    assert_eq!(decision(&declined), pb::Decision::Decline);
    let codes: Vec<&str> = declined.reasons.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(
        codes,
        ["BENEFIT_ABOVE_COMBINED_CAP", "FAMILY_SITUATION_ASSUMED"]
    );
    // In French, the same figures in French words.
    let mut french = request(
        pb::EmploymentStatus::SelfEmployed,
        pb::FamilySituation::Unspecified,
        "5000",
        "1500",
    );
    french.language = "fr".into();
    let french = app.quote(french).await.expect("an answer");
    let why = reason(&french, "FAMILY_SITUATION_ASSUMED").unwrap();
    assert!(
        why.message.contains("avec charge de famille"),
        "{}",
        why.message
    );
    assert!(why.message.contains("2026,70"), "{}", why.message);
}

#[tokio::test]
async fn an_unknown_family_situation_is_invalid_argument_with_its_field() {
    let mut app = spawn_app().await;
    let mut bad = income_protection_request();
    income_protection_mut(&mut bad).family_situation = 9;
    let status = app.quote(bad).await.expect_err("refused");
    assert_eq!(status.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        violated_fields(&status),
        ["income_protection.family_situation"]
    );
}

#[tokio::test]
async fn the_catalogue_explains_each_deferred_period_beside_the_statutory_one() {
    let mut app = spawn_app().await;
    let catalogue = catalogue_in(&mut app, "en").await;
    let ip = catalogue.income_protection.expect("income protection");
    assert_eq!(ip.statutory_benefits.len(), 6);
    let single = ip
        .statutory_benefits
        .iter()
        .find(|b| {
            b.employment_status == pb::EmploymentStatus::SelfEmployed as i32
                && b.family_situation == pb::FamilySituation::Single as i32
        })
        .expect("the single self-employed");
    assert_eq!(amount(&single.daily_amount), dec("61.77"));
    assert_eq!(single.qualifying_days, 7);
    assert_eq!(single.days_per_month, 26);
    assert_eq!(single.family_situation_label, "single");
    assert!(single.note.contains("not confirmed"), "{}", single.note);
    assert!(!single.source.is_empty());
    let employee = ip
        .statutory_benefits
        .iter()
        .find(|b| b.employment_status == pb::EmploymentStatus::Employee as i32)
        .unwrap();
    assert_eq!(employee.share_of_pay, "0.6");
    assert_eq!(employee.qualifying_days, 30);

    let explained = |status: pb::EmploymentStatus| -> Vec<u32> {
        ip.deferred_periods_beside_statutory
            .iter()
            .filter(|d| d.employment_status == status as i32)
            .map(|d| d.deferred_period_days)
            .collect()
    };
    // Every period offered to the self-employed; to employees only from the guaranteed
    // salary's end.
    assert_eq!(
        explained(pb::EmploymentStatus::SelfEmployed),
        ip.deferred_period_days
    );
    let for_employees: Vec<u32> = ip
        .deferred_period_days
        .iter()
        .copied()
        .filter(|d| *d >= ip.employee_min_deferred_days)
        .collect();
    assert_eq!(explained(pb::EmploymentStatus::Employee), for_employees);
    let seven = ip
        .deferred_periods_beside_statutory
        .iter()
        .find(|d| {
            d.employment_status == pb::EmploymentStatus::SelfEmployed as i32
                && d.deferred_period_days == 7
        })
        .expect("7 days for the self-employed");
    assert_eq!(seven.statutory_qualifying_days, 7);
    assert!(
        seven.explanation.contains("more than 7 days"),
        "{}",
        seven.explanation
    );
    let dutch = catalogue_in(&mut app, "nl")
        .await
        .income_protection
        .unwrap();
    let text: Vec<&str> = dutch
        .deferred_periods_beside_statutory
        .iter()
        .map(|d| d.explanation.as_str())
        .collect();
    assert!(
        text.iter().any(|t| t.contains("gewaarborgd loon")),
        "{text:?}"
    );
    // The published criteria name the statutory table among the acceptance's.
    let criteria = ip.criteria.expect("the criteria");
    assert_eq!(criteria.acceptance_tables.len(), 1);
    assert_eq!(
        criteria.acceptance_tables[0].table,
        "statutory_benefits.csv"
    );
    assert!(
        criteria.acceptance_tables[0]
            .justifications
            .iter()
            .any(|j| j.contains("IP-STAT"))
    );
    assert!(
        criteria
            .acceptance
            .iter()
            .any(|r| r.reason_code == "BENEFIT_ABOVE_COMBINED_CAP")
    );
}

type Sandbox = ModelsCopy;

#[track_caller]
fn assert_fault(faults: &[TableFault], file: &str, row: Option<usize>, column: &str, says: &str) {
    assert!(
        faults.iter().any(|f| f.file == file
            && f.row == row
            && f.column.as_deref() == Some(column)
            && f.message.contains(says)),
        "no fault at {file} {row:?} {column} saying {says:?}; got {faults:#?}"
    );
}

fn rejected(sandbox: &Sandbox) -> Vec<TableFault> {
    load_rate_books(&sandbox.models)
        .expect_err("the broken model must be rejected")
        .faults
}

const STATUTORY: &str = "income_protection/statutory_benefits.csv";

#[test]
fn a_bad_statutory_table_is_located_in_an_actuarys_words() {
    let sandbox = Sandbox::new();
    let text = std::fs::read_to_string(sandbox.file(STATUTORY)).unwrap();
    let single = text
        .lines()
        .find(|l| l.starts_with("self_employed,single,"))
        .unwrap()
        .to_owned();
    // A row missing: the pair is named.
    std::fs::write(
        sandbox.file(STATUTORY),
        text.replace(&format!("{single}\n"), ""),
    )
    .unwrap();
    assert_fault(
        &rejected(&sandbox),
        STATUTORY,
        None,
        "employment_status, family_situation",
        "missing row: the statutory benefit of self_employed workers single",
    );
    // A date that is not one, a share above 1, a cell empty.
    let broken = text
        .replacen(
            "self_employed,single,2024-05-01",
            "self_employed,single,1 janvier",
            1,
        )
        .replacen(",0.60,170.00", ",1.60,170.00", 1);
    std::fs::write(sandbox.file(STATUTORY), broken).unwrap();
    let faults = rejected(&sandbox);
    assert_fault(
        &faults,
        STATUTORY,
        Some(3),
        "valid_from",
        "`1 janvier` is not a date",
    );
    assert_fault(
        &faults,
        STATUTORY,
        Some(5),
        "share_of_pay",
        "the share of pay 1.60 is outside 0 to 1",
    );
    // Amounts that start after the version's first day leave its first quotes without one.
    let late = text.replacen(
        "self_employed,single,2024-05-01",
        "self_employed,single,2026-06-01",
        1,
    );
    std::fs::write(sandbox.file(STATUTORY), late).unwrap();
    assert_fault(
        &rejected(&sandbox),
        STATUTORY,
        Some(3),
        "valid_from",
        "in force only from 2026-06-01",
    );
}

#[test]
fn family_situation_may_not_enter_a_table_of_the_price() {
    // The statutory table's family_situation column needs its civil-status justification.
    let sandbox = Sandbox::new();
    sandbox.edit(
        "income_protection/manifest.toml",
        "protected_criterion = [\"civil_status\", \"wealth\"]",
        "protected_criterion = [\"wealth\"]",
    );
    assert_fault(
        &rejected(&sandbox),
        STATUTORY,
        Some(1),
        "family_situation",
        "civil or family situation",
    );
    // And a justification may not declare it for a table the premium is made of, whatever
    // it says.
    let sandbox = Sandbox::new();
    sandbox.edit(
        "income_protection/manifest.toml",
        "protected_criterion = \"health\"",
        "protected_criterion = [\"health\", \"civil_status\"]",
    );
    assert_fault(
        &rejected(&sandbox),
        "income_protection/manifest.toml",
        None,
        "protected_criterion",
        "family situation may set only the statutory benefit the cap counts",
    );
}

#[tokio::test]
async fn a_version_without_the_statutory_table_keeps_the_cap_of_income_alone() {
    let sandbox = Sandbox::new();
    sandbox.remove(STATUTORY);
    let manifest = sandbox.file("income_protection/manifest.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    let start = text.find("[[justifications]]\nid = \"IP-STAT\"").unwrap();
    let end = text.find("[derivation]").unwrap();
    std::fs::write(&manifest, format!("{}{}", &text[..start], &text[end..])).unwrap();
    // Its cases of the combined cap do not hold for it.
    let cases = sandbox.file("income_protection/expected_premiums.csv");
    let kept: Vec<String> = std::fs::read_to_string(&cases)
        .unwrap()
        .lines()
        .filter(|l| !l.contains("cap_") || l.contains("80_percent"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&cases, kept.concat()).unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data.path());
    settings.models.dir = sandbox.models.clone();
    let mut app = spawn_app_with(settings).await;
    // 1990.47 with dependants is above the combined cap, not above 80 % of 5000.
    let response = ask(
        &mut app,
        pb::EmploymentStatus::SelfEmployed,
        pb::FamilySituation::Unspecified,
        "5000",
        "1990.47",
    )
    .await;
    assert_eq!(
        decision(&response),
        pb::Decision::Accept,
        "{:?}",
        response.reasons
    );
    assert!(statutory_step(&response).is_none());
    assert!(response.reasons.is_empty());
    let over = ask(
        &mut app,
        pb::EmploymentStatus::SelfEmployed,
        pb::FamilySituation::Single,
        "5000",
        "4000.01",
    )
    .await;
    let codes: Vec<&str> = over.reasons.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["BENEFIT_ABOVE_INCOME_CAP"]);
    let catalogue = catalogue_in(&mut app, "en")
        .await
        .income_protection
        .unwrap();
    assert!(catalogue.statutory_benefits.is_empty());
    assert!(catalogue.deferred_periods_beside_statutory.is_empty());
}

#[tokio::test]
async fn a_quote_takes_the_statutory_amount_in_force_on_its_rating_date() {
    let sandbox = Sandbox::new();
    let path = sandbox.file(STATUTORY);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("self_employed,single,2026-12-01,7,26,70.00,0,0,indexed,illustrative\n");
    std::fs::write(&path, text).unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut settings = test_settings(data.path());
    settings.models.dir = sandbox.models.clone();
    let mut app = spawn_app_with(settings).await;
    let on = |date: &str| {
        let mut r = request(
            pb::EmploymentStatus::SelfEmployed,
            pb::FamilySituation::Single,
            "5000",
            "500",
        );
        r.rating_date = date.into();
        r
    };
    // 26 × 61.77 until the day before; 26 × 70.00 from it.
    for (date, statutory, row) in [
        ("2026-11-30", "1606.02", "2024-05-01"),
        ("2026-12-01", "1820.00", "2026-12-01"),
    ] {
        let response = app.quote(on(date)).await.expect("an answer");
        let step = statutory_step(&response).expect("a statutory step");
        assert_eq!(dec(&step.value), dec(statutory), "{date}");
        assert!(
            step.row_key.ends_with(&format!("valid_from={row}")),
            "{}",
            step.row_key
        );
    }
}
