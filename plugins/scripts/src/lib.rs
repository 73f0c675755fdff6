//! Plugin `scripts`: the site's script library (list, add, edit, delete,
//! publish; categories from the site admin) and running chosen scripts in a
//! session. Library commands come from the CSR's console outside a session
//! (uploads over REST); `run` comes from inside one.

mod library;
mod model;
mod name_lock;
mod run;

use serde::Deserialize;
use tether_sdk::prelude::*;

pub struct Scripts;

fn account(command: &Command) -> Result<&Account, PluginError> {
    command
        .account
        .as_ref()
        .ok_or_else(|| PluginError::Denied("the script library is for signed-in CSRs".into()))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ListRequest {
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    descending: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ById {
    id: String,
    #[serde(default)]
    confirm: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryList {
    categories: Vec<String>,
}

fn payload_or_default<T: for<'de> Deserialize<'de> + Default>(
    command: &Command,
) -> Result<T, PluginError> {
    if command.payload.trim() == "null" {
        Ok(T::default())
    } else {
        command.payload_json()
    }
}

impl Plugin for Scripts {
    fn command(command: Command) -> Result<Value, PluginError> {
        let account = account(&command)?;
        match command.name.as_str() {
            "categories.list" => Ok(json!(library::categories()?)),
            "categories.set" => {
                let list: CategoryList = command.payload_json()?;
                Ok(json!(library::set_categories(account, list.categories)?))
            }
            "library.list" => {
                let request: ListRequest = payload_or_default(&command)?;
                let sort = request.sort.as_deref().unwrap_or("name");
                Ok(json!(library::list(account, sort, request.descending)?))
            }
            "library.get" => {
                let by: ById = command.payload_json()?;
                Ok(json!(library::visible(&account.username, &by.id)?))
            }
            "library.add" => Ok(json!(library::add(account, command.payload_json()?)?)),
            "library.update" => Ok(json!(library::update(account, command.payload_json()?)?)),
            "library.delete" => {
                let by: ById = command.payload_json()?;
                library::delete(account, &by.id, by.confirm)?;
                Ok(json!({ "deleted": by.id }))
            }
            "run" => run::run(&command, account),
            other => Err(PluginError::InvalidInput(format!(
                "unknown command `{other}`"
            ))),
        }
    }
}

tether_sdk::export_plugin!(Scripts);

#[cfg(test)]
mod tests;
