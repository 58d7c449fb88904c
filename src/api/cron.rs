//! The cron form of automated-snapshot schedules (`backup_strategy`), checked offline.
//!
//! The policy pages (snapshot_management/adding_a_snapshot_policy.rst: "must comply with the
//! cron expression format"; querying_a_snapshot_policy.rst's examples `0 0 2 ? * 1` and
//! `0 7 2/8 ? * 2,3,4,5,6,7`) use Quartz's six fields: second, minute, hour, day of month,
//! month, day of week (1 = Sunday … 7, or `SUN`–`SAT`), with `?` in exactly one of the two
//! day fields. Only that documented subset is accepted (numbers or names, `*`, `?`, ranges
//! `a-b`, steps `a/n` and `*/n`, lists): a schedule that validates here is one the API's
//! own examples show it takes; Quartz's `L`, `W` and `#` and a seventh (year) field are
//! refused, as the pages never show them.

/// One field: its name, bounds and the names it takes for its values.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MONTHS: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: &[&str] = &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const FIELDS: [Field; 6] = [
    Field {
        name: "second",
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        name: "minute",
        min: 0,
        max: 59,
        names: &[],
    },
    Field {
        name: "hour",
        min: 0,
        max: 23,
        names: &[],
    },
    Field {
        name: "day of month",
        min: 1,
        max: 31,
        names: &[],
    },
    Field {
        name: "month",
        min: 1,
        max: 12,
        names: MONTHS,
    },
    Field {
        name: "day of week",
        min: 1,
        max: 7,
        names: DAYS,
    },
];

const DAY_OF_MONTH: usize = 3;
const DAY_OF_WEEK: usize = 5;

/// Checks a schedule; the error says what is wrong, in words a user can act on.
pub fn check(expr: &str) -> Result<(), String> {
    let parts: Vec<&str> = expr.split_whitespace().collect();
    if parts.len() != FIELDS.len() {
        return Err(format!(
            "has {} fields; a schedule has 6: second minute hour day-of-month month day-of-week",
            parts.len()
        ));
    }
    for (i, (part, field)) in parts.iter().zip(FIELDS.iter()).enumerate() {
        if *part == "?" {
            if i != DAY_OF_MONTH && i != DAY_OF_WEEK {
                return Err(format!(
                    "`?` is only for day of month or day of week, not the {}",
                    field.name
                ));
            }
            continue;
        }
        for item in part.split(',') {
            item_ok(item, field).map_err(|why| format!("the {} `{part}` {why}", field.name))?;
        }
    }
    let unspecified = [parts[DAY_OF_MONTH], parts[DAY_OF_WEEK]]
        .iter()
        .filter(|p| **p == "?")
        .count();
    if unspecified != 1 {
        return Err(
            "needs `?` in exactly one of day of month and day of week (e.g. `0 0 2 ? * 1`)"
                .to_owned(),
        );
    }
    Ok(())
}

/// One item of a list: `*`, `V`, `A-B`, with an optional `/STEP`.
fn item_ok(item: &str, field: &Field) -> Result<(), String> {
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => (range, Some(step)),
        None => (item, None),
    };
    if let Some(step) = step {
        let ok = step
            .parse::<u32>()
            .is_ok_and(|n| n >= 1 && n <= field.max.max(1));
        if !ok {
            return Err(format!(
                "has the step `{step}`; a step is a number from 1 to {}",
                field.max
            ));
        }
    }
    if range == "*" {
        return Ok(());
    }
    let (from, to) = match range.split_once('-') {
        Some((a, b)) => (value(a, field)?, Some(value(b, field)?)),
        None => (value(range, field)?, None),
    };
    if to.is_some_and(|to| to < from) {
        return Err("has a range that runs backwards".to_owned());
    }
    Ok(())
}

fn value(text: &str, field: &Field) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    if let Some(i) = field.names.iter().position(|n| *n == upper) {
        return Ok(field.min + i as u32);
    }
    match text.parse::<u32>() {
        Ok(n) if (field.min..=field.max).contains(&n) => Ok(n),
        _ => Err(format!(
            "has `{text}`; the {} is {} to {}{}",
            field.name,
            field.min,
            field.max,
            if field.names.is_empty() {
                String::new()
            } else {
                format!(
                    " or {}–{}",
                    field.names[0],
                    field.names[field.names.len() - 1]
                )
            }
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn the_reference_examples_are_accepted() {
        assert_eq!(check("0 0 2 ? * 1"), Ok(()));
        assert_eq!(check("0 7 2/8 ? * 2,3,4,5,6,7"), Ok(()));
        assert_eq!(check("0 30 3 * * ?"), Ok(()));
        assert_eq!(check("0 0 */6 ? JAN-JUN MON-FRI"), Ok(()));
    }

    #[test]
    fn malformed_schedules_say_what_is_wrong() {
        let err = |e: &str| check(e).expect_err(e);
        assert!(err("0 2 * * *").contains("5 fields"));
        assert!(err("0 0 24 ? * 1").contains("hour"));
        assert!(err("0 0 2 * * 1").contains("exactly one"));
        assert!(err("0 0 2 ? * ?").contains("exactly one"));
        assert!(err("? 0 2 ? * 1").contains("`?` is only"));
        assert!(err("0 0 2/0 ? * 1").contains("step"));
        assert!(err("0 0 5-2 ? * 1").contains("backwards"));
        assert!(err("0 0 2 ? * 8").contains("day of week"));
        assert!(err("0 0 2 L * ?").contains("day of month"));
        assert!(err("0 0 2 ? * 1 2026").contains("7 fields"));
    }
}
