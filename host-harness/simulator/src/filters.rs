//! Small matching helpers shared by the list filters (agents, accounts, sites, groups).

use super::clock::Timestamp;
use super::errors::ApiError;
use super::query::Params;

/// `field__gt/__gte/__lt/__lte` (ISO date-times) and `field__between` (`<fromMs>-<toMs>`, inclusive).
#[derive(Clone, Debug, Default)]
pub struct TimeRange {
    gt: Option<Timestamp>,
    gte: Option<Timestamp>,
    lt: Option<Timestamp>,
    lte: Option<Timestamp>,
    between_ms: Option<(i64, i64)>,
}

impl TimeRange {
    pub fn parse(params: &Params, field: &str) -> Result<TimeRange, ApiError> {
        let between_key = format!("{field}__between");
        let between_ms = params
            .get(&between_key)
            .map(|value| {
                value
                    .split_once('-')
                    .and_then(|(a, b)| Some((a.trim().parse::<i64>().ok()?, b.trim().parse::<i64>().ok()?)))
                    .ok_or_else(|| ApiError::validation(format!("{between_key}: expected <fromMs>-<toMs>")))
            })
            .transpose()?;
        Ok(TimeRange {
            gt: params.timestamp(&format!("{field}__gt"))?,
            gte: params.timestamp(&format!("{field}__gte"))?,
            lt: params.timestamp(&format!("{field}__lt"))?,
            lte: params.timestamp(&format!("{field}__lte"))?,
            between_ms,
        })
    }

    fn is_empty(&self) -> bool {
        self.gt.is_none() && self.gte.is_none() && self.lt.is_none() && self.lte.is_none() && self.between_ms.is_none()
    }

    /// An unset range admits everything; a set range never admits a missing instant.
    pub fn admits(&self, value: Option<Timestamp>) -> bool {
        if self.is_empty() {
            return true;
        }
        let Some(t) = value else { return false };
        self.gt.is_none_or(|b| t > b)
            && self.gte.is_none_or(|b| t >= b)
            && self.lt.is_none_or(|b| t < b)
            && self.lte.is_none_or(|b| t <= b)
            && self.between_ms.is_none_or(|(from, to)| (from..=to).contains(&t.millis()))
    }
}

/// `None` (no filter) admits everything; otherwise the value must be in the list.
pub fn allows<T: PartialEq>(filter: &Option<Vec<T>>, value: &T) -> bool {
    filter.as_ref().is_none_or(|list| list.contains(value))
}

/// A "not in" list: `None` admits everything.
pub fn excludes<T: PartialEq>(filter: &Option<Vec<T>>, value: &T) -> bool {
    filter.as_ref().is_none_or(|list| !list.contains(value))
}

/// Case-insensitive: any of the needles is a substring of any of the haystacks.
pub fn contains_any<'a>(needles: &Option<Vec<String>>, haystacks: impl IntoIterator<Item = &'a str>) -> bool {
    let Some(needles) = needles else { return true };
    let haystacks: Vec<String> = haystacks.into_iter().map(str::to_lowercase).collect();
    needles.iter().any(|n| {
        let n = n.to_lowercase();
        haystacks.iter().any(|h| h.contains(&n))
    })
}

/// Case-insensitive equality with any listed value.
pub fn equals_any(filter: &Option<Vec<String>>, value: &str) -> bool {
    filter.as_ref().is_none_or(|list| list.iter().any(|v| v.eq_ignore_ascii_case(value)))
}

/// A single free-text value as a one-element needle list (for `query`, `__like`).
pub fn single(params: &Params, key: &str) -> Option<Vec<String>> {
    params.get(key).map(|v| vec![v])
}
