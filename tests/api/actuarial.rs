//! The actuarial basis of income protection against published reference values.

use fairquote::actuarial::{Assumptions, Epv, StartState, epv, level_premium, reserve_when_sick};

use crate::helpers::models_dir;

fn amlcr() -> Assumptions {
    let text = std::fs::read_to_string(models_dir().join("actuarial/amlcr-sickness-death.toml"))
        .expect("the file");
    Assumptions::parse(&text).expect("valid assumptions")
}

#[track_caller]
fn close(value: f64, expected: f64, decimals: i32) {
    let tolerance = 0.5 * 10f64.powi(-decimals);
    assert!(
        (value - expected).abs() <= tolerance,
        "{value} is not {expected} to {decimals} decimals"
    );
}

#[test]
fn the_amlcr_sickness_death_model_from_60_over_10_years() {
    let e = epv(&amlcr().model, 60.0, 10.0, StartState::Healthy);
    close(e.end_healthy, 0.58687, 5);
    close(e.end_sick, 0.20284, 5);
    close(e.annuity_healthy, 6.5682, 4);
    close(e.annuity_sick, 0.6650, 4);
    close(e.death_benefit, 0.16227, 5);
    // 10-year cover of 20,000 a year while sick, paid continuously while healthy.
    close(20_000.0 * e.net_premium(), 2024.97, 2);
}

#[test]
fn the_standard_sickness_death_premium_and_reserve_arithmetic() {
    // AMLCR 3rd ed., Standard Sickness–Death table at 5 %: EPVs at 60 (healthy) and 70 (sick).
    let at_60 = Epv {
        end_healthy: 0.0,
        end_sick: 0.0,
        end_dead: 1.0,
        annuity_healthy: 8.3908,
        annuity_sick: 2.6295,
        death_benefit: 0.46236,
    };
    let premium = level_premium(50_000.0, 100_000.0, &at_60);
    close(premium, 21_179.27, 2);
    let at_70_sick = Epv {
        end_healthy: 0.0,
        end_sick: 0.0,
        end_dead: 1.0,
        annuity_healthy: 0.0134,
        annuity_sick: 7.3744,
        death_benefit: 0.63947,
    };
    close(
        reserve_when_sick(50_000.0, 100_000.0, premium, &at_70_sick),
        432_383.0,
        0,
    );
}

#[test]
fn a_bad_assumptions_file_names_the_field() {
    let base = std::fs::read_to_string(models_dir().join("actuarial/amlcr-sickness-death.toml"))
        .expect("the file");
    for (from, to, field) in [
        ("a = 4e-4", "a = -4e-4", "sickness.a"),
        ("interest = 0.05", "interest = -1.5", "interest"),
        (
            "law = \"multiple_of\"\nof = \"death_healthy\"",
            "of = \"death_healthy\"",
            "death_sick.law",
        ),
        ("of = \"sickness\"", "of = \"recovery\"", "recovery.of"),
        (
            "law = \"gompertz_makeham\"\na = 5e-4",
            "law = \"weibull\"\na = 5e-4",
            "death_healthy.law",
        ),
    ] {
        assert!(base.contains(from), "{from}");
        let error = Assumptions::parse(&base.replacen(from, to, 1)).expect_err("rejected");
        assert_eq!(error.field, field, "{error}");
    }
    let without = base.replace("[recovery]", "[unused]");
    assert!(Assumptions::parse(&without).is_err());
}

#[test]
fn the_shipped_base_rates_are_exactly_what_the_shipped_assumptions_derive() {
    let folder = models_dir().join("income_protection");
    let text = std::fs::read_to_string(folder.join("assumptions.toml")).expect("the assumptions");
    let derived =
        fairquote::actuarial::derive::base_rates_csv(&Assumptions::parse(&text).expect("valid"))
            .expect("derived");
    let shipped = std::fs::read_to_string(folder.join("base_rates.csv")).expect("the table");
    assert_eq!(derived, shipped);
}

#[test]
fn an_assumption_changed_without_deriving_again_is_a_fault_and_derive_mends_it() {
    let dir = tempfile::tempdir().expect("a folder");
    let models = dir.path();
    for product in ["liability", "income_protection"] {
        std::fs::create_dir_all(models.join(product)).expect("mkdir");
        for entry in std::fs::read_dir(models_dir().join(product)).expect("list") {
            let entry = entry.expect("entry");
            std::fs::copy(entry.path(), models.join(product).join(entry.file_name()))
                .expect("copy");
        }
    }
    let folder = models.join("income_protection");
    let assumptions = folder.join("assumptions.toml");
    let text = std::fs::read_to_string(&assumptions).expect("read");
    std::fs::write(
        &assumptions,
        text.replace("interest = 0.02", "interest = 0.03"),
    )
    .expect("write");
    let faults = fairquote::tables::load_rate_books(models)
        .expect_err("stale")
        .faults;
    assert!(
        faults
            .iter()
            .any(|f| f.file == "income_protection/assumptions.toml"
                && f.message.contains("derive it again")),
        "{faults:?}"
    );

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fairquote"))
        .args(["actuarial", "derive", "--assumptions"])
        .arg(&assumptions)
        .arg("--model")
        .arg(&folder)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Derived again, the tables are consistent; premiums are lower at a higher interest rate.
    let books = fairquote::tables::load_rate_books(models).expect("consistent again");
    let old = crate::helpers::default_books();
    let band = |b: &fairquote::rating::RateBooks| {
        b.income_protection.base_rates[&(30, fairquote::domain::BenefitPeriod::FiveYears)][3].factor
    };
    assert!(band(&books) < band(&old));
}
