//! The accounts → sites → groups tree, read with every page followed and confined to the
//! configuration's scope pins.

use crate::Error;
use crate::actions::confine;
use crate::client::{Bound, Client, Items, Query};
use alloc::borrow::ToOwned;
use alloc::format;
use alloc::string::String;
use alloc::string::ToString;
use alloc::vec::Vec;
use serde::Serialize;
use serde_json::{Map, Value};

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Licences {
    pub active: Option<i64>,
    pub total: Option<i64>,
    pub unlimited: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub is_default: bool,
    pub total_agents: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Site {
    pub id: String,
    pub name: String,
    pub state: String,
    pub site_type: Option<String>,
    pub licences: Licences,
    pub groups: Vec<Group>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub id: String,
    pub name: String,
    pub state: Option<String>,
    pub account_type: Option<String>,
    pub active_agents: Option<i64>,
    pub sites: Vec<Site>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Tree {
    pub accounts: Vec<Account>,
    pub all_sites: Licences,
}

/// Everything a tree read may return: the configuration bounds it, not the caller.
const ALL: usize = 1_000_000;

/// An id as SentinelOne sends it: a decimal string (an integer is accepted and kept exact).
pub fn id_of(value: Option<&Value>, what: &str) -> Result<String, Error> {
    match value {
        Some(Value::String(s)) if crate::config::is_id(s) => Ok(s.clone()),
        Some(Value::Number(n)) if n.is_u64() => Ok(n.to_string()),
        _ => Err(Error::UnexpectedResponse(format!("`{what}` is not an id"))),
    }
}

fn text(item: &Map<String, Value>, key: &str, what: &str) -> Result<String, Error> {
    match item.get(key) {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(Error::UnexpectedResponse(format!("`{what}.{key}` is missing or not a string"))),
    }
}

fn opt_text(item: &Map<String, Value>, key: &str) -> Option<String> {
    item.get(key).and_then(Value::as_str).map(str::to_owned)
}

fn opt_int(item: &Map<String, Value>, key: &str) -> Option<i64> {
    item.get(key).and_then(Value::as_i64)
}

fn licences(item: &Map<String, Value>) -> Licences {
    Licences {
        active: opt_int(item, "activeLicenses"),
        total: opt_int(item, "totalLicenses"),
        unlimited: item.get("unlimitedLicenses").and_then(Value::as_bool).unwrap_or(false),
    }
}

fn objects(items: Vec<Value>, what: &str) -> Result<Vec<Map<String, Value>>, Error> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| match v {
            Value::Object(m) => Ok(m),
            _ => Err(Error::UnexpectedResponse(format!("{what}[{i}] is not an object"))),
        })
        .collect()
}

/// Reads the tree. A token that may not list accounts (site scope) still gets its sites, grouped
/// under the account names the sites carry.
pub fn tree(client: &Client) -> Result<Tree, Error> {
    let pins = &client.config.scope;
    let mut scoped = Query::new();
    confine(&mut scoped, pins)?;

    let sites = client.list("sites", &scoped, Items::Field("sites"), Bound::items(1000, ALL))?;
    let all_sites = sites.beside.get("allSites").and_then(Value::as_object).map(licences).unwrap_or_default();
    let groups = client.list("groups", &scoped, Items::Data, Bound::items(300, ALL))?;

    let mut site_rows: Vec<(String, String, Option<String>, Site)> = Vec::new();
    for s in objects(sites.items, "sites")? {
        let site = Site {
            id: id_of(s.get("id"), "site.id")?,
            name: text(&s, "name", "site")?,
            state: opt_text(&s, "state").unwrap_or_else(|| "unknown".into()),
            site_type: opt_text(&s, "siteType"),
            licences: licences(&s),
            groups: Vec::new(),
        };
        site_rows.push((id_of(s.get("accountId"), "site.accountId")?, opt_text(&s, "accountName").unwrap_or_default(), None, site));
    }
    for g in objects(groups.items, "groups")? {
        let site_id = id_of(g.get("siteId"), "group.siteId")?;
        let group = Group {
            id: id_of(g.get("id"), "group.id")?,
            name: text(&g, "name", "group")?,
            kind: opt_text(&g, "type").unwrap_or_else(|| "static".into()),
            is_default: g.get("isDefault").and_then(Value::as_bool).unwrap_or(false),
            total_agents: opt_int(&g, "totalAgents"),
        };
        if let Some(row) = site_rows.iter_mut().find(|r| r.3.id == site_id) {
            row.3.groups.push(group);
        }
    }

    // Accounts: ask for exactly the ones the sites belong to (or the pinned ones).
    let mut account_ids: Vec<String> = pins.account_ids.clone();
    if account_ids.is_empty() {
        for (id, ..) in &site_rows {
            if !account_ids.contains(id) {
                account_ids.push(id.clone());
            }
        }
    }
    let mut accounts: Vec<Account> = Vec::new();
    if !account_ids.is_empty() {
        let query = Query::new().with("accountIds", account_ids.join(","));
        match client.list("accounts", &query, Items::Data, Bound::items(1000, ALL)) {
            Ok(listing) => {
                for a in objects(listing.items, "accounts")? {
                    accounts.push(Account {
                        id: id_of(a.get("id"), "account.id")?,
                        name: text(&a, "name", "account")?,
                        state: opt_text(&a, "state"),
                        account_type: opt_text(&a, "accountType"),
                        active_agents: opt_int(&a, "activeAgents"),
                        sites: Vec::new(),
                    });
                }
            }
            Err(Error::Forbidden(_)) => {}
            Err(e) => return Err(e),
        }
    }
    for (account_id, account_name, _, site) in site_rows {
        let account = match accounts.iter_mut().position(|a| a.id == account_id) {
            Some(i) => &mut accounts[i],
            None => {
                accounts.push(Account {
                    id: account_id,
                    name: account_name,
                    state: None,
                    account_type: None,
                    active_agents: None,
                    sites: Vec::new(),
                });
                accounts.last_mut().expect("just pushed")
            }
        };
        account.sites.push(site);
    }
    Ok(Tree { accounts, all_sites })
}
