//! Working days on China's official calendar: the public holidays and the weekend days worked
//! instead (调休) that the State Council announces each November, for the legal clocks of
//! open government information (条例 art. 26 counts working days).
//!
//! The data ships in `src/calendar/holiday-cn/` (one file per notice year, in the format of
//! the MIT-licensed holiday-cn project, see its README) and can be extended or replaced at
//! start-up from a file ([`Calendar::with_file`]) without a rebuild. A year without data is
//! counted Monday to Friday, and [`Calendar::missing_years`] says which years those are, so
//! that a deployment can say so instead of counting wrongly in silence.

pub mod limits;

/// Today in China, `YYYY-MM-DD`.
pub fn today_in_china() -> Day {
    Day::today_in_china()
}

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;

use serde::Deserialize;

/// A calendar day, as days since 1970-01-01.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i64);

impl Day {
    /// The day written `YYYY-MM-DD`, if it is a real date (1970 or later).
    pub fn parse(s: &str) -> Option<Day> {
        let (y, m, d) = crate::parse_date(s)?;
        Some(Day(crate::days_from_civil(y, m, d)))
    }

    /// The day a Unix time in milliseconds falls on in China (UTC+8, no daylight saving).
    pub fn from_unix_ms_in_china(ms: u64) -> Day {
        Day(((ms / 1000 + 8 * 3600) / 86_400) as i64)
    }

    /// Today in China.
    pub fn today_in_china() -> Day {
        let ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        Day::from_unix_ms_in_china(ms)
    }

    pub fn ymd(self) -> (u32, u32, u32) {
        crate::civil(self.0.max(0) as u64)
    }

    pub fn year(self) -> i32 {
        self.ymd().0 as i32
    }

    /// Monday is 0, Sunday 6 (1970-01-01 was a Thursday).
    pub fn weekday(self) -> u32 {
        (self.0 + 3).rem_euclid(7) as u32
    }

    pub fn is_weekend(self) -> bool {
        self.weekday() >= 5
    }

    pub fn next(self) -> Day {
        Day(self.0 + 1)
    }
}

impl fmt::Display for Day {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

/// What the calendar knows of one day that the notices name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// The holiday it belongs to (`春节`, `国庆节、中秋节`).
    pub name: String,
    /// A day off (a holiday), or a weekend day worked instead of one.
    pub off: bool,
}

/// One notice year: the notices it comes from and the days they name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Year {
    pub year: i32,
    pub papers: Vec<String>,
    pub days: Vec<(Day, Listed)>,
    /// Where the year was read from: `embedded` or a file name.
    pub source: String,
}

/// The notice years shipped with baomi.
const YEARS: [(&str, &str); 21] = [
    ("2007", include_str!("holiday-cn/2007.json")),
    ("2008", include_str!("holiday-cn/2008.json")),
    ("2009", include_str!("holiday-cn/2009.json")),
    ("2010", include_str!("holiday-cn/2010.json")),
    ("2011", include_str!("holiday-cn/2011.json")),
    ("2012", include_str!("holiday-cn/2012.json")),
    ("2013", include_str!("holiday-cn/2013.json")),
    ("2014", include_str!("holiday-cn/2014.json")),
    ("2015", include_str!("holiday-cn/2015.json")),
    ("2016", include_str!("holiday-cn/2016.json")),
    ("2017", include_str!("holiday-cn/2017.json")),
    ("2018", include_str!("holiday-cn/2018.json")),
    ("2019", include_str!("holiday-cn/2019.json")),
    ("2020", include_str!("holiday-cn/2020.json")),
    ("2021", include_str!("holiday-cn/2021.json")),
    ("2022", include_str!("holiday-cn/2022.json")),
    ("2023", include_str!("holiday-cn/2023.json")),
    ("2024", include_str!("holiday-cn/2024.json")),
    ("2025", include_str!("holiday-cn/2025.json")),
    ("2026", include_str!("holiday-cn/2026.json")),
    ("2027", include_str!("holiday-cn/2027.json")),
];

/// A calendar file that cannot be used: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarError {
    pub source: String,
    /// 1-based line and column, when the problem has a place in the text.
    pub at: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some((l, c)) => write!(f, "{}:{l}:{c}: {}", self.source, self.message),
            None => write!(f, "{}: {}", self.source, self.message),
        }
    }
}

impl std::error::Error for CalendarError {}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    #[serde(rename = "$schema", default)]
    _schema: Option<String>,
    #[serde(rename = "$id", default)]
    _id: Option<String>,
    year: i32,
    #[serde(default)]
    papers: Vec<String>,
    days: Vec<DayFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DayFile {
    name: String,
    date: String,
    #[serde(rename = "isOffDay")]
    is_off_day: bool,
}

/// Reads notice years from JSON text: one year object in the holiday-cn format, or an array of
/// them. Every problem is named with its place.
pub fn parse_years(text: &str, source: &str) -> Result<Vec<Year>, CalendarError> {
    let err = |at, message: String| CalendarError {
        source: source.to_string(),
        at,
        message,
    };
    // Parsed as a value first, so that a syntax error names its line and column, then read
    // into its shape.
    let value: serde_json::Value = serde_json::from_str(text)
        .map_err(|e| err(Some((e.line(), e.column())), format!("not JSON: {e}")))?;
    let files = match value {
        serde_json::Value::Array(_) => serde_json::from_value::<Vec<YearFile>>(value),
        _ => serde_json::from_value::<YearFile>(value).map(|y| vec![y]),
    }
    .map_err(|e| {
        err(
            None,
            format!(
                "not a holiday year (expected {{\"year\", \"papers\", \"days\": [{{\"name\", \"date\", \"isOffDay\"}}]}}, or an array of them): {e}"
            ),
        )
    })?;
    let mut years = Vec::with_capacity(files.len());
    let mut seen = BTreeSet::new();
    for f in files {
        if !(1970..=2200).contains(&f.year) {
            return Err(err(None, format!("year {} is out of range", f.year)));
        }
        if !seen.insert(f.year) {
            return Err(err(None, format!("year {} is given twice", f.year)));
        }
        let mut days = Vec::with_capacity(f.days.len());
        let mut dates = HashMap::new();
        for d in f.days {
            let Some(day) = Day::parse(&d.date) else {
                return Err(err(
                    None,
                    format!("year {}: `{}` is not a date YYYY-MM-DD", f.year, d.date),
                ));
            };
            // A notice names days of its own year and, at its edges, of the years beside it.
            if (day.year() - f.year).abs() > 1 {
                return Err(err(
                    None,
                    format!("year {}: {} is not near that year", f.year, d.date),
                ));
            }
            if d.name.trim().is_empty() {
                return Err(err(
                    None,
                    format!("year {}: {} has no name", f.year, d.date),
                ));
            }
            if let Some(prev) = dates.insert(day, d.is_off_day) {
                if prev != d.is_off_day {
                    return Err(err(
                        None,
                        format!(
                            "year {}: {} is listed both as a day off and as a working day",
                            f.year, d.date
                        ),
                    ));
                }
            }
            days.push((
                day,
                Listed {
                    name: d.name,
                    off: d.is_off_day,
                },
            ));
        }
        if !f.papers.is_empty() && days.is_empty() {
            return Err(err(
                None,
                format!("year {}: notices are named but no day is listed", f.year),
            ));
        }
        years.push(Year {
            year: f.year,
            papers: f.papers,
            days,
            source: source.to_string(),
        });
    }
    Ok(years)
}

/// Which days are working days.
#[derive(Clone, Debug)]
pub struct Calendar {
    years: BTreeMap<i32, Year>,
    /// Every listed day, from all years (a later notice year wins on a day two years name).
    days: HashMap<Day, Listed>,
}

impl Calendar {
    /// The shipped data, 2007 to the newest notice.
    pub fn embedded() -> Calendar {
        let mut years = Vec::new();
        for (name, text) in YEARS {
            match parse_years(text, &format!("holiday-cn/{name}.json")) {
                Ok(y) => years.extend(y),
                Err(e) => unreachable!("the shipped calendar is checked by its tests: {e}"),
            }
        }
        Calendar::from_years(years.into_iter().map(|mut y| {
            y.source = "embedded".to_string();
            y
        }))
    }

    fn from_years(years: impl IntoIterator<Item = Year>) -> Calendar {
        let mut cal = Calendar {
            years: BTreeMap::new(),
            days: HashMap::new(),
        };
        cal.add(years);
        cal
    }

    /// Adds years, replacing any the calendar already has.
    fn add(&mut self, years: impl IntoIterator<Item = Year>) {
        for y in years {
            self.years.insert(y.year, y);
        }
        self.days.clear();
        for y in self.years.values() {
            for (day, listed) in &y.days {
                self.days.insert(*day, listed.clone());
            }
        }
    }

    /// The calendar with the years of a file (see [`parse_years`]) added, replacing the same
    /// years of this one.
    pub fn with_file(mut self, path: &Path) -> Result<Calendar, CalendarError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| CalendarError {
            source: source.clone(),
            at: None,
            message: format!("cannot read it: {e}"),
        })?;
        let years = parse_years(&text, &source)?;
        if years.is_empty() {
            return Err(CalendarError {
                source,
                at: None,
                message: "no year in it".to_string(),
            });
        }
        self.add(years);
        Ok(self)
    }

    /// Whether the notices of `year` are known (a year file naming no notice is not).
    pub fn covers(&self, year: i32) -> bool {
        self.years
            .get(&year)
            .is_some_and(|y| !y.papers.is_empty() || !y.days.is_empty())
    }

    /// The years of `from..=to` the calendar does not cover: they are counted Monday to Friday.
    pub fn missing_years(&self, from: i32, to: i32) -> Vec<i32> {
        (from..=to).filter(|&y| !self.covers(y)).collect()
    }

    /// The years covered, with their notices and where they were read from.
    pub fn years(&self) -> impl Iterator<Item = &Year> {
        self.years.values().filter(|y| self.covers(y.year))
    }

    /// What the notices say of `day`, if they name it.
    pub fn listed(&self, day: Day) -> Option<&Listed> {
        self.days.get(&day)
    }

    /// A working day: named as one by a notice (a make-up Saturday), or a Monday to Friday no
    /// notice makes a holiday.
    pub fn is_working_day(&self, day: Day) -> bool {
        match self.days.get(&day) {
            Some(listed) => !listed.off,
            None => !day.is_weekend(),
        }
    }

    /// The `n`th working day after `start`, as 条例 art. 26 counts: day one is the first working
    /// day after `start` (`n == 0` is `start` itself).
    pub fn add_working_days(&self, start: Day, n: u32) -> Day {
        let mut day = start;
        let mut left = n;
        while left > 0 {
            day = day.next();
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// Working days after `from` up to and including `to` (negative when `to` is before
    /// `from`): how many of a limit have been used on `to`.
    pub fn working_days_between(&self, from: Day, to: Day) -> i64 {
        let (a, b, sign) = if from <= to {
            (from, to, 1)
        } else {
            (to, from, -1)
        };
        let mut n = 0i64;
        let mut d = a;
        while d < b {
            d = d.next();
            if self.is_working_day(d) {
                n += 1;
            }
        }
        sign * n
    }
}

/// A legal time limit counted in working days.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub working_days: u32,
}

/// Where a review stands against one limit on a given day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Clock {
    /// The limit, in working days.
    pub limit: u32,
    /// The day the count starts from (day one is the first working day after it).
    #[serde(serialize_with = "as_date")]
    pub from: Day,
    /// The last day within the limit.
    #[serde(serialize_with = "as_date")]
    pub due: Day,
    /// Working days left after `today` (or after the day the clock stopped) up to `due`: 0 on
    /// the due day, negative once overdue.
    pub left: i64,
    pub state: ClockState,
    /// The day the clock stopped (the decision that ended the count), if it did.
    #[serde(
        serialize_with = "as_opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    pub stopped_on: Option<Day>,
}

/// A running clock is `ok`, `near` (at most [`NEAR_DAYS`] working days left) or `overdue`; a
/// stopped one is `met` (stopped by its due day) or `late`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    Ok,
    Near,
    Overdue,
    Met,
    Late,
}

impl ClockState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClockState::Ok => "ok",
            ClockState::Near => "near",
            ClockState::Overdue => "overdue",
            ClockState::Met => "met",
            ClockState::Late => "late",
        }
    }
}

/// From this many working days left, a clock is `near`.
pub const NEAR_DAYS: i64 = 5;

fn as_date<S: serde::Serializer>(d: &Day, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(d)
}

fn as_opt_date<S: serde::Serializer>(d: &Option<Day>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.collect_str(d),
        None => s.serialize_none(),
    }
}

impl Calendar {
    /// The clock of `limit` started on `from`, as it stands on `today`.
    pub fn clock(&self, limit: Limit, from: Day, today: Day) -> Clock {
        let due = self.add_working_days(from, limit.working_days);
        let left = self.working_days_between(today, due);
        // Overdue only once the due day is past: on a holiday after it, too.
        let state = if today > due {
            ClockState::Overdue
        } else if left <= NEAR_DAYS {
            ClockState::Near
        } else {
            ClockState::Ok
        };
        Clock {
            limit: limit.working_days,
            from,
            due,
            left: if today > due { left.min(-1) } else { left },
            state,
            stopped_on: None,
        }
    }

    /// [`Calendar::clock`], stopped on `stopped` when it is given: then it counts up to that
    /// day and is `met` (stopped by its due day) or `late`.
    pub fn clock_until(&self, limit: Limit, from: Day, today: Day, stopped: Option<Day>) -> Clock {
        let Some(stop) = stopped else {
            return self.clock(limit, from, today);
        };
        let mut c = self.clock(limit, from, stop);
        c.state = if stop > c.due {
            ClockState::Late
        } else {
            ClockState::Met
        };
        c.stopped_on = Some(stop);
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Day {
        Day::parse(s).expect("a date")
    }

    #[test]
    fn the_shipped_years_read_and_cover_2007_to_2026() {
        for (name, text) in YEARS {
            let years = parse_years(text, name).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(years.len(), 1, "{name}");
        }
        let cal = Calendar::embedded();
        assert!(cal.missing_years(2007, 2026).is_empty());
        // The notice for 2027 had not come out when the data was taken.
        assert_eq!(cal.missing_years(2026, 2028), vec![2027, 2028]);
        assert_eq!(
            cal.years().find(|y| y.year == 2026).map(|y| y.papers.len()),
            Some(1)
        );
    }

    #[test]
    fn weekdays_are_counted_from_thursday_1970() {
        assert_eq!(day("1970-01-01").weekday(), 3);
        assert_eq!(day("2026-12-04").weekday(), 4); // a Friday
        assert_eq!(day("2026-02-14").weekday(), 5);
        assert_eq!(day("2026-02-14").to_string(), "2026-02-14");
    }

    /// 春节 and 国庆 of 2025 and 2026, and their make-up days, as the notices give them
    /// (国办发明电〔2024〕12号, 国办发明电〔2025〕7号).
    #[test]
    fn the_2025_and_2026_holidays_are_days_off_and_their_make_up_days_are_worked() {
        let cal = Calendar::embedded();
        let off = [
            "2025-01-28",
            "2025-02-04",
            "2025-10-01",
            "2025-10-08",
            "2026-02-16",
            "2026-02-23",
            "2026-10-01",
            "2026-10-07",
            "2026-01-01",
        ];
        for d in off {
            assert!(!cal.is_working_day(day(d)), "{d} is a holiday");
        }
        // Weekend days worked instead.
        let worked = [
            "2025-01-26",
            "2025-02-08",
            "2025-09-28",
            "2025-10-11",
            "2026-02-14",
            "2026-02-28",
            "2026-09-20",
            "2026-10-10",
        ];
        for d in worked {
            assert!(day(d).is_weekend(), "{d} is a weekend day");
            assert!(cal.is_working_day(day(d)), "{d} is worked");
        }
        // An ordinary week.
        assert!(cal.is_working_day(day("2026-12-04")));
        assert!(!cal.is_working_day(day("2026-12-05")));
        assert_eq!(
            cal.listed(day("2026-02-17")).map(|l| l.name.as_str()),
            Some("春节")
        );
    }

    /// A draft formed on Tuesday 2026-02-10, just before 春节: day one is 02-11; 02-12, 02-13
    /// and the make-up Saturday 02-14 follow; the holiday runs to 02-23; 02-28 is worked; and
    /// the twentieth working day is 2026-03-16, not the 2026-03-10 a Monday-to-Friday count
    /// gives.
    #[test]
    fn twenty_working_days_across_the_spring_festival() {
        let cal = Calendar::embedded();
        let formed = day("2026-02-10");
        assert_eq!(cal.add_working_days(formed, 1), day("2026-02-11"));
        assert_eq!(cal.add_working_days(formed, 4), day("2026-02-14"));
        assert_eq!(cal.add_working_days(formed, 5), day("2026-02-24"));
        let due = cal.add_working_days(formed, 20);
        assert_eq!(cal.add_working_days(formed, 9), day("2026-02-28"));
        assert_eq!(due, day("2026-03-16"));
        assert_eq!(cal.working_days_between(formed, due), 20);
        assert_eq!(cal.working_days_between(due, formed), -20);
        let plain = Calendar::from_years([]);
        assert_eq!(plain.add_working_days(formed, 20), day("2026-03-10"));
    }

    proptest::proptest! {
        /// Counting forward and counting back agree, and the day reached is a working day.
        #[test]
        fn adding_and_counting_agree(start in 13_000i64..21_500, n in 0u32..400) {
            let cal = Calendar::embedded();
            let start = Day(start);
            let due = cal.add_working_days(start, n);
            proptest::prop_assert_eq!(cal.working_days_between(start, due), i64::from(n));
            proptest::prop_assert!(n == 0 || cal.is_working_day(due));
        }
    }

    #[test]
    fn a_stopped_clock_is_met_or_late_whatever_today_is() {
        let cal = Calendar::embedded();
        let limit = Limit { working_days: 20 };
        let from = day("2026-02-10");
        let met = cal.clock_until(limit, from, day("2026-06-01"), Some(day("2026-03-16")));
        assert_eq!((met.state, met.left), (ClockState::Met, 0));
        assert_eq!(met.stopped_on, Some(day("2026-03-16")));
        let late = cal.clock_until(limit, from, day("2026-06-01"), Some(day("2026-03-17")));
        assert_eq!((late.state, late.left), (ClockState::Late, -1));
        let running = cal.clock_until(limit, from, day("2026-03-17"), None);
        assert_eq!(running.state, ClockState::Overdue);
    }

    #[test]
    fn a_clock_is_near_then_due_then_overdue() {
        let cal = Calendar::embedded();
        let limit = Limit { working_days: 20 };
        let from = day("2026-02-10");
        let c = cal.clock(limit, from, day("2026-02-12"));
        assert_eq!((c.due, c.state), (day("2026-03-16"), ClockState::Ok));
        assert_eq!(c.left, 18);
        let c = cal.clock(limit, from, day("2026-03-10"));
        assert_eq!((c.left, c.state), (4, ClockState::Near));
        let c = cal.clock(limit, from, day("2026-03-16"));
        assert_eq!((c.left, c.state), (0, ClockState::Near));
        // The Saturday after the due day counts no working day, but the limit has passed.
        let c = cal.clock(limit, from, day("2026-03-21"));
        assert_eq!((c.left, c.state), (-4, ClockState::Overdue));
        let c = cal.clock(limit, from, day("2026-03-17"));
        assert_eq!((c.left, c.state), (-1, ClockState::Overdue));
        assert_eq!(
            serde_json::to_value(c).expect("serialises")["due"],
            "2026-03-16"
        );
    }

    #[test]
    fn a_missing_year_counts_monday_to_friday_and_a_file_adds_it() {
        let cal = Calendar::embedded();
        assert!(
            cal.is_working_day(day("2027-01-01")),
            "no notice for 2027 yet"
        );
        let dir = std::env::temp_dir().join(format!("baomi-cal-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let file = dir.join("2027.json");
        std::fs::write(
            &file,
            r#"{"year": 2027, "papers": ["https://www.gov.cn/example"], "days": [
                {"name": "元旦", "date": "2027-01-01", "isOffDay": true}]}"#,
        )
        .expect("write");
        let cal = cal.with_file(&file).expect("a good file");
        assert!(!cal.is_working_day(day("2027-01-01")));
        assert!(cal.missing_years(2026, 2027).is_empty());
        assert!(cal
            .years()
            .any(|y| y.year == 2027 && y.source.ends_with("2027.json")));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn bad_files_say_what_and_where() {
        let e = parse_years("{\"year\": 2027,\n \"days\": [}", "x.json").unwrap_err();
        assert_eq!(e.at.map(|a| a.0), Some(2), "{e}");
        assert!(e.to_string().starts_with("x.json:2:"), "{e}");
        let e = parse_years(
            r#"{"year": 2027, "days": [{"name": "元旦", "date": "2027-02-30", "isOffDay": true}]}"#,
            "x.json",
        )
        .unwrap_err();
        assert!(e.message.contains("2027-02-30"), "{e}");
        let e = parse_years(
            r#"{"year": 2027, "days": [{"name": "元旦", "date": "2030-01-01", "isOffDay": true}]}"#,
            "x.json",
        )
        .unwrap_err();
        assert!(e.message.contains("not near"), "{e}");
        let e = parse_years(
            r#"{"year": 2027, "days": [{"name": "元旦", "date": "2027-01-01", "isOffDay": true},
                {"name": "元旦", "date": "2027-01-01", "isOffDay": false}]}"#,
            "x.json",
        )
        .unwrap_err();
        assert!(e.message.contains("both"), "{e}");
        let e = parse_years(r#"{"year": 2027, "dayz": []}"#, "x.json").unwrap_err();
        assert!(e.message.contains("not a holiday year"), "{e}");
        assert!(parse_years("[]", "x.json").unwrap().is_empty());
    }
}
