//! Plugins' public pages (manifest `location = "public"`, plugin API 0.2):
//! anyone may open `GET /{path}/{site}/{page}` without signing in — a
//! queue's entry page — on a site that enables the plugin. The kernel's
//! page (`kernel/ui/public.html`) frames the plugin's public panel; the
//! panel's commands come to `POST /api/public/{plugin}/{site}/commands`
//! and go to the plugin as `public-command` events, whose handling may
//! open one waiting session for the caller (its join goes back in the
//! reply, never to the plugin).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tether_protocol::public::{PublicCommand, PublicReply};
use tether_protocol::{Detail, ErrorCode};

use super::client_address::ClientAddress;
use super::extract::ApiJson;
use super::plugin_commands::dispatch_error;
use crate::Kernel;
use crate::desk::TooManyPublicCommands;
use crate::plugin_host::manifest::{Manifest, Panel};
use crate::plugin_host::services::{PluginEvent, PublicCaller};
use crate::web::error::ApiError;

/// Longest command name.
const MAX_NAME_CHARS: usize = 64;
/// Longest page name (what follows the site in the address).
const MAX_PAGE_CHARS: usize = 64;

/// A plugin's public page.
#[derive(Debug, Clone, PartialEq)]
pub struct PublicPage {
    pub plugin: String,
    pub panel: Panel,
}

/// The public pages of the loaded plugins, by path.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PublicPages {
    by_path: BTreeMap<String, PublicPage>,
}

/// A public page whose path another plugin's page has already.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "plugin `{plugin}`: its public page's path `{path}` is already the path of plugin `{owner}`'s public page; it is not served"
)]
pub struct PathTaken {
    pub plugin: String,
    pub path: String,
    pub owner: String,
}

impl PublicPages {
    /// The public pages of `plugins` (in the order given: the first to
    /// claim a path keeps it, the others are refused).
    pub fn of<'a>(
        plugins: impl IntoIterator<Item = &'a crate::plugin_host::LoadedPlugin>,
    ) -> (PublicPages, Vec<PathTaken>) {
        PublicPages::of_manifests(plugins.into_iter().map(|p| p.manifest.as_ref()))
    }

    fn of_manifests<'a>(
        manifests: impl IntoIterator<Item = &'a Manifest>,
    ) -> (PublicPages, Vec<PathTaken>) {
        let mut pages = PublicPages::default();
        let mut taken = Vec::new();
        for manifest in manifests {
            for (path, panel) in manifest.public_panels() {
                match pages.by_path.get(path) {
                    Some(owner) if owner.plugin != manifest.id => taken.push(PathTaken {
                        plugin: manifest.id.clone(),
                        path: path.to_owned(),
                        owner: owner.plugin.clone(),
                    }),
                    // A manifest names each path once (validated).
                    Some(_) => {}
                    None => {
                        pages.by_path.insert(
                            path.to_owned(),
                            PublicPage {
                                plugin: manifest.id.clone(),
                                panel: panel.clone(),
                            },
                        );
                    }
                }
            }
        }
        (pages, taken)
    }

    pub fn at(&self, path: &str) -> Option<&PublicPage> {
        self.by_path.get(path)
    }

    /// Whether `plugin` has a public page served here.
    pub fn has_plugin(&self, plugin: &str) -> bool {
        self.by_path.values().any(|page| page.plugin == plugin)
    }
}

/// Whether `page` may name a plugin's page: 1 to 64 of `a-z A-Z 0-9 _ -`
/// (`support` of `/q/default/support`).
fn is_page_name(page: &str) -> bool {
    (1..=MAX_PAGE_CHARS).contains(&page.len())
        && page
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// Whether `name` may name a command: 1 to 64 characters, none a control
/// character.
fn is_command_name(name: &str) -> bool {
    let chars = name.chars().count();
    (1..=MAX_NAME_CHARS).contains(&chars) && !name.chars().any(char::is_control)
}

/// The page's context as `public.html` reads it (`src/public/context.ts`).
fn context(page: &PublicPage, site: &str, name: &str) -> Value {
    json!({
        "location": "public",
        "plugin": page.plugin,
        "site": site,
        "page": name,
        "entry": page.panel.entry,
        "title": page.panel.title,
        "titles": page.panel.titles,
    })
}

fn enabled_on(kernel: &Kernel, plugin: &str, site: &str) -> bool {
    kernel
        .plugins
        .enabled_for(site)
        .is_some_and(|plugins| plugins.iter().any(|p| p.manifest.id == plugin))
}

/// `GET /{path}/{site}/{page}`: the plugin's public page on `site`, if
/// the site enables it (anything else is "no such page", whatever it was).
pub async fn page(
    State(kernel): State<Arc<Kernel>>,
    Path((path, site, name)): Path<(String, String, String)>,
) -> Response {
    let not_found = || (StatusCode::NOT_FOUND, "no such page").into_response();
    let Some(page) = kernel.public_pages.at(&path) else {
        return not_found();
    };
    if !is_page_name(&name) || !enabled_on(&kernel, &page.plugin, &site) {
        return not_found();
    }
    super::ui::public_page(&context(page, &site, &name))
}

/// The origin of a browser's request must be this server's (or one the
/// operator allowed): another site's page cannot make customers' browsers
/// enter queues.
fn check_same_origin(kernel: &Kernel, headers: &HeaderMap) -> Result<(), ApiError> {
    let origin = headers
        .get("origin")
        .and_then(|origin| origin.to_str().ok())
        .ok_or_else(|| {
            ApiError::forbidden(
                "a public page's command comes from its page, which sends its Origin",
            )
        })?;
    if super::ws::origin_allowed(kernel, origin) {
        Ok(())
    } else {
        tracing::warn!(origin, "a public command from a foreign origin refused");
        Err(ApiError::forbidden(format!(
            "origin `{origin}` may not send commands here"
        )))
    }
}

impl From<TooManyPublicCommands> for ApiError {
    fn from(error: TooManyPublicCommands) -> Self {
        ApiError::new(ErrorCode::RateLimited, error.to_string())
            .with_detail(Detail::TooManyJoinAttempts { seconds: error.0 })
    }
}

/// `POST /api/public/{plugin}/{site}/commands`: a command from the
/// plugin's public page; the plugin's reply, and the join of the waiting
/// session it opened for the caller, if it did.
pub async fn command(
    State(kernel): State<Arc<Kernel>>,
    Path((plugin, site)): Path<(String, String)>,
    headers: HeaderMap,
    ClientAddress(client): ClientAddress,
    ApiJson(body): ApiJson<PublicCommand>,
) -> Result<Json<PublicReply>, ApiError> {
    check_same_origin(&kernel, &headers)?;
    kernel.desk.admit_public_command(client)?;
    if !is_command_name(&body.name) {
        return Err(ApiError::malformed(format!(
            "command names are 1 to {MAX_NAME_CHARS} characters"
        )));
    }
    if !is_page_name(&body.page) {
        return Err(ApiError::malformed(format!(
            "`page` is 1 to {MAX_PAGE_CHARS} letters, digits, `-` or `_`"
        )));
    }
    if !kernel.public_pages.has_plugin(&plugin) || !enabled_on(&kernel, &plugin, &site) {
        return Err(ApiError::not_found(format!(
            "plugin `{plugin}` has no public page on site `{site}`"
        )));
    }
    let caller = Arc::new(PublicCaller::new(client));
    let event = PluginEvent::PublicCommand {
        name: body.name.clone(),
        payload: body.payload.to_string(),
        page: body.page,
    };
    let reply = kernel
        .plugins
        .dispatch_public(&site, &plugin, event, caller.clone())
        .await;
    let join = caller.take_join();
    match reply {
        Ok(reply) => Ok(Json(PublicReply {
            reply: serde_json::from_str(&reply).unwrap_or(Value::String(reply)),
            join,
        })),
        Err(error) => {
            // The caller never learns the join: the customer the plugin
            // put in a waiting session cannot come, so they leave it (and
            // it ends).
            if let Some(join) = join
                && let Err(leave) = kernel
                    .sessions
                    .leave(&join.session, &join.participant)
                    .await
            {
                tracing::warn!(%leave, session = %join.session, "could not take back a waiting session's customer");
            }
            tracing::info!(%plugin, %site, name = %body.name, %error, "a public command failed");
            Err(dispatch_error(error))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(id: &str, path: &str) -> Manifest {
        let text = format!(
            "id = \"{id}\"\nname = \"N\"\nversion = \"1.0.0\"\napi-version = \"0.2\"\nwasm = \"{id}.wasm\"\ndescription = \"d\"\n\
             [[panels]]\nid = \"entry\"\ntitle = \"Queue\"\nlocation = \"public\"\npath = \"{path}\"\nentry = \"public.html\"\n\
             [limits]\nmemory-mb = 8\ntime-per-event-ms = 100\n"
        );
        crate::plugin_host::manifest::parse(std::path::Path::new("m.toml"), &text)
            .expect("valid manifest")
    }

    #[test]
    fn the_first_plugin_keeps_a_path_and_a_second_is_refused_it() {
        let (a, b, c) = (
            manifest("alpha", "q"),
            manifest("beta", "q"),
            manifest("gamma", "g"),
        );
        let (pages, taken) = PublicPages::of_manifests([&a, &b, &c]);
        assert_eq!(pages.at("q").map(|p| p.plugin.as_str()), Some("alpha"));
        assert_eq!(pages.at("g").map(|p| p.plugin.as_str()), Some("gamma"));
        assert_eq!(pages.at("x"), None);
        assert!(pages.has_plugin("alpha") && !pages.has_plugin("beta"));
        assert_eq!(
            taken,
            vec![PathTaken {
                plugin: "beta".into(),
                path: "q".into(),
                owner: "alpha".into()
            }]
        );
        assert!(taken[0].to_string().contains("plugin `beta`"));
    }

    #[test]
    fn page_and_command_names_are_checked() {
        for good in ["support", "Queue_2", "a-b", &"p".repeat(64)] {
            assert!(is_page_name(good), "{good}");
        }
        for bad in ["", "a/b", "a b", "ä", "..", &"p".repeat(65)] {
            assert!(!is_page_name(bad), "{bad}");
        }
        assert!(is_command_name("queue.enter"));
        for bad in ["", "a\nb", &"n".repeat(65)] {
            assert!(!is_command_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn the_context_is_what_the_public_page_reads() {
        let alpha = manifest("alpha", "q");
        let (pages, _) = PublicPages::of_manifests([&alpha]);
        let page = pages.at("q").expect("page");
        assert_eq!(
            context(page, "default", "support"),
            json!({ "location": "public", "plugin": "alpha", "site": "default", "page": "support",
                    "entry": "public.html", "title": "Queue", "titles": {} })
        );
    }
}
