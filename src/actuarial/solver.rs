//! Kolmogorov's forward equations and the expected present values, integrated together with
//! an adaptive Dormand–Prince 5(4) step.

use super::SicknessDeathModel;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartState {
    Healthy,
    Sick,
}

/// The expected present values over a term, for a life in `start` state at the start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Epv {
    /// The probabilities of being healthy, sick and dead at the end of the term.
    pub end_healthy: f64,
    pub end_sick: f64,
    pub end_dead: f64,
    /// ā·0: an annuity of 1 a year while healthy.
    pub annuity_healthy: f64,
    /// ā·1: an annuity of 1 a year while sick.
    pub annuity_sick: f64,
    /// Ā·2: 1 paid on death.
    pub death_benefit: f64,
}

impl Epv {
    /// The net level premium per unit of annual sickness benefit, paid continuously while
    /// healthy: ā01 / ā00 (starting healthy).
    pub fn net_premium(&self) -> f64 {
        self.annuity_sick / self.annuity_healthy
    }
}

const RELATIVE_TOLERANCE: f64 = 1e-12;
const ABSOLUTE_TOLERANCE: f64 = 1e-15;

type State = [f64; 6];

fn derivative(model: &SicknessDeathModel, age: f64, delta: f64, t: f64, y: &State) -> State {
    let [s, r, d0, d1] = model.intensities(age + t);
    let (p0, p1) = (y[0], y[1]);
    let discount = (-delta * t).exp();
    let deaths = p0 * d0 + p1 * d1;
    [
        p1 * r - p0 * (s + d0),
        p0 * s - p1 * (r + d1),
        deaths,
        discount * p0,
        discount * p1,
        discount * deaths,
    ]
}

// Dormand–Prince 5(4) tableau.
const C: [f64; 7] = [0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0];
const A: [[f64; 6]; 7] = [
    [0.0; 6],
    [1.0 / 5.0, 0.0, 0.0, 0.0, 0.0, 0.0],
    [3.0 / 40.0, 9.0 / 40.0, 0.0, 0.0, 0.0, 0.0],
    [44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0, 0.0, 0.0, 0.0],
    [
        19372.0 / 6561.0,
        -25360.0 / 2187.0,
        64448.0 / 6561.0,
        -212.0 / 729.0,
        0.0,
        0.0,
    ],
    [
        9017.0 / 3168.0,
        -355.0 / 33.0,
        46732.0 / 5247.0,
        49.0 / 176.0,
        -5103.0 / 18656.0,
        0.0,
    ],
    [
        35.0 / 384.0,
        0.0,
        500.0 / 1113.0,
        125.0 / 192.0,
        -2187.0 / 6784.0,
        11.0 / 84.0,
    ],
];
const B5: [f64; 7] = [
    35.0 / 384.0,
    0.0,
    500.0 / 1113.0,
    125.0 / 192.0,
    -2187.0 / 6784.0,
    11.0 / 84.0,
    0.0,
];
const B4: [f64; 7] = [
    5179.0 / 57600.0,
    0.0,
    7571.0 / 16695.0,
    393.0 / 640.0,
    -92097.0 / 339200.0,
    187.0 / 2100.0,
    1.0 / 40.0,
];

/// Integrates from age `age` over `term` years.
pub fn epv(model: &SicknessDeathModel, age: f64, term: f64, start: StartState) -> Epv {
    let delta = (1.0 + model.interest).ln();
    let mut y: State = match start {
        StartState::Healthy => [1.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        StartState::Sick => [0.0, 1.0, 0.0, 0.0, 0.0, 0.0],
    };
    let mut t = 0.0;
    let mut h = (term / 100.0).max(1e-6);
    while t < term {
        h = h.min(term - t);
        let mut k = [[0.0; 6]; 7];
        for stage in 0..7 {
            let mut point = y;
            for (previous, weight) in A[stage].iter().enumerate().take(stage) {
                for (p, kv) in point.iter_mut().zip(k[previous]) {
                    *p += h * weight * kv;
                }
            }
            k[stage] = derivative(model, age, delta, t + C[stage] * h, &point);
        }
        let mut fifth = y;
        let mut error: f64 = 0.0;
        for i in 0..6 {
            let (mut high, mut low) = (0.0, 0.0);
            for stage in 0..7 {
                high += B5[stage] * k[stage][i];
                low += B4[stage] * k[stage][i];
            }
            fifth[i] = y[i] + h * high;
            let scale = ABSOLUTE_TOLERANCE + RELATIVE_TOLERANCE * y[i].abs().max(fifth[i].abs());
            error = error.max((h * (high - low)).abs() / scale);
        }
        if error <= 1.0 {
            t += h;
            y = fifth;
        }
        let factor = if error == 0.0 {
            5.0
        } else {
            (0.9 * error.powf(-0.2)).clamp(0.2, 5.0)
        };
        h *= factor;
    }
    Epv {
        end_healthy: y[0],
        end_sick: y[1],
        end_dead: y[2],
        annuity_healthy: y[3],
        annuity_sick: y[4],
        death_benefit: y[5],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actuarial::Intensity;

    fn constant(s: f64, r: f64, d0: f64, d1: f64, interest: f64) -> SicknessDeathModel {
        let c = |v: f64| Intensity::GompertzMakeham {
            a: v,
            b: 0.0,
            c: 0.0,
        };
        SicknessDeathModel {
            sickness: c(s),
            recovery: c(r),
            death_healthy: c(d0),
            death_sick: c(d1),
            interest,
        }
    }

    /// exp(Q t) for a 3×3 generator, by scaling and squaring a Taylor series: the closed form.
    fn expm(q: [[f64; 3]; 3], t: f64) -> [[f64; 3]; 3] {
        let mul = |a: [[f64; 3]; 3], b: [[f64; 3]; 3]| {
            let mut c = [[0.0; 3]; 3];
            for i in 0..3 {
                for j in 0..3 {
                    for k in 0..3 {
                        c[i][j] += a[i][k] * b[k][j];
                    }
                }
            }
            c
        };
        let squarings = 20;
        let scale = t / f64::from(1u32 << squarings);
        let m = q.map(|row| row.map(|v| v * scale));
        let mut result = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]];
        let mut term = result;
        for n in 1..20 {
            term = mul(term, m).map(|row| row.map(|v| v / f64::from(n)));
            for i in 0..3 {
                for j in 0..3 {
                    result[i][j] += term[i][j];
                }
            }
        }
        for _ in 0..squarings {
            result = mul(result, result);
        }
        result
    }

    #[test]
    fn constant_intensities_match_the_matrix_exponential() {
        let (s, r, d0, d1) = (0.05, 0.4, 0.01, 0.03);
        let model = constant(s, r, d0, d1, 0.04);
        let q = [[-(s + d0), s, d0], [r, -(r + d1), d1], [0.0, 0.0, 0.0]];
        for term in [1.0, 10.0, 30.0] {
            let closed = expm(q, term);
            let healthy = epv(&model, 40.0, term, StartState::Healthy);
            let sick = epv(&model, 40.0, term, StartState::Sick);
            for (solved, exact) in [
                (healthy.end_healthy, closed[0][0]),
                (healthy.end_sick, closed[0][1]),
                (healthy.end_dead, closed[0][2]),
                (sick.end_healthy, closed[1][0]),
                (sick.end_sick, closed[1][1]),
                (sick.end_dead, closed[1][2]),
            ] {
                assert!(
                    (solved - exact).abs() < 1e-10,
                    "{term}: {solved} vs {exact}"
                );
            }
        }
    }

    #[test]
    fn the_probabilities_add_up_to_one() {
        let model = constant(0.05, 0.4, 0.01, 0.03, 0.04);
        let e = epv(&model, 40.0, 25.0, StartState::Healthy);
        assert!((e.end_healthy + e.end_sick + e.end_dead - 1.0).abs() < 1e-12);
    }
}
