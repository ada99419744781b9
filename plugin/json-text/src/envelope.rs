//! A list response's envelope, `{"data": ..., "pagination": {...}}`, parsed in one validating pass
//! that leaves the items as raw slices of the body.

use alloc::string::String;
use alloc::vec::Vec;
use serde::Deserialize;
use serde_json::value::RawValue;

/// The fields of a `data` object, values unparsed.
pub type DataFields<'a> = Vec<(String, &'a RawValue)>;

/// A list response: `data` (absent or `null` is `None`) and `pagination`.
#[derive(Deserialize)]
pub struct Envelope<'a> {
    #[serde(borrow, default)]
    pub data: Option<Data<'a>>,
    #[serde(borrow, default)]
    pub pagination: Option<Pagination<'a>>,
}

/// `pagination`, kept as the server sent it (the caller decides what a usable cursor or count
/// is: SentinelOne ends lists with `null`, `""` or `"null"`). Raw: a `Value` here would compile
/// its whole parser a second time, at this crate's speed-first optimisation level.
#[derive(Deserialize)]
pub struct Pagination<'a> {
    #[serde(borrow, default, rename = "nextCursor")]
    pub next_cursor: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "totalItems")]
    pub total_items: Option<&'a RawValue>,
}

/// `data`, split in the same pass that validates it: an array into its items, an object into its
/// fields (values unparsed), anything else noted. Listings are the bulk path, and a second pass
/// over every page (parsing `data` whole, then again as an array) was a third of the guest's work.
pub enum Data<'a> {
    Array(Vec<&'a RawValue>),
    Object(DataFields<'a>),
    Other,
}

impl<'de: 'a, 'a> Deserialize<'de> for Data<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit<'a>(core::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = Data<'a>;
            fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_seq<S: serde::de::SeqAccess<'de>>(self, mut seq: S) -> Result<Data<'a>, S::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element::<&'de RawValue>()? {
                    items.push(item);
                }
                Ok(Data::Array(items))
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(self, map: M) -> Result<Data<'a>, M::Error> {
                Ok(Data::Object(fields(map)?))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Data<'a>, E> {
                Ok(Data::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Data<'a>, E> {
                Ok(Data::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Data<'a>, E> {
                Ok(Data::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Data<'a>, E> {
                Ok(Data::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<Data<'a>, E> {
                Ok(Data::Other)
            }
            fn visit_unit<E>(self) -> Result<Data<'a>, E> {
                Ok(Data::Other)
            }
        }
        deserializer.deserialize_any(Visit(core::marker::PhantomData))
    }
}

/// A map's entries, in order, values unparsed.
fn fields<'de, M: serde::de::MapAccess<'de>>(mut map: M) -> Result<DataFields<'de>, M::Error> {
    let mut fields = Vec::new();
    while let Some((key, value)) = map.next_entry::<String, &'de RawValue>()? {
        fields.push((key, value));
    }
    Ok(fields)
}

/// The items of a raw JSON array; `None` when it is not one.
pub fn array(raw: &RawValue) -> Option<Vec<&RawValue>> {
    serde_json::from_str(raw.get()).ok()
}

/// Parses a list response's text: the whole body is validated, the items are not copied.
pub fn parse(text: &str) -> Result<Envelope<'_>, serde_json::Error> {
    serde_json::from_str(text)
}
