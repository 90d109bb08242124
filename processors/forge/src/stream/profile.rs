//! How each issuer of a stream behaves, drawn once from the seed: how many
//! documents it issues and when, of which types, for how much, to whom, with
//! how many lines, and how late it signs and publishes them.
//!
//! Behaviour differs by trade (the sector of [`crate::names::SECTORS`] the
//! issuer belongs to) and again by issuer, so that no single threshold fits
//! every business.

use crate::calendar::{Date, Timestamp};
use crate::rng::Rng;
use crate::tipo::TipoDte;

/// When a business works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Monday to Friday, 08:00 to 19:00; now and then a Saturday morning.
    Office,
    /// Shops: Monday to Saturday 09:00 to 21:00, some on Sundays too.
    Retail,
    /// Plants, transport and logistics: every day, around the clock.
    Continuous,
}

/// When signed documents reach the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publish {
    /// A few seconds to two minutes after signing.
    Immediate,
    /// At the next boundary of this many minutes (an ERP's periodic push).
    Every(i64),
}

/// How an issuer writes its amounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rounding {
    /// Whatever prices and quantities give.
    None,
    /// MntNeto a multiple of this many pesos (fees, services).
    Neto(i64),
    /// MntTotal a multiple of this many pesos (prices agreed with IVA).
    Total(i64),
}

/// The traits of a trade: a median invoice, lines per document, whether it
/// ships goods, and how its businesses split between schedules.
struct Trade {
    median: f64,
    lines: f64,
    goods: bool,
    /// Shares of office, retail and continuous businesses.
    schedules: [f64; 3],
    /// Share of businesses that round their amounts.
    rounds: f64,
}

/// In the order of [`crate::names::SECTORS`].
const TRADES: [Trade; 10] = [
    // Hardware and building materials.
    Trade {
        median: 450_000.0,
        lines: 4.0,
        goods: true,
        schedules: [0.55, 0.45, 0.0],
        rounds: 0.03,
    },
    // Food wholesale.
    Trade {
        median: 1_200_000.0,
        lines: 8.0,
        goods: true,
        schedules: [0.5, 0.3, 0.2],
        rounds: 0.02,
    },
    // Software and IT services.
    Trade {
        median: 2_500_000.0,
        lines: 1.5,
        goods: false,
        schedules: [0.95, 0.0, 0.05],
        rounds: 0.35,
    },
    // Freight transport and logistics.
    Trade {
        median: 900_000.0,
        lines: 2.0,
        goods: false,
        schedules: [0.5, 0.0, 0.5],
        rounds: 0.2,
    },
    // Fresh fruit.
    Trade {
        median: 8_000_000.0,
        lines: 3.0,
        goods: true,
        schedules: [0.6, 0.0, 0.4],
        rounds: 0.05,
    },
    // Construction.
    Trade {
        median: 15_000_000.0,
        lines: 2.0,
        goods: false,
        schedules: [0.9, 0.1, 0.0],
        rounds: 0.3,
    },
    // Accounting and tax advice.
    Trade {
        median: 400_000.0,
        lines: 1.3,
        goods: false,
        schedules: [1.0, 0.0, 0.0],
        rounds: 0.5,
    },
    // Stationery.
    Trade {
        median: 60_000.0,
        lines: 5.0,
        goods: true,
        schedules: [0.3, 0.7, 0.0],
        rounds: 0.02,
    },
    // Wine.
    Trade {
        median: 3_000_000.0,
        lines: 4.0,
        goods: true,
        schedules: [0.7, 0.2, 0.1],
        rounds: 0.05,
    },
    // Salmon and seafood.
    Trade {
        median: 25_000_000.0,
        lines: 3.0,
        goods: true,
        schedules: [0.5, 0.0, 0.5],
        rounds: 0.03,
    },
];

/// The types a stream issues.
pub const TYPES: [TipoDte; 5] = [
    TipoDte::Factura,
    TipoDte::FacturaExenta,
    TipoDte::Guia,
    TipoDte::NotaDebito,
    TipoDte::NotaCredito,
];

/// One issuer's behaviour.
#[derive(Debug, Clone)]
pub struct Profile {
    pub schedule: Schedule,
    /// Documents per ordinary working day at the start.
    pub rate: f64,
    /// Change of the log rate per day: slow growth or decline.
    pub rate_drift: f64,
    /// Multipliers of the rate per weekday, Monday first; 0 when closed.
    pub weekday: [f64; 7],
    /// Multiplier on the last two working days of a month (month-end billing).
    pub month_end: f64,
    /// Multiplier through February, the summer holidays.
    pub february: f64,
    /// Closed from the first date to the second (holidays), if ever.
    pub closed: Option<(Date, Date)>,
    /// The first day it issues (a business that opens mid-stream).
    pub opens: Date,
    /// Signs most documents in a batch starting at this second of the day.
    pub batch: Option<i64>,
    /// Shifts the business's hours, in seconds.
    pub hour_shift: i64,
    /// Cumulative shares of [`TYPES`].
    pub mix: [f64; 5],
    /// Share of notas de crédito.
    pub credit_share: f64,
    /// Median MntTotal of a factura at the start, pesos.
    pub median: f64,
    /// Median of a factura exenta relative to a factura's.
    pub exempt_factor: f64,
    /// Spread (sigma of the logarithm) of amounts.
    pub sigma: f64,
    /// Change of the log median per day.
    pub amount_drift: f64,
    /// A second kind of sale: its share and its size relative to the median.
    pub second_mode: Option<(f64, f64)>,
    /// Chance of a big but legitimate sale, 4 to 12 times the median.
    pub big_sale: f64,
    pub rounding: Rounding,
    /// Mean number of lines, and the most it normally writes.
    pub lines_mean: f64,
    pub lines_cap: usize,
    /// Chance that a document is signed the day after its FchEmis.
    pub next_day: f64,
    pub publish: Publish,
    /// Regular counterparts (indices into the stream's receivers) and their
    /// Zipf weights.
    pub counterparts: Vec<usize>,
    pub weights: Vec<f64>,
    /// Chance that a document goes to a counterpart never seen before.
    pub new_counterpart: f64,
    /// The first folio of each of [`TYPES`].
    pub first_folio: [u64; 5],
}

impl Profile {
    /// Draws issuer `index`'s behaviour; counterparts come from `receivers`
    /// (the size of the shared pool).
    pub fn draw(rng: &mut Rng, index: usize, start: Date, days: u32, receivers: usize) -> Self {
        let sector = index % TRADES.len();
        let trade = &TRADES[sector];
        let schedule = match weighted(rng, &trade.schedules) {
            0 => Schedule::Office,
            1 => Schedule::Retail,
            _ => Schedule::Continuous,
        };

        // Heavy-tailed activity: most businesses issue a few documents a
        // week, a few issue dozens a day.
        let base = match schedule {
            Schedule::Office => 0.2,
            Schedule::Retail => 0.26,
            Schedule::Continuous => 0.28,
        };
        let rate = if rng.chance(0.012) {
            uniform(rng, 12.0, 45.0)
        } else {
            (base * lognormal(rng, 1.2)).clamp(0.06, 20.0)
        };
        // Small businesses sell larger tickets less often, and the reverse.
        let median = trade.median * lognormal(rng, 0.9) * (1.0 / rate.max(0.3)).powf(0.15);

        let weekday = match schedule {
            Schedule::Office => {
                let saturday = if rng.chance(0.2) {
                    uniform(rng, 0.05, 0.2)
                } else {
                    0.0
                };
                jitter(rng, [1.15, 1.05, 1.0, 1.0, 0.85, saturday, 0.0], 0.1)
            }
            Schedule::Retail => {
                let sunday = if rng.chance(0.5) {
                    uniform(rng, 0.3, 0.8)
                } else {
                    0.0
                };
                jitter(rng, [0.8, 0.85, 0.9, 0.95, 1.1, 1.4, sunday], 0.12)
            }
            Schedule::Continuous => jitter(rng, [1.0, 1.0, 1.0, 1.0, 1.0, 0.85, 0.7], 0.1),
        };

        let closed = (schedule != Schedule::Continuous && rng.chance(0.12)).then(|| {
            // Two or three weeks between mid January and early March.
            let from = Date::from_civil(start.year(), 1, 15).plus_days(rng.between(0, 35) as i64);
            (from, from.plus_days(rng.between(14, 21) as i64))
        });
        let opens = if rng.chance(0.03) {
            start.plus_days(rng.between(5, u64::from(days.max(6)) * 2 / 3) as i64)
        } else {
            start
        };

        let batch = rng.chance(0.1).then(|| match schedule {
            Schedule::Continuous => rng.between(20 * 3600, 23 * 3600) as i64,
            _ => rng.between(8 * 3600, 18 * 3600) as i64,
        });

        let (mix, credit_share) = mix(rng, trade);
        let rounding = if rng.chance(trade.rounds) {
            let step = 10f64.powi((median.log10() - 2.0).floor().clamp(3.0, 6.0) as i32) as i64;
            let step = step * *rng.pick(&[1, 1, 5]);
            if rng.chance(0.5) {
                Rounding::Neto(step)
            } else {
                Rounding::Total(step)
            }
        } else {
            Rounding::None
        };

        let lines_mean = (trade.lines * lognormal(rng, 0.4)).max(1.0);
        let lines_cap = ((lines_mean * 2.5).ceil() as usize + 2).min(30);

        let count =
            ((rate * uniform(rng, 6.0, 40.0)).round() as usize).clamp(2, 400.min(receivers / 2));
        let mut counterparts = Vec::with_capacity(count);
        while counterparts.len() < count {
            let candidate = rng.index(receivers);
            if !counterparts.contains(&candidate) {
                counterparts.push(candidate);
            }
        }
        let exponent = uniform(rng, 0.8, 1.4);
        let weights = (0..count)
            .map(|k| 1.0 / ((k + 1) as f64).powf(exponent))
            .collect();

        let mut first_folio = [1u64; 5];
        for folio in &mut first_folio {
            // Some started issuing recently, others years ago.
            *folio = 10f64.powf(uniform(rng, 0.0, 4.5)).round() as u64;
        }

        Self {
            schedule,
            rate,
            rate_drift: normal(rng) * 0.003,
            weekday,
            month_end: if rng.chance(0.3) {
                uniform(rng, 1.5, 3.0)
            } else {
                1.0
            },
            february: if schedule == Schedule::Office && rng.chance(0.4) {
                uniform(rng, 0.3, 0.7)
            } else {
                uniform(rng, 0.85, 1.05)
            },
            closed,
            opens,
            batch,
            hour_shift: (normal(rng) * 1800.0) as i64,
            mix,
            credit_share,
            median,
            exempt_factor: lognormal(rng, 0.5),
            sigma: uniform(rng, 0.3, 0.8),
            amount_drift: normal(rng) * 0.0015,
            second_mode: rng
                .chance(0.25)
                .then(|| (uniform(rng, 0.1, 0.35), uniform(rng, 0.05, 0.3))),
            big_sale: uniform(rng, 0.001, 0.006),
            rounding,
            lines_mean,
            lines_cap,
            next_day: if rng.chance(0.6) {
                uniform(rng, 0.0, 0.05)
            } else {
                uniform(rng, 0.05, 0.3)
            },
            publish: if rng.chance(0.7) {
                Publish::Immediate
            } else {
                Publish::Every(*rng.pick(&[5, 15, 30, 60]))
            },
            counterparts,
            weights,
            new_counterpart: uniform(rng, 0.005, 0.05),
            first_folio,
        }
    }

    /// Whether the issuer keeps office hours.
    pub fn office(&self) -> bool {
        self.schedule == Schedule::Office
    }

    /// The expected number of documents on `date`, before day-to-day noise.
    pub fn expected(&self, date: Date, day: u32) -> f64 {
        if date < self.opens || self.closed.is_some_and(|(a, b)| date >= a && date < b) {
            return 0.0;
        }
        let mut rate = self.rate * (self.rate_drift * f64::from(day)).exp();
        rate *= self.weekday[date.weekday() as usize];
        let (_, month, _) = date.civil();
        if month == 2 {
            rate *= self.february;
        }
        if holiday(date) {
            rate *= match self.schedule {
                Schedule::Office => 0.0,
                Schedule::Retail => 0.5,
                Schedule::Continuous => 0.9,
            };
        }
        if month_end(date) {
            rate *= self.month_end;
        }
        rate
    }

    /// The median MntTotal of a document of `tipo` on stream day `day`.
    pub fn median(&self, tipo: TipoDte, day: u32) -> f64 {
        let base = self.median * (self.amount_drift * f64::from(day)).exp();
        match tipo {
            TipoDte::FacturaExenta => base * self.exempt_factor,
            TipoDte::NotaDebito => base * 0.1,
            TipoDte::NotaCredito => base * 0.4,
            _ => base,
        }
    }

    /// A usual MntTotal for `tipo` on day `day`.
    pub fn amount(&self, rng: &mut Rng, tipo: TipoDte, day: u32) -> f64 {
        let mut median = self.median(tipo, day);
        if let Some((share, factor)) = self.second_mode {
            if rng.chance(share) {
                median *= factor;
            }
        }
        let mut amount = median * lognormal(rng, self.sigma);
        if rng.chance(self.big_sale) {
            amount = median * uniform(rng, 4.0, 12.0);
        }
        amount.max(1_000.0)
    }

    /// A usual number of lines.
    pub fn lines(&self, rng: &mut Rng) -> usize {
        (1 + poisson(rng, self.lines_mean - 1.0)).min(self.lines_cap)
    }

    /// A usual type.
    pub fn tipo(&self, rng: &mut Rng) -> TipoDte {
        let u = rng.unit();
        let at = self.mix.iter().position(|&c| u < c).unwrap_or(0);
        TYPES[at]
    }

    /// A regular counterpart, or now and then a new one (`fresh`, which the
    /// caller allocates), who then becomes a regular.
    pub fn counterpart(&mut self, rng: &mut Rng, fresh: &mut usize) -> usize {
        if rng.chance(self.new_counterpart) {
            let new = *fresh;
            *fresh += 1;
            let weight = self.weights.last().copied().unwrap_or(1.0);
            self.counterparts.push(new);
            self.weights.push(weight);
            return new;
        }
        let total: f64 = self.weights.iter().sum();
        let mut u = rng.unit() * total;
        for (k, w) in self.weights.iter().enumerate() {
            if u < *w {
                return self.counterparts[k];
            }
            u -= w;
        }
        self.counterparts[0]
    }

    /// A signing time on `date` in the issuer's hours.
    pub fn time_of_day(&self, rng: &mut Rng, date: Date) -> i64 {
        if let Some(start) = self.batch {
            if rng.chance(0.8) {
                return start + rng.between(0, 25 * 60) as i64;
            }
        }
        let seconds = match self.schedule {
            Schedule::Office => {
                if rng.chance(0.004) {
                    // Working late now and then.
                    rng.between(19 * 3600, 22 * 3600) as i64
                } else if date.weekday() == 5 {
                    rng.between(9 * 3600, 13 * 3600) as i64
                } else {
                    let centre = if rng.chance(0.6) { 11.0 } else { 16.0 };
                    let t = ((centre + normal(rng) * 1.4) * 3600.0) as i64 + self.hour_shift;
                    t.clamp(8 * 3600, 19 * 3600 - 1)
                }
            }
            Schedule::Retail => {
                let (open, close) = if date.weekday() == 6 {
                    (10 * 3600, 19 * 3600)
                } else {
                    (9 * 3600, 21 * 3600)
                };
                let t = if rng.chance(0.5) {
                    let centre = if rng.chance(0.5) { 13.0 } else { 18.5 };
                    ((centre + normal(rng) * 1.2) * 3600.0) as i64
                } else {
                    rng.between(open as u64, close as u64) as i64
                };
                (t + self.hour_shift / 2).clamp(open, close - 1)
            }
            Schedule::Continuous => {
                if rng.chance(0.7) {
                    rng.between(7 * 3600, 22 * 3600) as i64
                } else {
                    rng.between(0, 86_399) as i64
                }
            }
        };
        seconds.clamp(0, 86_399)
    }

    /// When a document signed at `signed` reaches the stream.
    pub fn arrival(&self, rng: &mut Rng, signed: Timestamp) -> Timestamp {
        match self.publish {
            Publish::Immediate => signed.plus_seconds(rng.between(3, 120) as i64),
            Publish::Every(minutes) => {
                let period = minutes * 60;
                let wait = period - signed.seconds_of_day() % period;
                signed.plus_seconds(wait + rng.between(2, 40) as i64)
            }
        }
    }
}

/// Cumulative shares of [`TYPES`] and the share of notas de crédito.
fn mix(rng: &mut Rng, trade: &Trade) -> ([f64; 5], f64) {
    let exempt = match rng.unit() {
        u if u < 0.65 => 0.0,
        u if u < 0.94 => uniform(rng, 0.01, 0.1),
        _ => uniform(rng, 0.3, 0.85),
    };
    let guia = if trade.goods && rng.chance(0.5) {
        uniform(rng, 0.05, 0.3)
    } else {
        0.0
    };
    let debit = if rng.chance(0.5) {
        uniform(rng, 0.001, 0.01)
    } else {
        0.0
    };
    let credit = match rng.unit() {
        u if u < 0.2 => uniform(rng, 0.0, 0.003),
        u if u < 0.8 => uniform(rng, 0.005, 0.04),
        _ => uniform(rng, 0.04, 0.12),
    };
    let rest = (1.0 - exempt - guia - debit - credit).max(0.05);
    let shares = [rest, exempt, guia, debit, credit];
    let sum: f64 = shares.iter().sum();
    let mut cumulative = [0.0; 5];
    let mut acc = 0.0;
    for (c, s) in cumulative.iter_mut().zip(shares) {
        acc += s / sum;
        *c = acc;
    }
    cumulative[4] = 1.0;
    (cumulative, credit / sum)
}

fn jitter(rng: &mut Rng, values: [f64; 7], by: f64) -> [f64; 7] {
    values.map(|v| v * uniform(rng, 1.0 - by, 1.0 + by))
}

/// Whether `date` is one of the last two working days of its month.
fn month_end(date: Date) -> bool {
    let (_, month, _) = date.civil();
    let mut working = 0;
    let mut day = date.plus_days(1);
    while day.civil().1 == month {
        if day.weekday() < 5 {
            working += 1;
        }
        day = day.plus_days(1);
    }
    date.weekday() < 5 && working < 2
}

/// Chile's public holidays that fall on a fixed date, and Easter's Friday
/// and Saturday.
pub fn holiday(date: Date) -> bool {
    const FIXED: [(u32, u32); 13] = [
        (1, 1),
        (5, 1),
        (5, 21),
        (6, 29),
        (7, 16),
        (8, 15),
        (9, 18),
        (9, 19),
        (10, 12),
        (10, 31),
        (11, 1),
        (12, 8),
        (12, 25),
    ];
    let (year, month, day) = date.civil();
    if FIXED.contains(&(month, day)) {
        return true;
    }
    let easter = easter(year);
    date == easter.plus_days(-2) || date == easter.plus_days(-1)
}

/// Easter Sunday of `year` (the anonymous Gregorian algorithm).
fn easter(year: i32) -> Date {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::from_civil(year, month as u32, day as u32)
}

/// The index drawn with the given weights.
pub fn weighted(rng: &mut Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut u = rng.unit() * total;
    for (k, w) in weights.iter().enumerate() {
        if u < *w {
            return k;
        }
        u -= w;
    }
    weights.len().saturating_sub(1)
}

/// A uniform float in `[low, high)`.
pub fn uniform(rng: &mut Rng, low: f64, high: f64) -> f64 {
    low + (high - low) * rng.unit()
}

/// A standard normal draw (Box-Muller).
pub fn normal(rng: &mut Rng) -> f64 {
    let u = rng.unit().max(1e-12);
    let v = rng.unit();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

/// A log-normal draw with median 1.
pub fn lognormal(rng: &mut Rng, sigma: f64) -> f64 {
    (normal(rng) * sigma).exp()
}

/// A Poisson draw; a normal approximation for large means.
pub fn poisson(rng: &mut Rng, mean: f64) -> usize {
    if mean <= 0.0 {
        return 0;
    }
    if mean > 30.0 {
        return (mean + normal(rng) * mean.sqrt()).round().max(0.0) as usize;
    }
    let limit = (-mean).exp();
    let mut product = rng.unit();
    let mut count = 0;
    while product > limit {
        product *= rng.unit();
        count += 1;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn easter_and_holidays_fall_where_the_calendar_has_them() {
        assert_eq!(easter(2026), Date::from_civil(2026, 4, 5));
        assert_eq!(easter(2025), Date::from_civil(2025, 4, 20));
        assert!(holiday(Date::from_civil(2026, 4, 3)));
        assert!(holiday(Date::from_civil(2026, 5, 1)));
        assert!(!holiday(Date::from_civil(2026, 4, 6)));
    }

    #[test]
    fn month_end_is_the_last_two_working_days() {
        // January 2026 ends on a Saturday: Thursday 29 and Friday 30.
        assert!(month_end(Date::from_civil(2026, 1, 30)));
        assert!(month_end(Date::from_civil(2026, 1, 29)));
        assert!(!month_end(Date::from_civil(2026, 1, 28)));
        assert!(!month_end(Date::from_civil(2026, 1, 31)));
    }
}
